import type { HostRecap, RunResult, TaskResult, TaskStatus } from '../run/events.js';
import { renderDiff } from './diff.js';
import { HIDDEN_ITEM } from './result-lines.js';
import { hostOutcome, type HostOutcome } from './recap.js';
import { writeFileAtomic } from './write-atomic.js';

/**
 * The --json report, version 1. Consumers may rely on these fields; new optional
 * fields may appear within version 1, anything else bumps `version`.
 *
 * {
 *   version: 1,
 *   playbook: string,              // path as given to the CLI
 *   check: boolean,                // a --check run: "changed" means "would change"
 *   started_at: string,            // ISO 8601, UTC
 *   duration_ms: number,
 *   hosts: {
 *     [host]: {
 *       recap: { ok, changed, unreachable, failed, skipped, rescued, ignored },
 *       status: "ok" | "changed" | "failed" | "unreachable",   // worst outcome over the run
 *       tasks: [{                  // in run order; one entry per loop item
 *         play, task, loc ("file:line"), module,
 *         status: "ok" | "changed" | "failed" | "skipped" | "unreachable",
 *         changed: boolean,
 *         item?: any,              // the loop item ("<hidden: no_log>" when censored)
 *         ignored?: true,          // failed, but ignore_errors was set
 *         handler?: true,
 *         censored?: true,         // no_log: msg/output/diff withheld
 *         duration_ms: number,
 *         msg?, rc?, stdout_tail?, stderr_tail?,  // tails: last lines of the output
 *         diff?: [{ path, unified }]             // with --diff: unified diffs, no color
 *       }]
 *     }
 *   },
 *   interrupted?: { signal, hosts, not_started },  // Ctrl-C / SIGTERM: hosts stopped part-way, hosts never started
 *   stopped?: [{ play, reason, untouched }],       // plays stopped early (failure budget) and the hosts they never touched
 *   cordoned?: [host]                              // drained nodes left cordoned: uncordon them by hand
 * }
 */
export interface JsonReport {
  version: 1;
  playbook: string;
  check: boolean;
  started_at: string;
  duration_ms: number;
  hosts: Record<string, JsonHost>;
  interrupted?: { signal: string; hosts: string[]; not_started: string[] };
  stopped?: { play: string; reason: string; untouched: string[] }[];
  cordoned?: string[];
}

export interface JsonHost {
  recap: HostRecap;
  status: HostOutcome;
  tasks: JsonTask[];
}

export interface JsonTask {
  play: string;
  task: string;
  loc: string;
  module: string;
  status: TaskStatus;
  changed: boolean;
  item?: unknown;
  ignored?: true;
  handler?: true;
  censored?: true;
  duration_ms: number;
  msg?: string;
  rc?: number;
  stdout_tail?: string;
  stderr_tail?: string;
  diff?: { path: string; unified: string }[];
}

function jsonTask(r: TaskResult): JsonTask {
  const t: JsonTask = { play: r.play, task: r.task, loc: r.taskLoc, module: r.module, status: r.status, changed: r.changed, duration_ms: r.durationMs };
  if (r.item !== undefined) t.item = r.censored ? HIDDEN_ITEM : r.item;
  if (r.ignored) t.ignored = true;
  if (r.isHandler) t.handler = true;
  if (r.censored) t.censored = true;
  if (r.msg !== undefined) t.msg = r.msg;
  if (r.rc !== undefined) t.rc = r.rc;
  if (r.stdoutTail !== undefined) t.stdout_tail = r.stdoutTail;
  if (r.stderrTail !== undefined) t.stderr_tail = r.stderrTail;
  // A no_log result never carries a diff into a file, even if one slipped through.
  if (r.diff?.length && !r.censored) t.diff = r.diff.map((d) => ({ path: d.path, unified: renderDiff(d, false) }));
  return t;
}

export function buildJsonReport(result: RunResult): JsonReport {
  // A Map, not an object literal: a host may be called "constructor".
  const hosts = new Map<string, JsonHost>();
  const empty: HostRecap = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
  const host = (name: string): JsonHost => {
    let h = hosts.get(name);
    if (!h) hosts.set(name, (h = { recap: Object.hasOwn(result.recap, name) ? result.recap[name] : { ...empty }, status: hostOutcome(result, name), tasks: [] }));
    return h;
  };
  for (const name of Object.keys(result.recap)) host(name);
  for (const r of result.results) host(r.host).tasks.push(jsonTask(r));
  return {
    version: 1,
    playbook: result.playbook,
    check: result.check,
    started_at: new Date(result.startedAt).toISOString(),
    duration_ms: result.durationMs,
    hosts: Object.fromEntries(hosts),
    ...(result.interrupted ? { interrupted: { signal: result.interrupted.signal, hosts: result.interrupted.hosts, not_started: result.interrupted.notStarted } } : {}),
    ...(result.stopped ? { stopped: result.stopped } : {}),
    ...(result.cordoned ? { cordoned: result.cordoned } : {}),
  };
}

export async function writeJsonReport(file: string, result: RunResult): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(buildJsonReport(result), null, 2)}\n`);
}
