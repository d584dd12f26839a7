import { describe, expect, it } from 'vitest';
import { hostDrift } from '../../../src/plan/compare.js';
import { planGuard } from '../../../src/plan/guard.js';
import type { PlanHost, PlanTask } from '../../../src/plan/model.js';
import { parseAge } from '../../../src/cli/apply-command.js';
import { renderDiff } from '../../../src/report/diff.js';

const loc = `${process.cwd()}/site.yaml:3`;
const task = (over: Partial<PlanTask> = {}): PlanTask => ({
  play: 'p',
  task: 'daemon.json',
  loc,
  module: 'template',
  status: 'changed',
  basis: { 'file /etc/docker/daemon.json': 'file 0644 root:root size 3 sha256:aa' },
  diff: [{ path: '/etc/docker/daemon.json', unified: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n' }],
  ...over,
});
const host = (...tasks: PlanTask[]): PlanHost => ({ status: 'planned', tasks });

describe('hostDrift', () => {
  it('is empty for the same plan from the same remote state', () => {
    expect(hostDrift(host(task()), host(task()))).toEqual([]);
  });

  it('names the file whose state moved, even when status and diff stay the same', () => {
    const now = task({ basis: { 'file /etc/docker/daemon.json': 'file 0644 root:root size 4 sha256:bb' } });
    const d = hostDrift(host(task()), host(now));
    expect(d).toHaveLength(1);
    expect(d[0]).toContain('file /etc/docker/daemon.json: file 0644 root:root size 3 sha256:aa -> file 0644 root:root size 4 sha256:bb');
  });

  it('reports a status or diff change, a task gone or added, and a host that failed to plan', () => {
    expect(hostDrift(host(task()), host(task({ status: 'ok', diff: undefined })))).toEqual(
      expect.arrayContaining([expect.stringContaining('status changed -> ok'), expect.stringContaining('diff of /etc/docker/daemon.json differs')]),
    );
    expect(hostDrift(host(task()), host(task(), task({ task: 'extra', loc: `${loc}0` })))[0]).toContain('extra');
    expect(hostDrift(host(task(), task({ task: 'gone', loc: `${loc}0` })), host(task()))[0]).toContain('no longer planned');
    expect(hostDrift(host(task()), { status: 'unreachable', msg: 'connection refused', tasks: [] })[0]).toBe('planning it again: unreachable (connection refused)');
    expect(hostDrift({ status: 'failed', msg: 'x: boom', tasks: [] }, host(task()))[0]).toBe('the saved plan has this host failed (x: boom): nothing reviewed to apply');
  });

  it("does not show a no_log task's fingerprints, only what moved", () => {
    const a = task({ censored: true, diff: undefined, basis: { 'file /etc/token': 'hmac-sha256:1' } });
    const d = hostDrift(host(a), host({ ...a, basis: { 'file /etc/token': 'hmac-sha256:2' } }));
    expect(d).toEqual([expect.stringContaining('file /etc/token changed')]);
    expect(d[0]).not.toContain('hmac');
  });
});

describe('planGuard', () => {
  const key = { host: 'n1', play: 'p', taskLoc: 'site.yaml:3', isHandler: false };
  const fileDiff = { path: '/etc/docker/daemon.json', before: 'x\n', after: 'y\n' };
  const saved = (t: PlanTask): Record<string, PlanHost> => ({ n1: host(t) });

  it('lets through the change the plan predicted, with the same diff', () => {
    const t = task({ diff: [{ path: fileDiff.path, unified: renderDiff(fileDiff, false) }] });
    expect(planGuard(saved(t))(key, { changed: true, diff: [fileDiff] })).toBeUndefined();
    expect(planGuard(saved(task({ module: 'command', diff: undefined })))(key, { changed: true })).toBeUndefined();
  });

  it('refuses a change the plan did not predict', () => {
    const g = planGuard(saved(task({ status: 'ok', diff: undefined })));
    expect(g(key, { changed: true, diff: [fileDiff] })).toMatch(/not in the saved plan \(saved: ok\).*daemon\.json/);
    expect(g({ ...key, taskLoc: 'site.yaml:9' }, { changed: true })).toContain('saved: not in the plan');
    expect(g(key, { changed: false })).toBeUndefined();
  });

  it('refuses a predicted change whose diff is not the reviewed one', () => {
    const g = planGuard(saved(task()));
    expect(g(key, { changed: true, diff: [{ ...fileDiff, after: 'z\n' }] })).toContain('differs from the saved plan');
  });
});

describe('parseAge', () => {
  it('reads s/m/h/d and plain seconds, refuses the rest', () => {
    expect(parseAge('24h')).toBe(86_400_000);
    expect(parseAge('90m')).toBe(5_400_000);
    expect(parseAge('2d')).toBe(172_800_000);
    expect(parseAge('30')).toBe(30_000);
    expect(parseAge('1w')).toBeUndefined();
  });
});
