import type { RoleCall, TaskCommon } from '../load/model.js';
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
}

/** What blocks, includes and roles pass down to the tasks inside them: their TaskCommon keys, merged. */
export type Inherited = Omit<TaskCommon, 'name' | 'loc'> & {
  role?: RoleScope;
  /** include_role's `vars:` (Ansible's include params: above set_fact, below -e). */
  includeParams?: Record<string, unknown>;
};

export const ROOT: Inherited = { when: [], tags: [], vars: {} };

export function inherit(parent: Inherited, node: TaskCommon): Inherited {
  return {
    when: [...parent.when, ...node.when],
    tags: [...parent.tags, ...node.tags],
    vars: { ...parent.vars, ...node.vars },
    become: node.become ?? parent.become,
    become_user: node.become_user ?? parent.become_user,
    ignore_errors: node.ignore_errors ?? parent.ignore_errors,
    no_log: node.no_log ?? parent.no_log,
    connection: node.connection ?? parent.connection,
    role: parent.role,
    includeParams: parent.includeParams,
  };
}

/**
 * Into a role's tasks (and its dependencies'). `roles:`, import_role and dependencies pass
 * their keywords down (`vars:` at role-vars precedence); include_role passes only `apply`'s,
 * and its `vars:` become include params, as Ansible's dynamic includes do.
 */
export function enterRole(parent: Inherited, call: RoleCall): Inherited {
  const include = call.how === 'include';
  const base = include ? (call.apply ? inherit(parent, { ...call.apply, loc: call.loc }) : { ...parent }) : inherit(parent, { ...call, vars: {} });
  const up = parent.role;
  return {
    ...base,
    role: {
      name: call.role.name,
      path: call.role.path,
      defaults: { ...up?.defaults, ...withDependencies(call.role, 'defaults') },
      vars: { ...up?.vars, ...withDependencies(call.role, 'vars'), ...(include ? {} : call.vars) },
      params: { ...up?.params, ...call.params },
    },
    includeParams: include ? { ...parent.includeParams, ...call.vars } : parent.includeParams,
  };
}
