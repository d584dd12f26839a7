/**
 * Syntax the three public roles use that is not a module (issue 13), through ansible-playbook 2.14
 * and nodemend on node22 (the semantics differential host; every path here is the case's own
 * directory): the community.general.flattened lookup as `with_<lookup>`, `lookup()` and `query()`.
 * Compared on each item, the registered results and the changed flags in check / run / rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'rolesyntax');

const flattened = d.case('community.general.flattened: with_<lookup>, lookup() and query()', {
  vars: {
    deep: [1, [2, [3, [4]]]],
    mixed: ['  padded  ', { k: 'v' }, null, true],
    single: [[['x']]],
    nulls: [['a', 'null', 'b'], 'c'],
  },
  tasks: `
    - name: lines a host printed
      shell: printf 'one\\n two \\n'
      register: out
      changed_when: false
      check_mode: false
    - name: with the collection name, as os_hardening writes it
      debug: { msg: "{{ item | to_json }}" }
      with_community.general.flattened:
        - "{{ deep }}"
        - "{{ mixed }}"
        - "{{ single }}"
        - "{{ out.stdout_lines }}"
      register: f_with
    - name: with_flattened (2.14 routes the short name to the collection)
      debug: { msg: "{{ item | to_json }}" }
      with_flattened: "{{ nulls }}"
      register: f_short
    - name: a None string ends the list it is in
      debug: { msg: "{{ item }}" }
      with_community.general.flattened: [x, "None", y]
      register: f_none
    - name: lookup joins strings, query keeps the list
      debug:
        msg:
          - "{{ lookup('community.general.flattened', ['a', ['b']], 'c') }}"
          - "{{ lookup('community.general.flattened', [1, [2, 3]], ['a']) | to_json }}"
          - "{{ query('community.general.flattened', [['p'], [['q']]]) | to_json }}"
          - "{{ q('flattened', []) | to_json }}"
      register: f_lookup
    - name: file tasks over the items (os_hardening's suid_sgid.yml shape)
      file: { path: "{{ dir }}/{{ item }}", state: file, mode: a-s }
      with_community.general.flattened:
        - [f1, [f2]]
        - f3
      register: f_files
  `,
  files: { f1: { content: '1', mode: '4755' }, f2: { content: '2', mode: '0644' }, f3: { content: '3', mode: '2750' } },
});

const linkMode = d.case('file state: link with mode (set on the target when followed)', {
  tasks: `
    - name: a new link, its target's mode set
      file: { src: t1, dest: "{{ dir }}/l1", state: link, mode: "0640" }
      register: k_new
    - name: a target that does not exist (force)
      file: { src: "{{ dir }}/missing", dest: "{{ dir }}/l2", state: link, mode: "0640", force: true }
      register: k_missing
    - name: the link is there, only the target's mode differs
      file: { src: t3, dest: "{{ dir }}/l3", state: link, mode: "0600" }
      register: k_same
    - name: follow false changes nothing on the target
      file: { src: t4, dest: "{{ dir }}/l4", state: link, mode: "0600", follow: false }
      register: k_nofollow
    - name: a regular file replaced (force), symbolic mode on the target
      file: { src: "{{ dir }}/t5", dest: "{{ dir }}/l5", state: link, mode: "g-w,o=", force: true }
      register: k_force
    - name: a link through a link, the final target's mode
      file: { src: l8, dest: "{{ dir }}/l6", state: link, mode: "0604" }
      register: k_chain
    - name: the mode is already the target's
      file: { src: t7, dest: "{{ dir }}/l7", state: link, mode: "0644" }
      register: k_kept
  `,
  files: {
    t1: { content: '1', mode: '0644' },
    t3: { content: '3', mode: '0644' },
    l3: { link: 't3' },
    t4: { content: '4', mode: '0644' },
    t5: { content: '5', mode: '0664' },
    l5: { content: 'in the way', mode: '0644' },
    t7: { content: '7', mode: '0644' },
    t8: { content: '8', mode: '0644' },
    l8: { link: 't8' },
  },
});

const delegated = d.case('delegate_facts: facts of a delegated task go to the delegated host', {
  tasks: `
  - name: a fact for the control machine
    set_fact: { nm_df: here }
    delegate_to: localhost
    delegate_facts: true
    register: df_reg
  - name: without delegate_facts the fact stays on this host
    set_fact: { nm_df2: mine }
    delegate_to: localhost
  - name: a loop over hosts, as geerlingguy.kubernetes does
    set_fact:
      nm_join: >
        cmd {{ item }}
        --x
    delegate_to: "{{ item }}"
    delegate_facts: true
    with_items: ["localhost"]
  - name: a module's facts, delegated
    getent: { database: group, key: root }
    delegate_to: localhost
    delegate_facts: true
  - name: what each host holds
    debug:
      msg:
        - "{{ nm_df | default('undefined') }}"
        - "{{ hostvars['localhost'].nm_df | default('undefined') }}"
        - "{{ nm_df2 | default('undefined') }}"
        - "{{ hostvars['localhost'].nm_df2 | default('undefined') }}"
        - "{{ hostvars['localhost'].nm_join | default('undefined') }}"
        - "{{ nm_join | default('undefined') }}"
        - "{{ getent_group | default('undefined') }}"
        - "{{ hostvars['localhost'].getent_group | default('undefined') }}"
        - "{{ df_reg.ansible_facts | default('undefined') }}"
    register: df_seen
  `,
});

const types = d.case('type_debug by where a string came from; a command stopped by check mode', {
  vars: { lit: 'hello', tmpl: '{{ lit }}-x', alone: '{{ lit }}' },
  play: 'vars_files: [nm-types.yml]',
  controllerFiles: { 'nm-types.yml': 'vf: hello\nvl: [a]\n' },
  tasks: `
    - name: a host prints
      command: echo hi
      register: t_out
      changed_when: false
      check_mode: false
    - name: facts
      set_fact: { fact: hello, factt: "{{ lit }}", factx: "{{ lit }}-y" }
    - name: each type
      debug:
        msg:
          - "{{ lit | type_debug }}"
          - "{{ tmpl | type_debug }}"
          - "{{ alone | type_debug }}"
          - "{{ vf | type_debug }}"
          - "{{ vl[0] | type_debug }}"
          - "{{ t_out.stdout | type_debug }}"
          - "{{ t_out.stdout_lines[0] | type_debug }}"
          - "{{ fact | type_debug }}"
          - "{{ factt | type_debug }}"
          - "{{ factx | type_debug }}"
          - "{{ 'x' | type_debug }}"
          - "{{ lit | upper | type_debug }}"
      register: t_types
    - name: a command check mode stops
      command: echo would
      register: t_check
  `,
});

beforeAll(() => d.run(), 900_000);

const msgs = (r: { results?: { msg: unknown }[] } | null) => (r?.results ?? []).map((x) => x.msg);

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [flattened, linkMode, delegated], { tasks: 'tasks' });

  it('flattened: the same items and lookup values as Ansible', () => {
    const [n, a] = [flattened.nodemend[mode].registered, flattened.ansible[mode].registered];
    for (const reg of ['f_with', 'f_short', 'f_none']) expect(msgs(n[reg]), reg).toEqual(msgs(a[reg]));
    expect(n.f_lookup.msg).toEqual(a.f_lookup.msg);
    expect(msgs(n.f_with)).toEqual(['1', '2', '3', '4', '"padded"', '{"k": "v"}', 'null', 'true', '"x"', '"one"', '"two"']);
    expect(msgs(n.f_short)).toEqual(['"a"', '"c"']);
    expect(msgs(n.f_none)).toEqual(['x']);
    expect(n.f_lookup.msg).toEqual(['a,b,c', '[1, 2, 3, "a"]', '["p", "q"]', '[]']);
  });

  it('delegate_facts: each host holds what Ansible gives it', () => {
    expect(delegated.nodemend[mode].registered.df_seen.msg).toEqual(delegated.ansible[mode].registered.df_seen.msg);
    expect(delegated.nodemend[mode].registered.df_seen.msg.slice(0, 6)).toEqual(['undefined', 'here', 'mine', 'undefined', 'cmd localhost --x\n', 'undefined']);
  });

  it('type_debug: the same class names as Ansible for each source', () => {
    const [n, a] = [types.nodemend[mode].registered.t_types.msg, types.ansible[mode].registered.t_types.msg];
    // A set_fact value rendered from "{{ lit }}-y" is a str, as in Ansible (expr/str-class.ts).
    expect(n[9]).toBe('str');
    expect(n).toEqual(a);
    expect(types.nodemend[mode].registered.t_types.msg.slice(0, 3)).toEqual(['AnsibleUnicode', 'str', 'AnsibleUnicode']);
  });

  it('command: what check mode registers for a command it did not run, as Ansible (changed aside: documented)', () => {
    const keys = ['rc', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines', 'start', 'end', 'delta', 'cmd'];
    const pick = (r: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, r?.[k]]));
    if (mode === 'check') {
      expect(pick(types.nodemend.check.registered.t_check)).toEqual(pick(types.ansible.check.registered.t_check));
      expect(types.nodemend.check.registered.t_check).toMatchObject({ stdout: '', rc: 0, changed: true });
      expect(types.ansible.check.registered.t_check).toMatchObject({ stdout: '', rc: 0, changed: false, skipped: true });
    } else expect(types.nodemend[mode].registered.t_check).toMatchObject({ stdout: 'would', rc: 0 });
  });

  it('file link + mode: the same registered changed, state and src', () => {
    const [n, a] = [linkMode.nodemend[mode].registered, linkMode.ansible[mode].registered];
    const pick = (r: Record<string, unknown> | null) => ({ changed: r?.changed, failed: r?.failed, src: r?.src, state: mode === 'check' ? undefined : r?.state });
    expect(Object.keys(a).length).toBe(7);
    for (const reg of Object.keys(a)) expect(pick(n[reg]), reg).toEqual(pick(a[reg]));
  });
});

it('file link + mode: targets got the mode, follow false and a missing target changed nothing, the rerun nothing', () => {
  const f = linkMode.nodemend.run.files;
  const mode = (k: string) => (f[k] as { mode: string }).mode;
  expect([mode('t1'), mode('t3'), mode('t4'), mode('t5'), mode('t7'), mode('t8')]).toEqual(['0640', '0600', '0644', '0640', '0644', '0604']);
  expect(f.l2).toEqual({ type: 'link', target: '<dir>/missing' });
  expect(linkMode.nodemend.check.files.t3).toMatchObject({ mode: '0644' });
  expect(linkMode.nodemend.check.changed).toMatchObject({ "the link is there, only the target's mode differs": true, "the mode is already the target's": true });
  expect(linkMode.nodemend.run.changed).toMatchObject({ 'follow false changes nothing on the target': true });
  expect(Object.entries(linkMode.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([]);
  expect(Object.entries(linkMode.ansible.rerun.changed).filter(([, v]) => v)).toEqual([]);
});
