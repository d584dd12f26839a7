/**
 * Jinja's `format` filter: Python %-formatting, `'%-8s %s' | format(host, msg)`.
 * Reports need aligned columns (the audit's fleet table), which nothing else in the
 * expression language can pad. Supported: %s %r %d %i %f %x %%, the flags - 0 + and
 * space, a width and a precision; not the %(name)s mapping form.
 */
import { ExprValueError } from './errors.js';
import { str } from './filters-text.js';
import type { FilterDef } from './signature.js';
import { pyRepr, pyStr, typeName } from './values.js';

const SPEC = /%([-0+ ]*)(\d+)?(?:\.(\d+))?([sridfx%])/g;

function number(v: unknown, conv: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  throw new ExprValueError(`format: %${conv} needs a number, got '${typeName(v)}'`);
}

function convert(v: unknown, conv: string, flags: string, precision: number | undefined): string {
  if (conv === 's' || conv === 'r') {
    const s = conv === 'r' ? pyRepr(v) : pyStr(v);
    return precision === undefined ? s : s.slice(0, precision);
  }
  const n = number(v, conv);
  let body: string;
  if (conv === 'f') body = Math.abs(n).toFixed(precision ?? 6);
  else if (conv === 'x') body = Math.trunc(Math.abs(n)).toString(16);
  else body = String(Math.trunc(Math.abs(n)));
  const sign = n < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  return sign + body;
}

export function printf(format: string, args: unknown[]): string {
  let next = 0;
  const out = format.replace(SPEC, (_m, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    if (next >= args.length) throw new ExprValueError('format: not enough arguments for format string');
    const s = convert(args[next++], conv, flags, prec === undefined ? undefined : Number(prec));
    const w = width === undefined ? 0 : Number(width);
    if (s.length >= w) return s;
    if (flags.includes('-')) return s.padEnd(w);
    // Zero padding goes after the sign, and only for numbers (as in Python).
    if (flags.includes('0') && conv !== 's' && conv !== 'r') return /^[-+ ]/.test(s) ? s[0] + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
    return s.padStart(w);
  });
  if (next < args.length) throw new ExprValueError('format: not all arguments converted during string formatting');
  return out;
}

export const PRINTF_FILTERS: Record<string, FilterDef> = {
  format: { rest: true, fn: (v, _a, rest) => printf(str(v, 'format'), rest) },
};
