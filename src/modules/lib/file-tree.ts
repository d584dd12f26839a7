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

/** modification_time / access_time for the entries below: null (preserve), 'now', or a host's local wall-clock text (`date -d`). */
export interface TreeTimeSpec {
  m: null | 'now' | { text: string };
  a: null | 'now' | { text: string };
}

/** The links below that lead nowhere: under -L find reads them as links, without it -xtype does. */
const danglingBelow = (path: string, follow: boolean): Raw => (follow ? sh`find -L ${path} -mindepth 1 -type l` : sh`find ${path} -mindepth 1 -type l -xtype l`);

/**
 * Read-only script for times under `recurse` (2.14's recursive_set_attributes calls
 * update_timestamp_for_file on every entry, and os.stat/os.utime follow a link: a link's final
 * target gets the times, with or without `follow`, and a link that leads nowhere fails the task).
 * Prints "@@treetimes", then "N T": T entries below (links read as their targets), N of them with
 * other times than a formatted one (float seconds, as Python compares them; awk's numbers are
 * doubles too), then "@@treedangling" and the first link below that leads nowhere.
 */
export function treeTimesListing(path: string, follow: boolean, t: TreeTimeSpec): Raw {
  const secs = (v: TreeTimeSpec['m']) => (v !== null && v !== 'now' ? sh`$(date -d ${v.text} +%s)` : raw(''));
  const lines = follow
    ? sh`find -L ${path} -mindepth 1 ! -type l -printf '%T@ %A@\\n'`
    : sh`{ find ${path} -mindepth 1 ! -type l -printf '%T@ %A@\\n'; find ${path} -mindepth 1 -type l ! -xtype l -exec sh -c 'find -H "$@" -prune -printf "%T@ %A@\\n"' sh {} +; }`;
  return sh`echo @@treetimes; [ -d ${path} ] && { ${lines} 2>/dev/null | awk -v m="${secs(t.m)}" -v a="${secs(t.a)}" '{ t++; if ((m != "" && $1 + 0 != m + 0) || (a != "" && $2 + 0 != a + 0)) n++ } END { print n + 0, t + 0 }'; echo @@treedangling; ${danglingBelow(path, follow)} -print -quit 2>/dev/null; }`;
}

/** The command that gives every entry below the times (seconds already read on the host), as touch does through a link; null for preserve. */
export function treeTimesCommand(path: string, follow: boolean, t: { m: null | 'now' | number; a: null | 'now' | number }): Raw | null {
  if (t.m === null && t.a === null) return null;
  const all = follow ? sh`find -L ${path} -mindepth 1` : sh`find ${path} -mindepth 1`;
  // Both to now: one touch each (Ansible's os.utime(path, None)).
  if (t.m === 'now' && t.a === 'now') return sh`${all} -exec touch -c -- {} +`;
  const one = (flag: string, v: 'now' | number) => (v === 'now' ? sh`${all} -exec touch -c ${raw(flag)} -- {} +` : sh`${all} -exec touch -c ${raw(flag)} -d ${`@${v}`} -- {} +`);
  const cmds = [t.m !== null ? one('-m', t.m) : null, t.a !== null ? one('-a', t.a) : null].filter((c): c is Raw => c !== null);
  return raw(cmds.map(String).join(' && '));
}
