import { DefaultRenderer, Listr, ListrLogger, PRESET_TIMER, ProcessOutput, type ListrTask } from 'listr2';
import type { RunEvent, RunObserver } from '../run/events.js';
import { AsyncQueue } from './async-queue.js';
import { colors, type Colors } from './colors.js';
import { plural, TaskLog } from './task-log.js';

export interface TreeProgressOptions {
  verbose: number;
  diff: boolean;
  out: NodeJS.WritableStream;
  /** Stray writes during the live view are held here and printed after it (default process.stderr). */
  err?: NodeJS.WritableStream;
  color: boolean;
}

/**
 * listr2 picks its renderer from process.stdout.isTTY; the caller has already
 * decided that `out` is a terminal, so the default renderer is used regardless.
 */
class TreeRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

type Wrapper = Parameters<ListrTask<object, typeof TreeRenderer>['task']>[1];

/** One listr row per task: its title carries the host counts, so 200 hosts still make one line. */
class TaskRow {
  private wrapper?: Wrapper;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    readonly log: TaskLog,
    private readonly c: Colors,
  ) {}

  get title(): string {
    return `${this.log.isHandler ? 'handler: ' : ''}${this.log.task}  ${this.log.tally.format(this.c)}`;
  }

  attach(w: Wrapper): void {
    this.wrapper = w;
    w.title = this.title;
  }

  refresh(): void {
    if (this.wrapper) this.wrapper.title = this.title;
  }

  end(): void {
    this.refresh();
    this.resolveDone();
  }
}

class PlayRow {
  readonly tasks = new AsyncQueue<TaskRow>();
  private wrapper?: Wrapper;
  batch?: string;
  check = false;

  constructor(
    readonly name: string,
    readonly hostCount: number,
  ) {}

  get title(): string {
    const batch = this.batch ? `, ${this.batch}` : '';
    return `${this.check ? '(check) ' : ''}${this.name} (${plural(this.hostCount, 'host')}${batch})`;
  }

  attach(w: Wrapper): void {
    this.wrapper = w;
    w.title = this.title;
  }

  refresh(): void {
    if (this.wrapper) this.wrapper.title = this.title;
  }
}

/**
 * listr2 runs a task list fixed when it starts, but tasks arrive one event at a
 * time. So each list holds one row plus an untitled link that waits for the next
 * row and returns the rest of the list as its subtasks: untitled tasks are not
 * drawn and their subtasks render at the same level, so the chain looks flat.
 */
function chain<T>(queue: AsyncQueue<T>, row: (v: T) => ListrTask<object, typeof TreeRenderer>): ListrTask<object, typeof TreeRenderer> {
  return {
    task: async (_ctx, w) => {
      const next = await queue.next();
      if (next === undefined) return;
      return w.newListr([row(next), chain(queue, row)]);
    },
  };
}

/**
 * The live terminal view: play → task tree, each task row updated with per-host
 * counts as results arrive. Details (changed/failed hosts, diffs, -v output) can't
 * live inside a redrawn region without flooding it, so they print after the tree.
 */
export class TreeProgress implements RunObserver {
  private readonly c: Colors;
  private readonly plays = new AsyncQueue<PlayRow>();
  private play?: PlayRow;
  private task?: TaskRow;
  private readonly logs: TaskLog[] = [];
  private running?: Promise<unknown>;

  constructor(private readonly opts: TreeProgressOptions) {
    this.c = colors(opts.color);
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'play-start':
        this.start();
        this.endPlay();
        this.play = new PlayRow(e.play, e.hosts.length);
        this.plays.push(this.play);
        break;
      case 'batch-start':
        if (this.play) {
          this.play.batch = `batch ${e.index + 1}/${e.count}`;
          this.play.refresh();
        }
        break;
      case 'task-start': {
        this.endTask();
        const log = new TaskLog(e.task, e.hosts, e.isHandler);
        this.logs.push(log);
        this.task = new TaskRow(log, this.c);
        this.play?.tasks.push(this.task);
        break;
      }
      case 'task-result':
        if (e.result.check && this.play && !this.play.check) {
          this.play.check = true;
          this.play.refresh();
        }
        this.task?.log.add(e.result);
        this.task?.refresh();
        break;
      case 'task-end':
        this.endTask();
        break;
      case 'play-end':
        this.endPlay();
        break;
      default:
        break;
    }
  }

  async finish(): Promise<void> {
    this.endPlay();
    this.plays.close();
    await this.running;
    const { verbose, diff } = this.opts;
    const details = this.logs.flatMap((log) => {
      const lines = log.lines({ verbose, diff, c: this.c });
      return lines.length ? [`${log.label}  ${log.tally.format(this.c)}`, ...lines] : [];
    });
    if (details.length) this.opts.out.write(['', ...details].map((l) => `${l}\n`).join(''));
  }

  /** The view starts with the first play, so a run that never starts draws nothing. */
  private start(): void {
    if (this.running) return;
    const out = this.opts.out as NodeJS.WriteStream;
    const err = (this.opts.err ?? process.stderr) as NodeJS.WriteStream;
    const listr = new Listr<object, typeof TreeRenderer>([chain(this.plays, (p) => this.playTask(p))], {
      renderer: TreeRenderer,
      rendererOptions: {
        logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(out, err) }),
        collapseSubtasks: false,
        timer: PRESET_TIMER,
      },
      // A failed host marks its task row, it does not stop the view: the run goes on.
      exitOnError: false,
      // Ctrl-C belongs to the CLI (it closes the SSH connections), not to the view.
      registerSignalListeners: false,
    });
    this.running = listr.run();
  }

  private playTask(p: PlayRow): ListrTask<object, typeof TreeRenderer> {
    return {
      title: p.title,
      task: (_ctx, w) => {
        p.attach(w);
        return w.newListr([chain(p.tasks, (t) => this.taskTask(t))]);
      },
    };
  }

  private taskTask(t: TaskRow): ListrTask<object, typeof TreeRenderer> {
    return {
      title: t.title,
      task: async (_ctx, w) => {
        t.attach(w);
        await t.done;
        // listr's failed mark (✖); the message shown for a failed row is its title with the counts.
        if (t.log.tally.failed) throw new Error(t.title);
      },
    };
  }

  private endTask(): void {
    this.task?.end();
    this.task = undefined;
  }

  private endPlay(): void {
    this.endTask();
    this.play?.tasks.close();
    this.play = undefined;
  }
}
