/**
 * Ansible host patterns, for a play's `hosts:` and for `--limit`, as 2.14's inventory/manager.py:
 *   all, *                every host
 *   web, node1            a group's hosts, or one host (in a union a host wins over a group of the same name)
 *   node*, web-[ab]       globs over group and host names, as Ansible's fnmatch (./fnmatch.ts)
 *   web[0], web[-1]       one host of what the rest matches (an index past the end is an error)
 *   web[0:2], web[1:]     a range, both ends inclusive (2.14's _apply_subscript; `[x-y]` warns and does the same)
 *   ~node[12]$            a regular expression matched from the start of a name (Ansible's re.match; no subscript)
 *   a:b, a,b              union;  a:!b  exclusion;  a:&b  intersection
 * As in Ansible, unions are taken first, then intersections, then exclusions, whatever
 * their order in the pattern; a pattern of only `!x`/`&x` terms starts from `all`.
 * Terms are separated by `,` when the pattern has one, else by `:` (so a regex
 * containing `:` needs `,` separators); separators inside brackets do not split; empty terms are dropped.
 * The result is in 2.14's order: the pattern's terms in order, each group's hosts in the group's
 * order (load/inventory.ts), groups a glob matches in the order they first appear, then hosts.
 */
import { readSourceFile } from './yaml-source.js';
import { resolve } from 'node:path';
import { NodemendError, type SourcePos } from './errors.js';
import type { Inventory, Play } from './model.js';
import { isImplicitLocalhost } from './localhost.js';
import { fnmatchRegExp } from './fnmatch.js';

interface Term {
  op: 'union' | 'intersect' | 'exclude';
  text: string;
}

function splitTerms(pattern: string): string[] {
  const sep = pattern.includes(',') ? ',' : ':';
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of pattern) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === sep && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim());
}

export function parsePattern(pattern: string, pos: SourcePos): Term[] {
  const terms: Term[] = [];
  const raws = splitTerms(pattern);
  for (const raw of raws) {
    if (!raw && raws.some((r) => r)) continue; // 2.14's split_host_pattern drops empty terms
    const op = raw.startsWith('!') ? 'exclude' : raw.startsWith('&') ? 'intersect' : 'union';
    const text = op === 'union' ? raw : raw.slice(1).trim();
    if (!text) throw new NodemendError('host-pattern', `bad host pattern "${pattern}": empty term${raw ? ` after "${raw}"` : ''} (terms are separated by "," or ":")`, pos);
    if (text.startsWith('~')) {
      try {
        new RegExp(text.slice(1));
      } catch (e) {
        throw new NodemendError('host-pattern', `bad host pattern "${pattern}": invalid regular expression ${text}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`, pos);
      }
    }
    terms.push({ op, text });
  }
  return terms;
}

/** 2.14's PATTERN_WITH_SUBSCRIPT: a pattern ending in `[n]`, `[-n]`, `[x:y]`, `[x:]` or `[x-y]`. */
const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

interface Subscript {
  start: number;
  end?: number;
}

function splitSubscript(text: string, warn: (msg: string) => void): [string, Subscript | undefined] {
  if (text.startsWith('~')) return [text, undefined];
  const m = SUBSCRIPT.exec(text);
  if (!m) return [text, undefined];
  if (m[2] !== undefined) return [m[1]!, { start: Number(m[2]) }];
  if (m[4] === '-') warn('Use [x:y] inclusive subscripts instead of [x-y] which has been removed');
  return [m[1]!, { start: Number(m[3]), end: m[5] ? Number(m[5]) : -1 }];
}

/** 2.14's _apply_subscript, a falsy end (`[x:0]`) included: it selects one host, as an index. */
function applySubscript(hosts: string[], sub: Subscript | undefined, text: string, pos: SourcePos): string[] {
  if (!hosts.length || !sub) return hosts;
  if (sub.end) return hosts.slice(sub.start, (sub.end === -1 ? hosts.length - 1 : sub.end) + 1);
  const i = sub.start < 0 ? hosts.length + sub.start : sub.start;
  if (i < 0 || i >= hosts.length) throw new NodemendError('host-pattern', `No hosts matched the subscripted pattern '${text}'`, pos);
  return [hosts[i]!];
}

/** 2.14's _match_list: fnmatch over the whole name, or a regex (after `~`) matched from its start. */
function matchList(names: Iterable<string>, text: string): string[] {
  const re = text.startsWith('~') ? new RegExp(`^(?:${text.slice(1)})`) : fnmatchRegExp(text);
  return [...names].filter((n) => re.test(n));
}

/** 2.14's _enumerate_matches: every host of every group the expression names, then the hosts it names (duplicates kept). */
function enumerate(inv: Inventory, expr: string, warn: (msg: string) => void): string[] {
  const groups = matchList(inv.groupsCreated ?? inv.groups.keys(), expr).filter((g) => inv.groups.has(g));
  const results = groups.flatMap((g) => inv.groups.get(g)!.hosts);
  if (!groups.length || expr.startsWith('~') || /[.?*[]/.test(expr)) results.push(...matchList(inv.hosts.keys(), expr));
  // The implicit localhost only ever comes from its own name, never from all or a glob.
  if (!results.length && isImplicitLocalhost(inv, expr)) results.push(expr);
  if (!results.length && !groups.length && expr !== 'all') warn(`could not match supplied host pattern, ignoring: ${expr}`);
  return results;
}

/** 2.14's _match_one_pattern: a term without its `!`/`&`. */
function matchTerm(inv: Inventory, text: string, pos: SourcePos, warn: (msg: string) => void): string[] {
  const [expr, sub] = splitSubscript(text, warn);
  return applySubscript(enumerate(inv, expr, warn), sub, text, pos);
}

/**
 * Host names a pattern selects, in 2.14's order (its _evaluate_patterns). A term matching nothing is
 * ignored with a warning (Ansible's behaviour); a malformed pattern, or an index past a group's end, throws.
 */
export function matchPattern(inv: Inventory, pattern: string, pos: SourcePos, warn: (msg: string) => void): string[] {
  return matchPatterns(inv, [pattern], pos, warn);
}

/** get_hosts of a list of patterns (lookup('inventory_hostnames', a, b)): each split into its terms, all evaluated together. */
export function matchPatterns(inv: Inventory, patterns: string[], pos: SourcePos, warn: (msg: string) => void): string[] {
  const terms = patterns.flatMap((p) => parsePattern(p, pos));
  const unions = terms.filter((t) => t.op === 'union');
  const ordered = [...(unions.length ? unions : [{ op: 'union', text: 'all' } as Term]), ...terms.filter((t) => t.op === 'intersect'), ...terms.filter((t) => t.op === 'exclude')];
  let hosts: string[] = [];
  for (const t of ordered) {
    if (t.op === 'union' && inv.hosts.has(t.text)) {
      hosts.push(t.text);
      continue;
    }
    const that = matchTerm(inv, t.text, pos, warn);
    if (t.op === 'union') {
      const existing = new Set(hosts);
      hosts.push(...that.filter((h) => !existing.has(h)));
    } else {
      const set = new Set(that);
      hosts = hosts.filter((h) => set.has(h) === (t.op === 'intersect'));
    }
  }
  return [...new Set(hosts)];
}

/** The play's `order:` keyword over its hosts, as 2.14's get_hosts(order=...). */
export function orderHosts(hosts: string[], order: Play['order']): string[] {
  if (order === 'sorted' || order === 'reverse_sorted') {
    const sorted = [...hosts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return order === 'sorted' ? sorted : sorted.reverse();
  }
  if (order === 'reverse_inventory') return [...hosts].reverse();
  if (order === 'shuffle') {
    const out = [...hosts];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  return hosts;
}

/**
 * `--limit`: a pattern, or `@file` with one host name (or pattern) per line; as in
 * ansible-playbook, a limit that selects no host at all is an error.
 */
export function resolveLimit(inv: Inventory, limit: string, warn: (msg: string) => void): Set<string> {
  const pos = { file: '--limit' };
  let pattern = limit;
  if (limit.startsWith('@')) {
    const file = resolve(limit.slice(1));
    let text: string;
    try {
      text = readSourceFile(file);
    } catch (e) {
      throw new NodemendError('file-not-found', `cannot read limit file ${limit.slice(1)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, pos);
    }
    const names = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    if (names.length === 0) throw new NodemendError('host-pattern', `no hosts matched: limit file ${limit.slice(1)} is empty`, pos);
    pattern = names.join(',');
  }
  const hosts = matchPattern(inv, pattern, pos, warn);
  if (hosts.length === 0) throw new NodemendError('host-pattern', `no hosts matched the limit "${limit}"`, pos);
  return new Set(hosts);
}
