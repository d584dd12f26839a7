/**
 * --step through the real CLI on a real terminal: python3's pty module gives the CLI a
 * pseudo-terminal (no node-pty here) and types the answers when ansible-playbook's question
 * "Perform task: TASK: NAME (N)o/(y)es/(c)ontinue: " shows. Hosts node19, node20 (the rolling
 * area), unique paths only. Without a terminal (CI), --step is refused before any host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, CLI, runCli, workDir, writeInventory } from '../setup/cli.js';

const [A, B] = HOSTS.rolling; // node19, node20
const DRIVER = resolve(import.meta.dirname, '../setup/pty-answer.py');
const QUESTION = '(N)o/(y)es/(c)ontinue: ';
const work = workDir('step');
const remote = `/tmp/nm-step-${randomBytes(4).toString('hex')}`;
const pb = join(work, 'step.yaml');
let inventory: string;

const made = (host: string): string[] => ['one', 'two', 'three'].filter((f) => existsSync(join(hostRoot(host), remote, f)));

/** The CLI on a pseudo-terminal, answering each --step question in turn. */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn('python3', [DRIVER, QUESTION, JSON.stringify(answers), '--', process.execPath, CLI, ...args], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => res({ code, out }));
  });
}

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, [A, B]);
  writeFileSync(
    pb,
    `- name: stepped
  hosts: nodes
  serial: 1
  tasks:
    - name: make one
      shell: touch ${remote}/one
    - name: make two
      shell: touch ${remote}/two
    - name: make three
      shell: touch ${remote}/three
`,
  );
});

afterAll(() => {
  for (const h of [A, B]) rmSync(join(hostRoot(h), remote), { recursive: true, force: true });
});

describe('--step', () => {
  it('asks before each task: n skips it, y runs it, c runs the rest of the batch; the next batch asks again', async () => {
    for (const h of [A, B]) mkdirSync(join(hostRoot(h), remote), { recursive: true });
    // batch 1 (A): y, n, y; batch 2 (B): c on the first task, then no more questions
    const r = await onTerminal(['run', pb, '-i', inventory, '--step'], ['y', 'n', 'yes', 'c']);
    expect(r.code, r.out).toBe(0);
    const questions = r.out.split('\n').filter((l) => l.includes(QUESTION.trim()));
    // the terminal echoes each answer after its question
    expect(questions.map((l) => l.slice(l.indexOf('Perform task:')).trim())).toEqual([
      `Perform task: TASK: make one ${QUESTION}y`,
      `Perform task: TASK: make two ${QUESTION}n`,
      `Perform task: TASK: make three ${QUESTION}yes`,
      `Perform task: TASK: make one ${QUESTION}c`,
    ]);
    expect(made(A)).toEqual(['one', 'three']);
    expect(made(B)).toEqual(['one', 'two', 'three']);
    expect(r.out).toMatch(new RegExp(`${A}\\s*: ok=2 `));
    expect(r.out).toMatch(new RegExp(`${B}\\s*: ok=3 `));
  });

  it('Enter (the default N) skips; the end of input skips the rest', async () => {
    rmSync(join(hostRoot(A), remote), { recursive: true, force: true });
    mkdirSync(join(hostRoot(A), remote), { recursive: true });
    const r = await onTerminal(['run', pb, '-i', inventory, '--step', '-l', A], ['', 'y', 'n']);
    expect(r.code, r.out).toBe(0);
    expect(made(A)).toEqual(['two']);
  });

  it('is refused without a terminal, before any host is contacted', async () => {
    rmSync(join(hostRoot(A), remote), { recursive: true, force: true });
    mkdirSync(join(hostRoot(A), remote), { recursive: true });
    const r = await runCli(['run', pb, '-i', inventory, '--step'], { input: 'y\ny\ny\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--step asks before each task and needs a terminal on stdin');
    expect(r.stderr).toContain('no host was contacted');
    expect(made(A)).toEqual([]);
  });
});
