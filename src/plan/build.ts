/**
 * A planning run's results → the plan file's hosts, tasks and summary. Everything
 * here comes from TaskResults, which the runner has already censored for no_log
 * tasks; what a censored task read (its basis) is replaced by keyed digests.
 */
import type { RunResult, TaskResult } from '../run/events.js';
import { renderDiff } from '../report/diff.js';
import { HIDDEN_ITEM } from '../report/result-lines.js';
import type { PlanKey } from './keyed-digest.js';
import { absoluteLoc, type PlanHost, type PlanSummary, type PlanTask } from './model.js';

export function planTask(r: TaskResult, key: PlanKey): PlanTask {
  const t: PlanTask = { play: r.play, task: r.task, loc: absoluteLoc(r.taskLoc), module: r.module, status: r.status, basis: {} };
  if (r.isHandler) t.handler = true;
  if (r.item !== undefined) t.item = r.censored ? HIDDEN_ITEM : r.item;
  if (r.censored) {
    t.censored = true;
    for (const [what, fp] of Object.entries(r.basis ?? {})) t.basis[what] = key.digest(`${what}\0${fp}`);
    return t;
  }
  if (r.msg !== undefined) t.msg = r.msg;
  const diff = (r.diff ?? []).map((d) => ({ path: d.path, unified: renderDiff(d, false) })).filter((d) => d.unified);
  if (diff.length) t.diff = diff;
  t.basis = { ...r.basis };
  return t;
}

export function planHosts(result: RunResult, key: PlanKey): Record<string, PlanHost> {
  const hosts = new Map<string, PlanHost>();
  for (const name of Object.keys(result.recap)) {
    const status = result.unreachableHosts.includes(name) ? 'unreachable' : result.failedHosts.includes(name) ? 'failed' : 'planned';
    hosts.set(name, { status, tasks: [] });
  }
  for (const r of result.results) {
    const h = hosts.get(r.host) ?? hosts.set(r.host, { status: 'planned', tasks: [] }).get(r.host)!;
    h.tasks.push(planTask(r, key));
    if ((r.status === 'failed' && !r.ignored) || r.status === 'unreachable') h.msg ??= `${r.task}: ${r.msg ?? r.status}`;
  }
  return Object.fromEntries(hosts);
}

/** What a window operator counts before saying yes: hosts touched, changes, restarts, reboots, drains. */
export function summarize(hosts: Record<string, PlanHost>): PlanSummary {
  const s: PlanSummary = { hosts: 0, hosts_changing: 0, tasks_changing: 0, restarts: 0, reboots: 0, drains: 0 };
  for (const h of Object.values(hosts)) {
    s.hosts++;
    const changing = h.tasks.filter((t) => t.status === 'changed');
    if (changing.length) s.hosts_changing++;
    s.tasks_changing += changing.length;
    for (const t of changing) {
      // Drains are kubectl steps run for the node (playbooks/tasks/k8s-node.yaml): known by what they run.
      const said = `${t.task} ${t.msg ?? ''}`;
      if (/\bdrain\b/i.test(said) && !/\buncordon\b/i.test(said)) s.drains++;
      else if (t.module === 'reboot' || /\breboot\b/i.test(t.task)) s.reboots++;
      else if (/\brestart(ed)?\b|\breload(ed)?\b/i.test(t.module === 'service' || t.module === 'systemd' ? said : t.task)) s.restarts++;
    }
  }
  return s;
}
