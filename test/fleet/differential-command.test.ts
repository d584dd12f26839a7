/**
 * command/shell that run and fail, through ansible-playbook and nodemend on the same host (node22):
 * ansible-core 2.14's command module sets changed=true once the program ran
 * (ansible/modules/command.py: `r['changed'] = True` before the rc check), so a failing command
 * registers changed=true, and the recap counts an ignored failure as ok, ignored and changed
 * (ansible/plugins/strategy/__init__.py). changed_when/failed_when override as in Ansible.
 * In --check Ansible skips command/shell; nodemend predicts "would run" (changed), the documented
 * difference of exact check mode (README "Choices where Ansible users might expect otherwise").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type Mode, type ToolRun } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'command');

const failing = d.case('a command that runs and fails registers changed', {
  tasks: `
    - name: command fails, ignored
      command: /bin/false
      register: c_fail
      ignore_errors: true
    - name: shell fails, failed_when false
      shell: exit 3
      register: s_fail
      failed_when: false
    - name: command fails, changed_when false
      command: /bin/false
      register: c_unchanged
      changed_when: false
      ignore_errors: true
    - name: shell rc 2 accepted and unchanged
      shell: exit 2
      register: s_two
      changed_when: s_two.rc == 0
      failed_when: s_two.rc not in [0, 2]
    - name: shell succeeds
      shell: "true"
      register: s_ok
  `,
});

beforeAll(() => d.run(), 900_000);

const REGS = ['c_fail', 's_fail', 'c_unchanged', 's_two', 's_ok'];
// `failed` as a boolean: Ansible's task executor adds `failed: false` to every result, nodemend leaves a
// success without the key (a runner-wide difference left for its own change; `is failed` reads both alike).
const pick = (v: Record<string, unknown> | null | undefined): Record<string, unknown> => {
  const out = Object.fromEntries(['changed', 'rc', 'skipped'].filter((k) => v && k in v).map((k) => [k, v![k]]));
  return { ...out, failed: Boolean(v?.failed) };
};

/** The host's PLAY RECAP counts as both tools print them (`host : ok=N changed=N ...`). */
function recap(run: ToolRun): Record<string, number> {
  const line = run.output.split('\n').find((l) => l.includes(HOST) && /\bok=\d+/.test(l));
  if (!line) throw new Error(`no recap line for ${HOST} in:\n${run.output.slice(-2000)}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

const expectedRun = {
  c_fail: { changed: true, failed: true, rc: 1 },
  s_fail: { changed: true, failed: false, rc: 3 },
  c_unchanged: { changed: false, failed: true, rc: 1 },
  s_two: { changed: false, failed: false, rc: 2 },
  s_ok: { changed: true, failed: false, rc: 0 },
};

describe.each(MODES.filter((m): m is Exclude<Mode, 'check'> => m !== 'check'))('%s', (mode) => {
  it('same statuses and changed flags per task', () => {
    expect(failing.nodemend[mode].tasks, failing.nodemend[mode].output).toEqual(failing.ansible[mode].tasks);
  });

  it('same registered changed, rc and failed', () => {
    for (const reg of REGS) {
      expect(pick(failing.nodemend[mode].registered[reg]), reg).toEqual(pick(failing.ansible[mode].registered[reg]));
      expect(pick(failing.nodemend[mode].registered[reg]), reg).toEqual(expectedRun[reg as keyof typeof expectedRun]);
    }
  });

  it('same recap: an ignored failure counts as ok, ignored and changed', () => {
    const keys = ['ok', 'changed', 'failed', 'skipped', 'ignored', 'rescued'];
    const [a, n] = [recap(failing.ansible[mode]), recap(failing.nodemend[mode])];
    expect(Object.fromEntries(keys.map((k) => [k, n[k]]))).toEqual(Object.fromEntries(keys.map((k) => [k, a[k]])));
    // 5 tasks + the harness's dump task; c_fail, s_fail and s_ok changed.
    expect(n).toMatchObject({ ok: 6, changed: 3, failed: 0, ignored: 2 });
  });
});

describe('check', () => {
  it('Ansible skips command/shell; nodemend predicts each run (exact check mode, documented)', () => {
    const [a, n] = [failing.ansible.check, failing.nodemend.check];
    for (const reg of REGS) expect(pick(a.registered[reg]), reg).toMatchObject({ changed: false, skipped: true, failed: false });
    // What --check predicts is what the run reports: the changed flags of the run, without failures.
    const predicted = Object.fromEntries(n.tasks.map((t) => [t.name, t.changed]));
    expect(predicted).toEqual({
      'command fails, ignored': true,
      'shell fails, failed_when false': true,
      'command fails, changed_when false': false,
      'shell rc 2 accepted and unchanged': true,
      'shell succeeds': true,
    });
    expect(n.tasks.every((t) => t.status !== 'failed')).toBe(true);
  });
});
