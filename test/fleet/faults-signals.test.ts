/**
 * Fault suite, the controller interrupted: the bundled CLI gets SIGINT or SIGTERM (once, or
 * twice: stop the commands in flight too) at a random point of a run over four hosts that
 * writes a streamed 8 MB copy, a 20,000-line lineinfile and small files. After each round
 * every file is its old or its new version, no temp file is left, the report names the
 * interrupted hosts and exits 130, and the run lock is released (or, after a second signal
 * cut the connections, reported as left and broken by the next run with --ignore-lock). Then
 * the same during a 24 MB fetch from each host: every local copy old or new, no temp file left.
 * A SIGKILL (no handler runs) leaves its fetch temp file; the next run of that fetch removes it
 * once it is an hour old, and leaves a younger one (another run's, maybe) alone.
 * Hosts: node17, node18 (HOSTS.faults) and, with unique paths only, node22 and node23.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { hostRoot } from '../setup/fleet.js';
import { CLI, assertBuilt, runCli, workDir, writeInventory } from '../setup/cli.js';
import { FAULT_HOSTS, FaultCounts, expectNoTempFiles, expectOldOrNew, hostQuiet, sha } from './faults-env.js';

const HOSTS = [...FAULT_HOSTS, 'node22', 'node23'];
const dir = `/tmp/nm-fault-sig-${randomBytes(4).toString('hex')}`;
const counts = new FaultCounts('controller signals');
const SMALL = 6;
let w: string;
let inv: string;
let bigSrc: string;

const lines = (n: number): string => Array.from({ length: n }, (_, i) => `setting_${i}=value ${'y'.repeat(20)}\n`).join('');

beforeAll(() => {
  assertBuilt();
  w = workDir('fault-sig');
  inv = writeInventory(w, HOSTS);
  for (const h of HOSTS) {
    mkdirSync(join(hostRoot(h), dir), { recursive: true });
    writeFileSync(join(hostRoot(h), dir, 'lines.conf'), lines(20_000));
  }
});
afterAll(() => {
  for (const h of HOSTS) rmSync(join(hostRoot(h), dir), { recursive: true, force: true });
  rmSync(w, { recursive: true, force: true });
  counts.print();
});

/** What round `k` writes: file name (under dir) -> new content given the old one. */
function roundWrites(k: number): Record<string, (old: Buffer | null) => Buffer> {
  const out: Record<string, (old: Buffer | null) => Buffer> = {
    'big.bin': () => readFileSync(bigSrc),
    'lines.conf': (old) => Buffer.concat([old ?? Buffer.alloc(0), Buffer.from(`round=${k}\n`)]),
  };
  for (let i = 0; i < SMALL; i++) out[`small-${i}.conf`] = () => Buffer.from(`round ${k} file ${i}\n`);
  return out;
}

function playbook(k: number): string {
  const tasks = [
    `    - copy: { src: ${bigSrc}, dest: ${dir}/big.bin }`,
    `    - lineinfile: { path: ${dir}/lines.conf, line: "round=${k}" }`,
    ...Array.from({ length: SMALL }, (_, i) => [`    - command: sleep 0.15`, `    - copy: { content: "round ${k} file ${i}\\n", dest: ${dir}/small-${i}.conf }`]).flat(),
  ];
  const p = join(w, `round-${k}.yaml`);
  writeFileSync(p, `- hosts: nodes\n  tasks:\n${tasks.join('\n')}\n`);
  return p;
}

function runAndSignal(args: string[], sig: NodeJS.Signals, afterMs: number, twice: boolean): Promise<{ code: number; out: string; signalled: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let exited = false;
    let signalled = false;
    let t1: NodeJS.Timeout | undefined;
    // The clock starts when the run does (its first PLAY line): before that only the playbook is loaded.
    child.stdout.on('data', (d) => {
      out += d;
      if (t1 || !out.includes('PLAY [')) return;
      t1 = setTimeout(() => {
        if (exited) return;
        signalled = true;
        child.kill(sig);
        if (twice) setTimeout(() => !exited && child.kill(sig), 150);
      }, afterMs);
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      exited = true;
      clearTimeout(t1);
      resolve({ code: code ?? -1, out, signalled });
    });
  });
}

describe('SIGINT / SIGTERM of the controller at random points', () => {
  const plan: { sig: NodeJS.Signals; twice: boolean }[] = [
    { sig: 'SIGINT', twice: false },
    { sig: 'SIGTERM', twice: false },
    { sig: 'SIGINT', twice: true },
    { sig: 'SIGTERM', twice: true },
    { sig: 'SIGINT', twice: false },
  ];
  let staleLock = false;
  plan.forEach(({ sig, twice }, k) => {
    it(`round ${k + 1}: ${sig}${twice ? ' twice' : ''}`, async () => {
      counts.cases++;
      bigSrc = join(w, `big-${k}.bin`);
      writeFileSync(bigSrc, randomBytes(8 << 20));
      const before = new Map(
        HOSTS.flatMap((h) => Object.keys(roundWrites(k)).map((f) => [`${h}:${f}`, existsSync(join(hostRoot(h), dir, f)) ? readFileSync(join(hostRoot(h), dir, f)) : null] as const)),
      );
      const delay = randomInt(0, 1800);
      const args = ['run', playbook(k), '-i', inv, ...(staleLock ? ['--ignore-lock'] : [])];
      const r = await runAndSignal(args, sig, delay, twice);
      console.log(`round ${k + 1}: ${sig}${twice ? ' x2' : ''} ${delay} ms into the run -> exit ${r.code}`);
      if (r.code === 130) {
        counts.faults += twice ? 2 : 1;
        // Every host that did not fail is named: stopped part-way, or not started.
        const line = r.out.split('\n').find((l) => l.startsWith(`INTERRUPTED by ${sig}`));
        expect(line, r.out).toBeDefined();
        for (const h of HOSTS) expect(line!.includes(h) || new RegExp(`^${h} .*failed=[1-9]`, 'm').test(r.out), `${h} named in: ${line}`).toBe(true);
      } else {
        // The run ended before the signal (or between the two): it must have been a clean run.
        expect(r.code, r.out).toBe(0);
      }
      staleLock = /run lock of run \S+ stays on/.test(r.out);
      if (r.code === 130 && !twice) expect(staleLock, r.out).toBe(false);
      for (const h of HOSTS) {
        await hostQuiet(dir);
        await expectNoTempFiles(h, [dir]);
        const files = Object.entries(roundWrites(k)).map(([f, make]) => {
          const old = before.get(`${h}:${f}`) ?? null;
          return { path: `${dir}/${f}`, allowed: [old === null ? null : sha(old), sha(make(old))] };
        });
        expectOldOrNew(counts, h, files);
      }
    });
  });
});

describe('SIGINT / SIGTERM of the controller during a fetch', () => {
  // 24 MB from each of the four hosts, streamed into temp files beside the local copies.
  const rounds: { sig: NodeJS.Signals; twice: boolean }[] = [
    { sig: 'SIGTERM', twice: false },
    { sig: 'SIGINT', twice: true },
  ];
  rounds.forEach(({ sig, twice }, k) => {
    it(`fetch round ${k + 1}: ${sig}${twice ? ' twice' : ''}: every local copy is its old or its whole new version, no temp file left`, async () => {
      counts.cases++;
      const src = `${dir}/fetch-src.bin`;
      const dest = join(w, `fetched-${k}`);
      const fresh = new Map(HOSTS.map((h) => [h, randomBytes(24 << 20)]));
      const old = new Map(HOSTS.map((h) => [h, randomBytes(1 << 20)]));
      for (const h of HOSTS) {
        writeFileSync(join(hostRoot(h), src), fresh.get(h)!);
        mkdirSync(join(dest, h, dir), { recursive: true });
        writeFileSync(join(dest, h, src), old.get(h)!);
      }
      const pb = join(w, `fetch-${k}.yaml`);
      writeFileSync(pb, `- hosts: nodes\n  tasks:\n    - fetch: { src: ${src}, dest: ${dest} }\n`);
      const delay = randomInt(0, 1500);
      const r = await runAndSignal(['run', pb, '-i', inv, '--ignore-lock'], sig, delay, twice);
      console.log(`fetch round ${k + 1}: ${sig}${twice ? ' x2' : ''} ${delay} ms into the run -> exit ${r.code}`);
      expect([0, 130], r.out).toContain(r.code);
      if (r.code === 130) counts.faults += twice ? 2 : 1;
      for (const h of HOSTS) {
        counts.filesChecked++;
        const got = sha(readFileSync(join(dest, h, src)));
        const ok = [sha(old.get(h)!), sha(fresh.get(h)!)].includes(got);
        if (!ok) counts.filesDamaged++;
        expect(ok, `${h}: local copy is neither old nor new`).toBe(true);
        expect(
          readdirSync(join(dest, h, dir)).filter((n) => n.includes('nodemend')),
          `${h}: local temp files left`,
        ).toEqual([]);
        // A host whose copy is still the old one was stopped before or during its fetch: the report says so.
        if (got === sha(old.get(h)!)) expect(r.code, r.out).toBe(130);
      }
    });
  });
});

describe('SIGKILL of the controller during a fetch', () => {
  it('leaves its local temp file; the next run of the same fetch removes it once it is an hour old, a younger one stays', async () => {
    counts.cases++;
    const [h] = FAULT_HOSTS;
    const src = `${dir}/kill-src.bin`;
    const dest = join(w, 'killed', 'kill.bin');
    const body = randomBytes(96 << 20);
    writeFileSync(join(hostRoot(h), src), body);
    mkdirSync(join(w, 'killed-inv'), { recursive: true });
    const inv1 = writeInventory(join(w, 'killed-inv'), [h]);
    const pb = join(w, 'fetch-kill.yaml');
    writeFileSync(pb, `- hosts: nodes\n  tasks:\n    - fetch: { src: ${src}, dest: ${dest}, flat: true }\n`);
    mkdirSync(join(w, 'killed'), { recursive: true });
    const temps = (): string[] => readdirSync(join(w, 'killed')).filter((n) => n !== 'kill.bin');
    const child = spawn(process.execPath, [CLI, 'run', pb, '-i', inv1, '--ignore-lock'], { env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    for (let i = 0; i < 600 && temps().length === 0 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await closed;
    counts.faults++;
    const left = temps();
    expect(left, 'the killed fetch left its temp file (else the kill came too late)').toHaveLength(1);
    expect(existsSync(dest)).toBe(false);
    const stale = join(w, 'killed', left[0]);
    const young = stale.replace(/[0-9a-f]{8}$/, 'abcdef01');
    copyFileSync(stale, young);
    const hourAgo = (Date.now() - 61 * 60 * 1000) / 1000;
    utimesSync(stale, hourAgo, hourAgo);
    const again = await runCli(['run', pb, '-i', inv1, '--ignore-lock']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    counts.filesChecked++;
    expect(sha(readFileSync(dest))).toBe(sha(body));
    expect(temps()).toEqual([young.split('/').pop()]);
  }, 300_000);
});
