/**
 * Ctrl-C (SIGINT) or SIGTERM of `nodemend run` during a long pause: the wait ends at once and the
 * run stops there as on a signal anywhere else (nothing new starts, "INTERRUPTED by", exit 130),
 * so the task after the pause writes nothing. Host node23 (HOSTS.ansibleModules), paths
 * /tmp/nmdiff-h20e-pause-*.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { CLI, assertBuilt, workDir, writeInventory } from '../setup/cli.js';

const HOST = HOSTS.ansibleModules[0];
const dir = `/tmp/nmdiff-h20e-pause-${randomBytes(4).toString('hex')}`;
let w: string;
let inv: string;

beforeAll(() => {
  assertBuilt();
  w = workDir('pause-int');
  inv = writeInventory(w, [HOST]);
  mkdirSync(join(hostRoot(HOST), dir), { recursive: true });
});
afterAll(() => {
  rmSync(join(hostRoot(HOST), dir), { recursive: true, force: true });
  rmSync(w, { recursive: true, force: true });
});

/** Runs the playbook, signals it once the task before the pause has reported (the pause has begun), and times the end. */
function runAndSignal(playbook: string, sig: NodeJS.Signals): Promise<{ code: number | null; out: string; afterSignalMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', playbook, '-i', inv], { env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sentAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!timer && out.includes('TASK [write before the pause]')) {
        timer = setTimeout(() => {
          sentAt = Date.now();
          child.kill(sig);
        }, 1500);
      }
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      clearTimeout(timer);
      resolve({ code, out, afterSignalMs: sentAt ? Date.now() - sentAt : -1 });
    });
  });
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s during a 300-second pause', (sig) => {
  it('ends the pause and the run promptly, exit 130, the next task not run', async () => {
    const sub = `${dir}/${sig}`;
    const playbook = join(w, `pause-${sig}.yaml`);
    writeFileSync(
      playbook,
      `- hosts: ${HOST}
  gather_facts: false
  tasks:
    - name: write before the pause
      copy: { content: "before\\n", dest: "${sub}-before" }
    - name: a long pause
      pause: { seconds: 300 }
    - name: write after the pause
      copy: { content: "after\\n", dest: "${sub}-after" }
`,
    );
    const r = await runAndSignal(playbook, sig);
    expect(r.afterSignalMs, r.out).toBeGreaterThanOrEqual(0);
    expect(r.afterSignalMs, r.out).toBeLessThan(15_000);
    expect(r.code, r.out).toBe(130);
    expect(r.out).toMatch(new RegExp(`^INTERRUPTED by ${sig}`, 'm'));
    expect(readFileSync(join(hostRoot(HOST), `${sub}-before`), 'utf8')).toBe('before\n');
    expect(existsSync(join(hostRoot(HOST), `${sub}-after`)), r.out).toBe(false);
  }, 150_000);
});
