/**
 * Expressions through ansible-playbook 2.14.18 and nodemend on the same host (node22): filters and
 * tests under their collection names (`ansible.builtin.to_json`, `community.general.path_join`),
 * compared on registered values, files, task statuses and changed flags. A name 2.14 cannot load
 * fails `nodemend validate` at its file:line:col before any host is contacted (Ansible fails the
 * task when it runs: the deliberate difference asserted below).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { differential, MODES, type TaskOutcome } from '../setup/ansible-differential.js';
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

const types = d.case('type_debug of a set_fact rendered into text and of items of a list built in the expression', {
  vars: { lit: 'hello', tmpl: '{{ lit }}-x', vl: ['a'] },
  tasks: `
    - name: facts
      set_fact: { factx: "{{ lit }}-y", factt: "{{ lit }}", fact_lit: plain, fl: ["{{ lit }}-z"] }
    - name: passed on
      set_fact: { factx2: "{{ factx }}", factt2: "{{ factt }}" }
    - name: each type
      debug:
        msg:
          - "{{ factx | type_debug }}"
          - "{{ factt | type_debug }}"
          - "{{ fact_lit | type_debug }}"
          - "{{ factx2 | type_debug }}"
          - "{{ factt2 | type_debug }}"
          - "{{ [lit] | map('type_debug') | list }}"
          - "{{ ['x', lit, tmpl, lit | upper, factx, factt] | map('type_debug') | list }}"
          - "{{ vl | map('type_debug') | list }}"
          - "{{ [factx, 'lit'] | map('type_debug') | list }}"
      register: types_seen
  `,
});

/** A role with meta/argument_specs.yml: the spec of test/unit/modules/arg-spec.test.ts, a little smaller. */
const SPEC_ROLE = {
  'roles/spec/meta/argument_specs.yml': `argument_specs:
  main:
    short_description: the spec role
    options:
      s_name: {type: str, required: true}
      n_count: {type: int, default: 3}
      b_flag: {type: bool}
      l_items: {type: list, elements: int}
      d_opts:
        type: dict
        options:
          mode: {type: str, choices: [a, b], required: true}
      c_choice: {type: str, choices: [x, y]}
  other:
    options:
      o_only: {type: int, required: true}
`,
  'roles/spec/defaults/main.yml': 'n_count: "4"\n',
  'roles/spec/tasks/main.yml': '- name: spec ran\n  copy: { content: "{{ s_name }} {{ n_count }} {{ b_flag | default(none) }}\\n", dest: "{{ dir }}/{{ s_name }}" }\n',
  'roles/spec/tasks/other.yml': '- name: other ran\n  copy: { content: "{{ o_only }}\\n", dest: "{{ dir }}/other" }\n',
};

const specPass = d.case('a role argument spec that passes: the validation row, then the role', {
  controllerFiles: SPEC_ROLE,
  play: `roles:
  - { role: spec, s_name: first, b_flag: "yes", l_items: "1,2", d_opts: "mode=a", c_choice: x }`,
  tasks: `
    - name: include it with templated values
      include_role: { name: spec }
      vars: { s_name: second, n_count: "{{ 2 + 3 }}", b_flag: "{{ true }}" }
    - name: another entry point
      import_role: { name: spec, tasks_from: other }
      vars: { o_only: 7 }
  `,
});

const specFail = d.case("a templated value the spec refuses fails the role's first task with Ansible's message", {
  controllerFiles: SPEC_ROLE,
  tasks: `
    - block:
        - name: include with a bad value
          include_role: { name: spec }
          vars: { s_name: third, n_count: "{{ 'many' }}", c_choice: "{{ 'z' }}", d_opts: { size: 1 } }
      rescue:
        - name: what failed
          debug: { msg: "{{ ansible_failed_result.msg }}" }
          register: spec_failed
    - block:
        - name: include without a required value
          include_role: { name: spec, tasks_from: other }
      rescue:
        - name: what failed without it
          debug: { msg: "{{ ansible_failed_result.msg }}" }
          register: spec_missing
  `,
});

/**
 * 2.14's AnsibleUndefined: a name, attribute, item or slice of an undefined value stays undefined
 * (default and `is defined` take it); an operation that uses it (a call, a filter, arithmetic, a
 * comparison, a bool) fails the task whatever is further out. Each expression is one debug task.
 */
const UNDEFINED_USES: [string, string][] = [
  ['call', "nope.keys() | default('D')"],
  ['call_deep', 'nope.a.keys() | default([]) | sort'],
  ['add', "(nope + 1) | default('D')"],
  ['concat', "(nope ~ 'x') | default('D')"],
  ['filter', "(nope | int) | default('D')"],
  ['compare', "(nope == 1) | default('D')"],
  ['contains', "('x' in nope) | default('D')"],
  ['not', "(not nope) | default('D')"],
  ['or_left', "(nope or 1) | default('D')"],
  ['condition', "('a' if nope else 'b') | default('D')"],
  ['key', "dd[nope] | default('D')"],
  ['defined_call', 'nope.keys() is defined'],
  ['attr', "nope.a | default('D')"],
  ['slice', "nope[1:2] | default('D')"],
  ['or_right', "(false or nope) | default('D')"],
  ['branch', "(true if false else nope) | default('D')"],
  ['none_attr', "dd.get('x').y | default('D')"],
  ['first_empty', "[] | first | default('D')"],
  ['lazy', "lazy | default('D')"],
  ['defined_attr', 'nope.a is defined'],
];
const undefinedUses = d.case('an undefined value used by an operation fails the task; one only named stays undefined for default', {
  vars: { dd: { a: 1 }, lazy: '{{ nope.keys() }}' },
  tasks: UNDEFINED_USES.map(
    ([name, expr]) => `
    - name: undefined ${name}
      debug: { msg: ${JSON.stringify(`{{ ${expr} }}`)} }
      ignore_errors: true
      register: u_${name}`,
  ).join(''),
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('undefined values, %s', (mode) => {
  it('the same tasks fail as in 2.14, the others print the same value', () => {
    const [n, a] = [undefinedUses.nodemend[mode], undefinedUses.ansible[mode]];
    const seen = (r: Record<string, any>): Record<string, unknown> => Object.fromEntries(UNDEFINED_USES.map(([k]) => [k, r[`u_${k}`]?.failed ? 'failed' : r[`u_${k}`]?.msg]));
    expect(seen(n.registered), n.output).toEqual(seen(a.registered));
    expect(n.tasks).toEqual(a.tasks);
    // What 2.14 did, so the comparison cannot pass on two runs that both did nothing.
    expect(Object.values(seen(a.registered))).toEqual([...Array(12).fill('failed'), 'D', 'D', 'D', 'D', 'D', 'D', 'D', false]);
    expect(a.registered.u_call.msg).toContain("'nope' is undefined");
    expect(n.registered.u_call.msg).toContain("'nope' is undefined");
  });
});

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

describe.each(MODES)('type_debug, %s', (mode) => {
  it('the same class names as Ansible for each source', () => {
    const [n, a] = [types.nodemend[mode].registered.types_seen.msg, types.ansible[mode].registered.types_seen.msg];
    expect(n).toEqual(a);
    expect(a.slice(0, 6)).toEqual(['str', 'AnsibleUnicode', 'AnsibleUnicode', 'str', 'AnsibleUnicode', ['AnsibleUnicode']]);
  });
});

/** Ansible's own row for an include_role, which nodemend's report does not have (README: include banners). */
const withoutIncludes = (tasks: TaskOutcome[]): TaskOutcome[] => tasks.filter((t) => !t.name.startsWith('include '));

describe.each(MODES)('role argument specs, %s', (mode) => {
  it('the same rows (the validation task first), files and changed flags as Ansible', () => {
    const [n, a] = [specPass.nodemend[mode], specPass.ansible[mode]];
    expect(n.tasks, n.output).toEqual(withoutIncludes(a.tasks));
    expect(n.files).toEqual(a.files);
    const rows = a.tasks.map((t) => `${t.name}: ${t.status}`);
    expect(rows.filter((r) => r.startsWith('spec : Validating'))).toEqual([
      "spec : Validating arguments against arg spec 'main' - the spec role: ok",
      "spec : Validating arguments against arg spec 'main' - the spec role: ok",
      "spec : Validating arguments against arg spec 'other': ok",
    ]);
    if (mode !== 'check') expect(n.files.second).toMatchObject({ content: 'second 5 True\n' });
  });

  it("a refused value fails the validation task with Ansible's message", () => {
    const [n, a] = [specFail.nodemend[mode], specFail.ansible[mode]];
    expect(n.tasks, n.output).toEqual(withoutIncludes(a.tasks));
    expect(n.registered.spec_failed.msg).toEqual(a.registered.spec_failed.msg);
    expect(n.registered.spec_missing.msg).toEqual(a.registered.spec_missing.msg);
    expect(a.registered.spec_failed.msg).toBe(
      [
        'Validation of arguments failed:',
        "argument 'n_count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int",
        'value of c_choice must be one of: x, y, got: z',
        'missing required arguments: mode found in d_opts',
        'd_opts.size. Supported parameters include: mode.',
      ].join('\n'),
    );
    expect(a.registered.spec_missing.msg).toBe('Validation of arguments failed:\nmissing required arguments: o_only');
  });
});

describe('a role param its argument spec refuses', () => {
  const listener = connectionCounter();
  const cases: [string, string, string][] = [
    ['n_count: many', ':5:41', `role "spec": argument 'n_count' is of type <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> and we were unable to convert to int`],
    ['c_choice: z', ':5:42', 'role "spec": value of c_choice must be one of: x, y, got: z'],
    ['bogus: 1', ':5:32', 'role "spec": "bogus" is not an argument of role "spec"'],
    ['d_opts: { size: 1 }', ':5:40', 'role "spec": missing required arguments: mode found in d_opts'],
  ];
  it.each(cases)('%s fails validate at the param, no host contacted', async (param, at, msg) => {
    const dir = workDir(`expr-spec-${cases.findIndex((c) => c[0] === param)}`);
    for (const [rel, text] of Object.entries(SPEC_ROLE)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    const pb = join(dir, 'site.yaml');
    writeFileSync(pb, `- hosts: ${HOST}\n  gather_facts: false\n  vars: { dir: /tmp }\n  roles:\n    - { role: spec, s_name: a, ${param} }\n`);
    const inv = writeInventory(dir, [HOST], { portOverride: { [HOST]: listener.port() } });
    const r = await runCli(['validate', pb, '-i', inv]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${pb}${at}: ${msg}`);
    expect(listener.count()).toBe(0);
  });
});

describe('-e values on the control machine', () => {
  it('type_debug names -e k=v and -e JSON values str, -e @file ones AnsibleUnicode, as Ansible', async () => {
    const dir = workDir('expr-extra-vars');
    writeFileSync(join(dir, 'ef.yml'), 'fe: fromfile\n');
    const play = (out: string): string =>
      `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - copy:\n        dest: ${out}\n        content: "{{ [ek | type_debug, ej | type_debug, fe | type_debug, [ek, fe] | map('type_debug') | list] | to_json }}"\n`;
    const extra = ['-e', 'ek=v', '-e', '{"ej": "jv"}', '-e', `@${join(dir, 'ef.yml')}`];
    writeFileSync(join(dir, 'ansible.yaml'), play(join(dir, 'ansible.out')));
    writeFileSync(join(dir, 'nodemend.yaml'), play(join(dir, 'nodemend.out')));
    const ansible = await new Promise<string>((res) =>
      execFile('ansible-playbook', ['-i', 'localhost,', '-c', 'local', join(dir, 'ansible.yaml'), ...extra], { cwd: dir }, (_e, out, err) => res(out + err)),
    );
    const n = await runCli(['run', join(dir, 'nodemend.yaml'), '-i', writeInventory(dir, [HOST]), ...extra]);
    expect(n.code, n.stdout + n.stderr).toBe(0);
    const want = JSON.parse(readFileSync(join(dir, 'ansible.out'), 'utf8') || 'null', undefined) as unknown;
    expect(want, ansible).toEqual(['str', 'str', 'AnsibleUnicode', ['str', 'AnsibleUnicode']]);
    expect(JSON.parse(readFileSync(join(dir, 'nodemend.out'), 'utf8'))).toEqual(want);
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
