import type { HostRecap, RunResult, TaskResult } from '../../../src/run/events.js';

export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

/** A task result with the fields every result has; tests override what they check. */
export function result(over: Partial<TaskResult> & Pick<TaskResult, 'host' | 'status'>): TaskResult {
  return {
    play: 'Harden nodes',
    task: 'Install kpatch',
    taskLoc: 'playbooks/harden.yaml:12',
    module: 'package',
    changed: over.status === 'changed',
    check: false,
    startedAt: T0,
    durationMs: 1500,
    ...over,
  };
}

export function recap(over: Partial<HostRecap> = {}): HostRecap {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0, ...over };
}

export function run(over: Partial<RunResult> = {}): RunResult {
  return {
    playbook: 'playbooks/harden.yaml',
    check: false,
    startedAt: T0,
    durationMs: 12_345,
    results: [],
    recap: {},
    failedHosts: [],
    unreachableHosts: [],
    ...over,
  };
}

/** Terminal color and cursor sequences removed, to compare what a person reads. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
