/**
 * The `is` tests: `x is defined`, `result is failed`, `v is version('18.09.1', '>=')`,
 * `s is match('^3\.10')`. Also usable by name in select/reject/selectattr.
 */
import { versionMatches } from '../version-compare.js';
import { ExprValueError } from './errors.js';
import { pyRegex, withFlags } from './regex.js';
import type { Args, TestDef } from './signature.js';
import { FILE_TESTS } from './tests-files.js';
import { compare, contains, equals, getMember, isFloat, isInt, isMapping, isNumber, iterate, PyFloat, pyStr, truthy, typeName, UNDEFINED } from './values.js';

function text(v: unknown, test: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new ExprValueError(`the '${test}' test needs a string, got '${typeName(v)}'`);
}

/** Registered results: Ansible's rule is that the test reads one flag of a result mapping. */
function resultFlag(flag: 'failed' | 'changed' | 'skipped' | 'unreachable', test: string): TestDef {
  return {
    fn: (v) => {
      if (!isMapping(v)) throw new ExprValueError(`the '${test}' test expects a registered result (a mapping), got '${typeName(v)}'`);
      const f = getMember(v, flag);
      return f !== UNDEFINED && truthy(f);
    },
  };
}

function regexTest(kind: 'match' | 'search'): TestDef {
  return {
    params: ['pattern', 'ignorecase', 'multiline'],
    required: 1,
    regexArg: 0,
    fn: (v, a) => {
      const re = pyRegex(a.pattern, a);
      // re.match anchors at the start only; the sticky flag does exactly that.
      const r = kind === 'match' ? withFlags(re, 'y') : re;
      r.lastIndex = 0;
      // core.py regex(): to_text(value), so a list, a mapping (a registered result), a bool is searched as Python's str() of it.
      return r.test(pyStr(v));
    },
  };
}

function versionTest(): TestDef {
  return {
    params: ['version', 'operator', 'strict', 'version_type'],
    required: 1,
    fn: (v, a: Args) => {
      const op = a.operator === undefined ? 'eq' : String(a.operator);
      try {
        return versionMatches(text(v, 'version'), op, text(a.version, 'version'));
      } catch (e) {
        if (e instanceof ExprValueError) throw e;
        throw new ExprValueError((e as Error).message);
      }
    },
  };
}

const cmp = (pred: (c: number) => boolean, op: string): TestDef => ({ params: ['other'], required: 1, fn: (v, a) => pred(compare(v, a.other, op)) });
const eq: TestDef = { params: ['other'], required: 1, fn: (v, a) => equals(v, a.other) };
const ne: TestDef = { params: ['other'], required: 1, fn: (v, a) => !equals(v, a.other) };
const num = (v: unknown): number => {
  if (v instanceof PyFloat) return v.value;
  if (typeof v !== 'number') throw new ExprValueError(`the test needs a number, got '${typeName(v)}'`);
  return v;
};

/** core.py started / finished: an async result's 0/1 flag; any other result counts as yes, with 2.14's warning. */
function asyncFlag(flag: 'started' | 'finished'): TestDef {
  return {
    fn: (v) => {
      if (!isMapping(v)) throw new ExprValueError(`The '${flag}' test expects a dictionary`);
      const f = getMember(v, flag);
      if (f !== UNDEFINED) return equals(f, 1);
      process.stderr.write(`[WARNING]: The '${flag}' test expects an async task, but a non-async task was tested\n`);
      return true;
    },
  };
}

/** Python's set() of an iterable: a list or dict item cannot be in a set (TypeError: unhashable type). */
function setItems(v: unknown, what: string): unknown[] {
  const items = iterate(v, what);
  for (const x of items) if (Array.isArray(x) || isMapping(x)) throw new ExprValueError(`unhashable type: '${typeName(x)}'`);
  return items;
}

/** mathstuff.py issubset: `set(a) <= set(b)`. */
const within = (a: unknown, b: unknown, what: string): boolean => {
  const bs = setItems(b, what);
  return setItems(a, what).every((x) => bs.some((y) => equals(x, y)));
};
const subset: TestDef = { params: ['other'], required: 1, fn: (v, a) => within(v, a.other, 'subset') };
const superset: TestDef = { params: ['other'], required: 1, fn: (v, a) => within(a.other, v, 'superset') };
/** mathstuff.py isnotanumber: math.isnan, False for what is not a number. */
const nan: TestDef = { fn: (v) => isNumber(v) && Number.isNaN(Number(v)) };

const failed = resultFlag('failed', 'failed');
const changed = resultFlag('changed', 'changed');
const skipped = resultFlag('skipped', 'skipped');
const succeeded: TestDef = { fn: (v, a, r) => !failed.fn(v, a, r) };
const version = versionTest();

export const TESTS: Record<string, TestDef> = {
  // `defined`/`undefined` receive UNDEFINED instead of the evaluation throwing.
  defined: { acceptsUndefined: true, fn: (v) => v !== UNDEFINED },
  undefined: { acceptsUndefined: true, fn: (v) => v === UNDEFINED },
  none: { fn: (v) => v === null || v === undefined },
  true: { fn: (v) => v === true },
  false: { fn: (v) => v === false },
  boolean: { fn: (v) => typeof v === 'boolean' },
  string: { fn: (v) => typeof v === 'string' },
  // Jinja's test_number is isinstance(value, Number): a bool is one (Python's bool is an int); `integer` excludes it.
  number: { fn: (v) => isNumber(v) || typeof v === 'boolean' },
  integer: { fn: (v) => isInt(v) },
  float: { fn: (v) => isFloat(v) },
  mapping: { fn: (v) => isMapping(v) },
  iterable: { fn: (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v) },
  sequence: { fn: (v) => typeof v === 'string' || Array.isArray(v) || isMapping(v) },
  truthy: { fn: (v) => truthy(v) },
  falsy: { fn: (v) => !truthy(v) },
  lower: { fn: (v) => typeof v === 'string' && v === v.toLowerCase() },
  upper: { fn: (v) => typeof v === 'string' && v === v.toUpperCase() },
  even: { fn: (v) => num(v) % 2 === 0 },
  odd: { fn: (v) => Math.abs(num(v) % 2) === 1 },
  divisibleby: { params: ['num'], required: 1, fn: (v, a) => num(v) % num(a.num) === 0 },
  succeeded,
  success: succeeded,
  successful: succeeded, // ansible-core 2.14 plugins/test/core.py: a third name for the same test
  failed,
  failure: failed,
  changed,
  change: changed,
  skipped,
  skip: skipped,
  match: regexTest('match'),
  search: regexTest('search'),
  regex: {
    params: ['pattern', 'ignorecase', 'multiline', 'match_type'],
    required: 1,
    regexArg: 0,
    fn: (v, a, r) => (a.match_type === 'match' ? TESTS.match : TESTS.search).fn(v, a, r),
  },
  version,
  version_compare: version,
  in: { params: ['seq'], required: 1, fn: (v, a) => contains(a.seq, v) },
  contains: { params: ['item'], required: 1, fn: (v, a) => contains(v, a.item) },
  eq,
  equalto: eq,
  '==': eq,
  ne,
  '!=': ne,
  lt: cmp((c) => c < 0, '<'),
  '<': cmp((c) => c < 0, '<'),
  le: cmp((c) => c <= 0, '<='),
  '<=': cmp((c) => c <= 0, '<='),
  gt: cmp((c) => c > 0, '>'),
  '>': cmp((c) => c > 0, '>'),
  ge: cmp((c) => c >= 0, '>='),
  '>=': cmp((c) => c >= 0, '>='),
  greaterthan: cmp((c) => c > 0, '>'),
  lessthan: cmp((c) => c < 0, '<'),
  // Python's `is`: None, True and False are one object each; a list or mapping is itself only.
  sameas: { params: ['other'], required: 1, fn: (v, a) => v === a.other || (v == null && a.other == null) },
  // core.py: the builtins any() and all() over the value's items.
  any: { fn: (v) => iterate(v, 'any').some(truthy) },
  all: { fn: (v) => iterate(v, 'all').every(truthy) },
  subset,
  issubset: subset,
  superset,
  issuperset: superset,
  nan,
  isnan: nan,
  unreachable: resultFlag('unreachable', 'unreachable'),
  reachable: { fn: (v, a, r) => !TESTS.unreachable.fn(v, a, r) },
  started: asyncFlag('started'),
  finished: asyncFlag('finished'),
  // A vault-encrypted value is the only kind that says yes; nodemend refuses `!vault` at load.
  vault_encrypted: { fn: () => false },
  ...FILE_TESTS,
};
