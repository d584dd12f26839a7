/**
 * find (ansible.builtin.find, ansible-core 2.14): files, directories or links under `paths`
 * that match name patterns (fnmatch globs, or Python regexes with use_regex), excludes, age,
 * size and (files only) contents, registered as Ansible does: `files` (each with stat's fields
 * as find.py's statinfo names them, `checksum` sha1 with get_checksum), `matched`, `examined`,
 * `skipped_paths`, `msg`. Never changes anything.
 *
 * The walk is Python's os.walk as find.py drives it, rebuilt on the controller from GNU find's
 * listing: per directory its non-directories first, then its directories (a symlink to a
 * directory counts as one, and is descended only with `follow`), hidden entries descended but not
 * reported unless `hidden`, `depth` counted as find.py counts it (the level below it is examined,
 * never reported). Each entry's fields are its lstat, as find.py's. One exec lists and stats the
 * trees; a second one (only for `contains` or `get_checksum`) reads the candidate files.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { fromStat, STAT_DIRECTIVES, type FileProbe } from '../transport/remote-file.js';
import { findStatinfo, isType, S_IFDIR as DIR, S_IFLNK as LNK, S_IFREG as REG } from './lib/stat-info.js';
import { listArg } from '../load/module-args.js';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { compilePyRegex } from './lib/pyregex.js';
import { fnmatchRegExp } from '../load/fnmatch.js';

const AGE = /^(-?\d+)(s|m|h|d|w)?$/;
const SIZE = /^(-?\d+)(b|k|m|g|t)?$/;
const lowerMatching = (re: RegExp, what: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).toLowerCase())
    .refine((v) => re.test(v), `failed to process ${what}`);

const schema = withAliases(
  z.strictObject({
    paths: listArg(pathArg),
    patterns: listArg(z.string()).default([]),
    excludes: listArg(z.string()).optional(),
    contains: z.string().optional(),
    read_whole_file: boolArg.default(false),
    file_type: z.enum(['any', 'directory', 'file', 'link']).default('file'),
    age: lowerMatching(AGE, 'age').optional(),
    age_stamp: z.enum(['atime', 'ctime', 'mtime']).default('mtime'),
    size: lowerMatching(SIZE, 'size').optional(),
    recurse: boolArg.default(false),
    hidden: boolArg.default(false),
    follow: boolArg.default(false),
    get_checksum: boolArg.default(false),
    use_regex: boolArg.default(false),
    depth: z.coerce.number().int().optional(),
  }),
  { name: 'paths', path: 'paths', pattern: 'patterns', exclude: 'excludes' },
);
type Args = z.infer<typeof schema>;

const AGE_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const scaled = (v: string, re: RegExp, units: Record<string, number>): number => {
  const m = re.exec(v)!;
  return Number(m[1]) * (m[2] ? units[m[2]] : 1);
};

/** A name matcher as find.py's pfilter: fnmatch on the whole name, or Python's re.match (anchored at the start only). */
function nameMatcher(pat: string, useRegex: boolean): (name: string) => boolean {
  if (!useRegex) {
    const re = fnmatchRegExp(pat);
    return (n) => re.test(n);
  }
  const { re } = compilePyRegex(pat);
  const sticky = new RegExp(re.source, `${re.flags}y`);
  return (n) => {
    sticky.lastIndex = 0;
    return sticky.test(n);
  };
}

/** One entry of a walk: its lstat, as Python's os.lstat gives it. */
interface Entry extends FileProbe {
  /** The type its target has (GNU find's %Y): `d` means os.walk lists it among the directories. */
  walkType: string;
}

// lstat's fields (the probe's, one per NUL-ended field), then the path.
const STAT_FORMAT = `${STAT_DIRECTIVES.join('\\0')}\\0%n\\0`;
const STAT_FIELDS = STAT_DIRECTIVES.length + 1;

/**
 * The listing script: for each path "P\0path\0", then "NOTDIR\0", or the walk types ("%Y\0" each,
 * then "X\0") and as many stat records, then "E\0errors\0". `$1` is the host's clock first.
 */
function listScript(a: Args): ReturnType<typeof sh> {
  const follow = a.follow ? '-L' : '';
  // os.walk examines the level below `depth` too (find.py counts, then prunes it).
  const depthArgs = !a.recurse || (a.depth && a.depth < 0) ? ['-maxdepth', '1'] : a.depth ? ['-maxdepth', String(a.depth + 1)] : [];
  return sh`date +%s.%N | tr -d '\\n'; printf '\\0'
for p in ${a.paths}; do
  case $p in "~"|"~/"*) p=$HOME\${p#"~"} ;; esac
  printf 'P\\0%s\\0' "$p"
  if [ ! -d "$p" ]; then printf 'NOTDIR\\0'; continue; fi
  e=$( { find ${follow ? [follow] : []} "$p" -mindepth 1 ${depthArgs} -printf '%Y\\0'; printf 'X\\0'
    find ${follow ? [follow] : []} "$p" -mindepth 1 ${depthArgs} -exec stat --printf ${STAT_FORMAT} -- {} +; } 2>&1 >&3 )
  printf 'E\\0%s\\0' "$e"
done 3>&1`;
}

interface Listed {
  now: number;
  /** Per path: its entries in find's (depth-first, readdir) order, or why it was skipped. */
  paths: { path: string; entries: Entry[]; notDir: boolean; errors: string }[];
}

function parseListing(out: string): Listed {
  const f = out.split('\0');
  let i = 0;
  const now = Number(f[i++]);
  const paths: Listed['paths'] = [];
  while (i < f.length && f[i] === 'P') {
    const path = f[i + 1];
    i += 2;
    if (f[i] === 'NOTDIR') {
      paths.push({ path, entries: [], notDir: true, errors: '' });
      i++;
      continue;
    }
    const types: string[] = [];
    while (i < f.length && f[i] !== 'X') types.push(f[i++]);
    i++;
    const entries: Entry[] = [];
    while (i < f.length && f[i] !== 'E') {
      const s = f.slice(i, i + STAT_FIELDS);
      i += STAT_FIELDS;
      entries.push({ ...fromStat(s[STAT_FIELDS - 1], s.slice(0, STAT_FIELDS - 1)), walkType: types[entries.length] ?? '?' });
    }
    paths.push({ path, entries, notDir: false, errors: f[i + 1] ?? '' });
    i += 2;
  }
  return { now, paths };
}

/** "find: 'x': Permission denied" → the directory os.walk's scandir would have raised on, and Python's message. */
function walkErrors(stderr: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of stderr.matchAll(/^find: '(.*)': (Permission denied|No such file or directory)$/gm)) {
    out.set(m[1], `[Errno ${m[2] === 'Permission denied' ? 13 : 2}] ${m[2]}: '${m[1]}'`);
  }
  return out;
}

/**
 * os.walk(top) as find.py consumes it, over the listing: yields (dir, names in files+dirs order)
 * and stops at a directory find could not read, as os.walk's onerror raise does.
 */
function* walk(top: string, entries: Entry[], follow: boolean, errors: Map<string, string>): Generator<{ entries: Entry[]; prune: () => void }> {
  const children = new Map<string, Entry[]>();
  for (const e of entries) {
    const parent = e.path.slice(0, e.path.lastIndexOf('/')) || '/';
    const list = children.get(parent) ?? [];
    list.push(e);
    children.set(parent, list);
  }
  const key = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);
  const visit = function* (dir: string): Generator<{ entries: Entry[]; prune: () => void }> {
    const err = errors.get(dir);
    if (err !== undefined) throw new Error(err);
    const list = children.get(key(dir)) ?? [];
    const dirs = list.filter((e) => e.walkType === 'd');
    const files = list.filter((e) => e.walkType !== 'd');
    let pruned = false;
    yield {
      entries: [...files, ...dirs],
      prune: () => {
        pruned = true;
      },
    };
    if (pruned) return;
    for (const d of dirs) if (follow || !isType(d.rawMode, LNK)) yield* visit(d.path);
  };
  yield* visit(top);
}

/** Python's text-mode reading: UTF-8 (a decoding error fails the read), universal newlines. */
function pyText(b64: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64')).replace(/\r\n?/g, '\n');
  } catch {
    return undefined;
  }
}

/** find.py's contentfilter on a file's text: re.match on each line, or re.search on the whole file. */
function contentMatches(text: string | undefined, pattern: string, whole: boolean): boolean {
  if (text === undefined) return false;
  const { re } = compilePyRegex(pattern);
  if (whole) return re.test(text);
  const sticky = new RegExp(re.source, `${re.flags}y`);
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    sticky.lastIndex = 0;
    if (sticky.test(line)) return true;
  }
  return false;
}

/** Reads the files the content filter and get_checksum need: base64 of each (or "-"), and its sha1. */
async function readFiles(ctx: ModuleContext, contents: string[], sums: string[]): Promise<{ text: Map<string, string | undefined>; sha1: Map<string, string | undefined> }> {
  const text = new Map<string, string | undefined>();
  const sha1 = new Map<string, string | undefined>();
  if (!contents.length && !sums.length) return { text, sha1 };
  const r = await ctx.conn.exec(sh`for f in ${contents}; do if [ -r "$f" ]; then base64 -w0 < "$f"; else printf '%s' -; fi; printf '\\0'; done
printf 'S\\0'
for f in ${sums}; do s=$(sha1sum < "$f" 2>/dev/null) && printf '%s\\0' "\${s%% *}" || printf '%s\\0' -; done`);
  const f = r.stdout.split('\0');
  contents.forEach((p, i) => text.set(p, f[i] === '-' ? undefined : pyText(f[i])));
  const off = contents.length + 1;
  sums.forEach((p, i) => sha1.set(p, f[off + i] === '-' || f[off + i] === undefined ? undefined : f[off + i]));
  return { text, sha1 };
}

export default defineModule<Args>({
  name: 'find',
  pathArgs: ['paths'],
  description: 'Find files, directories or links by name pattern, age, size or contents; registers files (stat fields), matched, examined',
  schema,
  async plan(a, ctx) {
    const patterns = (a.patterns.length ? a.patterns : [a.use_regex ? '.*' : '*']).map((p) => nameMatcher(p, a.use_regex));
    const excludes = (a.excludes ?? []).map((p) => nameMatcher(p, a.use_regex));
    // pfilter: a name matching a pattern, then no exclude.
    const nameOk = (n: string) => patterns.some((p) => p(n)) && !excludes.some((x) => x(n));
    const age = a.age === undefined ? undefined : scaled(a.age, AGE, AGE_UNIT);
    const size = a.size === undefined ? undefined : scaled(a.size, SIZE, SIZE_UNIT);

    const r = await ctx.conn.exec(listScript(a));
    if (r.rc !== 0) throw new ModuleFailure(`find failed: ${r.stderr.trim() || `rc ${r.rc}`}`, { rc: r.rc, stderr: r.stderr });
    const listed = parseListing(r.stdout);
    const ageOk = (e: Entry) => age === undefined || (age >= 0 ? listed.now - e[a.age_stamp] >= Math.abs(age) : listed.now - e[a.age_stamp] <= Math.abs(age));
    const sizeOk = (e: Entry) => size === undefined || (size >= 0 ? e.size >= Math.abs(size) : e.size <= Math.abs(size));

    // First the filters on names and lstat; files a later step must read are noted.
    const found: Entry[] = [];
    const needsContent: Entry[] = [];
    const skipped: Record<string, string> = {};
    let examined = 0;
    for (const p of listed.paths) {
      if (p.notDir) {
        skipped[p.path] = `'${p.path}' is not a directory`;
        continue;
      }
      const wpath = `${p.path.replace(/\/+$/, '')}/`;
      const slashes = (s: string) => s.split('/').length - 1;
      try {
        for (const level of walk(p.path, p.entries, a.follow, walkErrors(p.errors))) {
          examined += level.entries.length;
          for (const e of level.entries) {
            const fsname = posix.normalize(e.path);
            if (a.depth && slashes(fsname) - slashes(wpath) + 1 > a.depth) {
              level.prune();
              continue;
            }
            const base = fsname.slice(fsname.lastIndexOf('/') + 1);
            if (base.startsWith('.') && !a.hidden) continue;
            const entry = { ...e, path: fsname };
            const name = e.path.slice(e.path.lastIndexOf('/') + 1);
            const reg = isType(e.rawMode, REG);
            if (a.file_type === 'any') {
              if (nameOk(name) && ageOk(e) && (!reg || sizeOk(e))) found.push(entry);
            } else if (a.file_type === 'directory' ? isType(e.rawMode, DIR) : a.file_type === 'link' ? isType(e.rawMode, LNK) : reg) {
              if (!nameOk(name) || !ageOk(e)) continue;
              if (a.file_type !== 'file') found.push(entry);
              else if (sizeOk(e)) {
                found.push(entry);
                if (a.contains !== undefined) needsContent.push(entry);
              }
            }
          }
          if (!a.recurse) break;
        }
      } catch (err) {
        skipped[p.path] = (err as Error).message;
      }
    }

    const sums = a.get_checksum ? found.filter((e) => isType(e.rawMode, REG)).map((e) => e.path) : [];
    const read = await readFiles(
      ctx,
      needsContent.map((e) => e.path),
      sums,
    );
    const kept = a.contains === undefined ? found : found.filter((e) => !needsContent.includes(e) || contentMatches(read.text.get(e.path), a.contains!, a.read_whole_file));
    const files = kept.map((e) => {
      const out: Record<string, unknown> = { path: e.path, ...findStatinfo(e) };
      if (read.sha1.has(e.path)) out.checksum = read.sha1.get(e.path) ?? null;
      return out;
    });
    const msg = Object.keys(skipped).length ? 'Not all paths examined, check warnings for details' : 'All paths examined';
    return {
      changed: false,
      msg,
      result: { files, matched: files.length, examined, skipped_paths: skipped, msg },
    };
  },
});
