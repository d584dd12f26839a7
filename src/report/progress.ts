import type { RunObserver } from '../run/events.js';
import { colorWanted } from './colors.js';
import { PlainProgress } from './plain-progress.js';
import { TreeProgress } from './tree-progress.js';

export interface ProgressOptions {
  /** A terminal and not CI: the live tree. Otherwise plain lines. */
  tty: boolean;
  verbose: number;
  diff: boolean;
  out: NodeJS.WritableStream;
  /** Defaults to `tty` unless NO_COLOR is set. */
  color?: boolean;
  /** Live view only: where stray stderr writes are held during the redraw (default process.stderr). */
  err?: NodeJS.WritableStream;
}

export type Progress = RunObserver & { finish(): Promise<void> };

export function createProgress(opts: ProgressOptions): Progress {
  const color = opts.color ?? colorWanted(opts.tty);
  const common = { verbose: opts.verbose, diff: opts.diff, out: opts.out, color };
  return opts.tty ? new TreeProgress({ ...common, err: opts.err }) : new PlainProgress(common);
}
