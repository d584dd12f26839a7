/**
 * What copy sends for a controller directory, as ansible-core 2.14's action plugin lists it
 * (plugins/action/copy.py, _walk_dirs): the files, the directories and the symbolic links below
 * `top`, each with its path relative to dest. rsync's rule for the top: `src: dir/` copies what is in
 * dir, `src: dir` the directory itself (paths start with `dir/`). The top directory is never listed
 * (the directories above the entries are created as the files need them).
 *
 * local_follow (default true in the action plugin): a link to a file sends the file it points to, a link
 * to a directory is walked as a directory, unless that directory is one the walk is already inside (a
 * circular link: kept as a link). A dangling link is always kept as a link. Without local_follow every
 * link is kept as it reads (readlink).
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { sh, type Raw } from '../../transport/quote.js';

export interface CopyTree {
  /** [controller path to read, path relative to dest]. */
  files: [string, string][];
  /** [controller path, path relative to dest]. */
  directories: [string, string][];
  /** [the link's text, path relative to dest]. */
  symlinks: [string, string][];
}

const key = (st: Stats): string => `${st.dev}:${st.ino}`;
const isLink = (p: string): boolean => lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
/** os.path.isdir / isfile: through links, false for a dangling one and for a loop of links (ELOOP: a link to itself). */
const statOf = (p: string): Stats | undefined => {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
};

/** The walk of `top` (a controller directory); `trailingSlash`: the task's src ended with "/". */
export function walkCopyTree(top: string, trailingSlash: boolean, localFollow: boolean): CopyTree {
  const tree: CopyTree = { files: [], directories: [], symlinks: [] };
  if (!trailingSlash && isLink(top) && !localFollow) {
    // 2.14 stores this one link as a bare tuple and then fails unpacking it: nothing is copied.
    throw new Error(`src ${top} is a symbolic link to a directory and local_follow is false: Ansible 2.14 cannot copy it either`);
  }

  /** os.walk(dir) top-down, not descending into linked directories, as _recurse handles each level. */
  const walk = (dir: string, rel: string, parents: ReadonlySet<string>): void => {
    const names = readdirSync(dir).sort();
    const subdirs: string[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const relPath = posix.join(rel, name);
      const st = statOf(path);
      if (st?.isDirectory()) {
        subdirs.push(name);
        continue;
      }
      if (isLink(path)) {
        if (localFollow && st?.isFile()) tree.files.push([realpathSync(path), relPath]);
        else tree.symlinks.push([readlinkSync(path), relPath]);
      } else tree.files.push([path, relPath]);
    }
    for (const name of subdirs) {
      const path = join(dir, name);
      const relPath = posix.join(rel, name);
      if (!isLink(path)) {
        tree.directories.push([path, relPath]);
        continue;
      }
      if (!localFollow) {
        tree.symlinks.push([readlinkSync(path), relPath]);
        continue;
      }
      const real = realpathSync(path);
      const target = key(statSync(real));
      if (parents.has(target)) {
        tree.symlinks.push([readlinkSync(path), relPath]);
        continue;
      }
      // The directories between this link and the part of the tree already known: a link to one of them is circular.
      const between = new Set<string>();
      for (let d = dirname(path); ; d = dirname(d)) {
        const k = key(statSync(d));
        if (parents.has(k) || d === dirname(d)) break;
        between.add(k);
      }
      if (between.has(target)) {
        tree.symlinks.push([readlinkSync(path), relPath]);
        continue;
      }
      tree.directories.push([real, relPath]);
      walk(real, relPath, new Set([...parents, ...between]));
    }
    for (const name of subdirs) if (!isLink(join(dir, name))) walk(join(dir, name), posix.join(rel, name), parents);
  };
  walk(top, trailingSlash ? '' : basename(top), new Set([key(statSync(top))]));
  return tree;
}

/** An entry of a tree on the host, as remoteTreeListing prints it. */
export interface RemoteEntry {
  /** find's %y: f, d, l, ... */
  type: string;
  /** find's %Y: the type through a link (N: dangling, L: a loop); the same as type otherwise. */
  ttype?: string;
  /** A link's text (readlink). */
  link?: string;
  /** A link to a file: its target's mode and size are given here (what os.stat, copymode and copy2 see). */
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  /** A regular file's sha256 (a link to a file: its target's). */
  sha256?: string;
  /** The listed root's real path (pwd -P); a link to a directory: the real path of that directory (readlink -f). */
  real?: string;
}

/**
 * Every entry under `root` (root itself as ""), NUL-separated, then each link's text, the mode and size of
 * what each link leads to, root's real path and the real path of what each link to a directory leads to
 * (readlink -f: where dircmp's os.stat goes through it; `test -d`, not -xtype, which fails on a loop), and the sha256 of each regular file and of what
 * each link to a file leads to: read-only.
 * A link to itself or in a loop (%Y: L) is listed as a link and has no sum: `test -f` says no to it where
 * find's -xtype fails (ELOOP), as os.path.isfile says False in 2.14's copytree.
 */
export function remoteTreeListing(root: string): Raw {
  return sh`if [ -d ${root} ]; then cd ${root} && find . -printf '%y %Y %m %U %G %s %u %g %P\\0' && printf '\\n--links--\\n' && find . -type l -printf '%P\\0%l\\0' && printf '\\n--targets--\\n' && { find . -type l -exec stat -L --printf '%a %s %n\\0' -- {} + 2>/dev/null || :; } && printf '\\n--real--\\n%s\\0' "$(pwd -P)" && find . -type l -exec sh -c 'for p do if [ -d "$p" ]; then printf "%s\\0" "\${p#./}" && readlink -zf -- "$p" || exit 1; fi; done' sh {} + && printf '\\n--sums--\\n' && find . -type f -exec sha256sum -z -- {} + && find . -type l -exec sh -c 'for p do if [ -f "$p" ]; then sha256sum -z -- "$p" || exit 1; fi; done' sh {} +; fi`;
}

export function parseRemoteTree(out: string): Map<string, RemoteEntry> {
  const tree = new Map<string, RemoteEntry>();
  const [head, sums = ''] = out.split('\n--sums--\n');
  const [rest0, reals = ''] = head.split('\n--real--\n');
  const [rest, targets = ''] = rest0.split('\n--targets--\n');
  const [list, links = ''] = rest.split('\n--links--\n');
  for (const rec of list.split('\0')) {
    const m = /^(\S) (\S) (\d+) (\d+) (\d+) (\d+) (\S+) (\S+) ?([\s\S]*)$/.exec(rec);
    if (!m) continue;
    tree.set(m[9], { type: m[1], ttype: m[2], mode: m[3].padStart(4, '0'), uid: Number(m[4]), gid: Number(m[5]), size: Number(m[6]), owner: m[7], group: m[8] });
  }
  const l = links.split('\0');
  for (let i = 0; i + 1 < l.length; i += 2) {
    const e = tree.get(l[i]);
    if (e) e.link = l[i + 1];
  }
  for (const rec of targets.split('\0')) {
    const m = /^(\d+) (\d+) \.\/([\s\S]+)$/.exec(rec);
    const e = m && tree.get(m[3]);
    if (e && e.type === 'l') Object.assign(e, { mode: m![1].padStart(4, '0'), size: Number(m![2]) });
  }
  // Root's real path, then [link, the real path of the directory it leads to] pairs.
  const r = reals.split('\0');
  const root = tree.get('');
  if (root && r[0]) root.real = r[0];
  for (let i = 1; i + 1 < r.length; i += 2) {
    const e = tree.get(r[i]);
    if (e && e.type === 'l') e.real = r[i + 1];
  }
  for (const rec of sums.split('\0')) {
    const m = /^([0-9a-f]{64}) {2}\.\/([\s\S]+)$/.exec(rec);
    const e = m && tree.get(m[2]);
    if (e) e.sha256 = m![1];
  }
  return tree;
}

/** What copying a host directory into another (modules/copy.py's copytree, copy_diff_files, copy_left_only, copy_common_dirs) does. */
export interface TreeSync {
  /** Directories to make, parents first: [path below the target, mode (undefined: mkdir's default)]. */
  mkdirs: [string, string | undefined][];
  /** Files to write: [path below the target, the source entry, the mode to give (undefined: a new file's default), the sha256 of the file it replaces (null: none)]. */
  files: [string, RemoteEntry, string | undefined, (string | null)?][];
  /** Links to make as links: [path below the target, the text]. */
  links: [string, string][];
  /**
   * The paths, parents first, that copytree makes (shutil.copy2 for a file, copystat for a directory once
   * filled): they get src's access and modification times. A file copied alone (copyfile + copymode) does not.
   */
  timed: string[];
  /** Names only src has that 2.14 counts as copied though it copies nothing (links, local_follow unset): the task is changed. */
  skipped: string[];
  /** Entries 2.14 fails on or nodemend does not port: the task is refused, naming them. */
  refused: string[];
  /**
   * Real paths of directories that links lead to (in src or the target) that no listing given holds:
   * the caller lists each (remoteTreeListing) and plans again with them.
   */
  need: string[];
}

/** filecmp.DEFAULT_IGNORES: names dircmp leaves out, so copying into an existing directory skips them. */
const DIRCMP_IGNORES = new Set(['RCS', 'CVS', 'tags', '.git', '.hg', '.bzr', '_darcs', '__pycache__']);

/** What os.stat sees: a link as what it leads to. */
const statType = (e: RemoteEntry | undefined): string | undefined => (e === undefined ? undefined : e.type === 'l' ? e.ttype : e.type);

/** Linux's MAXSYMLINKS: a path that goes through more links fails (ELOOP), so dircmp's os.stat calls it neither file nor directory. */
const MAX_LINKS = 40;

/** A directory on the host: the listing that holds it and its path in that listing. */
interface DirRef {
  tree: ReadonlyMap<string, RemoteEntry>;
  rel: string;
}

/** Each listing's names by directory, sorted (dircmp sorts both sides): built once per listing. */
const childrenCache = new WeakMap<ReadonlyMap<string, RemoteEntry>, Map<string, string[]>>();
function childrenOf(d: DirRef): string[] {
  let byDir = childrenCache.get(d.tree);
  if (!byDir) {
    byDir = new Map();
    for (const rel of d.tree.keys()) {
      if (rel === '') continue;
      const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
      const list = byDir.get(parent) ?? [];
      list.push(posix.basename(rel));
      byDir.set(parent, list);
    }
    for (const list of byDir.values()) list.sort();
    childrenCache.set(d.tree, byDir);
  }
  return byDir.get(d.rel) ?? [];
}
const entryOf = (d: DirRef, name: string): RemoteEntry | undefined => d.tree.get(d.rel === '' ? name : `${d.rel}/${name}`);
/** A directory's identity: its real path (a listing's root knows its own; the rest are below it). */
const realOf = (d: DirRef): string => {
  const root = d.tree.get('')?.real ?? `?${String(d.tree.size)}`;
  return d.rel === '' ? root : posix.join(root, d.rel);
};

/**
 * The directory a listed directory path leads to, by real path, from the listings known (the first that
 * holds it as a directory); undefined when none does.
 */
export function resolveIn(listings: readonly ReadonlyMap<string, RemoteEntry>[]): (real: string) => DirRef | undefined {
  return (real) => {
    for (const tree of listings) {
      const root = tree.get('')?.real;
      if (root === undefined) continue;
      if (real === root) return { tree, rel: '' };
      const prefix = root === '/' ? '/' : `${root}/`;
      if (!real.startsWith(prefix)) continue;
      const rel = real.slice(prefix.length);
      if (tree.get(rel)?.type === 'd') return { tree, rel };
    }
    return undefined;
  };
}

/**
 * src's tree into the target, as 2.14's module walks it: `dest` null when the target is missing (copytree:
 * every directory with src's mode, the target's own unless `rootMode` says mkdir's default, when it is made
 * by makedirs and filled as an existing one); otherwise copy_diff_files, copy_left_only and copy_common_dirs
 * on the two roots, dircmp at each level: a name only src has is copied (a directory whole, by copytree), a
 * file in both whose bytes differ is rewritten with src's mode, names of different types are left alone;
 * dircmp's ignored names (.git, tags, __pycache__...) too.
 *
 * copy_common_dirs compares each name both sides have as a directory, through links as os.stat does (a
 * link to a directory on either side is walked as that directory: `resolve` finds it by its real path; a
 * listing not given is asked for in `need`), and recurses into it only while nothing has changed:
 * `changed = changed or copy_common_dirs(...)` stops every deeper walk after the first change, in --check
 * and in a run alike, so a run copies only part of what differs and its rerun copies more (as 2.14). A link
 * leading back to a directory the walk is in recurses in 2.14 until the path holds more than 40 links
 * (os.stat fails: ELOOP) and finds nothing more there: a pair of directories already walked is not walked again.
 *
 * Links, by `localFollow` (the module's local_follow: true, false, or unset): copytree keeps them as links
 * unless it is true (then a link to a file is copied as that file; a link to a directory the caller has
 * replaced by that directory's listing, copy.ts's followLinkedDirectories; one still here, to nothing or to
 * a directory holding it, is refused: copytree fails on those). A link only src has is made as a link when
 * false, copied (its target's bytes, a new file's mode) when true and it leads to a file, and skipped
 * (yet the task is changed) when unset. A link in src whose name dest has as a file is copied through
 * (its target's bytes and mode) unless local_follow is false (2.14 fails: refused).
 */
export function planTreeSync(
  src: ReadonlyMap<string, RemoteEntry>,
  dest: ReadonlyMap<string, RemoteEntry> | null,
  rootMode: 'src' | 'default' = 'src',
  localFollow?: boolean,
  resolve: (real: string) => DirRef | undefined = resolveIn([src, ...(dest ? [dest] : [])]),
): TreeSync {
  const out: TreeSync = { mkdirs: [], files: [], links: [], timed: [], skipped: [], refused: [], need: [] };
  const join = (v: string, name: string): string => (v === '' ? name : `${v}/${name}`);
  /** Paths written, by the real path of their directory: a path reached again through a link is written once. */
  const written = new Set<string>();
  const once = (d: DirRef | null, v: string, name: string): boolean => {
    const k = d ? `${realOf(d)}\0${name}` : `\0${join(v, name)}`;
    if (written.has(k)) return false;
    written.add(k);
    return true;
  };
  /** The directory a src or target entry leads to (itself, or through a link); undefined when not (yet) known. */
  const dirOf = (d: DirRef, name: string, e: RemoteEntry): DirRef | undefined => {
    if (e.type === 'd') return { tree: d.tree, rel: join(d.rel, name) };
    if (e.real === undefined) return undefined;
    const r = resolve(e.real);
    if (!r && !out.need.includes(e.real)) out.need.push(e.real);
    return r;
  };

  /** shutil.copytree(s, v, symlinks=not local_follow): v and everything below it are made. */
  const copytree = (s: DirRef, v: string, mode: string | undefined): void => {
    out.mkdirs.push([v, mode]);
    out.timed.push(v);
    for (const name of childrenOf(s)) {
      const e = entryOf(s, name)!;
      const rel = join(v, name);
      if (e.type === 'd') copytree({ tree: s.tree, rel: join(s.rel, name) }, rel, e.mode);
      else if (e.type === 'f') {
        out.files.push([rel, e, e.mode]);
        out.timed.push(rel);
      } else if (e.type === 'l' && localFollow !== true) out.links.push([rel, e.link ?? '']);
      else if (e.type === 'l' && e.ttype === 'f') {
        out.files.push([rel, e, e.mode]);
        out.timed.push(rel);
      } else out.refused.push(rel);
    }
  };

  /** The names dircmp compares at a level: both sides' listings, its ignored names left out. */
  const names = (s: DirRef, d: DirRef | null): { left: string[]; common: string[] } => {
    const left: string[] = [];
    const common: string[] = [];
    for (const name of childrenOf(s)) {
      if (DIRCMP_IGNORES.has(name)) continue;
      if (d && entryOf(d, name) !== undefined) common.push(name);
      else left.push(name);
    }
    return { left, common };
  };

  /** copy_diff_files: files in both (through links) whose bytes differ, rewritten (copyfile + copymode). */
  const diffFiles = (s: DirRef, d: DirRef, v: string): boolean => {
    let changed = false;
    for (const name of names(s, d).common) {
      const [se, de] = [entryOf(s, name)!, entryOf(d, name)!];
      if (statType(se) !== 'f' || statType(de) !== 'f' || se.sha256 === de.sha256) continue;
      changed = true;
      if (!once(d, v, name)) continue;
      if ((se.type === 'l' && localFollow === false) || de.type === 'l') out.refused.push(join(v, name));
      else out.files.push([join(v, name), se, se.mode, de.sha256 ?? null]);
    }
    return changed;
  };

  /** copy_left_only: names only src has. */
  const leftOnly = (s: DirRef, d: DirRef | null, v: string): boolean => {
    const { left } = names(s, d);
    for (const name of left) {
      if (!once(d, v, name)) continue;
      const e = entryOf(s, name)!;
      const rel = join(v, name);
      if (e.type === 'd') copytree({ tree: s.tree, rel: join(s.rel, name) }, rel, e.mode);
      else if (e.type === 'f') out.files.push([rel, e, e.mode]);
      else if (e.type === 'l' && (e.ttype === 'f' || e.ttype === 'd')) {
        if (localFollow === false) out.links.push([rel, e.link ?? '']);
        else if (localFollow === undefined) out.skipped.push(rel);
        else if (e.ttype === 'f') out.files.push([rel, e, undefined]);
        else out.refused.push(rel);
      } else out.skipped.push(rel);
    }
    return left.length > 0;
  };

  const walked = new Set<string>();
  /** copy_common_dirs: `links` counts the links the path `v` goes through. */
  const commonDirs = (s: DirRef, d: DirRef, v: string, links: number): boolean => {
    let changed = false;
    for (const name of names(s, d).common) {
      const [se, de] = [entryOf(s, name)!, entryOf(d, name)!];
      if (statType(se) !== 'd' || statType(de) !== 'd') continue;
      const through = links + (se.type === 'l' || de.type === 'l' ? 1 : 0);
      if (through > MAX_LINKS) continue;
      if (se.type === 'l' && localFollow === true) {
        // A link followLinkedDirectories left as a link: it leads to a directory holding it.
        out.refused.push(join(v, name));
        continue;
      }
      const [s2, d2] = [dirOf(s, name, se), dirOf(d, name, de)];
      if (!s2 || !d2) continue;
      const rel = join(v, name);
      const diff = diffFiles(s2, d2, rel);
      const left = leftOnly(s2, d2, rel);
      if (diff || left) changed = true;
      const pair = `${realOf(s2)}\0${realOf(d2)}`;
      if (changed || walked.has(pair)) continue;
      walked.add(pair);
      changed = commonDirs(s2, d2, rel, through);
    }
    return changed;
  };

  const root: DirRef = { tree: src, rel: '' };
  if (dest === null && rootMode === 'src') copytree(root, '', src.get('')!.mode);
  else if (dest === null) {
    // makedirs, then the three on an empty directory: all of src is left_only.
    out.mkdirs.push(['', undefined]);
    leftOnly(root, null, '');
  } else {
    const target: DirRef = { tree: dest, rel: '' };
    diffFiles(root, target, '');
    leftOnly(root, target, '');
    walked.add(`${realOf(root)}\0${realOf(target)}`);
    commonDirs(root, target, '', 0);
  }
  const byPath = <T extends [string, ...unknown[]]>(a: T[]): T[] => a.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  byPath(out.mkdirs);
  byPath(out.files);
  byPath(out.links);
  out.timed.sort();
  out.skipped.sort();
  out.refused.sort();
  return out;
}
