import type { Loaded } from '../load/load.js';
import type { TaskNode } from '../load/model.js';
import { tagsSelect } from '../run/tags.js';

/** `--list-hosts`, in ansible-playbook's layout. */
export function listHosts(loaded: Loaded): string {
  let out = `\nplaybook: ${loaded.playbook.file}\n`;
  loaded.playbook.plays.forEach((play, i) => {
    const hosts = loaded.hostsByPlay[i] ?? [];
    out += `\n  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]\n`;
    out += `    pattern: ['${play.hosts}']\n    hosts (${hosts.length}):\n`;
    for (const h of hosts) out += `      ${h}\n`;
  });
  return out;
}

/** `--list-tasks`: the tasks that the tag selection would run, with their tags. */
export function listTasks(loaded: Loaded, only: string[], skip: string[]): string {
  let out = `\nplaybook: ${loaded.playbook.file}\n`;
  const walk = (nodes: TaskNode[], inherited: string[], indent: string): void => {
    for (const n of nodes) {
      const tags = [...inherited, ...n.tags];
      if (n.kind === 'task') {
        const title = `${n.role ? `${n.role} : ` : ''}${n.name ?? n.module}`;
        if (tagsSelect(tags, only, skip)) out += `${indent}${title}\tTAGS: [${[...new Set(tags)].join(', ')}]\n`;
      } else if (n.kind === 'block') {
        walk(n.block, tags, indent);
        walk(n.rescue, tags, indent);
        walk(n.always, tags, indent);
      } else if (n.kind === 'role') {
        // include_role's own tags select the include only; `apply` passes tags to its tasks.
        const inner = n.how === 'include' ? [...inherited, ...(n.apply?.tags ?? [])] : tags;
        if (n.how === 'include' && !tagsSelect(tags, only, skip)) continue;
        walk(n.role.dependencies, inner, indent);
        walk(n.role.tasks, inner, indent);
      } else if (n.dynamic) {
        // include_tasks' own tags select the include only, as include_role's.
        if (tagsSelect(tags, only, skip)) walk(n.tasks, [...inherited, ...(n.apply?.tags ?? [])], indent);
      } else walk(n.tasks, tags, indent);
    }
  };
  loaded.playbook.plays.forEach((play, i) => {
    out += `\n  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: [${play.tags.join(', ')}]\n    tasks:\n`;
    walk(play.tasks, play.tags, '      ');
  });
  return out;
}
