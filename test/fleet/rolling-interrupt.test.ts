/**
 * Ctrl-C / SIGTERM through the real CLI on real hosts (node19, node20: the rolling area):
 * the first signal lets the command in flight finish and starts nothing new, a second one
 * stops the command in flight; either way the recap is printed, the interrupted and the
 * never-started hosts are named, and the exit code is 130.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, CLI, readJson, workDir, writeInventory } from '../setup/cli.js';

const [A, B] = HOSTS.rolling; // node19, node20
const work = workDir('interrupt');
const remote = `/tmp/nm-interrupt-${randomBytes(4).toString('hex')}`;
let inventory: string;

const onHost = (host: string, file: string): string => join(hostRoot(host), remote, file);

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the CLI and sends it `signals` (one after another) once `ready()` holds; then calls `after()`. */
function runAndSignal(args: string[], ready: () => boolean, signals: NodeJS.Signals[], after = (): void => {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
  void (async () => {
    await until('the task to start on the host', ready);
    for (const s of signals) {
      child.kill(s);
      // the second signal only after the first was seen
      await until('the CLI to acknowledge the signal', () => stderr.includes(`nodemend: ${s}`));
    }
    after();
  })();
  return done;
}

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, [A, B]);
});

afterAll(() => {
  for (const h of [A, B]) rmSync(join(hostRoot(h), remote), { recursive: true, force: true });
});

describe('interrupting a run', () => {
  it('first Ctrl-C: the command in flight finishes, nothing new starts, recap names the hosts, exit 130', async () => {
    for (const h of [A, B]) mkdirSync(join(hostRoot(h), remote), { recursive: true });
    const pb = join(work, 'slow.yaml');
    writeFileSync(
      pb,
      `- name: slow roll
  hosts: nodes
  serial: 1
  tasks:
    - name: slow step
      shell: "touch ${remote}/started; g=0; while [ ! -e ${remote}/go ] && [ $g -lt 600 ]; do sleep 0.1; g=$((g + 1)); done; echo done > ${remote}/first"
    - name: second step
      shell: "echo x > ${remote}/second"
`,
    );
    const json = join(work, 'slow.json');
    // The command in flight waits (at most 60 s) for a go file made only once the CLI has seen the
    // signal: with a fixed sleep, a loaded machine could see the step end before the signal came.
    const r = await runAndSignal(
      ['run', pb, '-i', inventory, '--json', json],
      () => existsSync(onHost(A, 'started')),
      ['SIGINT'],
      () => writeFileSync(onHost(A, 'go'), ''),
    );
    expect(r.code).toBe(130);
    expect(existsSync(onHost(A, 'first'))).toBe(true); // in flight: finished
    expect(existsSync(onHost(A, 'second'))).toBe(false); // nothing new started
    expect(existsSync(onHost(B, 'started'))).toBe(false); // later batch untouched
    expect(r.stdout).toContain('PLAY RECAP');
    expect(r.stdout).toContain(`INTERRUPTED by SIGINT: stopped part-way: ${A}; not started: ${B}`);
    const report = readJson(json);
    expect(report.interrupted).toEqual({ signal: 'SIGINT', hosts: [A], not_started: [B] });
    expect(report.hosts[A].tasks.map((t: { task: string; status: string }) => `${t.task}:${t.status}`)).toEqual(['slow step:changed']);
  });

  it('a second signal stops the command in flight; SIGTERM behaves as Ctrl-C', async () => {
    for (const h of [A, B]) mkdirSync(join(hostRoot(h), remote), { recursive: true });
    const pb = join(work, 'stuck.yaml');
    writeFileSync(
      pb,
      `- hosts: nodes
  tasks:
    - name: stuck step
      shell: "touch ${remote}/stuck-started-$(hostname); sleep 20"
    - name: after
      shell: "echo x > ${remote}/after"
`,
    );
    const r = await runAndSignal(['run', pb, '-i', inventory], () => existsSync(onHost(A, `stuck-started-${A}`)) && existsSync(onHost(B, `stuck-started-${B}`)), ['SIGTERM', 'SIGTERM']);
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('PLAY RECAP');
    expect(r.stdout).toContain(`INTERRUPTED by SIGTERM: stopped part-way: ${A}, ${B}; not started: none`);
    expect(r.stdout).toMatch(/interrupted \(SIGTERM\)/);
    expect(existsSync(onHost(A, 'after'))).toBe(false);
  });
});
