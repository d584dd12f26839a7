/**
 * Runner semantics and expressions through ansible-playbook 2.14 and nodemend on the same host
 * (node40, shared with differential-semantics2: unique paths only), issue 13's silent differences of
 * this file. Compared on files, registered results and task rows in check, run and rerun.
 *
 * copy's `content` that is not a string: 2.14's plugins/action/copy.py writes a dict or a list as
 * `json.dumps(content)` (", " and ": ", keys in their order, non-ASCII as \uXXXX, no final newline)
 * and anything else through to_bytes, Python's str() (`42`, `1.5`, `True`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'semantics3');

const content = d.case('copy content that is a dict, a list, a number or a bool', {
  vars: { mydict: { b: 1, a: 'x', c: [1, 2, { z: null, y: true }], é: 'ü' }, mylist: [3, 'two', { k: 'v' }], num: 42, flt: 1.5, flag: true },
  tasks: `
    - name: a templated dict
      copy: { content: "{{ mydict }}", dest: "{{ dir }}/dict" }
      register: as_dict
    - name: a YAML mapping under content
      copy:
        content: { b: 1, a: "x" }
        dest: "{{ dir }}/mapping"
    - name: from_json
      copy: { content: "{{ '{\\"q\\": [1,2], \\"a\\": 1}' | from_json }}", dest: "{{ dir }}/from-json" }
    - name: a templated list
      copy: { content: "{{ mylist }}", dest: "{{ dir }}/list" }
    - name: a YAML list and an empty mapping
      copy: { content: "{{ item.c }}", dest: "{{ dir }}/{{ item.n }}" }
      loop: [{ n: yaml-list, c: [1, "a"] }, { n: empty-dict, c: {} }]
    - name: numbers, templated and literal
      copy: { content: "{{ item.c }}", dest: "{{ dir }}/{{ item.n }}" }
      loop: [{ n: int-var, c: "{{ num }}" }, { n: float-var, c: "{{ flt }}" }]
    - name: a literal int
      copy: { content: 42, dest: "{{ dir }}/int" }
    - name: a literal bool
      copy: { content: true, dest: "{{ dir }}/bool" }
      register: as_bool
    - name: a templated bool
      copy: { content: "{{ flag }}", dest: "{{ dir }}/bool-var" }
    - name: a dict with text around it is Python's str of it
      copy: { content: "d={{ mydict }}\\n", dest: "{{ dir }}/dict-in-text" }
  `,
});

const inner = (tag: string): string =>
  `- name: ${tag} closes the gate\n  set_fact: { gate: false }\n- name: ${tag} writes after it\n  copy: { content: "${tag}\\n", dest: "{{ dir }}/${tag}-{{ item | default(0) }}" }\n`;
const includeWhen = d.case("an include's when: is judged once, on the include, not on each task inside", {
  vars: { gate: true },
  tasks: `
    - name: include_tasks
      include_tasks: inc.yml
      when: gate
    - name: open
      set_fact: { gate: true }
    - name: include_role
      include_role: { name: r3 }
      when: gate
    - name: open again
      set_fact: { gate: true }
    - name: include_tasks per item
      include_tasks: inc.yml
      loop: [1, 2]
      when: gate
    - name: open a third time
      set_fact: { gate: true }
    - name: include_role per item
      include_role: { name: r3 }
      loop: [1, 2]
      when: gate
    - name: open a fourth time
      set_fact: { gate: true }
    - name: a block's when is judged on each task, included ones too
      when: gate
      block:
        - name: include_tasks in the block
          include_tasks: inc-block.yml
    - name: open a fifth time
      set_fact: { gate: true }
    - name: import_tasks passes its when to each task
      import_tasks: inc-import.yml
      when: gate
  `,
  controllerFiles: { 'inc.yml': inner('inc'), 'roles/r3/tasks/main.yml': inner('role'), 'inc-block.yml': inner('block'), 'inc-import.yml': inner('import') },
});

const notifier = (name: string): string => `- name: ${name}\n  debug: { msg: "${name}" }\n  changed_when: true\n  notify: h`;
const flush = d.case('meta flush_handlers: its banner, then the handlers it runs', {
  tasks: [
    notifier('notify once'),
    '- name: named flush\n  meta: flush_handlers',
    notifier('notify twice'),
    '- meta: flush_handlers',
    '- name: a skipped flush\n  meta: flush_handlers\n  when: false',
    '- name: a noop\n  ansible.builtin.meta: noop',
  ].join('\n'),
  handlers: '- name: h\n  debug: { msg: handled }\n  changed_when: true',
});

// README "Choices": an unnamed task is titled with its module and first argument (Ansible: the action as written).
const untitled = d.case('unnamed tasks: nodemend adds the first argument to the module', {
  tasks: `
    - command: echo hi
      changed_when: false
      check_mode: false
    - ansible.builtin.file: { path: "{{ dir }}/made", state: directory }
    - set_fact: { answer: 42 }
    - debug: { msg: "{{ answer }}" }
  `,
});

// README "Choices": nodemend's --check plans against what earlier tasks would create; Ansible's check run fails.
const planned = d.case('--check: a link to a src that an earlier task of the run would create', {
  tasks: `
    - name: the target
      copy: { content: "t\\n", dest: "{{ dir }}/target" }
    - name: a directory
      file: { path: "{{ dir }}/d", state: directory }
    - name: link to the target
      file: { path: "{{ dir }}/to-target", src: "{{ dir }}/target", state: link }
      register: to_target
      ignore_errors: true
    - name: relative link to the directory
      file: { path: "{{ dir }}/to-d", src: d, state: link }
      register: to_d
      ignore_errors: true
    - name: link to nothing any task makes
      file: { path: "{{ dir }}/to-nothing", src: "{{ dir }}/nothing", state: link }
      register: to_nothing
      ignore_errors: true
  `,
});

// What Ansible 2.14 says of strings inside stored lists and dicts, by where they came from.
const TYPE_EXPRS: Record<string, string> = {
  plain_list0: 'plain_list[0]',
  plain_dict_k: 'plain_dict.k',
  templ_list0: 'templ_list[0]',
  templ_list1: 'templ_list[1]',
  var_of_list0: 'var_of_list[0]',
  sf_list0: 'sf_list[0]',
  sf_dict_k: 'sf_dict.k',
  sf_tl0: 'sf_tl[0]',
  sf_tl1: 'sf_tl[1]',
  sf_tl2: 'sf_tl[2]',
  sf_from_var0: 'sf_from_var[0]',
  sf_nested: 'sf_nested.a[0].b',
  sf_json0: 'sf_json[0]',
  sf_split0: 'sf_split[0]',
  sf_dict_t_k: 'sf_dict_t.k',
  sf_dict_t_m: 'sf_dict_t.m',
  sf_dict_t_lit: 'sf_dict_t.lit',
  out_lines0: 'out.stdout_lines[0]',
  reg_lines0: 'reg_lines[0]',
  reg_dict_v: 'reg_dict.lines[1]',
};
const types = d.case('type_debug of strings inside stored lists and dicts', {
  vars: { plain_list: ['a', 'b'], plain_dict: { k: 'v', n: 1 }, templ_list: ["{{ 'x' }}", 'y-{{ 1 }}'], var_of_list: '{{ plain_list }}' },
  tasks: `
    - name: store
      set_fact:
        sf_list: [a, b]
        sf_dict: { k: v }
        sf_tl: ["{{ 'x' }}", "y-{{ 1 }}", "{{ plain_list[0] }}"]
        sf_from_var: "{{ plain_list }}"
        sf_nested: "{{ {'a': [{'b': plain_list[0]}]} }}"
        sf_json: "{{ '[\\"j\\"]' | from_json }}"
        sf_split: "{{ 'a,b' | split(',') }}"
        sf_dict_t: { k: "{{ 'v' }}", m: "z{{ 1 }}", lit: w }
    - name: host output
      command: printf 'l1\\nl2'
      register: out
      changed_when: false
      check_mode: false
    - name: store host output
      set_fact:
        reg_lines: "{{ out.stdout_lines }}"
        reg_dict: { lines: "{{ out.stdout_lines }}" }
    - name: types
      debug:
        msg:
${Object.entries(TYPE_EXPRS)
  .map(([k, e]) => `          ${k}: "{{ ${e} | type_debug }}"`)
  .join('\n')}
          map_sf_list: "{{ sf_list | map('type_debug') | list }}"
          map_from_var: "{{ sf_from_var | map('type_debug') | list }}"
          map_out: "{{ out.stdout_lines | map('type_debug') | list }}"
      register: seen_types
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('%s', (mode) => {
  for (const c of [content, includeWhen, flush]) {
    it(`${c.name}: same task rows, statuses, changed flags`, () => {
      // As in differential-semantics2: an include_role that runs has an ok result in Ansible that its
      // default callback never prints and its recap never counts; nodemend records none.
      const ansible = c.ansible[mode].tasks.filter((t) => !(t.name.startsWith('include_role') && t.status === 'ok'));
      if (c === includeWhen) expect(ansible.length).toBe(c.ansible[mode].tasks.length - 2);
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(ansible);
    });
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
  }

  it('copy content: JSON for a dict or list, str() for a scalar, byte for byte', () => {
    const files = content.nodemend[mode].files as Record<string, { content?: string }>;
    if (mode === 'check') return expect(Object.keys(files)).toEqual([]);
    expect(files.dict.content).toBe('{"b": 1, "a": "x", "c": [1, 2, {"z": null, "y": true}], "\\u00e9": "\\u00fc"}');
    expect(files.mapping.content).toBe('{"b": 1, "a": "x"}');
    expect(files['from-json'].content).toBe('{"q": [1, 2], "a": 1}');
    expect(files['empty-dict'].content).toBe('{}');
    expect([files.int.content, files['float-var'].content, files.bool.content]).toEqual(['42', '1.5', 'True']);
    expect(files['dict-in-text'].content).toBe("d={'b': 1, 'a': 'x', 'c': [1, 2, {'z': None, 'y': True}], 'é': 'ü'}\n");
  });

  it('copy content: same registered checksum and size', () => {
    for (const r of ['as_dict', 'as_bool']) {
      const [n, a] = sameKeys(content.nodemend[mode].registered[r], content.ansible[mode].registered[r], ['changed', 'checksum', 'size', 'dest', 'failed']);
      expect(n, r).toEqual(a);
    }
  });

  it("include when: every task after the one that closed the gate ran, but not in a block's when", () => {
    const rows = includeWhen.nodemend[mode].tasks.map((t) => `${t.name}:${t.status}`);
    expect(rows.filter((r) => r.endsWith('writes after it:skipped'))).toEqual(['block writes after it:skipped', 'import writes after it:skipped']);
    expect(rows.filter((r) => /writes after it:(ok|changed)$/.test(r)).length).toBe(6);
    if (mode !== 'check') expect(Object.keys(includeWhen.nodemend[mode].files)).toEqual(['inc-0', 'inc-1', 'inc-2', 'role-0', 'role-1', 'role-2']);
  });
  /** The TASK / HANDLER banners of one case's play, in order, as each tool prints them. */
  const banners = (c: typeof flush, tool: 'ansible' | 'nodemend'): string[] => {
    const out = c[tool][mode].output.split('\n');
    const from = out.findIndex((l) => l.startsWith(`PLAY [${c.name}]`));
    const to = out.findIndex((l, i) => i > from && l.startsWith('PLAY '));
    return out
      .slice(from, to)
      .map((l) => /^(?:TASK|RUNNING HANDLER|HANDLER) \[(.*?)\]/.exec(l)?.[1])
      .filter((b): b is string => b !== undefined && !b.startsWith('differential'));
  };

  it('meta flush_handlers: a banner before the handlers it runs, as in Ansible', () => {
    const want = ['notify once', 'named flush', 'h', 'notify twice', 'meta flush_handlers', 'h', 'a skipped flush', 'a noop'];
    expect(banners(flush, 'nodemend'), flush.nodemend[mode].output).toEqual(want);
    // Ansible titles the unnamed one with the action alone (README "Choices").
    expect(banners(flush, 'ansible')).toEqual(want.map((b) => (b === 'meta flush_handlers' ? 'meta' : b)));
    expect(flush.nodemend[mode].tasks.filter((t) => t.name.includes('flush')).map((t) => `${t.name}:${t.status}`)).toEqual(['a skipped flush:skipped']);
  });

  it('unnamed tasks: module and first argument in nodemend, the action as written in Ansible (a documented choice)', () => {
    expect(untitled.nodemend[mode].tasks.map((t) => t.name)).toEqual(['command echo hi', 'file {{ dir }}/made', 'set_fact', 'debug {{ answer }}']);
    expect(untitled.ansible[mode].tasks.map((t) => t.name)).toEqual(['command', 'ansible.builtin.file', 'set_fact', 'debug']);
    const statuses = (tool: 'ansible' | 'nodemend') => untitled[tool][mode].tasks.map((t) => `${t.status}:${t.changed}`);
    expect(statuses('nodemend')).toEqual(statuses('ansible'));
    expect(banners(untitled, 'nodemend')).toEqual(untitled.nodemend[mode].tasks.map((t) => t.name));
    expect(banners(untitled, 'ansible')).toEqual(untitled.ansible[mode].tasks.map((t) => t.name));
  });
  it('--check link to a src an earlier task would create: predicted by nodemend, a failure in Ansible', () => {
    const n = planned.nodemend[mode].registered;
    const a = planned.ansible[mode].registered;
    for (const r of ['to_target', 'to_d']) {
      expect(n[r], r).toMatchObject({ failed: false, changed: mode !== 'rerun' });
      if (mode === 'check') expect(a[r], r).toMatchObject({ failed: true, msg: expect.stringContaining('src file does not exist') });
      else expect(a[r], r).toMatchObject({ failed: false, changed: mode === 'run' });
    }
    // A src no task makes fails in both, in every mode.
    for (const r of [n.to_nothing, a.to_nothing]) expect(r).toMatchObject({ failed: true, msg: expect.stringContaining('src file does not exist') });
    if (mode === 'check') {
      const rows = (tool: 'ansible' | 'nodemend') => planned[tool][mode].tasks.map((t) => `${t.name}:${t.status}`);
      expect(rows('nodemend').slice(2)).toEqual(['link to the target:changed', 'relative link to the directory:changed', 'link to nothing any task makes:failed']);
      expect(rows('ansible').slice(2)).toEqual(['link to the target:failed', 'relative link to the directory:failed', 'link to nothing any task makes:failed']);
    } else {
      expect(planned.nodemend[mode].tasks).toEqual(planned.ansible[mode].tasks);
      expect(planned.nodemend[mode].files).toEqual(planned.ansible[mode].files);
    }
  });
  it('type_debug of strings inside stored lists and dicts: what Ansible says, by origin', () => {
    const n = types.nodemend[mode].registered.seen_types?.msg;
    expect(n, types.nodemend[mode].output).toEqual(types.ansible[mode].registered.seen_types?.msg);
    // Not vacuous: all three classes are there.
    expect(n).toMatchObject({ sf_list0: 'AnsibleUnicode', sf_from_var0: 'str', sf_tl2: 'AnsibleUnicode', sf_dict_t_m: 'str', reg_lines0: 'AnsibleUnsafeText' });
  });
});
