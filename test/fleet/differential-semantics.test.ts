/**
 * Runner and language semantics through ansible-playbook and nodemend on the same host (node22):
 * the silent differences of issue 13 (check_mode on a task, trailing newlines, blockinfile's
 * markers, Ansible's result field names, rescue variables, {{ }} in conditions, set_fact in a
 * loop, self-notifying handlers, failed asserts), compared on files, registered results, task
 * statuses and changed flags. Where nodemend differs on purpose, the test asserts the difference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';
import { runCli, workDir, writeInventory } from '../setup/cli.js';
import { writeFileSync } from 'node:fs';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'semantics');

const checkMode = d.case('check_mode: true on a task forces check mode in a real run', {
  tasks: `
    - name: forced check
      copy: { content: "x\\n", dest: "{{ dir }}/forced" }
      check_mode: true
      register: forced
    - name: forced off
      copy: { content: "y\\n", dest: "{{ dir }}/real" }
      check_mode: false
      register: real
    - name: what ansible_check_mode says inside
      debug: { msg: "{{ ansible_check_mode }}" }
      check_mode: true
      register: inside
  `,
});

const newline = d.case('a templated string keeps its trailing newline', {
  vars: { word: 'hello' },
  tasks: `
    - name: quoted
      copy: { content: "{{ word }}\\n", dest: "{{ dir }}/quoted" }
    - name: literal block
      copy:
        dest: "{{ dir }}/block"
        content: |
          first
          {{ word }}
  `,
});

const blocks = d.case("blockinfile: Ansible's marker, CRLF lines, newline after the end marker", {
  tasks: `
    - name: update a block Ansible wrote
      blockinfile: { path: "{{ dir }}/managed", block: "new=1" }
    - name: crlf file
      blockinfile: { path: "{{ dir }}/crlf", block: "x=1" }
    - name: no final newline
      blockinfile: { path: "{{ dir }}/nonl", block: "y=2" }
  `,
  files: {
    managed: 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nold=1\n# END ANSIBLE MANAGED BLOCK\nb\n',
    crlf: 'a\r\nb\r\n',
    nonl: 'last line',
  },
});

const fields = d.case("result fields under Ansible's names", {
  tasks: `
    - name: copy with backup
      copy: { content: "new\\n", dest: "{{ dir }}/c", backup: true }
      register: cp
    - name: lineinfile with backup
      lineinfile: { path: "{{ dir }}/l", line: "z", backup: true }
      register: li
    - name: blockinfile with backup
      blockinfile: { path: "{{ dir }}/b", block: "z", backup: true }
      register: bi
    - name: stat default checksum
      stat: { path: "{{ dir }}/s" }
      register: st1
    - name: stat sha256
      stat: { path: "{{ dir }}/s", checksum_algorithm: sha256 }
      register: st256
  `,
  files: { c: 'old\n', l: 'a\n', b: 'a\n', s: { content: 'stat me\n', mode: '0640' } },
});

const rescue = d.case('ansible_failed_task and ansible_failed_result in rescue', {
  tasks: `
    - block:
        - name: this fails
          fail: { msg: boom }
      rescue:
        - name: what failed
          debug: { msg: "{{ ansible_failed_task.name }} msg={{ ansible_failed_result.msg }}" }
          register: what
  `,
});

const conditions = d.case('braces inside when, that, changed_when and failed_when', {
  vars: { n: 1, flag: true, word: 'good' },
  tasks: `
    - name: when with braces
      debug: { msg: one }
      when: "{{ n }} == 1"
      changed_when: "{{ flag }}"
    - name: when with braces, false
      debug: { msg: two }
      when: "{{ n }} == 2"
    - name: failed_when with a quoted template
      debug: { msg: three }
      failed_when: "'{{ word }}' == 'bad'"
    - name: assert with braces
      assert: { that: ["{{ n }} > 0", "'{{ word }}' == 'good'"] }
      register: asserted
  `,
});

const accumulate = d.case('set_fact in a loop with task vars accumulates', {
  tasks: `
    - name: accumulate
      set_fact: { acc: "{{ acc + [item] }}" }
      loop: [1, 2, 3]
      vars: { acc: [] }
    - name: show
      debug: { var: acc }
      register: shown
  `,
});

const handlers = d.case('a handler that notifies itself runs once per flush', {
  tasks: `
    - name: trigger
      debug: { msg: go }
      changed_when: true
      notify: again
  `,
  handlers: `
    - name: earlier
      debug: { msg: earlier }
      changed_when: true
    - name: again
      debug: { msg: again }
      changed_when: true
      notify: [again, earlier]
  `,
});

const assertion = d.case('a failed assert names the condition and fail_msg', {
  vars: { n: 1 },
  tasks: `
    - name: failing assert
      assert: { that: ["n == 1", "n == 2"], fail_msg: "n must be 2" }
      register: failed_assert
      ignore_errors: true
    - name: failing assert without fail_msg
      assert: { that: "n > 5" }
      register: bare_assert
      ignore_errors: true
  `,
});

const loops = d.case('with_<lookup> loops and loop_control index_var / extended', {
  vars: {
    users: [
      { name: 'a', keys: ['k1', 'k2'] },
      { name: 'b', keys: ['k3'] },
    ],
  },
  tasks: `
    - name: with_items flattens one level
      debug: { msg: "{{ item }}" }
      with_items: [[1, 2], 3]
      register: l_items
    - name: with_list
      debug: { msg: "{{ item | length }}" }
      with_list: [[1, 2], [3]]
      register: l_list
    - name: with_dict
      debug: { msg: "{{ item.key }}={{ item.value }}" }
      with_dict: { a: 1, b: 2 }
      register: l_dict
    - name: with_together
      debug: { msg: "{{ item.0 }}-{{ item.1 }}" }
      with_together: [[1, 2, 3], [x, y]]
      register: l_together
    - name: with_nested
      debug: { msg: "{{ item.0 }}{{ item.1 }}" }
      with_nested: [[1, 2], [x, y]]
      register: l_nested
    - name: with_subelements
      debug: { msg: "{{ item.0.name }}:{{ item.1 }}" }
      with_subelements: ["{{ users }}", keys]
      register: l_sub
    - name: with_sequence
      debug: { msg: "{{ item }}" }
      with_sequence: start=1 end=5 stride=2 format=n%02d
      register: l_seq
    - name: with_first_found
      debug: { msg: "{{ item | basename }}" }
      with_first_found: [missing.conf, found.conf]
      register: l_ff
    - name: index_var and extended
      debug: { msg: "{{ i }} {{ ansible_loop.index }}/{{ ansible_loop.length }} {{ ansible_loop.first }} {{ ansible_loop.last }} {{ ansible_loop.revindex0 }}" }
      loop: [a, b, c]
      loop_control: { index_var: i, extended: true }
      register: l_ext
  `,
  controllerFiles: { 'files/found.conf': 'x\n' },
});

beforeAll(() => d.run(), 900_000);

const pick = (v: Record<string, unknown> | null | undefined, keys: string[]): Record<string, unknown> => Object.fromEntries(keys.filter((k) => v && k in v).map((k) => [k, v![k]]));

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [checkMode, newline, blocks, rescue, conditions, accumulate, handlers, assertion, loops], { tasks: 'tasks' });

  it('result fields: same names and values (backup names aside)', () => {
    const [a, n] = [fields.ansible[mode].registered, fields.nodemend[mode].registered];
    // In check mode Ansible's copy registers only `changed`; nodemend adds what its plan knows.
    const copyKeys = mode === 'check' ? ['changed'] : ['changed', 'checksum', 'md5sum', 'dest', 'size', 'mode', 'state'];
    expect(pick(n.cp, copyKeys)).toEqual(pick(a.cp, copyKeys));
    expect(pick(n.li, ['changed', 'msg'])).toEqual(pick(a.li, ['changed', 'msg']));
    expect(Object.keys(n.stat1 ?? {}).length).toBe(0); // no such register: the dump holds st1 / st256 only
    const statKeys = ['exists', 'isreg', 'isdir', 'islnk', 'mode', 'size', 'checksum', 'pw_name', 'gr_name', 'rusr', 'wgrp', 'xoth', 'ischr', 'isfifo', 'readable', 'writeable'];
    expect(pick(n.st1.stat, statKeys)).toEqual(pick(a.st1.stat, statKeys));
    expect(pick(n.st256.stat, statKeys)).toEqual(pick(a.st256.stat, statKeys));
    expect(n.st1.stat.checksum).toMatch(/^[0-9a-f]{40}$/); // sha1, as Ansible's default
    if (mode === 'run') {
      // lineinfile names its backup `backup`, blockinfile and copy `backup_file`, as Ansible's modules do.
      for (const [reg, key] of [
        ['cp', 'backup_file'],
        ['li', 'backup'],
        ['bi', 'backup_file'],
      ] as const) {
        expect(typeof n[reg][key], `${reg}.${key}`).toBe('string');
        expect(typeof a[reg][key], `${reg}.${key}`).toBe('string');
      }
    }
  });

  it('with_<lookup> loops give the same items, loop_control the same variables', () => {
    const msgs = (r: { results?: { msg: unknown }[] } | null) => (r?.results ?? []).map((x) => String(x.msg));
    for (const reg of ['l_items', 'l_list', 'l_dict', 'l_together', 'l_nested', 'l_sub', 'l_seq', 'l_ff']) {
      expect(msgs(loops.nodemend[mode].registered[reg]), reg).toEqual(msgs(loops.ansible[mode].registered[reg]));
    }
    // A boolean inside a string renders as Python's True/False in both.
    expect(msgs(loops.nodemend[mode].registered.l_ext)).toEqual(msgs(loops.ansible[mode].registered.l_ext));
    expect(msgs(loops.nodemend[mode].registered.l_seq)).toEqual(['n01', 'n03', 'n05']);
    expect(msgs(loops.nodemend[mode].registered.l_ext)[2]).toBe('2 3/3 False True 0');
  });

  it('rescue sees the failed task and its result', () => {
    expect(rescue.nodemend[mode].registered.what?.msg).toBe(rescue.ansible[mode].registered.what?.msg);
    expect(rescue.nodemend[mode].registered.what.msg).toBe('this fails msg=boom');
  });

  it('set_fact accumulates over the items', () => {
    expect(accumulate.nodemend[mode].registered.shown.acc).toEqual([1, 2, 3]);
    expect(accumulate.nodemend[mode].registered.shown.acc).toEqual(accumulate.ansible[mode].registered.shown.acc);
  });

  it('a failed assert registers the condition that failed, evaluated_to and fail_msg', () => {
    const keys = ['failed', 'assertion', 'evaluated_to', 'msg'];
    for (const reg of ['failed_assert', 'bare_assert']) {
      expect(pick(assertion.nodemend[mode].registered[reg], keys)).toEqual(pick(assertion.ansible[mode].registered[reg], keys));
    }
    expect(assertion.nodemend[mode].registered.failed_assert).toMatchObject({ assertion: 'n == 2', msg: 'n must be 2' });
    // nodemend's report line names the condition too.
    expect(assertion.nodemend[mode].output).toContain('n must be 2 (assertion: n == 2)');
  });

  it('check_mode: true forces check mode; ansible_check_mode says so (a documented difference)', () => {
    expect(checkMode.nodemend[mode].files.forced).toBeUndefined();
    if (mode !== 'check') expect(checkMode.nodemend[mode].files.real).toMatchObject({ type: 'file', content: 'y\n' });
    // Ansible 2.14 leaves ansible_check_mode false inside a task forced into check mode; nodemend says true.
    expect(String(checkMode.ansible[mode].registered.inside.msg)).toBe(String(mode === 'check'));
    expect(String(checkMode.nodemend[mode].registered.inside.msg)).toBe('true');
  });

  it('trailing newlines are kept', () => {
    expect(newline.nodemend[mode].files.quoted).toEqual(mode === 'check' ? undefined : expect.objectContaining({ content: 'hello\n' }));
    if (mode !== 'check') expect(newline.nodemend[mode].files.block).toMatchObject({ content: 'first\nhello\n' });
  });
});

describe('nodemend only', () => {
  it('assert and debug fetch lazy facts as when: does; a real run says what was done', async () => {
    const work = workDir('semantics-facts');
    const dir = `/tmp/nm-semantics-facts-${process.pid}`;
    const pb = join(work, 'facts.yaml');
    writeFileSync(
      pb,
      `- hosts: ${HOST}
  tasks:
    - name: assert reads a fact nothing fetched yet
      assert: { that: ["facts.cmdline | length > 0", "facts.kernel is defined"] }
    - name: debug var reads a fact
      debug: { var: facts.architecture }
    - name: make a directory
      file: { path: ${dir}, state: directory }
    - name: and remove it
      file: { path: ${dir}, state: absent }
`,
    );
    const inv = writeInventory(work, [HOST]);
    const json = join(work, 'report.json');
    const r = await runCli(['run', pb, '-i', inv, '--json', json]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const tasks = JSON.parse(readFileSync(json, 'utf8')).hosts[HOST].tasks as { task: string; msg?: string }[];
    expect(tasks.find((t) => t.task === 'debug var reads a fact')!.msg).toMatch(/^facts\.architecture: "\w+"/);
    expect(tasks.find((t) => t.task === 'make a directory')!.msg).toBe(`directory ${dir} created`);
    expect(tasks.find((t) => t.task === 'and remove it')!.msg).toBe(`${dir} (directory) removed`);
    const check = await runCli(['run', pb, '-i', inv, '--check', '--json', json]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const checked = JSON.parse(readFileSync(json, 'utf8')).hosts[HOST].tasks as { task: string; msg?: string }[];
    expect(checked.find((t) => t.task === 'make a directory')!.msg).toBe(`directory ${dir} would be created`);
  });

  it('a condition with {{ }} gets a load-time warning naming its place, as Ansible warns', async () => {
    const work = workDir('semantics-warn');
    const pb = join(work, 'warn.yaml');
    writeFileSync(pb, `- hosts: ${HOST}\n  vars: { n: 1 }\n  tasks:\n    - debug: { msg: hi }\n      when: "{{ n }} == 1"\n`);
    const r = await runCli(['validate', pb, '-i', writeInventory(work, [HOST])]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('warn.yaml:5:');
    expect(r.stderr).toContain('conditional statements should not include jinja2 templating delimiters');
  });
});
