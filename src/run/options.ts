import type { Plan } from '../modules/types.js';
import type { RunIdentity } from './run-lock.js';

/** Identifies one task run on one host across two runs of the same playbook (a saved plan and its apply). */
export interface TaskKey {
  host: string;
  play: string;
  taskLoc: string;
  isHandler: boolean;
  /** The loop item as reports show it; undefined outside loops. */
  item?: unknown;
}

/** A host's set_fact / register values after a batch; `noLog`: variables no_log tasks set (name → task), not in `vars`. */
export interface HostState {
  vars: Record<string, unknown>;
  /** include_vars values (below set_fact), no_log ones left out. */
  included: Record<string, unknown>;
  noLog: Record<string, string>;
}

/** Everything the executor takes from the command line. */
export interface RunOptions {
  check: boolean;
  diff: boolean;
  /** Hosts worked on at the same time within one task (Ansible's forks). */
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  /** Trust and record host keys not yet in known_hosts (a mismatch is still refused). */
  acceptNewHostKeys: boolean;
  /** Remote commands are killed after this many seconds unless a task sets `timeout`. */
  taskTimeoutSec: number;
  verbose: number;
  /** --force-handlers: a play without its own force_handlers runs notified handlers on a host that fails. */
  forceHandlers?: boolean;
  /** --start-at-task: skip every task before the first one of this name (a glob). */
  startAtTask?: string;
  /**
   * --step: asked once before each task of a batch (handlers and meta tasks are not asked, as in
   * ansible-playbook): `no` skips the task, `continue` runs it and every later task of the batch.
   */
  step?: (task: string) => Promise<'yes' | 'no' | 'continue'>;
  /** After each batch that ran to its end: the hosts that finished play `play` and what they had set (the run journal, run/journal.ts). */
  onBatchDone?: (play: number, hosts: string[], state: Record<string, HostState>) => void;
  /** --resume: per host, the variables it had set when it last finished a batch of the interrupted run. */
  restoredVars?: Record<string, Record<string, unknown>>;
  /** --resume: per host, its include_vars values then. */
  restoredIncludedVars?: Record<string, Record<string, unknown>>;
  /**
   * `nodemend apply`: asked before each change is carried out; a reason refuses it (the
   * task fails with it), so nothing the saved plan did not predict is ever changed.
   */
  planGuard?: (key: TaskKey, plan: Plan) => string | undefined;
  /** Break another run's lock on a host (see run/run-lock.ts): for a run that was killed. */
  ignoreLock: boolean;
  /** This run's identity (its host locks, its journal); made at start when unset. */
  runIdentity?: RunIdentity;
  /** --resume: the interrupted run whose host locks this run takes over. */
  adoptLocksOf?: string;
  /** Told of every controller file a task reads (templates, copy sources): a saved plan digests them. */
  onLocalFile?: (path: string) => void;
}

export const DEFAULT_OPTIONS: RunOptions = {
  check: false,
  diff: false,
  forks: 50,
  tags: [],
  skipTags: [],
  extraVars: {},
  acceptNewHostKeys: false,
  taskTimeoutSec: 3600,
  verbose: 0,
  ignoreLock: false,
};
