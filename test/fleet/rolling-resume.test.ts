/**
 * The run journal and --resume through the real CLI on node19..node21 (unique paths only: the
 * rolling files share these hosts). The controller is killed outright (SIGKILL: no recap, no
 * cleanup, as a crash) in the middle of a one-node-at-a-time play; --resume then runs exactly
 * the hosts that had not finished, and refuses when there is nothing to resume or the playbook
 * changed. --start-at-task skips what comes before the named task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, CLI, runCli, workDir, writeInventory } from '../setup/cli.js';

const NODES = [...HOSTS.rolling];
const [A, B, C] = NODES;
const work = workDir('resume');
const remote = `/tmp/nm-resume-${randomBytes(4).toString('hex')}`;
const state = join(work, 'state');
let inventory: string;

const onHost = (host: string, file: string): string => join(hostRoot(host), remote, file);
const lines = (host: string, file: string): string[] => (existsSync(onHost(host, file)) ? readFileSync(onHost(host, file), 'utf8').trim().split('\n') : []);

/**
 * The slow task waits for its host's gate file (at most 60 s), not for a fixed sleep: the test kills
 * the controller while node20 is inside it however long a loaded machine takes to notice (a 1 s sleep
 * could end, and node20 run its last task, before the test's poll saw "slow").
 */
const SLOW = `g=0; while [ ! -e ${remote}/go ] && [ $g -lt 600 ]; do sleep 0.1; g=$((g + 1)); done`;
/** Opens the gate on `open` and closes it on the other hosts. */
function gates(open: readonly string[]): void {
  for (const h of NODES) {
    if (open.includes(h)) writeFileSync(onHost(h, 'go'), '');
    else rmSync(onHost(h, 'go'), { force: true });
  }
}

const PLAYBOOK = `- name: slow roll
  hosts: nodes
  serial: 1
  tasks:
    - name: first
      shell: echo first >> ${remote}/log
    - name: slow
      shell: "echo slow >> ${remote}/log; ${SLOW}"
    - name: last
      shell: echo last >> ${remote}/log
`;

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, NODES);
  for (const h of NODES) mkdirSync(join(hostRoot(h), remote), { recursive: true });
});

afterAll(() => {
  for (const h of NODES) rmSync(join(hostRoot(h), remote), { recursive: true, force: true });
});

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('--resume after the controller was killed mid-play', () => {
  const pb = join(work, 'roll.yaml');
  const run = (...extra: string[]) => runCli(['run', pb, '-i', inventory, '--state-dir', state, ...extra]);

  it('runs exactly the hosts that had not finished; then there is nothing left to resume', async () => {
    writeFileSync(pb, PLAYBOOK);
    gates([A]);
    const child = spawn(process.execPath, [CLI, 'run', pb, '-i', inventory, '--state-dir', state], { env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('close', r));
    // node19 finished its batch, node20 is in its slow task: kill the controller there
    await until(`${B} to start its slow task`, () => lines(B, 'log').includes('slow'));
    child.kill('SIGKILL');
    await exited;
    gates(NODES);
    expect(lines(A, 'log')).toEqual(['first', 'slow', 'last']);
    expect(lines(B, 'log')).toEqual(['first', 'slow']);
    expect(lines(C, 'log')).toEqual([]);

    const resumed = await run('--resume');
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`already finished: play 1: ${A}`);
    expect(lines(A, 'log')).toEqual(['first', 'slow', 'last']); // not run again
    expect(lines(B, 'log')).toEqual(['first', 'slow', 'first', 'slow', 'last']); // the play again from its start
    expect(lines(C, 'log')).toEqual(['first', 'slow', 'last']);
    expect(resumed.stdout).not.toMatch(new RegExp(`^${A} +:`, 'm')); // no recap line: it was not part of this run

    const again = await run('--resume');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('finished on every host: nothing to resume');
  });

  it('refuses to resume when the playbook changed since, and touches no host', async () => {
    writeFileSync(pb, PLAYBOOK);
    gates([A]);
    const child = spawn(process.execPath, [CLI, 'run', pb, '-i', inventory, '--state-dir', state], { env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('close', r));
    const before = lines(B, 'log').length;
    await until(`${B} to start its slow task again`, () => lines(B, 'log').length >= before + 2);
    child.kill('SIGKILL');
    await exited;
    gates(NODES);
    writeFileSync(pb, PLAYBOOK.replace('echo last', 'echo changed'));
    const snapshot = NODES.map((h) => lines(h, 'log').length);
    const r = await run('--resume');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /--resume: the playbook, its included files, the inventory, the selected hosts or -e changed since the run started .*: run without --resume to start over; no host was contacted/,
    );
    expect(NODES.map((h) => lines(h, 'log').length)).toEqual(snapshot);
  });

  it('--start-at-task skips every task before the named one', async () => {
    for (const h of NODES) rmSync(onHost(h, 'log'), { force: true });
    writeFileSync(pb, PLAYBOOK);
    // --ignore-lock: the run killed above left its lock on the hosts (run-lock.ts)
    const r = await runCli(['run', pb, '-i', inventory, '--state-dir', state, '-l', A, '--start-at-task', 'sl*', '--ignore-lock']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(A, 'log')).toEqual(['slow', 'last']);
  });
});

describe('--resume keeps what finished hosts had set', () => {
  const pb = join(work, 'vars.yaml');
  const varsState = join(work, 'vars-state');
  const PLAYBOOK_VARS = (noLog: boolean) => `- name: gather
  hosts: nodes
  serial: 1
  tasks:
    - name: a fact
      set_fact: { my_fact: "fact-of-{{ inventory_hostname }}" }
    - name: a secret
      set_fact: { secret_tok: "s3cr3t-{{ 99 * 3 }}" }
      no_log: ${noLog}
    - name: a result
      command: echo "said-by-{{ inventory_hostname }}"
      register: said
    - name: included vars
      include_vars: inc.yaml
    - name: included secret
      include_vars: inc-secret.yaml
      no_log: ${noLog}
    - name: slow
      shell: "echo slow >> ${remote}/vlog; ${SLOW}"
- name: use
  hosts: nodes
  tasks:
    - name: read the first node's values
      copy:
        content: "{{ hostvars['${A}'].my_fact }} {{ hostvars['${A}'].said.stdout }} {{ my_fact }} {{ hostvars['${A}'].inc_var }} {{ inc_var }}\\n"
        dest: ${remote}/seen
`;
  const seen = (h: string): string | undefined => (existsSync(onHost(h, 'seen')) ? readFileSync(onHost(h, 'seen'), 'utf8') : undefined);

  /** Runs the playbook and kills the controller (SIGKILL) once node20 is in its slow task: node19 has finished play 1. */
  async function killedMidPlay(): Promise<void> {
    for (const h of NODES) rmSync(onHost(h, 'vlog'), { force: true });
    // --ignore-lock: the runs killed above left their locks on these hosts
    gates([A]);
    const child = spawn(process.execPath, [CLI, 'run', pb, '-i', inventory, '--state-dir', varsState, '--ignore-lock'], { env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('close', r));
    await until(`${B} to start its slow task`, () => lines(B, 'vlog').includes('slow'));
    child.kill('SIGKILL');
    await exited;
    gates(NODES);
  }

  it("a later play reads a finished (skipped) host's set_fact, registered result and include_vars values through hostvars", async () => {
    writeFileSync(pb, PLAYBOOK_VARS(false));
    writeFileSync(join(work, 'inc.yaml'), 'inc_var: included-value\n');
    writeFileSync(join(work, 'inc-secret.yaml'), 'inc_secret: inc-s3cr3t-42\n');
    await killedMidPlay();
    expect(NODES.map(seen)).toEqual([undefined, undefined, undefined]);
    const r = await runCli(['run', pb, '-i', inventory, '--state-dir', varsState, '--resume']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`already finished: play 1: ${A}`);
    expect(lines(A, 'vlog')).toEqual(['slow']); // A's play 1 was not run again
    for (const h of NODES) expect(seen(h)).toBe(`fact-of-${A} said-by-${A} fact-of-${h} included-value included-value\n`);
  });

  it('values a no_log task set are never written; --resume is refused naming the task, no host contacted', async () => {
    writeFileSync(pb, PLAYBOOK_VARS(true));
    for (const h of NODES) rmSync(onHost(h, 'seen'), { force: true });
    await killedMidPlay();
    const journal = readdirSync(varsState).filter((f) => f.endsWith('.json'));
    expect(journal).toHaveLength(1);
    const text = readFileSync(join(varsState, journal[0]), 'utf8');
    expect(text).toContain(`fact-of-${A}`); // the journal does keep ordinary values
    expect(text).toContain('included-value'); // and include_vars values
    expect(text).not.toContain('s3cr3t-297');
    expect(text).not.toContain('inc-s3cr3t-42'); // nor a no_log include_vars' values
    const before = NODES.map((h) => lines(h, 'vlog').length);
    const r = await runCli(['run', pb, '-i', inventory, '--state-dir', varsState, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`--resume: .*no_log.*${A}: secret_tok \\(set by no_log task "a secret" \\(.*vars\\.yaml:7\\)\\).*run without --resume.*no host was contacted`));
    expect(NODES.map((h) => lines(h, 'vlog').length)).toEqual(before);
    expect(NODES.map(seen)).toEqual([undefined, undefined, undefined]);
  });
});
