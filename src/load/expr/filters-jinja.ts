/**
 * Jinja 3.1's text and grouping filters (jinja2/filters.py) and Ansible 2.14's itertools ones
 * (plugins/filter/mathstuff.py: zip, zip_longest, product, permutations, combinations, unique;
 * core.py: subelements), with their argument names, defaults and errors.
 */
import { pySplitlines } from '../../modules/lib/text-lines.js';
import { ExprValueError } from './errors.js';
import { int } from './filters-text.js';
import { attrPath } from './filters-data.js';
import { pyJson } from './filters-format.js';
import type { Args, FilterDef } from './signature.js';
import { compare, equals, isMapping, iterate, keysOf, pyKeyOf, pyRepr, pyStr, truthy, tuple as markTuple, typeName, UNDEFINED } from './values.js';

/** A Python tuple: a list marked to print as one (`(1, 'a')`, values.ts tuple()). Every tuple these filters make is built here. */
export function tuple(...items: unknown[]): unknown[] {
  return markTuple(items);
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ExprValueError(`${what} needs a string, got '${typeName(v)}'`);
  return v;
}

/** indent(width=4, first=False, blank=False): every line but the first (and blank ones) indented. */
function indent(v: unknown, a: Args): string {
  const s = text(v, 'indent');
  const w = a.width === undefined ? 4 : a.width;
  const ind = typeof w === 'string' ? w : ' '.repeat(Math.max(0, int(w, 'indent width')));
  const lines = pySplitlines(s + '\n');
  let out: string;
  if (truthy(a.blank)) out = lines.join('\n' + ind);
  else {
    out = lines.shift()!;
    if (lines.length) out += '\n' + lines.map((l) => (l ? ind + l : l)).join('\n');
  }
  return truthy(a.first) ? ind + out : out;
}

/** Jinja's ignore_case: strings lower-cased, anything else as it is. */
const ignoreCase = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);

/** dictsort(case_sensitive=False, by='key', reverse=False): (key, value) tuples, sorted (stable, also reversed). */
function dictsort(v: unknown, a: Args): unknown[] {
  if (!isMapping(v)) throw new ExprValueError(`dictsort needs a mapping, got '${typeName(v)}' (it has no attribute 'items')`);
  const by = a.by === undefined ? 'key' : a.by;
  if (by !== 'key' && by !== 'value') throw new ExprValueError('You can only sort by either "key" or "value"');
  const pos = by === 'key' ? 0 : 1;
  const key = (item: unknown[]): unknown => (truthy(a.case_sensitive) ? item[pos] : ignoreCase(item[pos]));
  const sign = truthy(a.reverse) ? -1 : 1;
  return keysOf(v)
    .map((k) => tuple(pyKeyOf(v, k), v[k]))
    .sort((x, y) => sign * compare(key(x), key(y)));
}

/** Jinja's title: each word (split after `-`, whitespace and opening brackets) capitalised. */
function title(v: unknown): string {
  return pyStr(v)
    .split(/([-\s({[<]+)/)
    .filter((w) => w !== '')
    .map((w) => [...w][0].toUpperCase() + [...w].slice(1).join('').toLowerCase())
    .join('');
}

/** Python's str.center(width): the extra space on the right, unless Python's odd-width rule puts it left. */
function center(v: unknown, a: Args): string {
  const s = pyStr(v);
  const width = a.width === undefined ? 80 : int(a.width, 'center width');
  const len = [...s].length;
  if (width <= len) return s;
  const marg = width - len;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return ' '.repeat(left) + s + ' '.repeat(marg - left);
}

/** truncate(length=255, killwords=False, end='...', leeway=5): cut at a word unless killwords. */
function truncate(v: unknown, a: Args): string {
  const s = [...text(v, 'truncate')];
  const length = a.length === undefined ? 255 : int(a.length, 'truncate length');
  const end = a.end === undefined ? '...' : text(a.end, "truncate's end");
  const leeway = a.leeway === undefined || a.leeway === null ? 5 : int(a.leeway, 'truncate leeway');
  const endLen = [...end].length;
  if (length < endLen) throw new ExprValueError(`expected length >= ${endLen}, got ${length}`);
  if (leeway < 0) throw new ExprValueError(`expected leeway >= 0, got ${leeway}`);
  if (s.length <= length + leeway) return s.join('');
  const head = s.slice(0, Math.max(0, length - endLen)).join('');
  if (truthy(a.killwords)) return head + end;
  const sp = head.lastIndexOf(' ');
  return (sp < 0 ? head : head.slice(0, sp)) + end;
}

/** Python's \w+ on text: letters, digits and numbers of every script, and `_`. */
const WORD = /[\p{L}\p{N}_]+/gu;

/** batch(linecount, fill_with=None): lists of linecount items, the last one filled. */
function batch(v: unknown, a: Args): unknown[][] {
  const n = int(a.linecount, 'batch linecount');
  const out: unknown[][] = [];
  let tmp: unknown[] = [];
  for (const item of iterate(v, 'batch')) {
    if (tmp.length === n) {
      out.push(tmp);
      tmp = [];
    }
    tmp.push(item);
  }
  if (tmp.length) {
    if (a.fill_with !== undefined && a.fill_with !== null) while (tmp.length < n) tmp.push(a.fill_with);
    out.push(tmp);
  }
  return out;
}

/** slice(slices, fill_with=None): the items in `slices` columns, the first ones one longer. */
function slice(v: unknown, a: Args): unknown[][] {
  const seq = iterate(v, 'slice');
  const slices = int(a.slices, 'slice slices');
  if (slices === 0) throw new ExprValueError('integer division or modulo by zero');
  const per = Math.floor(seq.length / slices);
  const extra = seq.length - per * slices;
  const out: unknown[][] = [];
  let offset = 0;
  for (let i = 0; i < slices; i++) {
    const start = offset + i * per;
    if (i < extra) offset++;
    const tmp = seq.slice(start, offset + (i + 1) * per);
    if (a.fill_with !== undefined && a.fill_with !== null && i >= extra) tmp.push(a.fill_with);
    out.push(tmp);
  }
  return out;
}

/** Python's float(x) for a number or a numeric string. */
function pyFloat(v: unknown, what: string): number {
  if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
  if (typeof v === 'string' && /^\s*[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v.trim().replace(/_/g, ''));
  if (typeof v === 'string' && /^\s*[+-]?(inf|infinity|nan)\s*$/i.test(v)) return /nan/i.test(v) ? NaN : /-/.test(v) ? -Infinity : Infinity;
  throw new ExprValueError(`${what}: could not convert ${typeof v === 'string' ? `string to float: ${pyRepr(v)}` : `'${typeName(v)}' to float`}`);
}

/** Python's f"{x:.1f}": the nearest tenth, an exact tie to the even one. */
export function fixed1(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const neg = x < 0 || Object.is(x, -0);
  const m = Math.abs(x);
  // A tie at one decimal is exactly k/4 with k odd (x*4 is exact in binary).
  const q = m * 4;
  let tenths: bigint;
  if (Number.isInteger(q) && q % 2 === 1) {
    const t = BigInt(q) * 10n; // 40ths: m*10 = q*10/4 = (q*5)/2, a half
    const lo = t / 4n;
    tenths = lo % 2n === 0n ? lo : lo + 1n;
  } else {
    const s = m.toFixed(1);
    return (neg ? '-' : '') + s;
  }
  const str = tenths.toString().padStart(2, '0');
  return `${neg ? '-' : ''}${str.slice(0, -1)}.${str.slice(-1)}`;
}

/** filesizeformat(binary=False): "1 Byte", "12 Bytes", "1.2 kB" / "1.0 MiB". */
function filesizeformat(v: unknown, a: Args): string {
  const bytes = pyFloat(v, 'filesizeformat');
  const binary = truthy(a.binary);
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes === 1) return '1 Byte';
  if (bytes < base) {
    if (!Number.isFinite(bytes)) throw new ExprValueError(`filesizeformat: cannot convert float ${pyStr(bytes)} to integer`);
    return `${Math.trunc(bytes)} Bytes`;
  }
  let unit = 0;
  for (let i = 0; i < prefixes.length; i++) {
    unit = Number(BigInt(base) ** BigInt(i + 2));
    if (bytes < unit) return `${fixed1((base * bytes) / unit)} ${prefixes[i]}`;
  }
  return `${fixed1((base * bytes) / unit)} ${prefixes[prefixes.length - 1]}`;
}

/** Jinja's make_attrgetter for groupby: a missing attribute is `default` when one is given. */
function attrGetter(attribute: unknown, dflt: unknown, caseSensitive: boolean): (item: unknown) => unknown {
  return (item) => {
    let x = attrPath(item, attribute);
    if (x === UNDEFINED) {
      if (dflt === undefined || dflt === null) throw new ExprValueError(`an item has no attribute '${pyStr(attribute)}'`);
      x = dflt;
    }
    return caseSensitive ? x : ignoreCase(x);
  };
}

/** groupby(attribute, default=None, case_sensitive=False): (grouper, items) tuples, sorted by grouper. */
function groupby(v: unknown, a: Args): unknown[] {
  const cs = truthy(a.case_sensitive);
  const key = attrGetter(a.attribute, a.default, cs);
  const sorted = [...iterate(v, 'groupby')].sort((x, y) => compare(key(x), key(y)));
  const out: unknown[][] = [];
  let last: unknown = UNDEFINED;
  for (const item of sorted) {
    const k = key(item);
    if (out.length && equals(k, last)) (out[out.length - 1][1] as unknown[]).push(item);
    else out.push(tuple(k, [item]));
    last = k;
  }
  // Not case-sensitive: the grouper is the first item's own value, not the lower-cased one.
  const real = attrGetter(a.attribute, a.default, true);
  return cs ? out : out.map(([, items]) => tuple(real((items as unknown[])[0]), items));
}

const hashable = (v: unknown): boolean => !Array.isArray(v) && !isMapping(v);

/**
 * mathstuff.py's unique: Jinja's (case-insensitive unless case_sensitive=true, by `attribute`),
 * or, when an item cannot be a set member (a list, a dict), Ansible's exact `not in` fallback,
 * which refuses `case_sensitive=false` and `attribute`.
 */
function unique(v: unknown, a: Args): unknown[] {
  const items = iterate(v, 'unique');
  const cs = truthy(a.case_sensitive);
  const attr = a.attribute === undefined || a.attribute === null ? undefined : a.attribute;
  const refused = (why: string): never => {
    throw new ExprValueError(`Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied (${why})`);
  };
  const keys = items.map((x) => {
    const k = attr === undefined ? x : attrPath(x, attr);
    // Ansible's undefined is strict: a missing attribute fails the filter.
    if (k === UNDEFINED) refused(`an item has no attribute '${pyStr(attr)}'`);
    return cs ? k : ignoreCase(k);
  });
  const out: unknown[] = [];
  if (keys.every(hashable)) {
    const seen: unknown[] = [];
    items.forEach((x, i) => {
      const k = keys[i];
      if (!seen.some((s) => equals(s, k))) {
        seen.push(k);
        out.push(x);
      }
    });
    return out;
  }
  if (a.case_sensitive === false || truthy(attr)) refused(`unhashable type: '${typeName(keys.find((k) => !hashable(k)))}'`);
  for (const x of items) if (!out.some((y) => equals(x, y))) out.push(x);
  return out;
}

/** itertools.product(value, *others, repeat=1) as tuples. */
function product(v: unknown, a: Args, rest: unknown[]): unknown[] {
  const repeat = a.repeat === undefined ? 1 : int(a.repeat, 'product repeat');
  const pools = [v, ...rest].map((p) => iterate(p, 'product'));
  const all: unknown[][] = [];
  for (let r = 0; r < Math.max(0, repeat); r++) all.push(...pools);
  let out: unknown[][] = [[]];
  for (const pool of all) out = out.flatMap((prefix) => pool.map((x) => [...prefix, x]));
  return out.map((t) => tuple(...t));
}

/** itertools.permutations(value, r=None) in its order. */
function permutations(v: unknown, a: Args): unknown[] {
  const pool = iterate(v, 'permutations');
  const r = a.r === undefined || a.r === null ? pool.length : int(a.r, 'permutations r');
  if (r < 0) throw new ExprValueError('r must be non-negative');
  const out: unknown[] = [];
  const walk = (used: number[]): void => {
    if (used.length === r) {
      out.push(tuple(...used.map((i) => pool[i])));
      return;
    }
    for (let i = 0; i < pool.length; i++) if (!used.includes(i)) walk([...used, i]);
  };
  if (r <= pool.length) walk([]);
  return out;
}

/** itertools.combinations(value, r) in its order. */
function combinations(v: unknown, a: Args): unknown[] {
  const pool = iterate(v, 'combinations');
  const r = int(a.r, 'combinations r');
  if (r < 0) throw new ExprValueError('r must be non-negative');
  const out: unknown[] = [];
  const walk = (from: number, picked: number[]): void => {
    if (picked.length === r) {
      out.push(tuple(...picked.map((i) => pool[i])));
      return;
    }
    for (let i = from; i < pool.length; i++) walk(i + 1, [...picked, i]);
  };
  walk(0, []);
  return out;
}

/** Python's zip / itertools.zip_longest over the value and the other iterables, as tuples. */
function zipping(longest: boolean): FilterDef {
  return {
    rest: true,
    keywords: longest ? ['fillvalue'] : [],
    fn: (v, a, rest) => {
      const its = [v, ...rest].map((x) => iterate(x, longest ? 'zip_longest' : 'zip'));
      const n = longest ? Math.max(...its.map((x) => x.length)) : Math.min(...its.map((x) => x.length));
      const fill = a.fillvalue === undefined ? null : a.fillvalue;
      return Array.from({ length: n }, (_, i) => tuple(...its.map((x) => (i < x.length ? x[i] : fill))));
    },
  };
}

/** core.py's subelements(obj, subelements, skip_missing=False): (element, value) tuples. */
function subelements(v: unknown, a: Args): unknown[] {
  let elements: unknown[];
  if (isMapping(v)) elements = keysOf(v).map((k) => v[k]);
  else if (Array.isArray(v)) elements = v;
  else throw new ExprValueError('obj must be a list of dicts or a nested dict');
  let path: unknown[];
  if (Array.isArray(a.subelements)) path = a.subelements;
  else if (typeof a.subelements === 'string') path = a.subelements.split('.');
  else throw new ExprValueError('subelements must be a list or a string');
  const out: unknown[] = [];
  for (const element of elements) {
    let values: unknown = element;
    for (const part of path) {
      if (!isMapping(values) && !Array.isArray(values)) throw new ExprValueError(`the key ${pyStr(part)} should point to a dictionary, got '${pyStr(values)}'`);
      const x = isMapping(values) ? (Object.hasOwn(values, String(part)) ? values[String(part)] : UNDEFINED) : typeof part === 'number' ? (values[part] ?? UNDEFINED) : UNDEFINED;
      if (x === UNDEFINED) {
        if (truthy(a.skip_missing)) {
          values = [];
          break;
        }
        throw new ExprValueError(`could not find ${pyRepr(part)} key in iterated item ${pyRepr(values)}`);
      }
      values = x;
    }
    if (!Array.isArray(values)) throw new ExprValueError(`the key ${pyRepr(path[path.length - 1])} should point to a list, got ${pyRepr(values)}`);
    for (const x of values) out.push(tuple(element, x));
  }
  return out;
}

/** Jinja 3.1's htmlsafe_json_dumps (the tojson filter): json.dumps with sort_keys, then <, >, & and ' as \\u escapes. */
function tojson(v: unknown, indent: unknown): string {
  const text = pyJson(v, { sortKeys: true, indent: indent === undefined || indent === null ? undefined : int(indent, 'indent') });
  return text.replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const JINJA_FILTERS: Record<string, FilterDef> = {
  // do_items: a mapping's (key, value) pairs; an undefined value gives none (Jinja 3.1).
  items: {
    acceptsUndefined: true,
    fn: (v) => {
      if (v === UNDEFINED) return [];
      if (!isMapping(v)) throw new ExprValueError('Can only get item pairs from a mapping.');
      return keysOf(v).map((k) => tuple(pyKeyOf(v, k), v[k]));
    },
  },
  tojson: { params: ['indent'], fn: (v, a) => tojson(v, a.indent) },
  // Markup(value): with autoescape off (Ansible's), the text itself.
  safe: { fn: (v) => pyStr(v) },
  indent: { params: ['width', 'first', 'blank'], fn: indent },
  dictsort: { params: ['case_sensitive', 'by', 'reverse'], fn: dictsort },
  title: { fn: title },
  center: { params: ['width'], fn: center },
  truncate: { params: ['length', 'killwords', 'end', 'leeway'], fn: truncate },
  wordcount: { fn: (v) => (pyStr(v).match(WORD) ?? []).length },
  batch: { params: ['linecount', 'fill_with'], required: 1, fn: batch },
  slice: { params: ['slices', 'fill_with'], required: 1, fn: slice },
  filesizeformat: { params: ['binary'], fn: filesizeformat },
  groupby: { params: ['attribute', 'default', 'case_sensitive'], required: 1, fn: groupby },
  unique: { params: ['case_sensitive', 'attribute'], fn: unique },
  zip: zipping(false),
  zip_longest: zipping(true),
  product: { rest: true, keywords: ['repeat'], fn: product },
  permutations: { params: ['r'], fn: permutations },
  combinations: { params: ['r'], required: 1, fn: combinations },
  subelements: { params: ['subelements', 'skip_missing'], required: 1, fn: subelements },
};
