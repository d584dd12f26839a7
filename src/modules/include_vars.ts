/**
 * include_vars (ansible.builtin.include_vars, ansible-core 2.14's action plugin): variables
 * from controller YAML/JSON files, bound for the rest of the run above task vars and below
 * set_fact. `file` (or the free form) is searched as Ansible's `_find_needle('vars', ...)`: a
 * role's vars/ then the role, then vars/ beside the playbook, then the playbook's directory;
 * `dir` loads every file below it in name order (`depth`, `files_matching`, `ignore_files`,
 * `extensions`); `name` binds them under one variable. A file that does not parse fails with
 * its file:line:col; a static path is read and checked at load time (preload), before any host.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { NodemendError } from '../load/errors.js';
import type { Loc } from '../load/model.js';
import { hasTemplate } from '../load/expr/index.js';
import { loadVarsFile } from '../load/vars-file.js';
import { resolveLocalPath } from '../load/local-paths.js';
import { defineModule, ModuleFailure } from './types.js';
import { boolArg } from './lib/args.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const schema = z
  .strictObject({
    file: z.string().optional(),
    dir: z.string().optional(),
    name: z.string().regex(NAME, { error: 'must be a variable name' }).optional(),
    depth: z.coerce.number().int().min(0).default(0),
    files_matching: z.string().optional(),
    ignore_files: z.array(z.string()).default([]),
    extensions: z.array(z.string()).default(['yaml', 'yml', 'json']),
    ignore_unknown_extensions: boolArg.default(false),
    hash_behaviour: z.enum(['replace']).optional(),
  })
  .refine((a) => (a.file === undefined) !== (a.dir === undefined), { message: 'give one of file (or the free form) and dir' });

type Args = z.infer<typeof schema>;

/** The files `a` names, in load order; `find` resolves a relative path as the search path says. */
function sources(a: Args, find: (p: string) => string): string[] {
  if (a.file !== undefined) return [find(a.file)];
  const top = find(a.dir!);
  let st;
  try {
    st = statSync(top);
  } catch {
    throw new ModuleFailure(`Unable to find '${a.dir}' in expected paths`);
  }
  if (!st.isDirectory()) throw new ModuleFailure(`${a.dir} is not a directory`);
  const match = a.files_matching === undefined ? undefined : new RegExp(a.files_matching);
  const out: string[] = [];
  const walk = (dir: string, level: number): void => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) {
        if (a.depth === 0 || level < a.depth) walk(p, level + 1);
        continue;
      }
      if (a.ignore_files.includes(n) || (match && !match.test(n))) continue;
      const ext = n.includes('.') ? n.slice(n.lastIndexOf('.') + 1) : '';
      if (!a.extensions.includes(ext)) {
        if (a.ignore_unknown_extensions) continue;
        throw new ModuleFailure(`${relative(top, p)} does not have a valid extension: ${a.extensions.join(', ')}`);
      }
      out.push(p);
    }
  };
  walk(top, 1);
  return out;
}

/** Every file's variables merged in order; the first parse error as a positioned message. */
function load(files: string[]): Record<string, unknown> {
  const errors: NodemendError[] = [];
  const vars: Record<string, unknown> = {};
  for (const f of files) Object.assign(vars, loadVarsFile(f, errors) ?? {});
  if (errors.length) throw new ModuleFailure(errors.map((e) => e.format()).join('\n'));
  return vars;
}

/** Load time: a static `file:` or `dir:` is read and checked now, errors at the task's position. */
export function preloadIncludeVars(args: Record<string, unknown>, dirs: { playDir: string; roleDir?: string }, errors: NodemendError[], at: Loc): void {
  const r = schema.safeParse(args);
  if (!r.success) return; // reported by the argument check
  const a = r.data;
  if ([a.file, a.dir, a.files_matching, ...a.ignore_files].some((v) => typeof v === 'string' && hasTemplate(v))) return; // known at run time
  const find = (p: string): string => resolveLocalPath(dirs.playDir, p, 'vars', dirs.roleDir);
  try {
    const files = sources(a, find);
    for (const f of files) loadVarsFile(f, errors, a.file !== undefined ? at : undefined);
  } catch (e) {
    if (e instanceof ModuleFailure) errors.push(new NodemendError('file-not-found', `include_vars: ${e.message}`, at));
    else throw e;
  }
}

export default defineModule({
  name: 'include_vars',
  description: 'Variables from controller YAML/JSON files (file, or every file of a dir), for the rest of the run',
  schema,
  freeForm: 'file',
  local: true,
  preload: preloadIncludeVars,
  async plan(a: Args, ctx) {
    const files = sources(a, (p) => ctx.resolveLocalPath(p, 'vars'));
    const loaded = load(files);
    const vars = a.name ? { [a.name]: loaded } : loaded;
    // Bound while planning, like set_fact, so a check run sees them too.
    ctx.setIncludedVars(vars);
    return { changed: false, result: { ansible_facts: vars, ansible_included_var_files: files } };
  },
});
