/** `nodemend plan show FILE`: the plan as text for review in a terminal. */
import { colors } from '../report/colors.js';
import { paintDiffLine } from '../report/diff.js';
import { hostsLabel } from '../report/host-ranges.js';
import { groupPlan, unplannedHosts } from './group.js';
import type { PlanFile } from './model.js';

export function summaryLine(plan: PlanFile): string {
  const s = plan.summary;
  return `${s.hosts} hosts, ${s.hosts_changing} changing; ${s.tasks_changing} changes; ${s.restarts} restarts, ${s.reboots} reboots, ${s.drains} drains`;
}

export function renderPlanText(plan: PlanFile, color: boolean): string {
  const c = colors(color);
  const out: string[] = [
    `PLAN ${plan.playbook}`,
    `  made ${plan.created_at} with inventory ${plan.inventory}${plan.limit ? `, --limit ${plan.limit}` : ''}${plan.tags.length ? `, --tags ${plan.tags.join(',')}` : ''}`,
    `  ${summaryLine(plan)}`,
  ];
  for (const u of unplannedHosts(plan)) out.push(c.red(`  ${u.host}: ${u.status}${u.msg ? `: ${u.msg}` : ''} (cannot be applied)`));
  const groups = groupPlan(plan);
  const quiet = groups.filter((t) => !t.changes && t.groups.length === 1).length;
  for (const t of groups) {
    if (!t.changes && t.groups.length === 1) continue;
    const item = t.item !== undefined ? ` (item=${typeof t.item === 'string' ? t.item : JSON.stringify(t.item)})` : '';
    out.push('', c.bold(`${t.handler ? 'HANDLER' : 'TASK'} [${t.task}]${item}  ${c.dim(t.loc)}`));
    for (const g of t.groups) {
      const label = `${g.status === 'changed' ? c.yellow('changed') : g.status}${g.msg ? `: ${g.msg}` : ''} ${hostsLabel(g.hosts)}`;
      out.push(`  ${g.odd ? `${c.red('odd')} ` : ''}${label}`);
      if (g.censored && g.status === 'changed') out.push('    (diff hidden: no_log)');
      for (const d of g.diff)
        out.push(
          ...d.unified
            .replace(/\n$/, '')
            .split('\n')
            .map((l) => `    ${paintDiffLine(l, c)}`),
        );
    }
  }
  if (quiet) out.push('', c.dim(quiet === 1 ? '1 more task changes nothing on any host' : `${quiet} more tasks change nothing on any host`));
  return `${out.join('\n')}\n`;
}
