/**
 * `nodemend apply PLAN`: carry out a saved plan exactly, or not at all.
 *
 * 1. The whole plan is refused (exit 1, no host touched) when it is older than
 *    --max-age, was made under another controller key, or when any input (playbook,
 *    includes, vars files, templates, copied files, inventory, -e values) changed.
 * 2. Each host is planned again (a check run) and compared with its saved plan: a host
 *    whose plan differs in any way (status, diff, or the remote state it was computed
 *    from) is refused, untouched, and reported with what differs.
 * 3. The other hosts run for real, with the saved plan as a guard on every change
 *    (plan/guard.ts): nothing the plan did not predict is changed.
 * Exit codes, --json and --junit as for `run`; a refused host counts as failed (2).
 */
import pc from 'picocolors';
import type { HostRecap, RunResult, TaskResult } from '../run/events.js';
import { runPlaybook } from '../run/executor.js';
import { DEFAULT_OPTIONS, type RunOptions } from '../run/options.js';
import { exitCode, renderRecap } from '../report/recap.js';
import { planHosts } from '../plan/build.js';
import { hostDrift } from '../plan/compare.js';
import { planGuard } from '../plan/guard.js';
import { changedInputs } from '../plan/inputs.js';
import { loadPlanKey } from '../plan/keyed-digest.js';
import { extraVarsDigest, PlanFileError, planSeal, readPlanFile } from '../plan/save.js';
import type { PlanFile } from '../plan/model.js';
import { askBecomePass, load, newPool, runWithProgress, writeReports } from './run-command.js';

export interface ApplyFlags {
  maxAge: string;
  extraVars: string[];
  diff?: boolean;
  forks?: number;
  json?: string;
  junit?: string;
  askBecomePass?: boolean;
  acceptNewHostKeys?: boolean;
  ignoreLock?: boolean;
  timeout: number;
  verbose: number;
}

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** "24h", "90m", "2d", "3600s" or plain seconds -> ms; undefined when unreadable. */
export function parseAge(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(v.trim());
  return m ? Number(m[1]) * UNITS[m[2] || 's'] : undefined;
}

const ageText = (ms: number): string => (ms >= 3600e3 ? `${(ms / 3600e3).toFixed(1)}h` : `${Math.round(ms / 60e3)}m`);

function refuse(msg: string): number {
  process.stderr.write(`${pc.red('refused')}: ${msg}; no host was contacted\n`);
  return 1;
}

/** Everything about the plan as a whole, checked before any host is contacted. */
function wholePlanProblem(plan: PlanFile, flags: ApplyFlags, file: string): string | undefined {
  const maxAge = parseAge(flags.maxAge);
  if (maxAge === undefined) return `--max-age takes a duration like 24h, 90m or 2d, got "${flags.maxAge}"`;
  const age = Date.now() - Date.parse(plan.created_at);
  if (!(age <= maxAge)) return `${file} was made ${ageText(age)} ago (${plan.created_at}), longer than --max-age ${flags.maxAge}: plan again`;
  const key = loadPlanKey();
  if (key.id !== plan.key_id) return `${file} was made under another plan key (${plan.key_id}, this controller has ${key.id}): apply it where it was made, or plan again`;
  if (planSeal(plan, key) !== plan.mac) return `${file} was modified after it was saved (its seal does not match): plan again`;
  const changed = changedInputs(plan.inputs, key);
  if (changed.length) return `changed since the plan was made: ${changed.join(', ')}`;
  return undefined;
}

export async function applyCommand(file: string, flags: ApplyFlags): Promise<number> {
  let plan: PlanFile;
  try {
    plan = await readPlanFile(file);
  } catch (e) {
    if (e instanceof PlanFileError) return refuse(e.message);
    throw e;
  }
  const problem = wholePlanProblem(plan, flags, file);
  if (problem) return refuse(problem);
  const loaded = await load(plan.playbook, { inventory: plan.inventory, limit: plan.limit, tags: plan.tags, skipTags: plan.skip_tags, extraVars: flags.extraVars });
  if (typeof loaded === 'number') return loaded;
  const key = loadPlanKey();
  if (extraVarsDigest(loaded.extraVars, key) !== plan.extra_vars) return refuse('the -e values differ from the ones the plan was made with (give apply the same -e)');
  if (flags.askBecomePass && !(await askBecomePass(loaded))) return 1;

  const saved = new Set(Object.keys(plan.hosts));
  const byPlay = (keep: (h: string) => boolean): string[][] => loaded.hostsByPlay.map((hs) => hs.filter((h) => saved.has(h) && keep(h)));
  const options: RunOptions = {
    ...DEFAULT_OPTIONS,
    check: true,
    diff: true, // the plan's diffs are compared, whatever the terminal shows
    forks: flags.forks ?? plan.forks,
    tags: plan.tags,
    skipTags: plan.skip_tags,
    extraVars: loaded.extraVars,
    acceptNewHostKeys: Boolean(flags.acceptNewHostKeys),
    taskTimeoutSec: flags.timeout,
    verbose: flags.verbose,
    ignoreLock: Boolean(flags.ignoreLock),
  };
  const pool = newPool(loaded, options);
  try {
    process.stdout.write(`re-planning ${saved.size} host${saved.size === 1 ? '' : 's'} against ${file} (made ${plan.created_at})\n`);
    const replan = await runPlaybook({
      playbook: loaded.playbook,
      inventory: loaded.inventory,
      hostsByPlay: byPlay(() => true),
      options,
      connect: (host, user) => pool.get(host, user),
    });
    const now = planHosts(replan, key);
    const drift = new Map<string, string[]>();
    for (const [name, h] of Object.entries(plan.hosts)) {
      const d = hostDrift(h, now[name] ?? { status: 'planned', tasks: [] });
      if (d.length) drift.set(name, d);
    }
    for (const [name, d] of drift) {
      process.stdout.write(`${pc.red('REFUSED')} [${name}]: differs from the saved plan; left untouched\n${d.map((l) => `  - ${l}\n`).join('')}`);
    }
    const go = [...saved].filter((h) => !drift.has(h));
    const applyOptions: RunOptions = { ...options, check: false, planGuard: planGuard(plan.hosts) };
    const withRefusals = (r: RunResult): RunResult => addRefusals(r, drift);
    const result = go.length
      ? await runWithProgress(
          loaded,
          byPlay((h) => !drift.has(h)),
          applyOptions,
          pool,
          Boolean(flags.diff),
          withRefusals,
        )
      : printed(withRefusals(emptyResult(plan.playbook)));
    await writeReports(result, flags);
    return exitCode(result);
  } finally {
    await pool.closeAll();
  }
}

function printed(r: RunResult): RunResult {
  process.stdout.write(renderRecap(r, { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
  return r;
}

function emptyResult(playbook: string): RunResult {
  return { playbook, check: false, startedAt: Date.now(), durationMs: 0, results: [], recap: {}, failedHosts: [], unreachableHosts: [] };
}

/** A refused host is a failed host in the recap and the reports, with its drift as the message. */
function addRefusals(r: RunResult, drift: Map<string, string[]>): RunResult {
  const out: RunResult = { ...r, results: [...r.results], recap: { ...r.recap }, failedHosts: [...r.failedHosts] };
  for (const [host, lines] of drift) {
    const tr: TaskResult = {
      host,
      play: '(apply)',
      task: 'host matches its saved plan',
      taskLoc: 'apply',
      module: 'plan',
      status: 'failed',
      changed: false,
      check: false,
      msg: `refused, left untouched: differs from the saved plan: ${lines.join('; ')}`,
      startedAt: r.startedAt,
      durationMs: 0,
    };
    out.results.push(tr);
    const recap: HostRecap = { ok: 0, changed: 0, failed: 1, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
    out.recap[host] = recap;
    out.failedHosts.push(host);
  }
  return out;
}
