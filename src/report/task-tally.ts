import type { TaskResult } from '../run/events.js';
import type { Colors } from './colors.js';
import { resultStatus, worstStatus, type HostTaskStatus } from './host-status.js';

/**
 * Per-host outcome of one task, summed into one compact line such as
 * "[17/20 ok, 2 changed, 1 failed]": one row per task whatever the number of hosts.
 */
export class TaskTally {
  private readonly byHost = new Map<string, HostTaskStatus>();
  private readonly hosts: Set<string>;

  constructor(hosts: readonly string[]) {
    this.hosts = new Set(hosts);
  }

  add(r: TaskResult): void {
    this.hosts.add(r.host);
    const prev = this.byHost.get(r.host);
    this.byHost.set(r.host, prev ? worstStatus([prev, resultStatus(r)])! : resultStatus(r));
  }

  count(status: HostTaskStatus): number {
    let n = 0;
    for (const s of this.byHost.values()) if (s === status) n++;
    return n;
  }

  /** Any host failed for real (not ignored) or was unreachable. */
  get failed(): boolean {
    return this.count('failed') + this.count('unreachable') > 0;
  }

  format(c: Colors): string {
    const parts = [c.green(`${this.count('ok')}/${this.hosts.size} ok`)];
    const more: [HostTaskStatus, (s: string) => string][] = [
      ['changed', c.yellow],
      ['failed', c.red],
      ['unreachable', c.red],
      ['skipped', c.cyan],
      ['ignored', c.cyan],
    ];
    for (const [status, paint] of more) {
      const n = this.count(status);
      if (n) parts.push(paint(`${n} ${status}`));
    }
    return `[${parts.join(', ')}]`;
  }
}
