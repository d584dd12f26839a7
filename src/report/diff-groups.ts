/**
 * --diff on many hosts: the same change on 180 hosts is printed once, with its host
 * list, and the hosts whose change differs stand out as their own groups.
 */
import type { TaskResult } from '../run/events.js';
import type { Colors } from './colors.js';
import { paintDiffLine, renderDiff } from './diff.js';
import { hostsLabel } from './host-ranges.js';

/** Groups of equal diffs among a task's changed results, biggest first; ties keep host order. */
export function groupResultDiffs(results: readonly TaskResult[]): { text: string; hosts: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const r of results) {
    if (r.status !== 'changed') continue;
    // The executor drops no_log diffs already; this is the second lock on that door.
    const text = r.censored ? '  (diff hidden: no_log)\n' : (r.diff ?? []).map((d) => renderDiff(d, false)).join('');
    if (!text) continue;
    const key = `${r.item === undefined || r.censored ? '' : JSON.stringify(r.item)}\0${text}`;
    groups.set(key, [...(groups.get(key) ?? []), r.host]);
  }
  return [...groups.entries()].map(([key, hosts]) => ({ text: key.slice(key.indexOf('\0') + 1), hosts })).sort((a, b) => b.hosts.length - a.hosts.length);
}

/** The grouped diffs as log lines: each diff once, then "(N hosts: node1..node5, ...)". */
export function groupedDiffLines(results: readonly TaskResult[], c: Colors): string[] {
  const groups = groupResultDiffs(results);
  const most = groups[0]?.hosts.length ?? 0;
  return groups.flatMap((g) => [
    ...g.text
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => paintDiffLine(l, c)),
    `  ${g.hosts.length < most ? c.yellow(`${hostsLabel(g.hosts)} differs from the most common change`) : hostsLabel(g.hosts)}`,
  ]);
}
