import { describe, expect, it } from 'vitest';
import { TaskLog } from '../../../src/report/task-log.js';
import { colors } from '../../../src/report/colors.js';
import { result } from './fixtures.js';

/**
 * A task's diff prints when its task ran in diff mode: the run's --diff, or the task's own `diff: true`
 * (the executor then hands the result its diff; 2.14's default callback prints it either way).
 */
describe('TaskLog diffs', () => {
  const diff = [{ path: '/etc/x.conf', before: 'a\n', after: 'b\n' }];
  const log = (...rs: Parameters<typeof result>[0][]) => {
    const t = new TaskLog('edit', ['node1', 'node2', 'node3']);
    for (const r of rs) t.add(result(r));
    return t;
  };
  const opts = (d: boolean) => ({ verbose: 0, diff: d, c: colors(false) });

  it('without --diff, a result that carries a diff (the task said diff: true) prints it', () => {
    const lines = log({ host: 'node1', status: 'changed', diff }).lines(opts(false));
    expect(lines).toContain('+b');
    expect(lines).toContain('  (1 host: node1)');
  });
  it('without --diff, a result without one (diff mode off) prints none, and a no_log result no placeholder', () => {
    const lines = log({ host: 'node1', status: 'changed' }, { host: 'node2', status: 'changed', censored: true }).lines(opts(false));
    expect(lines.join('\n')).not.toMatch(/^[-+]|diff hidden/m);
  });
  it('under --diff a no_log result says its diff is hidden', () => {
    const lines = log({ host: 'node2', status: 'changed', censored: true }).lines(opts(true));
    expect(lines.join('\n')).toMatch(/diff hidden: no_log/);
  });
});
