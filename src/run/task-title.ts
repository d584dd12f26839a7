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
import type { IncludeTasks, RoleCall, Task, TaskCommon } from '../load/model.js';
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
export const mayBeNoLog = (task: TaskCommon, inh: Inherited): boolean => (task.no_log ?? inh.no_log ?? false) !== false;

/** The title of a task for one run of it: its name templated with `host`'s variables where that is safe, else as written. */
export async function taskTitle(task: Task, inh: Inherited, host: HostRun | undefined, base: TitleBase): Promise<string> {
  const noLog = mayBeNoLog(task, inh);
  const raw = taskDisplayName(task, noLog);
  if (!task.name || noLog) return raw;
  return (task.role ? `${task.role} : ` : '') + (await templatedName(task.name, task, inh, host, base));
}

/**
 * The banner of an include (include_tasks, include_role), as Ansible's TaskInclude/IncludeRole
 * get_name(): its name templated like a task's, else the keyword as written (`include_tasks`)
 * or `include_role : ROLE`; a no_log include's name stays as written.
 */
export async function includeTitle(node: IncludeTasks | RoleCall, inh: Inherited, host: HostRun | undefined, base: TitleBase): Promise<string> {
  const name = node.name ?? (node.kind === 'include' ? (node.keyword ?? 'include_tasks') : node.role.name);
  if (!node.name || mayBeNoLog(node, inh)) return name;
  return templatedName(name, node, inh, host, base);
}

type TitleBase = Omit<ScopeParts, 'host' | 'blockVars' | 'taskVars' | 'role' | 'includeParams'>;

/** `name` templated once with `host`'s variables (values set by no_log tasks read as undefined); as written when anything is undefined. */
async function templatedName(name: string, node: TaskCommon, inh: Inherited, host: HostRun | undefined, base: TitleBase): Promise<string> {
  if (!host || !hasTemplate(name)) return name;
  const scope = buildScope({ ...base, host, blockVars: blockVarsOf(inh, host.name), taskVars: node.vars, role: inh.role, includeParams: inh.includeParams });
  for (const k of [...host.noLogVars.keys(), ...host.noLogIncludedVars.keys()]) delete scope[k];
  try {
    return toText(await withFacts(host.facts, () => renderDeep(name, scope, node.loc), scope));
  } catch {
    return name; // undefined or failing: the name as written, as Ansible's banner
  }
}
