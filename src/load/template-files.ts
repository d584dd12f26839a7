/**
 * Load-time check of the template files a playbook's `template:` tasks name: each file
 * that a static `src` finds is compiled with its engine (Jinja, or Handlebars for .hbs),
 * so a syntax either engine does not support fails `validate` (and `run`, before any host
 * is contacted) at the template's file:line:col. A templated `src` or a file that is not
 * there yet (made by an earlier task) is left to the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { NodemendError } from './errors.js';
import { hasTemplate } from './expr/index.js';
import type { Playbook, TaskNode } from './model.js';
import { compileTemplateText } from './template.js';
import { resolveLocalPath } from './local-paths.js';

const TEMPLATE_MODULES = new Set(['template', 'ansible.builtin.template', 'ansible.legacy.template']);

/** Each task with the directory of the role holding it (its templates/ come first). */
function* tasksOf(nodes: TaskNode[], roleDir?: string, seen = new Set<TaskNode[]>()): Generator<{ task: Extract<TaskNode, { kind: 'task' }>; roleDir?: string }> {
  for (const n of nodes) {
    if (n.kind === 'task') yield { task: n, roleDir };
    else if (n.kind === 'block') yield* tasksOf([...n.block, ...n.rescue, ...n.always], roleDir, seen);
    else if (n.kind === 'role') {
      if (seen.has(n.role.tasks)) continue; // a role used twice is checked once
      seen.add(n.role.tasks);
      yield* tasksOf(n.role.dependencies, roleDir, seen);
      yield* tasksOf([...n.role.tasks, ...n.role.handlers], n.role.path, seen);
    } else yield* tasksOf(n.tasks, roleDir, seen);
  }
}

export function checkTemplateFiles(playbook: Playbook, errors: NodemendError[]): void {
  const seen = new Set<string>();
  for (const play of playbook.plays) {
    for (const { task, roleDir } of tasksOf([...play.tasks, ...play.handlers])) {
      const src = task.args.src;
      if (!TEMPLATE_MODULES.has(task.module) || typeof src !== 'string' || hasTemplate(src)) continue;
      const file = resolveLocalPath(play.dir, src, 'template', roleDir);
      if (seen.has(file) || !existsSync(file)) continue;
      seen.add(file);
      try {
        compileTemplateText(readFileSync(file, 'utf8'), file);
      } catch (e) {
        if (!(e instanceof NodemendError)) throw e;
        errors.push(e);
      }
    }
  }
}
