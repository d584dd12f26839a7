/**
 * APT's one-line source lists as ansible-core 2.14.18's apt_repository reads and writes them
 * (modules/apt_repository.py, its SourcesList class), on the controller: parse each line of
 * sources.list and sources.list.d/*.list, add or remove a source, dump every file back.
 *
 * The module's quirks are kept, because they decide the bytes on the host:
 * - a line is re-written from its parts: `# ` before a disabled line, whitespace inside a source
 *   squeezed, ` # ` before a trailing comment (so `#deb x` becomes `# deb x`);
 * - adding a source that is already there, enabled or commented out, enables every copy of it in
 *   any file instead of writing a new line;
 * - removing deletes every enabled copy, each at the line index it was read at (the list shifts
 *   under that loop, as in the module: a second copy later in a file can take the wrong line, or
 *   fail the task when the index runs past the end);
 * - a file left (or found) without a line is deleted when the module saves.
 */

export const VALID_SOURCE_TYPES = ['deb', 'deb-src'];

export interface SourceLine {
  /** The line's index when read (its position, until a removal shifts the list). */
  n: number;
  valid: boolean;
  enabled: boolean;
  source: string;
  comment: string;
}

/** Files by absolute path, in the order the module reads them (sources.list, then sources.list.d). */
export type SourcesFiles = Map<string, SourceLine[]>;

const pySplit = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** The module's _parse: a line as (valid, enabled, source, comment). */
export function parseSourceLine(raw: string): Omit<SourceLine, 'n'> {
  let line = raw.trim();
  let enabled = true;
  let comment = '';
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const i = line.indexOf('#');
  if (i > 0) {
    comment = line.slice(i + 1).trim();
    line = line.slice(0, i);
  }
  let source = line.trim();
  let valid = false;
  if (source) {
    const chunks = pySplit(source);
    if (VALID_SOURCE_TYPES.includes(chunks[0])) {
      valid = true;
      source = chunks.join(' ');
    }
  }
  return { valid, enabled, source, comment };
}

/** A repo argument as the module takes it: an enabled, valid one-line source; otherwise why not. */
export function repoSource(repo: string): { source: string } | { invalid: string } {
  const p = parseSourceLine(repo);
  if (!p.valid || !p.enabled) {
    // InvalidSource carries the line as _parse left it (without a leading "#" or a trailing comment)
    let line = repo.trim();
    if (line.startsWith('#')) line = line.slice(1);
    const i = line.indexOf('#');
    return { invalid: i > 0 ? line.slice(0, i) : line };
  }
  // the module's filename suggestion needs a word beside the type (it fails with an IndexError otherwise)
  if (uriWord(p.source) === undefined) return { invalid: p.source };
  return { source: p.source };
}

/** Python's file iteration in text mode: universal newlines, a last line without newline kept. */
export function readSourceFile(text: string): SourceLine[] {
  const lines = text.match(/[^\n\r]*(?:\r\n|\n|\r)|[^\n\r]+$/g) ?? [];
  return lines.map((l, n) => ({ n, ...parseSourceLine(l) }));
}

/** The module's _suggest_filename: `filename` + ".list" when given, else from the source's URI. */
export function suggestFilename(source: string, filename: string | undefined): string {
  if (filename !== undefined) return `${filename}.list`;
  const first = uriWord(source) ?? '';
  return `${pySplit(first.replace(/[^a-zA-Z0-9]/g, ' ')).join('_')}.list`;
}

/** The first word after dropping options, `scheme://`, the type and `user:password@`. */
function uriWord(source: string): string | undefined {
  const line = source.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '');
  const first = pySplit(line).filter((p) => !VALID_SOURCE_TYPES.includes(p))[0];
  return first?.includes('@') ? first.slice(first.indexOf('@') + 1) : first;
}

/** The module's _expand_path: a name without "/" goes into sources.list.d (normalised as os.path.abspath). */
export function expandPath(file: string, partsDir: string): string {
  if (file.includes('/')) return file;
  return normalise(`${partsDir}/${file}`);
}

function normalise(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}

const lineText = (s: SourceLine): string => `${s.enabled ? '' : '# '}${s.source}${s.comment ? ` # ${s.comment}` : ''}\n`;

/** The module's dump: each file that holds a line, as it would be written. */
export function dumpSources(files: SourcesFiles): Map<string, string> {
  const out = new Map<string, string>();
  for (const [f, lines] of files) if (lines.length) out.set(f, lines.map(lineText).join(''));
  return out;
}

export function cloneSources(files: SourcesFiles): SourcesFiles {
  return new Map([...files].map(([f, lines]) => [f, lines.map((l) => ({ ...l }))]));
}

/**
 * _add_valid_source: enable every copy already listed (commented out or not), else append it to
 * `file`. Returns the file appended to (the module then applies `mode` to it), if any.
 */
export function addSource(files: SourcesFiles, source: string, file: string): string | undefined {
  let found = false;
  for (const lines of files.values()) {
    for (const l of lines) {
      if (l.valid && l.source === source) {
        l.enabled = true;
        found = true;
      }
    }
  }
  if (found) return undefined;
  const list = files.get(file) ?? [];
  files.set(file, list);
  list.push({ n: list.length, valid: true, enabled: true, source, comment: '' });
  return file;
}

export class SourceIndexError extends Error {}

/** _remove_valid_source: pop every enabled copy at its read-time index, walking the list as it shrinks. */
export function removeSource(files: SourcesFiles, source: string): void {
  for (const [f, lines] of files) {
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (!l.valid || !l.enabled || l.source !== source) continue;
      if (l.n >= lines.length) throw new SourceIndexError(`pop index out of range (line ${l.n + 1} of ${f}, which now has ${lines.length} lines)`);
      lines.splice(l.n, 1);
    }
  }
}
