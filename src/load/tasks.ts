/**
 * Task lists → TaskNodes: tasks, blocks and static includes, each validated
 * (keywords by schema, module by name and arguments, expressions compiled).
 * include_tasks / import_tasks are resolved now, relative to the including file,
 * so included tasks are checked before any host is touched. `with_items` is
 * taken as `loop` (without Ansible's one-level flattening of nested lists).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parse as parseYaml, Scalar, type Node } from 'yaml';
import { z } from 'zod';
import { NodemendError } from './errors.js';
import {
  WITH_LOOKUPS,
  type Block,
  type BoolKeyword,
  type EnvEntry,
  type IncludeLookup,
  type IncludeTasks,
  type Loc,
  type LoopKind,
  type LoopSpec,
  type RoleCall,
  type Task,
  type TaskCommon,
  type TaskNode,
} from './model.js';
import { newDiag, type Diag } from './diag.js';
import { collectionHint, findModule, moduleNames as allModuleNames } from '../modules/registry.js';
import { hasTemplate } from './expr/index.js';
import { checkConditions, checkTemplate, checkTemplatesDeep } from './expr-check.js';
import { applySchema, BOOL_FALSE, BOOL_TRUE, blockSchema, commonShape, INCLUDE_KEYWORDS, includeSchema, taskKeywordShape, taskKeywordsSchema } from './schema.js';
import { closest, didYouMean } from './suggest.js';
import { moduleArgs } from './module-args.js';
import { moduleDefaultsOf } from './module-defaults.js';
import { parseKeyValue } from './kv-args.js';
import { displayPath, entryMap, items, kindOf, plain, posOf, readYaml, type Entry, type YamlFile } from './yaml-source.js';
import { check } from './zod-errors.js';
import { RoleLoader, ROLE_TASK_KEYS } from './roles.js';

/** A `notify:` name and where it was written, checked against the play's handlers later. */
/** Where each condition of a `when:` list (keyed by the list) starts, for checks after the whole load (static-checks.ts). */
export const conditionLocs = new WeakMap<readonly string[], Loc[]>();
/** Where each module argument (by its real name) is written, keyed by a task's `args`, likewise. */
export const argLocs = new WeakMap<Readonly<Record<string, unknown>>, Record<string, Loc>>();

export interface NotifyRef {
  name: string;
  pos: Loc;
}

export interface TaskCtx {
  dir: string;
  /** Files being expanded (the playbook, then includes): an include of one of them is a cycle. */
  stack: string[];
  handler: boolean;
  notifies: NotifyRef[];
  /** Inside a role's files: its name (task titles) and directory (templates/, files/). */
  role?: { name: string; path: string };
  /** The playbook's directory, where role names are looked up (default `dir`). */
  playDir?: string;
  /** Role directories being loaded (a role and its dependencies): one of them again is a cycle. */
  roleChain?: string[];
}

const KEYWORDS = Object.keys(taskKeywordShape);

/**
 * Where an include_tasks/import_tasks file is: beside the including file; inside a role, then as
 * 2.14's dataloader.path_dwim_relative(role, 'handlers' or 'tasks', file, is_role=True) goes on
 * (playbook/included_file.py, helpers.py): the role's tasks/ (so a handler includes a file from
 * tasks/), the role's directory, then the playbook's `handlers/` or `tasks/` and the playbook's directory.
 * The first that exists; none: beside the including file (the error names it). A templated
 * include_tasks path is looked up the same way once a host has rendered it (run/executor.ts).
 */
export function includedPathIn(path: string, at: IncludeLookup): string {
  const first = resolve(at.dir, path);
  if (!at.role || isAbsolute(path) || path.startsWith('~') || existsSync(first)) return first;
  const later = searchDirs(at)
    .slice(1)
    .map((d) => join(d, path));
  return later.find((p) => existsSync(p)) ?? first;
}
/** The modules an `async:` task may run (2.14's action plugins with _supports_async: command, shell...). */
const ASYNC_MODULES = ['command', 'shell'];

/** The directories includedPathIn looks in, in its order. */
function searchDirs(at: IncludeLookup): string[] {
  const sub = at.handler ? 'handlers' : 'tasks';
  return [at.dir, ...(at.role ? [join(at.role, 'tasks'), at.role, join(at.playDir, sub), at.playDir] : [])];
}

const lookupOf = (ctx: TaskCtx): IncludeLookup => ({ dir: ctx.dir, role: ctx.role?.path, playDir: ctx.playDir ?? ctx.dir, handler: ctx.handler });
const includedPath = (path: string, ctx: TaskCtx): string => includedPathIn(path, lookupOf(ctx));

const TEMPLATE_PART = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MAX_CANDIDATES = 200;

/**
 * The files a templated include path can name, found now so each is validated before any host:
 * `role_path` and `playbook_dir` are known, every other `{{ }}` stands for any text within one path
 * segment, and the literal parts must match (`"{{ ansible_os_family }}.yml"`: every `*.yml` where the
 * include would look; `"setup-{{ x }}.yml"`: `setup-*.yml`). A last segment that is all template
 * (`"{{ item }}"`) names no pattern: such a file is loaded when a host renders its name.
 */
export function templatedCandidates(pattern: string, dirs: string[], at: IncludeLookup): string[] {
  const known = pattern.replace(/\{\{\s*role_path\s*\}\}/g, at.role ?? '\u0002').replace(/\{\{\s*playbook_dir\s*\}\}/g, at.playDir);
  if (known.includes('\u0002')) return [];
  const segments = known.replace(TEMPLATE_PART, '\u0001').split('/');
  const last = segments[segments.length - 1];
  if (!last.split('\u0001').join('')) return [];
  const matchers = segments.map((seg) => (seg.includes('\u0001') ? new RegExp(`^${seg.split('\u0001').map(escapeRe).join('.*')}$`) : seg));
  const found = new Set<string>();
  const walk = (dir: string, i: number): void => {
    if (found.size >= MAX_CANDIDATES) return;
    if (i === matchers.length) {
      if (isFile(dir)) found.add(dir);
      return;
    }
    const m = matchers[i];
    if (typeof m === 'string') return walk(m === '' && i === 0 ? '/' : join(dir, m), i + 1);
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) if (m.test(n)) walk(join(dir, n), i + 1);
  };
  for (const d of isAbsolute(known) ? ['/'] : dirs) walk(d, 0);
  return [...found];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false; // missing, or a path through a file (ENOTDIR)
  }
}

/** A YAML file that reads as a list of tasks (a module or include key in an entry; no play's `hosts:`), not a playbook, vars or requirements file. */
function looksLikeTasks(abs: string): boolean {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(abs, 'utf8'));
  } catch {
    return false;
  }
  if (!Array.isArray(data)) return false;
  const maps = data.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x));
  if (maps.some((m) => 'hosts' in m || 'import_playbook' in m)) return false;
  return maps.some((m) => Object.keys(m).some((k) => findModule(k) !== undefined || k === 'block' || INCLUDE_KEYS.includes(k) || (ROLE_TASK_KEYS as readonly string[]).includes(k)));
}
const BLOCK = blockSchema(z.unknown()); // nested lists are checked node by node
const includeSchemas = new Map<string, z.ZodType>();
const includeSchemaFor = (keyword: string): z.ZodType => {
  if (!includeSchemas.has(keyword)) includeSchemas.set(keyword, includeSchema(keyword));
  return includeSchemas.get(keyword)!;
};
/**
 * The file of `include_tasks: x.yml` or of its key=value form, `include_tasks: file=x.yml` (2.14 parses
 * the string with parse_kv and TaskInclude takes `file` when no free-form path is given).
 */
function includeFile(written: string): string {
  if (!written.includes('=')) return written;
  try {
    const { args, words } = parseKeyValue(written);
    return words.length || args.file === undefined ? written : args.file;
  } catch {
    return written;
  }
}
const INCLUDE_KEYS = ['include_tasks', 'import_tasks', 'ansible.builtin.include_tasks', 'ansible.builtin.import_tasks'];

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `tags: a,b` / `[a, b]` → ['a', 'b'] (Ansible splits comma-separated strings). */
export function tagList(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list
    .filter((t) => typeof t === 'string' || typeof t === 'number')
    .flatMap((t) => String(t).split(','))
    .map((t) => t.trim())
    .filter(Boolean);
}

/** `vars:` a mapping, or a list of mappings merged in order (Ansible's Base._load_vars). */
export function varsOf(v: unknown): Record<string, unknown> {
  const isMapping = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (Array.isArray(v)) return Object.assign({}, ...v.filter(isMapping)) as Record<string, unknown>;
  return isMapping(v) ? v : {};
}

/** A boolean keyword: Ansible's boolean words become booleans now; a template stays for run time (run/keywords.ts). */
export function boolKeyword(v: unknown): BoolKeyword | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const w = v.trim().toLowerCase();
  if (BOOL_TRUE.includes(w)) return true;
  if (BOOL_FALSE.includes(w)) return false;
  return hasTemplate(v) ? v : undefined; // anything else is reported by the schema
}

/** `environment:` one entry or a list of them (mappings or templates), in order. */
export function environmentOf(v: unknown): EnvEntry[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.filter((e): e is EnvEntry => typeof e === 'string' || (typeof e === 'object' && e !== null && !Array.isArray(e)));
}

export function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export class TaskLoader {
  /** Tasks files already expanded (keyed by path, handler-ness and role): each is parsed and reported once. */
  private cache = new Map<string, { nodes: TaskNode[]; notifies: NotifyRef[] }>();
  private roles = new RoleLoader(this);
  constructor(private diag: Diag) {}

  get diagnostics(): Diag {
    return this.diag;
  }

  /** A play's `roles:` list (load/roles.ts). */
  playRoles(y: YamlFile, node: Node | null, ctx: TaskCtx): RoleCall[] {
    return this.roles.playRoles(y, node, ctx);
  }

  private get errors(): NodemendError[] {
    return this.diag.errors;
  }

  list(y: YamlFile, node: Node | null, ctx: TaskCtx): TaskNode[] {
    if (!isSeq(node)) return []; // null = empty; other types are reported by the enclosing schema
    const out: TaskNode[] = [];
    for (const item of items(y, node)) {
      const t = this.node(y, item, ctx);
      if (t) out.push(t);
    }
    return out;
  }

  node(y: YamlFile, node: Node | null, ctx: TaskCtx): TaskNode | undefined {
    if (!isMap(node)) {
      this.errors.push(new NodemendError('schema', `a task must be a mapping (name:, a module key and its arguments), got ${kindOf(node)}`, posOf(y, node)));
      return undefined;
    }
    const map = entryMap(y, node);
    const roleKey = ROLE_TASK_KEYS.find((k) => map.has(k));
    if (roleKey && ctx.handler) {
      this.errors.push(new NodemendError('schema', `"${roleKey}" is not supported in handlers: notify a handler of the role instead`, posOf(y, map.get(roleKey)!.keyNode)));
      return undefined;
    }
    if (roleKey) return this.roles.fromTask(y, node, map, roleKey, ctx);
    const structural = map.has('block') ? 'block' : INCLUDE_KEYS.find((k) => map.has(k));
    if (structural === 'block') return this.block(y, node, map, ctx);
    if (structural) return this.include(y, node, map, structural, ctx);
    return this.task(y, node, map, ctx);
  }

  /** Keys every node kind shares; `data` has been schema-checked, wrong types are already reported. */
  common(y: YamlFile, node: Node, map: Map<string, Entry>, data: Record<string, unknown>, ctx: TaskCtx): TaskCommon {
    for (const k of ['name', 'become_user', 'delegate_to', 'remote_user']) {
      const e = map.get(k);
      if (e?.value && typeof data[k] === 'string') checkTemplate(y, e.value, data[k] as string, this.errors);
    }
    for (const k of ['vars', 'environment', 'become', 'ignore_errors', 'ignore_unreachable', 'no_log', 'check_mode', 'diff', 'run_once']) checkTemplatesDeep(y, map.get(k)?.value ?? null, this.errors);
    const notify = map.get('notify');
    if (notify) {
      const nodes = isSeq(notify.value) ? items(y, notify.value) : [notify.value];
      for (const n of nodes) if (isScalar(n) && typeof n.value === 'string') ctx.notifies.push({ name: n.value, pos: posOf(y, n) });
    }
    const whenLocs: Loc[] = [];
    const common: TaskCommon = {
      name: str(data.name),
      loc: posOf(y, node),
      when: checkConditions(y, map.get('when')?.value ?? null, this.errors, this.diag.warnings, whenLocs),
      tags: tagList(data.tags),
      vars: varsOf(data.vars),
      become: boolKeyword(data.become),
      become_user: str(data.become_user),
      ignore_errors: boolKeyword(data.ignore_errors),
      ignore_unreachable: boolKeyword(data.ignore_unreachable),
      no_log: boolKeyword(data.no_log),
      connection: data.connection === 'local' || data.connection === 'ssh' ? data.connection : undefined,
      remote_user: str(data.remote_user),
      environment: environmentOf(data.environment),
      notify: notify ? stringList(data.notify) : undefined,
      check_mode: boolKeyword(data.check_mode),
      diff: boolKeyword(data.diff),
      run_once: boolKeyword(data.run_once),
      any_errors_fatal: typeof data.any_errors_fatal === 'boolean' ? data.any_errors_fatal : undefined,
      delegate_to: str(data.delegate_to),
      delegate_facts: typeof data.delegate_facts === 'boolean' ? data.delegate_facts : undefined,
      timeout: num(data.timeout),
      throttle: num(data.throttle),
      module_defaults: moduleDefaultsOf(y, map.get('module_defaults'), this.errors),
    };
    conditionLocs.set(common.when, whenLocs);
    return common;
  }

  /** A keyword Ansible refuses on include_tasks / include_role (become, environment, ...): reported, with where it goes, and dropped. */
  refuseIncludeKeywords(y: YamlFile, map: Map<string, Entry>, data: Record<string, unknown>, keyword: string): void {
    const what = keyword.endsWith('include_role') ? 'IncludeRole' : 'TaskInclude';
    for (const k of Object.keys(commonShape)) {
      const e = map.get(k);
      if (!e || (INCLUDE_KEYWORDS as readonly string[]).includes(k)) continue;
      const msg = `"${k}" on ${keyword}: Ansible 2.14 refuses it ('${k}' is not a valid attribute for a ${what}); an include's own keywords reach none of its tasks: give it under apply:`;
      this.errors.push(new NodemendError('schema', msg, posOf(y, e.keyNode)));
      delete data[k];
    }
  }

  /** An include's `apply:` (a mapping under the include's arguments): its keywords, or undefined when reported invalid. */
  applyKeywords(y: YamlFile, applyNode: Node, value: unknown, ctx: TaskCtx): Omit<TaskCommon, 'name' | 'loc'> | undefined {
    if (!check(y, applyNode, value, applySchema, this.errors, { what: 'apply' }).ok) return undefined;
    const { name: _n, loc: _l, ...kw } = this.common(y, applyNode, entryMap(y, applyNode), value as Record<string, unknown>, ctx);
    return kw;
  }

  /** `loop:` / `with_<kind>:` and `loop_control` of a task or an include_tasks. */
  loopSpec(y: YamlFile, map: Map<string, Entry>, data: Record<string, unknown>): LoopSpec | undefined {
    const loopKeys = ['loop', ...WITH_LOOKUPS.map((k) => `with_${k}`)].filter((k) => map.has(k));
    if (loopKeys.length > 1) {
      this.errors.push(new NodemendError('schema', `a task loops once: use one of ${loopKeys.map((k) => `"${k}"`).join(', ')}, not several`, posOf(y, map.get(loopKeys[1])!.keyNode)));
    }
    const lc = (data.loop_control ?? {}) as Record<string, unknown>;
    const label = entryMap(y, map.get('loop_control')?.value ?? null).get('label');
    if (label?.value && typeof lc.label === 'string') checkTemplate(y, label.value, lc.label, this.errors);
    const loopEntry = loopKeys.length ? map.get(loopKeys[0]) : undefined;
    if (!loopEntry) return undefined;
    const kind = loopEntry.key.replace(/^with_/, '') as LoopKind;
    const loop = plain(y, loopEntry.value);
    // with_sequence's "start=1 end=3", with_first_found's and with_file's file name, with_pipe's command, with_env's name, with_fileglob's pattern... are plain strings.
    if (typeof loop === 'string' && !['sequence', 'first_found', 'items', 'pipe', 'file', 'env', 'fileglob', 'indexed_items', 'inventory_hostnames', 'lines'].includes(kind) && !hasTemplate(loop)) {
      this.errors.push(new NodemendError('schema', `"${loopEntry.key}" must be a list or a "{{ expression }}" giving one, got string "${loop}"`, posOf(y, loopEntry.value)));
    }
    checkTemplatesDeep(y, loopEntry.value, this.errors);
    return {
      loop,
      loop_kind: kind,
      loop_var: str(lc.loop_var) ?? 'item',
      index_var: str(lc.index_var),
      extended_loop: bool(lc.extended),
      extended_allitems: bool(lc.extended_allitems),
      loop_pause: typeof lc.pause === 'number' ? lc.pause : undefined,
      loop_label: str(lc.label),
    };
  }

  private block(y: YamlFile, node: Node, map: Map<string, Entry>, ctx: TaskCtx): Block {
    const data = plain(y, node) as Record<string, unknown>;
    check(y, node, data, BLOCK, this.errors, { what: 'block' });
    const sub = (k: string): TaskNode[] => this.list(y, map.get(k)?.value ?? null, ctx);
    return { kind: 'block', ...this.common(y, node, map, data, ctx), block: sub('block'), rescue: sub('rescue'), always: sub('always') };
  }

  private include(y: YamlFile, node: Node, map: Map<string, Entry>, keyword: string, ctx: TaskCtx): IncludeTasks {
    const data = plain(y, node) as Record<string, unknown>;
    if (keyword.endsWith('import_tasks')) {
      for (const k of [...map.keys()].filter((k) => k === 'loop' || k === 'loop_control' || k.startsWith('with_'))) {
        // Ansible: "You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead."
        this.errors.push(new NodemendError('schema', `"${k}" on import_tasks: its tasks are inlined before any item exists; loop with include_tasks instead`, posOf(y, map.get(k)!.keyNode)));
        delete data[k];
      }
    }
    const dynamic = keyword.endsWith('include_tasks');
    if (dynamic) this.refuseIncludeKeywords(y, map, data, keyword);
    // A handler that is an include_tasks is notified by its name or a listen topic.
    const schema = ctx.handler && dynamic ? (includeSchemaFor(keyword) as z.ZodObject).extend({ listen: z.union([z.string(), z.array(z.string())]).optional() }) : includeSchemaFor(keyword);
    check(y, node, data, schema, this.errors, { what: keyword });
    const common = { ...this.common(y, node, map, data, ctx), ...this.loopSpec(y, map, data) };
    const entry = map.get(keyword)!;
    // `include_tasks: file` or `include_tasks: { file: ... }`; `args:` under the key's own (mod_args.py).
    const onKey = isMap(entry.value) ? entryMap(y, entry.value) : undefined;
    const argsKw = dynamic && isMap(map.get('args')?.value) ? entryMap(y, map.get('args')!.value) : undefined;
    const args = new Map([...(argsKw ?? []), ...(onKey ?? [])]);
    const freeForm = isScalar(entry.value) && entry.value.value != null;
    const pathNode = freeForm ? entry.value : args.get('file')?.value;
    const written = isScalar(pathNode) && typeof pathNode.value === 'string' ? pathNode.value : undefined;
    // a free-form `include_tasks: file=x.yml` names its file as 2.14's k=v parse does
    const path = freeForm && written !== undefined ? includeFile(written) : written;
    const result: IncludeTasks = { kind: 'include', ...common, dynamic, keyword, file: path ? includedPath(path, ctx) : '', tasks: [], ...(ctx.handler ? { listen: stringList(data.listen) } : {}) };
    if (dynamic) {
      // What Ansible registers: the path as written, and the other arguments as written (task_executor.py).
      const { file: _f, ...rest } = { ...(data.args as Record<string, unknown> | undefined), ...(isMap(entry.value) ? (data[keyword] as Record<string, unknown>) : {}) };
      Object.assign(result, { register: str(data.register), include: path, includeArgs: freeForm ? { ...(data.args as object | undefined) } : rest });
    }
    const applyNode = dynamic ? args.get('apply')?.value : undefined;
    if (applyNode) result.apply = this.applyKeywords(y, applyNode, plain(y, applyNode), ctx);
    if (path === undefined) {
      // Ansible: "No file specified for include_tasks"; a wrong type is reported by the schema.
      if (pathNode === undefined) this.errors.push(new NodemendError('schema', `no file specified for ${keyword}: give it on the key or as file:`, posOf(y, entry.keyNode)));
      return result;
    }
    const at = posOf(y, pathNode);
    if (hasTemplate(path) && !dynamic) {
      this.errors.push(new NodemendError('schema', `${keyword} path "${path}" is templated: an import is read before any host, use include_tasks for a name from facts or host vars`, at));
      return result;
    }
    if (hasTemplate(path)) return this.templatedInclude(result, path, at, ctx);
    const abs = result.file;
    if (ctx.stack.includes(abs)) {
      const chain = [...ctx.stack.slice(ctx.stack.indexOf(abs)), abs].map(displayPath).join(' → ');
      this.errors.push(new NodemendError('schema', `include cycle: ${chain}`, at));
      return result;
    }
    result.tasks = this.tasksFile(abs, at, ctx);
    return result;
  }

  /**
   * include_tasks with a templated path (2.14 renders it per host, at run time, with facts and host vars):
   * every file the name can match is validated now (templatedCandidates; with with_first_found into
   * `"{{ item }}"`, every file its names can match), and its tasks are the include's `tasks` for
   * the load-time checks. A file outside them is loaded when a host names it, its errors failing that host.
   */
  private templatedInclude(result: IncludeTasks, path: string, at: Loc, ctx: TaskCtx): IncludeTasks {
    const lookup = lookupOf(ctx);
    const patterns = [path];
    if (result.loop_kind === 'first_found' && new RegExp(`^\\{\\{\\s*${escapeRe(result.loop_var ?? 'item')}\\s*\\}\\}$`).test(path.trim())) {
      const terms = (Array.isArray(result.loop) ? result.loop : [result.loop]).flatMap((t) => (typeof t === 'string' ? t.split(/[,;]/) : []));
      patterns.splice(0, 1, ...terms.map((t) => t.trim()).filter(Boolean));
    }
    const dirs = [...new Set([...searchDirs(lookup), ...(ctx.role ? [join(ctx.role.path, 'files'), join(ctx.role.path, 'tasks', 'files')] : []), join(lookup.playDir, 'files')])];
    const files = [...new Set(patterns.flatMap((p) => (hasTemplate(p) ? templatedCandidates(p, dirs, lookup) : dirs.map((d) => resolve(d, p)).filter((f) => existsSync(f)))))];
    const candidates = new Map<string, TaskNode[]>();
    for (const abs of files) if (!ctx.stack.includes(abs) && looksLikeTasks(abs)) candidates.set(abs, this.tasksFile(abs, at, ctx));
    const late = (abs: string): { nodes: TaskNode[]; errors: NodemendError[] } => {
      const diag = newDiag();
      const nodes = new TaskLoader(diag).tasksFile(abs, at, { ...ctx, notifies: [] });
      return { nodes, errors: diag.errors };
    };
    return Object.assign(result, { file: '', candidates, lookup, loadLate: late, tasks: [...candidates.values()].flat() });
  }

  /** A tasks file (an include, a role's tasks/ or handlers/ file), expanded once per handler-ness and role. */
  tasksFile(abs: string, at: Loc, ctx: TaskCtx): TaskNode[] {
    const key = `${ctx.handler}:${ctx.role?.path ?? ''}:${abs}`;
    let expanded = this.cache.get(key);
    if (!expanded) {
      expanded = { nodes: [], notifies: [] };
      const inc = readYaml(abs, this.errors, at, 'tasks file');
      if (inc?.doc.errors.length) {
        // syntax errors reported; the tree is not worth checking
      } else if (inc && inc.root != null && !isSeq(inc.root)) {
        this.errors.push(new NodemendError('schema', `a tasks file is a list of tasks, got ${kindOf(inc.root)}`, posOf(inc, inc.root)));
      } else if (inc) {
        expanded.nodes = this.list(inc, inc.root, { ...ctx, dir: dirname(abs), stack: [...ctx.stack, abs], notifies: expanded.notifies });
      }
      this.cache.set(key, expanded);
    }
    ctx.notifies.push(...expanded.notifies);
    return expanded.nodes;
  }

  /**
   * `local_action: command echo hi` or `local_action: { module: command, cmd: ... }`: the
   * module and its arguments, as if written as `command: ...` with `delegate_to: localhost`.
   * `action:` is the same without the delegation (ModArgsParser, 2.14: `action: slurp src=x`).
   */
  private localAction(y: YamlFile, e: Entry): Entry | undefined {
    const v = e.value;
    const kw = e.key;
    const unknownModule = (name: string, at: Node): undefined => {
      const names = allModuleNames();
      this.errors.push(new NodemendError('unknown-module', `unknown module "${name}" in ${kw}${didYouMean(name, names) || `; known modules: ${names.join(', ')}`}`, posOf(y, at)));
      return undefined;
    };
    if (isScalar(v) && typeof v.value === 'string') {
      const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(v.value);
      if (!m) {
        this.errors.push(new NodemendError('schema', `${kw} is empty: expected "module args", e.g. "command kubectl version"`, posOf(y, v)));
        return undefined;
      }
      if (!findModule(m[1])) return unknownModule(m[1], v);
      const args = m[2] ? new Scalar(m[2]) : null;
      if (args) args.range = v.range;
      return { key: m[1], keyNode: e.keyNode, value: args };
    }
    if (isMap(v)) {
      const mod = entryMap(y, v).get('module');
      const name = isScalar(mod?.value) && typeof mod.value.value === 'string' ? mod.value.value : undefined;
      if (!name) {
        this.errors.push(new NodemendError('schema', `${kw} as a mapping needs "module: NAME" and the module's arguments`, posOf(y, v)));
        return undefined;
      }
      if (!findModule(name)) return unknownModule(name, mod!.value!);
      const args = v.clone() as typeof v;
      args.delete('module');
      return { key: name, keyNode: e.keyNode, value: args };
    }
    this.errors.push(new NodemendError('schema', `${kw} takes "module args" or a mapping with "module:", got ${kindOf(v)}`, posOf(y, v ?? e.keyNode)));
    return undefined;
  }

  private task(y: YamlFile, node: Node, map: Map<string, Entry>, ctx: TaskCtx): Task | undefined {
    const keyword: Entry[] = [];
    const modules: Entry[] = [];
    const unknown: Entry[] = [];
    const before = this.errors.length;
    for (const e of map.values()) {
      if (KEYWORDS.includes(e.key)) keyword.push(e);
      else if (findModule(e.key)) modules.push(e);
      else unknown.push(e);
    }
    const localAction = map.get('local_action') ?? map.get('action');
    if (map.has('local_action') && map.has('action')) this.errors.push(new NodemendError('schema', 'conflicting action statements: action, local_action', posOf(y, map.get('action')!.keyNode)));
    if (localAction) {
      const la = this.localAction(y, localAction);
      if (la) modules.unshift(la);
      if (localAction.key === 'local_action' && map.has('delegate_to'))
        this.errors.push(new NodemendError('schema', 'local_action already runs on the control machine: drop "delegate_to"', posOf(y, map.get('delegate_to')!.keyNode)));
    }
    const moduleNames = allModuleNames();
    const where = (e: Entry): Loc => posOf(y, e.keyNode);

    // An unknown key close to a keyword is a misspelt keyword; otherwise, in a task without
    // a module, the first one is taken as the module name.
    const candidateModule = modules.length === 0 && !localAction ? unknown.find((e) => !closest(e.key, KEYWORDS)) : undefined;
    for (const e of unknown) {
      if (e === candidateModule) {
        const hint = collectionHint(e.key) || didYouMean(e.key, moduleNames) || `; known modules: ${moduleNames.join(', ')}`;
        this.errors.push(new NodemendError('unknown-module', `unknown module "${e.key}"${hint}`, where(e)));
      } else {
        const hint = didYouMean(e.key, KEYWORDS) || didYouMean(e.key, moduleNames);
        this.errors.push(new NodemendError('unknown-key', `unknown key "${e.key}" in task${hint}`, where(e)));
      }
    }
    if (modules.length > 1) {
      const [a, b] = modules;
      this.errors.push(
        new NodemendError(
          'schema',
          `a task runs exactly one module, but this one has two: "${a.key}" (line ${where(a).line}) and "${b.key}"${modules.length > 2 ? ` (and ${modules.length - 2} more)` : ''}`,
          where(b),
        ),
      );
    }
    if (modules.length === 0 && !candidateModule && !localAction) {
      const close = [...new Set(unknown.map((e) => closest(e.key, moduleNames)).filter(Boolean))];
      const list = close.length ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}? modules: ` : 'modules: ';
      this.errors.push(new NodemendError('schema', `task has no module; expected one module key (${list}${moduleNames.join(', ')})`, posOf(y, node)));
    }
    const listen = map.get('listen');
    if (listen && !ctx.handler) {
      this.errors.push(new NodemendError('unknown-key', '"listen" is only valid on handlers', where(listen)));
    }
    const data = Object.fromEntries(keyword.map((e) => [e.key, plain(y, e.value)])) as Record<string, unknown>;
    check(y, node, data, taskKeywordsSchema, this.errors, { what: 'task' });
    const common = this.common(y, node, map, data, ctx);
    const loop = this.loopSpec(y, map, data);

    const mod = modules[0];
    const def = mod ? findModule(mod.key) : undefined;
    const locs: Record<string, Loc> = {};
    const args = def ? moduleArgs(y, def, mod, map.get('args'), this.errors, this.diag.warnings, locs) : {};
    argLocs.set(args, locs);
    if (def?.preload && this.errors.length === before) def.preload(args, { playDir: ctx.playDir ?? ctx.dir, roleDir: ctx.role?.path }, this.errors, posOf(y, mod.value ?? mod.keyNode));

    const cond = (k: string): string[] | undefined => (map.has(k) ? checkConditions(y, map.get(k)!.value, this.errors, this.diag.warnings) : undefined);
    const until = cond('until');
    const changedWhen = cond('changed_when');
    const failedWhen = cond('failed_when');
    const asyncSec = num(data.async);
    if (asyncSec && !ASYNC_MODULES.includes(def?.name ?? '')) {
      // 2.14 fails such a task when it runs ("async is not supported for this task."); nodemend refuses it before any host.
      const what = common.name === undefined ? `the ${mod?.key ?? 'task'} task` : `task "${common.name}"`;
      this.errors.push(
        new NodemendError('schema', `"async" on ${what}: nodemend runs only ${ASYNC_MODULES.join(' and ')} as async jobs (README "Bringing an Ansible role")`, where(map.get('async')!)),
      );
    }
    if (this.errors.length > before || !def) return undefined;
    return {
      kind: 'task',
      ...common,
      module: def.name,
      ...(mod.key !== def.name ? { moduleAs: mod.key } : {}),
      ...(ctx.role ? { role: ctx.role.name } : {}),
      args,
      ...(loop ?? { loop_kind: 'loop', loop_var: 'item' }),
      register: str(data.register),
      notify: common.notify ?? [],
      changed_when: changedWhen,
      failed_when: failedWhen,
      until,
      retries: num(data.retries) ?? (until ? 3 : 0),
      delay: num(data.delay) ?? 5,
      // 2.14's DEFAULT_POLL_INTERVAL: 15 s between reads of an async job.
      ...(asyncSec ? { async: asyncSec, poll: num(data.poll) ?? 15 } : {}),
      delegate_to: localAction?.key === 'local_action' ? 'localhost' : common.delegate_to,
      listen: stringList(data.listen),
    };
  }
}
