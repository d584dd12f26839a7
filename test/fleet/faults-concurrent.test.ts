/**
 * Fault suite, concurrent runs: the per-host run lock (a second run fails the host and names
 * the holder; --ignore-lock breaks a stale lock; the lock is gone after a run) and
 * compare-and-swap edits (two runs forced onto one file with --ignore-lock lose no update:
 * every edit reported changed is in the file). Hosts: node18 (HOSTS.faults).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostRoot } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';
import { FAULT_HOSTS, FaultCounts, expectNoTempFiles, expectOldOrNew, rootShell, sha } from './faults-env.js';
import { sh } from '../../src/transport/quote.js';
import type { SshConnection } from '../../src/transport/ssh.js';

const HOST = FAULT_HOSTS[1];
const dir = `/tmp/nm-fault-conc-${randomBytes(4).toString('hex')}`;
const counts = new FaultCounts('concurrent runs');
let w: string;
let inv: string;
let root: SshConnection;
/** The real lock (/run/nodemend.lock), not the per-test-file name test/setup/cli.ts gives other files' runs. */
const REAL_LOCK = { NODEMEND_RUN_LOCK_NAME: '' };
const cli = (args: string[]) => runCli(args, { env: REAL_LOCK });

/** The host's run lock file (in its own /run tmpfs): its content, or null when absent. */
async function lock(): Promise<string | null> {
  const r = await root.exec('cat /run/nodemend.lock 2>/dev/null || echo NOLOCK');
  return r.stdout === 'NOLOCK\n' ? null : r.stdout;
}
async function waitForLock(): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const l = await lock();
    if (l !== null) return l;
    if (Date.now() > deadline) throw new Error('no run lock appeared');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  assertBuilt();
  w = workDir('fault-conc');
  inv = writeInventory(w, [HOST]);
  root = await rootShell(HOST);
  await root.exec('rm -f /run/nodemend.lock /tmp/nodemend.lock');
  writeFileSync(join(w, 'touch.yaml'), `- hosts: nodes\n  tasks:\n    - file: { path: ${dir}, state: directory }\n    - copy: { content: "hello\\n", dest: ${dir}/hello }\n`);
});
afterAll(async () => {
  rmSync(join(hostRoot(HOST), dir), { recursive: true, force: true });
  await root.exec('rm -f /run/nodemend.lock');
  await root.close();
  rmSync(w, { recursive: true, force: true });
  counts.print();
});

describe('per-host run lock', () => {
  it('a lock left by another run fails the host, naming its run id and start time; --ignore-lock breaks it; the lock is gone after the run', async () => {
    counts.cases++;
    const stale = 'run=20261205T200000Z-abc123 started=2026-12-05T20:00:00.000Z pid=4242 controller=ctl-a';
    await root.exec(sh`printf '%s\n' ${stale} > /run/nodemend.lock`);
    const r = await cli(['run', join(w, 'touch.yaml'), '-i', inv, '--json', join(w, 'locked.json')]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const out = r.stdout + r.stderr;
    expect(out).toContain('is locked by another nodemend run: run 20261205T200000Z-abc123 (started 2026-12-05T20:00:00.000Z, pid 4242 on controller ctl-a)');
    expect(out).toContain('--ignore-lock');
    expect(readJson(join(w, 'locked.json')).hosts[HOST].recap).toMatchObject({ failed: 1, changed: 0 });
    expect(await lock()).toBe(`${stale}\n`); // never removed by the run that did not own it
    expect(existsSync(join(hostRoot(HOST), dir, 'hello'))).toBe(false);

    const forced = await cli(['run', join(w, 'touch.yaml'), '-i', inv, '--ignore-lock']);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(forced.stderr).toContain(`--ignore-lock: broke the lock of run 20261205T200000Z-abc123 (started 2026-12-05T20:00:00.000Z, pid 4242 on controller ctl-a) on ${HOST}`);
    expect(readFileSync(join(hostRoot(HOST), dir, 'hello'), 'utf8')).toBe('hello\n');
    expect(await lock()).toBeNull();
  });

  it('while a run holds the host, a second run fails it with the holder; a check run takes no lock', async () => {
    counts.cases++;
    // The first run holds the host until the test lets it go (however slow the machine is).
    const go = `${dir}/go`;
    mkdirSync(join(hostRoot(HOST), dir), { recursive: true });
    writeFileSync(join(w, 'slow.yaml'), `- hosts: nodes\n  tasks:\n    - shell: "while [ ! -e ${go} ]; do sleep 0.1; done"\n      timeout: 120\n`);
    const first = cli(['run', join(w, 'slow.yaml'), '-i', inv]);
    const holder = (await waitForLock()).trim();
    expect(holder).toMatch(/^run=\S+ started=\S+ pid=\d+ controller=\S+ boot=\S+ hpid=\d+ hstart=\d+$/);
    const runId = /^run=(\S+) started=(\S+)/.exec(holder)!;
    const second = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
    expect(second.code).toBe(2);
    expect(second.stdout + second.stderr).toContain(`is locked by another nodemend run: run ${runId[1]} (started ${runId[2]}`);
    const check = await cli(['run', join(w, 'touch.yaml'), '-i', inv, '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    writeFileSync(join(hostRoot(HOST), go), '');
    expect((await first).code).toBe(0);
    expect(await lock()).toBeNull();
  });
});

describe('compare-and-swap edits', () => {
  it('two runs forced onto one file (--ignore-lock), 2 x 60 lineinfile edits: every edit reported changed is in the file, none lost', async () => {
    counts.cases++;
    const path = `${dir}/shared.conf`;
    const base = 'header\n';
    writeFileSync(join(hostRoot(HOST), path), base);
    const edits = 60;
    const playbook = (tag: string): string => {
      const p = join(w, `edits-${tag}.yaml`);
      const tasks = Array.from({ length: edits }, (_, i) => `    - lineinfile: { path: ${path}, line: "${tag}-${i}" }\n      ignore_errors: true\n`).join('');
      writeFileSync(p, `- hosts: nodes\n  tasks:\n${tasks}`);
      return p;
    };
    const runs = await Promise.all(['a', 'b'].map((tag) => cli(['run', playbook(tag), '-i', inv, '--ignore-lock', '--json', join(w, `edits-${tag}.json`)])));
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = new Set(readFileSync(join(hostRoot(HOST), path), 'utf8').split('\n'));
    let reported = 0;
    let refused = 0;
    const lost: string[] = [];
    for (const tag of ['a', 'b']) {
      const tasks = readJson(join(w, `edits-${tag}.json`)).hosts[HOST].tasks as { status: string; msg?: string; ignored?: boolean }[];
      expect(tasks).toHaveLength(edits);
      tasks.forEach((t, i) => {
        counts.filesChecked++;
        if (t.status === 'changed') {
          reported++;
          if (!lines.has(`${tag}-${i}`)) lost.push(`${tag}-${i}`);
        } else {
          // The only acceptable failure: the file changed between this task's read and its write.
          expect(t.status).toBe('failed');
          expect(t.msg).toMatch(/changed on the host since it was read/);
          refused++;
          counts.faults++;
        }
      });
    }
    counts.filesDamaged += lost.length;
    expect(lost, 'edits reported changed but missing from the file').toEqual([]);
    expect(lines.size - 2).toBe(reported); // header and the final empty string
    console.log(`compare-and-swap: ${reported} edits reported changed, ${reported} present, ${refused} refused (file changed since read)`);
    await expectNoTempFiles(HOST, [dir]);
  });
});

describe('after an interrupted run', () => {
  it('SIGINT mid-run: the lock is released and the files are old or new', async () => {
    counts.cases++;
    const path = `${dir}/interrupted`;
    writeFileSync(join(hostRoot(HOST), path), 'old\n');
    // The first task waits (at most 60 s) for a go file made once the CLI has seen the signal: with a
    // fixed sleep, a loaded machine could let the whole run end (exit 0) before the signal came.
    const go = `${dir}/int-go`;
    writeFileSync(
      join(w, 'int.yaml'),
      `- hosts: nodes\n  tasks:\n    - shell: "g=0; while [ ! -e ${go} ] && [ $g -lt 600 ]; do sleep 0.1; g=$((g + 1)); done"\n    - copy: { content: "new\\n", dest: ${path} }\n`,
    );
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../setup/cli.js');
    const child = spawn(process.execPath, [CLI, 'run', join(w, 'int.yaml'), '-i', inv], { env: { ...process.env, ...REAL_LOCK, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const closed = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    await waitForLock();
    child.kill('SIGINT');
    counts.faults++;
    for (let i = 0; i < 600 && !out.includes('nodemend: SIGINT'); i++) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(hostRoot(HOST), go), '');
    const code = await closed;
    expect(code, out).toBe(130);
    expect(await lock(), out).toBeNull();
    expectOldOrNew(counts, HOST, [{ path, allowed: [sha('old\n'), sha('new\n')] }]);
  });
});
