/**
 * What the executor tells the outside world while it runs. Reporters (terminal
 * progress, recap, JSON, JUnit) only consume these events and the final RunResult;
 * they never reach into the executor.
 */
import type { FileDiff } from '../modules/types.js';
import type { Basis } from '../plan/basis.js';

export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

/** One task's outcome on one host (one per loop item when looping; `item` set). */
export interface TaskResult {
  host: string;
  play: string;
  task: string; // display name: task name, or "module: args" when unnamed
  taskLoc: string; // "file:line"
  module: string;
  status: TaskStatus;
  changed: boolean;
  /** Failed but ignore_errors was set. */
  ignored?: boolean;
  /** Ran in check mode: "changed" means "would change". */
  check: boolean;
  msg?: string;
  item?: unknown;
  rc?: number;
  stdoutTail?: string;
  stderrTail?: string;
  diff?: FileDiff[];
  /** The task asked for no_log: msg, output and diffs are already replaced by a notice. */
  censored?: boolean;
  /** Warnings the module printed (not registered): each shows as "[WARNING]: ..." before the result line. */
  warnings?: string[];
  /** What remote state the plan was computed from (plan/basis.ts); not in reports, only in saved plans. */
  basis?: Basis;
  startedAt: number; // ms epoch
  durationMs: number;
  isHandler?: boolean;
}

export interface HostRecap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  rescued: number;
  ignored: number;
}

export interface RunResult {
  playbook: string;
  check: boolean;
  startedAt: number;
  durationMs: number;
  results: TaskResult[];
  recap: Record<string, HostRecap>;
  /** Hosts that failed (not unreachable) / were unreachable at any point. */
  failedHosts: string[];
  unreachableHosts: string[];
  /** The run was stopped from outside (Ctrl-C, SIGTERM) before it finished. */
  interrupted?: RunInterruption;
  /** Plays that stopped early (failure budget, any_errors_fatal): why, and the hosts they never touched. */
  stopped?: PlayStop[];
  /** Nodes a drain cordoned and nothing uncordoned since: each needs `kubectl uncordon` by hand. */
  cordoned?: string[];
}

export interface RunInterruption {
  /** "SIGINT" or "SIGTERM". */
  signal: string;
  /** Hosts stopped part-way through a play. */
  hosts: string[];
  /** Hosts the run had still to work on and never started. */
  notStarted: string[];
}

export interface PlayStop {
  play: string;
  reason: string;
  /** Hosts of the play's later batches, never touched. */
  untouched: string[];
  /** any_errors_fatal or max_fail_percentage broke the play: the run exits 2, as 2.14's (RUN_FAILED_BREAK_PLAY). */
  breaks?: true;
}

export type RunEvent =
  | { type: 'play-start'; play: string; hosts: string[] }
  | { type: 'batch-start'; play: string; hosts: string[]; index: number; count: number }
  | { type: 'task-start'; play: string; task: string; taskLoc: string; hosts: string[]; isHandler?: boolean }
  | { type: 'task-result'; result: TaskResult }
  | { type: 'task-end'; play: string; task: string }
  | { type: 'play-end'; play: string }
  | { type: 'run-end'; result: RunResult };

export interface RunObserver {
  onEvent(event: RunEvent): void;
}
