/**
 * Drift: how a fresh plan of a host differs from its saved one. Any difference
 * refuses the host (it was not what was reviewed); each one names the task and,
 * where there is one, the file or package that moved.
 */
import { basisDelta } from './basis.js';
import { taskIdentity, type PlanHost, type PlanTask } from './model.js';

const label = (t: PlanTask): string => `${t.task}${t.item !== undefined ? ` (item=${JSON.stringify(t.item)})` : ''} [${t.loc}]`;

/** Empty when the host would do exactly what was saved, from the same remote state. */
export function hostDrift(saved: PlanHost, now: PlanHost): string[] {
  if (saved.status !== 'planned') return [`the saved plan has this host ${saved.status}${saved.msg ? ` (${saved.msg})` : ''}: nothing reviewed to apply`];
  if (now.status !== 'planned') return [`planning it again: ${now.status}${now.msg ? ` (${now.msg})` : ''}`];
  const out: string[] = [];
  const n = Math.max(saved.tasks.length, now.tasks.length);
  for (let i = 0; i < n; i++) {
    const [a, b] = [saved.tasks[i], now.tasks[i]];
    if (!a) return [...out, `${label(b)}: not in the saved plan (status now ${b.status})`];
    if (!b) return [...out, `${label(a)}: in the saved plan (${a.status}) but no longer planned`];
    if (taskIdentity(a) !== taskIdentity(b)) return [...out, `tasks differ from here on: saved ${label(a)}, now ${label(b)}`];
    out.push(...taskDrift(a, b));
  }
  return out;
}

function taskDrift(a: PlanTask, b: PlanTask): string[] {
  const out: string[] = [];
  const moved = basisDelta(a.basis, b.basis);
  const what = (m: (typeof moved)[number]): string => (a.censored ? `${m.what} changed` : `${m.what}: ${m.saved ?? '(not read)'} -> ${m.now ?? '(not read)'}`);
  if (a.status !== b.status) out.push(`${label(a)}: status ${a.status} -> ${b.status}`);
  const diffs = (t: PlanTask): Map<string, string> => new Map((t.diff ?? []).map((d) => [d.path, d.unified]));
  const [da, db] = [diffs(a), diffs(b)];
  for (const path of new Set([...da.keys(), ...db.keys()])) {
    if (da.get(path) !== db.get(path)) out.push(`${label(a)}: diff of ${path} differs from the saved plan`);
  }
  if (!a.censored && a.msg !== b.msg && a.status !== b.status) out.push(`${label(a)}: "${a.msg ?? ''}" -> "${b.msg ?? ''}"`);
  for (const m of moved) out.push(`${label(a)}: ${what(m)}`);
  return out;
}
