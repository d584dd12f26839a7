/**
 * The loops and lookups real roles use that session 24 ported (src/load/expr/lookups.ts, src/run/loops.ts),
 * through ansible-playbook 2.14 and nodemend on node22 (HOSTS.ansibleSemantics; paths /tmp/nmdiff-h24g-*):
 * `with_fileglob` / `lookup('fileglob')` (a play's files/ dir, a directory named in the pattern, a role's
 * files/, no match), `with_indexed_items`, `with_lines`, `with_inventory_hostnames` /
 * `lookup('inventory_hostnames')`. Compared: files copied, registered values and changed flags in check,
 * run and rerun; Ansible's own values pinned so two wrong answers cannot agree.
 * A fileglob's paths are absolute on the controller (each tool's work dir differs), so the cases compare
 * their basenames, in the order the tools give them (the directory's, not sorted).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics[0], 'h24g-lookups');

const glob = d.case('fileglob: a play, a directory in the pattern, a role, no match', {
  controllerFiles: {
    'files/a.conf': 'A\n',
    'files/b.conf': 'B\n',
    'files/c.txt': 'C\n',
    'files/.hidden.conf': 'H\n',
    'files/sub/d.conf': 'D\n',
    'files/sub.conf/e.txt': 'E\n',
    'other/x.conf': 'X\n',
    'roles/h24g_glob/files/r.conf': 'R\n',
    'roles/h24g_glob/tasks/main.yml': `
- name: role glob
  set_fact:
    fg_role: "{{ fg_role | default([]) + [item | basename] }}"
  with_fileglob: "*.conf"
- name: role query
  set_fact:
    fg_role_q: "{{ query('fileglob', '*.conf') | map('basename') | list }}"
`,
  },
  tasks: `
    - name: copy every conf
      copy: { src: "{{ item }}", dest: "{{ dir }}/", mode: "0640" }
      with_fileglob: "*.conf"
    - name: copy from a directory named in the pattern
      copy: { src: "{{ item }}", dest: "{{ dir }}/" }
      with_fileglob:
        - "other/*.conf"
        - "sub/*.conf"
        - "/nonexistent-h24g/*"
    - name: values
      debug:
        msg:
          - "{{ query('fileglob', '*.conf') | map('basename') | list }}"
          - "{{ lookup('fileglob', 'other/*.conf') | basename }}"
          - "{{ query('fileglob', 'nomatch-h24g*') }}"
          - "{{ lookup('fileglob', 'nomatch-h24g*') }}"
          - "{{ query('fileglob', '.*.conf') | map('basename') | list }}"
          - "{{ query('fileglob', 'a.conf', 'c.txt') | map('basename') | list }}"
          - "{{ query('fileglob', 'files/[ab].conf') | map('basename') | list }}"
          - "{{ query('fileglob', '*.conf') | map('dirname') | map('basename') | unique | list }}"
          - "{{ query('fileglob', '*.conf') | map('regex_search', '^/') | list }}"
      register: fg_vals
    - import_role: { name: h24g_glob }
    - name: the role's
      debug: { msg: "{{ [fg_role, fg_role_q] }}" }
      register: fg_role_vals
  `,
});

const indexed = d.case('with_indexed_items and with_lines', {
  vars: { letters: ['p', 'q'] },
  tasks: `
    - name: indexed
      debug: { msg: "{{ item.0 }}={{ item.1 }} x{{ item }}" }
      with_indexed_items: [a, [b, c], [[d]], "{{ letters }}"]
      register: ix_loop
    - name: indexed into a file
      copy:
        dest: "{{ dir }}/indexed"
        content: "{{ lookup('indexed_items', ['x', 'y']) }} {{ query('indexed_items', 'z') }}\\n"
    - name: lines
      debug: { msg: "[{{ item }}]" }
      with_lines:
        - printf 'one\\ntwo\\n\\nthree'
        - "printf 'four\\r\\nfive\\n'"
      register: ln_loop
    - name: lines lookup
      debug: { msg: "{{ [lookup('lines', 'printf \\"a\\nb\\"'), query('lines', 'ls lines-h24g')] }}" }
      register: ln_vals
  `,
  controllerFiles: { 'lines-h24g/only-h24g': '' },
});

const invh = d.case('with_inventory_hostnames and the lookup', {
  tasks: `
    - name: hosts
      debug: { msg: "{{ item }}" }
      with_inventory_hostnames: all
      register: ih_loop
    - name: patterns
      debug:
        msg:
          - "{{ query('inventory_hostnames', 'all') }}"
          - "{{ query('inventory_hostnames', 'all:!' ~ inventory_hostname) }}"
          - "{{ query('inventory_hostnames', 'node2*') }}"
          - "{{ lookup('inventory_hostnames', 'all:&all') }}"
          - "{{ query('inventory_hostnames', 'nomatch-h24g') }}"
          - "{{ query('inventory_hostnames', 'all[5]') }}"
          - "{{ query('inventory_hostnames', 'localhost') }}"
          - "{{ query('inventory_hostnames', 'nomatch-h24g', 'all') }}"
      register: ih_vals
  `,
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  it('fileglob: the same files copied, values and changed flags', () => {
    const [n, a] = [glob.nodemend[mode], glob.ansible[mode]];
    expect(n.files, n.output).toEqual(a.files);
    expect(n.registered.fg_vals.msg, n.output).toEqual(a.registered.fg_vals.msg);
    expect(n.registered.fg_role_vals.msg).toEqual(a.registered.fg_role_vals.msg);
    expect(n.changed).toEqual(a.changed);
  });
  it("fileglob: Ansible's values (absolute paths, files only, no dot files for *, [] for no match, first dir that matches)", () => {
    const a = glob.ansible[mode];
    const [conf, other, none, noneJoined, dots, two, ab, dirs, abs] = a.registered.fg_vals.msg;
    expect([...conf].sort()).toEqual(['a.conf', 'b.conf']);
    expect([other, none, noneJoined, dots, two, [...ab].sort(), dirs]).toEqual(['x.conf', [], [], ['.hidden.conf'], ['a.conf', 'c.txt'], ['a.conf', 'b.conf'], ['files']]);
    expect(abs).toEqual(['/', '/']);
    expect(a.registered.fg_role_vals.msg).toEqual([['r.conf'], ['r.conf']]);
    if (mode !== 'check') expect(Object.keys(a.files).sort()).toEqual(['a.conf', 'b.conf', 'd.conf', 'x.conf']);
    if (mode !== 'check') expect(a.files['a.conf']).toMatchObject({ content: 'A\n', mode: '0640' });
  });
  it('indexed_items and lines: the same items and file', () => {
    const [n, a] = [indexed.nodemend[mode], indexed.ansible[mode]];
    expect(n.registered.ix_loop, n.output).toEqual(a.registered.ix_loop);
    expect(n.registered.ln_loop).toEqual(a.registered.ln_loop);
    expect(n.registered.ln_vals).toEqual(a.registered.ln_vals);
    expect(n.files).toEqual(a.files);
    expect(n.changed).toEqual(a.changed);
  });
  it("indexed_items and lines: Ansible's values", () => {
    const a = indexed.ansible[mode];
    const ix = a.registered.ix_loop.results as { item: unknown; msg: string }[];
    expect(ix.map((r) => r.item)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, ['d']],
      [4, 'p'],
      [5, 'q'],
    ]);
    // A loop's items are lists (2.14 prints `[0, 'a']`); lookup() keeps the tuples (the `indexed` file).
    expect(ix.map((r) => r.msg)).toEqual(["0=a x[0, 'a']", "1=b x[1, 'b']", "2=c x[2, 'c']", "3=['d'] x[3, ['d']]", "4=p x[4, 'p']", "5=q x[5, 'q']"]);
    // An empty line's `[{{ item }}]` is `[]` text, which 2.14 turns into a list (as nodemend does).
    expect((a.registered.ln_loop.results as { msg: string }[]).map((r) => r.msg)).toEqual(['[one]', '[two]', [], '[three]', '[four]', '[five]']);
    expect(a.registered.ln_vals.msg).toEqual(['a,b', ['only-h24g']]);
    if (mode !== 'check') expect(a.files.indexed).toMatchObject({ content: "[(0, 'x'), (1, 'y')] [(0, 'z')]\n" });
  });
  it('inventory_hostnames: the same hosts', () => {
    const [n, a] = [invh.nodemend[mode], invh.ansible[mode]];
    expect(n.registered.ih_loop, n.output).toEqual(a.registered.ih_loop);
    expect(n.registered.ih_vals).toEqual(a.registered.ih_vals);
    expect(n.changed).toEqual(a.changed);
  });
  it("inventory_hostnames: Ansible's values", () => {
    const a = invh.ansible[mode];
    const h = HOSTS.ansibleSemantics[0];
    expect((a.registered.ih_loop.results as { item: string }[]).map((r) => r.item)).toEqual([h]);
    expect(a.registered.ih_vals.msg).toEqual([[h], [], [h], h, [], [], ['localhost'], [h]]);
  });
});
