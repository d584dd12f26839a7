/**
 * One fleet host: an overlay root (mounted in the controller's namespace, so the
 * host's files are plain paths under hosts/NAME/merged), and a process tree in its
 * own mount/PID/UTS namespaces whose PID 1 is a bash loop running a real sshd on
 * 127.0.0.1:PORT. Killing that PID 1 ends every process of the host at once, which
 * is how stopHost() cuts established sessions like a crashed machine would.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FleetError, childrenOf, cmdline, isAlive, pidNamespace, processesInNamespace, run, tryRun, waitFor } from './proc.js';
import { isMountPoint, removeTree, unmountUnder } from './mounts.js';

export interface HostMeta {
  name: string;
  port: number;
  /** The lower tree this host's overlay is built on. */
  rootfs: string;
}

export type HostStatus = 'running' | 'stopped';

export const hostDir = (dir: string, name: string): string => join(dir, 'hosts', name);
export const hostRoot = (dir: string, name: string): string => join(hostDir(dir, name), 'merged');
export const hostUpper = (dir: string, name: string): string => join(hostDir(dir, name), 'upper');
const upper = hostUpper;
const pidFile = (dir: string, name: string): string => join(hostDir(dir, name), 'pid');
const metaFile = (dir: string, name: string): string => join(hostDir(dir, name), 'host.json');
export const hostKeyPub = (dir: string, name: string): string => join(upper(dir, name), 'etc/ssh/ssh_host_ed25519_key.pub');

/** argv[0] of each host's PID 1, followed by its port and root: how a host is found even without its pid file. */
const INIT_TAG = 'nodemend-host-init';

/**
 * Runs inside the new namespaces: mounts only this host sees (they vanish with it),
 * then chroot. Values arrive as positional parameters, never spliced into the text.
 * The inner bash is PID 1: it reaps orphans, so daemons started over ssh work.
 *
 * /proc/sys is a read-only bind of itself, as container runtimes mount it: the hosts share
 * this machine's kernel and network namespace, so a sysctl written on a host (a hardening
 * role's net.*, kernel.kexec_load_disabled, fs.*) would change the whole machine, some of it
 * until reboot. Only kernel.hostname and kernel.domainname stay writable: they belong to the
 * host's own UTS namespace (differential-modules' sysctl case sets kernel.domainname live).
 */
const HOST_INIT = `
set -e
root=$1 port=$2 name=$3
mount -t proc proc "$root/proc"
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
for k in hostname domainname; do
  mount --bind "$root/proc/sys/kernel/$k" "$root/proc/sys/kernel/$k"
  mount -o remount,bind,rw "$root/proc/sys/kernel/$k"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys" 2>/dev/null || true
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
mkdir -p "$root/run/sshd"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
hostname "$name"
exec chroot "$root" /bin/bash -c '
  /usr/sbin/sshd -p "$1" -o ListenAddress=127.0.0.1 -o UsePAM=no || exit 1
  trap "exit 0" TERM
  while :; do sleep 5 & wait; done' ${INIT_TAG} "$port" "$root"
`;

export function readMeta(dir: string, name: string): HostMeta | undefined {
  try {
    return JSON.parse(readFileSync(metaFile(dir, name), 'utf8')) as HostMeta;
  } catch {
    return undefined;
  }
}

function readPid(dir: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(dir, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The host's unshare process, if it is alive and really ours (a recycled pid is not). */
function livePid(dir: string, name: string): number | undefined {
  const pid = readPid(dir, name);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const argv = cmdline(pid);
  return argv[0]?.endsWith('unshare') && argv.includes(hostRoot(dir, name)) ? pid : undefined;
}

/**
 * The PID 1 of every namespace running this host's root, found by its argv. Normally
 * one; more (or one without a live unshare) only after a crash or a lost pid file.
 */
function hostInits(dir: string, name: string): number[] {
  const root = hostRoot(dir, name);
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = cmdline(Number(entry));
    if (argv.includes(INIT_TAG) && argv[argv.length - 1] === root && isAlive(Number(entry))) out.push(Number(entry));
  }
  return out;
}

export function hostStatus(dir: string, name: string): HostStatus {
  return livePid(dir, name) && hostInits(dir, name).length ? 'running' : 'stopped';
}

/**
 * Create what the overlay's upper layer needs (idempotent: a half-made dir from a
 * crash is completed). The host key is generated once and survives stop/start.
 */
export async function prepareHost(dir: string, meta: HostMeta, publicKey: string): Promise<void> {
  const up = upper(dir, meta.name);
  for (const d of [join(up, 'etc/ssh'), join(hostDir(dir, meta.name), 'work'), hostRoot(dir, meta.name)]) mkdirSync(d, { recursive: true });
  // sshd's StrictModes wants the home and .ssh owned by the user with the lower tree's modes.
  for (const home of ['root', 'home/ops', 'home/opspw']) {
    const lower = statSync(join(meta.rootfs, home));
    const sshDir = join(up, home, '.ssh');
    mkdirSync(sshDir, { recursive: true });
    writeFileSync(join(sshDir, 'authorized_keys'), publicKey);
    chmodSync(join(up, home), lower.mode & 0o7777);
    chmodSync(sshDir, 0o700);
    chmodSync(join(sshDir, 'authorized_keys'), 0o600);
    for (const p of [join(up, home), sshDir, join(sshDir, 'authorized_keys')]) chownSync(p, lower.uid, lower.gid);
  }
  const hostKey = join(up, 'etc/ssh/ssh_host_ed25519_key');
  if (!existsSync(hostKey) || !existsSync(`${hostKey}.pub`)) {
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${meta.name}`, '-f', hostKey]);
  }
  writeFileSync(join(up, 'etc/hostname'), `${meta.name}\n`);
  writeFileSync(join(up, 'etc/hosts'), `127.0.0.1 localhost\n127.0.1.1 ${meta.name}\n`);
  // The hosts share the controller's network: its resolver works for them (apt on the hosts).
  if (existsSync('/etc/resolv.conf')) copyFileSync('/etc/resolv.conf', join(up, 'etc/resolv.conf'));
  writeFileSync(metaFile(dir, meta.name), JSON.stringify(meta, null, 2) + '\n');
}

async function mountRoot(dir: string, meta: HostMeta): Promise<void> {
  const merged = hostRoot(dir, meta.name);
  if (isMountPoint(merged)) return;
  const hd = hostDir(dir, meta.name);
  const opts = `lowerdir=${meta.rootfs},upperdir=${join(hd, 'upper')},workdir=${join(hd, 'work')}`;
  await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, merged]);
}

/** Unmount the host's root (after a rootfs change, or when the fleet shrinks). */
export async function unmountRoot(dir: string, name: string): Promise<void> {
  await unmountUnder(hostRoot(dir, name));
}

/** First line an SSH server sends; undefined while nothing answers on the port. */
export function sshBanner(port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (v: string | undefined): void => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) done(buf.split('\n')[0].trim());
    });
    sock.on('end', () => done(undefined));
  });
}

function consoleTail(dir: string, name: string): string {
  try {
    return readFileSync(join(hostDir(dir, name), 'console.log'), 'utf8')
      .trim()
      .split('\n')
      .slice(-5)
      .join('\n');
  } catch {
    return '';
  }
}

/**
 * Wait until this host's sshd answers, then check with ssh-keyscan that the key it
 * presents is this host's: a foreign server squatting the port must not pass.
 */
async function waitForSshd(dir: string, meta: HostMeta, timeoutMs: number): Promise<void> {
  const { name, port } = meta;
  await waitFor(
    async () => {
      if (!livePid(dir, name)) throw new FleetError(`${name} exited while starting (port ${port}): ${consoleTail(dir, name) || 'no output'}`);
      return (await sshBanner(port))?.startsWith('SSH-') ? true : undefined;
    },
    timeoutMs,
    () => new FleetError(`${name}: sshd did not answer on 127.0.0.1:${port} within ${timeoutMs / 1000}s`),
  );
  const expected = readFileSync(hostKeyPub(dir, name), 'utf8').trim().split(/\s+/)[1];
  // Under a heavy load (dozens of hosts starting beside test runs) a scan can time out with nothing read:
  // scan again until the start deadline; a key that differs is final.
  const deadline = Date.now() + timeoutMs;
  let seen: string | undefined;
  let why = '';
  do {
    const scan = await tryRun('ssh-keyscan', ['-T', '10', '-t', 'ed25519', '-p', String(port), '127.0.0.1'], { timeoutMs: 20_000 });
    seen = scan.stdout.trim().split(/\s+/)[2];
    why =
      scan.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .pop() ?? `exit ${scan.code}`;
  } while (!seen && Date.now() < deadline);
  if (seen !== expected) throw new FleetError(`${name}: the server on 127.0.0.1:${port} is not this host (host key ${seen ? 'differs' : `unreadable: ${why || 'no output'}`}); is the port taken?`);
}

/** Start the namespaces and sshd (the host dir must be prepared); resolves once sshd answers with this host's key. */
export async function launchHost(dir: string, meta: HostMeta, timeoutMs = 30_000): Promise<void> {
  if (hostStatus(dir, meta.name) === 'running') return;
  await stopHost(dir, meta.name); // leftovers of a crash: a half-dead namespace, a stale pid file
  await mountRoot(dir, meta);
  const log = openSync(join(hostDir(dir, meta.name), 'console.log'), 'a');
  const child = spawn(
    'unshare',
    ['--mount', '--pid', '--fork', '--kill-child', '--uts', '--propagation', 'private', '--', '/bin/bash', '-c', HOST_INIT, 'nodemend-host', hostRoot(dir, meta.name), String(meta.port), meta.name],
    { detached: true, stdio: ['ignore', log, log] }, // own session: outlives `fleet up`, killable as a group
  );
  closeSync(log);
  try {
    await once(child, 'spawn');
  } catch (e) {
    throw new FleetError(`cannot start ${meta.name}: ${(e as Error).message}`);
  }
  child.unref();
  writeFileSync(pidFile(dir, meta.name), `${child.pid}\n`);
  await waitForSshd(dir, meta, timeoutMs);
}

/**
 * Kill the host's whole namespace (sshd and every session) and wait until none of
 * its processes is left, so the port refuses as soon as this returns. The root stays
 * mounted: its files can still be read, and startHost() reuses it.
 */
export async function stopHost(dir: string, name: string): Promise<void> {
  const pid = livePid(dir, name);
  const inits = [...new Set([...(pid ? childrenOf(pid) : []), ...hostInits(dir, name)])];
  const namespaces = inits.map(pidNamespace).filter((ns): ns is string => ns !== undefined);
  // Killing a namespace's PID 1 makes the kernel kill everything else in it.
  for (const target of [...(pid ? [-pid] : []), ...inits]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await waitFor(
    () => ((!pid || !isAlive(pid)) && namespaces.every((ns) => processesInNamespace(ns).length === 0) ? true : undefined),
    15_000,
    () => new FleetError(`${name}: processes still alive after SIGKILL`),
  );
  rmSync(pidFile(dir, name), { force: true });
}

/** Bring a stopped host back with the same root, port and host key. */
export async function startHost(dir: string, name: string, timeoutMs?: number): Promise<void> {
  const meta = readMeta(dir, name);
  if (!meta) throw new FleetError(`no host "${name}" in ${dir} (run "fleet up" first)`);
  await launchHost(dir, meta, timeoutMs);
}

/** Stop, unmount and delete a host and all its state. */
export async function removeHost(dir: string, name: string): Promise<void> {
  await stopHost(dir, name);
  await removeTree(hostDir(dir, name));
}

/**
 * Make a host fresh again: every file it changed is dropped (its overlay's upper layer is
 * emptied), the port, host key and authorized keys stay, so clients need no new known_hosts.
 */
export async function resetHost(dir: string, name: string): Promise<void> {
  const meta = readMeta(dir, name);
  if (!meta) throw new FleetError(`no host "${name}" in ${dir} (run "fleet up" first)`);
  const up = upper(dir, name);
  const hostKey = join(up, 'etc/ssh/ssh_host_ed25519_key');
  const kept = { key: readFileSync(hostKey), pub: readFileSync(`${hostKey}.pub`), authorized: readFileSync(join(up, 'root/.ssh/authorized_keys'), 'utf8') };
  await stopHost(dir, name);
  await unmountRoot(dir, name);
  await removeTree(up);
  await removeTree(join(hostDir(dir, name), 'work'));
  mkdirSync(join(up, 'etc/ssh'), { recursive: true });
  writeFileSync(hostKey, kept.key, { mode: 0o600 });
  writeFileSync(`${hostKey}.pub`, kept.pub, { mode: 0o644 });
  await prepareHost(dir, meta, kept.authorized);
  await launchHost(dir, meta);
}
