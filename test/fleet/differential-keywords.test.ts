/**
 * The task keywords real roles use (issue 13, section 2), through ansible-playbook and nodemend
 * on the same host (node22), compared on files, registered results, task statuses and changed
 * flags in check mode, a real run and a rerun: `environment:` on play, block and task (also
 * delegated to the control machine), keywords on blocks, templated keyword values, `vars:` as a
 * list, `!unsafe`, loops on include_tasks, and the meta actions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'keywords');

// Values a shell would expand or split if they were interpolated unquoted.
const NASTY = `it's "$HOME" \`id\` ; $(id) *`;

const environment = d.case('environment on play, block and task; task wins; values quoted', {
  vars: { nasty: NASTY, proxy: { NM_FROM_TEMPLATE: 'templated' } },
  play: 'environment: { NM_PLAY: play, NM_OVER: play }',
  tasks: `
    - block:
        - name: env in a block
          shell: 'printf "%s|%s|%s|%s\\n" "$NM_PLAY" "$NM_OVER" "$NM_BLOCK" "$NM_TASK" > {{ dir }}/env'
          environment: { NM_TASK: "{{ nasty }}", NM_OVER: task }
          register: env_block
      environment: { NM_BLOCK: block, NM_OVER: block }
    - name: env from a template
      shell: 'printf "%s|%s\\n" "$NM_FROM_TEMPLATE" "$NM_PLAY"'
      check_mode: false
      environment: "{{ proxy }}"
      register: env_tpl
      changed_when: false
    - name: env list, later wins
      shell: 'printf "%s\\n" "$NM_L"'
      check_mode: false
      environment: [{ NM_L: first }, { NM_L: "{{ nasty }}" }]
      register: env_list
      changed_when: false
    - name: env on a delegated task
      shell: 'printf "%s|%s\\n" "$NM_PLAY" "$NM_TASK" > {{ dir }}-local'
      environment: { NM_TASK: "{{ nasty }}" }
      delegate_to: localhost
      become: false
  `,
});

const blocks = d.case('notify, become, check_mode, ignore_errors and run_once on a block', {
  tasks: `
    - block:
        - name: changed in a block that notifies
          copy: { content: "n\\n", dest: "{{ dir }}/notified" }
        - name: own notify wins
          copy: { content: "o\\n", dest: "{{ dir }}/own" }
          notify: other
      notify: from block
    - block:
        - name: who am i
          command: id -un
          check_mode: false
          register: who
          changed_when: false
      become: true
      become_user: nobody
    - block:
        - name: planned only
          copy: { content: "c\\n", dest: "{{ dir }}/checked" }
          register: planned
      check_mode: true
    - block:
        - name: failing, ignored by the block
          command: /bin/false
          check_mode: false
          changed_when: false
          register: ignored
      ignore_errors: true
    - block:
        - name: once
          command: echo once
          check_mode: false
          register: once
          changed_when: false
      run_once: true
  `,
  handlers: `
    - name: from block
      copy: { content: "h\\n", dest: "{{ dir }}/handler" }
    - name: other
      copy: { content: "x\\n", dest: "{{ dir }}/other" }
  `,
});

const templated = d.case('templated keyword values', {
  vars: { yes_please: true, no_thanks: false, become_to: 'nobody' },
  tasks: `
    - name: ignore_errors from the check mode flag
      command: /bin/false
      check_mode: false
      changed_when: false
      ignore_errors: "{{ ansible_check_mode or yes_please }}"
      register: t_ignored
    - name: become from a variable
      command: id -un
      check_mode: false
      become: "{{ yes_please }}"
      become_user: "{{ become_to }}"
      register: t_become
      changed_when: false
    - name: check_mode from a variable
      copy: { content: "t\\n", dest: "{{ dir }}/t_checked" }
      check_mode: "{{ yes_please }}"
      register: t_check
    - name: no_log from a variable
      command: echo secret
      check_mode: false
      no_log: "{{ yes_please }}"
      register: t_nolog
      changed_when: false
    - name: run_once from a variable
      command: echo one
      check_mode: false
      run_once: "{{ no_thanks }}"
      register: t_once
      changed_when: false
  `,
});

const varsList = d.case('vars as a list of mappings, merged in order', {
  tasks: `
    - block:
        - name: list vars
          copy: { content: "{{ a }} {{ b }} {{ c }}\\n", dest: "{{ dir }}/vars" }
          vars: [{ c: task1 }, { c: task2 }]
      vars: [{ a: block1, b: block1 }, { b: block2 }]
  `,
});

const unsafe = d.case('!unsafe values are never templated', {
  vars: { word: 'hello' },
  tasks: `
    - name: copy an unsafe content
      copy: { content: !unsafe "{{ word }} {% raw %}\\n", dest: "{{ dir }}/unsafe" }
    - name: unsafe through a variable
      debug: { msg: "{{ kept }} {{ word }}" }
      vars: { kept: !unsafe "{{ word }}" }
      register: u_var
    - name: unsafe command
      shell: !unsafe "printf '%s\\n' '{{ word }}'"
      check_mode: false
      register: u_shell
      changed_when: false
  `,
});

const includeLoop = d.case('loops on include_tasks', {
  tasks: `
    - name: include per item
      include_tasks: tasks/one.yaml
      loop: [a, b, c]
      loop_control: { loop_var: it, index_var: i }
    - name: include with_dict
      include_tasks: tasks/pair.yaml
      with_dict: { x: one, y: two }
  `,
  controllerFiles: {
    'tasks/one.yaml': `- name: write one file per item
  copy: { content: "{{ it }} {{ i }}\\n", dest: "{{ dir }}/item-{{ it }}" }
  register: last_item
`,
    'tasks/pair.yaml': `- name: write a pair
  copy: { content: "{{ item.value }}\\n", dest: "{{ dir }}/pair-{{ item.key }}" }
`,
  },
});

const endHost = d.case('meta end_host ends the play for the host, not failed; handlers do not run', {
  dumpInNextPlay: true,
  tasks: `
    - name: before
      copy: { content: "1\\n", dest: "{{ dir }}/before" }
      notify: never
      register: before
    - name: end_host when false
      meta: end_host
      when: false
    - name: end_host
      meta: end_host
      when: before is defined
    - name: after
      copy: { content: "2\\n", dest: "{{ dir }}/after" }
  `,
  handlers: `
    - name: never
      copy: { content: "h\\n", dest: "{{ dir }}/handler" }
  `,
});

const endPlay = d.case('meta end_play, and noop / clear_facts / refresh_inventory go on', {
  dumpInNextPlay: true,
  tasks: `
    - name: noop
      meta: noop
    - name: clear_facts
      meta: clear_facts
    - name: refresh_inventory
      meta: refresh_inventory
    - name: still running
      copy: { content: "1\\n", dest: "{{ dir }}/running" }
      register: running
    - name: end_play
      meta: end_play
    - name: never
      copy: { content: "2\\n", dest: "{{ dir }}/never" }
  `,
});

const endBatch = d.case('meta end_batch ends the batch', {
  dumpInNextPlay: true,
  play: 'serial: 1',
  tasks: `
    - name: first
      copy: { content: "1\\n", dest: "{{ dir }}/first" }
      register: first
    - name: end_batch
      meta: end_batch
    - name: never
      copy: { content: "2\\n", dest: "{{ dir }}/never" }
  `,
});

beforeAll(() => d.run(), 900_000);

/** `{{ dir }}-local` of the environment case (the first), written on the control machine. */
const localFile = (tool: 'ansible' | 'nodemend'): string => `/tmp/nmdiff-keywords-1-${tool}-local`;
afterAll(() => {
  for (const tool of ['ansible', 'nodemend'] as const) rmSync(localFile(tool), { force: true });
});

const ALL = [environment, blocks, templated, varsList, unsafe, includeLoop, endHost, endPlay, endBatch];

/**
 * Commands nodemend reports as "would run" (changed) in --check where Ansible skips them: exact
 * check mode, a documented difference (README "Choices where Ansible users might expect otherwise").
 */
const WOULD_RUN = new Set(['env in a block', 'env on a delegated task']);
const asAnsibleChecks = (tasks: { name: string; status: string; changed: boolean; handler: boolean }[]) => tasks.map((t) => (WOULD_RUN.has(t.name) ? { ...t, status: 'skipped', changed: false } : t));

describe.each(MODES)('%s', (mode) => {
  for (const c of ALL) {
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
    it(`${c.name}: same tasks, statuses and changed flags`, () => {
      const mine = c.nodemend[mode].tasks;
      if (mode === 'check') {
        for (const t of mine.filter((x) => WOULD_RUN.has(x.name))) expect(t, t.name).toMatchObject({ status: 'changed', changed: true });
      }
      expect(mode === 'check' ? asAnsibleChecks(mine) : mine, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    });
  }

  it('environment: same values reach the commands, quoted', () => {
    const [a, n] = [environment.ansible[mode].registered, environment.nodemend[mode].registered];
    for (const reg of ['env_tpl', 'env_list']) expect(n[reg]?.stdout, reg).toBe(a[reg]?.stdout);
    expect(n.env_list.stdout).toBe(NASTY);
    expect(n.env_tpl.stdout).toBe('templated|play');
    if (mode !== 'check') expect(environment.nodemend[mode].files.env).toMatchObject({ content: `play|task|block|${NASTY}\n` });
  });

  it('environment reaches a task delegated to the control machine', () => {
    if (mode === 'check') return; // shell does not run in check mode (either tool)
    const [a, n] = [localFile('ansible'), localFile('nodemend')];
    expect(existsSync(n)).toBe(true);
    expect(readFileSync(n, 'utf8')).toBe(readFileSync(a, 'utf8'));
    expect(readFileSync(n, 'utf8')).toBe(`play|${NASTY}\n`);
  });

  it('block keywords: same registered results', () => {
    const [a, n] = [blocks.ansible[mode].registered, blocks.nodemend[mode].registered];
    expect(n.who.stdout).toBe('nobody');
    expect(n.who.stdout).toBe(a.who.stdout);
    expect(n.once.stdout).toBe(a.once.stdout);
    expect(n.planned.changed).toBe(a.planned.changed);
    expect(n.ignored.failed).toBe(true);
    expect(n.ignored.rc).toBe(a.ignored.rc);
  });

  it('templated keywords: same registered results', () => {
    const [a, n] = [templated.ansible[mode].registered, templated.nodemend[mode].registered];
    expect(n.t_become.stdout).toBe('nobody');
    expect(n.t_become.stdout).toBe(a.t_become.stdout);
    expect(n.t_ignored.failed).toBe(a.t_ignored.failed);
    expect(n.t_check.changed).toBe(a.t_check.changed);
    expect(n.t_nolog.stdout).toBe(a.t_nolog.stdout);
    expect(n.t_once.stdout).toBe(a.t_once.stdout);
    // no_log: the task's report lines hide its output (the registered result stays whole, as in Ansible).
    const out = templated.nodemend[mode].output;
    const at = out.indexOf('TASK [no_log from a variable]');
    expect(at).toBeGreaterThan(-1);
    expect(out.slice(at, out.indexOf('TASK [', at + 1))).not.toContain('secret');
  });

  it('vars lists and !unsafe: same values', () => {
    if (mode !== 'check') expect(varsList.nodemend[mode].files.vars).toMatchObject({ content: 'block1 block2 task2\n' });
    const [a, n] = [unsafe.ansible[mode].registered, unsafe.nodemend[mode].registered];
    expect(n.u_var.msg).toBe('{{ word }} hello');
    expect(n.u_var.msg).toBe(a.u_var.msg);
    expect(n.u_shell.stdout).toBe(a.u_shell.stdout);
    if (mode !== 'check') expect(unsafe.nodemend[mode].files.unsafe).toMatchObject({ content: '{{ word }} {% raw %}\n' });
  });

  it('include_tasks loops: one run per item, with the loop variable', () => {
    if (mode !== 'check') {
      for (const [f, content] of [
        ['item-a', 'a 0\n'],
        ['item-c', 'c 2\n'],
        ['pair-y', 'two\n'],
      ]) {
        expect(includeLoop.nodemend[mode].files[f], f).toMatchObject({ content });
      }
    }
    // In check mode Ansible's copy registers only `changed`.
    const reg = (r: Record<string, any>) => (mode === 'check' ? { changed: r.last_item?.changed } : { changed: r.last_item?.changed, dest: r.last_item?.dest, checksum: r.last_item?.checksum });
    expect(reg(includeLoop.nodemend[mode].registered)).toEqual(reg(includeLoop.ansible[mode].registered));
  });

  it('meta: registered results before the end survive, later tasks never ran', () => {
    expect(endHost.nodemend[mode].registered.before?.changed).toBe(endHost.ansible[mode].registered.before?.changed);
    expect(endHost.nodemend[mode].files.after).toBeUndefined();
    expect(endHost.nodemend[mode].tasks.map((t) => t.name)).toEqual(['before', 'end_host when false']);
    expect(endPlay.nodemend[mode].tasks.map((t) => t.name)).toEqual(['still running']);
    expect(endBatch.nodemend[mode].files.never).toBeUndefined();
  });
});
