import type { RunEvent, RunObserver } from '../run/events.js';
import { colors, type Colors } from './colors.js';
import { hostList, plural, TaskLog } from './task-log.js';

export interface PlainProgressOptions {
  verbose: number;
  diff: boolean;
  out: NodeJS.WritableStream;
  color: boolean;
}

/**
 * Line output for CI logs and pipes: nothing is redrawn, so each task prints once,
 * when it ends: its counts, then its changed/failed hosts (every host with -v).
 * A task's lines stay together even when its hosts finish in any order.
 */
export class PlainProgress implements RunObserver {
  private readonly c: Colors;
  private readonly open = new Map<string, TaskLog>();
  private plays = 0;

  constructor(private readonly opts: PlainProgressOptions) {
    this.c = colors(opts.color);
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'play-start':
        this.write([...(this.plays++ ? [''] : []), this.c.bold(`PLAY [${e.play}] (${plural(e.hosts.length, 'host')})`)]);
        break;
      case 'batch-start':
        this.write([`BATCH ${e.index + 1}/${e.count} [${hostList(e.hosts)}]`]);
        break;
      case 'task-start':
        this.open.set(key(e.play, e.task), new TaskLog(e.task, e.hosts, e.isHandler));
        break;
      case 'task-result':
        this.open.get(key(e.result.play, e.result.task))?.add(e.result);
        break;
      case 'task-end':
        this.flush(key(e.play, e.task));
        break;
      default:
        break;
    }
  }

  async finish(): Promise<void> {
    // A run cut short (an error in the executor) still shows what its open tasks did.
    for (const k of [...this.open.keys()]) this.flush(k);
  }

  private flush(k: string): void {
    const log = this.open.get(k);
    if (!log) return;
    this.open.delete(k);
    const { verbose, diff } = this.opts;
    this.write([`${log.label}  ${log.tally.format(this.c)}`, ...log.lines({ verbose, diff, c: this.c })]);
  }

  private write(lines: string[]): void {
    this.opts.out.write(lines.map((l) => `${l}\n`).join(''));
  }
}

const key = (play: string, task: string): string => `${play}\u0000${task}`;
