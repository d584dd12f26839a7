/**
 * `async:` / `poll:` and async_status through ansible-playbook 2.14 and nodemend on node12 (HOSTS.playbooks,
 * h24a's assignment; jobs under root's ~/.ansible_async, by unique job id), as 2.14's task_executor.py
 * (_poll_async_result), async_wrapper.py and async_status.py: poll > 0 waits for the job and registers the
 * command's result with ansible_job_id, started, finished, results_file (the file cleaned up); poll 0
 * registers the started job and async_status reads it until finished, then cleans it up; a job still
 * running after `async` seconds of polls fails with 2.14's message, and its watchdog kills it ("Timeout
 * exceeded"). --check: 2.14 fails an async task ("check mode and async cannot be used on same task.");
 * nodemend plans it as without async (README "Choices"), asserted as that documented difference.
 * Compared: registered results (async_status' documented keys), changed flags, in check, run and rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.playbooks[1], 'h24a-async');

const JID = /^j\d{1,12}\.\d+$/;
const RESULTS = /^\/root\/\.ansible_async\/j\d{1,12}\.\d+$/;

const c = d.case('async and async_status', {
  tasks: `
    - name: poll
      command: printf 'a\\nb'
      async: 20
      poll: 1
      register: as_poll
      ignore_errors: true
    - name: poll result file
      stat: { path: "{{ as_poll.results_file }}" }
      register: as_poll_file
      when: not ansible_check_mode
    - name: background
      shell: sleep 2; echo bg; echo err >&2
      async: 60
      poll: 0
      register: as_bg
      ignore_errors: true
    - name: first status
      async_status: { jid: "{{ as_bg.ansible_job_id }}" }
      register: as_first
      when: not ansible_check_mode
    - name: wait
      async_status: { jid: "{{ as_bg.ansible_job_id }}" }
      register: as_done
      until: as_done.finished
      retries: 30
      delay: 1
      when: not ansible_check_mode
    - name: clean up
      async_status: { jid: "{{ as_bg.ansible_job_id }}", mode: cleanup }
      register: as_clean
      when: not ansible_check_mode
    - name: cleaned file
      stat: { path: "{{ as_done.results_file }}" }
      register: as_clean_file
      when: not ansible_check_mode
    - name: too slow
      command: sleep 40
      async: 1
      poll: 1
      register: as_slow
      ignore_errors: true
    - name: killed
      async_status: { jid: "{{ as_slow.async_result.ansible_job_id }}" }
      register: as_killed
      until: as_killed.finished
      retries: 40
      delay: 1
      ignore_errors: true
      when: not ansible_check_mode
  `,
});

beforeAll(() => d.run(), 900_000);

/** The keys Ansible registered (and `failed`), nodemend's equal to Ansible's. */
function same(n: Record<string, unknown>, a: Record<string, unknown>, keys: string[]): void {
  const [nv, av] = sameKeys(n, a, keys);
  expect(nv).toEqual(av);
}

const COMMAND_KEYS = ['changed', 'failed', 'rc', 'stdout', 'stdout_lines', 'stderr', 'stderr_lines', 'cmd', 'msg', 'started', 'finished'];

describe.each(['run', 'rerun'] as const)('%s', (mode) => {
  const a = () => c.ansible[mode].registered;
  const n = () => c.nodemend[mode].registered;
  it('poll > 0: the command result with the job keys, its results file cleaned up', () => {
    expect(a().as_poll).toMatchObject({ changed: true, finished: 1, started: 1, rc: 0, stdout: 'a\nb', ansible_job_id: expect.stringMatching(JID), results_file: expect.stringMatching(RESULTS) });
    same(n().as_poll, a().as_poll, COMMAND_KEYS);
    expect(n().as_poll.ansible_job_id).toMatch(JID);
    expect(n().as_poll.results_file).toMatch(RESULTS);
    expect(n().as_poll.start).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(n().as_poll_file.stat.exists).toBe(false);
    expect(a().as_poll_file.stat.exists).toBe(false);
  });
  it('poll 0: the started job', () => {
    expect(a().as_bg).toMatchObject({ changed: true, started: 1, finished: 0, ansible_job_id: expect.stringMatching(JID), results_file: expect.stringMatching(RESULTS) });
    same(n().as_bg, a().as_bg, ['changed', 'started', 'finished']);
    expect(n().as_bg.results_file).toBe(n().as_bg.results_file.replace(/j.*$/, n().as_bg.ansible_job_id));
    // 2.14's async_wrapper answers failed: 0 (an int); nodemend's registered `failed` is a boolean (README "Choices").
    expect(a().as_bg.failed).toBe(0);
    expect(n().as_bg.failed).toBe(false);
    expect(
      Object.keys(n().as_bg)
        .filter((k) => k !== 'ansible_facts')
        .sort(),
    ).toEqual(
      Object.keys(a().as_bg)
        .filter((k) => k !== 'ansible_facts')
        .sort(),
    );
  });
  it('async_status: running, then the command result, then cleanup', () => {
    expect(a().as_first).toMatchObject({ started: 1, finished: 0, changed: false });
    same(n().as_first, a().as_first, ['started', 'finished', 'changed', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines']);
    expect(n().as_first.ansible_job_id).toBe(n().as_bg.ansible_job_id);
    expect(a().as_done).toMatchObject({ finished: 1, rc: 0, stdout: 'bg', stderr: 'err', changed: true });
    same(n().as_done, a().as_done, COMMAND_KEYS);
    expect(n().as_done.delta).toMatch(/^0:00:0[2-9]\.\d{6}$/);
    expect(a().as_clean).toMatchObject({ started: 0, finished: 0, changed: false, erased: a().as_done.results_file });
    same(n().as_clean, a().as_clean, ['started', 'finished', 'changed', 'stdout', 'stderr']);
    expect(n().as_clean.erased).toBe(n().as_done.results_file);
    expect(a().as_clean_file.stat.exists).toBe(false);
    expect(n().as_clean_file.stat.exists).toBe(false);
  });
  it("a job past its limit fails with 2.14's message; its watchdog kills it", () => {
    expect(a().as_slow).toMatchObject({ failed: true, msg: 'async task did not complete within the requested time - 1s', async_result: { started: 1, finished: 0 } });
    same(n().as_slow, a().as_slow, ['failed', 'msg', 'changed']);
    expect(n().as_slow.async_result).toMatchObject({ started: 1, finished: 0, ansible_job_id: expect.stringMatching(JID) });
    expect(a().as_killed).toMatchObject({ failed: true, finished: 1, msg: 'Timeout exceeded' });
    same(n().as_killed, a().as_killed, ['failed', 'finished', 'started', 'msg', 'changed']);
    expect(n().as_killed.child_pid).toEqual(expect.any(Number));
  });
  it('the same changed flags', () => expect(c.nodemend[mode].changed).toEqual(c.ansible[mode].changed));
});

describe('check', () => {
  it('2.14 fails an async task in check mode; nodemend plans it as without async (documented)', () => {
    const a = c.ansible.check.registered;
    const n = c.nodemend.check.registered;
    for (const reg of ['as_poll', 'as_bg', 'as_slow']) {
      expect(a[reg], reg).toMatchObject({ failed: true, msg: 'check mode and async cannot be used on same task.' });
      expect(n[reg], reg).toMatchObject({ failed: false, changed: true, msg: 'Command would have run if not in check mode' });
    }
    expect(a.as_first).toMatchObject({ skipped: true });
    expect(n.as_first).toMatchObject({ skipped: true });
  });
});

it('tasks in the same order in every mode', () => {
  for (const mode of MODES) expect(c.nodemend[mode].tasks.map((t) => t.name)).toEqual(c.ansible[mode].tasks.map((t) => t.name));
});
