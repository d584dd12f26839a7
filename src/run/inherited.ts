import type { IncludeTasks, RoleCall, Task, TaskCommon } from '../load/model.js';
import { withDependencies } from '../load/roles.js';

/** The role a task runs in: its variables at their precedence (run/scope.ts) and its directory (templates/, files/). */
export interface RoleScope {
  name: string;
  path: string;
  /** Its defaults over its dependencies' (and the roles that depend on it). */
  defaults: Record<string, unknown>;
  /** Its vars/ and the role entry's `vars:` over its dependencies'. */
  vars: Record<string, unknown>;
  /** Role params (keys of a `roles:` entry that are not keywords). */
  params: Record<string, unknown>;
  /**
   * The roles whose tasks include_role / import_role this one, nearest first (2.14's
   * IncludeRole.get_include_params: ansible_parent_role_names / _paths); a dependency keeps its dependent's.
   */
  parents: { name: string; path: string }[];
}

/**
 * What plays, blocks, includes and roles pass down to the tasks inside them: their TaskCommon keys,
 * merged, per host the loop variables of an include_tasks loop they run inside, and the role.
 */
export type Inherited = Omit<TaskCommon, 'name' | 'loc'> & {
  perHost?: ReadonlyMap<string, Record<string, unknown>>;
  role?: RoleScope;
  /** include_role's `vars:` (Ansible's include params: above set_fact, below -e). */
  includeParams?: Record<string, unknown>;
  /**
   * Running as a handler (a notified task, or a task of a notified include_tasks): results and
   * progress say so, and tags, --start-at-task and --step do not select it.
   */
  handler?: boolean;
  /**
   * Where a failure here goes, as 2.14's play iterator reads it (is_failed): to a rescue (a block
   * around it, at any depth, has one) or to its own block's always (only the nearest block's: a
   * failure inside a nested block without one fails the host). Such a failure is not fatal under
   * any_errors_fatal.
   */
  rescueAbove?: boolean;
  alwaysHere?: boolean;
};

/** The block-level variables a task sees on one host: blocks' and includes' vars, then its include loop's item. */
export function blockVarsOf(inh: Inherited, host: string): Record<string, unknown> {
  const own = inh.perHost?.get(host);
  return own ? { ...inh.vars, ...own } : inh.vars;
}

export const ROOT: Inherited = { when: [], tags: [], vars: {}, environment: [] };

/** The inner node's own value wins; `when`, `tags` and `vars` add up, `environment` entries apply in order (inner last). */
export function inherit(parent: Inherited, node: Omit<TaskCommon, 'name' | 'loc'>): Inherited {
  return {
    when: [...parent.when, ...node.when],
    tags: [...parent.tags, ...node.tags],
    vars: { ...parent.vars, ...node.vars },
    environment: [...parent.environment, ...node.environment],
    become: node.become ?? parent.become,
    become_user: node.become_user ?? parent.become_user,
    ignore_errors: node.ignore_errors ?? parent.ignore_errors,
    ignore_unreachable: node.ignore_unreachable ?? parent.ignore_unreachable,
    no_log: node.no_log ?? parent.no_log,
    connection: node.connection ?? parent.connection,
    remote_user: node.remote_user ?? parent.remote_user,
    notify: node.notify ?? parent.notify,
    check_mode: node.check_mode ?? parent.check_mode,
    diff: node.diff ?? parent.diff,
    run_once: node.run_once ?? parent.run_once,
    any_errors_fatal: node.any_errors_fatal ?? parent.any_errors_fatal,
    delegate_to: node.delegate_to ?? parent.delegate_to,
    delegate_facts: node.delegate_facts ?? parent.delegate_facts,
    timeout: node.timeout ?? parent.timeout,
    throttle: node.throttle || parent.throttle,
    module_defaults: [...(parent.module_defaults ?? []), ...(node.module_defaults ?? [])],
    perHost: parent.perHost,
    role: parent.role,
    includeParams: parent.includeParams,
    handler: parent.handler,
    rescueAbove: parent.rescueAbove,
  };
}

/**
 * Into the tasks of an include_tasks. Ansible's included blocks skip a parent that is not statically
 * loaded (2.14 Task/Block._get_parent_attribute), so the include's own keywords (become, tags,
 * ignore_errors, environment, no_log, check_mode, ...) act on the include only and reach its tasks
 * through `apply:` alone (task_include.py build_parent_block). Its `vars` are include params
 * (Task.get_include_params walks the parents and takes an include's vars), so they rank above
 * set_fact and the inner tasks' own vars; `apply.vars` stay block vars. An import_tasks is static:
 * `inherit` passes it all, its vars at block level.
 */
export function enterInclude(parent: Inherited, include: IncludeTasks): Inherited {
  const apply = include.apply ?? { when: [], tags: [], vars: {}, environment: [] };
  return { ...inherit(parent, apply), includeParams: { ...parent.includeParams, ...include.vars } };
}

/**
 * A task with the keywords its blocks (and imports, and the play) set and it does not:
 * Ansible's Task._get_parent_attribute. `notify` is the task's own list if it has one, else
 * the nearest block's (not added up); `environment` holds every level, outermost first.
 * when/tags/vars stay on `inh`: the runner adds them up itself.
 */
export function withInherited(task: Task, inh: Inherited): Task {
  return {
    ...task,
    environment: [...inh.environment, ...task.environment],
    notify: task.notify.length ? task.notify : (inh.notify ?? []),
    check_mode: task.check_mode ?? inh.check_mode,
    diff: task.diff ?? inh.diff,
    run_once: task.run_once ?? inh.run_once,
    delegate_to: task.delegate_to ?? inh.delegate_to,
    delegate_facts: task.delegate_facts ?? inh.delegate_facts,
    timeout: task.timeout ?? inh.timeout,
    throttle: task.throttle || inh.throttle,
    module_defaults: [...(inh.module_defaults ?? []), ...(task.module_defaults ?? [])],
  };
}

/**
 * Into a role's tasks (and its dependencies'). `roles:`, import_role and dependencies pass
 * their keywords down (`vars:` at role-vars precedence); include_role passes only `apply`'s,
 * and its `vars:` become include params, as Ansible's dynamic includes do.
 */
export function enterRole(parent: Inherited, call: RoleCall): Inherited {
  const include = call.how === 'include';
  const base = include ? (call.apply ? inherit(parent, call.apply) : { ...parent, alwaysHere: undefined }) : inherit(parent, { ...call, vars: {} });
  const up = parent.role;
  return {
    ...base,
    role: {
      name: call.role.name,
      path: call.role.path,
      defaults: { ...up?.defaults, ...withDependencies(call.role, 'defaults') },
      vars: { ...up?.vars, ...withDependencies(call.role, 'vars'), ...(include ? {} : call.vars) },
      params: { ...up?.params, ...call.params },
      parents: up && (call.how === 'include' || call.how === 'import') ? [{ name: up.name, path: up.path }, ...up.parents] : (up?.parents ?? []),
    },
    includeParams: include ? { ...parent.includeParams, ...call.vars } : parent.includeParams,
  };
}
