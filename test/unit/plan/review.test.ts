import { describe, expect, it } from 'vitest';
import { groupPlan } from '../../../src/plan/group.js';
import { renderPlanHtml } from '../../../src/plan/html.js';
import { renderPlanText } from '../../../src/plan/show.js';
import type { PlanFile, PlanTask } from '../../../src/plan/model.js';

const t = (unified: string | undefined, over: Partial<PlanTask> = {}): PlanTask => ({
  play: 'p',
  task: 'limits',
  loc: '/w/site.yaml:3',
  module: 'copy',
  status: unified ? 'changed' : 'ok',
  basis: {},
  ...(unified ? { diff: [{ path: '/etc/limits.conf', unified }] } : {}),
  ...over,
});
const A = '--- /etc/limits.conf\tbefore\n+++ /etc/limits.conf\tafter\n@@ -1 +1 @@\n-a\n+b\n';
const EVIL = '--- /etc/x\tbefore\n+++ /etc/x\tafter\n@@ -1 +1 @@\n-<script>alert(1)</script>\n+b\n';

function plan(tasks: Record<string, PlanTask[]>): PlanFile {
  return {
    format: 'nodemend-plan',
    version: 1,
    created_at: '2026-12-05T20:00:00.000Z',
    nodemend: '0.1.0',
    playbook: '/w/site.yaml',
    inventory: '/w/inv.yaml',
    tags: [],
    skip_tags: [],
    forks: 50,
    key_id: 'k',
    extra_vars: 'x',
    inputs: [],
    summary: { hosts: 0, hosts_changing: 0, tasks_changing: 0, restarts: 0, reboots: 0, drains: 0 },
    hosts: Object.fromEntries(Object.entries(tasks).map(([h, ts]) => [h, { status: 'planned' as const, tasks: ts }])),
    mac: 'm',
  };
}

describe('groupPlan', () => {
  it('one group per distinct outcome, biggest first; smaller ones are odd', () => {
    const p = plan({ n1: [t(A)], n2: [t(A)], n3: [t(undefined)], n4: [t(A)] });
    const [task] = groupPlan(p);
    expect(task.groups.map((g) => [g.status, g.hosts, g.odd])).toEqual([
      ['changed', ['n1', 'n2', 'n4'], false],
      ['ok', ['n3'], true],
    ]);
  });

  it('hosts that each do their own thing are not odd', () => {
    const [task] = groupPlan(plan({ n1: [t(A)], n2: [t(A.replace('+b', '+c'))] }));
    expect(task.groups.map((g) => g.odd)).toEqual([false, false]);
  });
});

describe('renderers', () => {
  it('HTML escapes what hosts said and loads nothing from outside', () => {
    const html = renderPlanHtml(plan({ n1: [t(EVIL)] }));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain("default-src 'none'");
  });

  it('text lists tasks that change something, and counts the rest', () => {
    const text = renderPlanText(plan({ n1: [t(A), t(undefined, { task: 'quiet', loc: '/w/site.yaml:9' })], n2: [t(A), t(undefined, { task: 'quiet', loc: '/w/site.yaml:9' })] }), false);
    expect(text).toContain('TASK [limits]');
    expect(text).toContain('(2 hosts: n1, n2)');
    expect(text).not.toContain('TASK [quiet]');
    expect(text).toContain('1 more task changes nothing on any host');
  });
});

describe('summarize', () => {
  it('counts hosts, changes, restarts, reboots and drains from what the changed tasks do', async () => {
    const { summarize } = await import('../../../src/plan/build.js');
    const c = (over: Partial<PlanTask>): PlanTask => ({ play: 'p', task: 'x', loc: 'l', module: 'command', status: 'changed', basis: {}, ...over });
    const s = summarize({
      n1: {
        status: 'planned',
        tasks: [
          c({ task: 'kubectl drain n1', msg: 'would run: kubectl drain n1 --ignore-daemonsets' }),
          c({ task: 'restart docker', module: 'service', msg: 'would restart docker' }),
          c({ task: 'reboot', module: 'reboot', msg: 'would reboot' }),
          c({ task: 'kubectl uncordon n1', msg: 'would run: kubectl uncordon n1' }),
          c({ task: 'restart docker', module: 'service', status: 'ok', msg: 'docker is already running' }),
        ],
      },
      n2: { status: 'planned', tasks: [c({ task: 'restart app', status: 'ok' })] },
    });
    expect(s).toEqual({ hosts: 2, hosts_changing: 1, tasks_changing: 4, restarts: 1, reboots: 1, drains: 1 });
  });
});
