/**
 * scripts/main-job-report.ts, the verdict of scripts/main-job.sh, on reports built here for
 * site.yaml's real plays: a play that changes hosts but changed nothing fails the job, as do a
 * read-only play that ran nothing but set_fact, an inexact dry run and a rerun that changed.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { READ_ONLY, judgeMainJob, playNames } from '../../../scripts/main-job-report.js';
import type { JsonReport, JsonTask } from '../../../src/report/json.js';

const SITE = join(import.meta.dirname, '../../../playbooks/site.yaml');
const plays = playNames(SITE);
const changing = plays.filter((p) => !READ_ONLY.includes(p));

const task = (play: string, name: string, changed: boolean, module = 'command'): JsonTask => ({
  play,
  task: name,
  loc: 'x.yaml:1',
  module,
  status: changed ? 'changed' : 'ok',
  changed,
  duration_ms: 1,
});

/** Every changing play changes one thing on node1, every read-only play runs a command there. */
function report(check: boolean, edit: (tasks: JsonTask[]) => JsonTask[] = (t) => t): JsonReport {
  const tasks = edit(plays.map((p) => task(p, `work of ${p}`, !READ_ONLY.includes(p))));
  const changed = tasks.filter((t) => t.changed).length;
  return {
    version: 1,
    playbook: SITE,
    check,
    started_at: '2026-12-06T00:00:00Z',
    duration_ms: 1,
    hosts: { node1: { recap: { ok: tasks.length - changed, changed, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }, status: changed ? 'changed' : 'ok', tasks } },
  };
}
const converged = () => report(false, (t) => t.map((x) => ({ ...x, changed: false, status: 'ok' })));

describe('main-job-report', () => {
  it("reads site.yaml's plays through the loader, and every read-only play is one of them", () => {
    expect(plays.length).toBeGreaterThan(READ_ONLY.length);
    for (const p of READ_ONLY) expect(plays).toContain(p);
    expect(plays).toContain('Install and load livepatch-route.ko on the nodes');
  });

  it('passes when every changing play changed, predicted exactly, and the rerun changed nothing; prints each play', () => {
    const v = judgeMainJob(plays, report(true), report(false), converged());
    expect(v.errors).toEqual([]);
    expect(v.lines[0]).toBe(`check mode predicted all ${changing.length} changes exactly`);
    expect(v.lines).toContain('  Install and load livepatch-route.ko on the nodes: predicted 1, changed 1');
    expect(v.lines).toContain('  Verify the live patch is loaded and enabled: predicted 0, changed 0 (read-only)');
    expect(v.lines.at(-1)).toBe('rerun: changed=0 on all 1 hosts');
  });

  it('a play that changed nothing on the first real run fails the job, naming it', () => {
    const skip = (t: JsonTask[]) => t.map((x) => (x.play === 'Build livepatch-route.ko once per kernel' ? { ...x, changed: false, status: 'skipped' as const } : x));
    const v = judgeMainJob(plays, report(true, skip), report(false, skip), converged());
    expect(v.errors).toEqual(['play "Build livepatch-route.ko once per kernel" made 0 changes on the first real run: the fleet did not need it (a planted piece missing?) or it was skipped']);
  });

  it('a read-only play that ran only set_fact, or changed something, fails the job', () => {
    const onlySetFact = (t: JsonTask[]) => t.map((x) => (x.play === 'Verify the live patch is loaded and enabled' ? { ...x, module: 'set_fact' } : x));
    expect(judgeMainJob(plays, report(true, onlySetFact), report(false, onlySetFact), converged()).errors).toEqual([
      'read-only play "Verify the live patch is loaded and enabled" ran nothing but set_fact on any host: it was skipped',
    ]);
    const changes = (t: JsonTask[]) => t.map((x) => (x.play === 'Verify that kmem accounting is off' ? { ...x, changed: true, status: 'changed' as const } : x));
    expect(judgeMainJob(plays, report(true, changes), report(false, changes), converged()).errors).toEqual(['read-only play "Verify that kmem accounting is off" changed 1 things']);
  });

  it('an inexact dry run and a rerun that changes fail the job', () => {
    const moreInRun = (t: JsonTask[]) => [...t, task('Boot with cgroup.memory=nokmem', 'Reboot', true)];
    const v = judgeMainJob(plays, report(true), report(false, moreInRun), report(false));
    expect(v.errors).toHaveLength(2);
    expect(v.errors[0]).toMatch(/^check mode was not exact:\n {2}not predicted: node1 Boot with cgroup\.memory=nokmem \/ Reboot\n {2}predicted only: $/);
    expect(v.errors[1]).toBe(`not idempotent: the rerun changed ${changing.length} on node1`);
  });
});
