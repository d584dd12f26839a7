/**
 * The node-hardening modules of issue 13 through ansible-playbook and nodemend on node23 (the
 * Ansible modules differential host): same files (content, mode, owner, link count), registered
 * results (the documented keys) and changed flags in check mode, the first run and a rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'harden');

const SUDO_OK = 'ops ALL=(ALL) NOPASSWD: ALL\n';
const validate = d.case('validate: runs on the temp file; a refusal leaves the original', {
  tasks: `
    - name: copy a valid sudoers file
      copy: { content: "${SUDO_OK.trim()}\\n", dest: "{{ dir }}/sudoers-ok", mode: "0440", validate: "visudo -cf %s" }
      register: v_copy
    - name: copy an invalid one over an existing file
      copy: { content: "ops ALL=(ALL NOPASSWD\\n", dest: "{{ dir }}/sudoers-kept", validate: "visudo -cf %s" }
      register: v_copy_bad
      ignore_errors: true
    - name: lineinfile passes a grep
      lineinfile: { path: "{{ dir }}/conf", line: "PermitRootLogin no", validate: "grep -q '^PermitRootLogin no$' %s" }
      register: v_line
    - name: blockinfile refused
      blockinfile: { path: "{{ dir }}/conf", block: "bad", validate: "grep -q nothing-like-this %s" }
      register: v_block
      ignore_errors: true
    - name: replace validated with an argument holding %s inside a word
      replace: { path: "{{ dir }}/conf", regexp: '^X11Forwarding yes$', replace: 'X11Forwarding no', validate: "sh -c 'test -s \\"$0\\"' %s" }
      register: v_replace
    - name: template validated
      template: { src: plain.txt, dest: "{{ dir }}/tpl", validate: "test -f %s" }
      register: v_tpl
  `,
  files: { 'sudoers-kept': SUDO_OK, conf: 'X11Forwarding yes\n' },
  controllerFiles: { 'templates/plain.txt': 'plain template\n' },
});

const hard = d.case('file state: hard', {
  tasks: `
    - name: new hard link
      file: { path: "{{ dir }}/h", src: "{{ dir }}/a", state: hard }
      register: h_new
    - name: the same link again
      file: { path: "{{ dir }}/h", src: "{{ dir }}/a", state: hard, mode: "0600" }
      register: h_same
    - name: a file in the way without force
      file: { path: "{{ dir }}/other", src: "{{ dir }}/a", state: hard }
      register: h_noforce
      ignore_errors: true
    - name: a file in the way with force
      ansible.builtin.file: path={{ dir }}/forced src={{ dir }}/b state=hard force=yes
      register: h_force
    - name: src missing
      file: { path: "{{ dir }}/m", src: "{{ dir }}/missing", state: hard }
      register: h_missing
      ignore_errors: true
  `,
  files: { a: 'A\n', b: 'B\n', other: 'other\n', forced: 'forced\n' },
});

const ini = d.case('ini_file: options, sections, spacing, values, absent', {
  tasks: `
    - name: change a value
      community.general.ini_file: { path: "{{ dir }}/a.ini", section: main, option: level, value: 3 }
      register: i_change
    - name: reuse a commented-out option
      ini_file: { path: "{{ dir }}/a.ini", section: main, option: color, value: blue }
      register: i_comment
    - name: add an option after the last setting
      ansible.builtin.ini_file: { dest: "{{ dir }}/a.ini", section: other, option: new, value: x, no_extra_spaces: true }
      register: i_add
    - name: already there
      ini_file: { path: "{{ dir }}/a.ini", section: main, option: name, value: "a b" }
      register: i_same
    - name: new section with several values
      ini_file: { path: "{{ dir }}/a.ini", section: extra, option: server, values: [s1, s2, s1] }
      register: i_values
    - name: option removed
      ini_file: { path: "{{ dir }}/a.ini", section: other, option: old, state: absent }
      register: i_absent
    - name: section removed
      ini_file: { path: "{{ dir }}/a.ini", section: gone, state: absent }
      register: i_gone
    - name: no section, before the first one
      ini_file: { path: "{{ dir }}/a.ini", option: top, value: 1 }
      register: i_top
    - name: a new file
      ini_file: { path: "{{ dir }}/new/n.ini", section: s, option: k, value: v, mode: "0600" }
      register: i_new
    - name: no trailing newline, CRLF lines
      ini_file: { path: "{{ dir }}/crlf.ini", section: s, option: k, value: v2 }
      register: i_crlf
    - name: option without a value
      ini_file: { path: "{{ dir }}/crlf.ini", section: s, option: flag, allow_no_value: true }
      register: i_novalue
    - name: missing file without create
      ini_file: { path: "{{ dir }}/missing.ini", section: s, option: k, value: v, create: false }
      register: i_missing
      ignore_errors: true
    - name: absent from a missing file
      ini_file: { path: "{{ dir }}/missing2.ini", section: s, option: k, state: absent }
      register: i_absent_missing
  `,
  files: {
    'a.ini': '; global\n[main]\nname = a b\nlevel=1\n#color = red\n\n[other]\nold = 1\nkeep = 2\n\n# trailing comment\n[gone]\nx = 1\n',
    'crlf.ini': '[s]\r\nk = v\r\nz = 1',
  },
});

beforeAll(() => d.run(), 900_000);

const cases = [validate, hard, ini];
const RESULT_KEYS = ['changed', 'failed', 'msg', 'exit_status', 'state', 'mode', 'owner', 'group', 'src', 'dest', 'path'];

describe.each(MODES)('%s', (mode) => {
  it('ini_file: same registered msg, path, changed, failed', () => {
    for (const [r, a] of Object.entries(ini.ansible[mode].registered)) {
      const [n, x] = sameKeys(ini.nodemend[mode].registered[r], a as Record<string, unknown>, ['changed', 'failed', 'msg', 'path', 'rc']);
      expect(n, r).toEqual(x);
    }
  });
  itsSameAsAnsible(mode, cases, { tasks: 'tasks' });
  it('validate: same registered msg / exit_status / changed', () => {
    for (const r of ['v_copy', 'v_copy_bad', 'v_line', 'v_block', 'v_replace', 'v_tpl']) {
      const [n, a] = sameKeys(validate.nodemend[mode].registered[r], validate.ansible[mode].registered[r], ['changed', 'failed', 'msg', 'exit_status']);
      expect(n, r).toEqual(a);
    }
  });
  it('hard: same registered result keys', () => {
    for (const r of ['h_new', 'h_same', 'h_noforce', 'h_force', 'h_missing']) {
      const [n, a] = sameKeys(hard.nodemend[mode].registered[r], hard.ansible[mode].registered[r], RESULT_KEYS);
      expect(n, r).toEqual(a);
    }
  });
});

it('the first run changed and refused what it should, the rerun changed nothing', () => {
  expect(validate.nodemend.run.changed).toMatchObject({ 'copy a valid sudoers file': true, 'lineinfile passes a grep': true, 'template validated': true });
  expect(validate.nodemend.run.files['sudoers-kept']).toMatchObject({ content: SUDO_OK });
  expect(validate.nodemend.run.registered.v_copy_bad).toMatchObject({ failed: true, msg: 'failed to validate', exit_status: 1 });
  expect(validate.nodemend.run.registered.v_block.msg).toMatch(/^failed to validate: rc:1 error:/);
  expect(hard.nodemend.run.files.h).toMatchObject({ content: 'A\n', nlink: 2, mode: '0600' });
  expect(hard.nodemend.run.files.forced).toMatchObject({ content: 'B\n', nlink: 2 });
  expect(ini.nodemend.run.files['a.ini']).toMatchObject({ content: expect.stringContaining('color = blue\n') });
  expect(ini.nodemend.run.changed).toMatchObject({ 'change a value': true, 'already there': false, 'a new file': true });
  for (const c of cases) expect(Object.values(c.nodemend.rerun.changed).some(Boolean), c.name).toBe(false);
});
