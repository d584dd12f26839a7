/**
 * A task's title, as the report, --json, JUnit, saved plans and ansible_failed_task show it.
 *
 * Ansible 2.14's linear strategy templates the name once per task, for its TASK banner, with the
 * variables of the first host that runs it (play/block/task vars, facts, registered results) and
 * `fail_on_undefined=False`: a name that reads anything undefined (a loop's `item`, which is not set
 * yet) stays as written, whole. nodemend does the same, once per task, and uses that one title
 * everywhere. It is stricter where a title could carry a secret: a no_log task's name is never
 * templated, and neither is a name that reads a variable a no_log task set (README, "Deliberate
 * differences").
 */
import type { Task } from '../load/model.js';
import { findModule } from '../modules/registry.js';
import { hasTemplate, renderDeep } from '../load/expr/index.js';
import { toText } from '../load/expr/values.js';
import type { HostRun } from './host-run.js';
import { buildScope, withFacts, type ScopeParts } from './scope.js';
import { blockVarsOf, type Inherited } from './inherited.js';

/** The untemplated title: the name, else the module and its first argument's first line, unless no_log (argument values may be secrets). */
export function taskDisplayName(task: Task, noLog: boolean): string {
  // A role's task is titled `ROLE : NAME`, as Ansible's Task.get_name().
  const role = task.role ? `${task.role} : ` : '';
  if (task.name) return role + task.name;
  if (noLog) return role + task.module;
  const [key, first] = Object.entries(task.args)[0] ?? [];
  // An argument Ansible marks no_log (user's password) never becomes a title.
  const shown = typeof first === 'string' && !findModule(task.module)?.secretArgs?.includes(key) ? first.trim().split('\n')[0].trimEnd() : '';
  return `${role}${task.module}${shown ? ` ${shown}` : ''}`.slice(0, 80);
}

/** Whether the task may be no_log here (a templated no_log counts: its value is not known before a host runs it). */
export const mayBeNoLog = (task: Task, inh: Inherited): boolean => (task.no_log ?? inh.no_log ?? false) !== false;

/** The title of a task for one run of it: its name templated with `host`'s variables where that is safe, else as written. */
export async function taskTitle(task: Task, inh: Inherited, host: HostRun | undefined, base: Omit<ScopeParts, 'host' | 'blockVars' | 'taskVars' | 'role' | 'includeParams'>): Promise<string> {
  const noLog = mayBeNoLog(task, inh);
  const raw = taskDisplayName(task, noLog);
  if (!host || noLog || !task.name || !hasTemplate(task.name)) return raw;
  const scope = buildScope({ ...base, host, blockVars: blockVarsOf(inh, host.name), taskVars: task.vars, role: inh.role, includeParams: inh.includeParams });
  // Values set by no_log tasks read as undefined here, directly or through another variable.
  for (const k of [...host.noLogVars.keys(), ...host.noLogIncludedVars.keys()]) delete scope[k];
  try {
    const text = toText(await withFacts(host.facts, () => renderDeep(task.name, scope, task.loc)));
    return (task.role ? `${task.role} : ` : '') + text;
  } catch {
    return raw; // undefined or failing: the name as written, as Ansible's banner
  }
}
