/**
 * Ansible host patterns, for a play's `hosts:` and for `--limit`:
 *   all, *                every host
 *   web, node1            a group's hosts, or one host (a group wins over a host of the same name)
 *   node*, web-[ab]       globs over group and host names, as Ansible's fnmatch (./fnmatch.ts;
 *                         Ansible's `group[0:2]` subscripts are not supported)
 *   ~node[12]$            a regular expression matched from the start of a name (Ansible's re.match)
 *   a:b, a,b              union;  a:!b  exclusion;  a:&b  intersection
 * As in Ansible, unions are taken first, then intersections, then exclusions, whatever
 * their order in the pattern; a pattern of only `!x`/`&x` terms starts from `all`.
 * Terms are separated by `,` when the pattern has one, else by `:` (so a regex
 * containing `:` needs `,` separators); separators inside brackets do not split.
 * The result is in inventory order.
 */
import { readSourceFile } from './yaml-source.js';
import { resolve } from 'node:path';
import { NodemendError, type SourcePos } from './errors.js';
import type { Inventory } from './model.js';
import { isImplicitLocalhost, LOCALHOST_NAMES } from './localhost.js';
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
  for (const raw of splitTerms(pattern)) {
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

/** Hosts one term names; empty when nothing matches. */
function matchTerm(inv: Inventory, text: string): string[] {
  if (text === 'all' || text === '*') return [...inv.hosts.keys()];
  const group = inv.groups.get(text);
  if (group) return group.hosts;
  if (inv.hosts.has(text) || isImplicitLocalhost(inv, text)) return [text];
  let test: ((name: string) => boolean) | undefined;
  if (text.startsWith('~')) {
    // Ansible's _match_list uses re.match: anchored at the start, not at the end.
    const re = new RegExp(`^(?:${text.slice(1)})`);
    test = (n) => re.test(n);
  } else if (/[*?[]/.test(text)) {
    const re = fnmatchRegExp(text);
    test = (n) => re.test(n);
  }
  if (!test) return [];
  const found = new Set<string>();
  for (const g of inv.groups.values()) if (test(g.name)) g.hosts.forEach((h) => found.add(h));
  for (const h of inv.hosts.keys()) if (test(h)) found.add(h);
  return [...found];
}

/**
 * Host names a pattern selects, in inventory order. A term matching nothing is
 * ignored with a warning (Ansible's behaviour); a malformed pattern throws.
 */
export function matchPattern(inv: Inventory, pattern: string, pos: SourcePos, warn: (msg: string) => void): string[] {
  const terms = parsePattern(pattern, pos);
  const sets = terms.map((t) => {
    const hosts = matchTerm(inv, t.text);
    if (hosts.length === 0) warn(`could not match supplied host pattern, ignoring: ${t.text}`);
    return { ...t, hosts: new Set(hosts) };
  });
  const unions = sets.filter((s) => s.op === 'union');
  let result = new Set<string>(unions.length ? unions.flatMap((s) => [...s.hosts]) : inv.hosts.keys());
  for (const s of sets.filter((x) => x.op === 'intersect')) result = new Set([...result].filter((h) => s.hosts.has(h)));
  for (const s of sets.filter((x) => x.op === 'exclude')) for (const h of s.hosts) result.delete(h);
  // The implicit localhost only ever comes from its own name (matchTerm), never from all or a glob.
  return [...inv.hosts.keys(), ...LOCALHOST_NAMES.filter((n) => isImplicitLocalhost(inv, n))].filter((h) => result.has(h));
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
