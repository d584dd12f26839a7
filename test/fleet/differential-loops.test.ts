/**
 * Loop details through ansible-playbook (ansible-core 2.14) and nodemend on the same host (node22,
 * paths /tmp/nmdiff-h18g-loops-*): loop_control's `extended` mapping (every `ansible_loop` key),
 * `extended_allitems: false` and `pause`, and with_subelements' flags and items (Ansible's lookup
 * pops the subkey from the item's first element), and each item's registered result key by key (the
 * loop variable, `ansible_loop_var`, index_var with `ansible_index_var`, extended's `ansible_loop`, a
 * label, a renamed loop_var, pause, a skipped and a failed item). Compared on registered results and changed flags.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'h18g-loops');

const extended = d.case('loop_control extended, extended_allitems and pause', {
  tasks: `
    - name: every ansible_loop key
      debug: { var: ansible_loop }
      loop: [a, b, c]
      loop_control: { extended: true }
      register: l_all
    - name: ansible_loop fields in a string
      debug:
        msg: "{{ ansible_loop.previtem | default('-') }} {{ ansible_loop.nextitem | default('-') }} {{ ansible_loop.allitems }} {{ ansible_loop.index0 }} {{ ansible_loop.revindex }} {{ ansible_loop.revindex0 }} {{ ansible_loop.first }} {{ ansible_loop.last }} {{ ansible_loop.length }}"
      loop: [a, b, c]
      loop_control: { extended: true }
      register: l_fields
    - name: extended_allitems false
      debug: { var: ansible_loop }
      loop: [[1, 2], [3]]
      loop_control: { extended: true, extended_allitems: false }
      register: l_noall
    - name: pause between items
      command: date +%s.%N
      check_mode: false
      changed_when: false
      loop: [1, 2, 3]
      loop_control: { pause: 1.2 }
      register: l_pause
  `,
});

const sub = d.case('with_subelements flags and items', {
  vars: {
    users: [{ name: 'a', keys: ['k1', 'k2'], home: { ssh: ['s1'] } }, { name: 'b' }, { name: 'c', keys: ['k3'], home: { ssh: ['s2', 's3'] } }],
  },
  tasks: `
    - name: skip_missing
      debug: { msg: "{{ item }}" }
      with_subelements: ["{{ users }}", keys, { skip_missing: true }]
      register: s_skip
    - name: skip_missing as a string
      debug: { msg: "{{ item.1 }}" }
      with_subelements: ["{{ users }}", keys, { skip_missing: "yes" }]
      register: s_yes
    - name: a nested subkey
      debug: { msg: "{{ item }}" }
      with_subelements: ["{{ users }}", home.ssh, { skip_missing: true }]
      register: s_nested
    - name: the play variable is left whole
      debug: { var: users }
      register: s_users
    - name: a missing key without skip_missing fails
      debug: { msg: "{{ item.1 }}" }
      with_subelements: ["{{ users }}", keys, { skip_missing: "no" }]
      register: s_fail
      ignore_errors: true
  `,
});

const itemKeys = d.case('registered loop results: each item result key by key', {
  tasks: `
    - name: index_var, extended, label
      file: { path: "{{ dir }}/{{ f }}", state: touch, modification_time: preserve, access_time: preserve }
      loop: [a, b]
      loop_control: { loop_var: f, index_var: i, extended: true, label: "file {{ f }}" }
      register: li_file
    - name: a skipped item and a ran item
      command: "echo {{ item }}"
      check_mode: false
      changed_when: false
      when: item != 'x'
      with_items: [x, y]
      loop_control: { index_var: n, pause: 0.2 }
      register: li_cmd
    - name: a failed item
      command: "test {{ item }} = ok"
      check_mode: false
      loop: [ok, bad]
      loop_control: { extended: true, extended_allitems: false }
      register: li_fail
      ignore_errors: true
    - name: set_fact per item
      set_fact: { last: "{{ item }}" }
      loop: [1, 2]
      register: li_fact
  `,
});

beforeAll(() => d.run(), 900_000);

/** An item's result as both tools register it: 2.14's `invocation` and `_ansible_*` aside (README "Choices..."), command times as `<time>`. */
const itemView = (r: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(r)
      .filter(([k]) => k !== 'invocation' && !k.startsWith('_ansible'))
      .map(([k, v]) => [k, ['start', 'end', 'delta'].includes(k) && v !== null ? '<time>' : v]),
  );

const results = (r: { results?: Record<string, unknown>[] } | null | undefined, key: string): unknown[] => (r?.results ?? []).map((x) => x[key]);

describe.each(MODES)('%s', (mode) => {
  for (const c of [extended, sub, itemKeys]) {
    it(`${c.name}: same tasks, statuses and changed flags`, () => {
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    });
  }

  it('ansible_loop holds the same keys and values as Ansible', () => {
    const [n, a] = [extended.nodemend[mode].registered, extended.ansible[mode].registered];
    for (const reg of ['l_all', 'l_noall']) expect(results(n[reg], 'ansible_loop'), reg).toEqual(results(a[reg], 'ansible_loop'));
    expect(results(n.l_fields, 'msg')).toEqual(results(a.l_fields, 'msg'));
    expect(results(a.l_all, 'ansible_loop')[1]).toEqual({
      allitems: ['a', 'b', 'c'],
      index: 2,
      index0: 1,
      revindex: 2,
      revindex0: 1,
      first: false,
      last: false,
      length: 3,
      previtem: 'a',
      nextitem: 'c',
    });
    expect(results(n.l_noall, 'ansible_loop')[0]).not.toHaveProperty('allitems');
  });

  it('each item result has the keys and values 2.14 registers (item, ansible_loop_var, index_var, ansible_index_var, ansible_loop)', () => {
    const [n, a] = [itemKeys.nodemend[mode].registered, itemKeys.ansible[mode].registered];
    expect(Object.keys(a).sort()).toEqual(['li_cmd', 'li_fact', 'li_fail', 'li_file']);
    for (const reg of Object.keys(a)) {
      const view = (r: { results: Record<string, unknown>[] } & Record<string, unknown>) => ({ ...r, results: r.results.map(itemView) });
      expect(view(n[reg]), reg).toEqual(view(a[reg]));
    }
    expect(a.li_file.results[1]).toMatchObject({ f: 'b', ansible_loop_var: 'f', i: 1, ansible_index_var: 'i', ansible_loop: { index: 2, last: true, allitems: ['a', 'b'] } });
    expect(a.li_file.results[1]).not.toHaveProperty('item');
    expect(a.li_cmd.results[0]).toMatchObject({ item: 'x', n: 0, ansible_index_var: 'n', skipped: true });
    expect(n.li_fail.results[1]).toMatchObject({ item: 'bad', failed: true, ansible_loop: { index: 2 } });
    expect(n.li_fail.results[1].ansible_loop).not.toHaveProperty('allitems');
  });

  it('loop_control pause sleeps between items in both tools', () => {
    for (const tool of ['ansible', 'nodemend'] as const) {
      const t = results(extended[tool][mode].registered.l_pause, 'stdout').map(Number);
      expect(t, tool).toHaveLength(3);
      expect(t[1] - t[0], tool).toBeGreaterThanOrEqual(1.2);
      expect(t[2] - t[1], tool).toBeGreaterThanOrEqual(1.2);
    }
  });

  it('with_subelements gives the same items (the subkey popped from item.0) and flags', () => {
    const [n, a] = [sub.nodemend[mode].registered, sub.ansible[mode].registered];
    for (const reg of ['s_skip', 's_yes', 's_nested']) expect(results(n[reg], 'msg'), reg).toEqual(results(a[reg], 'msg'));
    expect(results(a.s_skip, 'msg')[0]).toEqual([{ name: 'a', home: { ssh: ['s1'] } }, 'k1']);
    expect(n.s_users.users).toEqual(a.s_users.users);
    expect(n.s_fail.failed).toBe(true);
    expect(a.s_fail.failed).toBe(true);
  });
});
