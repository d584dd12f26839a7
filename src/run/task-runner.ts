/**
 * One task on one host: condition, loop, argument rendering, become, plan, apply
 * (unless check), changed_when / failed_when / until, register and notify. The
 * plan is made just before the task runs, so it always sees the effect of the
 * tasks before it (no stale facts across tasks).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { BoolKeyword, Loc, LoopSpec, Task } from '../load/model.js';
import type { BecomeSpec, RemoteShell } from '../transport/types.js';
import { UnreachableError } from '../transport/types.js';
import { findModule } from '../modules/registry.js';
import { taskDisplayName } from './task-title.js';
import { scratchPlannedPaths } from '../modules/lib/planned-paths.js';
import { ModuleFailure, type ModuleContext, type ModuleDef, type Plan } from '../modules/types.js';
import { evaluateCondition, evaluateTemplatedExpression, hasTemplate, renderDeep, renderStored, UndefinedVariableError } from '../load/expr/index.js';
import { notePlainStr, strShape } from '../load/expr/str-class.js';
import { isUnsafe, markUnsafe, unwrapUnsafe } from '../load/expr/unsafe.js';
import { plainNumbers, PyFloat, toText } from '../load/expr/values.js';
import { ExprValueError } from '../load/expr/errors.js';
import { NodemendError } from '../load/errors.js';
import { JINJA_DEFAULTS, renderTemplateFile, TEMPLATE_MODULE_VARS } from '../load/template.js';
import type { TaskResult, TaskStatus } from './events.js';
import type { HostRun } from './host-run.js';
import { applyNullArgs } from '../load/null-args.js';
import { ansibleArgTypes } from '../load/arg-types.js';
import { withModuleDefaults } from '../load/module-defaults.js';
import { buildScope, removeOmit, withFacts, type ScopeParts } from './scope.js';
import { NO_LOG_MSG, tail } from './censor.js';
import { resolveLocalPath, templateSearchPath } from '../load/local-paths.js';
import type { RunOptions, TaskKey } from './options.js';
import { extendedLoopVars, loopItems } from './loops.js';
import { BasisRecorder, recordingShell, type Basis } from '../plan/basis.js';
import { blockVarsOf, type Inherited } from './inherited.js';
import { keywordBool, renderEnvironment, withEnvironment } from './keywords.js';
import { becomeOf } from './privilege.js';
import { loginUser } from './login-user.js';
import { expandPaths } from '../modules/lib/expand-path.js';
import { addDynamicGroup, addDynamicHost } from './dynamic-inventory.js';

export interface TaskEnv {
  options: RunOptions;
  /** Connection of another host (delegate_to). */
  connectionOf(hostName: string): HostRun | undefined;
  scopeBase: Omit<ScopeParts, 'host' | 'blockVars' | 'taskVars' | 'role' | 'includeParams'>;
  playName: string;
  /** The run's stop (Ctrl-C, SIGTERM), for modules that only wait (pause). */
  stop?: AbortSignal;
}

export interface HostTaskOutcome {
  results: TaskResult[];
  /** The host failed this task (not ignored): it stops here unless a rescue takes it. */
  failed: boolean;
  /** Unreachable and out of the play (an ignore_unreachable one is not: its results say `ignored`). */
  unreachable: boolean;
  changed: boolean;
}

/**
 * A dynamic include's own `when:` on one host (include_role: its keywords gate the include,
 * not its tasks; include_tasks: a false one skips the include): undefined when it is included, else its skipped or failed result.
 */
export async function includeGate(name: string, loc: Loc, when: string[], host: HostRun, inh: Inherited, env: TaskEnv, module = 'include_role'): Promise<TaskResult | undefined> {
  if (!when.length) return undefined;
  const started = Date.now();
  const scope = buildScope({ ...env.scopeBase, host, blockVars: blockVarsOf(inh, host.name), taskVars: {}, role: inh.role, includeParams: inh.includeParams });
  const base = { host: host.name, play: env.playName, task: name, taskLoc: `${loc.file}:${loc.line ?? 0}`, module, check: env.options.check, changed: false, startedAt: started };
  try {
    if (await withFacts(host.facts, () => evaluateCondition(when, scope, loc), scope)) return undefined;
    return { ...base, status: 'skipped', msg: 'conditional result was false', durationMs: Date.now() - started };
  } catch (e) {
    return { ...base, status: 'failed', msg: errorMessage(e, false), durationMs: Date.now() - started };
  }
}

/**
 * The task's privilege (run/privilege.ts): its keywords, then the connection variables of the host
 * whose connection runs it, as Ansible reads them (cvars): under delegate_to (and connection: local)
 * the delegated host's variables with the task's own play, block, task and loop variables.
 */
function resolveBecome(task: Task, inh: Inherited, host: HostRun, target: HostRun, env: TaskEnv, scope: Record<string, unknown>, check: boolean, item: unknown): BecomeSpec | undefined {
  const vars =
    target === host
      ? scope
      : {
          ...buildScope({ ...env.scopeBase, check, host: target, blockVars: blockVarsOf(inh, host.name), taskVars: task.vars, role: inh.role, includeParams: inh.includeParams }),
          ...(item === undefined ? {} : { [task.loop_var]: item }),
        };
  return becomeOf(task.become ?? inh.become, task.become_user ?? inh.become_user, task.loc, target, vars);
}

/** How a no_log task that set a variable is named where its value cannot be shown (the journal). */
function noLogLabel(task: Task, noLog: boolean): string | undefined {
  return noLog ? `"${task.name ?? task.module}" (${task.loc.file}:${task.loc.line ?? 0})` : undefined;
}

/** The task's keywords as they stand on this host (templates rendered with its scope). */
interface HostKeywords {
  noLog: boolean;
  ignoreErrors: boolean;
  /** ignore_unreachable (task > block > role > play): an unreachable host stays in the play. */
  ignoreUnreachable?: boolean;
  /** The task's own check_mode (true: forced into check mode even in a real run). */
  forcedCheck?: boolean;
  /** The task's own diff (true: diff shown and registered without --diff; false: never). */
  forcedDiff?: boolean;
  /** run_once: the other hosts of the batch, which get the facts this host's task sets (2.14 get_task_hosts). */
  shareFactsWith?: readonly HostRun[];
}

/**
 * A task's boolean keyword on one host, rendered with that host's scope (run_once, which the
 * executor decides before any host runs the task, is rendered on the batch's first host, as Ansible does).
 */
export async function keywordOnHost(task: Pick<Task, 'vars' | 'loc'>, inh: Inherited, host: HostRun, env: TaskEnv, value: BoolKeyword | undefined, name: string): Promise<boolean | undefined> {
  if (value === undefined || typeof value === 'boolean') return value;
  const scope = buildScope({ ...env.scopeBase, host, blockVars: blockVarsOf(inh, host.name), taskVars: task.vars });
  return withFacts(host.facts, () => keywordBool(value, name, scope, task.loc), scope);
}

/** `title`: the task's title for this run (task-title.ts), the same on every host; its untemplated name when not given. */
export async function runTaskOnHost(task: Task, host: HostRun, inh: Inherited, env: TaskEnv, title?: string, shareFactsWith: readonly HostRun[] = []): Promise<HostTaskOutcome> {
  const started = Date.now();
  // Keywords first, in the run's mode: a task's `check_mode:` wins over --check either way, as in Ansible.
  const kwScope = buildScope({ ...env.scopeBase, host, blockVars: blockVarsOf(inh, host.name), taskVars: task.vars, role: inh.role, includeParams: inh.includeParams });
  let kw: HostKeywords = { noLog: task.no_log !== undefined && task.no_log !== false, ignoreErrors: false, shareFactsWith };
  let kwError: unknown;
  try {
    kw = await withFacts(
      host.facts,
      () => {
        keywordBool(task.run_once, 'run_once', kwScope, task.loc); // the executor decided it; one it could not read fails here
        return {
          noLog: keywordBool(task.no_log ?? inh.no_log, 'no_log', kwScope, task.loc) ?? false,
          ignoreErrors: keywordBool(task.ignore_errors ?? inh.ignore_errors, 'ignore_errors', kwScope, task.loc) ?? false,
          ignoreUnreachable: keywordBool(task.ignore_unreachable ?? inh.ignore_unreachable, 'ignore_unreachable', kwScope, task.loc) ?? false,
          forcedCheck: keywordBool(task.check_mode, 'check_mode', kwScope, task.loc),
          forcedDiff: keywordBool(task.diff, 'diff', kwScope, task.loc),
          shareFactsWith,
        };
      },
      kwScope,
    );
  } catch (e) {
    kwError = e; // the task fails on this host below (no_log assumed: the value could not be read)
  }
  const check = kw.forcedCheck ?? env.options.check;
  // Built per item: a set_fact of an earlier item is seen by the next (Ansible's loops accumulate).
  const scopeNow = (): Record<string, unknown> =>
    buildScope({ ...env.scopeBase, check, host, blockVars: blockVarsOf(inh, host.name), taskVars: task.vars, role: inh.role, includeParams: inh.includeParams });
  // Nothing ran since kwScope was built: in the same mode it is this scope (one buildScope per host and task, not two).
  const scope = check === env.scopeBase.check ? kwScope : scopeNow();
  const noLog = kw.noLog;
  const base = {
    host: host.name,
    play: env.playName,
    // A no_log that turned out true on this host hides the arguments even if the title showed them.
    task: noLog && !task.name ? taskDisplayName(task, true) : (title ?? taskDisplayName(task, noLog)),
    taskLoc: `${task.loc.file}:${task.loc.line ?? 0}`,
    module: task.module,
    check,
    isHandler: inh.handler === true,
  };
  const finish = (status: TaskStatus, fields: Partial<TaskResult> = {}): TaskResult => ({
    ...base,
    status,
    changed: status === 'changed',
    startedAt: started,
    durationMs: Date.now() - started,
    ...fields,
  });

  try {
    if (kwError) throw kwError;
    const items = task.loop === undefined ? undefined : await loopItemsOrSkip(task, inh, scope, host);
    if (items === SKIPPED) {
      const result = { changed: false, skipped: true, skip_reason: 'Conditional result was False' };
      if (task.register) host.setVars({ [task.register]: markUnsafe(result) }, noLogLabel(task, noLog));
      return { results: [finish('skipped', { msg: 'conditional result was false' })], failed: false, unreachable: false, changed: false };
    }
    if (items?.length === 0) {
      // As Ansible's task_executor: a loop without items (an empty list, first_found with skip) is one skipped result.
      const reason = 'No items in the list';
      if (task.register) host.setVars({ [task.register]: markUnsafe({ changed: false, skipped: true, skipped_reason: reason, results: [] }) }, noLogLabel(task, noLog));
      return { results: [finish('skipped', { msg: reason })], failed: false, unreachable: false, changed: false };
    }

    const runs: { result: Record<string, unknown>; tr: TaskResult; args?: Record<string, unknown> }[] = [];
    for (const [index, item] of (items ?? [undefined]).entries()) {
      // loop_control.pause: Ansible sleeps before every item but the first, in check mode too.
      if (index > 0 && task.loop_pause) await sleep(task.loop_pause * 1000);
      // As _run_loop sets them in the task's variables: the same keys it writes into the item's result.
      const loopKeys = items === undefined ? undefined : itemResultKeys(task, task.loop_var, items, index);
      const itemScope = loopKeys ? { ...(index === 0 ? scope : scopeNow()), ...loopKeys } : scope;
      const seen: { args?: Record<string, unknown> } = {};
      const one = await runOnce(task, host, inh, env, itemScope, kw, loopKeys && { item, keys: loopKeys }, finish, check, seen);
      runs.push({ ...one, args: seen.args });
      // 2.14 tries every item; a host that leaves the play on the first stays out of the rest.
      if (one.tr.status === 'unreachable' && !kw.ignoreUnreachable) break;
    }

    // A loop task's result is the list of its items' results: what `register` stores and, when an item
    // failed, what a rescue sees as ansible_failed_result (2.14's TaskExecutor hands on this one result).
    const taskResult =
      items === undefined
        ? runs[0].result
        : {
            results: runs.map((r) => r.result),
            changed: runs.some((r) => r.result.changed),
            // Ansible's loop result names `failed` only when an item failed (each item's result always has it).
            ...(runs.some((r) => r.result.failed) ? { failed: true } : {}),
            skipped: runs.every((r) => r.result.skipped),
            msg: runs.some((r) => r.result.failed) ? 'One or more items failed' : runs.every((r) => r.result.skipped) ? 'All items skipped' : 'All items completed',
          };
    // What a host returned is data: never rendered as a template again.
    if (task.register) host.setVars({ [task.register]: markUnsafe(taskResult) }, noLogLabel(task, noLog));
    const results = runs.map((r) => r.tr);
    const failed = results.some((r) => r.status === 'failed' && !r.ignored);
    if (failed) {
      const bad = runs.find((r) => r.tr.status === 'failed')!;
      host.lastFailure = { task: markUnsafe(failedTaskView(task, base.task, noLog, items === undefined ? bad.args : undefined)) as Record<string, unknown>, result: markUnsafe(taskResult) };
    }
    const unreachable = results.some((r) => r.status === 'unreachable' && !r.ignored);
    const changed = results.some((r) => r.status === 'changed');
    if (changed && !failed) for (const n of await notifiedNames(task, kwScope, host)) host.notified.add(n);
    return { results, failed, unreachable, changed };
  } catch (e) {
    // Errors before any item ran (loop expression, unknown variable in loop).
    const tr = finish('failed', { msg: errorMessage(e, noLog), ignored: kw.ignoreErrors });
    if (task.register) host.setVars({ [task.register]: markUnsafe({ failed: true, msg: tr.msg, changed: false }) }, noLogLabel(task, noLog));
    if (!tr.ignored) host.lastFailure = { task: markUnsafe(failedTaskView(task, base.task, kw.noLog)) as Record<string, unknown>, result: markUnsafe({ failed: true, msg: tr.msg, changed: false }) };
    return { results: [tr], failed: !tr.ignored, unreachable: false, changed: false };
  }
}

const SKIPPED = Symbol('skipped');

/**
 * A task's loop items on this host, or SKIPPED: as Ansible's TaskExecutor keeps a loop that names an
 * undefined variable (`with_items: "{{ r.stdout_lines }}"` of a task that never ran) and raises it
 * only once the task's `when:` (with its blocks' and include's) is true, a false one skips the task.
 */
async function loopItemsOrSkip(task: Task, inh: Inherited, scope: Record<string, unknown>, host: HostRun): Promise<unknown[] | typeof SKIPPED> {
  try {
    return await loopItemsOnHost(task, scope, host, task.loc);
  } catch (e) {
    const when = [...inh.when, ...task.when];
    if (!(e instanceof UndefinedVariableError) || !when.length) throw e;
    let holds: boolean;
    try {
      holds = await withFacts(host.facts, () => evaluateCondition(when, scope, task.loc), scope);
    } catch {
      throw e;
    }
    if (holds) throw e;
    return SKIPPED;
  }
}

/** A loop's items on this host (a task's, or an include_tasks'); items of a list made from host output are data too. */
export async function loopItemsOnHost(spec: Partial<LoopSpec> & { module?: string }, scope: Record<string, unknown>, host: HostRun, loc: Loc): Promise<unknown[]> {
  const rendered = await withFacts(host.facts, () => renderStored(spec.loop, scope, loc), scope);
  // with_pipe runs its commands here: as a lookup in a template, without stalling other hosts.
  const items = await withFacts(host.facts, () => loopItems(spec.loop_kind ?? 'loop', unwrapUnsafe(rendered), scope, spec.module), scope);
  return items.map((x) => (isUnsafe(rendered) ? markUnsafe(x) : x));
}

/**
 * What 2.14's _run_loop writes into each item's result: the item under the loop variable's name,
 * `ansible_loop_var`, with index_var that variable and `ansible_index_var`, with extended `ansible_loop`.
 */
export function itemResultKeys(spec: Partial<LoopSpec>, loopVar: string, items: unknown[], index: number): Record<string, unknown> {
  return { [loopVar]: items[index], ansible_loop_var: loopVar, ...loopVars(spec, items, index), ...(spec.index_var ? { ansible_index_var: spec.index_var } : {}) };
}

/** What loop_control adds beside the item: index_var, and with extended the ansible_loop mapping. */
export function loopVars(spec: Partial<LoopSpec>, items: unknown[], index: number): Record<string, unknown> {
  return {
    ...(spec.index_var ? { [spec.index_var]: index } : {}),
    ...(spec.extended_loop ? { ansible_loop: extendedLoopVars(items, index, spec.extended_allitems !== false) } : {}),
  };
}

/**
 * `ansible_failed_task` in a rescue, as Ansible 2.14 exposes it (the task after templating for its
 * host): its name as titled, module, arguments (as rendered; a loop's as written) and keywords. Where
 * Ansible shows a secret, nodemend does not: a no_log task's argument values and an argument the
 * module's argument spec marks no_log (user's `password`) read VALUE_SPECIFIED_IN_NO_LOG_PARAMETER.
 */
function failedTaskView(task: Task, title: string, noLog: boolean, rendered?: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(findModule(task.module)?.secretArgs ?? []);
  const args = Object.fromEntries(Object.entries(rendered ?? task.args).map(([k, v]) => [k, noLog || secret.has(k) ? HIDDEN_ARG : v]));
  const name = task.loop === undefined ? title.slice(task.role ? task.role.length + 3 : 0) : (task.name ?? '');
  return { name: task.name ? name : '', action: task.module, args, when: task.when, tags: task.tags, register: task.register, loop: task.loop };
}

/** What Ansible puts in place of an argument its argument spec marks no_log. */
const HIDDEN_ARG = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER';

/** The report's message: a failed assert names the condition, not only its fail_msg (the registered msg stays Ansible's). */
function shownMessage(result: Record<string, unknown>): string | undefined {
  const msg = result.msg === undefined || typeof result.msg === 'string' ? result.msg : JSON.stringify(result.msg, null, 2);
  return result.failed && typeof result.assertion === 'string' ? `${msg} (assertion: ${result.assertion})` : msg;
}

function errorMessage(e: unknown, noLog: boolean): string {
  if (noLog) return NO_LOG_MSG;
  if (e instanceof Error) return (e as { format?: () => string }).format?.() ?? e.message;
  return String(e);
}

/**
 * PlayContext (2.14) names a task's login user in its variables (update_vars): ansible_user where the
 * task's own variables have none, ansible_ssh_user where no variable sets it, its `when:` included.
 * The user (set_task_and_variable_override): without delegate_to, the `remote_user` keyword (task >
 * block > role > play, templated) where the inventory names none (else the inventory's, already
 * there); under delegate_to, the delegated host's inventory user, else the keyword. Neither: both
 * stay undefined.
 */
function withLoginUserVars(task: Task, inh: Inherited, host: HostRun, env: TaskEnv, scope: Record<string, unknown>): Record<string, unknown> {
  const keyword = task.remote_user ?? inh.remote_user;
  const keywordUser = (): string | undefined => (keyword === undefined ? undefined : toText(renderDeep(keyword, scope, task.loc)).trim() || undefined);
  if (task.delegate_to === undefined) {
    if (!host.inv.defaultUser || 'ansible_user' in scope) return scope;
    const user = keywordUser();
    return user ? { ...scope, ansible_user: user, ...('ansible_ssh_user' in scope ? {} : { ansible_ssh_user: user }) } : scope;
  }
  let delegated: HostRun | undefined;
  try {
    delegated = env.connectionOf(String(renderDeep(task.delegate_to, scope, task.loc)));
  } catch {
    // a delegate_to that cannot be rendered fails the task where it is rendered for the connection
  }
  const user = delegated && !delegated.inv.defaultUser ? delegated.inv.connection.user : keywordUser();
  if (!user) return scope;
  // The ansible_ssh_user the host's own inventory user gave (magic-vars.ts taskConnectionVars) is update_vars', not a variable: the delegated login's replaces it.
  const sshIsInventory = !host.inv.defaultUser && scope.ansible_ssh_user === host.inv.connection.user;
  return { ...scope, ...('ansible_user' in scope ? {} : { ansible_user: user }), ...('ansible_ssh_user' in scope && !sshIsInventory ? {} : { ansible_ssh_user: user }) };
}

async function runOnce(
  task: Task,
  host: HostRun,
  inh: Inherited,
  env: TaskEnv,
  scope: Record<string, unknown>,
  kw: HostKeywords,
  /** A loop's item, and the keys its registered result carries (itemResultKeys). */
  loopItem: { item: unknown; keys: Record<string, unknown> } | undefined,
  finish: (status: TaskStatus, fields?: Partial<TaskResult>) => TaskResult,
  check: boolean,
  /** Filled with the arguments as rendered for this run, once they are (ansible_failed_task shows them). */
  seen: { args?: Record<string, unknown> } = {},
): Promise<{ result: Record<string, unknown>; tr: TaskResult }> {
  const item = loopItem?.item;
  const withItem = loopItem?.keys ?? {};
  // loop_control.label: what reports show for the item (a big dict, or one carrying a secret)
  let shownItem: { item?: unknown } = item === undefined ? {} : { item: unwrapUnsafe(item) };
  const { noLog, ignoreErrors } = kw;
  const diffOn = kw.forcedDiff ?? env.options.diff;
  const when = [...inh.when, ...task.when];
  try {
    scope = withLoginUserVars(task, inh, host, env, scope);
    if (item !== undefined && task.loop_label !== undefined) {
      shownItem = { item: await withFacts(host.facts, () => renderDeep(task.loop_label, scope, task.loc), scope) };
    }
    if (when.length && !(await withFacts(host.facts, () => evaluateCondition(when, scope, task.loc), scope))) {
      const result = { changed: false, skipped: true, skip_reason: 'Conditional result was False', ...withItem };
      return { result, tr: finish('skipped', { msg: 'conditional result was false', ...shownItem }) };
    }
    const mod = findModule(task.module);
    if (!mod) throw new ModuleFailure(`unknown module "${task.module}"`);
    const args = await renderArgs(mod, task, scope, host, seen);

    // connection: local runs the task on the control machine, for this host (its vars, its report line).
    const local = (task.connection ?? inh.connection) === 'local' && !host.inv.connection.local;
    const delegate = task.delegate_to === undefined ? undefined : String(renderDeep(task.delegate_to, scope, task.loc));
    const target = local ? env.connectionOf('localhost') : delegate !== undefined ? env.connectionOf(delegate) : host;
    if (!target) throw new ModuleFailure(`delegate_to: no inventory host named "${delegate}" (localhost, 127.0.0.1 and ::1 mean the control machine)`);
    // delegate_facts: what the task sets as facts goes to the delegated host (its register stays here);
    // under run_once set_fact/include_vars bind on every host of the batch, as 2.14's get_task_hosts.
    const factsHosts = delegate !== undefined && task.delegate_facts === true ? [target] : [host, ...(kw.shareFactsWith ?? [])];
    const become = await withFacts(target.facts, () => resolveBecome(task, inh, host, target, env, scope, check, item), scope);
    const environment = await withFacts(host.facts, () => renderEnvironment(task.environment, scope, task.loc), scope);
    const login = loginUser(target.inv, task.remote_user ?? inh.remote_user, scope, task.loc);
    const conn = mod.local ? undefined : await target.connectAs(login);
    const basisRec = new BasisRecorder();
    const warnings: string[] = [];
    const noConn: RemoteShell = {
      hostName: host.name,
      exec: () => Promise.reject(new Error(`module ${mod.name} runs on the controller only`)),
    };
    const ctx: ModuleContext = {
      host: target.name,
      conn: conn ? recordingShell(withEnvironment(conn.as(become), environment), basisRec) : noConn,
      loginConn: conn ? recordingShell(withEnvironment(conn.as(undefined), environment), basisRec) : noConn,
      check,
      writesInPlan: !check && !env.options.planGuard,
      identityMemo: conn ? identityMemo(conn, become?.user ?? '') : undefined,
      diff: diffOn && !noLog,
      noLog,
      facts: target.facts,
      vars: scope,
      renderTemplate: (file, opts, extra) => {
        const searchPath = templateSearchPath(env.scopeBase.play.dir, file, inh.role?.path, task.loc?.file);
        return withFacts(target.facts, () => renderTemplateFile(file, { ...scope, ...TEMPLATE_MODULE_VARS, ...extra }, { ...(opts ?? JINJA_DEFAULTS), searchPath }), scope);
      },
      resolveLocalPath: (p, kind) => {
        const file = resolveLocalPath(env.scopeBase.play.dir, p, kind, inh.role?.path);
        env.options.onLocalFile?.(file);
        return file;
      },
      // Facts are fetched here as in when:, so assert's that and debug's var may read any fact.
      evaluate: (expr) => withFacts(target.facts, () => evaluateTemplatedExpression(expr, scope, task.loc), scope),
      template: (text) => withFacts(target.facts, () => renderDeep(text, scope, task.loc), scope),
      setHostVars: (vars, opts) => factsHosts.forEach((h) => h.setVars(vars, noLogLabel(task, noLog), opts?.facts, opts?.cacheable)),
      setIncludedVars: (vars) => factsHosts.forEach((h) => h.setIncludedVars(vars, noLogLabel(task, noLog))),
      // group_by groups the task's own host, also under delegate_to (2.14's original_host).
      inventory: {
        groupBy: (key, parents) => addDynamicGroup(env.scopeBase.inventory, host.name, key, parents),
        addHost: (name, groups, hostVars) => addDynamicHost(env.scopeBase.inventory, name, groups, hostVars),
      },
      planned: kw.forcedCheck === true ? scratchPlannedPaths(target.planned) : target.planned,
      identity: become?.user ?? login,
      becomeUser: become?.user,
      ...(login !== target.inv.connection.user ? { otherLogin: login } : {}),
      moduleName: task.moduleAs ?? task.module,
      timeoutSec: task.timeout ?? env.options.taskTimeoutSec,
      // --check plans an async task as it would run without async (README "Choices"; 2.14 fails it).
      ...(task.async && !check ? { async: { limit: task.async, poll: task.poll ?? 15 } } : {}),
      reconnect: async (deadline) => {
        await (await target.connectAs(login)).reconnect(deadline);
        target.facts.invalidate();
      },
      stop: env.stop,
      warn: (msg) => void warnings.push(msg),
    };

    // task_executor.py: with until, retries + 1 attempts (retries <= 0: one); without, one.
    const attempts = task.until ? (task.retries <= 0 ? 1 : task.retries + 1) : 1;
    let result: Record<string, unknown> = {};
    let applied = false;
    let basis: Basis | undefined;
    let shownDiff: Plan['diff'];
    let checkResult: Record<string, unknown> | undefined;
    let untilMsg: string | undefined;
    let shown: string | undefined;
    const key: TaskKey = { host: host.name, play: env.playName, taskLoc: `${task.loc.file}:${task.loc.line ?? 0}`, isHandler: inh.handler === true, item: shownItem.item };
    for (let attempt = 1; ; attempt++) {
      ({ result, applied, basis, diff: shownDiff, checkResult, shown } = await planAndApply(mod, args, ctx, basisRec, env.options.planGuard && ((plan) => env.options.planGuard!(key, plan))));
      // As task_executor.py fills them in before changed_when/failed_when read the registered result.
      if (!('failed' in result)) result.failed = 'rc' in result && result.rc !== 0 && result.rc !== '0';
      if (task.until) result.attempts = attempt;
      if (!('changed' in result)) result.changed = false;
      const regScope = task.register ? { ...scope, [task.register]: markUnsafe(result) } : scope;
      if (!('skipped' in result)) await evaluateResultConditions(task, result, regScope, target, check && !applied);
      if (!task.until) break;
      if (check && !applied) break;
      // until is read whatever the attempt's outcome (a failed attempt that meets it ends the retries).
      if (await withFacts(target.facts, () => evaluateCondition(task.until!, regScope, task.loc), regScope)) break;
      if (attempt === attempts) {
        // Out of attempts: Ansible registers `attempts` as retries and fails the result (its msg stays the module's).
        result.attempts = attempts - 1;
        result.failed = true;
        untilMsg = `until condition not met after ${attempts} attempts`;
        break;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, task.delay < 0 ? 1 : task.delay) * 1000));
    }
    if (checkResult) {
      // A check run registers 2.14's msg ("Command would have run if not in check mode"); reports keep the plan's words.
      if ('msg' in checkResult) shown ??= shownMessage(result);
      result = { ...checkResult, ...result, ...('msg' in checkResult ? { msg: checkResult.msg } : {}) };
    }
    Object.assign(result, withItem);
    // TaskResult.is_failed: failed_when's verdict when it ran (an until that ran out still registers failed: true), else `failed`.
    const failed = Boolean('failed_when_result' in result ? result.failed_when_result : result.failed);
    // Every result a task returns carries `failed`, as Ansible's TaskExecutor adds it (a skip has none).
    result.failed = Boolean(result.failed);
    // A module that skips itself (debug under its verbosity, unarchive's creates) is reported skipped, as Ansible's TaskResult.is_skipped reads it.
    const skipped = result.skipped === true;
    const status: TaskStatus = failed ? 'failed' : skipped ? 'skipped' : result.changed ? 'changed' : 'ok';
    // no_log hides output from reports only: the registered result stays whole, as in Ansible,
    // so a later task can use what a secret-handling task returned.
    return {
      result,
      tr: finish(status, {
        ...shownItem,
        // A failed result keeps its changed flag (a command that ran and failed changed), as Ansible reports it.
        changed: failed ? Boolean(result.changed) : status === 'changed',
        ignored: failed && ignoreErrors,
        censored: noLog || undefined,
        msg: noLog ? (failed ? NO_LOG_MSG : undefined) : (untilMsg ?? shown ?? shownMessage(result)),
        rc: noLog ? undefined : (result.rc as number | undefined),
        stdoutTail: noLog ? undefined : tail(result.stdout),
        stderrTail: noLog ? undefined : tail(result.stderr),
        diff: noLog || !diffOn ? undefined : (shownDiff ?? (isFileDiffs(result.diff) ? result.diff : undefined)),
        basis,
        ...(warnings.length ? { warnings } : {}),
      }),
    };
  } catch (e) {
    if (e instanceof UnreachableError) {
      if (!kw.ignoreUnreachable) {
        host.unreachable = true;
        host.unreachableMsg = e.message;
      }
      // 2.14's registered result: an item's carries its item, a task's `changed: false`.
      const result = { ...(item === undefined ? { changed: false } : withItem), msg: e.message, unreachable: true };
      return { result, tr: finish('unreachable', { msg: e.message, ...shownItem, ...(kw.ignoreUnreachable ? { ignored: true } : {}) }) };
    }
    const msg = errorMessage(e, noLog);
    const extra = e instanceof ModuleFailure && !noLog ? e.result : {};
    const registered = e instanceof ModuleFailure && !noLog && e.registeredMsg !== undefined ? e.registeredMsg : msg;
    const result = { ...extra, failed: true, changed: false, msg: registered, ...withItem };
    const shownMsg = shownMessage({ ...extra, msg, failed: true }) ?? msg;
    return {
      result,
      tr: finish('failed', {
        msg: shownMsg,
        ...shownItem,
        ignored: ignoreErrors,
        censored: noLog || undefined,
        rc: extra.rc as number | undefined,
        stdoutTail: tail(extra.stdout),
        stderrTail: tail(extra.stderr),
      }),
    };
  }
}

/**
 * changed_when, then failed_when, on an attempt's result, as task_executor.py evaluates them: failed_when
 * sets `failed_when_result` and `failed`; a condition that cannot be evaluated fails the result and leaves
 * Conditional's message in `changed_when_result` / `failed_when_result` (the result is kept: its stdout too).
 * In check mode an unapplied command has no rc/stdout: a condition that needs them keeps the plan's verdict.
 */
async function evaluateResultConditions(task: Task, result: Record<string, unknown>, scope: Record<string, unknown>, target: HostRun, unapplied: boolean): Promise<void> {
  conditions: for (const [which, conds] of [
    ['changed', task.changed_when],
    ['failed', task.failed_when],
  ] as const) {
    if (!conds?.length) continue;
    let verdict = true;
    for (const cond of conds) {
      try {
        verdict = await withFacts(target.facts, () => evaluateCondition([cond], scope, task.loc), scope);
      } catch (e) {
        if (unapplied && e instanceof UndefinedVariableError) continue conditions;
        if (!(e instanceof UndefinedVariableError || e instanceof ExprValueError || e instanceof NodemendError)) throw e;
        result.failed = true;
        result[`${which}_when_result`] = `The conditional check '${cond}' failed. The error was: error while evaluating conditional (${cond}): ${e.message}`;
        return;
      }
      if (!verdict) break;
    }
    if (which === 'changed') result.changed = verdict;
    else result.failed_when_result = result.failed = verdict;
  }
}

/** set_fact: which stored values Ansible would hold as a Python str, not AnsibleUnicode (expr/str-class.ts). */
function notePlainStrs(raw: Record<string, unknown>, rendered: Record<string, unknown>, scope: Record<string, unknown>, host: HostRun): void {
  const rawValues = Object.values(raw);
  Object.entries(rendered).forEach(([k, v], i) => notePlainStr(host.runtimeVars, k, v, strShape(rawValues[i], v, scope, hasTemplate)));
}

/**
 * A module's arguments through its schema. set_fact and debug keep an integral float (1.0) as a value;
 * other modules read it as the text Python's str() gives ("1.0", what 2.14's str arguments make of it),
 * or as its number where the schema takes no text.
 */
export function parseArgs(mod: ModuleDef, args: Record<string, unknown>): ReturnType<ModuleDef['schema']['safeParse']> {
  if (mod.storesArgs || mod.name === 'debug') return mod.schema.safeParse(args);
  const typed = ansibleArgTypes(mod.schema as z.ZodType, args);
  if (typed.errors.length) throw new ModuleFailure(typed.errors.map(([, m]) => m).join('; '));
  args = typed.args;
  // Inside a list or dict only: a float on its own is the text Python's str() gives (`content: "{{ 4 / 2 }}"` writes 2.0).
  const floats = mod.floatArgs?.filter((k) => typeof args[k] === 'object' && args[k] !== null && !(args[k] instanceof PyFloat));
  const plain = (as: 'text' | 'number'): Record<string, unknown> => {
    const out = plainNumbers(args, as) as Record<string, unknown>;
    return floats?.length && out !== args ? { ...out, ...Object.fromEntries(floats.map((k) => [k, args[k]])) } : out;
  };
  const text = plain('text');
  const parsed = mod.schema.safeParse(text);
  return parsed.success || text === args ? parsed : mod.schema.safeParse(plain('number'));
}

async function renderArgs(mod: ModuleDef, task: Task, scope: Record<string, unknown>, host: HostRun, seen: { args?: Record<string, unknown> }): Promise<unknown> {
  const raw = new Set(mod.rawArgs ?? []);
  const toRender: Record<string, unknown> = {};
  const kept: Record<string, unknown> = {};
  // module_defaults under the task's own arguments, templated with them (2.14's get_action_args_with_defaults).
  const given = withModuleDefaults(mod.name, mod.schema as z.ZodType, task.module_defaults, task.args);
  for (const [k, v] of Object.entries(given)) (raw.has(k) ? kept : toRender)[k] = v;
  const render = (): Record<string, unknown> =>
    mod.storesArgs
      ? // Their keys are variable names, templated as Ansible's set_fact action templates them ("{{ item.key }}": ...).
        Object.fromEntries(Object.entries(toRender).map(([k, v]) => [toText(renderDeep(k, scope, task.loc)), renderStored(v, scope, task.loc)]))
      : (renderDeep(toRender, scope, task.loc) as Record<string, unknown>);
  const all = await withFacts(host.facts, render, scope);
  // Marked before omitted keys go: notePlainStrs pairs the rendered entries with the raw ones in order.
  if (mod.storesArgs) notePlainStrs(toRender, all, scope, host);
  const rendered = removeOmit(all) as Record<string, unknown>;
  seen.args = { ...rendered, ...kept };
  // A template rendering None, as 2.14 treats it (null-args.ts).
  const nulls = applyNullArgs(mod.schema as z.ZodType, rendered, mod.name);
  if (nulls.errors.length) throw new ModuleFailure(nulls.errors.map(([, m]) => m).join('; '));
  const parsed = parseArgs(mod, { ...nulls.args, ...kept });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
    throw new ModuleFailure(`invalid arguments for ${mod.name} after templating: ${issues}`);
  }
  return parsed.data;
}

/**
 * A task's `notify:` names, templated as 2.14 templates them (Task.post_validate, with the task's
 * variables on its host) when they hold `{{ }}`; a name that cannot be rendered is notified as written.
 */
export async function notifiedNames(task: Pick<Task, 'notify' | 'loc'>, scope: Record<string, unknown>, host: HostRun): Promise<string[]> {
  const out: string[] = [];
  for (const n of task.notify) {
    if (!hasTemplate(n)) out.push(n);
    else out.push(await withFacts(host.facts, () => toText(renderDeep(n, scope, task.loc)), scope).catch(() => n));
  }
  return out;
}

/** ModuleContext.identityMemo: per connection (a host and login user) and become user. */
const memos = new WeakMap<object, Map<string, Map<string, string>>>();
function identityMemo(conn: object, becomeUser: string): Map<string, string> {
  let byUser = memos.get(conn);
  if (!byUser) memos.set(conn, (byUser = new Map()));
  let m = byUser.get(becomeUser);
  if (!m) byUser.set(becomeUser, (m = new Map()));
  return m;
}

async function planAndApply(
  mod: ModuleDef,
  args: unknown,
  ctx: ModuleContext,
  basisRec: BasisRecorder,
  guard?: (plan: Plan) => string | undefined,
): Promise<{ result: Record<string, unknown>; applied: boolean; basis?: Basis; diff?: Plan['diff']; checkResult?: Record<string, unknown>; shown?: string }> {
  let basis: Basis | undefined;
  try {
    const pathArgs = typeof mod.pathArgs === 'function' ? mod.pathArgs(args) : mod.pathArgs;
    const plan = await mod.plan(pathArgs?.length ? await expandPaths(ctx, args as object, pathArgs) : args, ctx);
    // What the plan read, taken before apply() reads anything else.
    basis = { ...basisRec.entries, ...plan.basis };
    if (!ctx.check) {
      const refused = guard?.(plan);
      if (refused) throw new ModuleFailure(refused);
    }
    let result: Record<string, unknown> = { ...(plan.result ?? {}), changed: plan.changed };
    // The plan's msg is what reports print; a module that registers its own msg (debug's value) keeps it,
    // one whose Ansible twin registers none on success prints it only.
    const registersMsg = !mod.reportOnlyMsg && !(plan.result && 'msg' in plan.result);
    if (plan.msg && registersMsg) result.msg = plan.msg;
    // A module that registers Ansible's own `diff` (yum_repository's before/after dict) keeps it, `diff: undefined`
    // when its Ansible module registers none (sysctl); reports show the plan's.
    if (plan.diff && ctx.diff && !(plan.result && 'diff' in plan.result)) result.diff = plan.diff;
    // `diff: undefined`: the module registers no diff at all (file's touch of a new file in --check).
    if ('diff' in result && result.diff === undefined) delete result.diff;
    let applied = false;
    if (plan.changed && !ctx.check && plan.apply) {
      // What was done, as the module words it; a plan without a done message keeps its own.
      if ((plan.done ?? plan.msg) && !mod.reportOnlyMsg) result.msg = plan.done ?? plan.msg;
      result = { ...result, ...((await plan.apply()) ?? {}) };
      applied = true;
    }
    const said = applied ? (plan.done ?? plan.msg) : plan.msg;
    const shown = plan.shown ?? (mod.reportOnlyMsg ? said : undefined);
    return { result, applied, basis, diff: ctx.diff ? plan.diff : undefined, checkResult: applied ? undefined : plan.checkResult, shown };
  } catch (e) {
    // A module may say its failure changed something (command/shell ran); otherwise nothing changed.
    if (e instanceof ModuleFailure) return { result: { changed: false, ...e.result, failed: true, msg: e.registeredMsg ?? e.message }, applied: true, basis };
    throw e;
  }
}

/** A registered `diff` that is nodemend's own file list (apt's), not an Ansible module's before/after pairs (lineinfile's). */
function isFileDiffs(d: unknown): d is NonNullable<TaskResult['diff']> {
  return Array.isArray(d) && d.every((x) => typeof (x as { path?: unknown } | null)?.path === 'string');
}
