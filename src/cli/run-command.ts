import { existsSync } from 'node:fs';
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
import { readSecret } from './prompt.js';

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
}

/** The local test fleet's inventory is the default, so `nodemend run playbooks/x.yaml` works after `fleet up`. */
const DEFAULT_INVENTORY = '.fleet/inventory.yaml';

const splitTags = (v: string[]): string[] => v.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);

async function load(playbook: string, flags: LoadFlags): Promise<Loaded | number> {
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
  const loaded = await load(playbook, flags);
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
  if (flags.askBecomePass) {
    let password: string;
    try {
      password = await readSecret('BECOME password: ');
    } catch (e) {
      process.stderr.write(`nodemend: ${(e as Error).message}; no host was contacted\n`);
      return 1;
    }
    // The inventory's own become_password (per host or group) still wins, as in Ansible.
    for (const h of loaded.inventory.hosts.values()) h.connection.become_password ??= password;
  }
  const options: RunOptions = {
    ...DEFAULT_OPTIONS,
    check: Boolean(flags.check),
    diff: Boolean(flags.diff),
    forks: flags.forks,
    tags: splitTags(flags.tags),
    skipTags: splitTags(flags.skipTags),
    extraVars: loaded.extraVars,
    acceptNewHostKeys: Boolean(flags.acceptNewHostKeys),
    taskTimeoutSec: flags.timeout,
    verbose: flags.verbose,
  };
  const pool = new ConnectionPool({
    acceptNewHostKeys: options.acceptNewHostKeys,
    // proxy_jump may name another inventory host
    resolveHost: (name) => loaded.inventory.hosts.get(name),
  });
  const progress = createProgress({
    tty: Boolean(process.stdout.isTTY) && !process.env.CI,
    verbose: options.verbose,
    diff: options.diff,
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
      void pool.closeAll();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runPlaybook({
      playbook: loaded.playbook,
      inventory: loaded.inventory,
      hostsByPlay: loaded.hostsByPlay,
      options,
      connect: (name) => pool.get(loaded.inventory.hosts.get(name)!),
      observer: progress,
      stop: stop.signal,
      kill: kill.signal,
    });
    await finishProgress();
    process.stdout.write(renderRecap(result, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    if (flags.json) await writeJsonReport(flags.json, result);
    if (flags.junit) await writeJunitReport(flags.junit, result);
    return exitCode(result);
  } finally {
    // A crash mid-run must still restore the terminal (listr2 hides the cursor).
    await finishProgress().catch(() => {});
    await pool.closeAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
