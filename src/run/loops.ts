/**
 * Ansible's `with_<lookup>` loops: the rendered value of the keyword → the list of items,
 * as the lookup plugin of the same name builds it (ansible-core 2.14 lib/ansible/plugins/lookup/).
 * `loop:` takes its list as is.
 */
import { ModuleFailure } from '../modules/types.js';
import type { LoopKind } from '../load/model.js';
import { dictLookup, firstFound, lookupPlugin, subelementsLookup } from '../load/expr/lookups.js';
import { ExprValueError } from '../load/expr/errors.js';
import { percentFormat } from '../load/expr/filters-printf.js';
import { pyRepr } from '../load/expr/values.js';
import { parseKeyValue } from '../load/kv-args.js';
import { markUnsafe } from '../load/expr/unsafe.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
/** listify_lookup_plugin_terms, then Python's iteration: a list as is, a mapping's keys, anything else alone. */
const iterated = (v: unknown): unknown[] => (Array.isArray(v) ? v : isMap(v) ? Object.keys(v) : [v]);

/** Python's int(text, 0): an optional sign, 0x/0o/0b prefixes, `_` between digits, decimal without a leading zero. */
function pyInt0(text: string): number | undefined {
  const m = /^\s*([+-]?)(?:0[xX]((?:_?[0-9a-fA-F])+)|0[oO]((?:_?[0-7])+)|0[bB]((?:_?[01])+)|(0(?:_?0)*|[1-9](?:_?\d)*))\s*$/.exec(text);
  if (!m) return undefined;
  const [, sign, hex, oct, bin, dec] = m;
  const n =
    hex !== undefined
      ? parseInt(hex.replace(/_/g, ''), 16)
      : oct !== undefined
        ? parseInt(oct.replace(/_/g, ''), 8)
        : bin !== undefined
          ? parseInt(bin.replace(/_/g, ''), 2)
          : Number(dec.replace(/_/g, ''));
  return sign === '-' ? -n : n;
}

/** sequence.py's shortcut form `[start-]end[/stride][:format]`, each number as its NUM matches it (no sign). */
const SHORTCUT = /^(?:(0?x?[0-9a-f]+)-)?(0?x?[0-9a-f]+)(?:\/(0?x?[0-9a-f]+))?(?::(.+))?$/is;

/**
 * with_sequence as 2.14's lookup/sequence.py: per term the shortcut form or `key=value` words
 * (start, end, count, stride as Python's int(x, 0), format), then its sanity checks, each with
 * Ansible's message (a role's rescue may compare it).
 */
function sequence(terms: unknown[]): string[] {
  const out: string[] = [];
  const int = (name: string, raw: string): number => {
    const n = pyInt0(raw);
    if (n === undefined) throw new ModuleFailure(`can't parse ${name}=${raw} as integer`);
    return n;
  };
  for (const term of terms) {
    let start = 1;
    let end: number | undefined;
    let count: number | undefined;
    let stride = 1;
    let format = '%d';
    if (typeof term !== 'string') {
      const type = term === null ? 'NoneType' : typeof term === 'number' ? (Number.isInteger(term) ? 'int' : 'float') : typeof term === 'boolean' ? 'bool' : Array.isArray(term) ? 'list' : 'dict';
      throw new ModuleFailure(`unknown error parsing with_sequence arguments: ${pyRepr(term)}. Error was: expected string or bytes-like object, got '${type}'`);
    }
    const text = term;
    const short = SHORTCUT.exec(text);
    if (short) {
      if (short[1] !== undefined) start = int('start', short[1]);
      end = int('end', short[2]);
      if (short[3] !== undefined) stride = int('stride', short[3]);
      if (short[4] !== undefined) format = short[4];
    } else {
      const { args, words } = parseKeyValue(text);
      // parse_kv: the words without `=` are its `_raw_params`.
      const rest: Record<string, string> = { ...args, ...(words.length ? { _raw_params: words.join(' ') } : {}) };
      if (rest.start !== undefined) start = int('start', rest.start);
      if (rest.end !== undefined) end = int('end', rest.end);
      if (rest.count !== undefined) count = int('count', rest.count);
      if (rest.stride !== undefined) stride = int('stride', rest.stride);
      if (rest.format !== undefined) format = rest.format;
      const unknown = Object.keys(rest).filter((k) => !['start', 'end', 'count', 'stride', 'format'].includes(k));
      if (unknown.length) throw new ModuleFailure(`unrecognized arguments to with_sequence: ${pyRepr(unknown)}`);
    }
    if (count === undefined && end === undefined) throw new ModuleFailure('must specify count or end in with_sequence');
    if (count !== undefined && end !== undefined) throw new ModuleFailure("can't specify both count and end in with_sequence");
    if (count !== undefined) {
      // sequence.py's own arithmetic (start + count * stride - 1), and count=0 an empty sequence.
      if (count !== 0) end = start + count * stride - 1;
      else [start, end, stride] = [0, 0, 0];
    }
    const last = end!;
    if (stride > 0 && last < start) throw new ModuleFailure('to count backwards make stride negative');
    if (stride < 0 && last > start) throw new ModuleFailure("to count forward don't make stride negative");
    if (format.split('%').length - 1 !== 1) throw new ModuleFailure(`bad formatting string: ${format}`);
    if (stride === 0) continue;
    // range(start, end + adjust, stride), each `format % i` (Python's %-formatting: %02x gives 00, 01, ... 0a).
    for (let i = start; stride > 0 ? i <= last : i >= last; i += stride) out.push(percentFormat(format, i, false));
  }
  return out;
}

/** LookupBase._flatten: the elements of `terms` (Python iteration: a string's characters, a mapping's keys), a list's spliced in. */
function flattenOnce(terms: unknown): unknown[] {
  if (!Array.isArray(terms) && typeof terms !== 'string' && !isMap(terms)) {
    throw new ModuleFailure(
      `'${terms === null ? 'NoneType' : typeof terms === 'number' ? (Number.isInteger(terms) ? 'int' : 'float') : typeof terms === 'boolean' ? 'bool' : typeof terms}' object is not iterable`,
    );
  }
  const elems = Array.isArray(terms) ? terms : typeof terms === 'string' ? [...terms] : Object.keys(terms);
  return elems.flatMap((t) => (Array.isArray(t) ? t : [t]));
}

/**
 * The items a `loop:` / `with_<kind>:` value stands for. `scope` (role_path, playbook_dir) and
 * `action` place with_first_found's search: task_executor.py gives the lookup the subdir
 * `templates`, `vars` or `files` after the first of template / var / file in the action's name.
 */
export function loopItems(kind: LoopKind, value: unknown, scope: Record<string, unknown>, action = ''): unknown[] {
  switch (kind) {
    case 'loop':
    case 'list':
      if (!Array.isArray(value)) throw new ModuleFailure(`loop must be a list, got ${typeof value}`);
      return value;
    case 'items':
      // One level of flattening, as Ansible's items lookup does.
      return asList(value).flatMap((v) => (Array.isArray(v) ? v : [v]));
    case 'dict':
      // dict.py: a mapping, or a list of them.
      try {
        return dictLookup.run(asList(value), {}, scope);
      } catch (e) {
        if (e instanceof ExprValueError) throw new ModuleFailure(e.message);
        throw e;
      }
    case 'together': {
      // together.py: zip_longest of the lists, None for the missing spots, each row flattened one level.
      const lists = asList(value).map(iterated);
      if (lists.length === 0) throw new ModuleFailure('with_together requires at least one element in each list');
      const n = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => flattenOnce(lists.map((l) => (i < l.length ? l[i] : null))));
    }
    case 'nested': {
      // nested.py: the product of the lists, each combination flattened one level.
      const lists = asList(value).map(iterated);
      if (lists.length === 0) throw new ModuleFailure('with_nested requires at least one element in the nested list');
      const product = lists.slice(1).reduce<unknown[]>((acc, l) => acc.flatMap((x) => l.map((y) => flattenOnce([x, y]))), lists[0]);
      return product.map(flattenOnce);
    }
    case 'subelements':
      try {
        return subelementsLookup.run(asList(value), {}, scope);
      } catch (e) {
        if (e instanceof ExprValueError) throw new ModuleFailure(e.message);
        throw e;
      }
    case 'sequence':
      // listify_lookup_plugin_terms: a mapping is iterable, so its keys are the terms.
      return sequence(isMap(value) ? Object.keys(value) : asList(value));
    case 'flattened':
    case 'community.general.flattened':
      return lookupPlugin(kind)!.run(asList(value), {}, scope);
    case 'pipe':
    case 'file':
    case 'env':
      // Each command's output, file's text, variable's value: data (task_executor.py wrap_var's a with_ lookup's items), never rendered.
      try {
        return lookupPlugin(kind)!
          .run(asList(value), {}, scope)
          .map((x) => markUnsafe(x));
      } catch (e) {
        if (e instanceof ExprValueError) throw new ModuleFailure(e.message);
        throw e;
      }
    case 'indexed_items':
      // indexed_items.py: the listified terms must be a list (a mapping is not), flattened one level.
      if (isMap(value)) throw new ModuleFailure('with_indexed_items expects a list');
      // A loop's items are lists: 2.14 prints `{{ item }}` as [0, 'a'] (lookup() keeps the tuples).
      return lookupPlugin(kind)!
        .run(asList(value), {}, scope)
        .map((x) => [...(x as unknown[])]);
    case 'fileglob':
    case 'inventory_hostnames':
    case 'lines':
      // Controller paths, inventory names, a command's output lines: data, never rendered (as with_pipe's).
      try {
        return lookupPlugin(kind)!
          .run(isMap(value) ? Object.keys(value) : asList(value), {}, scope)
          .map((x) => markUnsafe(x));
      } catch (e) {
        if (e instanceof ExprValueError) throw new ModuleFailure(e.message);
        throw e;
      }
    case 'first_found':
      try {
        return firstFound(asList(value), {}, scope, action.includes('template') ? 'templates' : action.includes('var') ? 'vars' : 'files');
      } catch (e) {
        if (e instanceof ExprValueError) throw new ModuleFailure(e.message);
        throw e;
      }
  }
}

/** loop_control.extended's `ansible_loop`, as Ansible fills it (`allitems` unless extended_allitems is false). */
export function extendedLoopVars(items: unknown[], index: number, allitems = true): Record<string, unknown> {
  const n = items.length;
  return {
    ...(allitems ? { allitems: items } : {}),
    index: index + 1,
    index0: index,
    revindex: n - index,
    revindex0: n - index - 1,
    first: index === 0,
    last: index === n - 1,
    length: n,
    ...(index > 0 ? { previtem: items[index - 1] } : {}),
    ...(index < n - 1 ? { nextitem: items[index + 1] } : {}),
  };
}
