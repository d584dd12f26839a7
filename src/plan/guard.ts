/**
 * The last lock during apply: a host whose re-plan matched its saved plan is
 * changed for real, and every change is checked against the saved plan just before
 * it is carried out. A change the plan did not predict (or with another diff than
 * the one reviewed: the host moved between the re-plan and the write) is refused.
 */
import type { Plan } from '../modules/types.js';
import { renderDiff } from '../report/diff.js';
import type { TaskKey } from '../run/options.js';
import { HIDDEN_ITEM } from '../report/result-lines.js';
import { absoluteLoc, taskIdentity, type PlanHost, type PlanTask } from './model.js';

export function planGuard(hosts: Record<string, PlanHost>): (key: TaskKey, plan: Plan) => string | undefined {
  const byHost = new Map<string, Map<string, PlanTask[]>>();
  for (const [name, h] of Object.entries(hosts)) {
    const m = new Map<string, PlanTask[]>();
    for (const t of h.tasks) {
      const id = taskIdentity(t);
      m.set(id, [...(m.get(id) ?? []), t]);
    }
    byHost.set(name, m);
  }
  return (key, plan) => {
    if (!plan.changed) return undefined;
    const tasks = byHost.get(key.host);
    // A censored task's item is saved hidden; match it the same way.
    const candidates = [key.item, HIDDEN_ITEM].flatMap((item) => tasks?.get(taskIdentity({ play: key.play, loc: absoluteLoc(key.taskLoc), handler: key.isHandler || undefined, item })) ?? []);
    const planned = candidates.filter((t) => t.status === 'changed');
    if (planned.length === 0) {
      const was = candidates[0]?.status ?? 'not in the plan';
      return `refused: this change was not in the saved plan (saved: ${was})${plan.diff?.length ? `; it would change ${plan.diff.map((d) => d.path).join(', ')}` : ''}`;
    }
    if (planned.some((t) => t.censored || sameDiff(t, plan))) return undefined;
    return `refused: the change differs from the saved plan (diff of ${(plan.diff ?? []).map((d) => d.path).join(', ') || 'nothing'})`;
  };
}

function sameDiff(t: PlanTask, plan: Plan): boolean {
  const now = (plan.diff ?? []).map((d) => ({ path: d.path, unified: renderDiff(d, false) })).filter((d) => d.unified);
  return JSON.stringify(now) === JSON.stringify(t.diff ?? []);
}
