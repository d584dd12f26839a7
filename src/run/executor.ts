/**
 * Plays → batches (serial) → tasks in lockstep across the batch's hosts (Ansible's
 * linear strategy, at most `forks` hosts at once) → handlers at the end of each
 * batch. A host that fails leaves the play (and the rest of the run) unless a
 * block's rescue takes it; an unreachable host leaves for good. One host's
 * failure never touches another host's state.
 */
import type { Block, Inventory, Play, Playbook, Task, TaskNode } from '../load/model.js';
import type { HostConnection } from '../transport/types.js';
import type { RunObserver, RunResult, TaskResult } from './events.js';
import { HostRun } from './host-run.js';
import { inherit, ROOT, type Inherited } from './inherited.js';
import { mapLimit } from './limit.js';
import type { RunOptions } from './options.js';
import { splitBatches } from './batches.js';
import { tagsSelect } from './tags.js';
import { runTaskOnHost, taskDisplayName, type TaskEnv } from './task-runner.js';

export interface ExecutorInput {
  playbook: Playbook;
  inventory: Inventory;
  /** Hosts of each play (pattern ∩ --limit), same order as playbook.plays. */
  hostsByPlay: string[][];
  options: RunOptions;
  /** One connection per host, opened lazily and reused (the transport pool). */
  connect: (hostName: string) => Promise<HostConnection>;
  observer?: RunObserver;
}

interface PlayCtx {
  play: Play;
  playHosts: string[];
  env: TaskEnv;
  abort: boolean; // any_errors_fatal / max_fail_percentage reached
}

export async function runPlaybook(input: ExecutorInput): Promise<RunResult> {
  const startedAt = Date.now();
  const { playbook, inventory, options } = input;
  const emit = (e: Parameters<RunObserver['onEvent']>[0]): void => input.observer?.onEvent(e);
  const results: TaskResult[] = [];
  const hostRuns = new Map<string, HostRun>();
  const plannedLocal = new Set<string>(); // check mode: controller files fetches would write
  const hostRun = (name: string): HostRun => {
    let h = hostRuns.get(name);
    if (!h) {
      const inv = inventory.hosts.get(name);
      if (!inv) throw new Error(`no inventory host ${name}`);
      h = new HostRun(inv, () => input.connect(name), plannedLocal);
      hostRuns.set(name, h);
    }
    return h;
  };
  const record = (r: TaskResult): void => {
    results.push(r);
    emit({ type: 'task-result', result: r });
  };

  let stopRun = false;
  for (let p = 0; p < playbook.plays.length && !stopRun; p++) {
    const play = playbook.plays[p];
    const names = input.hostsByPlay[p] ?? [];
    names.forEach(hostRun);
    const playHosts = names.filter((n) => hostRuns.get(n)!.alive);
    emit({ type: 'play-start', play: play.name, hosts: playHosts });
    const ctx: PlayCtx = {
      play,
      playHosts,
      abort: false,
      env: {
        options,
        playName: play.name,
        connectionOf: (n) => (inventory.hosts.has(n) ? hostRun(n) : undefined),
        scopeBase: { play, inventory, playHosts, extraVars: options.extraVars, check: options.check, hostRuns },
      },
    };
    const batches = splitBatches(playHosts, play.serial);
    for (let b = 0; b < batches.length && !ctx.abort; b++) {
      const hosts = batches[b].map((n) => hostRuns.get(n)!);
      if (batches.length > 1) emit({ type: 'batch-start', play: play.name, hosts: batches[b], index: b, count: batches.length });
      const rootInh = inherit(ROOT, { when: [], tags: play.tags, vars: {}, become: play.become, become_user: play.become_user, loc: play.loc });
      await runNodes(play.tasks, hosts, rootInh, ctx, record, emit);
      await runHandlers(hosts, rootInh, ctx, record, emit);
      checkFailureBudget(ctx, hostRuns);
    }
    emit({ type: 'play-end', play: play.name });
    if (ctx.abort) stopRun = true;
  }

  const recap: RunResult['recap'] = {};
  for (const [name, h] of hostRuns) recap[name] = h.recap;
  const result: RunResult = {
    playbook: playbook.file,
    check: options.check,
    startedAt,
    durationMs: Date.now() - startedAt,
    results,
    recap,
    failedHosts: [...hostRuns.values()].filter((h) => h.failed && !h.unreachable).map((h) => h.name),
    unreachableHosts: [...hostRuns.values()].filter((h) => h.unreachable).map((h) => h.name),
  };
  emit({ type: 'run-end', result });
  return result;
}

type Record_ = (r: TaskResult) => void;
type Emit = (e: Parameters<RunObserver['onEvent']>[0]) => void;

/** Runs a list of nodes on the hosts still alive; returns the hosts that failed inside it. */
async function runNodes(nodes: TaskNode[], hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  const failed: HostRun[] = [];
  for (const node of nodes) {
    if (ctx.abort) break;
    const active = hosts.filter((h) => h.alive);
    if (active.length === 0) break;
    let f: HostRun[];
    if (node.kind === 'task') f = await runTask(node, active, inh, ctx, record, emit);
    else if (node.kind === 'block') f = await runBlock(node, active, inh, ctx, record, emit);
    else f = await runNodes(node.tasks, active, inherit(inh, node), ctx, record, emit);
    failed.push(...f);
  }
  return [...new Set(failed)];
}

async function runBlock(node: Block, hosts: HostRun[], parent: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<HostRun[]> {
  const inh = inherit(parent, node);
  let failed = await runNodes(node.block, hosts, inh, ctx, record, emit);
  if (node.rescue.length && failed.length) {
    const rescuing = failed.filter((h) => !h.unreachable);
    rescuing.forEach((h) => {
      h.failed = false;
      // Ansible's recap counts a rescued failure as rescued, not failed.
      h.recap.failed--;
      h.recap.rescued++;
    });
    failed = [...failed.filter((h) => h.unreachable), ...(await runNodes(node.rescue, rescuing, inh, ctx, record, emit))];
  }
  if (node.always.length) {
    // `always` runs for hosts that failed in the block too; their failure stands afterwards.
    const stillFailed = hosts.filter((h) => h.failed && !h.unreachable);
    stillFailed.forEach((h) => (h.failed = false));
    const f = await runNodes(node.always, hosts.filter((h) => !h.unreachable), inh, ctx, record, emit);
    stillFailed.forEach((h) => (h.failed = true));
    failed = [...new Set([...failed, ...f])];
  }
  return failed;
}

async function runTask(task: Task, hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit, isHandler = false): Promise<HostRun[]> {
  if (!isHandler && !tagsSelect([...inh.tags, ...task.tags], ctx.env.options.tags, ctx.env.options.skipTags)) return [];
  const name = taskDisplayName(task, task.no_log ?? inh.no_log ?? false);
  const targets = task.run_once ? hosts.slice(0, 1) : hosts;
  emit({ type: 'task-start', play: ctx.play.name, task: name, taskLoc: `${task.loc.file}:${task.loc.line ?? 0}`, hosts: targets.map((h) => h.name), isHandler });
  const failed: HostRun[] = [];
  await mapLimit(targets, ctx.env.options.forks, async (host) => {
    const out = await runTaskOnHost(task, host, inh, ctx.env, isHandler);
    out.results.forEach(record);
    count(host, out);
    if (out.unreachable) {
      host.unreachable = true;
      host.recap.unreachable = 1;
    } else if (out.failed) {
      host.failed = true;
      failed.push(host);
      if (ctx.play.any_errors_fatal) ctx.abort = true;
    }
    if (task.run_once) {
      // run_once: every host of the batch sees the result, as in Ansible.
      for (const other of hosts) {
        if (other === host) continue;
        if (task.register) other.runtimeVars[task.register] = host.runtimeVars[task.register];
        if (out.changed && !out.failed) task.notify.forEach((n) => other.notified.add(n));
      }
    }
  });
  emit({ type: 'task-end', play: ctx.play.name, task: name });
  return failed;
}

function count(host: HostRun, out: { results: TaskResult[]; failed: boolean; unreachable: boolean; changed: boolean }): void {
  const r = host.recap;
  if (out.unreachable) return;
  if (out.failed) r.failed++;
  else if (out.results.some((x) => x.ignored)) r.ignored++;
  else if (out.results.every((x) => x.status === 'skipped')) r.skipped++;
  else {
    r.ok++;
    if (out.changed) r.changed++;
  }
}

/** Handlers run once per notified host, in the order they are defined; a handler may notify another. */
async function runHandlers(hosts: HostRun[], inh: Inherited, ctx: PlayCtx, record: Record_, emit: Emit): Promise<void> {
  for (let round = 0; round < 10; round++) {
    let ran = false;
    // Every handler listening on a notified name runs (not only the first one), so the
    // round works from a snapshot; notifications made by handlers go to the next round.
    const pending = new Map(hosts.map((h) => [h, new Set(h.notified)]));
    hosts.forEach((h) => h.notified.clear());
    for (const handler of ctx.play.handlers) {
      const names = [handler.name, ...handler.listen].filter(Boolean) as string[];
      const targets = hosts.filter((h) => h.alive && names.some((n) => pending.get(h)!.has(n)));
      if (!targets.length) continue;
      await runTask(handler, targets, inh, ctx, record, emit, true);
      ran = true;
    }
    if (!ran) break;
  }
}

/** max_fail_percentage counts failures across the whole play, not per batch (Ansible's counts per batch). */
function checkFailureBudget(ctx: PlayCtx, hostRuns: Map<string, HostRun>): void {
  const pct = ctx.play.max_fail_percentage;
  if (pct === undefined || ctx.playHosts.length === 0) return;
  const failed = ctx.playHosts.filter((n) => !hostRuns.get(n)!.alive).length;
  if ((failed / ctx.playHosts.length) * 100 > pct) ctx.abort = true;
}

