/**
 * Syntax the three public roles use that is not a module (issue 13), through ansible-playbook 2.14
 * and nodemend on node22 (the semantics differential host; every path here is the case's own
 * directory): the community.general.flattened lookup as `with_<lookup>`, `lookup()` and `query()`.
 * Compared on each item, the registered results and the changed flags in check / run / rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
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

beforeAll(() => d.run(), 900_000);

const msgs = (r: { results?: { msg: unknown }[] } | null) => (r?.results ?? []).map((x) => x.msg);

describe.each(MODES)('%s', (mode) => {
  for (const c of [flattened]) {
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
    it(`${c.name}: same tasks, statuses and changed flags`, () => {
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    });
  }

  it('flattened: the same items and lookup values as Ansible', () => {
    const [n, a] = [flattened.nodemend[mode].registered, flattened.ansible[mode].registered];
    for (const reg of ['f_with', 'f_short', 'f_none']) expect(msgs(n[reg]), reg).toEqual(msgs(a[reg]));
    expect(n.f_lookup.msg).toEqual(a.f_lookup.msg);
    expect(msgs(n.f_with)).toEqual(['1', '2', '3', '4', '"padded"', '{"k": "v"}', 'null', 'true', '"x"', '"one"', '"two"']);
    expect(msgs(n.f_short)).toEqual(['"a"', '"c"']);
    expect(msgs(n.f_none)).toEqual(['x']);
    expect(n.f_lookup.msg).toEqual(['a,b,c', '[1, 2, 3, "a"]', '["p", "q"]', '[]']);
  });
});
