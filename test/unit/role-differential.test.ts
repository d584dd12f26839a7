/**
 * The role differentials' shared assertions (test/setup/role-differential.ts) on made-up runs: each
 * passes on runs that agree and fails on each way they can disagree, so the three role tests that
 * call them (os_hardening, geerlingguy.docker, geerlingguy.kubernetes) can fail.
 */
import { describe, expect, it } from 'vitest';
import type { RawTask } from '../setup/ansible-differential.js';
import type { PathState } from '../setup/host-changes.js';
import { changed, expectCheckPredictsRun, expectQuietRerun, expectSameOrder, type RoleRun, type RoleRuns } from '../setup/role-differential.js';
import { SYSTEMCTL_STATE_DIR } from '../setup/system-standins.js';

const task = (name: string, status: RawTask['status'], msg?: string): RawTask => ({ play: 'p', task: name, status, changed: status === 'changed', handler: false, msg });
const file = (content: string): PathState => ({ type: 'file', content, mode: '0644', owner: 'root', group: 'root' });
const run = (tasks: RawTask[], paths: Record<string, PathState> = {}): RoleRun => ({
  exitCode: 0,
  output: '',
  tasks,
  changes: new Map(Object.entries(paths).map(([p, s]) => [p, [{ type: 'absent' }, s]])),
});
const runs = (ansible: RawTask[], nodemend: RawTask[], check: RawTask[] = nodemend): RoleRuns => ({
  ansible: { run: run(ansible), rerun: run(ansible) },
  nodemend: { check: run(check), run: run(nodemend), rerun: run(nodemend) },
});

const gathering = task('Gathering Facts', 'ok');

describe('expectSameOrder', () => {
  it("passes when nodemend's rows are Ansible's less its fact gathering", () => {
    expectSameOrder(runs([gathering, task('a', 'changed'), task('b', 'skipped')], [task('a', 'changed'), task('b', 'skipped')]), 'run');
  });

  it('fails on a status, a missing row, a row out of order, or an Ansible-only row that is gone', () => {
    const a = [gathering, task('a', 'changed'), task('b', 'ok')];
    expect(() => expectSameOrder(runs(a, [task('a', 'ok'), task('b', 'ok')]), 'run')).toThrow();
    expect(() => expectSameOrder(runs(a, [task('a', 'changed')]), 'run')).toThrow();
    expect(() => expectSameOrder(runs(a, [task('b', 'ok'), task('a', 'changed')]), 'run')).toThrow();
    expect(() => expectSameOrder(runs([task('a', 'changed')], [task('a', 'changed')]), 'rerun')).toThrow();
  });

  it('maps each Ansible row through `expected`, and takes another Ansible-only filter', () => {
    const r = runs([task('x : set_fact', 'ok'), task('Banner', 'ok')], [task('x : set_fact {{ v }}', 'ok')]);
    const expected = (row: string): unknown => (row === 'x : set_fact: ok' ? expect.stringMatching(/^x : set_fact .+: ok$/) : row);
    expectSameOrder(r, 'run', { expected, ansibleOnly: [/^Banner: /] });
    expect(() => expectSameOrder(r, 'run', { ansibleOnly: [/^Banner: /] })).toThrow();
  });
});

describe('expectCheckPredictsRun', () => {
  const real = [task('a', 'changed'), task('b', 'ok'), task('c', 'changed')];
  it("passes when the check run's flags before its stop are the run's; returns the tasks before the stop", () => {
    const before = expectCheckPredictsRun(runs([], real, [task('a', 'changed'), task('b', 'ok'), task('c', 'failed', 'no dir')]), { task: 'c', msg: /^no dir$/ });
    expect(before.map((t) => t.task)).toEqual(['a', 'b']);
  });

  it('fails on a flag that differs, a stop elsewhere, another message, or a path the check run changed', () => {
    expect(() => expectCheckPredictsRun(runs([], real, [task('a', 'ok'), task('b', 'ok'), task('c', 'failed')]), { task: 'c' })).toThrow();
    expect(() => expectCheckPredictsRun(runs([], real, [task('a', 'changed'), task('b', 'failed')]), { task: 'c' })).toThrow();
    expect(() => expectCheckPredictsRun(runs([], real, [task('a', 'changed'), task('b', 'ok'), task('c', 'failed', 'other')]), { task: 'c', msg: 'no dir' })).toThrow();
    const r = runs([], real, [task('a', 'changed'), task('b', 'ok'), task('c', 'failed')]);
    r.nodemend.check = run(r.nodemend.check!.tasks, { '/etc/x': file('x') });
    expect(() => expectCheckPredictsRun(r, { task: 'c' })).toThrow();
  });

  it('an unknowable task may fail with its message and is not compared; with another message it fails', () => {
    const check = [task('a', 'failed', 'no package'), task('b', 'ok'), task('c', 'failed')];
    expect(expectCheckPredictsRun(runs([], real, check), { task: 'c' }, { a: /^no package$/ })).toHaveLength(2);
    expect(() => expectCheckPredictsRun(runs([], real, check), { task: 'c' }, { a: /^other$/ })).toThrow();
  });
});

describe('expectQuietRerun and changed', () => {
  it('fails on a changed task or a changed path in either tool', () => {
    expectQuietRerun(runs([task('a', 'ok')], [task('a', 'ok')]));
    expect(() => expectQuietRerun(runs([task('a', 'changed')], [task('a', 'ok')]))).toThrow();
    const r = runs([task('a', 'ok')], [task('a', 'ok')]);
    r.nodemend.rerun = run([task('a', 'ok')], { '/etc/x': file('x') });
    expect(() => expectQuietRerun(r)).toThrow();
  });

  it("compares a started unit's pid file as there, not by its number; other files by content", () => {
    const pid = `${SYSTEMCTL_STATE_DIR}/docker.service.pid`;
    expect(changed(run([], { [pid]: file('4242\n') }))).toEqual(changed(run([], { [pid]: file('77\n') })));
    expect(changed(run([], { '/etc/x.pid': file('4242\n') }))).not.toEqual(changed(run([], { '/etc/x.pid': file('77\n') })));
  });
});
