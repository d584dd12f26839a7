/**
 * One nodemend run per host at a time: a real run writes a lock file on each host when it
 * first connects (before its first task there) and removes it at the end of the run (a
 * Ctrl-C included). A second run that finds a lock fails that host, naming the holder's run
 * id, start time, pid and controller; `--ignore-lock` breaks a lock whose run is gone.
 *
 * Where: `/run/nodemend.lock`, or `/tmp/nodemend.lock` when the identity cannot write /run
 * (a run without become). /run is a tmpfs emptied at every boot on RHEL/CentOS 7 and Debian
 * alike, so a lock left by a killed controller never outlives a reboot, and only root can
 * create or remove it there; both places are checked, so a run with and one without root
 * still see each other. Taken with the inventory's become (if any), else as the login user.
 * Creation is O_EXCL (the shell's noclobber): two runs racing for one host cannot both win.
 * Check runs change nothing and take no lock.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { InventoryHost } from '../load/model.js';
import { raw, sh } from '../transport/quote.js';
import type { BecomeSpec, HostConnection, RemoteShell } from '../transport/types.js';
import { UnreachableError } from '../transport/types.js';

/**
 * The lock file's name: `nodemend.lock`, or NODEMEND_RUN_LOCK_NAME. Only a test suite that runs
 * several runs on one host on purpose (each touching its own paths) gives each its own name.
 */
export function lockPaths(name = process.env.NODEMEND_RUN_LOCK_NAME || 'nodemend.lock'): [string, string] {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new Error(`NODEMEND_RUN_LOCK_NAME must be a plain file name, got ${JSON.stringify(name)}`);
  return [`/run/${name}`, `/tmp/${name}`];
}

export interface RunIdentity {
  /** e.g. 20261205T213000Z-1a2b3c */
  id: string;
  startedAt: Date;
  pid: number;
  controller: string;
}

export function newRunIdentity(now = new Date()): RunIdentity {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return { id: `${stamp}-${randomBytes(3).toString('hex')}`, startedAt: now, pid: process.pid, controller: hostname() };
}

/** The one line a lock file holds (no spaces inside a field; the controller name is the host's own). */
export function lockLine(r: RunIdentity): string {
  return `run=${r.id} started=${r.startedAt.toISOString()} pid=${r.pid} controller=${r.controller.replace(/\s/g, '_')}`;
}

/** "run X (started T, pid P on controller C)" from a lock line, or the raw line when it is not ours. */
export function describeHolder(line: string): string {
  const f = Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  if (!f.run || !f.started) return JSON.stringify(line);
  return `run ${f.run} (started ${f.started}${f.pid ? `, pid ${f.pid}` : ''}${f.controller ? ` on controller ${f.controller}` : ''})`;
}

/** The host is locked by another run: the task fails (the host leaves the run), it is not unreachable. */
export class HostLockedError extends Error {
  override readonly name = 'HostLockedError';
}

// Builtins only (no process on the host) unless a lock is broken: read, test, noclobber create.
const TAKE = `held=; hl=
for f in "$l1" "$l2"; do
  if [ -f "$f" ] && IFS= read -r h < "$f"; then held=$h; hl=$f; break; fi
done
# --resume takes over the locks its killed run left (run=ID of that run), and no other.
if [ -n "$adopt" ]; then case "$held" in "run=$adopt "*) force=1 ;; esac; fi
if [ -n "$held" ] && [ "$force" != 1 ]; then printf 'NMLOCK held %s %s\\n' "$hl" "$held"; exit 0; fi
if [ -n "$held" ]; then rm -f -- "$hl" || exit 3; printf 'NMLOCK broke %s %s\\n' "$hl" "$held"; fi
l=$l2; [ -w /run ] && l=$l1
set -C
if { printf '%s\\n' "$me" > "$l"; } 2>/dev/null; then printf 'NMLOCK ok %s\\n' "$l"; exit 0; fi
# Forced, and another forced run created its lock between our check and our create: break it too.
if [ "$force" = 1 ] && IFS= read -r h < "$l"; then
  rm -f -- "$l" || exit 3; printf 'NMLOCK broke %s %s\\n' "$l" "$h"
  if { printf '%s\\n' "$me" > "$l"; } 2>/dev/null; then printf 'NMLOCK ok %s\\n' "$l"; exit 0; fi
fi
IFS= read -r h < "$l"; printf 'NMLOCK held %s %s\\n' "$l" "$h"
`;

const RELEASE = `for f in "$l1" "$l2"; do
  if [ -f "$f" ] && IFS= read -r h < "$f" && [ "$h" = "$me" ]; then rm -f -- "$f" || exit 3; fi
done
`;

function lockIdentity(host: InventoryHost): BecomeSpec | undefined {
  const c = host.connection;
  return c.become ? { user: c.become_user ?? 'root', method: 'sudo', password: c.become_password } : undefined;
}

export class RunLocks {
  private readonly held = new Map<string, RemoteShell>();
  private readonly taking = new Map<string, Promise<HostConnection>>();
  /** Locks of runs that were gone, broken with --ignore-lock: host -> holder. */
  readonly broken = new Map<string, string>();
  private readonly paths = lockPaths();

  constructor(
    readonly run: RunIdentity,
    private readonly ignoreLock: boolean,
    /** --resume: the id of the interrupted run whose locks this run takes over. */
    private readonly adopt = '',
  ) {}

  /** Wraps a host's connect: the first connection also takes the lock; a locked host fails every time it is asked. */
  connect(host: InventoryHost, open: () => Promise<HostConnection>): Promise<HostConnection> {
    if (host.connection.local) return open();
    let p = this.taking.get(host.name);
    if (!p) {
      p = open().then(async (conn) => {
        await this.take(host, conn);
        return conn;
      });
      this.taking.set(host.name, p);
      // An unreachable host may come back in a later play: only a lock verdict is kept.
      p.catch((e) => e instanceof UnreachableError && this.taking.get(host.name) === p && this.taking.delete(host.name));
    }
    return p;
  }

  private async take(host: InventoryHost, conn: HostConnection): Promise<void> {
    const shell = conn.as(lockIdentity(host));
    const res = await shell.exec(sh`me=${lockLine(this.run)}; force=${this.ignoreLock ? 1 : 0}; adopt=${this.adopt}; l1=${this.paths[0]}; l2=${this.paths[1]}\n${raw(TAKE)}`);
    const line = res.stdout.split('\n').find((l) => l.startsWith('NMLOCK ok ') || l.startsWith('NMLOCK held '));
    if (res.rc !== 0 || !line) {
      throw new HostLockedError(`cannot take the run lock on ${host.name}: ${res.stderr.trim() || `exit code ${res.rc}`}`);
    }
    const broke = /^NMLOCK broke (\S+) (.*)$/m.exec(res.stdout);
    if (broke) this.broken.set(host.name, broke[2]);
    const [, state, path, ...holder] = line.split(' ');
    if (state === 'held') {
      throw new HostLockedError(
        `${host.name} is locked by another nodemend run: ${describeHolder(holder.join(' '))}, lock file ${path}; ` + 'if that run is gone (killed), run again with --ignore-lock',
      );
    }
    this.held.set(host.name, shell);
  }

  /** Remove this run's locks (only files still holding this run's line); hosts whose lock could not be removed are returned. */
  async releaseAll(): Promise<string[]> {
    const left: string[] = [];
    await Promise.all(
      [...this.held].map(async ([name, shell]) => {
        try {
          const res = await shell.exec(sh`me=${lockLine(this.run)}; l1=${this.paths[0]}; l2=${this.paths[1]}\n${raw(RELEASE)}`);
          if (res.rc !== 0) left.push(name);
        } catch {
          left.push(name);
        }
        this.held.delete(name);
      }),
    );
    return left.sort();
  }
}
