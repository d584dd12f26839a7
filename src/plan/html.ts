/**
 * `plan show --html FILE`: one self-contained page for a change ticket. No script,
 * no network, no external asset: styles are inline, every value is escaped (a diff
 * shows what a host's file holds, which is data, never markup).
 */
import { compactHosts } from '../report/host-ranges.js';
import { groupPlan, unplannedHosts, type PlanGroup } from './group.js';
import type { PlanFile } from './model.js';

/** Colors the screenshot test looks for (test/fleet/plans-html.test.ts): keep them in step. */
export const HTML_COLORS = { added: '#c3f7c8', removed: '#ffc9c9', odd: '#d1242f' } as const;

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #59636e; margin-bottom: 16px; }
table.summary { border-collapse: collapse; margin-bottom: 20px; }
table.summary td, table.summary th { border: 1px solid #d1d9e0; padding: 4px 12px; text-align: right; }
table.summary th { background: #f6f8fa; }
section.task { border: 1px solid #d1d9e0; border-radius: 6px; margin: 12px 0; padding: 8px 12px; }
section.task h2 { font-size: 15px; margin: 0 0 6px; }
.loc { color: #59636e; font-weight: normal; font-size: 12px; }
.group { margin: 6px 0 10px; padding-left: 8px; border-left: 4px solid #d1d9e0; }
.group.odd { border-left-color: ${HTML_COLORS.odd}; }
.badge { display: inline-block; font-size: 12px; font-weight: bold; padding: 0 6px; border-radius: 10px; color: #fff; background: ${HTML_COLORS.odd}; }
.hosts { font-family: ui-monospace, monospace; }
pre.diff { margin: 4px 0; padding: 0; font: 13px/1.35 ui-monospace, monospace; background: #f6f8fa; overflow-x: auto; }
pre.diff span { display: block; padding: 0 6px; white-space: pre; }
pre.diff .add { background: ${HTML_COLORS.added}; }
pre.diff .del { background: ${HTML_COLORS.removed}; }
pre.diff .hunk { color: #0550ae; }
pre.diff .file { font-weight: bold; }
.unplanned { color: ${HTML_COLORS.odd}; }
`;

function diffHtml(unified: string): string {
  const lines = unified.replace(/\n$/, '').split('\n');
  const cls = (l: string): string => (l.startsWith('--- ') || l.startsWith('+++ ') ? 'file' : l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : 'ctx');
  return `<pre class="diff">${lines.map((l) => `<span class="${cls(l)}">${esc(l) || ' '}</span>`).join('')}</pre>`;
}

function groupHtml(g: PlanGroup): string {
  const n = g.hosts.length;
  const head = `${g.odd ? '<span class="badge">odd</span> ' : ''}<b>${esc(g.status)}</b>${g.msg ? `: ${esc(g.msg)}` : ''} <span class="hosts">(${n} host${n === 1 ? '' : 's'}: ${esc(compactHosts(g.hosts))})</span>`;
  const body = g.censored && g.status === 'changed' ? '<div>(diff hidden: no_log)</div>' : g.diff.map((d) => diffHtml(d.unified)).join('');
  return `<div class="group${g.odd ? ' odd' : ''}" data-hosts="${esc(g.hosts.join(' '))}">${head}${body}</div>`;
}

export function renderPlanHtml(plan: PlanFile): string {
  const s = plan.summary;
  const tasks = groupPlan(plan).filter((t) => t.changes || t.groups.length > 1);
  const unplanned = unplannedHosts(plan);
  const sections = tasks.map((t) => {
    const item = t.item !== undefined ? ` (item=${esc(typeof t.item === 'string' ? t.item : JSON.stringify(t.item))})` : '';
    return `<section class="task"><h2>${t.handler ? 'HANDLER' : 'TASK'} [${esc(t.task)}]${item} <span class="loc">${esc(t.loc)}</span></h2>${t.groups.map(groupHtml).join('')}</section>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>nodemend plan: ${esc(plan.playbook)}</title>
<style>${STYLE}</style></head>
<body>
<h1>nodemend plan: ${esc(plan.playbook)}</h1>
<div class="meta">made ${esc(plan.created_at)} · inventory ${esc(plan.inventory)}${plan.limit ? ` · --limit ${esc(plan.limit)}` : ''} · plan format v${plan.version}</div>
<table class="summary"><tr><th>hosts</th><th>hosts changing</th><th>tasks to change</th><th>restarts</th><th>reboots</th><th>drains</th></tr>
<tr><td>${s.hosts}</td><td>${s.hosts_changing}</td><td>${s.tasks_changing}</td><td>${s.restarts}</td><td>${s.reboots}</td><td>${s.drains}</td></tr></table>
${unplanned.map((u) => `<p class="unplanned">${esc(u.host)}: ${esc(u.status)}${u.msg ? `: ${esc(u.msg)}` : ''} (cannot be applied)</p>`).join('\n')}
${sections.join('\n')}
${tasks.length === 0 ? '<p>Nothing to change on any host.</p>' : ''}
</body></html>
`;
}
