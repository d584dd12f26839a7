/**
 * What real roles write and nodemend refused at validate until session 24 (audit23 item 12), through
 * ansible-playbook (Debian's ansible-core 2.14) and nodemend on node40 (HOSTS.ansibleSemantics2; paths
 * /tmp/nmdiff-h24f-*), compared on files, changed flags and registered results in check, run and rerun:
 * - a number or bool given to a `str` argument (module_utils/common/validation.py check_type_str with
 *   allow_conversion: Python's str() of it, silently): `owner: 0`, `regexp: 10`, `line: true`, `line: 1.0`,
 *   `cmd: 42`, ini_file `value: false`; and a float given to an `int` argument (check_type_int: refused,
 *   "argument 'timeout' is of type <class 'float'> ... cannot be converted to an int"), here rendered
 *   from a variable so both tools fail the task (a float written as such is refused by `nodemend
 *   validate` with the same words: test/unit/load/arg-types.test.ts).
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

beforeAll(() => d.run(), 900_000);

const KEYS = ['changed', 'failed', 'msg', 'rc', 'cmd', 'owner', 'group', 'uid', 'gid', 'path', 'state'];

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [argTypes], { registered: { keys: KEYS } });
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
