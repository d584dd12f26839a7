import { createTwoFilesPatch } from 'diff';
import type { FileDiff } from '../modules/types.js';
import { colors, type Colors } from './colors.js';

/**
 * A FileDiff as a unified diff. An empty `before` is a new file ("--- /dev/null",
 * as git and patch write it). The "Index:" / "====" preamble of the diff package is
 * dropped: it repeats the path and is not part of the unified format. Identical
 * sides give "" (nothing to show).
 */
export function renderDiff(d: FileDiff, color: boolean): string {
  if (d.note) return colors(color).bold(`--- ${d.path}: ${d.note}`) + '\n';
  const isNew = d.before === '';
  const patch = createTwoFilesPatch(isNew ? '/dev/null' : d.path, d.path, d.before, d.after, isNew ? '' : 'before', 'after', { context: 3 });
  const lines = patch.split('\n');
  const start = lines.findIndex((l) => l.startsWith('--- '));
  const body = lines.slice(start);
  if (!body.some((l) => l.startsWith('@@'))) return '';
  if (body[body.length - 1] === '') body.pop();
  const c = colors(color);
  return body.map((l) => paintDiffLine(l, c)).join('\n') + '\n';
}

/** One line of a unified diff in the terminal's colors. */
export function paintDiffLine(l: string, c: Colors): string {
  if (l.startsWith('--- ') || l.startsWith('+++ ')) return c.bold(l);
  if (l.startsWith('@@')) return c.cyan(l);
  if (l.startsWith('+')) return c.green(l);
  if (l.startsWith('-')) return c.red(l);
  return l;
}
