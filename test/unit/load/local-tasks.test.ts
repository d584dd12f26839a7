/** Loading tasks for the control machine: local_action (both forms), connection: local, hosts: localhost; and `action:`, the same syntax run on the host. */
import { describe, expect, it } from 'vitest';
import type { Task } from '../../../src/load/model.js';
import { loadTree, play } from './load-helpers.js';

const tasksOf = (o: Awaited<ReturnType<typeof loadTree>>): Task[] => o.loaded!.playbook.plays[0].tasks as Task[];

describe('tasks on the control machine', () => {
  it('local_action "module args" and {module: ...} become the module delegated to localhost', async () => {
    const o = await loadTree({
      'site.yaml': play(`    - local_action: command kubectl drain {{ inventory_hostname }}
    - local_action:
        module: shell
        cmd: echo hi
        chdir: /tmp
      register: r
`),
    });
    expect(o.errors).toEqual([]);
    const [a, b] = tasksOf(o);
    expect(a).toMatchObject({ module: 'command', args: { cmd: 'kubectl drain {{ inventory_hostname }}' }, delegate_to: 'localhost' });
    expect(b).toMatchObject({ module: 'shell', args: { cmd: 'echo hi', chdir: '/tmp' }, delegate_to: 'localhost', register: 'r' });
  });

  it('reports a bad local_action where it is written', async () => {
    const o = await loadTree({
      'site.yaml': play(`    - local_action: comand echo hi
    - local_action: { cmd: echo hi }
    - local_action: command echo
      delegate_to: node1
    - local_action: shell echo
      command: echo
`),
    });
    expect(o.errors).toEqual([
      'site.yaml:3:21: unknown module "comand" in local_action (did you mean "command"?)',
      'site.yaml:4:21: local_action as a mapping needs "module: NAME" and the module\'s arguments',
      'site.yaml:6:7: local_action already runs on the control machine: drop "delegate_to"',
      expect.stringMatching(/^site\.yaml:8:7: a task runs exactly one module, but this one has two: "shell" .* and "command"/),
    ]);
  });

  it('action "module args" and {module: ...} are the module, run where the task runs', async () => {
    const o = await loadTree({
      'site.yaml': play(`    - action: slurp src=/etc/hostname
      register: r
    - action:
        module: command
        cmd: hostname
      delegate_to: node2
`),
    });
    expect(o.errors).toEqual([]);
    const [a, b] = tasksOf(o);
    expect(a).toMatchObject({ module: 'slurp', args: { src: '/etc/hostname' }, register: 'r' });
    expect(a.delegate_to).toBeUndefined();
    expect(b).toMatchObject({ module: 'command', args: { cmd: 'hostname' }, delegate_to: 'node2' });
  });

  it('reports a bad action where it is written: an unknown module, a module without its required argument, two action statements', async () => {
    const o = await loadTree({
      'site.yaml': play(`    - action: slrp src=/x
    - action: slurp
    - action: command echo
      local_action: command echo
`),
    });
    expect(o.errors).toEqual([
      'site.yaml:3:15: unknown module "slrp" in action (did you mean "slurp"?)',
      expect.stringMatching(/^site\.yaml:4:\d+: missing required key "src" in module "slurp"/),
      'site.yaml:5:7: conflicting action statements: action, local_action',
    ]);
  });

  it('connection: local on a play, a block or a task; only local or ssh', async () => {
    const ok = await loadTree({
      'site.yaml': `- hosts: all
  connection: local
  tasks:
    - command: hostname
      connection: ssh
`,
    });
    expect(ok.errors).toEqual([]);
    expect(ok.loaded!.playbook.plays[0].connection).toBe('local');
    expect(tasksOf(ok)[0].connection).toBe('ssh');
    const bad = await loadTree({ 'site.yaml': play('    - command: hostname\n      connection: paramiko\n') });
    expect(bad.errors[0]).toMatch(/^site\.yaml:4:19: .*connection/);
  });

  it('hosts: localhost without an inventory entry is the control machine, alone', async () => {
    const o = await loadTree({ 'site.yaml': '- hosts: localhost\n  tasks: []\n- hosts: all\n  tasks: []\n' });
    expect(o.loaded!.hostsByPlay).toEqual([['localhost'], ['node1', 'node2']]);
  });
});
