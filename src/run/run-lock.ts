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
import { raw, sh, type Raw } from '../transport/quote.js';
import type { HostConnection, RemoteShell } from '../transport/types.js';
import { UnreachableError } from '../transport/types.js';
import { inventoryBecome } from './privilege.js';

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

/** A lock line's `key=value` fields. */
function lockFields(line: string): Record<string, string> {
  return Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** "run X (started T, pid P on controller C)" from a lock line, or the raw line when it is not ours. */
export function describeHolder(line: string): string {
  const f = lockFields(line);
  if (!f.run || !f.started) return JSON.stringify(line);
  return `run ${f.run} (started ${f.started}${f.pid ? `, pid ${f.pid}` : ''}${f.controller ? ` on controller ${f.controller}` : ''})`;
}

/** Why a lock was judged stale on the host (TAKE's reason word), from its line and the host's boot id now. */
export function whyStale(reason: string, line: string, bootNow: string): string {
  const f = lockFields(line);
  if (reason === 'boot') return `the host booted since (boot id ${f.boot}, now ${bootNow})`;
  if (reason === 'reused') return `its SSH session on the host (pid ${f.hpid}) ended; that pid is now another process`;
  return `its SSH session on the host (pid ${f.hpid}) ended`;
}

/** The host is locked by another run: the task fails (the host leaves the run), it is not unreachable. */
export class HostLockedError extends Error {
  override readonly name = 'HostLockedError';
}

/**
 * The host side of a lock. Builtins only (no process on the host) unless a lock is broken: read,
 * test, noclobber create. The line written is the controller's (`me`) followed by where the run
 * lives on the host: `boot=` the boot id, `hpid=`/`hstart=` the pid and start time (field 22 of
 * /proc/PID/stat) of the connection's sshd session process, the first `sshd*` ancestor of this
 * command. That process lives exactly as long as the run's SSH connection: a controller that is
 * killed, or whose network is cut, leaves a lock whose session is gone (or whose pid now is
 * another process) or, after a reboot, another boot id. Such a lock is stale and is broken;
 * one of an older nodemend (no such fields) is judged as before: held until --ignore-lock.
 * Breaking a stale lock happens under flock(1) on the lock's directory and only if the file
 * still holds the line that was judged, so two runs finding one stale lock cannot both take
 * the host: the second finds the first's lock and is refused.
 */
// Sets $boot, $hp/$hs (this session's sshd) and appends them to the controller's line in $me. The walk starts at
// the parent of /proc/self (this process): in a persistent shell's subshell $$ is the server's pid, not its own.
const IDENTIFY = `set -f
nm_stat() { IFS= read -r s < "/proc/$1/stat" || return 1; st_comm=\${s#*[(]}; st_comm=\${st_comm%[)]*}; set -- \${s##*[)] }; st_ppid=$2; shift 19; st_start=$1; }
nm_num() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
boot=-; { IFS= read -r boot < /proc/sys/kernel/random/boot_id; } 2>/dev/null; case $boot in '' | *[!0-9a-f-]*) boot=- ;; esac
hp=-; hs=-; p=-; nm_stat self 2>/dev/null && p=$st_ppid
while nm_num "$p" && [ "$p" -gt 1 ] && nm_stat "$p" 2>/dev/null; do
  case $st_comm in sshd | sshd-session) hp=$p; hs=$st_start; break ;; esac
  p=$st_ppid
done
me="$me boot=$boot hpid=$hp hstart=$hs"
`;

const TAKE = `mine=; [ "$restamp" = 1 ] && mine=$me
${IDENTIFY}held=; hl=
for f in "$l1" "$l2"; do
  if [ -f "$f" ] && IFS= read -r h < "$f"; then held=$h; hl=$f; break; fi
done
# --resume takes over the locks its killed run left (run=ID of that run), and no other.
if [ -n "$adopt" ]; then case "$held" in "run=$adopt "*) force=1 ;; esac; fi
# After a reconnect (a reboot) this run's own lock names its old session: stamp it with the new one.
if [ -n "$mine" ]; then case "$held" in "$mine "*)
  exec 8< "\${hl%/*}" && flock -w 10 8 || exit 3
  if IFS= read -r h < "$hl" && [ "$h" = "$held" ]; then
    set -C; { printf '%s\\n' "$me" > "$hl.$$"; } && mv -f -- "$hl.$$" "$hl" || exit 3
    printf 'NMLOCK ok %s\\n' "$hl"; exit 0
  fi
  IFS= read -r held < "$hl" || { held=; hl=; } ;;
esac; fi
stale=
if [ -n "$held" ] && [ "$force" != 1 ]; then
  hb=; hp2=; hs2=
  for kv in $held; do case $kv in boot=*) hb=\${kv#boot=} ;; hpid=*) hp2=\${kv#hpid=} ;; hstart=*) hs2=\${kv#hstart=} ;; esac; done
  if nm_num "$hp2" && nm_num "$hs2"; then
    if [ "$hb" != - ] && [ "$boot" != - ] && [ "$hb" != "$boot" ]; then stale=boot
    elif ! nm_stat "$hp2" 2>/dev/null; then stale=gone
    elif [ "$st_start" != "$hs2" ]; then stale=reused
    fi
  fi
fi
if [ -n "$held" ] && [ "$force" != 1 ] && [ -z "$stale" ]; then printf 'NMLOCK held %s %s\\n' "$hl" "$held"; exit 0; fi
l=$l2; [ -w /run ] && l=$l1
if [ -n "$stale" ]; then
  exec 8< "\${hl%/*}" && flock -w 10 8 || exit 3
  if { IFS= read -r h < "$hl"; } 2>/dev/null && [ "$h" = "$held" ]; then
    printf 'NMLOCK stale %s %s boot=%s %s\\n' "$stale" "$hl" "$boot" "$held"
    # Replaced in one rename, never removed then created: a run that reads the file in between
    # would find none and could take the host from the run that broke the lock.
    if [ "$hl" = "$l" ]; then
      set -C; { printf '%s\\n' "$me" > "$hl.$$"; } && mv -f -- "$hl.$$" "$hl" || exit 3
      printf 'NMLOCK ok %s\\n' "$hl"; exit 0
    fi
    rm -f -- "$hl" || exit 3
  fi
elif [ -n "$held" ]; then rm -f -- "$hl" || exit 3; printf 'NMLOCK broke %s %s\\n' "$hl" "$held"; fi
set -C
if { printf '%s\\n' "$me" > "$l"; } 2>/dev/null; then printf 'NMLOCK ok %s\\n' "$l"; exit 0; fi
# Forced, and another forced run created its lock between our check and our create: break it too.
if [ "$force" = 1 ] && IFS= read -r h < "$l"; then
  rm -f -- "$l" || exit 3; printf 'NMLOCK broke %s %s\\n' "$l" "$h"
  if { printf '%s\\n' "$me" > "$l"; } 2>/dev/null; then printf 'NMLOCK ok %s\\n' "$l"; exit 0; fi
fi
IFS= read -r h < "$l"; printf 'NMLOCK held %s %s\\n' "$l" "$h"
`;

/**
 * The usual case in a quarter of the bytes (the host's shell reads a command byte by byte,
 * ~0.6 µs each): no lock file at either path, so this run creates its own (O_EXCL) and prints
 * `NMLOCK ok`. Anything else, a lock file there or one created meanwhile, prints `NMLOCK retry`
 * having changed nothing, and the whole TAKE decides.
 */
const QUICK_TAKE = `${IDENTIFY}for f in "$l1" "$l2"; do if [ -e "$f" ] || [ -L "$f" ]; then echo 'NMLOCK retry'; exit 0; fi; done
l=$l2; [ -w /run ] && l=$l1
set -C
if { printf '%s\\n' "$me" > "$l"; } 2>/dev/null; then printf 'NMLOCK ok %s\\n' "$l"; exit 0; fi
echo 'NMLOCK retry'
`;

/** The first attempt at a lock (not a restamp): QUICK_TAKE; `NMLOCK retry` means send takeCommand. */
export function quickTakeCommand(me: string, [l1, l2]: [string, string]): Raw {
  return sh`me=${me}; l1=${l1}; l2=${l2}\n${raw(QUICK_TAKE)}`;
}

/** The host command that takes a lock for the controller's line `me`; it prints `NMLOCK ok|held|broke|stale ...` lines. */
export function takeCommand(me: string, [l1, l2]: [string, string], o: { restamp?: boolean; force?: boolean; adopt?: string } = {}): Raw {
  return sh`me=${me}; restamp=${o.restamp ? 1 : 0}; force=${o.force ? 1 : 0}; adopt=${o.adopt ?? ''}; l1=${l1}; l2=${l2}\n${raw(TAKE)}`;
}

// Only a line this run wrote (its controller part, then the host part) is removed.
const RELEASE = `for f in "$l1" "$l2"; do
  if [ -f "$f" ] && IFS= read -r h < "$f"; then case $h in "$me "*) rm -f -- "$f" || exit 3 ;; esac; fi
done
`;

export class RunLocks {
  private readonly held = new Map<string, RemoteShell>();
  /** Per host and login user: the connection, once this run holds the host's lock. */
  private readonly taking = new Map<string, Promise<HostConnection>>();
  /** Per host: the lock taken (through the host's first connection, whatever its user). */
  private readonly locked = new Map<string, Promise<unknown>>();
  /** Locks of runs that were gone, broken with --ignore-lock: host -> holder. */
  readonly broken = new Map<string, string>();
  /** Locks whose run was found dead on the host and broken without asking: host -> holder and why. */
  readonly stale = new Map<string, string>();
  private readonly paths = lockPaths();

  constructor(
    readonly run: RunIdentity,
    private readonly ignoreLock: boolean,
    /** --resume: the id of the interrupted run whose locks this run takes over. */
    private readonly adopt = '',
  ) {}

  /**
   * Wraps a host's connect: the first connection also takes the lock; a locked host fails every time it is asked.
   * A connection as another login user (`remote_user`) opens once the host's lock is held.
   */
  connect(host: InventoryHost, open: () => Promise<HostConnection>, user = host.connection.user): Promise<HostConnection> {
    if (host.connection.local) return open();
    const key = `${host.name}\0${user}`;
    let p = this.taking.get(key);
    const lock = this.locked.get(host.name);
    if (!p && lock) {
      p = lock.then(open);
      this.taking.set(key, p);
      p.catch((e) => e instanceof UnreachableError && this.taking.get(key) === p && this.taking.delete(key));
    } else if (!p) {
      p = open().then(async (conn) => {
        await this.take(host, conn);
        // A reconnect (after a reboot) ends the SSH session the lock names: the lock is stamped
        // with the new one, or taken again when the reboot emptied /run.
        const reconnect = conn.reconnect.bind(conn);
        conn.reconnect = async (deadline) => {
          await reconnect(deadline);
          await this.take(host, conn, true);
        };
        return conn;
      });
      this.taking.set(key, p);
      this.locked.set(host.name, p);
      // An unreachable host may come back in a later play: only a lock verdict is kept.
      const first = p;
      p.catch((e) => {
        if (!(e instanceof UnreachableError)) return;
        if (this.taking.get(key) === first) this.taking.delete(key);
        if (this.locked.get(host.name) === first) this.locked.delete(host.name);
      });
    }
    return p;
  }

  private async take(host: InventoryHost, conn: HostConnection, restamp = false): Promise<void> {
    const shell = conn.as(inventoryBecome(host));
    let res = restamp ? undefined : await shell.exec(quickTakeCommand(lockLine(this.run), this.paths));
    if (!res || res.rc !== 0 || !/^NMLOCK ok /m.test(res.stdout)) {
      res = await shell.exec(takeCommand(lockLine(this.run), this.paths, { restamp, force: this.ignoreLock, adopt: this.adopt }));
    }
    const line = res.stdout.split('\n').find((l) => l.startsWith('NMLOCK ok ') || l.startsWith('NMLOCK held '));
    if (res.rc !== 0 || !line) {
      throw new HostLockedError(`cannot take the run lock on ${host.name}: ${res.stderr.trim() || `exit code ${res.rc}`}`);
    }
    const [, state, path, ...holder] = line.split(' ');
    if (state === 'held') {
      const holderLine = holder.join(' ');
      const session = lockFields(holderLine).hpid;
      throw new HostLockedError(
        `${host.name} is locked by another nodemend run: ${describeHolder(holderLine)}, lock file ${path}; ` +
          (session && session !== '-'
            ? `its SSH session on the host (pid ${session}) is still open; if its controller is gone and that connection hangs, run again with --ignore-lock`
            : 'if that run is gone (killed), run again with --ignore-lock'),
      );
    }
    // A lock broken by a run that then lost the host to another is not reported as broken by it.
    const broke = /^NMLOCK broke (\S+) (.*)$/m.exec(res.stdout);
    if (broke) this.broken.set(host.name, broke[2]);
    const stale = /^NMLOCK stale (\S+) (\S+) boot=(\S+) (.*)$/m.exec(res.stdout);
    if (stale) this.stale.set(host.name, `${describeHolder(stale[4])}: ${whyStale(stale[1], stale[4], stale[3])}`);
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
