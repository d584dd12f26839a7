/**
 * Methods callable on values, as Jinja lets roles call Python's: `x.startswith('a')`,
 * `d.items()`, `xs.index(3)`. A fixed table keyed by name, then by the receiver's type:
 * nothing else of a JavaScript value is reachable (no prototype, no `constructor`; an
 * unknown name fails at load time). Python's semantics: split() with no separator splits
 * on runs of whitespace, strip() strips whitespace, get() gives none for a missing key,
 * items() gives [key, value] pairs, index() fails when the item is absent.
 */
import { ExprValueError } from './errors.js';
import { replace, split, str, trim, int } from './filters-text.js';
import type { Args, FilterDef, InputInfo } from './signature.js';
import { pyFormat } from './str-format.js';
import { equals, getMember, isMade, isMapping, iterate, keysOf, pyKeyOf, pyKeysOf, pyRepr, setKey, tuple, typeName, UNDEFINED, type Mapping } from './values.js';
import { pyDict } from './globals.js';

type Receiver = 'str' | 'dict' | 'list';
type Impl = (v: never, a: Args, rest: unknown[], input: InputInfo) => unknown;

const receiver = (v: unknown): Receiver | undefined => (typeof v === 'string' ? 'str' : Array.isArray(v) ? 'list' : isMapping(v) ? 'dict' : undefined);

interface Method {
  sig: Omit<FilterDef, 'fn'>;
  impls: Partial<Record<Receiver, Impl>>;
}

/** One method name: its parameters, and an implementation per receiver type. */
const method = (sig: Omit<FilterDef, 'fn'>, impls: Partial<Record<Receiver, Impl>>): Method => ({ sig, impls });

function callable(name: string, m: Method): FilterDef {
  return {
    ...m.sig,
    describesInput: true,
    fn: (v, a, rest, input) => {
      const r = receiver(v);
      const impl = r && m.impls[r];
      if (!impl) throw new ExprValueError(`'${typeName(v)}' object has no method '${name}'`);
      return (impl as (v: unknown, a: Args, rest: unknown[], input: InputInfo) => unknown)(v, a, rest, input!);
    },
  };
}

/** Python's optional start/end of startswith/endswith/find/count: a slice of the string. */
function window(s: string, a: Args): string {
  const chars = [...s];
  const at = (x: unknown, dflt: number): number => {
    if (x === undefined || x === null) return dflt;
    const i = int(x, 'slice index');
    return i < 0 ? Math.max(0, chars.length + i) : Math.min(i, chars.length);
  };
  return chars.slice(at(a.start, 0), at(a.end, chars.length)).join('');
}

/** startswith/endswith take a string or a tuple (a list here) of strings. */
function affixes(x: unknown, what: string): string[] {
  const all = Array.isArray(x) ? x : [x];
  return all.map((p) => {
    if (typeof p !== 'string') throw new ExprValueError(`${what} first arg must be str or a tuple of str, not ${typeName(p)}`);
    return p;
  });
}

const none = (x: unknown): boolean => x === undefined || x === null;

/** Python's str.rsplit: like split, counted from the right. */
function rsplit(s: string, a: Args): string[] {
  const max = none(a.maxsplit) ? -1 : int(a.maxsplit, 'rsplit maxsplit');
  if (max < 0) return split(s, { separator: a.sep });
  if (none(a.sep)) {
    const out: string[] = [];
    let rest = s.trimEnd();
    for (let m = /\s+(\S+)$/.exec(rest); m && out.length < max; m = /\s+(\S+)$/.exec(rest)) {
      out.unshift(m[1]);
      rest = rest.slice(0, m.index);
    }
    // Stopped at maxsplit: the rest keeps its leading spaces; otherwise it is the first word.
    if (out.length < max) rest = rest.trimStart();
    return rest === '' ? out : [rest, ...out];
  }
  const d = str(a.sep, 'rsplit separator');
  if (d === '') throw new ExprValueError('rsplit: empty separator');
  const parts = s.split(d);
  return parts.length <= max + 1 ? parts : [parts.slice(0, parts.length - max).join(d), ...parts.slice(parts.length - max)];
}

/** A dict's values as the evaluator reads them (templated strings rendered, host data kept as data). */
const values = (d: Mapping, input: InputInfo): unknown[] => keysOf(d).map((k) => input.read(d[k]));

const DEFS: Record<string, Method> = {
  startswith: method({ params: ['prefix', 'start', 'end'], required: 1 }, { str: (s: string, a) => affixes(a.prefix, 'startswith').some((p) => window(s, a).startsWith(p)) }),
  endswith: method({ params: ['suffix', 'start', 'end'], required: 1 }, { str: (s: string, a) => affixes(a.suffix, 'endswith').some((p) => window(s, a).endsWith(p)) }),
  split: method({ params: ['sep', 'maxsplit'] }, { str: (s: string, a) => split(s, { separator: a.sep, maxsplit: a.maxsplit }) }),
  rsplit: method({ params: ['sep', 'maxsplit'] }, { str: (s: string, a) => rsplit(s, a) }),
  splitlines: method(
    { params: ['keepends'] },
    { str: (s: string, a) => (s === '' ? [] : (s.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? []).map((l) => (a.keepends ? l : l.replace(/(\r\n|\r|\n)$/, '')))) },
  ),
  strip: method({ params: ['chars'] }, { str: (s: string, a) => trim(s, a.chars) }),
  lstrip: method({ params: ['chars'] }, { str: (s: string, a) => trim(s, a.chars, 'start') }),
  rstrip: method({ params: ['chars'] }, { str: (s: string, a) => trim(s, a.chars, 'end') }),
  lower: method({}, { str: (s: string) => s.toLowerCase() }),
  upper: method({}, { str: (s: string) => s.toUpperCase() }),
  capitalize: method({}, { str: (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() }),
  title: method({}, { str: (s: string) => s.toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_m, b: string, c: string) => b + c.toUpperCase()) }),
  replace: method({ params: ['old', 'new', 'count'], required: 2 }, { str: (s: string, a) => replace(s, a) }),
  format: method({ rest: true, anyKeyword: true }, { str: (s: string, a, rest) => pyFormat(s, rest, a) }),
  join: method(
    { params: ['iterable'], required: 1 },
    {
      str: (sep: string, a) => {
        const items = typeof a.iterable === 'string' ? [...a.iterable] : isMapping(a.iterable) ? pyKeysOf(a.iterable) : a.iterable;
        if (!Array.isArray(items)) throw new ExprValueError(`can only join an iterable, not '${typeName(a.iterable)}'`);
        return items
          .map((x, i) => {
            if (typeof x !== 'string') throw new ExprValueError(`sequence item ${i}: expected str instance, ${typeName(x)} found`);
            return x;
          })
          .join(sep);
      },
    },
  ),
  find: method(
    { params: ['sub', 'start', 'end'], required: 1 },
    {
      str: (s: string, a) => {
        const i = window(s, a).indexOf(str(a.sub, 'find'));
        return i < 0 ? -1 : i + (s.length - window(s, { start: a.start }).length);
      },
    },
  ),
  count: method(
    { params: ['x', 'start', 'end'], required: 1 },
    {
      str: (s: string, a) => {
        const sub = str(a.x, 'count');
        const w = window(s, a);
        return sub === '' ? [...w].length + 1 : w.split(sub).length - 1;
      },
      list: (l: unknown[], a) => l.filter((y) => equals(y, a.x)).length,
    },
  ),
  index: method(
    { params: ['x', 'start', 'end'], required: 1 },
    {
      list: (l: unknown[], a) => {
        const from = none(a.start) ? 0 : int(a.start, 'index start');
        const to = none(a.end) ? l.length : int(a.end, 'index end');
        for (let i = from < 0 ? Math.max(0, l.length + from) : from; i < Math.min(to < 0 ? l.length + to : to, l.length); i++) if (equals(l[i], a.x)) return i;
        throw new ExprValueError('list.index(x): x not in list');
      },
      str: (s: string, a) => {
        const i = window(s, a).indexOf(str(a.x, 'index'));
        if (i < 0) throw new ExprValueError('substring not found');
        return i + (s.length - window(s, { start: a.start }).length);
      },
    },
  ),
  isdigit: method({}, { str: (s: string) => /^\d+$/.test(s) }),
  keys: method({}, { dict: (d: Mapping) => pyKeysOf(d) }),
  values: method({}, { dict: (d: Mapping, _a, _r, input) => values(d, input) }),
  items: method({}, { dict: (d: Mapping, _a, _r, input) => keysOf(d).map((k) => tuple([pyKeyOf(d, k), input.read(d[k])])) }),
  get: method(
    { params: ['key', 'default'], required: 1 },
    {
      dict: (d: Mapping, a, _r, input) => {
        const v = getMember(d, a.key);
        return v === UNDEFINED ? (a.default ?? null) : input.read(v);
      },
    },
  ),
};

/**
 * A list's or dict's method that changes it in place (`{% set _ = l.append(x) %}`): only on a container
 * the template made (values.ts isMade); a variable's value would change for other hosts and later tasks.
 */
function changing<T>(name: string, fn: (v: T, a: Args, rest: unknown[]) => void): Impl {
  return ((v: T, a: Args, rest: unknown[]) => {
    if (!isMade(v)) {
      throw new ExprValueError(
        `${name}() would change a ${typeName(v)} this template did not make: in nodemend a variable's value is shared with other hosts and later tasks (in Ansible the change lasts one task); change a copy ({% set l = var | list %}, {% set d = dict(var) %})`,
      );
    }
    fn(v, a, rest);
    return null;
  }) as Impl;
}

/** Python's list index for insert(): negative from the end, clamped to the list. */
const clampIndex = (i: number, n: number): number => (i < 0 ? Math.max(0, n + i) : Math.min(i, n));

Object.assign(DEFS, {
  append: method({ params: ['object'], required: 1 }, { list: changing('append', (l: unknown[], a) => void l.push(a.object)) }),
  extend: method({ params: ['iterable'], required: 1 }, { list: changing('extend', (l: unknown[], a) => void l.push(...iterate(a.iterable, 'extend'))) }),
  insert: method({ params: ['index', 'object'], required: 2 }, { list: changing('insert', (l: unknown[], a) => void l.splice(clampIndex(int(a.index, 'insert index'), l.length), 0, a.object)) }),
  update: method({ rest: true, anyKeyword: true }, { dict: changing('update', (d: Mapping, a, rest) => void Object.entries(pyDict(rest, a, 'update')).forEach(([k, v]) => setKey(d, k, v))) }),
  pop: method(
    { params: ['index', 'default'] },
    {
      list: (l: unknown[], a) => {
        let out: unknown;
        (
          changing('pop', (l: unknown[]) => {
            if (!l.length) throw new ExprValueError('pop from empty list');
            const i = none(a.index) ? l.length - 1 : int(a.index, 'pop index');
            const at = i < 0 ? l.length + i : i;
            if (at < 0 || at >= l.length) throw new ExprValueError('pop index out of range');
            out = l.splice(at, 1)[0];
          }) as (l: unknown[], a: Args, r: unknown[]) => unknown
        )(l, a, []);
        return out;
      },
      dict: (d: Mapping, a) => {
        let out: unknown;
        (
          changing('pop', (d: Mapping) => {
            const v = getMember(d, a.index);
            if (v === UNDEFINED) {
              if (!('default' in a)) throw new ExprValueError(pyRepr(a.index));
              out = a.default;
              return;
            }
            out = v;
            delete d[String(a.index)];
          }) as (d: Mapping, a: Args, r: unknown[]) => unknown
        )(d, a, []);
        return out;
      },
    },
  ),
});

/** By name, in an object without a prototype: `constructor`, `__proto__`, `toString` are not methods. */
export const METHODS: Record<string, FilterDef> = Object.assign(
  Object.create(null) as Record<string, FilterDef>,
  Object.fromEntries(Object.entries(DEFS).map(([name, m]) => [name, callable(name, m)])),
);
