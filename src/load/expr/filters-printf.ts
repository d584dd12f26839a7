/**
 * Python's printf-style `%` formatting (Objects/unicodeobject.c PyUnicode_Format, Python 3.11),
 * which Jinja runs for `'%s-%d' % (a, b)` and `'%(k)s' % d` on a str, and for the `format` filter
 * (`'%-8s %s' | format(host, msg)`, jinja2/filters.py do_format: `value % (kwargs or args)`).
 * Conversions d i u o x X e E f F g G c s r a %, the flags - 0 + space #, a width and a precision
 * (also `*`), the `%(name)s` mapping form; errors worded as Python's.
 */
import { ExprValueError } from './errors.js';
import { str } from './filters-text.js';
import type { FilterDef } from './signature.js';
import { UnsafeText } from './unsafe.js';
import { floatRepr, getMember, isMapping, PyFloat, pyRepr, pyStr, typeName, UNDEFINED } from './values.js';

const SPEC = /%(?:\(([^)]*)\))?([-0+ #]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)?/gs;

/**
 * x with `p` decimals, as Python rounds: the exact binary value, a tie to even (JS's toFixed
 * takes a tie up: 0.125 -> "0.13" where Python prints 0.12).
 */
export function fixed(x: number, p: number): string {
  const a = Math.abs(x);
  const neg = x < 0 || Object.is(x, -0);
  if (a >= 1e21) return (neg ? '-' : '') + BigInt(Math.trunc(a)).toString() + (p ? '.' + '0'.repeat(p) : '');
  if (p <= 75) {
    // toFixed is exact on the binary value: 25 more digits show whether the value is exactly halfway.
    const wide = a.toFixed(p + 25);
    const dot = wide.indexOf('.');
    if (/^50*$/.test(wide.slice(dot + 1 + p))) {
      const k = BigInt(wide.slice(0, dot) + wide.slice(dot + 1, dot + 1 + p));
      const digits = (k % 2n === 0n ? k : k + 1n).toString().padStart(p + 1, '0');
      return (neg ? '-' : '') + (p ? `${digits.slice(0, digits.length - p)}.${digits.slice(digits.length - p)}` : digits);
    }
  }
  return (neg ? '-' : '') + a.toFixed(p);
}

/** `%e` with `p` decimals: a two-digit exponent at least. */
function exponent(x: number, p: number, upper: boolean): string {
  const [m, e] = x.toExponential(p).split('e');
  const n = Number(e);
  const s = `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  return upper ? s.toUpperCase() : s;
}

/** `%g`: `p` significant digits, fixed unless the exponent is < -4 or >= p; trailing zeros dropped unless `alt`. */
function general(x: number, p: number, upper: boolean, alt: boolean): string {
  const prec = p === 0 ? 1 : p;
  if (x === 0) return (Object.is(x, -0) ? '-0' : '0') + (alt ? '.' + '0'.repeat(prec - 1) : '');
  const exp = Number(x.toExponential(prec - 1).split('e')[1]);
  let s = exp < -4 || exp >= prec ? exponent(x, prec - 1, upper) : fixed(x, prec - 1 - exp);
  if (!alt) s = s.replace(/\.?0+(?=$|[eE])/, (m) => (m.startsWith('.') || s.includes('.') ? '' : m));
  return s;
}

function special(x: number, upper: boolean): string | undefined {
  if (Number.isNaN(x)) return upper ? 'NAN' : 'nan';
  if (!Number.isFinite(x)) return (x < 0 ? '-' : '') + (upper ? 'INF' : 'inf');
  return undefined;
}

/** The number `%d`/`%f` take; Python's TypeError otherwise. */
function real(v: unknown, conv: string): number {
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) return Number(v);
  throw new ExprValueError(`%${conv} format: a real number is required, not ${typeName(v)}`);
}

function integer(v: unknown, conv: string): number {
  if (typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v))) return Number(v);
  throw new ExprValueError(`%${conv} format: an integer is required, not ${typeName(v)}`);
}

/** One conversion, without width: [sign, body] (the sign apart so zero padding goes after it). */
function convert(v: unknown, conv: string, flags: string, precision: number | undefined): [string, string, boolean] {
  if (conv === 's' || conv === 'r' || conv === 'a') {
    const s = conv === 's' ? pyStr(v instanceof UnsafeText ? v.text : v) : pyRepr(v);
    return ['', precision === undefined ? s : s.slice(0, precision), false];
  }
  if (conv === 'c') {
    if (typeof v === 'string' && [...v].length === 1) return ['', v, false];
    if (typeof v === 'number' && Number.isInteger(v)) return ['', String.fromCodePoint(v), false];
    throw new ExprValueError('%c requires int or char');
  }
  let n: number;
  let body: string;
  if ('diu'.includes(conv)) {
    n = Math.trunc(real(v, conv));
    if (!Number.isFinite(real(v, conv))) throw new ExprValueError(`cannot convert float ${floatRepr(real(v, conv))} to integer`);
    body = BigInt(Math.abs(n)).toString();
    if (precision !== undefined) body = body.padStart(precision, '0');
  } else if ('oxX'.includes(conv)) {
    n = integer(v, conv);
    body = BigInt(Math.abs(n)).toString(conv === 'o' ? 8 : 16);
    if (conv === 'X') body = body.toUpperCase();
    if (precision !== undefined) body = body.padStart(precision, '0');
    if (flags.includes('#')) body = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + body;
  } else {
    n = real(v, conv);
    const upper = conv === conv.toUpperCase();
    const p = precision ?? 6;
    body = special(Math.abs(n), upper) ?? ('fF'.includes(conv) ? fixed(Math.abs(n), p) : 'eE'.includes(conv) ? exponent(Math.abs(n), p, upper) : general(Math.abs(n), p, upper, flags.includes('#')));
    if (flags.includes('#') && 'fFeE'.includes(conv) && p === 0) body = body.replace(/^(\d+)/, '$1.');
  }
  const negative = n < 0 || Object.is(n, -0);
  const sign = negative ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  return [sign, body, true];
}

/**
 * `format % args`: `args` a list (a tuple written in the expression: its items are the arguments),
 * a mapping (for `%(name)s`), or one value.
 */
export function percentFormat(format: string, args: unknown, tuple: boolean): string {
  const items: unknown[] = tuple && Array.isArray(args) ? args : [args];
  const mapping = !tuple && isMapping(args) ? args : undefined;
  let next = 0;
  const take = (): unknown => {
    if (next >= items.length) throw new ExprValueError('not enough arguments for format string');
    return items[next++];
  };
  let out = '';
  let last = 0;
  SPEC.lastIndex = 0;
  for (let m = SPEC.exec(format); m; m = SPEC.exec(format)) {
    out += format.slice(last, m.index);
    last = SPEC.lastIndex;
    const [, key, flags, widthSpec, precSpec, conv] = m;
    if (conv === undefined) throw new ExprValueError('incomplete format');
    if (conv === '%' && key === undefined && !flags && widthSpec === undefined && precSpec === undefined) {
      out += '%';
      continue;
    }
    let value: unknown;
    let width = 0;
    let precision: number | undefined;
    if (key !== undefined) {
      if (!mapping) throw new ExprValueError('format requires a mapping');
    }
    if (widthSpec === '*') {
      width = integerArg(take(), '* wants int');
    } else if (widthSpec !== undefined) width = Number(widthSpec);
    if (precSpec === '*') precision = integerArg(take(), '* wants int');
    else if (precSpec !== undefined) precision = precSpec === '' ? 0 : Number(precSpec);
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (!'diuoxXeEfFgGcsra'.includes(conv)) {
      throw new ExprValueError(`unsupported format character '${conv}' (0x${conv.codePointAt(0)!.toString(16)}) at index ${m.index + m[0].length - 1}`);
    }
    if (key !== undefined) {
      value = getMember(mapping, key);
      if (value === UNDEFINED) throw new ExprValueError(`KeyError: '${key}'`);
    } else value = mapping ? args : take();
    let f = flags;
    if (width < 0) {
      f += '-';
      width = -width;
    }
    const [sign, body, numeric] = convert(value, conv, f, precision);
    const s = sign + body;
    if (s.length >= width) out += s;
    else if (f.includes('-')) out += s.padEnd(width);
    else if (f.includes('0') && numeric) out += sign + body.padStart(width - sign.length, '0');
    else out += s.padStart(width);
  }
  out += format.slice(last);
  // A mapping given to a format without conversions is no error in Python.
  if (!mapping && next < items.length) throw new ExprValueError('not all arguments converted during string formatting');
  return out;
}

function integerArg(v: unknown, msg: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return Number(v);
  throw new ExprValueError(msg);
}

export const PRINTF_FILTERS: Record<string, FilterDef> = {
  format: {
    rest: true,
    anyKeyword: true,
    fn: (v, a, rest) => {
      const kwargs = Object.keys(a);
      if (kwargs.length && rest.length) throw new ExprValueError("can't handle positional and keyword arguments at the same time");
      return kwargs.length ? percentFormat(str(v, 'format'), a, false) : percentFormat(str(v, 'format'), rest, true);
    },
  },
};
