/**
 * The SSH login user a task runs as (ansible-core 2.14: PlayContext.set_task_and_variable_override
 * takes the `remote_user` keyword, task > block > role > play, then lets a variable `ansible_user`
 * outrank it; the ssh plugin logs in as the result, or as the local user when neither is set).
 * nodemend's inventory `user:` is that variable: set, it wins; unset, the keyword chooses, rendered
 * with the task's variables. `connection: local` hosts log in as no one.
 */
import { renderDeep } from '../load/expr/index.js';
import { toText } from '../load/expr/values.js';
import type { InventoryHost, Loc } from '../load/model.js';

export function loginUser(target: InventoryHost, keyword: string | undefined, scope: Record<string, unknown>, loc: Loc): string {
  if (keyword === undefined || target.connection.local || !target.defaultUser) return target.connection.user;
  const user = toText(renderDeep(keyword, scope, loc)).trim();
  return user || target.connection.user;
}
