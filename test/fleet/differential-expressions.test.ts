/**
 * Expressions through ansible-playbook 2.14.18 and nodemend on the same host (node22): filters and
 * tests under their collection names (`ansible.builtin.to_json`, `community.general.path_join`),
 * compared on registered values, files, task statuses and changed flags. A name 2.14 cannot load
 * fails `nodemend validate` at its file:line:col before any host is contacted (Ansible fails the
 * task when it runs: the deliberate difference asserted below).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';
import { connectionCounter, runCli, workDir, writeInventory } from '../setup/cli.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'expressions');

const fqcn = d.case('filters and tests under their collection names', {
  vars: { dd: { a: 1 }, v: '1.2' },
  tasks: `
    - name: a host prints
      command: echo hi
      register: out
      changed_when: false
      check_mode: false
    - name: values through qualified names
      set_fact:
        j_short: "{{ dd | to_json }}"
        j_fqcn: "{{ dd | ansible.builtin.to_json }}"
        y_fqcn: "{{ dd | ansible.builtin.to_nice_yaml }}"
        replaced: "{{ 'a.b.c' | ansible.builtin.regex_replace('\\\\.', '-') }}"
        searched: "{{ 'kernel-3.10.0' | ansible.builtin.regex_search('[0-9.]+') }}"
        newer: "{{ v is ansible.builtin.version('1.0', '>') }}"
        mapped: "{{ ['a', 'b'] | map('ansible.builtin.to_json') | list }}"
        selected: "{{ ['1.2', '0.9'] | select('ansible.builtin.version', '1.0', '>') | list }}"
        joined: "{{ ['etc', 'x.conf'] | community.general.path_join }}"
        merged: "{{ dd | ansible.builtin.combine({'b': 2}) | ansible.builtin.dict2items | ansible.builtin.items2dict }}"
        types: "{{ [dd | to_json | type_debug, dd | ansible.builtin.to_json | ansible.builtin.type_debug, 'a' | string | type_debug, out.stdout | to_yaml | type_debug] }}"
      register: fq
    - name: a file written when a qualified test holds
      copy: { content: "json={{ j_short }}\\n", dest: "{{ dir }}/when-true" }
      when: v is ansible.builtin.version('1.0', '>=') and fq is ansible.builtin.success
    - name: a file not written when it does not
      copy: { content: "x\\n", dest: "{{ dir }}/when-false" }
      when: v is ansible.builtin.version('2.0', '>=')
    - name: the values
      debug:
        msg:
          - "json={{ j_short }}"
          - "{{ j_fqcn | type_debug }}"
          - "{{ y_fqcn }}"
          - "{{ replaced }}"
          - "{{ searched }}"
          - "{{ newer }}"
          - "{{ mapped }}"
          - "{{ selected }}"
          - "{{ joined }}"
          - "{{ merged }}"
      register: fq_values
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('%s', (mode) => {
  it('qualified names: the same facts, values, files, statuses and changed flags as Ansible', () => {
    const [n, a] = [fqcn.nodemend[mode], fqcn.ansible[mode]];
    expect(n.registered.fq.ansible_facts, n.output).toEqual(a.registered.fq.ansible_facts);
    expect(n.registered.fq_values.msg).toEqual(a.registered.fq_values.msg);
    expect(n.files).toEqual(a.files);
    expect(n.tasks).toEqual(a.tasks);
    // What Ansible gave, so a test that compares nothing cannot pass: the qualified to_json is
    // turned back into a dict (2.14 keeps only STRING_TYPE_FILTERS' short names as text).
    expect(a.registered.fq_values.msg.slice(1, 6)).toEqual(['dict', 'a: 1\n', 'a-b-c', '3.10.0', true]);
    expect(a.registered.fq.ansible_facts.joined).toBe('etc/x.conf');
    expect(a.registered.fq.ansible_facts.types).toEqual(['NativeJinjaText', 'str', 'NativeJinjaText', 'NativeJinjaText']);
    if (mode !== 'check') expect(n.files['when-true']).toMatchObject({ content: 'json={"a": 1}\n' });
  });
});

describe('a name 2.14 cannot load', () => {
  const listener = connectionCounter();
  const cases: [string, string, string][] = [
    ["{{ 'a' | ansible.builtin.upper }}", ':6:24', "unknown filter 'ansible.builtin.upper': 'upper' is Jinja2's own filter"],
    ["{{ 'a' is ansible.builtin.defined }}", ':6:25', "unknown test 'ansible.builtin.defined'"],
    ["{{ 'a' | community.general.dict_kv('k') }}", ':6:24', "unknown filter 'community.general.dict_kv'"],
    ["{{ ['a'] | map('ansible.builtin.nosuch') | list }}", ':6:30', "unknown filter 'ansible.builtin.nosuch'"],
  ];
  it.each(cases)('%s fails validate at file:line:col, no host contacted; Ansible fails the task at run', async (expr, at, msg) => {
    const dir = workDir(`expr-bad-${cases.findIndex((c) => c[0] === expr)}`);
    const pb = join(dir, 'site.yaml');
    writeFileSync(pb, `- hosts: ${HOST}\n  gather_facts: false\n  tasks:\n    - name: bad\n      debug:\n        msg: "${expr}"\n`);
    const inv = writeInventory(dir, [HOST], { portOverride: { [HOST]: listener.port() } });
    const r = await runCli(['validate', pb, '-i', inv]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${pb}${at}: `);
    expect(r.stderr).toContain(msg);
    expect(listener.count()).toBe(0);
  });
});
