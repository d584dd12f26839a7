/**
 * Tasks on the control machine through the real CLI, next to real fleet hosts (node20,
 * node21): `hosts: localhost` without an inventory entry, `delegate_to: localhost` /
 * `127.0.0.1`, `local_action`, `connection: local`. They run as the invoking user, quote
 * values, honour check mode and no_log, and report under the host they ran for.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { HOSTS } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';

const [, A, B] = HOSTS.rolling; // node20, node21
const work = workDir('local');
let inventory: string;

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, [A, B]);
});

const PLAYBOOK = (out: string): string => `- name: on the controller
  hosts: localhost
  tasks:
    - name: who and where
      shell: 'printf "%s %s" "$(id -un)" {{ value | quote }} > ${out}/localhost'
- name: on the nodes, with steps on the controller
  hosts: nodes
  tasks:
    - name: delegated
      command: touch ${out}/delegated-{{ inventory_hostname }}
      delegate_to: localhost
    - name: delegated by address
      shell: hostname > ${out}/addr-{{ inventory_hostname }}
      delegate_to: 127.0.0.1
    - name: local action
      local_action: shell echo {{ value | quote }} > ${out}/action-{{ inventory_hostname }}
    - name: a secret on the controller
      local_action: { module: shell, cmd: "echo {{ secret }} > ${out}/secret-{{ inventory_hostname }}" }
      no_log: true
    - name: on the node itself
      command: hostname
      register: remote
      check_mode: false
      changed_when: false
    - name: connection local
      command: hostname
      connection: local
      register: here
      check_mode: false
      changed_when: false
    - name: record both
      copy: { content: "{{ remote.stdout }} {{ here.stdout }}", dest: "${out}/both-{{ inventory_hostname }}" }
      delegate_to: localhost
`;

describe('tasks on the control machine', () => {
  it('run as the invoking user, with quoting, check mode, no_log and per-host reporting', async () => {
    const out = workDir('local-out');
    const pb = join(work, 'local.yaml');
    writeFileSync(pb, PLAYBOOK(out));
    const vars = ['-e', `{"value": "it's $(id) \`x\`", "secret": "s3cr3t-local"}`];
    const check = await runCli(['run', pb, '-i', inventory, '--check', '--json', join(work, 'check.json'), ...vars]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(existsSync(join(out, 'localhost'))).toBe(false); // check mode ran nothing on the controller either
    expect(existsSync(join(out, `delegated-${A}`))).toBe(false);
    const checked = readJson(join(work, 'check.json'));
    expect(Object.keys(checked.hosts)).toEqual(['localhost', A, B]); // delegation targets get no recap line

    const run = await runCli(['run', pb, '-i', inventory, '-v', '--json', join(work, 'run.json'), ...vars]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(join(out, 'localhost'), 'utf8')).toBe(`${userInfo().username} it's $(id) \`x\``);
    for (const h of [A, B]) {
      expect(existsSync(join(out, `delegated-${h}`))).toBe(true);
      expect(readFileSync(join(out, `action-${h}`), 'utf8')).toBe("it's $(id) `x`\n");
      expect(readFileSync(join(out, `secret-${h}`), 'utf8')).toBe('s3cr3t-local\n');
      // the node's own hostname, then the controller's
      const controller = readFileSync(join(out, `addr-${h}`), 'utf8').trim();
      expect(controller).not.toBe(h);
      expect(readFileSync(join(out, `both-${h}`), 'utf8')).toBe(`${h} ${controller}`);
    }
    expect(run.stdout + run.stderr).not.toContain('s3cr3t-local');
    const report = readJson(join(work, 'run.json'));
    expect(JSON.stringify(report)).not.toContain('s3cr3t-local');
    expect(report.hosts[A].tasks.map((t: { task: string }) => t.task)).toContain('local action');
  });

  it('a local command is killed at its timeout like a remote one', async () => {
    const pb = join(work, 'timeout.yaml');
    writeFileSync(pb, '- hosts: localhost\n  tasks:\n    - command: sleep 30\n      timeout: 1\n');
    const r = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'timeout.json')]);
    expect(r.code).toBe(2);
    const t = readJson(join(work, 'timeout.json')).hosts.localhost.tasks[0];
    expect(t).toMatchObject({ status: 'failed', rc: 124 });
  });
});
