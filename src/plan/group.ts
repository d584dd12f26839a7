/**
 * A plan for review: per task, the hosts grouped by what they would do (status and
 * diff). The same change on 180 hosts is one group with its host list; hosts that
 * would do something else are their own, smaller groups: the odd ones.
 */
import { taskIdentity, type PlanFile, type PlanTask } from './model.js';

export interface PlanGroup {
  status: PlanTask['status'];
  msg?: string;
  censored?: boolean;
  diff: { path: string; unified: string }[];
  hosts: string[];
  /** Fewer hosts do this than the task's most common outcome. */
  odd: boolean;
}

export interface TaskGroups {
  play: string;
  task: string;
  loc: string;
  handler: boolean;
  item?: unknown;
  groups: PlanGroup[];
  /** Some host changes something here (tasks nobody changes are only counted). */
  changes: boolean;
}

export function groupPlan(plan: PlanFile): TaskGroups[] {
  const tasks = new Map<string, TaskGroups & { bySig: Map<string, PlanGroup> }>();
  for (const [host, h] of Object.entries(plan.hosts)) {
    for (const t of h.tasks) {
      const id = taskIdentity(t);
      let tg = tasks.get(id);
      if (!tg) {
        tg = { play: t.play, task: t.task, loc: t.loc, handler: Boolean(t.handler), item: t.item, groups: [], changes: false, bySig: new Map() };
        tasks.set(id, tg);
      }
      const diff = t.diff ?? [];
      const sig = JSON.stringify([t.status, t.censored ?? false, diff]);
      let g = tg.bySig.get(sig);
      if (!g) {
        g = { status: t.status, msg: t.msg, censored: t.censored, diff, hosts: [], odd: false };
        tg.bySig.set(sig, g);
        tg.groups.push(g);
      }
      g.hosts.push(host);
      if (t.status === 'changed') tg.changes = true;
    }
  }
  return [...tasks.values()].map(({ bySig: _bySig, ...tg }) => {
    // Biggest first; odd = done by fewer hosts than the most common outcome (all alike: none odd).
    tg.groups.sort((a, b) => b.hosts.length - a.hosts.length);
    tg.groups.forEach((g) => (g.odd = g.hosts.length < tg.groups[0].hosts.length));
    return tg;
  });
}

/** Hosts the plan could not be made for (unreachable, failed): they cannot be applied. */
export function unplannedHosts(plan: PlanFile): { host: string; status: string; msg?: string }[] {
  return Object.entries(plan.hosts)
    .filter(([, h]) => h.status !== 'planned')
    .map(([host, h]) => ({ host, status: h.status, msg: h.msg }));
}
