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
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  /** A regular file's sha256. */
  sha256?: string;
}

/** Every entry under `root` (root itself as ""), NUL-separated, then each regular file's sha256: read-only. */
export function remoteTreeListing(root: string): Raw {
  return sh`if [ -d ${root} ]; then cd ${root} && find . -printf '%y %m %U %G %s %u %g %P\\0' && printf '\\n--sums--\\n' && find . -type f -exec sha256sum -z -- {} +; fi`;
}

export function parseRemoteTree(out: string): Map<string, RemoteEntry> {
  const tree = new Map<string, RemoteEntry>();
  const [list, sums = ''] = out.split('\n--sums--\n');
  for (const rec of list.split('\0')) {
    const m = /^(\S+) (\d+) (\d+) (\d+) (\d+) (\S+) (\S+) ?([\s\S]*)$/.exec(rec);
    if (!m) continue;
    tree.set(m[8], { type: m[1], mode: m[2].padStart(4, '0'), uid: Number(m[3]), gid: Number(m[4]), size: Number(m[5]), owner: m[6], group: m[7] });
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
  /** Files to write: [path below the target, the source entry]. */
  files: [string, RemoteEntry][];
}

/**
 * src's tree into the target: `dest` null when the target is missing (copytree: every directory with src's
 * mode, the target's own unless `rootMode` says mkdir's default); otherwise what dircmp finds at each
 * common directory: a name only src has is copied (a directory whole), a file in both whose bytes differ
 * is rewritten with src's mode, names of different types are left alone. Links are not handled (the caller refuses them).
 */
export function planTreeSync(src: ReadonlyMap<string, RemoteEntry>, dest: ReadonlyMap<string, RemoteEntry> | null, rootMode: 'src' | 'default' = 'src'): TreeSync {
  const out: TreeSync = { mkdirs: [], files: [] };
  const rels = [...src.keys()].filter((r) => r !== '').sort();
  if (dest === null) out.mkdirs.push(['', rootMode === 'src' ? src.get('')!.mode : undefined]);
  for (const rel of rels) {
    const s = src.get(rel)!;
    const parent = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    // Below a directory being made, everything is copied.
    const copied = dest === null || out.mkdirs.some(([d]) => d === parent);
    const d = copied ? undefined : dest.get(rel);
    if (!copied && dest.get(parent)?.type !== 'd') continue;
    if (s.type === 'd') {
      if (copied || d === undefined) out.mkdirs.push([rel, s.mode]);
    } else if (s.type === 'f') {
      if (copied || d === undefined || (d.type === 'f' && d.sha256 !== s.sha256)) out.files.push([rel, s]);
    }
  }
  return out;
}
