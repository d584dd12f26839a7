/**
 * Which handlers a `notify:` name reaches, as in Ansible 2.14: a handler task by its name or a
 * `listen:` topic (a role's handler also as `ROLE : NAME`); an include_tasks handler the same
 * way (notifying it runs all its tasks); a block or an import_tasks in `handlers:` only groups
 * handlers (the tasks inside are notified one by one, the group itself cannot be).
 */
import type { IncludeTasks, RoleCall, Task, TaskNode } from './model.js';

export type Notifiable = Task | IncludeTasks;

/** The names that notify `h`. */
export function notifyNames(h: Notifiable, role?: string): string[] {
  return [...ownNames(h, role), ...(h.listen ?? [])];
}

/** The names `h` answers to by its own name (not its `listen:` topics). */
export function ownNames(h: Notifiable, role?: string): string[] {
  return h.name ? [h.name, ...(role ? [`${role} : ${h.name}`] : [])] : [];
}

/**
 * The handler block (2.14's play.handlers entries) each handler is in: consecutive handlers of a
 * list (import_tasks' ones with them) form one implicit block, an explicit `block:` is its own, and
 * so is each role's list. A notified name reaches one handler by name: 2.14's
 * search_handler_blocks_by_name takes the last block that has one, and in it the first.
 */
export function handlerBlocks(nodes: TaskNode[]): Map<Notifiable, number> {
  const ids = new Map<Notifiable, number>();
  let next = 0;
  const walk = (list: TaskNode[], group?: number): void => {
    let current = group;
    for (const n of list) {
      if (n.kind === 'task' || (n.kind === 'include' && n.dynamic)) ids.set(n, (current ??= next++));
      else if (n.kind === 'include') walk(n.tasks, (current ??= next++));
      else {
        walk(n.kind === 'block' ? [...n.block, ...n.rescue, ...n.always] : n.role.handlers, n.kind === 'block' ? next++ : undefined);
        if (group === undefined) current = undefined; // bare handlers after it start another implicit block
      }
    }
  };
  walk(nodes);
  return ids;
}

/**
 * Each notifiable handler in definition order, with the blocks and role around it (a
 * RoleCall in `handlers:` stands for that role's handlers).
 */
export function* notifiables(nodes: TaskNode[], parents: (TaskNode | RoleCall)[] = [], role?: string): Generator<{ handler: Notifiable; parents: (TaskNode | RoleCall)[]; role?: string }> {
  for (const n of nodes) {
    if (n.kind === 'task' || (n.kind === 'include' && n.dynamic)) yield { handler: n, parents, role };
    else if (n.kind === 'include') yield* notifiables(n.tasks, [...parents, n], role);
    else if (n.kind === 'block') yield* notifiables([...n.block, ...n.rescue, ...n.always], [...parents, n], role);
    else yield* notifiables(n.role.handlers, [...parents, n], n.role.name);
  }
}

/** Every name some handler answers to. */
export function handlerNamesIn(nodes: TaskNode[]): string[] {
  return [...new Set([...notifiables(nodes)].flatMap((x) => notifyNames(x.handler, x.role)))];
}
