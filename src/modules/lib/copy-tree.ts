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
}

/**
 * Every entry under `root` (root itself as ""), NUL-separated, then each link's text, the mode and size of
 * what each link leads to, and the sha256 of each regular file and of what each link to a file leads to: read-only.
 * A link to itself or in a loop (%Y: L) is listed as a link and has no sum: `test -f` says no to it where
 * find's -xtype fails (ELOOP), as os.path.isfile says False in 2.14's copytree.
 */
export function remoteTreeListing(root: string): Raw {
  return sh`if [ -d ${root} ]; then cd ${root} && find . -printf '%y %Y %m %U %G %s %u %g %P\\0' && printf '\\n--links--\\n' && find . -type l -printf '%P\\0%l\\0' && printf '\\n--targets--\\n' && { find . -type l -exec stat -L --printf '%a %s %n\\0' -- {} + 2>/dev/null || :; } && printf '\\n--sums--\\n' && find . -type f -exec sha256sum -z -- {} + && find . -type l -exec sh -c 'for p do if [ -f "$p" ]; then sha256sum -z -- "$p" || exit 1; fi; done' sh {} +; fi`;
}

export function parseRemoteTree(out: string): Map<string, RemoteEntry> {
  const tree = new Map<string, RemoteEntry>();
  const [head, sums = ''] = out.split('\n--sums--\n');
  const [rest, targets = ''] = head.split('\n--targets--\n');
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
  /** Files to write: [path below the target, the source entry, the mode to give (undefined: a new file's default)]. */
  files: [string, RemoteEntry, string | undefined][];
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
}

/** filecmp.DEFAULT_IGNORES: names dircmp leaves out, so copying into an existing directory skips them. */
const DIRCMP_IGNORES = new Set(['RCS', 'CVS', 'tags', '.git', '.hg', '.bzr', '_darcs', '__pycache__']);

/** What os.stat sees: a link as what it leads to. */
const statType = (e: RemoteEntry | undefined): string | undefined => (e === undefined ? undefined : e.type === 'l' ? e.ttype : e.type);

/**
 * src's tree into the target: `dest` null when the target is missing (copytree: every directory with src's
 * mode, the target's own unless `rootMode` says mkdir's default, when it is made by makedirs and filled as
 * an existing one); otherwise what dircmp finds at each common directory: a name only src has is copied (a
 * directory whole, by copytree), a file in both whose bytes differ is rewritten with src's mode, names of
 * different types are left alone; dircmp's ignored names (.git, tags, __pycache__...) too.
 *
 * Links, by `localFollow` (the module's local_follow: true, false, or unset): copytree keeps them as links
 * unless it is true (then a link to a file is copied as that file; a link to a directory the caller has
 * replaced by that directory's listing, copy.ts's followLinkedDirectories; one still here, to nothing or to
 * a directory holding it, is refused: copytree fails on those). A link only src has is made as a link when
 * false, copied (its target's bytes, a new file's mode) when true and it leads to a file, and skipped
 * (yet the task is changed) when unset. A link in src whose name dest has as a file is copied through
 * (its target's bytes and mode) unless local_follow is false (2.14 fails: refused).
 */
export function planTreeSync(src: ReadonlyMap<string, RemoteEntry>, dest: ReadonlyMap<string, RemoteEntry> | null, rootMode: 'src' | 'default' = 'src', localFollow?: boolean): TreeSync {
  const out: TreeSync = { mkdirs: [], files: [], links: [], timed: [], skipped: [], refused: [] };
  const rels = [...src.keys()].filter((r) => r !== '').sort();
  if (dest === null) out.mkdirs.push(['', rootMode === 'src' ? src.get('')!.mode : undefined]);
  // The directories copytree makes (a missing target copied whole, each directory only src has), and the ones dircmp compares.
  const trees = new Set<string>(dest === null && rootMode === 'src' ? [''] : []);
  const compared = new Set<string>(trees.size ? [] : ['']);
  if (trees.size) out.timed.push('');
  for (const rel of rels) {
    const s = src.get(rel)!;
    const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    if (trees.has(parent)) {
      // copytree(symlinks=not local_follow).
      if (s.type === 'd') {
        out.mkdirs.push([rel, s.mode]);
        trees.add(rel);
        out.timed.push(rel);
      } else if (s.type === 'f') {
        out.files.push([rel, s, s.mode]);
        out.timed.push(rel);
      } else if (s.type === 'l' && localFollow !== true) out.links.push([rel, s.link ?? '']);
      else if (s.type === 'l' && s.ttype === 'f') {
        out.files.push([rel, s, s.mode]);
        out.timed.push(rel);
      } else out.refused.push(rel);
      continue;
    }
    if (!compared.has(parent) || DIRCMP_IGNORES.has(posix.basename(rel))) continue;
    const d = dest?.get(rel);
    if (d === undefined) {
      // copy_left_only.
      if (s.type === 'd') {
        out.mkdirs.push([rel, s.mode]);
        trees.add(rel);
        out.timed.push(rel);
      } else if (s.type === 'f') out.files.push([rel, s, s.mode]);
      else if (s.type === 'l' && (s.ttype === 'f' || s.ttype === 'd')) {
        if (localFollow === false) out.links.push([rel, s.link ?? '']);
        else if (localFollow === undefined) out.skipped.push(rel);
        else if (s.ttype === 'f') out.files.push([rel, s, undefined]);
        else out.refused.push(rel);
      } else out.skipped.push(rel);
      continue;
    }
    const [st, dt] = [statType(s), statType(d)];
    if (st === 'f' && dt === 'f') {
      // copy_diff_files: bytes that differ are rewritten (copyfile + copymode, through a link in src).
      if (d.sha256 === s.sha256) continue;
      if ((s.type === 'l' && localFollow === false) || d.type === 'l') out.refused.push(rel);
      else out.files.push([rel, s, s.mode]);
    } else if (st === 'd' && dt === 'd') {
      if (s.type === 'l' || d.type === 'l') out.refused.push(rel);
      else compared.add(rel);
    }
  }
  return out;
}
