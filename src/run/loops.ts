/**
 * Ansible's `with_<lookup>` loops: the rendered value of the keyword → the list of items,
 * as the lookup plugin of the same name builds it (ansible-core 2.14 lib/ansible/plugins/lookup/).
 * `loop:` takes its list as is.
 */
import { ModuleFailure } from '../modules/types.js';
import type { LoopKind } from '../load/model.js';
import { firstFound, lookupPlugin } from '../load/expr/lookups.js';
import { ExprValueError } from '../load/expr/errors.js';
import { printf } from '../load/expr/filters-printf.js';
import { pyStr } from '../load/expr/values.js';
import { markUnsafe } from '../load/expr/unsafe.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** with_sequence's "start=1 end=5 stride=2 format=node%02d", "4-8" / "4-8/2" shortcut, or count=N. */
function sequence(terms: unknown[]): string[] {
  const out: string[] = [];
  for (const term of terms) {
    let start = 1;
    let end: number | undefined;
    let count: number | undefined;
    let stride = 1;
    let format = '%d';
    const setters: Record<string, (v: string) => void> = {
      start: (v) => (start = Number(v)),
      end: (v) => (end = Number(v)),
      count: (v) => (count = Number(v)),
      stride: (v) => (stride = Number(v)),
      format: (v) => (format = v),
    };
    if (isMap(term)) {
      for (const [k, v] of Object.entries(term)) {
        if (!setters[k]) throw new ModuleFailure(`with_sequence: unrecognized argument "${k}"`);
        setters[k](String(v));
      }
    } else {
      for (const word of String(term).trim().split(/\s+/).filter(Boolean)) {
        const kv = /^(\w+)=(.*)$/.exec(word);
        const short = /^(?:(-?\d+)-)?(-?\d+)(?:\/(-?\d+))?(?::(.+))?$/.exec(word);
        if (kv) {
          if (!setters[kv[1]]) throw new ModuleFailure(`with_sequence: unrecognized argument "${kv[1]}"`);
          setters[kv[1]](kv[2]);
        } else if (short) {
          if (short[1] !== undefined) start = Number(short[1]);
          end = Number(short[2]);
          if (short[3] !== undefined) stride = Number(short[3]);
          if (short[4] !== undefined) format = short[4];
        } else throw new ModuleFailure(`with_sequence: can't parse arg "${word}"`);
      }
    }
    if (count !== undefined) {
      if (end !== undefined) throw new ModuleFailure("with_sequence: can't specify both count and end");
      end = count === 0 ? start - stride : start + (count - 1) * stride;
    }
    if (end === undefined) throw new ModuleFailure('with_sequence: must specify count or end');
    if ([start, end, stride].some((n) => !Number.isInteger(n))) throw new ModuleFailure('with_sequence: start, end, count and stride must be integers');
    if (stride === 0) continue;
    if (stride > 0 ? end < start : end > start) throw new ModuleFailure('with_sequence: to count backwards make stride negative');
    // sequence.py: `self.format % i`, Python's %-formatting (format=%02x gives 00, 01, ... 0a).
    for (let i = start; stride > 0 ? i <= end : i >= end; i += stride) out.push(printf(format, [i]));
  }
  return out;
}

/** module_utils convert_bool's boolean(value, strict=False): true only for its true values. */
const looseBool = (v: unknown): boolean => v === true || v === 1 || (typeof v === 'string' && ['y', 'yes', 'on', '1', 'true', 't'].includes(v.toLowerCase().trim()));

/** Python's `x.get('skipped', False) is not False`. */
const isSkipped = (m: Record<string, unknown>): boolean => 'skipped' in m && m.skipped !== false;

/**
 * with_subelements as 2.14's lookup/subelements.py: each mapping of the list (a registered
 * result's skipped items left out) paired with each element of the list at `key` (dotted for
 * nested mappings), that list popped from the item's first element, as Ansible's `pop` does (on a
 * copy: the variable stays whole). `skip_missing` (a loose boolean) skips a missing key, also a
 * middle one (the next part is then looked up at the same level, as Ansible's `continue` does).
 */
function subelements(terms: unknown[]): unknown[] {
  const [list, key, flags] = terms;
  if (typeof key !== 'string' || !(isMap(list) || Array.isArray(list))) {
    throw new ModuleFailure('subelements lookup expects a list of two or three items, first a dict or a list, second a string pointing to the subkey');
  }
  if (isMap(list) && isSkipped(list)) return [];
  const parts = key.split('.');
  const skipMissing = isMap(flags) && looseBool(flags.skip_missing ?? false);
  const out: unknown[] = [];
  for (const elem of isMap(list) ? Object.values(list) : list) {
    if (!isMap(elem)) throw new ModuleFailure(`subelements lookup expects a dictionary, got '${pyStr(elem)}'`);
    if (isSkipped(elem)) continue;
    const item0: Record<string, unknown> = { ...elem };
    let sub = item0;
    let last = false;
    let sublist: unknown[] = [];
    for (const part of parts) {
      if (part === parts[parts.length - 1]) last = true;
      if (!(part in sub)) {
        if (skipMissing) continue;
        throw new ModuleFailure(`could not find '${part}' key in iterated item '${pyStr(sub)}'`);
      }
      const v = sub[part];
      if (!last) {
        if (!isMap(v)) {
          if (skipMissing) continue;
          throw new ModuleFailure(`the key ${part} should point to a dictionary, got '${pyStr(v)}'`);
        }
        sub = sub[part] = { ...v };
      } else {
        if (!Array.isArray(v)) throw new ModuleFailure(`the key ${part} should point to a list, got '${pyStr(v)}'`);
        sublist = v;
        delete sub[part];
      }
    }
    for (const s of sublist) out.push([item0, s]);
  }
  return out;
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
      if (!isMap(value)) throw new ModuleFailure(`with_dict expects a dict, got ${Array.isArray(value) ? 'a list' : typeof value}`);
      return Object.entries(value).map(([key, v]) => ({ key, value: v }));
    case 'together': {
      const lists = asList(value).map(asList);
      const n = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
    }
    case 'nested': {
      const lists = asList(value).map(asList);
      if (lists.length === 0) throw new ModuleFailure('with_nested requires at least one element in the nested list');
      return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((prefix) => l.map((x) => [...prefix, x])), [[]]);
    }
    case 'subelements':
      return subelements(asList(value));
    case 'sequence':
      return sequence(asList(value));
    case 'flattened':
    case 'community.general.flattened':
      return lookupPlugin(kind)!.run(asList(value), {}, scope);
    case 'pipe':
      // Each command's output, data (task_executor.py wrap_var's a with_ lookup's items): never rendered.
      try {
        return lookupPlugin(kind)!
          .run(asList(value), {}, scope)
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
