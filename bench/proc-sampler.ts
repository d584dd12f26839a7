/**
 * Run a command and measure it honestly: wall time, and the memory of its WHOLE process
 * tree sampled from /proc every 50 ms (Ansible forks workers and ssh processes; a
 * ControlPersist master even leaves the tree, so processes whose command line names
 * `marker` count too). Reported: peak of the summed RSS (shared pages counted once per
 * process, so it overstates forked trees) and peak of the summed PSS (shared pages split
 * between their users: the fairer figure for a forking tool). /usr/bin/time -v would give
 * only the largest single process.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Measured {
  wallMs: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  peakRssKb: number;
  peakPssKb: number;
  /** Largest number of processes seen at once in the tree. */
  peakProcs: number;
  /** CPU time (user + system) of the command and every descendant it waited for (not daemonized ssh masters). */
  cpuMs: number;
  samples: number;
}

export interface MeasureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Processes whose command line contains this also count (daemonized ssh masters). */
  marker?: string;
  intervalMs?: number;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** ppid from /proc/PID/stat (the command name may hold spaces and parentheses). */
function statOf(pid: number): { ppid: number } | undefined {
  const s = readOr(`/proc/${pid}/stat`);
  if (!s) return undefined;
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]) };
}

function kbField(text: string | undefined, field: string): number {
  const m = text && new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Tracks which PIDs belong to the measured tree. */
class TreeSampler {
  private readonly known = new Map<number, boolean>();
  peakRss = 0;
  peakPss = 0;
  peakProcs = 0;
  samples = 0;

  constructor(
    private readonly root: number,
    private readonly marker: string | undefined,
  ) {}

  sample(): void {
    const pids = readdirSync('/proc')
      .filter((n) => n.charCodeAt(0) <= 57)
      .map(Number)
      .sort((a, b) => a - b);
    const members: number[] = [];
    // Sorted: a parent usually has the lower PID, so it is classified before its children.
    for (const pid of pids) if (this.isMember(pid)) members.push(pid);
    let rss = 0;
    let pss = 0;
    for (const pid of members) {
      const roll = readOr(`/proc/${pid}/smaps_rollup`);
      rss += kbField(roll, 'Rss');
      pss += kbField(roll, 'Pss');
    }
    this.samples++;
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakPss = Math.max(this.peakPss, pss);
    this.peakProcs = Math.max(this.peakProcs, members.length);
  }

  /** Classified once per PID (the fleet's ~1000 processes are not re-read every tick; PIDs do not wrap within a run). */
  private isMember(pid: number, depth = 0): boolean {
    if (pid === this.root) return true;
    const k = this.known.get(pid);
    if (k !== undefined) return k;
    const st = statOf(pid);
    if (!st) return false;
    let member = depth < 64 && st.ppid > 1 && this.isMember(st.ppid, depth + 1);
    if (!member && this.marker) member = (readOr(`/proc/${pid}/cmdline`) ?? '').includes(this.marker);
    this.known.set(pid, member);
    return member;
  }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime of one process, in ticks (0 when it is gone). */
export function cpuTicks(pid: number | 'self', withChildren: 'own' | 'children' | 'all'): number {
  const s = readOr(`/proc/${pid}/stat`);
  if (!s) return 0;
  const f = s
    .slice(s.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // Fields 14..17 of stat(5), counted from the state field (3) here.
  const own = f[11] + f[12];
  const children = f[13] + f[14];
  return withChildren === 'own' ? own : withChildren === 'children' ? children : own + children;
}

/**
 * CPU used so far by the process trees under `roots` (e.g. the fleet hosts' PID 1s): each tick is
 * counted once, either in a live process or in the live process that reaped a finished one.
 */
export function treeCpuMs(roots: number[]): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue;
    const st = statOf(Number(name));
    if (st) children.set(st.ppid, [...(children.get(st.ppid) ?? []), Number(name)]);
  }
  let ticks = 0;
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop()!;
    ticks += cpuTicks(pid, 'all');
    todo.push(...(children.get(pid) ?? []));
  }
  return ticks * TICK_MS;
}

export function measure(cmd: string, args: string[], opts: MeasureOptions = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const childCpuBefore = cpuTicks('self', 'children');
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const sampler = new TreeSampler(child.pid!, opts.marker);
    const tick = () => {
      try {
        sampler.sample();
      } catch {
        /* a process vanished mid-read: the next tick sees the rest */
      }
    };
    tick();
    const timer = setInterval(tick, opts.intervalMs ?? 50);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearInterval(timer);
      resolve({
        wallMs,
        exitCode: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        peakRssKb: sampler.peakRss,
        peakPssKb: sampler.peakPss,
        peakProcs: sampler.peakProcs,
        cpuMs: (cpuTicks('self', 'children') - childCpuBefore) * TICK_MS,
        samples: sampler.samples,
      });
    });
  });
}

/** Busy and total CPU ticks of the whole machine so far (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total }; // idle and iowait are not busy
}

/**
 * Waits (at most `maxMs`) until the machine spent under 10 % of its CPU over half a second:
 * a run must not pay for what came before it (200 fleet hosts starting, Ansible's
 * ControlPersist masters exiting), or whichever tool runs first is penalized.
 */
export async function untilQuiet(maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const a = machineTicks();
    await new Promise((r) => setTimeout(r, 500));
    const b = machineTicks();
    if ((b.busy - a.busy) / Math.max(1, b.total - a.total) < 0.1 || Date.now() > deadline) return;
  }
}
