/**
 * `recurse: true` for the file module: what under a directory would change, and one command
 * that changes exactly that. The host sends a summary (distinct type/mode/owner combinations
 * with counts, via find | sort | uniq -c), not one line per file, so a large tree stays cheap.
 *
 * Links, as 2.14's recursive_set_attributes: every link the walk meets gets the owner and group
 * itself (lchown: chown -h); its mode is never set (Linux has no lchmod). With `follow` the walk
 * also goes through each link that leads somewhere: a link's target gets the attributes and a
 * linked directory's contents are walked in turn (find -L); a dangling link is only itself.
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

/** find's start: -L follows every link below (type tests, -user, -perm, chmod and chown then read the target). */
const findFrom = (path: string, follow: boolean): Raw => (follow ? sh`find -L ${path} -mindepth 1` : sh`find ${path} -mindepth 1`);
/** The links themselves: under -L only -xtype reads a link as one. */
const linksBelow = (path: string, follow: boolean): Raw => sh`${findFrom(path, follow)} ${raw(follow ? '-xtype' : '-type')} l`;

/** Marks a walk find could not finish (a loop of links with `follow`). */
export const TREE_FAILED = '@failed';

/**
 * Read-only listing script (run inside the plan's probe): the entries, then the links' own
 * owners (stat without -L: the link itself) as type `l`.
 */
export function treeListing(path: string, follow = false): Raw {
  // The path itself is a link only with follow (file.py refuses it without): -L reads through it.
  return sh`{ ${findFrom(path, follow)} ! -type l -printf '%y %m %U %G %u %g\\n' 2>/dev/null && ${linksBelow(path, follow)} -exec stat -c 'l %a %u %g %U %G' -- {} + 2>/dev/null || echo ${TREE_FAILED}; } | sort | uniq -c`;
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

export function planTree(path: string, groups: TreeGroup[], want: WantedAttrs, follow = false): TreePlan {
  let changed = 0;
  const chmods = new Map<string, string>(); // "type cur" -> target
  let needChown = false;
  let needLchown = false;
  for (const g of groups) {
    const ownerOff = (want.owner !== undefined && !sameUser(want.owner, g)) || (want.group !== undefined && !sameGroup(want.group, g));
    if (g.type === 'l') {
      // A link's own mode is never set: only its owner and group (lchown).
      if (ownerOff) [needLchown, changed] = [true, changed + g.count];
      continue;
    }
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
  const who = want.owner !== undefined ? (want.group !== undefined ? `${want.owner}:${want.group}` : want.owner) : `:${want.group}`;
  // The links' own owner first (under -L, -user reads a link's target: every link is given it, a no-op where it is).
  if (needLchown) cmds.push(sh`${linksBelow(path, follow)} -exec chown -h -- ${who} {} +`.text);
  // chown first: it clears setuid/setgid bits, which chmod may then set.
  if (needChown) {
    const tests: Raw[] = [];
    if (want.owner !== undefined) tests.push(sh`! -user ${want.owner}`);
    if (want.group !== undefined) tests.push(sh`! -group ${want.group}`);
    cmds.push(sh`${findFrom(path, follow)} ! -type l \\( ${raw(tests.map(String).join(' -o '))} \\) -exec chown -- ${who} {} +`.text);
  }
  for (const [key, target] of chmods) {
    const [type, cur] = key.split(' ');
    cmds.push(sh`${findFrom(path, follow)} -type ${type} -perm ${cur} -exec chmod -- ${`0${target}`} {} +`.text);
  }
  return { changed, command: cmds.length ? raw(cmds.join(' && ')) : null };
}
