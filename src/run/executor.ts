/**
 * Plays → batches (serial) → tasks in lockstep across the batch's hosts (Ansible's
 * linear strategy, at most `forks` hosts at once) → handlers at the end of each
 * batch. A host that fails leaves the play (and the rest of the run) unless a
 * block's rescue takes it; an unreachable host leaves for good. One host's
 * failure never touches another host's state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Block, IncludeTasks, Inventory, InventoryHost, Play, Playbook, RoleCall, Task, TaskNode } from '../load/model.js';
import { handlerBlocks, notifiables, ownNames, type Notifiable } from '../load/handlers.js';
import { UnreachableError, type BecomeSpec, type HostConnection } from '../transport/types.js';
import type { PlayStop, RunObserver, RunResult, TaskResult } from './events.js';
import { HostRun } from './host-run.js';
import { blockVarsOf, enterInclude, enterRole, inherit, ROOT, withInherited, type Inherited } from './inherited.js';
import { markUnsafe } from '../load/expr/unsafe.js';
import { mapLimit } from './limit.js';
import type { HostState, RunOptions } from './options.js';
import { splitBatches } from './batches.js';
import { implicitLocalhost, isImplicitLocalhost } from '../load/localhost.js';
import { orderHosts } from '../load/host-pattern.js';
import { exportedRoleVars } from '../load/roles.js';
import { tagsSelect } from './tags.js';
import { becomeOf, inventoryBecome } from './privilege.js';
import { includeGate, keywordOnHost, itemResultKeys, loopItemsOnHost, runTaskOnHost, type TaskEnv } from './task-runner.js';
import { includeTitle, mayBeNoLog, taskDisplayName, taskTitle } from './task-title.js';
import { buildScope, withFacts } from './scope.js';
import { templatedIncludeFile } from './include-file.js';
import { loginUser } from './login-user.js';
import { evaluateCondition } from '../load/expr/index.js';
import { unwrapUnsafe } from '../load/expr/unsafe.js';
import { startsAt } from './start-at.js';
import { findModule } from '../modules/registry.js';
import { addIncludedRole, optionsVars, PlayHosts, playVars } from './magic-vars.js';
import { playVarsOnHost } from './vars-files.js';
import { RoleRuns } from './role-runs.js';

export interface ExecutorInput {
  playbook: Playbook;
  inventory: Inventory;
  /** Hosts of each play (pattern ∩ --limit), same order as playbook.plays. */
  hostsByPlay: string[][];
  /** A play's hosts resolved when it starts, after group_by / add_host changed the inventory (load/load.ts); undefined: hostsByPlay's. */
  hostsAtStart?: (play: number, warn: (msg: string) => void) => string[] | undefined;
  /** Where a play's start warns (a pattern that matches nothing); default: stderr as "[WARNING]: ...". */
  warn?: (msg: string) => void;
  options: RunOptions;
  /** One connection per host, opened lazily and reused (the transport pool). */
  connect: (host: InventoryHost, user?: string) => Promise<HostConnection>;
  observer?: RunObserver;
  /**
   * Ctrl-C / SIGTERM (reason: the signal's name): no task, batch, handler or play starts
   * once it is aborted; tasks already running finish. `kill` aborted too means their
   * commands were stopped: those results count as interrupted, not as host failures.
   */
  stop?: AbortSignal;
  kill?: AbortSignal;
}

interface PlayCtx {
  play: Play;
  /** The hosts that start the play (not failed or unreachable earlier). */
  playHosts: string[];
  /** Every host the play targets, those that failed in earlier plays too (meta clear_facts / clear_host_errors act on them all). */
  allHosts: string[];
  env: TaskEnv;
  /** The play breaks: any_errors_fatal or run_once (why, shown on the STOPPED line), or max_fail_percentage / a lost batch (true). */
  abort: boolean | string;
  /** meta: end_play (no later task, handler or batch of this play) / end_batch (the rest of this batch). */
  ended?: 'play' | 'batch';
  stop?: AbortSignal;
  kill?: AbortSignal;
  /** What the play passes down to its tasks (handlers run with it). */
  rootInh: Inherited;
  /** --start-at-task: tasks are skipped until one of this name (or glob) comes up, across plays. */
  startAt: { pattern?: string };
  /** Which roles have run on which host in this play (a role runs once unless duplicates are allowed). */
  roles: RoleRuns;
  /** The current batch's hosts: those a run_once task's results reach (runOnceShare). */
  batch: HostRun[];
  /** --step is asking in this batch ("continue" stops it until the next batch, as ansible-playbook's per-batch strategy). */
  stepping: boolean;
}

const halted = (ctx: PlayCtx): boolean => ctx.abort !== false || ctx.ended !== undefined || Boolean(ctx.stop?.aborted);

export async function runPlaybook(input: ExecutorInput): Promise<RunResult> {
  const startedAt = Date.now();
  const { playbook, inventory, options } = input;
  const emit = (e: Parameters<RunObserver['onEvent']>[0]): void => input.observer?.onEvent(e);
  const results: TaskResult[] = [];
  const hostRuns = new Map<string, HostRun>();
  const playedHosts = new Set<string>(); // delegation targets (delegate_to, connection: local) get no recap line, as in Ansible
  const plannedLocal = new Set<string>(); // check mode: controller files fetches would write
  const hostRun = (name: string): HostRun => {
    let h = hostRuns.get(name);
    if (!h) {
      const inv = inventory.hosts.get(name) ?? (isImplicitLocalhost(inventory, name) ? implicitLocalhost(inventory, name) : undefined);
      if (!inv) throw new Error(`no inventory host ${name}`);
      h = new HostRun(
        inv,
        () => input.connect(inv),
        plannedLocal,
        (user) => input.connect(inv, user),
      );
      hostRuns.set(name, h);
    }
    return h;
  };
  const record = (r: TaskResult): void => {
    results.push(r);
    emit({ type: 'task-result', result: r });
  };

  // --resume: what hosts finished in the interrupted run had set, for hostvars and their own later plays.
  for (const [name, vars] of Object.entries(options.restoredVars ?? {}))
    if (inventory.hosts.has(name)) hostRun(name).setVars(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, markUnsafe(v)])), undefined);
  // include_vars values came from the controller's own files: restored as include_vars set them (not marked unsafe).
  for (const [name, vars] of Object.entries(options.restoredIncludedVars ?? {})) if (inventory.hosts.has(name)) hostRun(name).setIncludedVars(vars, undefined);

  const runVars = optionsVars(options, inventory);
  let stopRun = false;
  const stops: PlayStop[] = [];
  let interruptedAt: { batch: string[]; later: string[] } | undefined;
  let lastPlay = -1;
  const startAt = { pattern: options.startAtTask || undefined };
  for (let p = 0; p < playbook.plays.length && !stopRun && !input.stop?.aborted; p++) {
    const play = playbook.plays[p];
    lastPlay = p;
    const names = input.hostsAtStart?.(p, input.warn ?? ((m) => void process.stderr.write(`[WARNING]: ${m}\n`))) ?? input.hostsByPlay[p] ?? [];
    names.forEach((n) => playedHosts.add(hostRun(n).name));
    hostRuns.forEach((h) => (h.ended = false)); // meta: end_host lasts one play
    // The play's `order:` orders its batches (and run_once's host); ansible_play_hosts(_all) keep the pattern's order (2.14's strategy _set_hosts_cache).
    const playHosts = orderHosts(names, play.order).filter((n) => hostRuns.get(n)!.alive);
    // ansible_play_hosts_all: every host the play targets, those that failed in earlier plays too.
    const shownHosts = new PlayHosts(names, hostRuns);
    emit({ type: 'play-start', play: play.name, hosts: playHosts });
    const ctx: PlayCtx = {
      play,
      playHosts,
      allHosts: names,
      abort: false,
      stop: input.stop,
      kill: input.kill,
      startAt,
      roles: new RoleRuns(play.tasks),
      batch: [],
      stepping: false,
      rootInh: inherit(ROOT, {
        when: [],
        tags: play.tags,
        vars: {},
        environment: play.environment,
        become: play.become,
        become_user: play.become_user,
        ignore_unreachable: play.ignore_unreachable,
        connection: play.connection,
        remote_user: play.remote_user,
        diff: play.diff,
        throttle: play.throttle,
        module_defaults: play.module_defaults,
      }),
      env: {
        options,
        playName: play.name,
        stop: input.stop,
        connectionOf: (n) => (inventory.hosts.has(n) || isImplicitLocalhost(inventory, n) ? hostRun(n) : undefined),
        scopeBase: {
          play,
          inventory,
          playHosts: shownHosts,
          magic: playVars(play),
          runVars,
          extraVars: options.extraVars,
          check: options.check,
          hostRuns,
          roleExports: { defaults: { ...play.roleDefaults }, vars: { ...play.roleVars } },
        },
      },
    };
    // Facts that depend on who asks are read as the play's become user (Ansible gathers with it).
    // So are they as the play's login user (its remote_user): Ansible's setup logs in as it.
    for (const n of playHosts) {
      const h = hostRuns.get(n)!;
      let built: Record<string, unknown> | undefined;
      const scope = (): Record<string, unknown> => (built ??= buildScope({ ...ctx.env.scopeBase, host: h, blockVars: {}, taskVars: {} }));
      h.startPlay(playBecome(play, h, scope), play.gather_facts !== false, playLogin(play, h, scope));
      // What an earlier play notified and never ran (its last flush) is that play's: dropped.
      h.notified.clear();
      h.notifiedHandlers.clear();
    }
    // Templated vars_files, per host (2.14 renders them before the play's first task; an error there stops the run).
    const files = play.varsFiles;
    if (files) {
      const hostPlayVars = new Map<string, Record<string, unknown>>();
      await Promise.all(playHosts.map(async (n) => hostPlayVars.set(n, await playVarsOnHost(files, hostRuns.get(n)!, ctx.env.scopeBase))));
      ctx.env.scopeBase.hostPlayVars = hostPlayVars;
    }
    const batches = splitBatches(playHosts, play.serial);
    for (let b = 0; b < batches.length && !halted(ctx); b++) {
      const hosts = batches[b].map((n) => hostRuns.get(n)!);
      ctx.batch = hosts;
      shownHosts.startBatch(batches[b]);
      if (batches.length > 1) emit({ type: 'batch-start', play: play.name, hosts: batches[b], index: b, count: batches.length });
      const rootInh = ctx.rootInh;
      ctx.stepping = Boolean(options.step);
      for (const section of sectionsOf(play)) {
        if (halted(ctx)) break;
        const started = hosts.filter((h) => h.alive);
        await runNodes(section, hosts, rootInh, ctx, record, emit);
        await flushSection(hosts, started, ctx, record, emit);
      }
      if (ctx.ended === 'batch') ctx.ended = undefined; // meta: end_batch ends this batch only
      const later = batches.slice(b + 1).flat();
      if (input.stop?.aborted) interruptedAt = { batch: batches[b], later };
      else {
        // A host that left the play through meta: end_host finished it too.
        const finished = batches[b].filter((n) => !hostRuns.get(n)!.failed && !hostRuns.get(n)!.unreachable);
        options.onBatchDone?.(p, finished, Object.fromEntries(finished.map((n) => [n, hostState(hostRuns.get(n)!)])));
        const why = typeof ctx.abort === 'string' ? ctx.abort : (checkFailureBudget(ctx, hostRuns) ?? batchLost(ctx, batches[b], hostRuns));
        if (why) {
          // Later batches and later plays never start: name the hosts they would have touched.
          const done = new Set(batches.slice(0, b + 1).flat());
          const untouched = [...new Set([...later, ...input.hostsByPlay.slice(p + 1).flat()])].filter((n) => !done.has(n));
          // A lost batch with nothing after it stops nothing a user would miss: no STOPPED line for it.
          // any_errors_fatal and max_fail_percentage break the play (2.14: RUN_FAILED_BREAK_PLAY, exit 2 even when only unreachable hosts caused it).
          if (why !== LOST || untouched.length) stops.push({ play: play.name, reason: why, untouched, ...(why !== LOST ? { breaks: true } : {}) });
        }
      }
    }
    emit({ type: 'play-end', play: play.name });
    if (ctx.abort) stopRun = true;
  }

  const recap: RunResult['recap'] = {};
  for (const [name, h] of hostRuns) if (playedHosts.has(name)) recap[name] = h.recap;
  let interrupted: RunResult['interrupted'];
  if (input.stop?.aborted) {
    const mid = (interruptedAt?.batch ?? []).filter((n) => !hostRuns.get(n)!.failed);
    const rest = [...(interruptedAt?.later ?? []), ...input.hostsByPlay.slice(lastPlay + 1).flat()];
    const notStarted = [...new Set(rest)].filter((n) => !mid.includes(n) && !hostRuns.get(n)?.failed && !hostRuns.get(n)?.unreachable);
    interrupted = { signal: String(input.stop.reason ?? 'SIGINT'), hosts: mid, notStarted };
  }
  // A drain sets nodemend_cordoned on its host (playbooks/tasks/k8s-*.yaml), the uncordon clears it.
  const cordoned = [...hostRuns.values()].filter((h) => h.runtimeVars.nodemend_cordoned === true).map((h) => h.name);
  const result: RunResult = {
    playbook: playbook.file,
    check: options.check,
    startedAt,
    durationMs: Date.now() - startedAt,
    results,
    recap,
    failedHosts: [...hostRuns.values()].filter((h) => h.failed && !h.unreachable).map((h) => h.name),
    unreachableHosts: [...hostRuns.values()].filter((h) => h.unreachable).map((h) => h.name),
    ...(interrupted ? { interrupted } : {}),
    ...(stops.length ? { stopped: stops } : {}),
    ...(cordoned.length ? { cordoned } : {}),
  };
  emit({ type: 'run-end', result });
  return result;
}

/** The play's become on a host; a template that cannot be rendered yet (it reads a fact) leaves the inventory's. */
function playBecome(play: Play, h: HostRun, scope: () => Record<string, unknown>): BecomeSpec | undefined {
  try {
    return becomeOf(play.become, play.become_user, play.loc, h, scope());
  } catch {
    return inventoryBecome(h.inv);
  }
}

/** The play's login user on a host (its remote_user where the inventory names none); one that cannot be rendered yet leaves the inventory's. */
function playLogin(play: Play, h: HostRun, scope: () => Record<string, unknown>): string {
  if (play.remote_user === undefined || play.connection === 'local') return h.inv.connection.user;
  try {
    return loginUser(h.inv, play.remote_user, scope(), play.loc);
  } catch {
    return h.inv.connection.user;
  }
}

/** What the run journal keeps of a finished host: its set_fact/register and include_vars values, except no_log ones (only their task is named). */
function hostState(h: HostRun): HostState {
  const keep = (vars: Record<string, unknown>, noLog: Map<string, string>): Record<string, unknown> => Object.fromEntries(Object.entries(vars).filter(([k]) => !noLog.has(k)));
  return { vars: keep(h.runtimeVars, h.noLogVars), included: keep(h.includedVars, h.noLogIncludedVars), noLog: Object.fromEntries([...h.noLogIncludedVars, ...h.noLogVars]) };
}

/** Records a result; inside a role, also as one of that role's own tasks (`role`; `base` records only). */
type Record_ = ((r: TaskResult) => void) & { role?: RoleCall; base?: (r: TaskResult) => void };
type Emit = (e: Parameters<RunObserver['onEvent']>[0]) => void;

/** Runs a list of nodes on the hosts still alive; returns the hosts that failed inside it. */
async function runNodes(nodes: TaskNode[], hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  const failed: HostRun[] = [];
  for (const node of nodes) {
    if (halted(ctx)) break;
    const active = hosts.filter((h) => h.alive);
    if (active.length === 0) break;
    let f: HostRun[];
    if (node.kind === 'task' && node.module === 'meta') f = await runMeta(node, active, inh, ctx, record, emit);
    else if (node.kind === 'task') f = await runTask(node, active, inh, ctx, record, emit);
    else if (node.kind === 'block') f = await runBlock(node, active, inh, ctx, record, emit);
    else if (node.kind === 'role' && node.how === 'include') f = await runInclude(node, active, inh, ctx, record, emit);
    else if (node.kind === 'role') f = await runRole(node, active, inh, ctx, record, emit);
    else if (node.dynamic) f = await runInclude(node, active, inh, ctx, record, emit);
    else f = await runNodes(node.tasks, active, inherit(inh, node), ctx, record, emit);
    failed.push(...f);
  }
  return [...new Set(failed)];
}

/** What an include's `register:` holds where it includes (Ansible's task_executor: the path and arguments as written). */
function includedResult(node: IncludeTasks | RoleCall): Record<string, unknown> {
  return node.kind === 'include' ? { include: node.include, include_args: node.includeArgs ?? {} } : { include_args: node.includeArgs ?? {} };
}

/** include_tasks / include_role `register:` on one host (a no_log include's value stays out of the journal, as a task's). */
function registerInclude(node: IncludeTasks | RoleCall, inh: Inherited, host: HostRun, value: Record<string, unknown>): void {
  if (!node.register) return;
  const noLog = (node.no_log ?? inh.no_log ?? false) !== false ? `"${node.name ?? node.register}" (${node.loc.file}:${node.loc.line ?? 0})` : undefined;
  host.setVars({ [node.register]: markUnsafe(value) }, noLog);
}

const SKIP_REASON = 'Conditional result was False';

const errorText = (e: unknown): string => (e instanceof Error ? ((e as { format?: () => string }).format?.() ?? e.message) : String(e));

/**
 * A dynamic include (include_tasks, or include_role) on the hosts. Without a loop an include_tasks
 * is one ok result per host it includes on ("included: FILE for HOST", as Ansible prints it), and
 * one skipped result where its `when:` is false (then nothing of it runs there). With a loop its body runs once per item, with the loop variable
 * (loop_control's loop_var, index_var, extended) set per host, as Ansible includes the file or
 * role once per item; items are rendered on each host, item N runs on the hosts that have one.
 */
async function runInclude(node: IncludeTasks | RoleCall, hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  const isRole = node.kind === 'role';
  const module = isRole ? 'include_role' : 'include_tasks';
  // The include's own when: is judged once, on the include (below): Ansible's included tasks skip a
  // dynamic parent's keywords (Task._get_parent_attribute), so a task inside that changes what it
  // reads skips nothing after it. Enclosing blocks' when: still applies to each task, as there.
  const body = (on: HostRun[], perHost?: Inherited['perHost'], tasks?: TaskNode[]): Promise<HostRun[]> =>
    isRole
      ? runRole({ ...node, loop: undefined }, on, perHost ? { ...inh, perHost } : inh, ctx, record, emit)
      : runNodes(tasks ?? node.tasks, on, { ...enterInclude(inh, node), ...(perHost ? { perHost } : {}) }, ctx, record, emit);
  // A templated include_tasks path names its file per host (and item): hosts naming the same file run it together, in the order first named.
  const templated = node.kind === 'include' && node.candidates !== undefined;
  const pick = (host: HostRun, scopeInh: Inherited): Promise<{ file: string; tasks: TaskNode[] }> =>
    templatedIncludeFile(
      node as IncludeTasks,
      buildScope({ ...ctx.env.scopeBase, host, blockVars: blockVarsOf(scopeInh, host.name), taskVars: {}, role: inh.role, includeParams: inh.includeParams }),
      host,
    );
  const byFile = <T>(entries: [HostRun, T, { file: string; tasks: TaskNode[] } | undefined][]): [HostRun, T][][] => {
    const groups = new Map<string, [HostRun, T][]>();
    for (const [h, x, p] of entries) {
      const key = p?.file ?? '';
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push([h, x]);
    }
    return [...groups.values()];
  };
  // Templated once, on the first host, as Ansible's TASK banner; inside a role `ROLE : NAME`, as each of its tasks (Task.get_name()).
  const name = (inh.role ? `${inh.role.name} : ` : '') + (await includeTitle(node, inh, hosts[0], ctx.env.scopeBase));
  const taskLoc = `${node.loc.file}:${node.loc.line ?? 0}`;
  const check = ctx.env.options.check;
  const failed: HostRun[] = [];
  // As in Ansible, the include itself is a result (ok once per item; skipped with no items; failed when its items cannot be made).
  const result = (host: HostRun, status: TaskResult['status'], extra: Partial<TaskResult> = {}): void =>
    record({ host: host.name, play: ctx.play.name, task: name, taskLoc, module, status, changed: false, check, startedAt: Date.now(), durationMs: 0, ...extra });
  const included = node.kind === 'include' ? { msg: node.file } : {};
  // Tags select the include itself, as Ansible's: one not selected includes nothing (a tagged task
  // inside included), one selected passes its tags to no task inside (`apply: { tags }` does).
  if (!inh.handler && !tagsSelect([...inh.tags, ...node.tags], ctx.env.options.tags, ctx.env.options.skipTags)) return [];
  // run_once: the include is made on the batch's first host only, so only that host runs its tasks
  // (Ansible's linear strategy queues it once; the other hosts include nothing).
  const once = hosts.length > 0 && (await keywordOnHost(node, inh, hosts[0], ctx.env, node.run_once ?? inh.run_once, 'run_once').catch(() => false)) === true;
  if (once) hosts = hosts.slice(0, 1);
  if (node.loop === undefined) {
    // Its when: is judged here, once per host, as Ansible's include task: false is a skipped row
    // under its banner and nothing of the file or role runs there; an error fails the host.
    emit({ type: 'task-start', play: ctx.play.name, task: name, taskLoc, hosts: hosts.map((h) => h.name) });
    const own = isRole ? inh : { ...inh, vars: { ...inh.vars, ...node.vars } }; // include_tasks' own vars are visible in its when:
    const on: HostRun[] = [];
    const picked = new Map<HostRun, { file: string; tasks: TaskNode[] }>();
    for (const host of hosts) {
      const gate = await includeGate(name, node.loc, [...inh.when, ...node.when], host, own, ctx.env, module);
      let pickError: string | undefined;
      if (!gate && templated) {
        try {
          picked.set(host, await pick(host, own));
        } catch (e) {
          pickError = errorText(e);
        }
      }
      registerInclude(
        node,
        inh,
        host,
        pickError !== undefined
          ? { failed: true, msg: pickError, changed: false }
          : !gate
            ? { ...includedResult(node), changed: false }
            : gate.status === 'skipped'
              ? { changed: false, skipped: true, skip_reason: SKIP_REASON }
              : { failed: true, msg: gate.msg, changed: false },
      );
      if (pickError !== undefined) {
        result(host, 'failed', { msg: pickError });
        host.failed = true;
        host.recap.failed++;
        failed.push(host);
        continue;
      }
      if (gate) {
        record(gate);
        count(host, { results: [gate], failed: gate.status === 'failed', unreachable: false, changed: false });
        if (gate.status === 'failed') {
          host.failed = true;
          failed.push(host);
        }
        continue;
      }
      on.push(host);
      // Ansible prints include_role's banner with no result under it when it runs.
      if (isRole) continue;
      result(host, 'ok', picked.has(host) ? { msg: picked.get(host)!.file } : included);
      host.recap.ok++;
    }
    emit({ type: 'task-end', play: ctx.play.name, task: name });
    if (templated)
      for (const group of byFile(on.map((h) => [h, h, picked.get(h)])))
        failed.push(
          ...(await body(
            group.map(([h]) => h),
            undefined,
            picked.get(group[0][0])!.tasks,
          )),
        );
    else if (on.length) failed.push(...(await body(on)));
    return [...new Set(failed)];
  }
  const itemsOf = new Map<HostRun, unknown[]>();
  /** Per host, the items whose `when:` held (Ansible judges an include's when: per item). */
  const passed = new Map<HostRun, boolean[]>();
  /** Per host, the file each item's templated path names. */
  const pickedOf = new Map<HostRun, ({ file: string; tasks: TaskNode[] } | undefined)[]>();
  const loopVar = node.loop_var ?? 'item';
  const itemVars = (h: HostRun, l: unknown[], i: number): Record<string, unknown> => ({ ...inh.perHost?.get(h.name), ...itemResultKeys(node, loopVar, l, i) });
  const when = [...inh.when, ...node.when];
  emit({ type: 'task-start', play: ctx.play.name, task: name, taskLoc, hosts: hosts.map((h) => h.name) });
  await mapLimit(hosts, ctx.env.options.forks, async (host) => {
    const scope = buildScope({ ...ctx.env.scopeBase, host, blockVars: blockVarsOf(inh, host.name), taskVars: isRole ? {} : node.vars, role: inh.role, includeParams: inh.includeParams });
    try {
      const items = await loopItemsOnHost(node, scope, host, node.loc);
      itemsOf.set(host, items);
      const held: boolean[] = [];
      const picks: ({ file: string; tasks: TaskNode[] } | undefined)[] = [];
      pickedOf.set(host, picks);
      const registered: Record<string, unknown>[] = [];
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && node.loop_pause) await sleep(node.loop_pause * 1000); // loop_control.pause, as for a task
        const item = unwrapUnsafe(items[i]);
        const own = { ...inh, vars: isRole ? inh.vars : { ...inh.vars, ...node.vars }, perHost: new Map([[host.name, itemVars(host, items, i)]]) };
        const gate = await includeGate(name, node.loc, when, host, own, ctx.env, module);
        if (gate?.status === 'failed') throw new Error(gate.msg);
        held.push(!gate);
        picks.push(!gate && templated ? await pick(host, own) : undefined);
        if (gate) record({ ...gate, item });
        else if (!isRole) result(host, 'ok', { ...included, ...(picks[i] ? { msg: picks[i]!.file } : {}), item });
        // Each item's result names its item as Ansible's loop does (an included one has no `changed`).
        const perItem = itemResultKeys(node, loopVar, items, i);
        registered.push(gate ? { changed: false, skipped: true, skip_reason: SKIP_REASON, ...perItem } : { ...includedResult(node), ...perItem });
      }
      passed.set(host, held);
      const none = !held.includes(true);
      registerInclude(
        node,
        inh,
        host,
        items.length
          ? { results: registered, skipped: none, msg: none ? 'All items skipped' : 'All items completed', changed: false }
          : { changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] },
      );
      if (!items.length) result(host, 'skipped', { msg: 'No items in the list' });
      // The include counts once: skipped when no item is left to include.
      if (!held.includes(true)) host.recap.skipped++;
      else if (!isRole) host.recap.ok++;
    } catch (e) {
      const msg = errorText(e);
      registerInclude(node, inh, host, { failed: true, msg, changed: false });
      result(host, 'failed', { msg });
      host.failed = true;
      host.recap.failed++;
      failed.push(host);
    }
  });
  emit({ type: 'task-end', play: ctx.play.name, task: name });
  const most = Math.max(0, ...[...itemsOf.values()].map((l) => l.length));
  for (let i = 0; i < most && !halted(ctx); i++) {
    const these = [...itemsOf.entries()].filter(([h, l]) => l.length > i && h.alive && passed.get(h)?.[i]);
    if (!these.length) continue;
    for (const group of byFile(these.map(([h, l]) => [h, l, pickedOf.get(h)?.[i]]))) {
      const perHost = new Map(group.map(([h, l]) => [h.name, itemVars(h, l, i)]));
      failed.push(
        ...(await body(
          group.map(([h]) => h),
          perHost,
          pickedOf.get(group[0][0])?.[i]?.tasks,
        )),
      );
    }
  }
  return [...new Set(failed)];
}

/**
 * meta: actions of Ansible 2.14's strategy (_execute_meta). flush_handlers and end_host act per
 * host; end_play, end_batch, clear_facts and clear_host_errors are decided once, on the first host,
 * for the whole play; noop and refresh_inventory do nothing here (the inventory is static YAML,
 * checked before any host). Like Ansible, a meta action is not a task result: only a host on
 * which its `when:` is false gets a "skipped" line, and no recap counter moves. Its banner is
 * shown all the same, as Ansible's strategy starts every task (v2_playbook_on_task_start): a
 * flush_handlers' `TASK [...]` row comes before the handlers it runs.
 */
async function runMeta(task: Task, hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  if (!tagsSelect([...inh.tags, ...task.tags], ctx.env.options.tags, ctx.env.options.skipTags)) return [];
  const action = String(task.args.free_form);
  const when = [...inh.when, ...task.when];
  const name = taskDisplayName(task, false);
  const taskLoc = `${task.loc.file}:${task.loc.line ?? 0}`;
  let open = false;
  const banner = (on: boolean): void => {
    if (open === on || !hosts.length) return;
    open = on;
    emit(on ? { type: 'task-start', play: ctx.play.name, task: name, taskLoc, hosts: hosts.map((h) => h.name) } : { type: 'task-end', play: ctx.play.name, task: name });
  };
  const result = (host: HostRun, status: 'skipped' | 'failed', msg: string): void => {
    banner(true);
    record({ host: host.name, play: ctx.play.name, task: name, taskLoc, module: 'meta', status, changed: false, check: ctx.env.options.check, msg, startedAt: Date.now(), durationMs: 0 });
  };
  banner(true);
  const failed: HostRun[] = [];
  /** The meta's `when:` on one host; false (skipped) is reported, an error fails the host. */
  const holds = async (host: HostRun): Promise<boolean> => {
    if (!when.length) return true;
    try {
      const scope = buildScope({ ...ctx.env.scopeBase, host, blockVars: blockVarsOf(inh, host.name), taskVars: task.vars });
      if (await withFacts(host.facts, () => evaluateCondition(when, scope, task.loc), scope)) return true;
      result(host, 'skipped', `${action} conditional evaluated to False`);
    } catch (e) {
      result(host, 'failed', e instanceof Error ? e.message : String(e));
      host.failed = true;
      host.recap.failed++;
      failed.push(host);
    }
    return false;
  };
  // Ansible's _execute_meta takes every host of the play's pattern (inventory.get_hosts), failed ones included.
  const playHosts = (): HostRun[] => ctx.allHosts.map((n) => ctx.env.connectionOf(n)).filter((h): h is HostRun => h !== undefined);
  switch (action) {
    case 'flush_handlers': {
      // The batch's notified handlers run here, as at the end of the batch.
      const on: HostRun[] = [];
      for (const h of hosts) if (await holds(h)) on.push(h);
      const before = new Set(on.filter((h) => !h.alive));
      banner(false);
      await runHandlers(on, ctx.rootInh, ctx, record, emit);
      failed.push(...on.filter((h) => !h.alive && !before.has(h) && !h.ended));
      break;
    }
    case 'end_host':
      for (const h of hosts) if (await holds(h)) h.ended = true; // leaves the play, not failed
      break;
    case 'end_play':
    case 'end_batch':
    case 'clear_facts':
    case 'clear_host_errors': {
      if (!hosts.length || !(await holds(hosts[0]))) break;
      if (action === 'end_play') ctx.ended = 'play';
      else if (action === 'end_batch') ctx.ended = 'batch';
      else if (action === 'clear_facts') playHosts().forEach((h) => h.clearFacts());
      else {
        // Failed hosts (in this play or an earlier one) are failed no more: later plays take them and
        // the exit code forgets them, but their part in this play is over, as Ansible's iterator keeps
        // their state COMPLETE; the recap keeps the failure counted.
        for (const h of playHosts()) {
          if (!h.failed) continue;
          h.failed = false;
          h.ended = true;
        }
      }
      break;
    }
    case 'reset_connection':
      for (const h of hosts) {
        if (!(await holds(h))) continue;
        try {
          // A new login session: the old connection and its shells end (their groups with them).
          const conn = await h.connect();
          await conn.reconnect(Date.now() + (h.inv.connection.connect_timeout ?? 10) * 1000);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          result(h, 'failed', `reset_connection: ${msg}`);
          if (e instanceof UnreachableError) {
            h.unreachable = true;
            h.unreachableMsg = msg;
            h.recap.unreachable = 1;
          } else {
            h.failed = true;
            h.recap.failed++;
          }
          failed.push(h);
        }
      }
      break;
    default: // noop, refresh_inventory
  }
  banner(false);
  return failed;
}

async function runBlock(node: Block, hosts: HostRun[], parent: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  const inh = inherit(parent, node);
  // Where a failure in each part goes (2.14's iterator: not fatal when a rescue or this block's always takes it).
  const always = node.always.length > 0 || undefined;
  const inBlock: Inherited = { ...inh, rescueAbove: inh.rescueAbove || node.rescue.length > 0 || undefined, alwaysHere: always };
  let failed = await runNodes(node.block, hosts, inBlock, ctx, record, emit);
  if (node.rescue.length && failed.length) {
    const rescuing = failed.filter((h) => !h.unreachable);
    rescuing.forEach((h) => {
      h.failed = false;
      // Ansible's recap counts a rescued failure as rescued, not failed.
      h.recap.failed--;
      h.recap.rescued++;
      // As Ansible's non-persistent facts: visible in the rescue and for the rest of the play.
      if (h.lastFailure) Object.assign(h.runtimeVars, { ansible_failed_task: h.lastFailure.task, ansible_failed_result: h.lastFailure.result });
    });
    failed = [...failed.filter((h) => h.unreachable), ...(await runNodes(node.rescue, rescuing, { ...inh, alwaysHere: always }, ctx, record, emit))];
  }
  if (node.always.length) {
    // `always` runs for hosts that failed in the block too; their failure stands afterwards.
    const stillFailed = hosts.filter((h) => h.failed && !h.unreachable);
    stillFailed.forEach((h) => (h.failed = false));
    const f = await runNodes(
      node.always,
      hosts.filter((h) => !h.unreachable),
      inh,
      ctx,
      record,
      emit,
    );
    stillFailed.forEach((h) => (h.failed = true));
    failed = [...new Set([...failed, ...f])];
  }
  return failed;
}

/**
 * A role on the hosts: its dependencies (each deduplicated as its own role), then its own tasks on the
 * hosts where it has not run yet or duplicates are allowed (run/role-runs.ts: 2.14's has_run, decided
 * per host); include_role's own tags and when: gate it in runInclude.
 */
async function runRole(call: RoleCall, hosts: HostRun[], parent: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  if (call.how === 'include' && call.public) addIncludedRole(ctx.env.scopeBase.magic, call);
  if (call.how === 'include') {
    ctx.roles.including(call);
    // The include_role task is one of the including role's own tasks, with a result on these hosts.
    if (record.role) for (const h of hosts) ctx.roles.taskResult(record.role, { host: h.name, status: 'ok' });
  }
  const inh = enterRole(parent, call);
  const base = record.base ?? record;
  const failed = await runNodes(call.role.dependencies, hosts, inh, ctx, base, emit);
  const targets = hosts.filter((h) => h.alive && !ctx.roles.hasRun(h.name, call));
  const own: Record_ = Object.assign(
    (r: TaskResult) => {
      ctx.roles.taskResult(call, r);
      base(r);
    },
    { role: call, base },
  );
  if (targets.length) failed.push(...(await runNodes(call.role.tasks, targets, inh, ctx, own, emit)));
  targets.filter((h) => h.alive).forEach((h) => ctx.roles.reachedEnd(h.name, call));
  if (call.public && inh.role) {
    const exports = ctx.env.scopeBase.roleExports!;
    Object.assign(exports.defaults, inh.role.defaults);
    // 2.14 appends a public include_role to play.roles: Role.get_vars gives the play its call's vars: too.
    Object.assign(exports.vars, exportedRoleVars(call));
  }
  return [...new Set(failed)];
}

async function runTask(own: Task, hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  const isHandler = inh.handler === true;
  if (!isHandler && !tagsSelect([...inh.tags, ...own.tags], ctx.env.options.tags, ctx.env.options.skipTags)) return [];
  const task = withInherited(own, inh);
  // A templated no_log may turn out true: the title hides the arguments until it is known.
  const name = taskDisplayName(task, mayBeNoLog(task, inh));
  if (!isHandler && ctx.startAt.pattern) {
    if (!startsAt(task.name ?? name, ctx.startAt.pattern)) return [];
    ctx.startAt.pattern = undefined; // found: this task and every later one run
  }
  if (!isHandler && ctx.stepping && ctx.env.options.step) {
    const answer = await ctx.env.options.step(name);
    if (answer === 'no' || halted(ctx)) return [];
    if (answer === 'continue') ctx.stepping = false;
  }
  // run_once is decided once, on the batch's first host (as Ansible templates it); an unreadable value runs on every host, where it fails.
  const runOnce = hosts.length > 0 && (await keywordOnHost(task, inh, hosts[0], ctx.env, task.run_once, 'run_once').catch(() => false)) === true;
  // pause (BYPASS_HOST_LOOP in Ansible) runs for the first host alone, like run_once but registering nothing elsewhere.
  const targets = runOnce || findModule(task.module)?.bypassHostLoop ? hosts.slice(0, 1) : hosts;
  // Templated once, on the first host, as Ansible's TASK banner: every report shows this one title.
  const title = await taskTitle(task, inh, targets[0], ctx.env.scopeBase);
  emit({ type: 'task-start', play: ctx.play.name, task: title, taskLoc: `${task.loc.file}:${task.loc.line ?? 0}`, hosts: targets.map((h) => h.name), isHandler });
  const failed: HostRun[] = [];
  // 2.14's linear strategy: a failed or unreachable host ends the play on every host when the task is
  // any_errors_fatal (its own, its blocks', the play's) or run_once, unless it ignores errors.
  const fatalBy = (task.any_errors_fatal ?? inh.any_errors_fatal ?? ctx.play.any_errors_fatal) ? 'any_errors_fatal' : targets !== hosts ? 'run_once' : undefined;
  const fatal = async (host: HostRun, what: string): Promise<void> => {
    if (!fatalBy || ctx.abort !== false) return;
    if ((await keywordOnHost(task, inh, host, ctx.env, task.ignore_errors ?? inh.ignore_errors, 'ignore_errors').catch(() => false)) === true) return;
    ctx.abort = `${fatalBy}: ${host.name} ${what} at "${title}"`;
  };
  // throttle (2.14): at most that many hosts at once, never more than forks.
  const width = task.throttle ? Math.min(task.throttle, ctx.env.options.forks) : ctx.env.options.forks;
  await mapLimit(targets, width, async (host) => {
    if (ctx.stop?.aborted) return; // interrupted: hosts not yet started on this task stay as they are
    const shared = runOnce ? runOnceShare(ctx, host) : [];
    const out = await runTaskOnHost(task, host, inh, ctx.env, title, shared);
    if (ctx.kill?.aborted && (out.unreachable || out.failed)) {
      // Its command was stopped by a second Ctrl-C: the host is interrupted, not broken.
      host.unreachable = false;
      out.results.forEach((r) => record({ ...r, status: 'failed', msg: `interrupted (${String(ctx.stop?.reason ?? 'SIGINT')}): ${r.msg ?? 'command stopped'}` }));
      return;
    }
    out.results.forEach(record);
    count(host, out);
    if (out.unreachable) {
      host.unreachable = true;
      host.recap.unreachable = 1;
      await fatal(host, 'was unreachable');
    } else if (out.failed) {
      host.failed = true;
      failed.push(host);
      // A failure a rescue or this block's always takes is no host failure yet (2.14's iterator.is_failed).
      if (!inh.rescueAbove && !inh.alwaysHere) await fatal(host, 'failed');
    }
    // run_once: the register reaches the same hosts as its facts; a notify only the host that ran it (2.14
    // notifies original_host alone).
    if (task.register) for (const other of shared) other.setVars({ [task.register]: host.runtimeVars[task.register] }, host.noLogVars.get(task.register));
  });
  emit({ type: 'task-end', play: ctx.play.name, task: title });
  return failed;
}

/**
 * The hosts besides `ran` that a run_once task's register and set_fact / include_vars facts reach: 2.14's
 * get_task_hosts, the batch's hosts (those that failed in it too, and those a rescue or an include left
 * out) but not the unreachable ones. One list for both, computed when the task starts on `ran`.
 */
function runOnceShare(ctx: PlayCtx, ran: HostRun): HostRun[] {
  return ctx.batch.filter((h) => h !== ran && !h.unreachable);
}

function count(host: HostRun, out: { results: TaskResult[]; failed: boolean; unreachable: boolean; changed: boolean }): void {
  const r = host.recap;
  if (out.unreachable) return;
  if (out.failed) r.failed++;
  else if (out.results.some((x) => x.ignored)) {
    // Ansible counts an ignored failure as ok and ignored, and changed when its result says so.
    r.ok++;
    r.ignored++;
    if (out.results.some((x) => x.changed)) r.changed++;
  } else if (out.results.every((x) => x.status === 'skipped')) r.skipped++;
  else {
    r.ok++;
    if (out.changed) r.changed++;
  }
}

/**
 * A flush is one pass over the handlers in definition order (roles' first), as 2.14's play
 * iterator: each runs on the hosts notified for it when the pass reaches it. A handler may
 * notify another: one defined after it runs in this pass, one defined before waits for the next
 * flush, and never runs if notified in the play's last one; its own notification is dropped.
 * A handler that is an include_tasks runs all its tasks (load/handlers.ts).
 */
async function runHandlers(hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<void> {
  // What each handler inherits from the blocks, imports and role around it.
  const blocks = handlerBlocks(ctx.play.handlers);
  const handlers = [...notifiables(ctx.play.handlers)].map(({ handler, parents, role }) => ({
    handler,
    own: ownNames(handler, role),
    listen: handler.listen ?? [],
    block: blocks.get(handler) ?? 0,
    inh: { ...parents.reduce((acc, p) => (p.kind === 'role' ? enterRole(acc, p) : inherit(acc, p)), inh), handler: true },
  }));
  // A notified name reaches one handler of that name (2.14: the first of the last handler block that
  // has one; two bare handlers of one name: the first) and every handler listening on it; what is
  // notified stays on the host, handler by handler, until that handler runs there.
  const byName = (n: string): Notifiable | undefined => {
    const named = handlers.filter((x) => x.own.includes(n));
    const last = Math.max(...named.map((x) => x.block));
    return named.find((x) => x.block === last)?.handler;
  };
  const absorb = (h: HostRun): void => {
    for (const n of h.notified) {
      const named = byName(n);
      if (named) h.notifiedHandlers.add(named);
      for (const x of handlers) if (x.listen.includes(n)) h.notifiedHandlers.add(x.handler);
    }
    h.notified.clear();
  };
  for (const { handler, inh: hInh } of handlers) {
    if (halted(ctx)) break;
    hosts.forEach(absorb);
    const targets = hosts.filter((h) => h.alive && h.notifiedHandlers.has(handler));
    if (!targets.length) continue;
    if (handler.kind === 'task') await runTask(handler, targets, hInh, ctx, record, emit);
    else await runNodes(handler.tasks, targets, handler.dynamic ? enterInclude(hInh, handler) : inherit(hInh, handler), ctx, record, emit);
    // Cleared once it has run (2.14's remove_host on its result): a handler notifying itself is not run again.
    hosts.forEach(absorb);
    targets.forEach((h) => h.notifiedHandlers.delete(handler));
  }
  hosts.forEach(absorb);
}

/** pre_tasks, roles + tasks, post_tasks: Ansible flushes handlers at the end of each. */
function sectionsOf(play: Play): TaskNode[][] {
  const ends = [...(play.sectionEnds ?? []), play.tasks.length];
  return ends.map((end, i) => play.tasks.slice(i ? ends[i - 1] : 0, end));
}

/**
 * The handlers at the end of a section (Ansible's implicit meta: flush_handlers). With
 * force_handlers (the play's, else --force-handlers) a host that failed in this section runs
 * them too and stays failed: Ansible 2.14's Play.compile puts each section in a block whose
 * `always:` flushes. Not for a host that is unreachable or left by end_host, nor after
 * any_errors_fatal or a stop (halted: Ansible's linear strategy ends the play there).
 */
async function flushSection(hosts: HostRun[], started: HostRun[], ctx: PlayCtx, record: Record_, emit: Emit): Promise<void> {
  const force = ctx.play.force_handlers ?? ctx.env.options.forceHandlers ?? false;
  const forced = force ? started.filter((h) => h.failed && !h.unreachable && !h.ended) : [];
  forced.forEach((h) => (h.failed = false));
  try {
    await runHandlers(hosts, ctx.rootInh, ctx, record, emit);
  } finally {
    forced.forEach((h) => (h.failed = true));
  }
}

const LOST = 'every host of the batch failed or was unreachable';

/**
 * 2.14's playbook_executor: a batch whose every host failed or became unreachable in it breaks the
 * play and the playbook (no later batch, no later play), with or without max_fail_percentage; so a
 * `serial: 1` roll stops at the first node that fails or cannot be reached.
 */
function batchLost(ctx: PlayCtx, batch: string[], hostRuns: Map<string, HostRun>): string | undefined {
  if (batch.length === 0 || !batch.every((n) => hostRuns.get(n)!.failed || hostRuns.get(n)!.unreachable)) return undefined;
  ctx.abort = true;
  return LOST;
}

/**
 * max_fail_percentage counts failures across the whole play, not per batch (Ansible's counts
 * per batch). Failed hosts only, as 2.14's linear strategy (len(tqm._failed_hosts) / batch_size): an
 * unreachable host is in tqm._unreachable_hosts, which the percentage never reads. Returns why the
 * play stops, if it does.
 */
function checkFailureBudget(ctx: PlayCtx, hostRuns: Map<string, HostRun>): string | undefined {
  const pct = ctx.play.max_fail_percentage;
  if (pct === undefined || ctx.playHosts.length === 0) return undefined;
  const down = ctx.playHosts.filter((n) => hostRuns.get(n)!.failed && !hostRuns.get(n)!.unreachable);
  if ((down.length / ctx.playHosts.length) * 100 <= pct) return undefined;
  ctx.abort = true;
  return `failure budget exceeded (max_fail_percentage ${pct}%): ${down.length} of ${ctx.playHosts.length} hosts failed (${down.join(', ')})`;
}
