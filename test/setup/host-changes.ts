/**
 * What a tool changed on a fleet host, found by diffing the whole host tree before and after.
 * A host's "/" is an overlay on a read-only lower tree (src/fleet/hosts.ts): every file created,
 * changed (content, mode, owner) or deleted on it is in the overlay's upper layer, so the whole
 * tree's diff is the diff of the upper layer's paths, read through the merged root. A deleted
 * path is a whiteout there (a 0:0 character device) and reads `absent`.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { idNames, octal } from './ansible-differential.js';

export type PathState =
  | { type: 'file'; mode: string; owner: string; group: string; content: string }
  | { type: 'dir'; mode: string; owner: string; group: string }
  | { type: 'link'; target: string }
  | { type: 'other'; mode: string }
  | { type: 'absent' };

/** Text as is; a binary or large file as its size and sha256 (equal bytes compare equal). */
function contentOf(path: string): string {
  const data = readFileSync(path);
  if (data.length <= 65536 && !data.includes(0)) return data.toString('utf8');
  return `<${data.length} bytes, sha256 ${createHash('sha256').update(data).digest('hex')}>`;
}

/** contentOf, or undefined for a file that went since it was listed. */
function contentOfIfThere(path: string): string | undefined {
  try {
    return contentOf(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Every path of the upper layer, relative with a leading '/', sorted. A path that goes while it is
 * walked is left out: nodemend's persistent shell removes its /tmp directory just after the CLI exits.
 */
export function upperPaths(upper: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(upper, rel)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const n of names) {
      const r = `${rel}/${n}`;
      const st = lstatSync(join(upper, r), { throwIfNoEntry: false });
      if (!st) continue;
      out.push(r);
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

/** Each path's state on the host as it is now (through the merged root). */
export function statesOf(root: string, paths: Iterable<string>): Map<string, PathState> {
  const users = idNames(root, 'etc/passwd');
  const groups = idNames(root, 'etc/group');
  const out = new Map<string, PathState>();
  for (const p of paths) {
    const st = lstatSync(join(root, p), { throwIfNoEntry: false });
    let s: PathState;
    if (!st) s = { type: 'absent' };
    else if (st.isSymbolicLink()) s = { type: 'link', target: readlinkSync(join(root, p)) };
    else {
      const owner = users.get(st.uid) ?? String(st.uid);
      const group = groups.get(st.gid) ?? String(st.gid);
      if (st.isDirectory()) s = { type: 'dir', mode: octal(st.mode), owner, group };
      else if (st.isFile()) {
        const content = contentOfIfThere(join(root, p));
        s = content === undefined ? { type: 'absent' } : { type: 'file', mode: octal(st.mode), owner, group, content };
      } else s = { type: 'other', mode: octal(st.mode) };
    }
    out.set(p, s);
  }
  return out;
}

/** A snapshot to diff against: the upper layer's paths and their states. */
export interface TreeSnapshot {
  states: Map<string, PathState>;
}

/** The host's changed paths now (the upper layer's), with their states. */
export function snapshot(root: string, upper: string): TreeSnapshot {
  return { states: statesOf(root, upperPaths(upper)) };
}

/**
 * What changed between two snapshots of one host: path → [before, after], sorted by path. A path
 * only in `after` was in the lower tree (or nowhere) before: `lowerRoot` gives its state then.
 */
export function changes(before: TreeSnapshot, after: TreeSnapshot, root: string, lowerRoot: string): Map<string, [PathState, PathState]> {
  const out = new Map<string, [PathState, PathState]>();
  const lower = statesOf(
    lowerRoot,
    [...after.states.keys()].filter((p) => !before.states.has(p)),
  );
  // Made and removed again between the two: no longer in the upper layer, read it through the root.
  const gone = statesOf(
    root,
    [...before.states.keys()].filter((p) => !after.states.has(p)),
  );
  for (const p of new Set([...before.states.keys(), ...after.states.keys()])) {
    const b = before.states.get(p) ?? lower.get(p)!;
    const a = after.states.get(p) ?? gone.get(p)!;
    if (JSON.stringify(a) !== JSON.stringify(b)) out.set(p, [b, a]);
  }
  return new Map([...out].sort(([x], [y]) => x.localeCompare(y)));
}
