import type { Task, TaskCommon } from '../load/model.js';

/**
 * What plays, blocks and includes pass down to the tasks inside them: their TaskCommon keys,
 * merged, and per host the loop variables of an include_tasks loop they run inside.
 */
export type Inherited = Omit<TaskCommon, 'name' | 'loc'> & { perHost?: ReadonlyMap<string, Record<string, unknown>> };

/** The block-level variables a task sees on one host: blocks' and includes' vars, then its include loop's item. */
export function blockVarsOf(inh: Inherited, host: string): Record<string, unknown> {
  const own = inh.perHost?.get(host);
  return own ? { ...inh.vars, ...own } : inh.vars;
}

export const ROOT: Inherited = { when: [], tags: [], vars: {}, environment: [] };

/** The inner node's own value wins; `when`, `tags` and `vars` add up, `environment` entries apply in order (inner last). */
export function inherit(parent: Inherited, node: Inherited): Inherited {
  return {
    when: [...parent.when, ...node.when],
    tags: [...parent.tags, ...node.tags],
    vars: { ...parent.vars, ...node.vars },
    environment: [...parent.environment, ...node.environment],
    become: node.become ?? parent.become,
    become_user: node.become_user ?? parent.become_user,
    ignore_errors: node.ignore_errors ?? parent.ignore_errors,
    no_log: node.no_log ?? parent.no_log,
    connection: node.connection ?? parent.connection,
    notify: node.notify ?? parent.notify,
    check_mode: node.check_mode ?? parent.check_mode,
    run_once: node.run_once ?? parent.run_once,
    delegate_to: node.delegate_to ?? parent.delegate_to,
    timeout: node.timeout ?? parent.timeout,
    perHost: parent.perHost,
  };
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
    run_once: task.run_once ?? inh.run_once,
    delegate_to: task.delegate_to ?? inh.delegate_to,
    timeout: task.timeout ?? inh.timeout,
  };
}
