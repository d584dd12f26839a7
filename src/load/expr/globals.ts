/** Jinja's global functions that Ansible templates call besides lookup()/query(): `range()`. */
import type { Call } from './ast.js';
import { ExprSyntaxError, ExprValueError } from './errors.js';
import { typeName } from './values.js';

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

export const GLOBALS: Record<string, (args: unknown[]) => unknown> = { range };

/** Load-time check of a global's call: range takes 1 to 3 positional arguments. */
export function checkGlobal(call: Call): void {
  if (call.kwargs.length) throw new ExprSyntaxError(`${call.name}() takes no keyword arguments`, call.nameStart);
  if (call.args.length < 1 || call.args.length > 3) throw new ExprSyntaxError(`${call.name}() takes 1 to 3 arguments, got ${call.args.length}`, call.nameStart);
}
