/**
 * Registered results as ansible-core 2.14.18 registers them, through ansible-playbook and nodemend on
 * the same host (node40, paths /tmp/nmdiff-h22l-*), compared whole (less Ansible's `_ansible_*` and
 * `invocation` keys and the times' values) in check, run and rerun:
 *   - command/shell skipped by `creates`/`removes` (modules/command.py: msg "Did not run command since
 *     'X' exists" / "Would not run…" in check mode / "… does not exist", stdout "skipped, since X
 *     exists", rc 0, start/end/delta null);
 *   - a command whose program cannot be executed (module_utils/basic.py run_command: rc = the OSError's
 *     errno, msg "[Errno 2] No such file or directory: b'X'", unchanged, cmd the quoted line, no times),
 *     and shell's /bin/sh "not found" (rc 127, changed, "non-zero return code");
 *   - assert with `quiet: true` registers msg = success_msg (plugins/action/assert.py);
 *   - `failed_when` registers failed_when_result, per item in a loop (executor/task_executor.py);
 *   - `ansible_failed_result` in a rescue after a failed loop task is the loop's result (results of
 *     every item, "One or more items failed"; plugins/strategy/__init__.py), and a loop whose items are
 *     all skipped registers "All items skipped".
 * The tasks that must fail or run in every mode carry `check_mode: false` (in --check Ansible skips
 * command/shell that have no creates/removes, nodemend predicts them: README "Choices").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics2[0], 'h22l-reg');

const command = d.case('command/shell results: creates/removes skips, a program that cannot run', {
  files: { made: 'x\n', plain: { content: 'echo hi\n', mode: '0644' } },
  tasks: `
    - name: creates skips
      command: "touch {{ dir }}/made"
      args: { creates: "{{ dir }}/made" }
      register: c_creates
    - name: creates glob in chdir skips
      command: "touch made"
      args: { chdir: "{{ dir }}", creates: "m*" }
      register: c_creates_rel
    - name: removes skips
      command: "rm {{ dir }}/gone"
      args: { removes: "{{ dir }}/gone" }
      register: c_removes
    - name: shell creates skips
      shell: "echo x > {{ dir }}/made"
      args: { creates: "{{ dir }}/made" }
      register: s_creates
    - name: shell removes skips
      shell: "rm {{ dir }}/gone"
      args: { removes: "{{ dir }}/gone" }
      register: s_removes
    - name: missing program
      command: nosuchcmd-h22l "a b"
      register: c_missing
      ignore_errors: true
      check_mode: false
    - name: missing program by path, argv
      command:
        argv: ["{{ dir }}/nothing", x]
      register: c_missing_path
      ignore_errors: true
      check_mode: false
    - name: not executable
      command: "{{ dir }}/plain"
      register: c_noexec
      ignore_errors: true
      check_mode: false
    - name: a directory
      command: "{{ dir }}"
      register: c_dir
      ignore_errors: true
      check_mode: false
    - name: under a file
      command: "{{ dir }}/plain/x"
      register: c_notdir
      ignore_errors: true
      check_mode: false
    - name: shell missing program
      shell: nosuchcmd-h22l
      register: s_missing
      ignore_errors: true
      check_mode: false
  `,
});

const asserts = d.case('assert quiet registers its success_msg; failed_when_result per item', {
  tasks: `
    - name: quiet assert
      assert: { that: [1 == 1], quiet: true }
      register: a_quiet
    - name: quiet assert with success_msg
      assert: { that: [1 == 1], quiet: true, success_msg: yay }
      register: a_quiet_msg
    - name: assert
      assert: { that: [1 == 1], success_msg: fine }
      register: a_loud
    - name: failed_when
      debug: { msg: one }
      failed_when: false
      register: fw_one
    - name: failed_when per item
      debug: { msg: "{{ item }}" }
      loop: [1, 2, 3]
      failed_when: item == 2
      register: fw_loop
      ignore_errors: true
    - name: all items skipped
      debug: { msg: "{{ item }}" }
      loop: [1, 2]
      when: item > 5
      register: l_skipped
  `,
});

const rescued = d.case('ansible_failed_result after a failed loop is the loop result', {
  tasks: `
    - block:
        - name: loop fails at its second item
          command: "test {{ item }} -lt 2"
          loop: [1, 2, 3]
          register: l_fail
          check_mode: false
      rescue:
        - name: what the rescue sees
          debug:
            msg: "{{ ansible_failed_result.results | map(attribute='rc') | list }} {{ ansible_failed_result.results | map(attribute='item') | list }} {{ ansible_failed_result.msg }} {{ ansible_failed_result.failed }} {{ ansible_failed_result.changed }}"
          register: f_items
  `,
});

beforeAll(() => d.run(), 900_000);

/** A result as compared: without Ansible's internal keys; times as `null` or `<time>` (their values differ per run). */
function view(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(view);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !k.startsWith('_ansible') && k !== 'invocation')
      .map(([k, x]) => [k, ['start', 'end', 'delta'].includes(k) && x !== null ? '<time>' : view(x)]),
  );
}

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [command, asserts, rescued], { tasks: 'tasks', registered: { view } });
});

describe('what 2.14 registers (so both tools are not merely equal)', () => {
  it('a creates skip: "Did not run" in a run, "Would not run" in --check', () => {
    expect(command.nodemend.run.registered.c_creates).toMatchObject({
      changed: false,
      rc: 0,
      msg: "Did not run command since '<dir>/made' exists",
      stdout: 'skipped, since <dir>/made exists',
      stdout_lines: ['skipped, since <dir>/made exists'],
      start: null,
    });
    expect(command.nodemend.check.registered.c_removes.msg).toBe("Would not run command since '<dir>/gone' does not exist");
    expect(command.nodemend.run.registered.c_creates_rel.msg).toBe("Did not run command since 'm*' exists");
  });

  it('a program that cannot run: rc = errno, unchanged, no times', () => {
    const r = command.nodemend.run.registered;
    expect(r.c_missing).toEqual({
      changed: false,
      failed: true,
      rc: 2,
      cmd: "nosuchcmd-h22l 'a b'",
      msg: "[Errno 2] No such file or directory: b'nosuchcmd-h22l'",
      stdout: '',
      stderr: '',
      stdout_lines: [],
      stderr_lines: [],
    });
    expect(r.c_noexec).toMatchObject({ rc: 13, msg: "[Errno 13] Permission denied: b'<dir>/plain'" });
    expect(r.c_dir).toMatchObject({ rc: 13 });
    expect(r.c_notdir).toMatchObject({ rc: 20, msg: "[Errno 20] Not a directory: b'<dir>/plain/x'" });
    expect(r.s_missing).toMatchObject({ changed: true, rc: 127, msg: 'non-zero return code' });
  });

  it('quiet assert, failed_when_result, a loop result in rescue', () => {
    expect(asserts.nodemend.run.registered.a_quiet.msg).toBe('All assertions passed');
    expect(asserts.nodemend.run.registered.a_quiet_msg.msg).toBe('yay');
    expect(asserts.nodemend.run.registered.fw_loop.results.map((r: { failed_when_result: boolean }) => r.failed_when_result)).toEqual([false, true, false]);
    expect(asserts.nodemend.run.registered.l_skipped).toMatchObject({ skipped: true, msg: 'All items skipped' });
    expect(rescued.nodemend.run.registered.f_items.msg).toBe('[0, 1, 1] [1, 2, 3] One or more items failed True True');
  });
});
