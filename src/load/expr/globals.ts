/**
 * Jinja's and Ansible's global functions that templates call besides lookup()/query(): `range()`,
 * `dict()`, `namespace()` (Jinja 3.1's globals) and Ansible's `now()` (template/__init__.py).
 */
import type { Call } from './ast.js';
import { ExprSyntaxError, ExprValueError } from './errors.js';
import { strftime, tmOf } from './filters-system.js';
import { isMapping, keysOf, markNamespace, markMade, pyStr, setKey, truthy, typeName, type Mapping } from './values.js';

/** What nodemend builds at most: a range is a list here (2.14 prints one as a list too). */
const MAX_RANGE = 1_000_000;

function integer(v: unknown): number {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ExprValueError(`'${typeName(v)}' object cannot be interpreted as an integer`);
  return v;
}

/** Python's range(stop) / range(start, stop[, step]), as a list. */
export function range(args: unknown[]): number[] {
  const n = args.map(integer);
  const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
  if (step === 0) throw new ExprValueError('range() arg 3 must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new ExprValueError(`range() of ${count} items: nodemend builds at most ${MAX_RANGE}`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

/** Python's dict(arg, **kwargs): a mapping's entries or a list of pairs, then the keywords. */
export function pyDict(args: unknown[], kwargs: Mapping, what = 'dict'): Mapping {
  if (args.length > 1) throw new ExprValueError(`${what} expected at most 1 argument, got ${args.length}`);
  const out: Mapping = {};
  const [arg] = args;
  if (isMapping(arg)) for (const k of keysOf(arg)) setKey(out, k, arg[k]);
  else if (arg !== undefined) {
    const items = typeof arg === 'string' ? [...arg] : Array.isArray(arg) ? arg : undefined;
    if (!items) throw new ExprValueError(`'${typeName(arg)}' object is not iterable`);
    items.forEach((p, i) => {
      const pair = typeof p === 'string' ? [...p] : Array.isArray(p) ? p : undefined;
      if (!pair || pair.length !== 2) throw new ExprValueError(`dictionary update sequence element #${i} has length ${pair ? pair.length : 1}; 2 is required`);
      setKey(out, pyStr(pair[0]), pair[1]);
    });
  }
  for (const k of keysOf(kwargs)) setKey(out, k, kwargs[k]);
  return out;
}

/**
 * Ansible's now(utc=False, fmt=None): the controller's local (or UTC) time, as `fmt` formats it
 * (strftime), else as Python prints a datetime (`2026-12-07 16:40:00.123456`: text here, so
 * `now().year` / `now().strftime()` are not there; use fmt). A new value at each render.
 */
function now(args: unknown[], kwargs: Mapping): string {
  const utc = truthy('utc' in kwargs ? kwargs.utc : (args[0] ?? false));
  const fmt = 'fmt' in kwargs ? kwargs.fmt : args[1];
  const ms = Date.now();
  const tm = tmOf(Math.floor(ms / 1000), utc);
  if (fmt !== undefined && fmt !== null && fmt !== '' && fmt !== false) return strftime(pyStr(fmt), tm);
  const us = (ms % 1000) * 1000;
  return strftime('%Y-%m-%d %H:%M:%S', tm) + (us ? `.${String(us).padStart(6, '0')}` : '');
}

export const GLOBALS: Record<string, (args: unknown[], kwargs: Mapping) => unknown> = {
  range: (args) => range(args),
  // Made by the template: its methods (append, update...) may change it (methods.ts).
  dict: (args, kwargs) => markMade(pyDict(args, kwargs)),
  namespace: (args, kwargs) => markNamespace(pyDict(args, kwargs, 'namespace')),
  now,
};

/** Load-time check of a global's call: range takes 1 to 3 positional arguments, now at most utc and fmt. */
export function checkGlobal(call: Call): void {
  if (call.name === 'range') {
    if (call.kwargs.length) throw new ExprSyntaxError(`${call.name}() takes no keyword arguments`, call.nameStart);
    if (call.args.length < 1 || call.args.length > 3) throw new ExprSyntaxError(`${call.name}() takes 1 to 3 arguments, got ${call.args.length}`, call.nameStart);
  }
  if (call.name === 'now') {
    const bad = call.kwargs.find(([k]) => k !== 'utc' && k !== 'fmt');
    if (bad) throw new ExprSyntaxError(`now() got an unexpected keyword argument '${bad[0]}'`, call.nameStart);
    if (call.args.length > 2) throw new ExprSyntaxError(`now() takes from 0 to 2 positional arguments but ${call.args.length} were given`, call.nameStart);
  }
}
