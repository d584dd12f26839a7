/**
 * ansible-core 2.14's mathstuff.py filters that came late: log, pow, root (Python's math module: the
 * result is always a float) and rekey_on_member; and password_hash (core.py, crypt.ts).
 */
import { passwordHash } from './crypt.js';
import { ExprValueError } from './errors.js';
import type { FilterDef } from './signature.js';
import { getMember, isMapping, isNumber, keysOf, pyFloat, setPyKey, typeName, UNDEFINED, type Mapping } from './values.js';

/** A Python real number (bool and int are ones), or math's TypeError in the filter's words. */
function real(v: unknown, filter: string): number {
  if (typeof v === 'boolean' || isNumber(v)) return Number(v);
  throw new ExprValueError(`${filter}() can only be used on numbers: must be real number, not ${typeName(v)}`);
}

/** math's ValueError / OverflowError are not caught by mathstuff: the template fails with Python's words. */
function finite(n: number, domainOk: boolean): number | ReturnType<typeof pyFloat> {
  if (!domainOk || Number.isNaN(n)) throw new ExprValueError('math domain error');
  if (!Number.isFinite(n)) throw new ExprValueError('math range error');
  return pyFloat(n);
}

function log(v: unknown, base: unknown): unknown {
  const x = real(v, 'log');
  if (base === undefined) return finite(Math.log(x), x > 0);
  const b = real(base, 'log');
  if (b === 10) return finite(Math.log10(x), x > 0);
  // math.log(x, base): log(x) / log(base); base 1 divides by zero.
  if (b === 1 && x > 0) throw new ExprValueError('float division by zero');
  return finite(Math.log(x) / Math.log(b), x > 0 && b > 0);
}

function pow(v: unknown, y: unknown): unknown {
  const [a, b] = [real(v, 'pow'), real(y, 'pow')];
  const r = Math.pow(a, b);
  // math.pow: a negative base with a non-integral exponent, or 0 to a negative power, is a domain error.
  return finite(r, !(a < 0 && !Number.isInteger(b)) && !(a === 0 && b < 0));
}

function root(v: unknown, base: unknown): unknown {
  const x = real(v, 'root');
  const b = base === undefined ? 2 : real(base, 'root');
  if (b === 2) {
    if (x < 0) throw new ExprValueError('root() can only be used on numbers: math domain error');
    return pyFloat(Math.sqrt(x));
  }
  if (b === 0) throw new ExprValueError('float division by zero');
  if (x < 0 && !Number.isInteger(1 / b)) throw new ExprValueError('root() can only be used on numbers: math domain error');
  return finite(Math.pow(x, 1 / b), true);
}

/** mathstuff.rekey_on_member: a list (or a dict's values) of dicts, keyed by each one's `key` member. */
function rekeyOnMember(data: unknown, key: unknown, duplicates: unknown): Mapping {
  const dup = duplicates === undefined ? 'error' : duplicates;
  if (dup !== 'error' && dup !== 'overwrite') throw new ExprValueError(`duplicates parameter to rekey_on_member has unknown value: ${String(dup)}`);
  let items: unknown[];
  if (isMapping(data)) items = keysOf(data).map((k) => data[k]);
  else if (Array.isArray(data)) items = data;
  else throw new ExprValueError('Type is not a valid list, set, or dict');
  const out: Mapping = {};
  const seen: unknown[] = [];
  for (const item of items) {
    if (!isMapping(item)) throw new ExprValueError('List item is not a valid dict');
    const elem = getMember(item, key);
    if (elem === UNDEFINED) throw new ExprValueError(`Key ${String(key)} was not found`);
    if (Array.isArray(elem) || isMapping(elem)) throw new ExprValueError(`unhashable type: '${typeName(elem)}'`);
    const name = String(elem);
    if (seen.some((k) => k === elem || (typeof k === typeof elem && String(k) === name))) {
      if (dup === 'error') throw new ExprValueError(`Key ${name} is not unique, cannot correctly turn into dict`);
    } else seen.push(elem);
    setPyKey(out, elem, item);
  }
  return out;
}

export const MATH_FILTERS: Record<string, FilterDef> = {
  log: { params: ['base'], fn: (v, a) => log(v, a.base) },
  pow: { params: ['y'], required: 1, fn: (v, a) => pow(v, a.y) },
  root: { params: ['base'], fn: (v, a) => root(v, a.base) },
  rekey_on_member: { params: ['key', 'duplicates'], required: 1, fn: (v, a) => rekeyOnMember(v, a.key, a.duplicates) },
  password_hash: {
    params: ['hashtype', 'salt', 'salt_size', 'rounds', 'ident'],
    fn: (v, a) => {
      if (typeof v !== 'string') throw new ExprValueError(`password_hash needs a string, got '${typeName(v)}'`);
      const opt = (x: unknown): string | undefined => (x === undefined || x === null ? undefined : String(x));
      const num = (x: unknown): number | undefined => (x === undefined || x === null ? undefined : Number(x));
      return passwordHash(v, opt(a.hashtype) ?? 'sha512', opt(a.salt), num(a.salt_size), num(a.rounds));
    },
  },
};
