/** Filters on lists and mappings, plus `default`. Jinja/Ansible semantics. */
import { ExprValueError, UndefinedVariableError } from './errors.js';
import { int, str } from './filters-text.js';
import { bind, type Args, type FilterDef } from './signature.js';
import { TESTS } from './tests.js';
import { canonicalName } from './fqcn.js';
import { noteUnsafeRead, UnsafeText } from './unsafe.js';
import { fixed } from './filters-printf.js';
import {
  compare,
  copyKeyTypes,
  equals,
  getMember,
  isFloat,
  isMapping,
  isNumber,
  keyTypesOf,
  noteKeyType,
  pyKeyOf,
  setPyKey,
  pyFloat,
  PyFloat,
  iterate,
  keysOf,
  markMade,
  pyRepr,
  pyStr,
  setKey,
  toPlain,
  toText,
  truthy,
  typeName,
  UNDEFINED,
  type Mapping,
} from './values.js';

/**
 * `a.b.0` on a value, the way map/selectattr/sort take `attribute`. A boxed host string
 * (a set_fact value read through hostvars) is unboxed as the evaluator's own reads do, and
 * noted, so the filter's result is marked as host data (trackUnsafe) instead of a box that
 * sort, unique or `==` cannot compare.
 */
export function attrPath(v: unknown, path: unknown): unknown {
  let cur = v;
  for (const part of String(path).split('.')) {
    cur = getMember(cur, Array.isArray(cur) && /^-?\d+$/.test(part) ? Number(part) : part);
    if (cur === UNDEFINED) return UNDEFINED;
    if (cur instanceof UnsafeText) {
      noteUnsafeRead();
      cur = cur.text;
    }
  }
  return cur;
}

function runTest(name: unknown, value: unknown, args: unknown[]): boolean {
  const key = canonicalName('test', String(name));
  const def = key !== undefined && Object.prototype.hasOwnProperty.call(TESTS, key) ? TESTS[key] : undefined;
  if (!def) throw new ExprValueError(`unknown test '${String(name)}'`);
  if (value === UNDEFINED && !def.acceptsUndefined) return false;
  const { named, rest } = bind(def, args, []);
  return def.fn(value, named, rest);
}

function selecting(keep: boolean, byAttribute: boolean): FilterDef {
  return {
    params: byAttribute ? ['attribute', 'test'] : ['test'],
    required: byAttribute ? 1 : 0,
    rest: true,
    testArg: byAttribute ? 1 : 0,
    fn: (v, a, rest) =>
      iterate(v, 'select').filter((item) => {
        const x = byAttribute ? attrPath(item, a.attribute) : item;
        const ok = a.test === undefined ? x !== UNDEFINED && truthy(x) : runTest(a.test, x, rest);
        return ok === keep;
      }),
  };
}

function sortKey(a: Args): (v: unknown) => unknown {
  return (v) => {
    let x = a.attribute === undefined || a.attribute === null ? v : attrPath(v, a.attribute);
    if (x === UNDEFINED) throw new ExprValueError(`an item has no attribute '${String(a.attribute)}'`);
    if (!a.case_sensitive && typeof x === 'string') x = x.toLowerCase();
    return x;
  };
}

function extreme(sign: 1 | -1): FilterDef {
  return {
    params: ['case_sensitive', 'attribute'],
    fn: (v, a) => {
      const items = iterate(v, sign > 0 ? 'max' : 'min');
      const key = sortKey(a);
      if (!items.length) return UNDEFINED;
      return items.reduce((best, x) => (sign * compare(key(x), key(best)) > 0 ? x : best));
    },
  };
}

/** Python's round() to an integer: a tie goes to the even neighbour. */
function roundHalfEven(t: number): number {
  const f = Math.floor(t);
  const d = t - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

function uniqueItems(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => equals(x, y))) out.push(x);
  return out;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new ExprValueError(`${what} needs a list, got '${typeName(v)}'`);
  return v;
}

function mapping(v: unknown, what: string): Mapping {
  if (!isMapping(v)) throw new ExprValueError(`${what} needs a mapping, got '${typeName(v)}'`);
  return v;
}

const LIST_MERGE = ['replace', 'keep', 'append', 'prepend'];

function merge(a: Mapping, b: Mapping, recursive: boolean, listMerge: string): Mapping {
  const out: Mapping = {};
  for (const k of keysOf(a)) setKey(out, k, a[k]);
  copyKeyTypes(a, out);
  const typed = keyTypesOf(b);
  for (const k of keysOf(b)) {
    const [x, y] = [out[k], b[k]];
    if (x !== undefined && !equals(pyKeyOf(out, k), pyKeyOf(b, k)))
      throw new ExprValueError(`combine: the keys ${pyRepr(pyKeyOf(out, k))} and ${pyRepr(pyKeyOf(b, k))} are two keys in 2.14, one in nodemend (keys of one mapping must differ as text)`);
    if (recursive && isMapping(x) && isMapping(y)) setKey(out, k, merge(x, y, true, listMerge));
    else if (Array.isArray(x) && Array.isArray(y) && listMerge !== 'replace') {
      setKey(out, k, listMerge === 'keep' ? x : listMerge === 'append' ? [...x, ...y] : [...y, ...x]);
    } else setKey(out, k, y);
    // b's key as b has it (`1` and `'1'` are one property: b's wins, README "Choices").
    if (typed || keyTypesOf(out)) noteKeyType(out, k, typed?.has(k) ? typed.get(k) : k);
  }
  return out;
}

const combine: FilterDef = {
  rest: true,
  keywords: ['recursive', 'list_merge'],
  fn: (v, a, rest) => {
    const listMerge = a.list_merge === undefined ? 'replace' : String(a.list_merge);
    if (!LIST_MERGE.includes(listMerge)) throw new ExprValueError(`combine: list_merge must be one of ${LIST_MERGE.join(', ')}`);
    const dicts = [v, ...rest].flatMap((d) => (Array.isArray(d) ? d : [d])).map((d) => mapping(toPlain(d), 'combine'));
    return dicts.reduce((acc, d) => merge(acc, d, truthy(a.recursive), listMerge), {});
  },
};

/** core.py's flatten: with skip_nulls, None and the strings 'None' and 'null' are dropped at every level. */
function flatten(items: unknown[], levels: number, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of items) {
    if (skipNulls && (x === null || x === undefined || x === 'None' || x === 'null')) continue;
    if (Array.isArray(x) && levels !== 0) out.push(...flatten(x, levels - 1, skipNulls));
    else out.push(x);
  }
  return out;
}

/** Python's `+` as sum() applies it: numbers add, lists concatenate. */
function pyAdd(acc: unknown, x: unknown): unknown {
  const num = (v: unknown): boolean => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
  // Python: ints give an int, a float on either side a float (sum([1, 2.0]) is 3.0).
  if (num(acc) && num(x)) return isFloat(acc) || isFloat(x) ? pyFloat(Number(acc) + Number(x)) : Number(acc) + Number(x);
  if (Array.isArray(acc) && Array.isArray(x)) return [...acc, ...x];
  throw new ExprValueError(`unsupported operand type(s) for +: '${typeName(acc)}' and '${typeName(x)}'`);
}

function length(v: unknown): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isMapping(v)) return keysOf(v).length;
  throw new ExprValueError(`object of type '${typeName(v)}' has no length`);
}

const lengthFilter: FilterDef = { fn: length };
const defaultFilter: FilterDef = {
  params: ['default_value', 'boolean'],
  acceptsUndefined: true,
  argsMayBeUndefined: true,
  fn: (v, a) => (v === UNDEFINED || (truthy(a.boolean) && !truthy(v)) ? ('default_value' in a ? a.default_value : '') : v),
};

/**
 * The Python class name Ansible prints: a string from a playbook variable is AnsibleUnicode,
 * one a host returned (or derived from host data) AnsibleUnsafeText, a literal or computed
 * one str; other values by their Python type.
 */
const typeDebug: FilterDef = {
  describesInput: true,
  fn: (v, _a, _r, input) => {
    if (typeof v === 'string') return input?.nativeText ? 'NativeJinjaText' : input?.unsafe ? 'AnsibleUnsafeText' : input?.fromVariable ? 'AnsibleUnicode' : 'str';
    return typeName(v);
  },
};

export const DATA_FILTERS: Record<string, FilterDef> = {
  type_debug: typeDebug,
  default: defaultFilter,
  d: defaultFilter,
  /**
   * Fails with its message, or 2.14's "Mandatory variable 'x'  not defined.", when the input is undefined: a filter
   * error, which no `default` further out takes (2.14's AnsibleFilterError).
   */
  mandatory: {
    params: ['msg'],
    acceptsUndefined: true,
    describesInput: true,
    fn: (v, a, _rest, input) => {
      if (v !== UNDEFINED) return v;
      if (a.msg !== undefined && a.msg !== null) throw new ExprValueError(toText(a.msg), true);
      const name = input?.undefinedName;
      throw new ExprValueError(`Mandatory variable ${name === undefined ? '' : `'${name}' `} not defined.`, true);
    },
  },
  length: lengthFilter,
  count: lengthFilter,
  first: { fn: (v) => ((items) => (items.length ? items[0] : UNDEFINED))(iterate(v, 'first')) },
  last: { fn: (v) => ((items) => (items.length ? items[items.length - 1] : UNDEFINED))(iterate(v, 'last')) },
  join: {
    params: ['d', 'attribute'],
    fn: (v, a) => {
      const sep = a.d === undefined ? '' : toText(a.d);
      return iterate(v, 'join')
        .map((x) => pyStr(a.attribute === undefined ? x : attrPath(x, a.attribute)))
        .join(sep);
    },
  },
  list: { fn: (v) => markMade([...iterate(v, 'list')]) },
  reverse: { fn: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...iterate(v, 'reverse')].reverse()) },
  sort: {
    params: ['reverse', 'case_sensitive', 'attribute'],
    fn: (v, a) => {
      const key = sortKey(a);
      const sorted = [...iterate(v, 'sort')].sort((x, y) => compare(key(x), key(y)));
      return truthy(a.reverse) ? sorted.reverse() : sorted;
    },
  },
  min: extreme(-1),
  max: extreme(1),
  // Python's sum(iterable, start): `sum(start=[])` joins lists; a string start is refused as in Python.
  sum: {
    params: ['attribute', 'start'],
    fn: (v, a) => {
      const start = a.start === undefined ? 0 : a.start;
      if (typeof start === 'string') throw new ExprValueError("sum() can't sum strings [use ''.join(seq) instead]");
      return iterate(v, 'sum').reduce((acc: unknown, x) => pyAdd(acc, a.attribute === undefined || a.attribute === null ? x : attrPath(x, a.attribute)), start);
    },
  },
  abs: {
    fn: (v) => {
      if (v instanceof PyFloat) return new PyFloat(Math.abs(v.value));
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new ExprValueError(`abs needs a number, got '${typeName(v)}'`);
      return Math.abs(Number(v));
    },
  },
  /** Jinja's round(value, precision=0, method='common'): Python's round() (ties to even; an int stays an int), or floor/ceil, giving a float. */
  round: {
    params: ['precision', 'method'],
    fn: (v, a) => {
      const method = a.method === undefined ? 'common' : a.method;
      if (method !== 'common' && method !== 'ceil' && method !== 'floor') throw new ExprValueError('method must be common, ceil or floor');
      const p = a.precision === undefined ? 0 : int(a.precision, 'round precision');
      if (typeof v !== 'number' && typeof v !== 'boolean' && !(v instanceof PyFloat)) {
        throw new ExprValueError(method === 'common' ? `type ${typeName(v)} doesn't define __round__ method` : `must be real number, not ${typeName(v)}`);
      }
      const x = Number(v);
      if (method !== 'common') {
        const scale = 10 ** p;
        return pyFloat((method === 'floor' ? Math.floor(x * scale) : Math.ceil(x * scale)) / scale);
      }
      if (!isFloat(v)) return p >= 0 ? x : roundHalfEven(x / 10 ** -p) * 10 ** -p;
      if (!Number.isFinite(x)) return x;
      return pyFloat(p >= 0 ? (p > 100 ? x : Number(fixed(x, p))) : roundHalfEven(x / 10 ** -p) * 10 ** -p);
    },
  },
  flatten: {
    params: ['levels', 'skip_nulls'],
    fn: (v, a) => flatten(list(v, 'flatten'), a.levels === undefined || a.levels === null ? -1 : int(a.levels, 'flatten levels'), a.skip_nulls === undefined || truthy(a.skip_nulls)),
  },
  union: { params: ['other'], required: 1, fn: (v, a) => uniqueItems([...list(v, 'union'), ...list(a.other, 'union')]) },
  intersect: { params: ['other'], required: 1, fn: (v, a) => uniqueItems(list(v, 'intersect').filter((x) => list(a.other, 'intersect').some((y) => equals(x, y)))) },
  difference: { params: ['other'], required: 1, fn: (v, a) => uniqueItems(list(v, 'difference').filter((x) => !list(a.other, 'difference').some((y) => equals(x, y)))) },
  select: selecting(true, false),
  reject: selecting(false, false),
  selectattr: selecting(true, true),
  rejectattr: selecting(false, true),
  combine,
  dict2items: {
    params: ['key_name', 'value_name'],
    fn: (v, a) => {
      const m = mapping(v, 'dict2items');
      const [kn, vn] = [a.key_name === undefined ? 'key' : str(a.key_name, 'key_name'), a.value_name === undefined ? 'value' : str(a.value_name, 'value_name')];
      return keysOf(m).map((k) => {
        const item: Mapping = {};
        setKey(item, kn, pyKeyOf(m, k));
        setKey(item, vn, m[k]);
        return item;
      });
    },
  },
  items2dict: {
    params: ['key_name', 'value_name'],
    fn: (v, a) => {
      const [kn, vn] = [a.key_name ?? 'key', a.value_name ?? 'value'];
      const out: Mapping = {};
      for (const item of list(v, 'items2dict')) {
        const [k, x] = [getMember(item, kn), getMember(item, vn)];
        if (k === UNDEFINED || x === UNDEFINED) throw new ExprValueError(`items2dict: every item needs '${String(kn)}' and '${String(vn)}' keys`);
        // The key as it is (`key: 80` an int key), as 2.14's dict(); a list or dict key as its text.
        setPyKey(out, typeof k === 'string' || k === null || isNumber(k) || typeof k === 'boolean' ? k : toText(k), x);
      }
      return out;
    },
  },
  // 'node1' | extract(hostvars, 'kubelet_version') = hostvars['node1']['kubelet_version'];
  // mostly as groups['nodes'] | map('extract', hostvars, 'x'), as in Ansible.
  extract: {
    params: ['container', 'morekeys'],
    required: 1,
    fn: (v, a) => {
      let cur = getMember(a.container, v as string | number);
      const more = a.morekeys === undefined ? [] : Array.isArray(a.morekeys) ? a.morekeys : [a.morekeys];
      for (const k of more) {
        if (cur === UNDEFINED) break;
        cur = getMember(cur, k as string | number);
      }
      if (cur === UNDEFINED) throw new UndefinedVariableError(String(v), undefined, `extract: '${[v, ...more].map(String).join('.')}' is undefined`);
      return cur;
    },
  },
};
