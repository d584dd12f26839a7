/**
 * What B1 (bench/workload.ts, the benchmark against Ansible) costs one host, counted rather
 * than timed: remote commands, SSH channels, and the bytes its persistent shell reads (one by
 * one, ~0.6 µs each), from NODEMEND_TRACE_REMOTE (src/transport/trace.ts), and the processes
 * the host starts for the run (strace(1) on the host's sshd: every successful execve in the
 * run's SSH session, sshd's own re-exec included; ~1-2 ms of host CPU each, the largest part of
 * what a run costs a host). A change that adds remote work per task fails here; raise a budget
 * only knowingly, with its figures in bench/performance-notes.md. The same tasks as B1, under a
 * unique dir (the grub file too).
 * Host: node2 (transport's, per the table in test/setup/fleet.ts); unique paths only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANGING_TASKS, GRUB_BEFORE, writeWorkload } from '../../bench/workload.js';
import { HOSTS, fleetHost, hostRoot } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';

const HOST = HOSTS.transport[1];
// 3 bytes longer than /srv/bench-nodemend: the byte counts are B1's within ~1 %.
const remote = `/tmp/nmdiff-h19g-${randomBytes(3).toString('hex')}`;
const work = workDir('b1-count');

/**
 * Per host and run, measured on h20f's branch (2026-12-07): first run 20 commands, 1 channel,
 * 14.1 KB read by the shell; rerun 12, 1, 5.0 KB (the bytes of a small text input now count:
 * the shell reads them itself instead of starting `head`). 3a1eb8a+fix: 20/12 commands,
 * 13.5/4.8 KB. 5bde532 (2026-12-02): 18/10 commands, 7.5/2.6 KB (no run lock then).
 * Processes: 77 / 45 at efb91cf, 66 / 37 at b83ad3d (one `id` for a new directory's maker and none for
 * one that exists; a small text input and file content written by shell builtins, not head/cat),
 * 47 / 27 at h21d (nodemend's own scripts run in a subshell of the persistent shell, not an
 * `sh -c`; a user command without output needs no `cat`), then 45 / 26 (a small file read by the
 * probe's shell, not `cat`; no chown when the file and the temp file are both the user's and group's).
 * The persistent shell's closing `rm -rf` falls inside the counted session in some runs only: +1
 * on the first run then. Shell bytes: 14.8 / 5.4 KB (the probe body, sent once, grew by ~0.4 KB).
 * h22d: 17 / 12 commands (copy's and template's probe writes the file in the same script:
 * probeAndWrite), 44 / 25 processes (root's `id` read once per run), 13.1 / 10.4 KB (library bodies
 * stored without comment lines; a rerun now stores the write body too, which its copies carry unused).
 * coord22b (main before h23g, 2026-12-07): 17 / 12 commands, 44 / 25 processes, 14.7 / 11.4 KB (over the
 * byte budgets below then). h23g: 14 / 12 commands (file's new directories and touched file made in their
 * probe's round trip), 45 / 25 processes (the probe stats the file touch just wrote: +1), 14.5 / 13.4 KB
 * (a directory's and a touch's probe carry the make script on a rerun too, unused: +1.9 KB).
 * Merged with h23f (session 23): 52 / 29 processes first run / rerun: command's exec-format check (2.14's
 * ENOEXEC, rc 8) reads the program's first bytes with `dd | tr` in a command substitution, +3-4 processes per
 * command B1 runs; commands, channels and bytes unchanged (14 / 12, 1, 15.2 / 13.8 KB). To win back: read the
 * header with shell builtins, or only when the program has no `#!` the kernel would have refused.
 * h24a: 46 / 26 processes with the closing `rm -rf` (45 / 25 without: back to before h23f): the check reads the
 * program's first line with dash's `read` (NULs dropped) in the command's own shell, no `$( )`; commands and
 * channels unchanged (14 / 12, 1), 15.1 / 13.8 KB.
 * Budgets: those counts exactly (+1 for the closing `rm -rf`), bytes +5 %. NM_B1_EXECS=1 prints the programs and commands.
 */
const BUDGET = {
  first: { commands: 14, channels: 1, shellBytes: 15_280, processes: 46 },
  rerun: { commands: 12, channels: 1, shellBytes: 14_040, processes: 26 },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The straces this file started and not yet seen exit. A run that times out never reaches
 * hostProcesses' finally: afterAll (and, last, this process's exit) stops them, so no strace stays
 * attached to the host's sshd (the next count's own strace could not attach).
 */
const tracers = new Set<ChildProcess>();
const stopTracer = (st: ChildProcess): void => {
  if (st.exitCode === null && st.signalCode === null) st.kill('SIGKILL');
};
process.once('exit', () => tracers.forEach(stopTracer));

/**
 * The processes the host starts for `fn`'s run: strace follows the host's sshd listener; the run's
 * session is the listener's child whose tree ran a command naming `remote` (other tests may use
 * the host meanwhile: their sessions are not counted). Waits for that session to end.
 */
async function hostProcesses(fn: () => Promise<void>): Promise<{ processes: number; execs: string[] }> {
  const { port } = fleetHost(HOST);
  const listener = execFileSync('pgrep', ['-o', '-f', `sshd -p ${port} -o`], { encoding: 'utf8' }).trim();
  const out = join(work, `strace-${randomBytes(3).toString('hex')}.txt`);
  // The host runs in a PID namespace: --pidns-translation adds each new process's pid as seen here.
  const st = spawn('strace', ['-f', '-q', '--pidns-translation', '-s', '120', '-e', 'trace=execve,clone,clone3,fork,vfork', '-o', out, '-p', listener], { stdio: 'ignore' });
  tracers.add(st);
  const exited = new Promise((r) => st.on('exit', r)).then(() => tracers.delete(st));
  const tracer = () => /^TracerPid:\s+(\d+)/m.exec(readFileSync(`/proc/${listener}/status`, 'utf8'))?.[1];
  let parse = () => ({ session: undefined as string | undefined, execs: [] as string[], ended: false });
  try {
    for (let i = 0; i < 200 && tracer() === '0'; i++) await sleep(50);
    // Only this strace: another one still attached (a run killed mid-way) would keep this one out.
    expect(tracer(), `strace (pid ${st.pid}) attached to the host's sshd (pid ${listener})`).toBe(String(st.pid));
    await fn();
    parse = () => {
      const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n') : [];
      const parent = new Map<string, string>();
      const execs: [string, string][] = [];
      const exits = new Set<string>();
      // An execve another process's event interrupted ends on a "resumed" line of its own.
      const started = new Map<string, string>();
      for (const l of lines) {
        const m = /^(\d+) +(.*)$/.exec(l);
        if (!m) continue;
        const [, pid, rest] = m;
        const child = /^(?:clone3?|v?fork|<\.\.\. (?:clone3?|v?fork) resumed>).*= \d+ \/\* (\d+) in strace's PID NS \*\/$/.exec(rest);
        if (child) parent.set(child[1], pid);
        else if (rest.startsWith('execve(') && rest.endsWith('<unfinished ...>')) started.set(pid, rest);
        else if (/^execve\(.*\) = 0$/.test(rest)) execs.push([pid, rest]);
        else if (/^<\.\.\. execve resumed>.*= 0$/.test(rest)) execs.push([pid, started.get(pid) ?? rest]);
        else if (rest.startsWith('+++ exited') || rest.startsWith('+++ killed')) exits.add(pid);
      }
      const sessionOf = (pid: string): string | undefined => {
        for (let p: string | undefined = pid; p !== undefined; p = parent.get(p)) if (parent.get(p) === listener) return p;
        return undefined;
      };
      const session = sessionOf(execs.find(([, e]) => e.includes(remote))?.[0] ?? '');
      return { session, execs: execs.filter(([p]) => session !== undefined && sessionOf(p) === session).map(([, e]) => e.slice(0, 100)), ended: session !== undefined && exits.has(session) };
    };
    for (let i = 0; i < 200 && !parse().ended; i++) await sleep(50);
  } finally {
    st.kill('SIGTERM');
    await exited;
  }
  const r = parse();
  expect(r.session, "the run's SSH session on the host").toBeDefined();
  return { processes: r.execs.length, execs: r.execs };
}

interface Traced {
  host?: string;
  kind: 'command' | 'channel' | 'shell-input';
  bytes: number;
  head: string;
}

async function run(name: 'first' | 'rerun', playbook: string, inventory: string) {
  const trace = join(work, `trace-${name}.jsonl`);
  const json = join(work, `${name}.json`);
  let r: Awaited<ReturnType<typeof runCli>> | undefined;
  const host = await hostProcesses(async () => {
    r = await runCli(['run', playbook, '-i', inventory, '--json', json], { env: { NODEMEND_TRACE_REMOTE: trace } });
  });
  expect(r!.code, r!.stderr).toBe(0);
  const recap = readJson<{ hosts: Record<string, { recap: { ok: number; changed: number; failed: number } }> }>(json).hosts[HOST].recap;
  const lines = readFileSync(trace, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Traced);
  const of = (kind: Traced['kind']) => lines.filter((l) => l.kind === kind);
  return {
    recap,
    commands: of('command').length,
    channels: of('channel').length,
    shellBytes: of('shell-input').reduce((a, l) => a + l.bytes, 0),
    heads: of('command').map((l) => l.head.split('\n')[0]),
    ...host,
  };
}

describe('B1 per-host cost, counted', () => {
  let playbook: string;
  let inventory: string;
  beforeAll(() => {
    assertBuilt();
    mkdirSync(join(hostRoot(HOST), remote), { recursive: true });
    writeFileSync(join(hostRoot(HOST), remote, 'grub'), GRUB_BEFORE);
    playbook = writeWorkload('nodemend', join(work, 'b1'), { root: remote, grub: `${remote}/grub` });
    inventory = writeInventory(work, [HOST]);
  });
  afterAll(async () => {
    // A run that timed out left its strace attached: stop it before anything else.
    const left = [...tracers];
    left.forEach(stopTracer);
    await Promise.all(left.filter((st) => st.exitCode === null && st.signalCode === null).map((st) => new Promise((r) => st.once('exit', r))));
    rmSync(join(hostRoot(HOST), remote), { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('first run and rerun stay within the processes, commands, channels and shell bytes B1 costs a host', async () => {
    const first = await run('first', playbook, inventory);
    expect(first.recap).toMatchObject({ ok: 10, changed: CHANGING_TASKS, failed: 0 });
    const rerun = await run('rerun', playbook, inventory);
    expect(rerun.recap).toMatchObject({ ok: 10, changed: 0, failed: 0 });
    console.log(
      `B1 per host: first run ${first.processes} processes, ${first.commands} commands, ${first.channels} channel(s), ${first.shellBytes} shell bytes; rerun ${rerun.processes}, ${rerun.commands}, ${rerun.channels}, ${rerun.shellBytes}`,
    );
    if (process.env.NM_B1_EXECS) console.log(`first:\n${first.execs.join('\n')}\n\nrerun:\n${rerun.execs.join('\n')}\n\ncommands first:\n${first.heads.join('\n')}\nrerun:\n${rerun.heads.join('\n')}`);
    for (const [r, b, name] of [
      [first, BUDGET.first, 'first run'],
      [rerun, BUDGET.rerun, 'rerun'],
    ] as const) {
      // The commands in the message say what was added.
      expect(r.commands, `${name}: remote commands\n${r.heads.join('\n')}`).toBeLessThanOrEqual(b.commands);
      expect(r.channels, `${name}: SSH channels`).toBeLessThanOrEqual(b.channels);
      expect(r.shellBytes, `${name}: bytes the persistent shell read`).toBeLessThanOrEqual(b.shellBytes);
      // The programs in the message say what was added.
      expect(r.processes, `${name}: processes started on the host\n${r.execs.join('\n')}`).toBeLessThanOrEqual(b.processes);
    }
  }, 240_000); // two runs under strace, which slows each fork on a loaded host
});
