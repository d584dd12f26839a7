/**
 * Load-time check of the template files a playbook's `template:` tasks name: each file
 * that a static `src` finds is compiled with its engine (Jinja, or Handlebars for .hbs),
 * so a syntax either engine does not support fails `validate` (and `run`, before any host
 * is contacted) at the template's file:line:col, as does an `{% include %}` / `{% import %}`
 * of a named template that is not found (or does not compile) from the task's search path. A templated `src` is checked when it can be
 * resolved before the run: `src: "{{ item }}"` over `with_first_found` names written out (the
 * first of them that is there, the one the run takes), or a `src` that reads only play vars whose
 * values are plain (`src: "{{ n }}.conf.j2"`). Any other templated `src`, or a file that is not there
 * yet (made by an earlier task), is left to the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { NodemendError } from './errors.js';
import { hasTemplate, namesInTemplate, renderDeep } from './expr/index.js';
import { barCommands } from './expr/lookups.js';
import type { Playbook, TaskNode } from './model.js';
import { compileTemplateText, JINJA_DEFAULTS } from './template.js';
import { resolveLocalPath, templateSearchPath } from './local-paths.js';

const TEMPLATE_MODULES = new Set(['template', 'ansible.builtin.template', 'ansible.legacy.template']);

/** Each task with the directory of the role holding it (its templates/ come first). */
export function* tasksOf(nodes: TaskNode[], roleDir?: string, seen = new Set<TaskNode[]>()): Generator<{ task: Extract<TaskNode, { kind: 'task' }>; roleDir?: string }> {
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

/** The template file a task's `src` names, when it is known before the run and is there; else undefined. */
function staticSource(task: Extract<TaskNode, { kind: 'task' }>, playVars: Record<string, unknown>, resolve: (src: string) => string): string | undefined {
  const src = task.args.src;
  if (typeof src !== 'string') return undefined;
  const there = (name: string): string | undefined => {
    const file = resolve(name);
    return existsSync(file) ? file : undefined;
  };
  if (!hasTemplate(src)) return there(src);
  // src: "{{ item }}" with with_first_found over names written out: the first that is there, until a templated one.
  if (task.loop_kind === 'first_found' && new RegExp(`^\\{\\{\\s*${task.loop_var}\\s*\\}\\}$`).test(src.trim())) {
    const names = Array.isArray(task.loop) ? task.loop : [task.loop];
    for (const n of names) {
      if (typeof n !== 'string' || hasTemplate(n)) return undefined;
      const file = there(n);
      if (file) return file;
    }
    return undefined;
  }
  // src reading only play vars with plain values (no template of their own), none of them set by the task.
  const names = namesInTemplate(src);
  const plain = (v: unknown): boolean => (typeof v === 'string' ? !hasTemplate(v) : v === null || typeof v !== 'object');
  if (!names.complete || names.guarded.size || task.loop !== undefined || names.read.some((r) => !(r.name in playVars) || r.name in task.vars || !plain(playVars[r.name]))) return undefined;
  try {
    const rendered = renderDeep(src, barCommands({ ...playVars }));
    return typeof rendered === 'string' ? there(rendered) : undefined;
  } catch {
    return undefined; // the run reports it (or runs the pipe lookup it reads)
  }
}

export function checkTemplateFiles(playbook: Playbook, errors: NodemendError[]): void {
  const seen = new Set<string>();
  for (const play of playbook.plays) {
    for (const { task, roleDir } of tasksOf([...play.tasks, ...play.handlers])) {
      if (!TEMPLATE_MODULES.has(task.module)) continue;
      const file = staticSource(task, play.vars, (src) => resolveLocalPath(play.dir, src, 'template', roleDir));
      if (!file || seen.has(file)) continue;
      seen.add(file);
      try {
        // What it includes and imports is found from here as at the run (local-paths.ts templateSearchPath).
        const plain = (k: string): string | undefined => (typeof task.args[k] === 'string' && !hasTemplate(task.args[k] as string) ? (task.args[k] as string) : undefined);
        compileTemplateText(readFileSync(file, 'utf8'), file, {
          ...JINJA_DEFAULTS,
          commentStart: plain('comment_start_string'),
          commentEnd: plain('comment_end_string'),
          searchPath: templateSearchPath(play.dir, file, roleDir, task.loc?.file),
        });
      } catch (e) {
        if (!(e instanceof NodemendError)) throw e;
        errors.push(e);
      }
    }
  }
}
