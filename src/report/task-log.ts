import type { TaskResult } from '../run/events.js';
import { resultLines, type ResultLineOptions } from './result-lines.js';
import { TaskTally } from './task-tally.js';
import { groupedDiffLines } from './diff-groups.js';

/** One task's run across its hosts: the counts and the results, kept until the task ends. */
export class TaskLog {
  readonly tally: TaskTally;
  private readonly results: TaskResult[] = [];

  constructor(
    readonly task: string,
    readonly hosts: readonly string[],
    readonly isHandler = false,
  ) {
    this.tally = new TaskTally(hosts);
  }

  add(r: TaskResult): void {
    this.tally.add(r);
    this.results.push(r);
  }

  /** "TASK [name]", or "HANDLER [name]" like Ansible's RUNNING HANDLER. */
  get label(): string {
    return `${this.isHandler ? 'HANDLER' : 'TASK'} [${this.task}]`;
  }

  /**
   * The per-host lines in the task's host order, not in completion order: a log
   * that reads the same on every run (loop items keep their own order).
   */
  lines(o: ResultLineOptions): string[] {
    const order = new Map(this.hosts.map((h, i) => [h, i]));
    const pos = (h: string): number => order.get(h) ?? order.size;
    const sorted = [...this.results].sort((a, b) => pos(a.host) - pos(b.host));
    // Diffs come after the hosts' lines, each distinct one once with its host list: under --diff every
    // result's, else those of a task that turned diff mode on itself (`diff: true`; 2.14 prints them too).
    const lines = sorted.flatMap((r) => resultLines(r, o));
    const withDiff = o.diff ? sorted : sorted.filter((r) => r.diff !== undefined && !r.censored);
    return [...lines, ...groupedDiffLines(withDiff, o.c)];
  }
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "node1, node2, node3 +37 more": a batch of 200 hosts must not print 200 names. */
export function hostList(hosts: readonly string[], shown = 3): string {
  const head = hosts.slice(0, shown).join(', ');
  return hosts.length > shown ? `${head} +${hosts.length - shown} more` : head;
}
