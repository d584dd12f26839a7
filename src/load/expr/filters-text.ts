/** Filters on scalars: conversions, string edits, regexes. Python/Jinja/Ansible semantics. */
import { ExprValueError } from './errors.js';
import { expand, pyRegex, withFlags } from './regex.js';
import type { Args, FilterDef } from './signature.js';
import { numStr, pyFloat, PyFloat, pyStr, toText, truthy, tuple, typeName } from './values.js';

export function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || v instanceof PyFloat) return numStr(v);
  if (typeof v === 'boolean') return String(v);
  throw new ExprValueError(`${what} needs a string, got '${typeName(v)}'`);
}

export function int(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return Number(v);
  throw new ExprValueError(`${what} needs an integer, got ${JSON.stringify(v) ?? typeName(v)}`);
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-fA-F]+$/ };
const PREFIX: Record<number, RegExp> = { 2: /^0[bB]/, 8: /^0[oO]/, 16: /^0[xX]/ };

/** Python int(s, base), or undefined when `s` is not a valid literal. */
function parseIntPy(s: string, base: number): number | undefined {
  let t = s.trim().replace(/_/g, '');
  const neg = t.startsWith('-');
  if (/^[+-]/.test(t)) t = t.slice(1);
  if (PREFIX[base]) t = t.replace(PREFIX[base], '');
  const digits = DIGITS[base] ?? new RegExp(`^[0-9a-z]+$`, 'i');
  if (!digits.test(t)) return undefined;
  const n = parseInt(t, base);
  if (Number.isNaN(n)) return undefined;
  return neg ? -n : n;
}

/** Jinja's int: a number, a numeric string (also "3.7" -> 3), else `default`. */
function toInt(v: unknown, a: Args): number {
  const dflt = a.default ?? 0;
  const base = a.base === undefined ? 10 : int(a.base, "int's base");
  if (typeof v === 'boolean') return Number(v);
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : (dflt as number);
  if (typeof v !== 'string') return dflt as number;
  const n = parseIntPy(v, base);
  if (n !== undefined) return n;
  if (base === 10 && FLOAT.test(v.trim())) return Math.trunc(Number(v.trim()));
  return dflt as number;
}

/** Jinja's float: a number or a numeric string as a float (`5 | float` is 5.0), else `default` (0.0) as given. */
function toFloat(v: unknown, a: Args): unknown {
  const dflt = 'default' in a ? a.default : new PyFloat(0);
  if (typeof v === 'boolean' || typeof v === 'number') return pyFloat(Number(v));
  if (v instanceof PyFloat) return v;
  if (typeof v !== 'string') return dflt;
  const s = v.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (FLOAT.test(s)) return pyFloat(Number(s));
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  return dflt;
}

/** Ansible's bool: true for true, "yes", "on", "1", "true" (any case) and 1. */
function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || v instanceof PyFloat) return Number(v) === 1;
  if (typeof v !== 'string') return false;
  return ['yes', 'on', '1', 'true'].includes(v.toLowerCase());
}

/** Python str.split: no separator splits on runs of whitespace and drops empty ends. */
export function split(s: string, a: Args): string[] {
  const max = a.maxsplit === undefined || a.maxsplit === null ? -1 : int(a.maxsplit, 'split maxsplit');
  const sep = a.separator;
  if (sep === undefined || sep === null) {
    if (max < 0) return s.trim() === '' ? [] : s.trim().split(/\s+/);
    // After maxsplit words the rest is one piece with its spacing (Python keeps even its trailing whitespace).
    const out: string[] = [];
    let rest = s.trimStart();
    for (let m = /^(\S+)\s+/.exec(rest); m && out.length < max; m = /^(\S+)\s+/.exec(rest)) {
      out.push(m[1]);
      rest = rest.slice(m[0].length);
    }
    return rest === '' ? out : [...out, rest];
  }
  const d = str(sep, 'split separator');
  if (d === '') throw new ExprValueError('split: empty separator');
  const parts = s.split(d);
  return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(d)];
}

/** Python str.replace, with its handling of an empty `old` and of `count`. */
export function replace(s: string, a: Args): string {
  const old = str(a.old, 'replace');
  const repl = str(a.new, 'replace');
  const count = a.count === undefined || a.count === null ? -1 : int(a.count, 'replace count');
  const pieces = old === '' ? ['', ...[...s], ''] : s.split(old);
  if (count < 0 || pieces.length - 1 <= count) return pieces.join(repl);
  return pieces.slice(0, count + 1).join(repl) + old + pieces.slice(count + 1).join(old);
}

export function trim(s: string, chars: unknown, ends: 'both' | 'start' | 'end' = 'both'): string {
  const set = chars === undefined || chars === null ? undefined : new Set(str(chars, 'trim chars'));
  const strips = (c: string): boolean => (set ? set.has(c) : /\s/.test(c));
  let i = 0;
  let j = s.length;
  while (ends !== 'end' && i < j && strips(s[i])) i++;
  while (ends !== 'start' && j > i && strips(s[j - 1])) j--;
  return s.slice(i, j);
}

/** Ansible's regex_search: the match (or none), or with '\\1' / '\\g<name>' arguments the list of those groups. */
function regexSearch(v: unknown, a: Args, groups: unknown[]): unknown {
  const m = pyRegex(a.pattern, a).exec(str(v, 'regex_search'));
  if (!m) return null;
  if (!groups.length) return m[0];
  return groups.map((g) => {
    const ref = /^\\(?:(\d+)|g<(\w+)>)$/.exec(String(g));
    if (!ref) throw new ExprValueError(`regex_search: unknown argument ${JSON.stringify(g)} (expected '\\\\1' or '\\\\g<name>')`);
    const val = ref[1] !== undefined ? m[Number(ref[1])] : m.groups?.[ref[2]];
    if (ref[1] !== undefined && Number(ref[1]) >= m.length) throw new ExprValueError(`regex_search: no group ${ref[1]} in the pattern`);
    return val ?? null;
  });
}

function regexReplace(v: unknown, a: Args): string {
  const s = str(v, 'regex_replace');
  const repl = a.replacement === undefined ? '' : str(a.replacement, 'regex_replace replacement');
  const count = a.count === undefined ? 0 : int(a.count, 'regex_replace count');
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of s.matchAll(withFlags(pyRegex(a.pattern, a), 'g'))) {
    if (count > 0 && n++ >= count) break;
    out += s.slice(last, m.index) + expand(repl, m);
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

/** Python re.findall: whole matches, or the one group, or a list of groups per match. */
function regexFindall(v: unknown, a: Args): unknown[] {
  const ms = [...str(v, 'regex_findall').matchAll(withFlags(pyRegex(a.pattern, a), 'g'))];
  // Python's re.findall: several groups give a tuple per match.
  return ms.map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : tuple(m.slice(1).map((g) => g ?? ''))));
}

const RE_OPTS = ['ignorecase', 'multiline'];

/** The comment filter's styles (ansible.builtin.comment, ansible-core 2.14 plugins/filter/core.py). */
const COMMENT_STYLES: Record<string, Record<string, string>> = {
  plain: { decoration: '# ' },
  erlang: { decoration: '% ' },
  c: { decoration: '// ' },
  cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
  xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
};
const COMMENT_PARTS = ['decoration', 'newline', 'beginning', 'prefix', 'prefix_count', 'postfix', 'postfix_count', 'end'];

/**
 * `text | comment(style, **parts)`: the text framed as a comment, each line decorated, as Ansible
 * frames `ansible_managed`: plain gives "#\n# text\n#". A given `decoration` also sets the default
 * prefix and postfix (stripped of trailing blanks); the style's own parts override those defaults.
 */
function comment(v: unknown, a: Args): string {
  const name = a.style === undefined ? 'plain' : str(a.style, 'comment style');
  const style = Object.prototype.hasOwnProperty.call(COMMENT_STYLES, name) ? COMMENT_STYLES[name] : undefined;
  if (!style) throw new ExprValueError(`comment: unknown style '${name}' (plain, erlang, c, cblock, xml)`);
  const deco = a.decoration === undefined ? style.decoration : toText(a.decoration);
  const p: Record<string, unknown> = { newline: '\n', beginning: '', prefix: deco.trimEnd(), prefix_count: 1, decoration: '', postfix: deco.trimEnd(), postfix_count: 1, end: '', ...style };
  for (const k of COMMENT_PARTS) if (a[k] !== undefined) p[k] = a[k];
  const [nl, beginning, prefix, decoration, postfix, end] = ['newline', 'beginning', 'prefix', 'decoration', 'postfix', 'end'].map((k) => toText(p[k]));
  const count = (k: string): number => Math.max(0, int(typeof p[k] === 'string' ? Number(p[k]) : p[k], k));
  const head = (beginning ? beginning + nl : '') + (prefix ? (prefix !== nl ? prefix + nl : nl).repeat(count('prefix_count')) : '');
  const body = (
    decoration +
    str(v, 'comment')
      .split(nl)
      .join(nl + decoration)
  )
    .split(decoration + nl)
    .join(decoration.trimEnd() + nl);
  const tail = ['', ...Array<string>(count('postfix_count')).fill(postfix)].join(nl) + (end ? nl + end : '');
  return head + body + tail;
}

export const TEXT_FILTERS: Record<string, FilterDef> = {
  comment: { params: ['style'], keywords: COMMENT_PARTS, fn: comment },
  int: { params: ['default', 'base'], fn: (v, a) => toInt(v, a) },
  float: { params: ['default'], fn: (v, a) => toFloat(v, a) },
  bool: { fn: (v) => (v === null ? null : toBool(v)) }, // 2.14's to_bool gives None back
  string: { fn: (v) => pyStr(v) },
  lower: { fn: (v) => pyStr(v).toLowerCase() },
  upper: { fn: (v) => pyStr(v).toUpperCase() },
  capitalize: { fn: (v) => ((s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase())(toText(v)) },
  trim: { params: ['chars'], fn: (v, a) => trim(toText(v), a.chars) },
  split: { params: ['separator', 'maxsplit'], fn: (v, a) => split(str(v, 'split'), a) },
  replace: { params: ['old', 'new', 'count'], required: 2, fn: (v, a) => replace(toText(v), a) },
  // Group references ('\\1', '\\g<name>') are extra positional arguments, so the options are keyword-only.
  regex_search: { params: ['pattern'], keywords: RE_OPTS, required: 1, rest: true, regexArg: 0, fn: regexSearch },
  regex_replace: { params: ['pattern', 'replacement', ...RE_OPTS, 'count'], required: 1, regexArg: 0, fn: regexReplace },
  regex_findall: { params: ['pattern'], keywords: RE_OPTS, required: 1, regexArg: 0, fn: regexFindall },
  regex_escape: { fn: (v) => str(v, 'regex_escape').replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`) },
  ternary: {
    params: ['true_val', 'false_val', 'none_val'],
    required: 2,
    // Python truthiness, not the bool filter: 'no' | ternary(a, b) is a.
    fn: (v, a) => ((v === null || v === undefined) && a.none_val !== undefined && a.none_val !== null ? a.none_val : truthy(v) ? a.true_val : a.false_val),
  },
};
