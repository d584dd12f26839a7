/**
 * Checks that need the whole load (playbook, inventory and -e together), run before any
 * host is touched:
 *
 * - a controller file a task sends (`template`/`copy`/`unarchive` `src`) that does not exist
 *   where the runner would look for it (load/local-paths.ts), also when `src` is templated
 *   and its value is known now (play vars, vars files, task/block vars, -e, inventory vars of
 *   each selected host, a static loop's items);
 * - a name read by a `when:` condition that nothing can define;
 * - an `identity_file` that does not exist, for a host the run selects;
 * - an `ansible_become` written as a value that is not one of Ansible's booleans (run/privilege.ts
 *   would fail every task it reaches, as Ansible's boolean(strict) does).
 *
 * Both are conservative: a value that depends on anything only known at run time (facts,
 * registered results, set_fact) is not judged, a source a controller-side task could create (a fetch's dest, a task run on the control machine) is not required, and a
 * name read under `is defined` or `default()` is never reported.
 */
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { NodemendError } from './errors.js';
import { compileTemplate, hasTemplate, namesInCondition, namesInTemplate } from './expr/index.js';
import { barCommands } from './expr/lookups.js';
import { positioner } from './expr/template-string.js';
import { LOCALHOST_NAMES } from './localhost.js';
import { localPathCandidates } from './local-paths.js';
import type { Inventory, Loc, Play, Playbook, Task, TaskNode } from './model.js';
import { didYouMean } from './suggest.js';
import { argLocs, conditionLocs } from './tasks.js';
import { identityLocs } from './inventory.js';
import { BOOL_FALSE, BOOL_TRUE } from './schema.js';

/** Variables the runner itself puts in every task's scope (run/scope.ts buildScope, run/task-runner.ts). */
const MAGIC = [
  'facts',
  'ansible_facts',
  'hostvars',
  'groups',
  'group_names',
  'inventory_hostname',
  'inventory_hostname_short',
  'ansible_play_hosts',
  'play_hosts',
  'ansible_check_mode',
  'ansible_version',
  'playbook_dir',
  'ansible_failed_task',
  'ansible_failed_result',
  'ansible_loop',
  'ansible_loop_var',
  'omit',
  // run/magic-vars.ts
  'ansible_play_hosts_all',
  'ansible_play_batch',
  'ansible_play_name',
  'ansible_play_role_names',
  'role_names',
  'ansible_role_names',
  'ansible_dependent_role_names',
  'ansible_diff_mode',
  'ansible_forks',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_inventory_sources',
  'ansible_config_file',
  'inventory_file',
  'inventory_dir',
  'ansible_host',
  'ansible_port',
  'ansible_user',
  'ansible_connection',
];

/** Modules that only read or report: run on the control machine, they create no file a later copy could send. */
const READ_ONLY = new Set(['debug', 'assert', 'fail', 'stat', 'set_fact', 'meta', 'wait_for', 'slurp']);

const SOURCES: Record<string, 'template' | 'file'> = { template: 'template', copy: 'file', unarchive: 'file' };

interface Walked {
  task: TaskNode;
  play: Play;
  playIndex: number;
  /** Block and include vars above the task, outermost first. */
  vars: Record<string, unknown>;
  local: boolean;
}

function* walk(nodes: TaskNode[], play: Play, playIndex: number, vars: Record<string, unknown>, local: boolean): Generator<Walked> {
  for (const task of nodes) {
    const isLocal = local || task.connection === 'local';
    yield { task, play, playIndex, vars, local: isLocal };
    const inner = { ...vars, ...task.vars };
    if (task.kind === 'block') for (const list of [task.block, task.rescue, task.always]) yield* walk(list, play, playIndex, inner, isLocal);
    if (task.kind === 'include') yield* walk(task.tasks, play, playIndex, inner, isLocal);
  }
}

function* everyTask(playbook: Playbook): Generator<Walked> {
  for (const [i, play] of playbook.plays.entries()) {
    const local = play.connection === 'local' || LOCALHOST_NAMES.includes(play.hosts);
    yield* walk(play.tasks, play, i, {}, local);
    yield* walk(play.handlers, play, i, {}, local);
  }
}

const runsOnController = (w: Walked): boolean =>
  w.local || (w.task.kind === 'task' && w.task.delegate_to !== undefined && (LOCALHOST_NAMES.includes(w.task.delegate_to) || hasTemplate(w.task.delegate_to)));

/** Every name something in this load can define (conservative: any host, any play). */
function definableNames(playbook: Playbook, inventory: Inventory, extraVars: Record<string, unknown>): Set<string> {
  const names = new Set<string>([...MAGIC, ...Object.keys(extraVars)]);
  for (const h of inventory.hosts.values()) for (const k of Object.keys(h.vars)) names.add(k);
  for (const g of inventory.groups.values()) for (const k of Object.keys(g.vars)) names.add(k);
  for (const play of playbook.plays) {
    for (const k of Object.keys(play.vars)) names.add(k);
    // A templated vars_files entry: any file it may read.
    for (const e of play.varsFiles?.entries ?? []) for (const vars of 'vars' in e ? [e.vars] : e.candidates.values()) for (const k of Object.keys(vars)) names.add(k);
  }
  for (const { task } of everyTask(playbook)) {
    for (const k of Object.keys(task.vars)) names.add(k);
    // include_tasks / include_role register and loop too.
    if (task.kind === 'include' || task.kind === 'role') for (const k of [task.register, task.loop_var, task.index_var]) if (k) names.add(k);
    if (task.kind !== 'task') continue;
    for (const k of [task.register, task.loop_var, task.index_var]) if (k) names.add(k);
    if (task.module === 'set_fact') for (const k of Object.keys(task.args)) names.add(k);
  }
  return names;
}

/** Names set while the run goes (register, set_fact, loop variables): a value reading them is not known now. */
function runtimeNames(playbook: Playbook): Set<string> {
  const names = new Set<string>(['facts', 'ansible_facts', 'hostvars', 'ansible_failed_task', 'ansible_failed_result', 'ansible_loop', 'ansible_loop_var']);
  for (const { task } of everyTask(playbook)) {
    if (task.kind === 'include' || task.kind === 'role') for (const k of [task.register, task.loop_var, task.index_var]) if (k) names.add(k);
    if (task.kind !== 'task') continue;
    for (const k of [task.register, task.loop_var, task.index_var]) if (k) names.add(k);
    if (task.module === 'set_fact') for (const k of Object.keys(task.args)) names.add(k);
  }
  return names;
}

function undefinedInConditions(playbook: Playbook, known: Set<string>, errors: NodemendError[]): void {
  const reported = new Set<string>();
  for (const { task } of everyTask(playbook)) {
    const locs = conditionLocs.get(task.when);
    for (const [i, cond] of task.when.entries()) {
      let names;
      try {
        names = namesInCondition(cond);
      } catch {
        continue; // a syntax error is reported where it was compiled
      }
      for (const { name, offset } of names.read) {
        if (known.has(name) || names.guarded.has(name) || name.startsWith('ansible_')) continue;
        const at = positioner(cond, locs?.[i] ?? task.loc)(offset) ?? task.loc;
        const key = `${at.file}:${at.line}:${at.col}:${name}`;
        if (reported.has(key)) continue; // a task file included twice
        reported.add(key);
        errors.push(
          new NodemendError(
            'undefined-variable',
            `when: "${name}" is defined nowhere (not in vars, vars files, the inventory, -e, register, set_fact, loop variables or the runner's own variables)${didYouMean(name, [...known])}; test it with "${name} is defined" or give a default ("${name} | default(...)") if it may be absent`,
            at as Loc,
          ),
        );
      }
    }
  }
}

/** Values `src` takes, if known now: one per selected host (or one without host vars), times a static loop's items. */
function knownValues(w: Walked & { task: Task }, src: string, inventory: Inventory, hosts: string[], extraVars: Record<string, unknown>, runtime: Set<string>): string[] | undefined {
  const t = w.task;
  if (!hasTemplate(src)) return [src];
  let names;
  try {
    names = namesInTemplate(src);
  } catch {
    return undefined;
  }
  if (!names.complete) return undefined;
  const loopVars = new Set([t.loop_var, t.index_var].filter(Boolean));
  if ([...names.read.map((n) => n.name), ...names.guarded].some((n) => runtime.has(n) && !loopVars.has(n))) return undefined;
  let items: unknown[] = [undefined];
  if (t.loop !== undefined) {
    if (!Array.isArray(t.loop) || !['loop', 'list', 'items'].includes(t.loop_kind)) return undefined;
    const flat = t.loop_kind === 'items' ? t.loop.flat() : t.loop;
    if (flat.some((x) => typeof x !== 'string' || hasTemplate(x))) return undefined;
    items = flat;
  }
  const values = new Set<string>();
  const template = compileTemplate(src);
  for (const host of hosts.length ? hosts : [undefined]) {
    const h = host === undefined ? undefined : inventory.hosts.get(host);
    for (const [index, item] of items.entries()) {
      const scope: Record<string, unknown> = {
        ...h?.vars,
        ...(h ? { inventory_hostname: h.name, inventory_hostname_short: h.name.split('.')[0], group_names: h.groups.filter((g) => g !== 'all') } : {}),
        playbook_dir: w.play.dir,
        ...w.play.vars,
        ...w.vars,
        ...t.vars,
        ...(t.loop !== undefined ? { [t.loop_var]: item, ...(t.index_var ? { [t.index_var]: index } : {}) } : {}),
        ...extraVars,
      };
      let v: unknown;
      try {
        v = template.render(barCommands(scope));
      } catch {
        return undefined; // reads something only a run knows (a pipe lookup's output too)
      }
      if (typeof v !== 'string') return undefined;
      values.add(v);
    }
  }
  return [...values];
}

function missingSources(playbook: Playbook, inventory: Inventory, extraVars: Record<string, unknown>, hostsByPlay: string[][], errors: NodemendError[]): void {
  const runtime = runtimeNames(playbook);
  // Controller-side writers: a later copy/unarchive may send what they create.
  const fetchDests: string[] = [];
  let anyLocalWriter = false;
  for (const w of everyTask(playbook)) {
    if (w.task.kind !== 'task') continue;
    if (w.task.module === 'fetch') {
      const dest = w.task.args.dest;
      if (typeof dest === 'string' && !hasTemplate(dest)) fetchDests.push(resolve(dest));
      else anyLocalWriter = true;
    } else if (runsOnController(w) && !READ_ONLY.has(w.task.module)) anyLocalWriter = true;
  }
  const underFetch = (file: string): boolean => fetchDests.some((d) => file === d || file.startsWith(d + sep));

  const reported = new Set<string>();
  for (const w of everyTask(playbook)) {
    const t = w.task;
    if (t.kind !== 'task' || !Object.hasOwn(SOURCES, t.module)) continue;
    const src = t.args.src;
    if (typeof src !== 'string' || t.args.remote_src === true || (typeof t.args.remote_src === 'string' && t.args.remote_src !== 'no' && t.args.remote_src !== 'false')) continue;
    if (src.includes('://')) continue; // unarchive downloads URLs on the host
    const kind = SOURCES[t.module];
    const values = knownValues(w as Walked & { task: Task }, src, inventory, hostsByPlay[w.playIndex] ?? [], extraVars, runtime);
    for (const value of values ?? []) {
      const candidates = localPathCandidates(w.play.dir, value, kind);
      if (candidates.some((c) => existsSync(c))) continue;
      if (anyLocalWriter || candidates.some(underFetch)) continue;
      const at = argLocs.get(t.args)?.src ?? t.loc;
      const key = `${at.file}:${at.line}:${at.col}:${value}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const what = value === src ? `"${src}"` : `"${src}" (= "${value}")`;
      errors.push(new NodemendError('file-not-found', `${t.module} src ${what} does not exist; looked at ${candidates.join(', ')}`, at));
    }
  }
}

/** A key file that is not there would make each of its hosts unreachable mid-run (hosts this run selects). */
function missingIdentityFiles(inventory: Inventory, hostsByPlay: string[][], errors: NodemendError[]): void {
  const reported = new Set<string>();
  for (const name of new Set(hostsByPlay.flat())) {
    const h = inventory.hosts.get(name);
    const file = h?.connection.identity_file;
    if (!h || h.connection.local || !file || hasTemplate(file) || existsSync(file) || reported.has(file)) continue;
    reported.add(file);
    errors.push(
      new NodemendError('file-not-found', `identity_file ${file} does not exist (needed for ${name}; a relative path is taken from the inventory's directory)`, identityLocs.get(h) ?? h.loc),
    );
  }
}

/** Append every error these checks find to `errors`. */
/** A literal ansible_become that is no boolean: in the inventory, -e, play vars, roles' vars and defaults, block and task vars. */
function nonBooleanBecome(playbook: Playbook, inventory: Inventory, extraVars: Record<string, unknown>, errors: NodemendError[]): void {
  const check = (vars: Record<string, unknown>, what: string, pos: Loc | undefined): void => {
    const v = vars.ansible_become;
    const ok = v === undefined || v === null || typeof v === 'boolean' || v === 0 || v === 1 || (typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype);
    if (ok || (typeof v === 'string' && (hasTemplate(v) || [...BOOL_TRUE, ...BOOL_FALSE].includes(v.trim().toLowerCase())))) return;
    errors.push(new NodemendError('schema', `ansible_become in ${what} must be a boolean (true/false, yes/no, 1/0) or a "{{ expression }}" giving one, got ${JSON.stringify(v)}`, pos));
  };
  for (const h of inventory.hosts.values()) check(h.vars, `the inventory variables of ${h.name}`, h.loc);
  check(extraVars, '-e', undefined);
  for (const play of playbook.plays) {
    check(play.vars, 'the play vars', play.loc);
    check(play.roleVars, "a role's vars", play.loc);
    check(play.roleDefaults, "a role's defaults", play.loc);
  }
  for (const { task } of everyTask(playbook)) check(task.vars, 'vars', task.loc);
}

export function staticChecks(playbook: Playbook, inventory: Inventory, extraVars: Record<string, unknown>, hostsByPlay: string[][], errors: NodemendError[]): void {
  nonBooleanBecome(playbook, inventory, extraVars, errors);
  missingIdentityFiles(inventory, hostsByPlay, errors);
  missingSources(playbook, inventory, extraVars, hostsByPlay, errors);
  undefinedInConditions(playbook, definableNames(playbook, inventory, extraVars), errors);
}
