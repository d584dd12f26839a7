/**
 * Before/after pairs for --diff. Modules hand the reporter whole texts; it makes the
 * unified diff. Binary or huge files get no content diff (a message says why instead).
 */
import type { FileDiff } from '../types.js';

/** Content larger than this is not fetched or shown in diffs. */
export const MAX_DIFF_BYTES = 256 * 1024;

/** Text = valid UTF-8 without NUL bytes (what a terminal diff can show). */
export function isText(b: Buffer): boolean {
  if (b.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

export type DiffSide = Buffer | string | null; // null = the file does not exist

/**
 * The content diff of one file, or a reason it cannot be shown.
 * An undefined side means "exists but its bytes were not fetched" (too large).
 */
export function contentDiff(path: string, before: DiffSide | undefined, after: DiffSide | undefined): { diff?: FileDiff; note?: string } {
  const sides = [before, after].map((s) => (typeof s === 'string' ? Buffer.from(s) : s));
  for (const s of sides) {
    if (s === undefined) return { note: 'content diff omitted: file larger than 256 KiB' };
    if (s !== null && s.length > MAX_DIFF_BYTES) return { note: 'content diff omitted: file larger than 256 KiB' };
    if (s !== null && !isText(s)) return { note: 'content diff omitted: binary file' };
  }
  const text = (s: Buffer | null | undefined) => (s ? s.toString('utf8') : '');
  return { diff: { path, before: text(sides[0]), after: text(sides[1]) } };
}
