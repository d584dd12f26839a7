/**
 * What real roles write and nodemend refused at validate until session 24 (audit23 item 12), through
 * ansible-playbook (Debian's ansible-core 2.14) and nodemend on node40 (HOSTS.ansibleSemantics2; paths
 * /tmp/nmdiff-h24f-*), compared on files, changed flags and registered results in check, run and rerun:
 * - a number or bool given to a `str` argument (module_utils/common/validation.py check_type_str with
 *   allow_conversion: Python's str() of it, silently): `owner: 0`, `regexp: 10`, `line: true`, `line: 1.0`,
 *   `cmd: 42`, ini_file `value: false`; and a float given to an `int` argument (check_type_int: refused,
 *   "argument 'timeout' is of type <class 'float'> ... cannot be converted to an int"), here rendered
 *   from a variable so both tools fail the task (a float written as such is refused by `nodemend
 *   validate` with the same words: test/unit/load/arg-types.test.ts);
 * - include_tasks with a templated path (rendered per host when it runs, with facts: `"{{ ansible_os_family }}.yml"`,
 *   `"setup-{{ ansible_distribution }}.yml"`, with_first_found into `"{{ item }}"`, `"{{ role_path }}/tasks/part-{{ item }}.yml"`
 *   in a loop, a play var), every file it can name validated at load (test/unit/load/templated-include.test.ts);
 * - a templated `notify:` name, a verbose `(?x)` regex (re.X), `serial: 0` (the whole play in one batch).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'h24f');

const argTypes = d.case('numbers and bools for str arguments, a float for an int argument', {
  vars: { seven: 7, half: 1.5 },
  files: { f: 'a\n5\n' },
  tasks: `
    - name: regexp and line as numbers
      lineinfile: { path: "{{ dir }}/f", regexp: 10, line: 5 }
      register: t_num
    - name: a bool line
      lineinfile: { path: "{{ dir }}/f", line: true }
      register: t_bool
    - name: an integral float line
      lineinfile: { path: "{{ dir }}/f", line: 1.0 }
      register: t_float
    - name: a rendered int line
      lineinfile: { path: "{{ dir }}/f", line: "{{ seven }}" }
      register: t_rendered
    - name: owner and group as numbers
      file: { path: "{{ dir }}/f", owner: 0, group: 0 }
      register: t_owner
    - name: ini value false
      ini_file: { path: "{{ dir }}/i.ini", section: s, option: o, value: false }
      register: t_ini
    - name: a number as the command
      command: { cmd: 42 }
      register: t_cmd
      check_mode: false
      ignore_errors: true
    - name: a rendered float for an int
      wait_for: { timeout: "{{ half }}" }
      register: t_int
      ignore_errors: true`,
});

const ROLE_FILES = {
  'roles/h24f_inc/tasks/main.yml': `
- name: by os family
  include_tasks: "{{ ansible_os_family }}.yml"
  register: inc_family
- name: by distribution
  include_tasks: "setup-{{ ansible_distribution }}.yml"
- name: first found
  include_tasks: "{{ item }}"
  with_first_found:
    - "{{ ansible_distribution }}-{{ ansible_distribution_major_version }}-nope.yml"
    - "{{ ansible_distribution }}-{{ ansible_distribution_major_version }}.yml"
    - default.yml
- name: from role_path, in a loop
  include_tasks: "{{ role_path }}/tasks/part-{{ item }}.yml"
  loop: [a, b]
`,
  'roles/h24f_inc/tasks/Debian.yml': '- name: family\n  copy: { dest: "{{ dir }}/family", content: "{{ ansible_os_family }}\\n" }\n',
  'roles/h24f_inc/tasks/RedHat.yml': '- yum: { name: never-here }\n',
  'roles/h24f_inc/tasks/setup-Debian.yml': '- name: setup\n  copy: { dest: "{{ dir }}/setup", content: "setup {{ ansible_distribution }}\\n" }\n',
  'roles/h24f_inc/tasks/Debian-12.yml': '- name: found\n  copy: { dest: "{{ dir }}/found", content: "Debian 12\\n" }\n',
  'roles/h24f_inc/tasks/default.yml': '- name: found\n  copy: { dest: "{{ dir }}/found", content: "default\\n" }\n',
  'roles/h24f_inc/tasks/part-a.yml': '- name: part\n  lineinfile: { path: "{{ dir }}/parts", line: "a {{ item }}", create: true }\n',
  'roles/h24f_inc/tasks/part-b.yml': '- name: part\n  lineinfile: { path: "{{ dir }}/parts", line: "b {{ item }}", create: true }\n',
  'tasks/h24f-web.yml': '- name: kind\n  copy: { dest: "{{ dir }}/kind", content: "web\\n" }\n',
  'tasks/h24f-db.yml': '- name: kind\n  copy: { dest: "{{ dir }}/kind", content: "db\\n" }\n',
};

const includes = d.case('templated include_tasks paths: facts, first_found, role_path, loops', {
  gatherFacts: true,
  vars: { kind: 'web' },
  controllerFiles: ROLE_FILES,
  play: 'roles: [h24f_inc]',
  tasks: `
    - name: by a play var
      include_tasks: "tasks/h24f-{{ kind }}.yml"
      register: inc_kind`,
});

const notify = d.case('a templated notify name, a verbose (?x) regex, serial: 0', {
  vars: { svc: 'web' },
  play: 'serial: 0',
  files: { v: 'key   = 1\n' },
  handlers: `
    - name: restart web
      copy: { dest: "{{ dir }}/restarted", content: "web\\n" }`,
  tasks: `
    - name: change and notify by a template
      copy: { dest: "{{ dir }}/conf", content: "x\\n" }
      notify: "restart {{ svc }}"
    - name: a verbose regex
      lineinfile:
        path: "{{ dir }}/v"
        regexp: '(?x) ^ key \\s* =   # the key, then its value
          \\s* \\d+ $'
        line: key = 2
      register: t_verbose
    - name: the batch
      debug: { var: ansible_play_batch }
      register: t_batch`,
});

beforeAll(() => d.run(), 900_000);

const KEYS = ['changed', 'failed', 'msg', 'rc', 'cmd', 'owner', 'group', 'uid', 'gid', 'path', 'state', 'ansible_play_batch'];

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [argTypes, notify], { registered: { keys: KEYS } });
  it('templated includes: same files, registered results and changed flags (less the gathering row nodemend has not)', () => {
    const c = includes;
    expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    const { 'Gathering Facts': _g, ...rows } = c.ansible[mode].changed;
    expect(c.nodemend[mode].changed, c.nodemend[mode].output).toEqual(rows);
    expect(Object.keys(rows)).toEqual(expect.arrayContaining(['h24f_inc : family', 'h24f_inc : setup', 'h24f_inc : found', 'h24f_inc : part', 'kind']));
  });
  it('each templated include ran the file its host named', () => {
    if (mode === 'check') return;
    const f = includes.nodemend[mode].files;
    expect([f.family, f.setup, f.found, f.parts, f.kind].map((x) => (x && 'content' in x ? x.content : x))).toEqual(['Debian\n', 'setup Debian\n', 'Debian 12\n', 'a a\nb b\n', 'web\n']);
    expect(notify.nodemend[mode].files.v).toMatchObject({ content: 'key = 2\n' });
  });
  it("the float is refused in 2.14's words, the number command fails as Popen does", () => {
    expect(argTypes.nodemend[mode].registered.t_int.msg).toBe("argument 'timeout' is of type <class 'float'> and we were unable to convert to int: <class 'float'> cannot be converted to an int");
    expect(argTypes.nodemend[mode].registered.t_cmd.msg).toBe("[Errno 2] No such file or directory: b'42'");
  });
  it('the file holds the texts 2.14 makes of them', () => {
    if (mode === 'check') return;
    const f = argTypes.nodemend[mode].files.f;
    expect(f).toMatchObject({ type: 'file', content: 'a\n5\nTrue\n1.0\n7\n', owner: 'root', group: 'root' });
    expect(argTypes.nodemend[mode].files['i.ini']).toMatchObject({ content: '\n[s]\no = False\n' });
  });
});
