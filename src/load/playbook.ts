/**
 * Playbook YAML → `Playbook`: plays and `import_playbook` entries (flattened,
 * paths relative to the importing file; an import's tags are added to its plays
 * and its vars override theirs, as in Ansible), vars_files, tasks (pre_tasks +
 * tasks + post_tasks), handlers, and the check that every `notify` names a
 * handler of its play.
 */
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, type Node } from 'yaml';
import { z } from 'zod';
import { NodemendError } from './errors.js';
import { moduleDefaultsOf } from './module-defaults.js';
import type { Block, Loc, Play, Playbook, TaskNode } from './model.js';
import { handlerNamesIn } from './handlers.js';
import { exportedRoleVars, roleCallsIn, withDependencies } from './roles.js';
import type { Diag } from './diag.js';
import { hasTemplate } from './expr/index.js';
import { checkConditions, checkTemplate, checkTemplatesDeep } from './expr-check.js';
import { importPlaybookSchema, playSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import { boolKeyword, environmentOf, stringList, tagList, TaskLoader, varsOf, type NotifyRef, type TaskCtx } from './tasks.js';
import { displayPath, entryMap, items, kindOf, plain, posOf, readYaml, type YamlFile } from './yaml-source.js';
import { check } from './zod-errors.js';
import { loadVarsFiles } from './vars-files.js';

/** Where each play's `hosts:` was written, for host pattern errors (load.ts). */
export const playHostsLoc = new WeakMap<Play, Loc>();
/** A play's `vars_prompt` entries: the names, defaults and where each is (load.ts answers them, never prompting). */
export const playPrompts = new WeakMap<Play, { name: string; default: unknown; at: Loc }[]>();

interface Inherited {
  tags: string[];
  vars: Record<string, unknown>;
  /** import_playbook `when:`s, outermost first: prepended to each pre_tasks/roles/tasks/post_tasks entry's. */
  when: string[];
}

const IMPORT_KEYS = ['import_playbook', 'ansible.builtin.import_playbook'];
/** Task lists are checked task by task (tasks.ts), so the play schema takes them as they are. */
const PLAY = playSchema(z.unknown());
const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * An import_playbook's `when:` on a section's entries: each in a block with those conditions, as 2.14
 * prepends them to each of the section's blocks (so a task an entry includes checks them again).
 */
function importedWhen(nodes: TaskNode[], when: string[]): TaskNode[] {
  if (!when.length) return nodes;
  return nodes.map((n): Block => ({ kind: 'block', loc: n.loc, when, tags: [], vars: {}, environment: [], block: [n], rescue: [], always: [] }));
}

/** Names and listen topics, read from the YAML so a handler with an error elsewhere still counts. */
function handlerNames(handlers: unknown): string[] {
  const list = Array.isArray(handlers) ? handlers.map(asRecord) : [];
  return [...new Set(list.flatMap((h) => [...(typeof h.name === 'string' ? [h.name] : []), ...stringList(h.listen)]))];
}

export function loadPlaybook(absFile: string, diag: Diag): Playbook {
  const loader = new PlaybookLoader(diag);
  return { file: displayPath(absFile), plays: loader.file(absFile, [], undefined, { tags: [], vars: {}, when: [] }) };
}

class PlaybookLoader {
  private tasks: TaskLoader;
  constructor(private diag: Diag) {
    this.tasks = new TaskLoader(diag);
  }

  private get errors(): NodemendError[] {
    return this.diag.errors;
  }

  file(abs: string, stack: string[], from: Loc | undefined, inh: Inherited): Play[] {
    const y = readYaml(abs, this.errors, from, 'playbook');
    if (!y || y.doc.errors.length) return []; // after a syntax error the tree is not worth checking
    if (y.root == null) {
      this.errors.push(new NodemendError('schema', 'playbook is empty: expected a list of plays (- hosts: ...)', posOf(y, null)));
      return [];
    }
    if (!isSeq(y.root)) {
      this.errors.push(new NodemendError('schema', `a playbook is a list of plays (- hosts: ...), got ${kindOf(y.root)}`, posOf(y, y.root)));
      return [];
    }
    const plays: Play[] = [];
    for (const item of items(y, y.root)) {
      if (!isMap(item)) {
        this.errors.push(new NodemendError('schema', `a play must be a mapping (hosts:, tasks: ...) or an import_playbook, got ${kindOf(item)}`, posOf(y, item)));
        continue;
      }
      const map = entryMap(y, item);
      const importKey = IMPORT_KEYS.find((k) => map.has(k));
      if (importKey) plays.push(...this.importPlaybook(y, item, importKey, abs, stack, inh));
      else {
        const play = this.play(y, item, abs, stack, inh);
        if (play) plays.push(play);
      }
    }
    return plays;
  }

  private importPlaybook(y: YamlFile, node: Node, key: string, abs: string, stack: string[], inh: Inherited): Play[] {
    const map = entryMap(y, node);
    const data = plain(y, node) as Record<string, unknown>;
    const schema = key === 'import_playbook' ? importPlaybookSchema : importPlaybookSchema.extend({ [key]: z.string() }).omit({ import_playbook: true });
    if (!check(y, node, data, schema as z.ZodType, this.errors, { what: 'import_playbook' }).ok) return [];
    const pathNode = map.get(key)!.value!;
    const path = data[key] as string;
    if (hasTemplate(path)) {
      this.errors.push(new NodemendError('schema', `import_playbook path "${path}" is templated: imports must be static so they can be validated before any host is touched`, posOf(y, pathNode)));
      return [];
    }
    const target = resolve(dirname(abs), path);
    if ([...stack, abs].includes(target)) {
      const chain = [...stack, abs].slice([...stack, abs].indexOf(target));
      this.errors.push(new NodemendError('schema', `import cycle: ${[...chain, target].map(displayPath).join(' → ')}`, posOf(y, pathNode)));
      return [];
    }
    checkTemplatesDeep(y, map.get('vars')?.value ?? null, this.errors);
    // Outer imports are applied last, so their vars win (Ansible: play.vars | import.vars).
    const when = checkConditions(y, map.get('when')?.value ?? null, this.errors, this.diag.warnings);
    const next: Inherited = { tags: [...inh.tags, ...tagList(data.tags)], vars: { ...varsOf(data.vars), ...inh.vars }, when: [...inh.when, ...when] };
    return this.file(target, [...stack, abs], posOf(y, pathNode), next);
  }

  private play(y: YamlFile, node: Node, abs: string, stack: string[], inh: Inherited): Play | undefined {
    const before = this.errors.length;
    const map = entryMap(y, node);
    const data = plain(y, node) as Record<string, unknown>;
    check(y, node, data, PLAY, this.errors, { what: 'play' });
    for (const k of ['name', 'become_user', 'remote_user']) {
      const e = map.get(k);
      if (e?.value && typeof data[k] === 'string') checkTemplate(y, e.value, data[k] as string, this.errors);
    }
    const dir = dirname(abs);
    const hosts = Array.isArray(data.hosts) ? stringList(data.hosts).join(',') : typeof data.hosts === 'string' ? data.hosts : '';

    for (const k of ['vars', 'environment', 'become', 'ignore_unreachable']) checkTemplatesDeep(y, map.get(k)?.value ?? null, this.errors);
    // 2.14's get_vars: the play's vars (an import_playbook's merged over them), then each vars_files
    // entry over those, so a site's vars_files override the play's defaults.
    const gathers = data.gather_facts === undefined || boolKeyword(data.gather_facts) === true;
    const { vars, templated } = loadVarsFiles(y, map.get('vars_files')?.value, dir, { ...varsOf(data.vars), ...inh.vars }, gathers, this.errors);

    const notifies: NotifyRef[] = [];
    const ctx = (handler: boolean): TaskCtx => ({ dir, stack: [...stack, abs], handler, notifies, playDir: dir });
    const section = (k: string, handler = false) => importedWhen(this.tasks.list(y, map.get(k)?.value ?? null, ctx(handler)), handler ? [] : inh.when);
    // Ansible's order: pre_tasks, roles (each after its dependencies), tasks, post_tasks.
    const pre = section('pre_tasks');
    const roles = importedWhen(this.tasks.playRoles(y, map.get('roles')?.value ?? null, ctx(false)), inh.when);
    const main = [...roles, ...section('tasks')];
    const tasks = [...pre, ...main, ...section('post_tasks')];
    const calls = roleCallsIn(tasks);
    // Roles' handlers come first (one group per role and *_from set), then the play's.
    const roleHandlers = [...new Map(calls.filter((c) => c.role.handlers.length).map((c) => [c.role.handlers, c])).values()];
    const handlers = [...roleHandlers, ...section('handlers', true)];
    // Static roles' defaults and vars (with their dependencies') are seen by every task of the play
    // (Ansible's play.get_roles(): the `roles:` entries, then import_roles in the order loaded; include_role's
    // only once run with public: true). A role's vars there are 2.14's Role.get_vars without params: its
    // dependencies', the call's `vars:`, then its vars/ files, so `import_role: {name: r}` + `vars: {port: 8080}`
    // sets `port` for the whole play (private_role_vars is off by default).
    const exported = [...calls.filter((c) => c.how === 'play'), ...calls.filter((c) => c.how === 'import')];
    const roleDefaults = Object.assign({}, ...exported.map((c) => withDependencies(c.role, 'defaults'))) as Record<string, unknown>;
    const roleVars = Object.assign({}, ...exported.map(exportedRoleVars)) as Record<string, unknown>;

    const name = typeof data.name === 'string' ? data.name : hosts;
    this.checkNotify(notifies, [...new Set([...handlerNames(data.handlers), ...handlerNamesIn(handlers)])], name);
    const serial = data.serial === undefined ? [] : Array.isArray(data.serial) ? data.serial : [data.serial];
    if (this.errors.length > before) return undefined;
    const play: Play = {
      name,
      loc: posOf(y, node),
      hosts,
      vars,
      ...(templated ? { varsFiles: templated } : {}),
      become: boolKeyword(data.become),
      become_user: typeof data.become_user === 'string' ? data.become_user : undefined,
      connection: data.connection === 'local' || data.connection === 'ssh' ? data.connection : undefined,
      remote_user: typeof data.remote_user === 'string' ? data.remote_user : undefined,
      environment: environmentOf(data.environment),
      throttle: typeof data.throttle === 'number' ? data.throttle : undefined,
      module_defaults: moduleDefaultsOf(y, map.get('module_defaults'), this.errors),
      diff: boolKeyword(data.diff),
      gather_facts: boolKeyword(data.gather_facts),
      serial: serial as (number | string)[],
      max_fail_percentage: typeof data.max_fail_percentage === 'number' ? data.max_fail_percentage : undefined,
      any_errors_fatal: typeof data.any_errors_fatal === 'boolean' ? data.any_errors_fatal : undefined,
      ignore_unreachable: boolKeyword(data.ignore_unreachable),
      order: typeof data.order === 'string' ? (data.order as Play['order']) : undefined,
      force_handlers: typeof data.force_handlers === 'boolean' ? data.force_handlers : undefined,
      tags: [...inh.tags, ...tagList(data.tags)],
      tasks,
      sectionEnds: [pre.length, pre.length + main.length],
      handlers,
      roleDefaults,
      roleVars,
      dir,
    };
    playHostsLoc.set(play, posOf(y, map.get('hosts')?.value ?? node));
    const prompts = map.get('vars_prompt')?.value;
    if (isSeq(prompts)) {
      const list = items(y, prompts).map((n) => ({ entry: plain(y, n) as { name: string; default?: unknown }, at: posOf(y, n) }));
      playPrompts.set(
        play,
        list.map(({ entry, at }) => ({ name: entry.name, default: entry.default, at })),
      );
    }
    return play;
  }

  private checkNotify(notifies: NotifyRef[], names: string[], play: string): void {
    for (const n of notifies) {
      if (names.includes(n.name) || hasTemplate(n.name)) continue; // a templated name is rendered when its task changes (2.14's post_validate)
      const list = names.length ? `handlers: ${names.map((h) => `"${h}"`).join(', ')}` : 'the play has no handlers';
      this.errors.push(new NodemendError('schema', `no handler named "${n.name}" in play "${play}"${didYouMean(n.name, names)}; ${list}`, n.pos));
    }
  }
}
