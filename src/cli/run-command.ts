import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Journal, runFingerprint } from '../run/journal.js';
import pc from 'picocolors';
import { loadAll, type Loaded } from '../load/load.js';
import { NodemendError, ValidationErrors } from '../load/errors.js';
import { ConnectionPool } from '../transport/pool.js';
import { runPlaybook } from '../run/executor.js';
import { DEFAULT_OPTIONS, type RunOptions } from '../run/options.js';
import { createProgress } from '../report/progress.js';
import { renderRecap, exitCode } from '../report/recap.js';
import { writeJsonReport } from '../report/json.js';
import { writeJunitReport } from '../report/junit.js';
import { listHosts, listTasks } from './listing.js';
import { readSecret, StepPrompt } from './prompt.js';
import type { RunResult } from '../run/events.js';
import { savePlan } from '../plan/save.js';
import { RunLocks, describeHolder, newRunIdentity } from '../run/run-lock.js';

export interface LoadFlags {
  inventory?: string;
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: string[];
}

export interface RunFlags extends LoadFlags {
  check?: boolean;
  diff?: boolean;
  forks: number;
  listHosts?: boolean;
  listTasks?: boolean;
  syntaxCheck?: boolean;
  json?: string;
  junit?: string;
  acceptNewHostKeys?: boolean;
  askBecomePass?: boolean;
  timeout: number;
  verbose: number;
  /** --plan-out FILE: save the check run as a plan for `nodemend apply`. */
  planOut?: string;
  /** --ignore-lock: break the lock another (killed) run left on a host. */
  ignoreLock?: boolean;
  /** --resume: continue the last interrupted run of this playbook (run/journal.ts). */
  resume?: boolean;
  /** Where the run journal lives (default .nodemend). */
  stateDir?: string;
  startAtTask?: string;
  /** --step: ask before each task (a terminal on stdin is required). */
  step?: boolean;
  /** --force-handlers: the default of every play's force_handlers. */
  forceHandlers?: boolean;
}

/** The local test fleet's inventory is the default, so `nodemend run playbooks/x.yaml` works after `fleet up`. */
const DEFAULT_INVENTORY = '.fleet/inventory.yaml';

export const splitTags = (v: string[]): string[] =>
  v
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);

/** `noCommands`: validate's load, which runs no pipe lookup (LoadOptions). */
export async function load(playbook: string, flags: LoadFlags, noCommands = false): Promise<Loaded | number> {
  const inventory = flags.inventory ?? DEFAULT_INVENTORY;
  if (!flags.inventory && !existsSync(inventory)) {
    process.stderr.write(`nodemend: no inventory given and ${DEFAULT_INVENTORY} does not exist (start the local fleet with "nodemend fleet up 3", or pass -i FILE)\n`);
    return 1;
  }
  try {
    return await loadAll({
      playbook,
      inventory,
      extraVars: flags.extraVars,
      limit: flags.limit,
      tags: splitTags(flags.tags),
      skipTags: splitTags(flags.skipTags),
      noCommands,
    });
  } catch (e) {
    if (e instanceof ValidationErrors) {
      for (const err of e.errors) process.stderr.write(`${pc.red('error')}: ${err.format()}\n`);
      process.stderr.write(`${e.errors.length} error${e.errors.length === 1 ? '' : 's'}; no host was contacted\n`);
      return 1;
    }
    if (e instanceof NodemendError) {
      process.stderr.write(`${pc.red('error')}: ${e.format()}\nno host was contacted\n`);
      return 1;
    }
    throw e;
  }
}

export async function validateCommand(playbook: string, flags: LoadFlags): Promise<number> {
  const loaded = await load(playbook, flags, true);
  if (typeof loaded === 'number') return loaded;
  const tasks = loaded.playbook.plays.reduce((n, p) => n + p.tasks.length, 0);
  process.stdout.write(`${playbook}: ok (${loaded.playbook.plays.length} plays, ${tasks} top-level tasks, ${loaded.inventory.hosts.size} inventory hosts)\n`);
  return 0;
}

export async function runCommand(playbook: string, flags: RunFlags): Promise<number> {
  const loaded = await load(playbook, flags);
  if (typeof loaded === 'number') return loaded;
  if (flags.syntaxCheck) {
    process.stdout.write(`playbook: ${playbook}: syntax ok\n`);
    return 0;
  }
  if (flags.listHosts || flags.listTasks) {
    process.stdout.write(flags.listHosts ? listHosts(loaded) : listTasks(loaded, splitTags(flags.tags), splitTags(flags.skipTags)));
    return 0;
  }
  if (flags.planOut && !flags.check) {
    process.stderr.write('nodemend: --plan-out needs --check (a plan is what a check run predicts); no host was contacted\n');
    return 1;
  }
  if (flags.planOut && loaded.hostsAtStart) {
    process.stderr.write(
      'nodemend: --plan-out: this playbook changes its inventory (group_by, add_host) before a later play, whose hosts are known only when it starts; a saved plan could not name them (run --check without --plan-out); no host was contacted\n',
    );
    return 1;
  }
  if (flags.step && !process.stdin.isTTY) {
    process.stderr.write('nodemend: --step asks before each task and needs a terminal on stdin (there is none here, as in CI); no host was contacted\n');
    return 1;
  }
  if (flags.askBecomePass && !(await askBecomePass(loaded))) return 1;
  const localFiles = new Set<string>();
  const options: RunOptions = {
    ...DEFAULT_OPTIONS,
    check: Boolean(flags.check),
    // A saved plan holds the diffs whether or not the terminal shows them.
    diff: Boolean(flags.diff || flags.planOut),
    onLocalFile: flags.planOut ? (f) => localFiles.add(f) : undefined,
    forks: flags.forks,
    tags: splitTags(flags.tags),
    skipTags: splitTags(flags.skipTags),
    extraVars: loaded.extraVars,
    acceptNewHostKeys: Boolean(flags.acceptNewHostKeys),
    taskTimeoutSec: flags.timeout,
    verbose: flags.verbose,
    ignoreLock: Boolean(flags.ignoreLock),
    startAtTask: flags.startAtTask,
    forceHandlers: Boolean(flags.forceHandlers),
    runIdentity: newRunIdentity(),
  };
  // A real run keeps a journal of the hosts that finished each play, for --resume.
  const journal = flags.check ? undefined : openJournal(playbook, loaded, flags, options);
  if (typeof journal === 'number') return journal;
  let hostsByPlay = loaded.hostsByPlay;
  let hostsAtStart = loaded.hostsAtStart;
  if (journal && flags.resume) {
    hostsByPlay = hostsByPlay.map((hosts, p) => hosts.filter((h) => !journal.finishedIn(p).has(h)));
    const atStart = hostsAtStart;
    if (atStart) hostsAtStart = (p, warn) => atStart(p, warn)?.filter((h) => !journal.finishedIn(p).has(h));
  }
  if (journal) options.onBatchDone = (p, hosts, state) => journal.hostsFinished(p, hosts, state);
  if (journal && flags.resume) {
    options.restoredVars = journal.data.vars;
    options.restoredIncludedVars = journal.data.included;
  }
  const pool = newPool(loaded, options);
  const stepper = flags.step ? new StepPrompt() : undefined;
  if (stepper) options.step = (task) => stepper.ask(task);
  // A signal ends a question still open (answered "no"); the run then stops as after any Ctrl-C.
  const cancelStep = (): void => stepper?.cancel();
  process.on('SIGINT', cancelStep).on('SIGTERM', cancelStep);
  try {
    const result = await runWithProgress({ ...loaded, hostsAtStart }, hostsByPlay, options, pool, Boolean(flags.diff));
    journal?.end(!result.interrupted && !result.stopped && result.failedHosts.length === 0 && result.unreachableHosts.length === 0);
    if (flags.planOut) {
      await savePlan(flags.planOut, { loaded, flags, options, result, localFiles: [...localFiles] });
      process.stdout.write(`plan saved to ${flags.planOut} (review: nodemend plan show ${flags.planOut}; carry out: nodemend apply ${flags.planOut})\n`);
    }
    await writeReports(result, flags);
    return exitCode(result);
  } finally {
    process.off('SIGINT', cancelStep).off('SIGTERM', cancelStep);
    stepper?.close();
    await pool.closeAll();
  }
}

/**
 * The run journal of this playbook: a fresh one, or with --resume the one the interrupted run
 * left, refused when it is missing, complete, or the playbook, inventory, hosts or -e changed.
 */
function openJournal(playbook: string, loaded: Loaded, flags: RunFlags, options: RunOptions): Journal | number {
  const runId = options.runIdentity!.id;
  const stateDir = resolve(flags.stateDir ?? process.env.NODEMEND_STATE_DIR ?? '.nodemend');
  const file = Journal.fileFor(stateDir, resolve(playbook));
  const fingerprint = runFingerprint(loaded);
  if (!flags.resume) return Journal.start(file, playbook, fingerprint, runId);
  const refuse = (why: string): number => {
    process.stderr.write(`nodemend: --resume: ${why}; no host was contacted\n`);
    return 1;
  };
  const last = Journal.load(file);
  if (!last) return refuse(`no interrupted run of ${playbook} to resume (no journal in ${stateDir})`);
  if (last.data.complete) return refuse(`the last run of ${playbook} (started ${last.data.startedAt}) finished on every host: nothing to resume`);
  if (last.data.fingerprint !== fingerprint)
    return refuse(`the playbook, its included files, the inventory, the selected hosts or -e changed since the run started ${last.data.startedAt}: run without --resume to start over`);
  const secrets = last.resumeBlockers();
  if (secrets.length)
    return refuse(
      `hosts that finished hold values set by no_log tasks, which the journal never writes (a later task could read them through hostvars): ${secrets.join('; ')}; run without --resume to start over`,
    );
  const done = Object.entries(last.data.finished).map(([p, hosts]) => `play ${Number(p) + 1}: ${hosts.join(', ')}`);
  process.stdout.write(`resuming the run started ${last.data.startedAt}; already finished: ${done.length ? done.join('; ') : 'none'}\n`);
  // The interrupted run's host locks are taken over; this run may be interrupted and resumed in turn.
  options.adoptLocksOf = last.data.runId;
  last.continueAs(runId);
  return last;
}

/** -K: ask once; the inventory's own become_password (per host or group) still wins, as in Ansible. */
export async function askBecomePass(loaded: Loaded): Promise<boolean> {
  let password: string;
  try {
    password = await readSecret('BECOME password: ');
  } catch (e) {
    process.stderr.write(`nodemend: ${(e as Error).message}; no host was contacted\n`);
    return false;
  }
  for (const h of loaded.inventory.hosts.values()) h.connection.become_password ??= password;
  return true;
}

export function newPool(loaded: Loaded, options: RunOptions): ConnectionPool {
  return new ConnectionPool({
    acceptNewHostKeys: options.acceptNewHostKeys,
    // proxy_jump may name another inventory host
    resolveHost: (name) => loaded.inventory.hosts.get(name),
  });
}

/** Removes this run's host locks; says which stayed (connections already closed by a second Ctrl-C) and which were broken. */
async function releaseLocks(locks: RunLocks): Promise<void> {
  for (const [host, holder] of locks.broken) process.stderr.write(`nodemend: --ignore-lock: broke the lock of ${describeHolder(holder)} on ${host}\n`);
  for (const [host, why] of locks.stale) process.stderr.write(`nodemend: broke the stale lock on ${host} of ${why}\n`);
  const left = await locks.releaseAll();
  if (left.length) process.stderr.write(`nodemend: the run lock of run ${locks.run.id} stays on ${left.join(', ')} (connection gone); the next run there needs --ignore-lock\n`);
}

export async function writeReports(result: RunResult, flags: { json?: string; junit?: string }): Promise<void> {
  if (flags.json) await writeJsonReport(flags.json, result);
  if (flags.junit) await writeJunitReport(flags.junit, result);
}

/** One run with the terminal progress and the recap; `showDiff` is what the terminal shows, not what is computed. */
export async function runWithProgress(
  loaded: Loaded,
  hostsByPlay: string[][],
  options: RunOptions,
  pool: ConnectionPool,
  showDiff: boolean,
  /** Adds what happened outside the run (apply's refused hosts) before the recap is printed. */
  amend: (r: RunResult) => RunResult = (r) => r,
): Promise<RunResult> {
  const progress = createProgress({
    // --step's questions need plain lines: the live tree would redraw over them.
    tty: Boolean(process.stdout.isTTY) && !process.env.CI && !options.step,
    verbose: options.verbose,
    diff: showDiff,
    out: process.stdout,
  });
  let progressOpen = true;
  const finishProgress = async (): Promise<void> => {
    if (progressOpen) await progress.finish();
    progressOpen = false;
  };
  // Ctrl-C / SIGTERM: the first stops the run from starting anything new and lets the commands
  // in flight finish (a half-done task is worse than a finished one); a second stops them too.
  // Either way the recap is printed and the exit code is 130.
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      process.stderr.write(`\nnodemend: ${sig}: finishing the commands in flight, starting nothing new (${sig} again stops them now)\n`);
      stop.abort(sig);
    } else if (!kill.signal.aborted) {
      process.stderr.write(`nodemend: ${sig} again: stopping the commands in flight\n`);
      kill.abort(sig);
      // Stopped on the hosts, the tasks end with their commands; what still hangs after that (a
      // connection that stopped answering) is cut by closing the connections.
      void pool.stopCommands().then((left) => {
        for (const [host, why] of left) process.stderr.write(`nodemend: ${host}: ${why}\n`);
        setTimeout(() => void pool.closeAll(), 10_000).unref();
      });
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A real run holds a lock on each host it works on (run/run-lock.ts); a check run changes nothing.
  const locks = options.check ? undefined : new RunLocks(options.runIdentity ?? newRunIdentity(), options.ignoreLock, options.adoptLocksOf);
  try {
    const result = amend(
      await runPlaybook({
        playbook: loaded.playbook,
        inventory: loaded.inventory,
        hostsByPlay,
        hostsAtStart: loaded.hostsAtStart,
        options,
        connect: (host, user) => (locks ? locks.connect(host, () => pool.get(host, user), user) : pool.get(host, user)),
        observer: progress,
        stop: stop.signal,
        kill: kill.signal,
      }),
    );
    await finishProgress();
    process.stdout.write(renderRecap(result, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    return result;
  } finally {
    // A crash mid-run must still restore the terminal (listr2 hides the cursor).
    await finishProgress().catch(() => {});
    if (locks) await releaseLocks(locks);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // A signal from here to the exit (reports written, connections closed) must not kill the
    // process with the default action: the exit code stays the run's (130 once interrupted).
    if (!process.listeners('SIGINT').includes(lateSignal)) process.on('SIGINT', lateSignal).on('SIGTERM', lateSignal);
  }
}

let lateSignals = 0;
/** After the run: the first signal is noted, a second one quits at once with 130. */
function lateSignal(sig: NodeJS.Signals): void {
  if (++lateSignals > 1) process.exit(130);
  process.stderr.write(`nodemend: ${sig}: the run is over, finishing its reports (${sig} again quits now)\n`);
}
