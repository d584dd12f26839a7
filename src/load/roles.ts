/**
 * Roles (Ansible's roles/NAME/{tasks,handlers,defaults,vars,templates,files,meta}): `roles:`
 * entries of a play, `import_role` / `include_role` tasks and meta/main.yml dependencies,
 * each found on the role search path and loaded now, so a missing role, a missing
 * `tasks_from` file or a bad task inside a role is reported with its file:line:col before any
 * host is touched.
 *
 * Search path, as Ansible's RoleDefinition._load_role_path (2.14): `roles/` beside the
 * playbook, then each directory of $NODEMEND_ROLES_PATH (colon-separated, like
 * ANSIBLE_ROLES_PATH), then (for a dependency) the directory holding the role that depends on
 * it, then the playbook's directory. A name with a `/` is a path relative to the playbook.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { z } from 'zod';
import { NodemendError } from './errors.js';
import type { Loc, Role, RoleCall, TaskCommon, TaskNode } from './model.js';
import { hasTemplate } from './expr/index.js';
import { commonShape, identifier, includeExtraShape, loopShape } from './schema.js';
import { didYouMean } from './suggest.js';
import type { NotifyRef, TaskCtx, TaskLoader } from './tasks.js';
import { loadVarsFile } from './vars-file.js';
import { displayPath, entryMap, items, kindOf, plain, posOf, readYaml, type Entry, type YamlFile } from './yaml-source.js';
import { check } from './zod-errors.js';
import { checkRoleParams, loadArgumentSpecs, validationTask } from './role-argspec.js';

export const ROLE_TASK_KEYS = ['include_role', 'import_role', 'ansible.builtin.include_role', 'ansible.builtin.import_role'];

/** Which `*_from` file of each role directory a use asks for (default main). */
interface FromFiles {
  tasks?: string;
  vars?: string;
  defaults?: string;
  handlers?: string;
}

const optional = <T extends Record<string, z.ZodType>>(shape: T) => Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
const keywordShape = optional(commonShape);
const fromShape = { tasks_from: z.string(), vars_from: z.string(), defaults_from: z.string(), handlers_from: z.string(), allow_duplicates: z.boolean(), rolespec_validate: z.boolean() };
const importRoleArgs = z.strictObject({ name: z.string(), ...optional(fromShape) });
const includeRoleArgs = z.strictObject({ name: z.string(), ...optional(fromShape), public: z.boolean().optional(), apply: z.record(z.string(), z.unknown()).optional() });
/** include_role also loops: the role runs once per item (import_role is inlined before any item exists, as Ansible refuses it). */
const roleTaskSchema = (keyword: string) =>
  z.strictObject({ ...keywordShape, ...(keyword.endsWith('include_role') ? optional({ ...loopShape, ...includeExtraShape(includeRoleArgs.partial()) }) : {}), [keyword]: z.unknown() });
/** A roles: entry's keywords (other keys are role params). */
const entryKeywords = z.strictObject({ ...keywordShape, role: z.string().optional() });
const metaSchema = z.strictObject({
  dependencies: z.array(z.unknown()).nullable().optional(),
  allow_duplicates: z.boolean().optional(),
  galaxy_info: z.unknown().optional(),
  collections: z.unknown().optional(),
  argument_specs: z.unknown().optional(),
});

/** Directories a role name is looked up in, in order. */
export function roleSearchPath(playDir: string, dependentRoleDir?: string): string[] {
  const configured = (process.env.NODEMEND_ROLES_PATH ?? '').split(delimiter).filter(Boolean);
  return [join(playDir, 'roles'), ...configured.map((d) => resolve(d)), ...(dependentRoleDir ? [dirname(dependentRoleDir)] : []), playDir];
}

/** `name`, `name.yml`, `name.yaml` (or a directory `name/` of them, for vars and defaults) under a role's subdirectory. */
function roleFile(dir: string, sub: string, name: string): string | undefined {
  const base = join(dir, sub, name);
  const candidates = /\.(ya?ml|json)$/.test(name) ? [base] : [`${base}.yml`, `${base}.yaml`, `${base}.json`, base];
  return candidates.find((c) => existsSync(c));
}

/** Every RoleCall in a task tree, dependencies and roles used inside roles included, each once. */
export function roleCallsIn(nodes: TaskNode[], out: RoleCall[] = [], seen = new Set<Role>()): RoleCall[] {
  for (const n of nodes) {
    if (n.kind === 'block') roleCallsIn([...n.block, ...n.rescue, ...n.always], out, seen);
    else if (n.kind === 'include') roleCallsIn(n.tasks, out, seen);
    else if (n.kind === 'role') {
      out.push(n);
      if (seen.has(n.role)) continue;
      seen.add(n.role);
      roleCallsIn([...n.role.dependencies, ...n.role.tasks], out, seen);
    }
  }
  return out;
}

/** What a role call exports to its play (2.14's Role.get_vars(include_params=False)): its dependencies' calls, then the call's `vars:`, then the role's vars/. */
export function exportedRoleVars(call: RoleCall): Record<string, unknown> {
  return Object.assign({}, ...call.role.dependencies.map(exportedRoleVars), call.vars, call.role.vars) as Record<string, unknown>;
}

/** A role's defaults or vars with its dependencies' (recursively) under its own, as Ansible merges them. */
export function withDependencies(role: Role, which: 'defaults' | 'vars'): Record<string, unknown> {
  const deps = role.dependencies.map((d) => withDependencies(d.role, which));
  return Object.assign({}, ...deps, role[which]) as Record<string, unknown>;
}

export class RoleLoader {
  /** Loaded roles by directory and `*_from` files: each is parsed and reported once. */
  private cache = new Map<string, { role: Role; notifies: NotifyRef[] }>();
  constructor(private tasks: TaskLoader) {}

  private get errors(): NodemendError[] {
    return this.tasks.diagnostics.errors;
  }

  /** A play's `roles:` list. */
  playRoles(y: YamlFile, node: Node | null, ctx: TaskCtx): RoleCall[] {
    if (node == null) return [];
    if (!isSeq(node)) {
      this.errors.push(new NodemendError('schema', `"roles" must be a list of role names or mappings with "role:", got ${kindOf(node)}`, posOf(y, node)));
      return [];
    }
    return items(y, node).flatMap((n) => this.entry(y, n, ctx, 'play') ?? []);
  }

  /** A roles: entry or a meta dependency: `name`, or `{role: name, KEYWORDS..., PARAMS...}`. */
  private entry(y: YamlFile, node: Node | null, ctx: TaskCtx, how: 'play' | 'dependency', dependentRoleDir?: string): RoleCall | undefined {
    if (isScalar(node) && typeof node.value === 'string') return this.call(y, node, node, node.value, new Map(), undefined, {}, ctx, how, dependentRoleDir);
    if (!isMap(node)) {
      this.errors.push(new NodemendError('schema', `a role is a name or a mapping with "role: NAME", got ${kindOf(node)}`, posOf(y, node)));
      return undefined;
    }
    const map = entryMap(y, node);
    const nameKey = map.has('role') ? 'role' : 'name';
    const nameEntry = map.get(nameKey);
    if (!nameEntry || !isScalar(nameEntry.value) || typeof nameEntry.value.value !== 'string') {
      this.errors.push(new NodemendError('schema', 'a role entry needs "role: NAME" (or "name: NAME")', posOf(y, nameEntry?.value ?? node)));
      return undefined;
    }
    const keywordEntries: Entry[] = [];
    const params: Record<string, unknown> = {};
    for (const e of map.values()) {
      if (e.key === nameKey) continue;
      if (e.key in commonShape || e.key === 'role') keywordEntries.push(e);
      else if (identifier.safeParse(e.key).success) params[e.key] = plain(y, e.value);
      else this.errors.push(new NodemendError('unknown-key', `"${e.key}" is neither a keyword of a role entry nor a variable name (role params are variables)`, posOf(y, e.keyNode)));
    }
    const data = Object.fromEntries(keywordEntries.map((e) => [e.key, plain(y, e.value)]));
    if (!check(y, node, data, entryKeywords, this.errors, { what: 'role entry' }).ok) return undefined;
    const keywordMap = new Map(keywordEntries.map((e) => [e.key, e]));
    const call = this.call(y, node, nameEntry.value, nameEntry.value.value, keywordMap, data, params, ctx, how, dependentRoleDir);
    if (call?.role.argumentSpec) checkRoleParams(call.role.argumentSpec, call.role.name, y, params, map, this.errors);
    return call;
  }

  /** `include_role: {name: x, tasks_from: y}` / `import_role:` as a task. */
  fromTask(y: YamlFile, node: Node, map: Map<string, Entry>, keyword: string, ctx: TaskCtx): RoleCall | undefined {
    const data = plain(y, node) as Record<string, unknown>;
    const include = keyword.endsWith('include_role');
    if (include) this.tasks.refuseIncludeKeywords(y, map, data, keyword);
    if (!check(y, node, data, roleTaskSchema(keyword), this.errors, { what: keyword }).ok) return undefined;
    const argsNode = map.get(keyword)!.value;
    // include_role's `args:` go under the ones on the key (mod_args.py), as any task's.
    const argsKw = include && isMap(map.get('args')?.value) ? map.get('args')!.value : undefined;
    const args = argsKw ? { ...(plain(y, argsKw) as object), ...(plain(y, argsNode) as object | null) } : plain(y, argsNode);
    if (!check(y, argsNode, args, include ? includeRoleArgs : importRoleArgs, this.errors, { what: keyword }).ok) return undefined;
    const a = args as z.infer<typeof includeRoleArgs>;
    const argMap = new Map([...(argsKw ? entryMap(y, argsKw) : []), ...entryMap(y, argsNode)]);
    const from: FromFiles = { tasks: a.tasks_from, vars: a.vars_from, defaults: a.defaults_from, handlers: a.handlers_from };
    let apply: RoleCall['apply'];
    if (a.apply) {
      apply = this.tasks.applyKeywords(y, argMap.get('apply')!.value!, a.apply, ctx);
      if (!apply) return undefined;
    }
    const loopKeys = new Set(['loop', 'loop_control', ...Object.keys(loopShape)]);
    const keywords = new Map([...map].filter(([k]) => k !== keyword && !loopKeys.has(k)));
    const call = this.call(y, node, argMap.get('name')!.value!, a.name, keywords, data, {}, ctx, include ? 'include' : 'import', undefined, from, argMap);
    if (!call) return undefined;
    call.apply = apply;
    if (include) Object.assign(call, { register: typeof data.register === 'string' ? data.register : undefined, includeArgs: args });
    call.public = a.public ?? false;
    // include_role / import_role allow duplicates unless told otherwise (Ansible's IncludeRole default).
    call.allowDuplicates = a.allow_duplicates ?? true;
    call.name = typeof data.name === 'string' ? data.name : `${keyword} : ${a.name}`;
    return include ? { ...call, ...this.tasks.loopSpec(y, map, data) } : call;
  }

  private call(
    y: YamlFile,
    node: Node,
    nameNode: Node,
    name: string,
    keywords: Map<string, Entry>,
    data: Record<string, unknown> | undefined,
    params: Record<string, unknown>,
    ctx: TaskCtx,
    how: RoleCall['how'],
    dependentRoleDir?: string,
    from: FromFiles = {},
    argMap?: Map<string, Entry>,
  ): RoleCall | undefined {
    const at = posOf(y, nameNode);
    if (hasTemplate(name)) {
      this.errors.push(new NodemendError('schema', `role name "${name}" is templated: roles must be named statically so they can be validated before any host is touched`, at));
      return undefined;
    }
    const common: TaskCommon = data ? this.tasks.common(y, node, keywords, data, ctx) : { loc: posOf(y, node), when: [], tags: [], vars: {}, environment: [] };
    const role = this.load(name, from, at, ctx, dependentRoleDir, argMap, y);
    if (!role) return undefined;
    // 2.14's ROLE_CACHE key (Role.load's hashed params): import_role and include_role share one entry
    // (from_include), keyed without their when:/tags:, which belong to the include task, not the role.
    const fromInclude = how === 'include' || how === 'import';
    const key = JSON.stringify([role.path, from, params, common.vars, fromInclude ? [] : common.when, fromInclude ? [] : common.tags, fromInclude]);
    return { ...common, kind: 'role', name: role.name, how, role, params, public: false, allowDuplicates: role.allowDuplicates, key };
  }

  private find(name: string, ctx: TaskCtx, dependentRoleDir?: string): { dir?: string; looked: string[] } {
    const playDir = ctx.playDir ?? ctx.dir;
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(name)) return { looked: [] }; // a collection role (ns.collection.role)
    const looked = name.includes('/') ? [resolve(playDir, name)] : roleSearchPath(playDir, dependentRoleDir).map((d) => join(d, name));
    return { dir: looked.find((d) => existsSync(d) && statSync(d).isDirectory()), looked };
  }

  private load(name: string, from: FromFiles, at: Loc, ctx: TaskCtx, dependentRoleDir: string | undefined, argMap: Map<string, Entry> | undefined, y: YamlFile): Role | undefined {
    const { dir, looked } = this.find(name, ctx, dependentRoleDir);
    if (!dir) {
      const why = looked.length ? `looked in ${looked.map(displayPath).join(', ')}` : 'roles from collections are not supported: put the role under roles/ beside the playbook';
      const known = looked.length ? [...new Set(looked.map(dirname))].flatMap((d) => (existsSync(d) ? readdirSync(d) : [])) : [];
      this.errors.push(new NodemendError('file-not-found', `role "${name}" not found${didYouMean(name, known)}; ${why}`, at));
      return undefined;
    }
    const chain = ctx.roleChain ?? [];
    if (chain.includes(dir)) {
      this.errors.push(new NodemendError('schema', `role dependency cycle: ${[...chain.slice(chain.indexOf(dir)), dir].map((d) => basename(d)).join(' → ')}`, at));
      return undefined;
    }
    const cacheKey = JSON.stringify([dir, from]);
    const cached = this.cache.get(cacheKey);
    if (cached) {
      ctx.notifies.push(...cached.notifies);
      return cached.role;
    }
    const roleName = basename(dir);
    // A `*_from` file that is named must exist; main files are optional.
    const fileOf = (sub: keyof FromFiles): string | undefined => {
      const want = from[sub];
      const f = roleFile(dir, sub, want ?? 'main');
      if (!f && want !== undefined) {
        const e = argMap?.get(`${sub}_from`);
        this.errors.push(
          new NodemendError('file-not-found', `role "${roleName}" has no ${sub} file "${want}" (looked for ${displayPath(join(dir, sub, want))}{,.yml,.yaml})`, e?.value ? posOf(y, e.value) : at),
        );
      }
      return f;
    };
    const notifies: NotifyRef[] = [];
    const roleCtx: TaskCtx = { dir: join(dir, 'tasks'), stack: ctx.stack, handler: false, notifies, role: { name: roleName, path: dir }, playDir: ctx.playDir ?? ctx.dir, roleChain: [...chain, dir] };
    const meta = this.meta(dir, roleCtx);
    const tasksFile = fileOf('tasks');
    const handlersFile = fileOf('handlers');
    // Ansible's _prepend_validation_task: the entry point's spec, checked before the role's tasks.
    const argumentSpec = loadArgumentSpecs(dir, this.errors, meta.argumentSpecs).get(from.tasks ?? 'main');
    const tasks = tasksFile ? this.tasks.tasksFile(tasksFile, at, roleCtx) : [];
    const role: Role = {
      name: roleName,
      path: dir,
      defaults: this.vars(fileOf('defaults')),
      vars: this.vars(fileOf('vars')),
      tasks: argumentSpec ? [validationTask(argumentSpec, { name: roleName, path: dir }), ...tasks] : tasks,
      argumentSpec,
      handlers: handlersFile ? this.tasks.tasksFile(handlersFile, at, { ...roleCtx, dir: join(dir, 'handlers'), handler: true }) : [],
      allowDuplicates: meta.allowDuplicates,
      dependencies: meta.dependencies,
    };
    this.cache.set(cacheKey, { role, notifies });
    ctx.notifies.push(...notifies);
    return role;
  }

  /** defaults/ or vars/: one file, or a directory of them merged in name order. */
  private vars(file: string | undefined): Record<string, unknown> {
    if (!file) return {};
    if (!statSync(file).isDirectory()) return loadVarsFile(file, this.errors) ?? {};
    const names = readdirSync(file)
      .filter((n) => /\.(ya?ml|json)$/.test(n))
      .sort();
    return Object.assign({}, ...names.map((n) => loadVarsFile(join(file, n), this.errors) ?? {})) as Record<string, unknown>;
  }

  private meta(dir: string, ctx: TaskCtx): { allowDuplicates: boolean; dependencies: RoleCall[]; argumentSpecs?: { y: YamlFile; node: Node | null } } {
    const none = { allowDuplicates: false, dependencies: [] };
    const file = roleFile(dir, 'meta', 'main');
    if (!file) return none;
    const y = readYaml(file, this.errors, undefined, 'role meta file');
    if (!y || y.doc.errors.length || y.root == null) return none;
    const data = plain(y, y.root);
    if (!check(y, y.root, data, metaSchema, this.errors, { what: 'role meta' }).ok) return none;
    const m = data as z.infer<typeof metaSchema>;
    const depsNode = entryMap(y, y.root).get('dependencies')?.value ?? null;
    const dependencies = items(y, depsNode).flatMap((n) => this.entry(y, n, ctx, 'dependency', dir) ?? []);
    const argumentSpecs = { y, node: entryMap(y, y.root).get('argument_specs')?.value ?? null };
    return { allowDuplicates: m.allow_duplicates ?? false, dependencies, argumentSpecs };
  }
}
