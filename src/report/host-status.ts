import type { TaskResult } from '../run/events.js';

/** A task's outcome on one host as the reports show it: an ignored failure is its own kind. */
export type HostTaskStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped' | 'ignored';

// Worst wins when a looped task gives several results for one host. A host is only
// "skipped" when every item was skipped (the executor's recap counts the same way).
const RANK: Record<HostTaskStatus, number> = { skipped: 0, ok: 1, changed: 2, ignored: 3, failed: 4, unreachable: 5 };

export function resultStatus(r: TaskResult): HostTaskStatus {
  if (r.status === 'failed' && r.ignored) return 'ignored';
  return r.status;
}

export function worstStatus(statuses: Iterable<HostTaskStatus>): HostTaskStatus | undefined {
  let worst: HostTaskStatus | undefined;
  for (const s of statuses) if (worst === undefined || RANK[s] > RANK[worst]) worst = s;
  return worst;
}
