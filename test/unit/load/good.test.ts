import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAll, type Loaded } from '../../../src/load/load.js';
import type { Block, IncludeTasks, Task } from '../../../src/load/model.js';

const FIX = resolve('test/fixtures/load/good');

async function loadGood(extra: Partial<Parameters<typeof loadAll>[0]> = {}): Promise<Loaded> {
  return loadAll({ playbook: join(FIX, 'site.yaml'), inventory: join(FIX, 'inventory.yaml'), onWarning: () => {}, ...extra });
}

describe('a good inventory', () => {
  it('merges connection settings and vars group by group, host last', async () => {
    const { inventory } = await loadGood();
    expect([...inventory.hosts.keys()]).toEqual(['node1', 'node2', 'node3']);
    const n1 = inventory.hosts.get('node1')!;
    expect(n1.connection).toEqual({
      host: '10.0.0.11',
      port: 22,
      user: 'builder', // builders' connection beats all's
      identity_file: join(FIX, 'keys/id_ed25519'),
      known_hosts: join(homedir(), '.ssh/known_hosts'),
      become: true,
    });
    expect(n1.vars).toEqual({ kubelet_version: 'v1.14.1', role: 'builder', k8s_src: '/opt/src/kubernetes' });
    expect(n1.groups).toEqual(['all', 'builders']);
    expect(n1.loc).toEqual({ file: 'test/fixtures/load/good/inventory.yaml', line: 11, col: 5 });

    const n2 = inventory.hosts.get('node2')!;
    expect(n2.connection).toMatchObject({ host: '10.0.0.12', port: 2222, user: 'ops' });
    expect(n2.vars.role).toBe('worker');
    expect(n2.groups).toEqual(['all', 'workers']);

    const n3 = inventory.hosts.get('node3')!;
    expect(n3.connection).toMatchObject({ host: 'node3', port: 22, user: 'ops' });
    expect(n3.vars).toEqual({ kubelet_version: 'v1.14.1', role: 'generic', zone: 'b' });
  });

  it('lists groups with their hosts in inventory order, and the implicit ungrouped', async () => {
    const { inventory } = await loadGood();
    const hostsOf = (g: string) => inventory.groups.get(g)?.hosts;
    expect(hostsOf('all')).toEqual(['node1', 'node2', 'node3']);
    expect(hostsOf('builders')).toEqual(['node1']);
    expect(hostsOf('workers')).toEqual(['node2', 'node3']);
    expect(hostsOf('ungrouped')).toEqual([]);
    expect(inventory.groups.get('all')!.children).toEqual(['builders', 'workers']);
  });

  it('loads inventory.example.yaml as documented', async () => {
    // A load checks that the identity_file of each selected host exists: give it a home that has ~/.ssh/id_ed25519.
    const home = mkdtempSync(join(tmpdir(), 'nm-home-'));
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh/id_ed25519'), 'placeholder\n');
    const oldHome = process.env.HOME;
    process.env.HOME = home;
    onTestFinished(() => {
      process.env.HOME = oldHome;
    });
    const { inventory } = await loadAll({ playbook: join(FIX, 'base.yaml'), inventory: 'inventory.example.yaml', onWarning: () => {} });
    expect([...inventory.hosts.keys()]).toEqual(['node1', 'node2', 'node3']);
    expect(inventory.hosts.get('node1')!.connection).toMatchObject({ user: 'builder', identity_file: join(homedir(), '.ssh/id_ed25519'), become: true });
    expect(inventory.hosts.get('node3')!.vars).toEqual({ kubelet_version: 'v1.14.1', docker_min_version: '18.09.1', role: 'worker', max_pods: 110 });
    expect(inventory.groups.get('workers')!.hosts).toEqual(['node2', 'node3']);
    expect(inventory.groups.get('rhel7')!.hosts).toEqual([]);
  });

  it('defaults the user to the local user', async () => {
    const { inventory } = await loadAll({
      playbook: join(FIX, 'base.yaml'),
      inventory: join(FIX, '../inv-defaults.yaml'),
      onWarning: () => {},
    });
    expect(inventory.hosts.get('lonely')!.connection).toEqual({ host: 'lonely', port: 22, user: userInfo().username });
    expect(inventory.groups.get('ungrouped')!.hosts).toEqual(['lonely']);
  });
});

describe('a good playbook', () => {
  it('flattens import_playbook: import tags first, import vars win', async () => {
    const { playbook, hostsByPlay } = await loadGood();
    expect(playbook.file).toBe('test/fixtures/load/good/site.yaml');
    expect(playbook.plays.map((p) => p.name)).toEqual(['all', 'harden nodes']);
    const [base] = playbook.plays;
    expect(base.tags).toEqual(['base', 'first']);
    expect(base.vars).toEqual({ from_import: true, own: 1 });
    expect(base.loc).toEqual({ file: 'test/fixtures/load/good/base.yaml', line: 2, col: 3 });
    expect(base.dir).toBe(FIX);
    expect(hostsByPlay).toEqual([['node1', 'node2', 'node3'], ['node2']]);
  });

  it('builds the play: vars_files over vars, serial, pre/post tasks around tasks, handlers', async () => {
    const { playbook } = await loadGood();
    const play = playbook.plays[1];
    expect(play).toMatchObject({ hosts: 'workers:!node3', become: true, serial: [1, '50%'], max_fail_percentage: 20, tags: [] });
    expect(play.vars).toEqual({ docker_min: '18.09.1', greeting: 'from vars_files, over the play vars (2.14)' });
    expect(play.tasks.map((t) => t.kind)).toEqual(['task', 'task', 'block', 'include', 'task', 'task']);
    expect((play.tasks[0] as Task).args).toEqual({ msg: 'pre' });
    expect((play.tasks[5] as Task).args).toEqual({ msg: 'post' });
    expect(play.handlers).toHaveLength(1);
    expect(play.handlers[0]).toMatchObject({ name: 'restart kubelet', module: 'command', args: { cmd: 'systemctl restart kubelet' }, listen: ['kubelet changed'] });
  });

  it('turns a task into the model: free-form args, keywords, defaults', async () => {
    const { playbook } = await loadGood();
    const t = playbook.plays[1].tasks[1] as Task;
    expect(t).toEqual({
      kind: 'task',
      name: 'show kernel',
      loc: { file: 'test/fixtures/load/good/site.yaml', line: 16, col: 7 },
      when: [],
      tags: ['kernel', 'info'],
      vars: {},
      become: undefined,
      become_user: undefined,
      ignore_errors: undefined,
      no_log: undefined,
      connection: undefined,
      environment: [],
      module: 'command',
      args: { cmd: 'uname -r' },
      loop: undefined,
      loop_kind: 'loop',
      loop_var: 'item',
      loop_label: undefined,
      register: 'uname',
      notify: [],
      changed_when: ['false'],
      failed_when: undefined,
      until: undefined,
      retries: 0,
      delay: 5,
      timeout: undefined,
      check_mode: undefined,
      run_once: undefined,
      delegate_to: undefined,
      listen: [],
    });
    const make = playbook.plays[1].tasks[4] as Task;
    expect(make).toMatchObject({ args: { chdir: '/opt/src', cmd: 'make' }, until: ['r is succeeded'], retries: 3, notify: ['restart kubelet'] });
  });

  it('keeps blocks with when, loops with loop_control', async () => {
    const { playbook } = await loadGood();
    const b = playbook.plays[1].tasks[2] as Block;
    expect(b.when).toEqual(['uname.rc == 0']);
    expect(b.block).toHaveLength(1);
    expect(b.block[0]).toMatchObject({ module: 'shell', args: { cmd: 'echo {{ x }}' }, loop: ['a', 'b'], loop_var: 'x', loop_label: '{{ x }}' });
    expect(b.rescue.map((t) => (t as Task).module)).toEqual(['fail']);
    expect(b.always.map((t) => (t as Task).module)).toEqual(['debug']);
  });

  it('resolves include_tasks and import_tasks relative to the including file', async () => {
    const { playbook } = await loadGood();
    const inc = playbook.plays[1].tasks[3] as IncludeTasks;
    expect(inc.file).toBe(join(FIX, 'tasks/common.yaml'));
    expect(inc.vars).toEqual({ inc: 1 });
    expect(inc.tasks.map((t) => t.kind)).toEqual(['task', 'task', 'include']);
    expect((inc.tasks[1] as Task).args).toEqual({ that: ['answer == 42'] });
    const nested = inc.tasks[2] as IncludeTasks;
    expect(nested.file).toBe(join(FIX, 'tasks/more.yaml'));
    expect(nested.tasks[0]).toMatchObject({ module: 'debug', notify: ['kubelet changed'], loc: { file: 'test/fixtures/load/good/tasks/more.yaml', line: 1, col: 3 } });
  });

  it('reads include_tasks/import_tasks written key=value (`file=x.yml`, as 2.14 parses it) and assert items left empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-kv-include-'));
    writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    h1: {}\n');
    writeFileSync(join(dir, 'inc.yml'), "- assert:\n    that:\n      - true\n      -\n      - \"'' == ''\"\n");
    writeFileSync(join(dir, 'site.yaml'), '- hosts: all\n  tasks:\n    - include_tasks: file=inc.yml\n      loop: [1]\n    - import_tasks: file=inc.yml\n    - include_tasks: inc.yml\n');
    const { playbook } = await loadAll({ playbook: join(dir, 'site.yaml'), inventory: join(dir, 'inv.yaml'), onWarning: () => {} });
    const incs = playbook.plays[0].tasks as IncludeTasks[];
    expect(incs.map((i) => i.file)).toEqual([join(dir, 'inc.yml'), join(dir, 'inc.yml'), join(dir, 'inc.yml')]);
    expect((incs[0].tasks[0] as Task).args).toEqual({ that: [true, null, "'' == ''"] });
  });

  it('intersects every play with --limit', async () => {
    const { hostsByPlay } = await loadGood({ limit: 'node2,node3' });
    expect(hostsByPlay).toEqual([['node2', 'node3'], ['node2']]);
  });

  it('renders a templated hosts pattern with extra vars', async () => {
    const { playbook, hostsByPlay, extraVars } = await loadAll({
      playbook: resolve('test/fixtures/load/templated-hosts.yaml'),
      inventory: join(FIX, 'inventory.yaml'),
      extraVars: ['target=builders'],
      onWarning: () => {},
    });
    expect(extraVars).toEqual({ target: 'builders' });
    expect(playbook.plays[0].hosts).toBe('builders');
    expect(hostsByPlay).toEqual([['node1']]);
  });
});
