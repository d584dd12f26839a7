/**
 * Filters and tests by name, and the load-time check of a call against its signature:
 * unknown name, too many/few arguments, unknown keyword, a literal regex that does not compile.
 */
import type { Call, Node } from './ast.js';
import { ExprSyntaxError } from './errors.js';
import { didYouMean } from '../suggest.js';
import { FILTERS } from './filters.js';
import { pyRegex } from './regex.js';
import type { FilterDef, TestDef } from './signature.js';
import { TESTS } from './tests.js';
import { METHODS } from './methods.js';
import { canonicalName, unresolvedReason } from './fqcn.js';

type Kind = 'filter' | 'test' | 'method';
const registry = (kind: Kind): Record<string, FilterDef | TestDef> => (kind === 'filter' ? FILTERS : kind === 'test' ? TESTS : METHODS);

export function lookupCall(kind: 'filter' | 'method', name: string): FilterDef | undefined;
export function lookupCall(kind: 'test', name: string): TestDef | undefined;
export function lookupCall(kind: Kind, name: string): FilterDef | TestDef | undefined {
  const reg = registry(kind);
  // `ansible.builtin.to_json` is `to_json`; a dotted name 2.14 would not load is no name at all.
  const key = kind === 'method' ? name : canonicalName(kind, name);
  return key !== undefined && Object.prototype.hasOwnProperty.call(reg, key) ? reg[key] : undefined;
}

const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;

function literalString(n: Node | undefined): string | undefined {
  return n?.kind === 'literal' && typeof n.value === 'string' ? n.value : undefined;
}

/** Filters 2.14 has that nodemend refuses, with why (README "Not supported"). */
const REFUSED_FILTERS: Record<string, string> = {
  to_datetime: 'it gives a Python datetime object, which nodemend has no type for',
};

function unknownHint(kind: 'filter' | 'test', name: string): string {
  const reg = registry(kind);
  const short = name.startsWith('ansible.builtin.') ? name.slice('ansible.builtin.'.length) : name;
  if (kind === 'filter' && Object.hasOwn(REFUSED_FILTERS, short)) return `: not supported, ${REFUSED_FILTERS[short]}`;
  return name.includes('.') ? unresolvedReason(kind, name, (short) => Object.hasOwn(reg, short)) : didYouMean(name, Object.keys(reg));
}

/** Throws ExprSyntaxError when `call` does not fit the named filter or test. */
export function checkCall(kind: Kind, call: Call): void {
  const def = kind === 'test' ? lookupCall('test', call.name) : lookupCall(kind, call.name);
  if (!def) {
    const known = kind === 'method' ? ` (methods: ${Object.keys(METHODS).sort().join(', ')})` : unknownHint(kind, call.name);
    throw new ExprSyntaxError(`unknown ${kind} '${call.name}'${known}`, call.nameStart);
  }
  // Jinja's map with a filter named: the rest of the call is that filter's (its arguments, its keywords).
  if (def.keywordsToFilter && call.args.length > (def.filterArg ?? 0)) {
    const at = def.filterArg ?? 0;
    const name = literalString(call.args[at]);
    if (name !== undefined) checkCall('filter', { name, nameStart: call.args[at].start, args: call.args.slice(at + 1), kwargs: call.kwargs });
    return;
  }
  const params = def.params ?? [];
  const what = `${kind} '${call.name}'`;
  if (call.args.length > params.length && !def.rest) {
    const at = call.args[params.length].start;
    throw new ExprSyntaxError(`${what} takes at most ${plural(params.length)}, got ${call.args.length}`, at);
  }
  const given = new Set(params.slice(0, call.args.length));
  for (const [key] of call.kwargs) {
    const all = [...params, ...(def.keywords ?? [])];
    if (!all.includes(key) && !def.anyKeyword) {
      const known = all.length ? ` (it takes: ${all.join(', ')})` : ' (it takes none)';
      throw new ExprSyntaxError(`${what} has no argument '${key}'${known}`, call.nameStart);
    }
    if (given.has(key)) throw new ExprSyntaxError(`${what} got argument '${key}' twice`, call.nameStart);
    given.add(key);
  }
  const missing = params.slice(0, def.required ?? 0).filter((p) => !given.has(p));
  if (missing.length) throw new ExprSyntaxError(`${what} needs argument '${missing[0]}'`, call.nameStart);

  const named = (i: number | undefined): Node | undefined => (i === undefined ? undefined : (call.args[i] ?? call.kwargs.find(([k]) => k === params[i])?.[1]));
  const test = literalString(named(def.testArg));
  if (test !== undefined && !lookupCall('test', test)) {
    throw new ExprSyntaxError(`unknown test '${test}'${unknownHint('test', test)}`, named(def.testArg)!.start);
  }
  const filter = literalString(named(def.filterArg));
  if (filter !== undefined && !lookupCall('filter', filter)) {
    throw new ExprSyntaxError(`unknown filter '${filter}'${unknownHint('filter', filter)}`, named(def.filterArg)!.start);
  }
  const regex = literalString(named(def.regexArg));
  if (regex !== undefined) {
    try {
      pyRegex(regex, {});
    } catch (e) {
      throw new ExprSyntaxError((e as Error).message, named(def.regexArg)!.start);
    }
  }
}
