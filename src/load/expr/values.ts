/**
 * Python-like value semantics over plain JavaScript data (what YAML and JSON give),
 * plus the runner's lazy Proxies.
 *
 * Property lookup never walks prototypes and never reads `__proto__`, `constructor`
 * or `prototype`. Presence is asked with the `in` operator (a Proxy's `has` trap), then
 * the value is read with `get` (where the runner's fact Proxy may throw FactNeeded, which
 * passes through); a value of `undefined` counts as missing. Keys are listed with
 * `Reflect.ownKeys` (a Proxy's `ownKeys` trap). So a Proxy needs only `get`, `has` and
 * `ownKeys`.
 */
import { ExprValueError } from './errors.js';
import { UnsafeText } from './unsafe.js';

/** What a lookup or a filter returns for "no value": the evaluator turns it into UndefinedVariableError. */
export const UNDEFINED: unique symbol = Symbol('undefined');
export type Maybe<T = unknown> = T | typeof UNDEFINED;

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export type Mapping = Record<string, unknown>;

/**
 * A Python float whose value is integral (`4.0`, YAML `1.0`, `4 / 2`, `5 | float`): 2.14 prints it
 * `4.0`, where the int 4 prints `4`. Every other number is a plain JS number: an integral one is an
 * int, any other (2.5, inf, nan) a float, so ints, the common case, stay cheap. `valueOf` makes
 * `Number(f)` and arithmetic work; `toJSON` writes the number where nodemend serialises its own
 * records. Built with pyFloat() only, so that a PyFloat is always integral.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
  /** As a mapping key: `1.0` is the key `1`, as Python's hash(1.0) == hash(1). */
  toString(): string {
    return String(this.value);
  }
}

/** A float with this value: a PyFloat when it is integral, else the number itself. */
export const pyFloat = (n: number): number | PyFloat => (Number.isInteger(n) ? new PyFloat(n) : n);

/** int or float (not bool). */
export const isNumber = (v: unknown): v is number | PyFloat => typeof v === 'number' || v instanceof PyFloat;

/** A Python float: a PyFloat or a JS number that is not integral. */
export const isFloat = (v: unknown): boolean => v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));

/** A Python int (not bool): an integral JS number. */
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * The value with every PyFloat replaced, for modules and code outside the expression layer: by its
 * number (`as: 'number'`), or by the text Python's str() gives (`as: 'text'`, `1.0`), which is what
 * a module's str argument makes of a float. The same object when it holds none.
 */
export function plainNumbers(v: unknown, as: 'number' | 'text' = 'number', depth = 0): unknown {
  if (v instanceof PyFloat) return as === 'text' ? floatRepr(v.value) : v.value;
  if (depth > 200 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((x, i) => {
      const y = plainNumbers(x, as, depth + 1);
      if (y !== x) (out ??= [...v])[i] = y;
    });
    return out ?? v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  let out: Mapping | undefined;
  for (const k of Object.keys(v)) {
    const x = (v as Mapping)[k];
    const y = plainNumbers(x, as, depth + 1);
    if (y !== x) {
      out ??= copyKeyTypes(v, Object.defineProperties({}, Object.getOwnPropertyDescriptors(v)) as Mapping);
      setKey(out, k, y);
    }
  }
  return out ?? v;
}

/**
 * Python's repr() of a float (what str() prints too): the shortest digits that read back the same
 * (as JS), written fixed between 1e-4 and 1e16 with at least one decimal (`4.0`), else with an
 * exponent of at least two digits (`1e+16`, `1e-05`).
 */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mant, exp] = n.toExponential().split('e');
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace(/^-/, '').replace('.', '');
  const decpt = Number(exp) + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = Number(exp);
  return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** str() of an int or float. */
export const numStr = (v: number | PyFloat): string => (v instanceof PyFloat ? floatRepr(v.value) : Number.isInteger(v) ? String(v) : floatRepr(v));

/** A fresh object: keys assigned with defineProperty so "__proto__" stays an ordinary key. */
export function setKey(obj: Mapping, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Mapping keys that are not strings (YAML `{80: http}`, `{true: y, null: n}`, a Jinja `{1: 'a'}`): 2.14
 * keeps their type (`ports[80]`, `k == 443`, `{80: 'http'}`). A mapping stays a plain object whose
 * property is the key's JSON name (`'80'`, `'true'`, `'null'`, `'1.5'`: what to_json and modules see);
 * the key's own value is kept in this side table, made only for mappings that have such a key, so
 * the all-string case costs nothing. Read through pyKeyOf/pyKeysOf; written with setPyKey; a copy
 * keeps the types with copyKeyTypes. One mapping cannot hold both `1` and `'1'` (one property).
 */
const KEY_TYPES = new WeakMap<object, Map<string, unknown>>();
/** Whether any mapping with a typed key was ever made: until then every lookup takes the plain path. */
let anyTyped = false;

/** The property name of a Python key: a string is itself; a number, bool or None its JSON name. */
export function keyName(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null || key === undefined) return 'null';
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (key instanceof PyFloat) return floatRepr(key.value);
  if (typeof key === 'number') return numStr(key);
  if (key instanceof UnsafeText) return key.text;
  return String(key);
}

/** A key whose type the side table keeps (not a string). */
const typedKey = (key: unknown): boolean => key === null || typeof key === 'number' || typeof key === 'boolean' || key instanceof PyFloat;

/** The mapping's typed keys by property name, if it has any. */
export const keyTypesOf = (obj: object): Map<string, unknown> | undefined => (anyTyped ? KEY_TYPES.get(obj) : undefined);

/** Record that property `name` of `obj` holds the non-string key `key` (or, with a string key, that it is a string again). */
export function noteKeyType(obj: object, name: string, key: unknown): void {
  if (!typedKey(key)) {
    if (anyTyped) KEY_TYPES.get(obj)?.delete(name);
    return;
  }
  anyTyped = true;
  let t = KEY_TYPES.get(obj);
  if (!t) KEY_TYPES.set(obj, (t = new Map()));
  t.set(name, key);
}

/** `obj[key] = value` with Python's key: its JSON name as the property, its type noted. */
export function setPyKey(obj: Mapping, key: unknown, value: unknown): void {
  const name = keyName(key);
  setKey(obj, name, value);
  if (typedKey(key) || anyTyped) noteKeyType(obj, name, key);
}

/** Copies `from`'s typed keys onto `to` (a copy of it), for the properties `to` has. */
export function copyKeyTypes<T extends object>(from: object, to: T): T {
  const t = keyTypesOf(from);
  if (t) for (const [name, key] of t) if (Object.prototype.hasOwnProperty.call(to, name)) noteKeyType(to, name, key);
  return to;
}

/** The Python key behind property `name` of a mapping. */
export function pyKeyOf(obj: object, name: string): unknown {
  const t = keyTypesOf(obj);
  if (t === undefined) return name;
  const k = t.get(name);
  return k !== undefined || t.has(name) ? k : name;
}

/** A mapping's keys as Python has them (ints, bools, None where written so). */
export function pyKeysOf(obj: Mapping): unknown[] {
  const names = keysOf(obj);
  const t = keyTypesOf(obj);
  return t === undefined ? names : names.map((n) => (t.has(n) ? t.get(n) : n));
}

/** The property of `obj` that holds Python key `key`, or undefined when there is none (`d[80]` on a string key '80'). */
export function propertyOf(obj: Mapping, key: unknown): string | undefined {
  const t = keyTypesOf(obj);
  if (typeof key === 'string') return t === undefined || !t.has(key) ? key : undefined;
  if (key instanceof UnsafeText) return propertyOf(obj, key.text);
  if (!typedKey(key) || t === undefined) return undefined;
  const name = keyName(key);
  if (t.has(name) && equals(t.get(name), key)) return name;
  // 1 == 1.0 == True as keys in Python: a rarer spelling of the same key.
  for (const [n, k] of t) if (k !== null && key !== null && equals(k, key)) return n;
  return undefined;
}

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

/** `key in obj` for a mapping, without inherited Object.prototype members. */
export function hasKey(obj: Mapping, key: string): boolean {
  if (FORBIDDEN.has(key) || !(key in obj)) return false;
  return !(key in Object.prototype) || Object.prototype.hasOwnProperty.call(obj, key);
}

export function keysOf(obj: Mapping): string[] {
  return Reflect.ownKeys(obj).filter((k): k is string => typeof k === 'string' && !FORBIDDEN.has(k));
}

/** `obj.key` / `obj[key]` with Jinja's rules: negative list indexes count from the end; anything missing is UNDEFINED. */
/**
 * Marks a mapping whose keys are also variables with an `ansible_` prefix (Ansible's
 * INJECT_FACTS_AS_VARS): `ansible_distribution` reads `ansible_facts.distribution` when no
 * variable of that name exists.
 */
export const INJECTS_AS_VARS = Symbol('injects as ansible_ vars');

/** Fact names that keep their prefix under `ansible_facts` (vars/clean.py namespace_facts): `ansible_facts.ansible_local`. */
const PREFIX_KEPT = new Set(['ansible_local']);
/** The `ansible_facts` key that the variable `ansible_X` reads. */
export const factKeyOf = (varName: string): string => (PREFIX_KEPT.has(varName) ? varName : varName.slice('ansible_'.length));
/** The variable a key of `ansible_facts` is injected as. */
export const factVarOf = (key: string): string => (PREFIX_KEPT.has(key) ? key : `ansible_${key}`);

/**
 * Containers the evaluator never walks into when rendering a variable's nested templates: the
 * runner's computed views (hostvars), whose entries are built, or fetched, only when read.
 */
const opaque = new WeakSet<object>();
export function markOpaque<T extends object>(v: T): T {
  opaque.add(v);
  return v;
}
export const isOpaque = (v: object): boolean => opaque.has(v);

export function getMember(obj: unknown, key: unknown): unknown {
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key)) return UNDEFINED;
    const seq = typeof obj === 'string' ? [...obj] : obj;
    const i = key < 0 ? seq.length + key : key;
    return i >= 0 && i < seq.length && seq[i] !== undefined ? seq[i] : UNDEFINED;
  }
  if (!isMapping(obj)) return UNDEFINED;
  // A variable name (a letter or `_` first) is never a typed key's property: no side-table look-up.
  const k = typeof key === 'string' && (!anyTyped || key.charCodeAt(0) > 57) && key !== 'true' && key !== 'false' && key !== 'null' ? key : propertyOf(obj, key);
  if (typeof k !== 'string' || !hasKey(obj, k)) return UNDEFINED;
  const v = obj[k];
  return v === undefined || typeof v === 'function' ? UNDEFINED : v;
}

/**
 * Python tuples (`(a, b)`, `d.items()`'s pairs) are lists in nodemend, marked so that they print as
 * Python prints a tuple (`('b', 2)`, `(1,)`) and type_debug says `tuple`. Only pyRepr and typeName
 * read the mark; a copy of the list (a filter's output) is a list again, as in Python.
 */
const TUPLES = new WeakSet<unknown[]>();
export function tuple<T extends unknown[]>(items: T): T {
  TUPLES.add(items);
  return items;
}

/**
 * Containers a template made (a list or dict literal, dict(), `| list`, `+`): their methods may change
 * them (`{% set _ = l.append(x) %}`, methods.ts). Any other container is a variable's value, which in
 * nodemend is shared with other hosts and later tasks (in Ansible a task's change dies with its worker).
 */
const MADE = new WeakMap<object, number>();
let renderEpoch = 0;
let renderDepth = 0;
/** One top-level render (a template, an expression; the lazy renders inside it are part of it): what it made is its own. */
export function inRender<T>(fn: () => T): T {
  if (renderDepth++ === 0) renderEpoch++;
  try {
    return fn();
  } finally {
    renderDepth--;
  }
}
export function markMade<T extends object>(v: T): T {
  if (renderDepth) MADE.set(v, renderEpoch);
  return v;
}
/** Made by the render running now: a list a template made and set_fact stored is a variable's value in a later task. */
export const isMade = (v: unknown): boolean => typeof v === 'object' && v !== null && renderDepth > 0 && MADE.get(v) === renderEpoch;

/** Jinja's namespace(): a mapping whose attributes `{% set ns.x = ... %}` assigns (also from inside a loop). */
const NAMESPACES = new WeakSet<object>();
export function markNamespace<T extends object>(v: T): T {
  NAMESPACES.add(v);
  return v;
}
export const isNamespace = (v: unknown): boolean => typeof v === 'object' && v !== null && NAMESPACES.has(v);

/** Python type names, which Ansible users know from error messages. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return TUPLES.has(v) ? 'tuple' : 'list';
  if (isMapping(v)) return NAMESPACES.has(v) ? 'Namespace' : 'dict';
  return typeof v;
}

export function truthy(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length > 0;
  if (isMapping(v)) return keysOf(v).length > 0;
  return true;
}

/** A copy made of plain objects and arrays only (Proxies read through), for JSON/YAML output. */
export function toPlain(v: unknown, depth = 0): unknown {
  if (depth > 200) throw new ExprValueError('value is nested too deeply (a cycle?)');
  if (v instanceof UnsafeText) return v.text;
  if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
  if (isMapping(v)) {
    const out: Mapping = {};
    for (const k of keysOf(v)) {
      const x = v[k];
      if (x !== undefined && typeof x !== 'function') out[k] = toPlain(x, depth + 1);
    }
    return copyKeyTypes(v, out);
  }
  return v;
}

/** What Python's str.isprintable() refuses: the Unicode categories Other and Separator, but the space. */
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** Python's repr() of a string: single quotes unless the text has one and no double quote; what is not printable escaped. */
function pyReprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '\\' || c === q) out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c === ' ' || (code >= 0x21 && code < 0x7f) || !NOT_PRINTABLE.test(c)) out += c;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return q + out + q;
}

/** Python's repr(): what str() shows for the items of a list or dict. */
export function pyRepr(v: unknown, depth = 0): string {
  if (depth > 200) throw new ExprValueError('value is nested too deeply (a cycle?)');
  if (typeof v === 'string') return pyReprString(v);
  if (v instanceof UnsafeText) return pyReprString(v.text);
  if (Array.isArray(v)) {
    const items = v.map((x) => pyRepr(x, depth + 1)).join(', ');
    return !TUPLES.has(v) ? `[${items}]` : v.length === 1 ? `(${items},)` : `(${items})`;
  }
  if (isMapping(v) && NAMESPACES.has(v)) return `<Namespace ${pyRepr({ ...v }, depth + 1)}>`;
  if (isMapping(v)) {
    const t = keyTypesOf(v);
    return `{${keysOf(v)
      .filter((k) => v[k] !== undefined && typeof v[k] !== 'function')
      .map((k) => `${t?.has(k) ? pyStr(t.get(k)) : pyReprString(k)}: ${pyRepr(v[k], depth + 1)}`)
      .join(', ')}}`;
  }
  return pyStr(v);
}

/** Python's str(): True/False/None, lists and dicts as Python prints them. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || v instanceof PyFloat) return numStr(v);
  if (typeof v === 'string') return v;
  if (v instanceof UnsafeText) return v.text;
  return pyRepr(v);
}

/**
 * Text of a value in a mixed template ("port {{ p }}") and for `~`, `string`, `join`:
 * Python's str() as Ansible's Jinja prints it (True, [1, 'a'], {'k': 'v'}), except that
 * none alone renders as "" (Ansible's finalize).
 */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return pyStr(v);
}

/** The items of an iterable: a list, a string's characters, a mapping's keys. */
export function iterate(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isMapping(v)) return pyKeysOf(v);
  throw new ExprValueError(`${what}: '${typeName(v)}' object is not iterable`);
}

const numeric = (v: unknown): v is number | boolean | PyFloat => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;

/** Python `==`: deep for lists and mappings; True == 1 like Python. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (numeric(a) && numeric(b)) return Number(a) === Number(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equals(x, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const ka = keysOf(a);
    const kb = keysOf(b);
    if (ka.length !== kb.length) return false;
    const [ta, tb] = [keyTypesOf(a), keyTypesOf(b)];
    if ((ta || tb) && !ka.every((k) => equals(ta?.has(k) ? ta.get(k) : k, tb?.has(k) ? tb.get(k) : k) && (ta?.has(k) ?? false) === (tb?.has(k) ?? false))) return false;
    return ka.every((k) => hasKey(b, k) && equals(a[k], b[k]));
  }
  return a === b;
}

/** Python ordering (`<` and sort): numbers with numbers, strings with strings, lists item by item. */
export function compare(a: unknown, b: unknown, op = '<'): number {
  if (numeric(a) && numeric(b)) return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!equals(a[i], b[i])) return compare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw new ExprValueError(`'${op}' is not supported between '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python `in`: substring, list item, or mapping key (asked without reading the value). */
export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new ExprValueError(`'in <string>' requires a string on the left, not '${typeName(item)}'`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => equals(x, item));
  if (isMapping(container)) {
    if (typeof item !== 'string' && !typedKey(item) && !(item instanceof UnsafeText)) return false;
    const name = propertyOf(container, item);
    return name !== undefined && hasKey(container, name);
  }
  throw new ExprValueError(`argument of type '${typeName(container)}' is not iterable`);
}
