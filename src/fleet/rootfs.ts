/**
 * The shared, read-only lower tree every fleet host overlays: a debootstrap
 * minbase Debian with the tools the hardening playbooks and their fixtures need.
 * Cached under /var/cache/nodemend by a hash of what goes into it, built in a
 * temp dir and renamed into place, so a crash never leaves a tree that looks done.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetError, isAlive, run } from './proc.js';
import { removeTree } from './mounts.js';

export const SUITE = 'bookworm';

export const PACKAGES = [
  'openssh-server',
  'sudo',
  'python3',
  'iproute2',
  'procps',
  'kmod',
  'curl',
  'ca-certificates',
  'make',
  'gcc',
  'libc6-dev',
  'patch',
  'xz-utils',
  'golang-go',
  'file',
  // git: hack/lib/version.sh reads a Kubernetes checkout's version (describe, -dirty) with it
  'git',
] as const;

/**
 * Users as in the reference recipe: ops has passwordless sudo, opspw needs its
 * password ("opspw"). Host keys are removed: each host generates its own.
 */
const SETUP_SCRIPT = `
useradd -m -s /bin/bash -p '*' ops
echo 'ops ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ops
useradd -m -s /bin/bash opspw
echo 'opspw:opspw' | chpasswd
echo 'opspw ALL=(ALL) ALL' > /etc/sudoers.d/opspw
chmod 0440 /etc/sudoers.d/ops /etc/sudoers.d/opspw
rm -f /etc/ssh/ssh_host_*
apt-get clean
`;

/** Written last inside a finished tree; its presence is what "complete" means. */
const MARKER = '.nodemend-rootfs.json';

export const cacheDir = (): string => process.env.NODEMEND_ROOTFS_CACHE ?? '/var/cache/nodemend';

/** Changes whenever the suite, the package list or the user setup changes, so old trees are never reused. */
export function rootfsKey(packages: readonly string[] = PACKAGES, suite = SUITE): string {
  const h = createHash('sha256').update([suite, ...[...packages].sort(), SETUP_SCRIPT].join('\n'));
  return h.digest('hex').slice(0, 12);
}

export function rootfsPath(): string {
  return join(cacheDir(), `rootfs-${rootfsKey()}`);
}

export function isComplete(tree: string): boolean {
  return existsSync(join(tree, MARKER));
}

/** deb822 stanzas (*.sources) first, then one-line sources.list entries; MIRROR overrides both. */
export function detectMirror(read: (p: string) => string | undefined = readIfExists, list: (d: string) => string[] = listIfExists): string {
  if (process.env.MIRROR) return process.env.MIRROR;
  const sourceFiles = list('/etc/apt/sources.list.d').filter((f) => f.endsWith('.sources'));
  for (const f of sourceFiles) {
    for (const stanza of (read(join('/etc/apt/sources.list.d', f)) ?? '').split(/\n\s*\n/)) {
      const field = (name: string): string[] => (new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1] ?? '').split(/\s+/).filter(Boolean);
      if (field('Suites').includes(SUITE) && field('URIs')[0]) return field('URIs')[0];
    }
  }
  for (const line of (read('/etc/apt/sources.list') ?? '').split('\n')) {
    const words = line
      .replace(/\[[^\]]*\]/, '')
      .trim()
      .split(/\s+/);
    if (words[0] === 'deb' && words[2] === SUITE) return words[1];
  }
  throw new FleetError(`no Debian ${SUITE} mirror found in the apt sources; set MIRROR=http://.../debian`);
}

function readIfExists(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
function listIfExists(d: string): string[] {
  try {
    return readdirSync(d).sort();
  } catch {
    return [];
  }
}

/** Temp trees of builds whose process is gone (crashed, killed): "<final>.tmp-<pid>". */
async function removeAbandonedBuilds(final: string): Promise<void> {
  const dir = cacheDir();
  const prefix = `${final.slice(dir.length + 1)}.tmp-`;
  for (const entry of listIfExists(dir)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (!isAlive(pid)) await removeTree(join(dir, entry));
  }
}

/** The cached tree, built first if missing (a few minutes once; then instant). */
export async function ensureRootfs(log: (line: string) => void = () => {}): Promise<string> {
  const final = rootfsPath();
  if (isComplete(final)) return final;
  mkdirSync(cacheDir(), { recursive: true });
  await removeAbandonedBuilds(final);
  if (existsSync(final)) await removeTree(final); // incomplete: from an older tool without the marker

  const mirror = detectMirror();
  const tmp = `${final}.tmp-${process.pid}`;
  log(`building the fleet root filesystem in ${final} (debootstrap ${SUITE} from ${mirror}; once per machine)`);
  try {
    await run('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, tmp, mirror]);
    await run('chroot', [tmp, '/bin/sh', '-ec', SETUP_SCRIPT]);
    writeFileSync(join(tmp, MARKER), JSON.stringify({ suite: SUITE, packages: PACKAGES, mirror, built: new Date().toISOString() }, null, 2));
  } catch (e) {
    await removeTree(tmp); // debootstrap may leave proc/sys mounted inside on failure
    throw e;
  }
  try {
    renameSync(tmp, final);
  } catch (e) {
    // Another build finished first: keep its tree, drop ours.
    await removeTree(tmp);
    if (!isComplete(final)) throw e;
  }
  log(`root filesystem ready: ${final}`);
  return final;
}
