import type { TaskCommon } from '../load/model.js';

/** What blocks and includes pass down to the tasks inside them: their TaskCommon keys, merged. */
export type Inherited = Omit<TaskCommon, 'name' | 'loc'>;

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
  };
}
