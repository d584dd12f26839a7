/**
 * `recurse: true` for the file module: what under a directory would change, and one command
 * that changes exactly that. The host sends a summary (distinct type/mode/owner combinations
 * with counts, via find | sort | uniq -c), not one line per file, so a large tree stays cheap.
 * Symlinks inside the tree are left alone.
 */
import { raw, sh, type Raw } from '../../transport/quote.js';
import { sameGroup, sameUser, type WantedAttrs } from './attrs.js';
import { applyMode, formatMode, parseMode } from './mode.js';

export interface TreeGroup {
  count: number;
  /** find's %y letter: f, d, p, s, c, b. */
  type: string;
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
}

/** Read-only listing script (run inside the plan's probe). */
export function treeListing(path: string): Raw {
  // -H: a directory reached through a symlink is listed (the changes then go to its real path).
  return sh`find -H ${path} -mindepth 1 ! -type l -printf '%y %m %U %G %u %g\\n' | sort | uniq -c`;
}

export function parseTree(out: string): TreeGroup[] {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 7)
    .map(([count, type, mode, uid, gid, owner, group]) => ({
      count: Number(count),
      type,
      mode: mode.padStart(4, '0'),
      uid: Number(uid),
      gid: Number(gid),
      owner,
      group,
    }));
}

export interface TreePlan {
  /** Entries (below the directory) whose attributes would change. */
  changed: number;
  command: Raw | null;
}

export function planTree(path: string, groups: TreeGroup[], want: WantedAttrs): TreePlan {
  let changed = 0;
  const chmods = new Map<string, string>(); // "type cur" -> target
  let needChown = false;
  for (const g of groups) {
    const ownerOff = (want.owner !== undefined && !sameUser(want.owner, g)) || (want.group !== undefined && !sameGroup(want.group, g));
    let modeOff = false;
    if (want.mode !== undefined) {
      const target = formatMode(applyMode(parseMode(want.mode), parseInt(g.mode, 8), g.type === 'd'));
      if (target !== g.mode) {
        modeOff = true;
        chmods.set(`${g.type} ${g.mode}`, target);
      }
    }
    if (ownerOff) needChown = true;
    if (ownerOff || modeOff) changed += g.count;
  }
  const cmds: string[] = [];
  // chown first: it clears setuid/setgid bits, which chmod may then set.
  if (needChown) {
    const tests: Raw[] = [];
    if (want.owner !== undefined) tests.push(sh`! -user ${want.owner}`);
    if (want.group !== undefined) tests.push(sh`! -group ${want.group}`);
    const who = want.owner !== undefined ? (want.group !== undefined ? `${want.owner}:${want.group}` : want.owner) : `:${want.group}`;
    cmds.push(sh`find ${path} -mindepth 1 ! -type l \\( ${raw(tests.map(String).join(' -o '))} \\) -exec chown -- ${who} {} +`.text);
  }
  for (const [key, target] of chmods) {
    const [type, cur] = key.split(' ');
    cmds.push(sh`find ${path} -mindepth 1 -type ${type} -perm ${cur} -exec chmod -- ${`0${target}`} {} +`.text);
  }
  return { changed, command: cmds.length ? raw(cmds.join(' && ')) : null };
}
