/**
 * Tree-walking evaluator. Nothing here executes code: variables are looked up in the
 * scope with values.ts's prototype-safe rules, and filters/tests come from fixed tables.
 *
 * Undefined: reading a missing variable, key or index throws UndefinedVariableError,
 * which only `is defined`/`is undefined`, `default`/`mandatory` catch (for their input).
 * Every other exception — FactNeeded from a lazy fact Proxy above all — passes through.
 *
 * Lazy templating (Ansible's rule): a string read from a variable, key or index that
 * contains "{{" is rendered in the same scope when read, so `vars: {b: "{{ a }}-x"}`
 * works wherever `b` is used. Containers are not walked: their strings render as they
 * are read. Unsafe values (host output, see unsafe.ts) are never rendered: what is read
 * from them is data, and containers built from them are marked unsafe in turn.
 */
import type { SourcePos } from '../errors.js';
import { NodemendError } from '../errors.js';
import type { Call, Node } from './ast.js';
import { ExprValueError, UndefinedVariableError } from './errors.js';
import { lookupCall } from './calls.js';
import { Macro } from './macro.js';
import type { TemplateLoader } from './statements.js';
import { GLOBALS } from './globals.js';
import { givesNativeText } from './fqcn.js';
import { memberStrShape, noteItemsRead, passThrough, strShape, varStrShape, type StrShape } from './str-class.js';
import { bind, type FilterDef, type InputInfo, type TestDef } from './signature.js';
import { hasTemplate, renderLazy } from './template-string.js';
import { isUnsafe, markUnsafe, noteUnsafeRead, trackUnsafeContainer, unsafeReadCount, unwrapUnsafe, UnsafeText } from './unsafe.js';
import { LOOKUP_SCOPE, LookupNotYet, lookupPlugin, lookupValue } from './lookups.js';
import {
  compare,
  contains,
  copyKeyTypes,
  equals,
  factKeyOf,
  keyName,
  propertyOf,
  pyKeyOf,
  pyRepr,
  setPyKey,
  getMember,
  INJECTS_AS_VARS,
  isFloat,
  isOpaque,
  markMade,
  pyFloat,
  PyFloat,
  pyStr,
  setKey,
  truthy,
  tuple,
  typeName,
  UNDEFINED,
  type Mapping,
} from './values.js';
import { percentFormat } from './filters-printf.js';

export interface EvalContext {
  source: string;
  /** File position of an offset into `source` (undefined when the source has no position). */
  posAt(offset: number): SourcePos | undefined;
  /** Template files: where `{% include %}` / `{% import %}` find templates. */
  loader?: TemplateLoader;
}

type Scope = Record<string, unknown>;

function fail(ctx: EvalContext, offset: number, message: string): never {
  throw new NodemendError('expression', message, ctx.posAt(offset));
}

/** The expression as written, to name what was undefined. */
const written = (node: Node, ctx: EvalContext): string => (node.kind === 'variable' ? node.name : ctx.source.slice(node.start, node.end).trim());

function undefinedAt(node: Node, ctx: EvalContext): never {
  throw new UndefinedVariableError(written(node, ctx), ctx.posAt(node.start));
}

/**
 * What the last variable or member read of one evaluation gave, for type_debug. `rendered`: it was a
 * template rendered into new text ("{{ a }}-x"): Templar returns a plain str for it, where a value
 * written in YAML (or passed through alone, "{{ a }}") stays AnsibleUnicode. `shape`: which strings
 * of the value are a Python str (str-class.ts). Each evaluation has its own; a template that a read
 * renders shares its reader's, so reading b = "{{ a }}" tells what reading `a` told.
 */
export interface Reads {
  rendered: boolean;
  shape: StrShape;
}

/** A read value: UNDEFINED becomes the error, a templated string is rendered unless it is data from a host. */
function read(v: unknown, node: Node, scope: Scope, ctx: EvalContext, reads: Reads, fromUnsafe = false): unknown {
  const out = readValue(v, node, scope, ctx, reads, fromUnsafe);
  if (typeof v === 'string' && hasTemplate(v) && !isUnsafe(v)) reads.rendered = reads.rendered || passThrough(v) === undefined;
  else reads.rendered = false;
  return out;
}

function readValue(v: unknown, node: Node, scope: Scope, ctx: EvalContext, reads: Reads, fromUnsafe: boolean): unknown {
  if (v === UNDEFINED) undefinedAt(node, ctx);
  if (v instanceof UnsafeText) {
    noteUnsafeRead();
    return v.text;
  }
  if (fromUnsafe || isUnsafe(v)) {
    noteUnsafeRead();
    return typeof v === 'string' ? v : markUnsafe(v); // a container read from host data is host data
  }
  if (typeof v === 'string') return hasTemplate(v) ? renderLazy(v, scope, written(node, ctx), ctx.posAt(node.start), reads) : v;
  return hasNestedTemplate(v, 0) ? renderNested(v, (s) => renderLazy(s, scope, written(node, ctx), ctx.posAt(node.start))) : v;
}

/** A plain list or mapping of the playbook's own data (not a host's, not a computed view). */
function walkable(v: unknown): v is unknown[] | Record<string, unknown> {
  if (typeof v !== 'object' || v === null || isUnsafe(v) || isOpaque(v)) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether a list or mapping holds a template string at any depth (as Ansible's Templar templates containers through). */
function hasNestedTemplate(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return hasTemplate(v);
  if (depth > 32 || !walkable(v)) return false;
  return (Array.isArray(v) ? v : Object.values(v)).some((x) => hasNestedTemplate(x, depth + 1));
}

/** The container with each template string in it rendered (a copy; keys as they are). */
function renderNested(v: unknown, render: (s: string) => unknown): unknown {
  if (typeof v === 'string') return hasTemplate(v) ? render(v) : v;
  if (!walkable(v)) return v;
  if (Array.isArray(v)) return v.map((x) => renderNested(x, render));
  const out: Mapping = {};
  for (const [k, x] of Object.entries(v)) setKey(out, k, renderNested(x, render));
  return copyKeyTypes(v, out);
}

/** Evaluate, turning an UndefinedVariableError into UNDEFINED (for `is defined` and `default`). */
function evaluateMaybe(node: Node, scope: Scope, ctx: EvalContext, reads: Reads): { value: unknown; error?: UndefinedVariableError } {
  try {
    return { value: evaluate(node, scope, ctx, reads) };
  } catch (e) {
    if (e instanceof UndefinedVariableError && !e.used) return { value: UNDEFINED, error: e };
    throw e;
  }
}

/**
 * An operand an operation uses (a method called on it, a filter, arithmetic, a comparison, `not`,
 * `and`/`or`'s left side, a condition, a key): an undefined one fails there, as 2.14's
 * AnsibleUndefined does when called, compared, added or made a bool, so no `default` or `is defined`
 * further out takes it (`nope.keys() | default([])` fails with "'nope' is undefined"). Only a chain
 * of names, attributes and items (and a variable's own template) stays undefined for them.
 */
function operand(node: Node, scope: Scope, ctx: EvalContext, reads: Reads): unknown {
  try {
    return evaluate(node, scope, ctx, reads);
  } catch (e) {
    if (e instanceof UndefinedVariableError) e.used = true;
    throw e;
  }
}

const num = (v: unknown): v is number | boolean | PyFloat => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;

/** Python 3.11's ZeroDivisionError messages: [int, float]. */
const ZERO_DIVISION: Record<string, [string, string]> = {
  '/': ['division by zero', 'float division by zero'],
  '//': ['integer division or modulo by zero', 'float floor division by zero'],
  '%': ['integer modulo by zero', 'float modulo'],
};

/** Python's int/float arithmetic: ints (and bools) give ints, a float on either side a float; `/` always a float. */
function numeric(op: string, a: number | boolean | PyFloat, b: number | boolean | PyFloat, ctx: EvalContext, at: number): unknown {
  const [x, y] = [Number(a), Number(b)];
  const float = isFloat(a) || isFloat(b);
  if (y === 0 && ZERO_DIVISION[op]) fail(ctx, at, ZERO_DIVISION[op][float ? 1 : 0]);
  let r: number;
  switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
      return pyFloat(x / y);
    case '//':
      r = Math.floor(x / y);
      break;
    case '%':
      r = x - y * Math.floor(x / y); // Python: the sign follows the divisor
      break;
    case '**':
      if (x === 0 && y < 0) fail(ctx, at, '0.0 cannot be raised to a negative power');
      r = x ** y;
      // int ** negative int is a float in Python.
      return float || y < 0 ? pyFloat(r) : r;
    default:
      return fail(ctx, at, `unsupported operator ${op}`);
  }
  return float ? pyFloat(r) : r;
}

function arithmetic(op: string, a: unknown, b: unknown, ctx: EvalContext, at: number, tuple = false): unknown {
  if (op === '~') return pyStr(a) + pyStr(b); // Python's str(): none is 'None', true 'True'
  const bad = (): never => fail(ctx, at, `unsupported operand types for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
  if (num(a) && num(b)) return numeric(op, a, b, ctx, at);
  if (op === '%' && (typeof a === 'string' || a instanceof UnsafeText)) {
    // Jinja's % on a str is Python's printf: `'%s-%d' % (a, b)`, `'%(k)s' % d`.
    try {
      return percentFormat(typeof a === 'string' ? a : a.text, b, tuple);
    } catch (e) {
      if (e instanceof ExprValueError) fail(ctx, at, e.message);
      throw e;
    }
  }
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return markMade([...a, ...b]);
  }
  if (op === '*') {
    const [seq, n] = num(b) ? [a, b] : [b, a];
    if ((typeof n === 'number' && Number.isInteger(n)) || typeof n === 'boolean') {
      const k = Number(n);
      if (typeof seq === 'string') return seq.repeat(Math.max(0, k));
      if (Array.isArray(seq)) return Array.from({ length: Math.max(0, k) }, () => seq).flat(1);
    }
    if (n instanceof PyFloat && (typeof seq === 'string' || Array.isArray(seq))) fail(ctx, at, `can't multiply sequence by non-int of type 'float'`);
  }
  return bad();
}

function comparison(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
  }
  const c = compare(a, b, op);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** Python slicing: negative bounds count from the end, a negative step walks backwards. */
function slice(v: unknown, from: unknown, to: unknown, step: unknown, ctx: EvalContext, at: number): unknown {
  if (typeof v !== 'string' && !Array.isArray(v)) fail(ctx, at, `'${typeName(v)}' object cannot be sliced`);
  const seq: unknown[] = typeof v === 'string' ? [...v] : v;
  const bound = (x: unknown, what: string): number | undefined => {
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x)) fail(ctx, at, `slice ${what} must be an integer, got '${typeName(x)}'`);
    return x;
  };
  const st = bound(step, 'step') ?? 1;
  if (st === 0) fail(ctx, at, 'slice step cannot be zero');
  const len = seq.length;
  const norm = (x: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (x === undefined) return dflt;
    const i = x < 0 ? x + len : x;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    for (let i = norm(bound(from, 'start'), 0, 0, len); i < norm(bound(to, 'end'), len, 0, len); i += st) out.push(seq[i]);
  } else {
    for (let i = norm(bound(from, 'start'), len - 1, -1, len - 1); i > norm(bound(to, 'end'), -1, -1, len - 1); i += st) out.push(seq[i]);
  }
  return typeof v === 'string' ? out.join('') : out;
}

/** The call's arguments; with `maybeUndefined`, an undefined one is UNDEFINED and the first such error is kept. */
function callArgs(call: Call, scope: Scope, ctx: EvalContext, reads: Reads, maybeUndefined = false): { args: unknown[]; kwargs: [string, unknown][]; error?: UndefinedVariableError } {
  let error: UndefinedVariableError | undefined;
  const value = (n: Node): unknown => {
    if (!maybeUndefined) return evaluate(n, scope, ctx, reads);
    const r = evaluateMaybe(n, scope, ctx, reads);
    error ??= r.error;
    return r.value;
  };
  return { args: call.args.map(value), kwargs: call.kwargs.map(([k, v]) => [k, value(v)] as [string, unknown]), error };
}

/** A filter or test call: the input (maybe undefined), the bound arguments, errors placed at the call. */
function applyCall(node: Node & Call & { input: Node }, def: FilterDef | TestDef, scope: Scope, ctx: EvalContext, reads: Reads): unknown {
  const readsBefore = unsafeReadCount();
  reads.rendered = false;
  // A filter or method uses its input: an undefined one fails there. A test's input is read as before.
  const input = def.acceptsUndefined
    ? evaluateMaybe(node.input, scope, ctx, reads)
    : { value: node.kind === 'test' ? evaluate(node.input, scope, ctx, reads) : operand(node.input, scope, ctx, reads) };
  let info: InputInfo | undefined;
  if (def.describesInput) {
    const unsafe = unsafeReadCount() !== readsBefore;
    const fromVariable = (node.input.kind === 'variable' || node.input.kind === 'member') && !reads.rendered;
    const nativeText = node.input.kind === 'filter' && givesNativeText(node.input.name);
    const undefinedName = 'error' in input && input.error instanceof UndefinedVariableError ? input.error.undefinedName : undefined;
    info = { unsafe, fromVariable, nativeText, undefinedName, read: (v) => read(v, node.input, scope, ctx, reads, unsafe || isUnsafe(input.value)) };
  }
  const { args, kwargs, error: argError } = callArgs(node, scope, ctx, reads, def.argsMayBeUndefined);
  const { named, rest } = bind(def, args, kwargs);
  let result: unknown;
  try {
    result = def.fn(input.value, named, rest, info);
  } catch (e) {
    if (e instanceof ExprValueError) {
      const named = e.exact || e.message.startsWith(node.name) || e.message.includes(`'${node.name}'`);
      fail(ctx, node.nameStart, named ? e.message : `${node.name}: ${e.message}`);
    }
    if (e instanceof UndefinedVariableError && !e.pos) throw new UndefinedVariableError(e.variable, ctx.posAt(node.start), e.message);
    throw e;
  }
  if (result === UNDEFINED) {
    if (argError) throw argError;
    if (input.error) throw input.error; // an undefined input passed through: report the variable itself
    undefinedAt(node, ctx);
  }
  return result;
}

/**
 * lookup()/query(): the plugin's list, joined by lookup() as Ansible's `_lookup` does. A result
 * that is not empty is unsafe there (wrap_var): counted as a read of data, containers marked.
 */
function runLookup(node: Node & Call & { wantList: boolean }, scope: Scope, ctx: EvalContext, reads: Reads): unknown {
  // 2.14's _lookup templates the terms again (listify_lookup_plugin_terms): a template in a term's text,
  // `lookup('file', '{{ role_path }}/x')`, is rendered in the task's scope; a term that read host data (unsafe) never is.
  const terms = node.args.map((n) => {
    const before = unsafeReadCount();
    const a = evaluate(n, scope, ctx, reads);
    const unsafe = unsafeReadCount() !== before;
    return typeof a === 'string' && !unsafe && hasTemplate(a) ? renderLazy(a, scope, `lookup('${node.name}')`, ctx.posAt(n.start)) : a;
  });
  const kwargs = node.kwargs.map(([k, v]) => [k, evaluate(v, scope, ctx, reads)] as const);
  // `errors` is _lookup's own keyword (template/__init__.py pops it, default 'strict'): the plugin never sees it.
  const errors = unwrapUnsafe(kwargs.find(([k]) => k === 'errors')?.[1]);
  let ran: unknown[];
  try {
    const vars = ((scope as Record<symbol, unknown>)[LOOKUP_SCOPE] as Scope | undefined) ?? scope;
    // lookup('vars', name): the variable read as `{{ name }}` reads it (its templates rendered).
    const readVar = (name: string): unknown => evaluate({ kind: 'variable', name, start: node.start, end: node.end }, vars, ctx, reads);
    ran = lookupPlugin(node.name)!.run(terms.map(unwrapUnsafe), Object.fromEntries(kwargs.filter(([k]) => k !== 'errors').map(([k, v]) => [k, unwrapUnsafe(v)])), vars, readVar);
  } catch (e) {
    if (e instanceof ExprValueError && !(e instanceof LookupNotYet)) {
      const message = `lookup plugin '${node.name}': ${e.message}`;
      // errors='warn' / 'ignore': the failure becomes None (lookup) or [] (query); warn says so on stderr, as display.warning does.
      if (errors === 'warn' || errors === 'ignore') {
        if (errors === 'warn') process.stderr.write(`[WARNING]: Lookup failed but the error is being ignored: ${message}\n`);
        return node.wantList ? [] : null;
      }
      fail(ctx, node.nameStart, message);
    }
    throw e;
  }
  if (ran.length === 0) return ran;
  noteUnsafeRead();
  const v = node.wantList ? ran : lookupValue(ran);
  return typeof v === 'object' && v !== null ? markUnsafe(v) : v;
}

/** Evaluate `node`; `reads` is the evaluation's own record of its last read (a new one unless a read's template shares its reader's). */
export function evaluate(node: Node, scope: Scope, ctx: EvalContext, reads: Reads = { rendered: false, shape: false }): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'variable': {
      let v = getMember(scope, node.name);
      let fromFacts = false;
      if (v === UNDEFINED && node.name.startsWith('ansible_')) {
        const facts = scope.ansible_facts as Record<symbol, unknown> | undefined;
        if (facts?.[INJECTS_AS_VARS]) {
          v = getMember(facts, factKeyOf(node.name));
          // A fact is what the host said, read as `ansible_facts.x` is: data, never rendered.
          fromFacts = isUnsafe(facts);
        }
      }
      const out = read(v, node, scope, ctx, reads, fromFacts);
      // A variable that holds a Python str (a set_fact rendered into text, -e k=v), or a list or dict
      // whose strings are (one a template gave), is no AnsibleUnicode, nor are those strings.
      reads.shape = varStrShape(scope, node.name, out) || (out !== v && !fromFacts && !isUnsafe(v) && strShape(v, out, scope, hasTemplate));
      if (reads.shape === true) reads.rendered = true;
      return out;
    }
    case 'member': {
      const obj = evaluate(node.object, scope, ctx, reads);
      const objShape = node.object.kind === 'variable' || node.object.kind === 'member' ? reads.shape : false;
      const key = operand(node.key, scope, ctx, reads);
      const out = read(getMember(obj, key), node, scope, ctx, reads, isUnsafe(obj));
      reads.shape = memberStrShape(objShape, key);
      if (reads.shape === true) reads.rendered = true;
      return out;
    }
    case 'slice':
      return trackUnsafeContainer(() => {
        const [from, to, step] = [node.from, node.to, node.step].map((n) => (n ? evaluate(n, scope, ctx, reads) : undefined));
        return slice(evaluate(node.object, scope, ctx, reads), from, to, step, ctx, node.start);
      });
    case 'list':
      return trackUnsafeContainer(() => {
        const read: boolean[] = [];
        const out = node.items.map((n) => {
          reads.rendered = false;
          const v = evaluate(n, scope, ctx, reads);
          read.push((n.kind === 'variable' || n.kind === 'member') && !reads.rendered);
          return v;
        });
        noteItemsRead(out, read);
        return node.tuple ? tuple(out) : markMade(out);
      });
    case 'dict':
      return trackUnsafeContainer(() => {
        const out: Mapping = {};
        for (const [k, v] of node.entries) {
          const key = evaluate(k, scope, ctx, reads);
          if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean' && key !== null && !(key instanceof PyFloat))
            fail(ctx, k.start, `a dict key must be a string or a number, got '${typeName(key)}'`);
          const value = evaluate(v, scope, ctx, reads);
          // A key equal to one already there (`1` after `true`: 1 == True) replaces its value, the first key kept, as in Python.
          const same = typeof key === 'string' ? undefined : propertyOf(out, key);
          if (same !== undefined) {
            setKey(out, same, value);
            continue;
          }
          if (Object.prototype.hasOwnProperty.call(out, keyName(key)))
            fail(ctx, k.start, `this dict has both the key ${pyRepr(key)} and ${pyRepr(pyKeyOf(out, keyName(key)))}: 2.14 keeps two keys, nodemend one (keys of one mapping must differ as text)`);
          setPyKey(out, key, value);
        }
        return markMade(out);
      });
    case 'unary': {
      const v = operand(node.operand, scope, ctx, reads);
      if (node.op === 'not') return !truthy(v);
      if (!num(v)) fail(ctx, node.start, `bad operand type for unary ${node.op}: '${typeName(v)}'`);
      if (v instanceof PyFloat) return node.op === '-' ? new PyFloat(-v.value) : v;
      return node.op === '-' ? -Number(v) : Number(v);
    }
    case 'binary':
      return arithmetic(node.op, operand(node.left, scope, ctx, reads), operand(node.right, scope, ctx, reads), ctx, node.opStart, node.right.kind === 'list' && node.right.tuple);
    case 'logical': {
      // Python's and/or: short-circuit, and the result is an operand, not a bool.
      const left = operand(node.left, scope, ctx, reads);
      if (node.op === 'and' ? !truthy(left) : truthy(left)) return left;
      return evaluate(node.right, scope, ctx, reads);
    }
    case 'compare': {
      let left = operand(node.first, scope, ctx, reads);
      for (const { op, right, opStart } of node.rest) {
        const r = operand(right, scope, ctx, reads);
        let ok: boolean;
        try {
          ok = comparison(op, left, r);
        } catch (e) {
          if (e instanceof ExprValueError) fail(ctx, opStart, e.message);
          throw e;
        }
        if (!ok) return false;
        left = r;
      }
      return true;
    }
    case 'conditional':
      if (truthy(operand(node.condition, scope, ctx, reads))) return evaluate(node.then, scope, ctx, reads);
      return node.otherwise ? evaluate(node.otherwise, scope, ctx, reads) : null;
    case 'filter':
    case 'method':
      return trackUnsafeContainer(() => applyCall(node, lookupCall(node.kind, node.name)!, scope, ctx, reads));
    case 'test': {
      const ok = applyCall(node, lookupCall('test', node.name)!, scope, ctx, reads) as boolean;
      return node.negated ? !ok : ok;
    }
    case 'lookup':
      return runLookup(node, scope, ctx, reads);
    case 'call': {
      const fn = evaluate(node.callee, scope, ctx, reads);
      if (!(fn instanceof Macro)) fail(ctx, node.start, `'${written(node.callee, ctx)}' is not callable (a '${typeName(fn)}', not a macro)`);
      const { args, kwargs } = callArgs({ name: fn.name, nameStart: node.start, args: node.args, kwargs: node.kwargs }, scope, ctx, reads);
      try {
        return fn.invoke(args, kwargs);
      } catch (e) {
        if (e instanceof ExprValueError) fail(ctx, node.start, e.message);
        throw e;
      }
    }
    case 'global': {
      const args = node.args.map((n) => evaluate(n, scope, ctx, reads));
      const kwargs: Mapping = {};
      for (const [k, v] of node.kwargs) kwargs[k] = evaluate(v, scope, ctx, reads);
      try {
        return GLOBALS[node.name](args, kwargs);
      } catch (e) {
        if (e instanceof ExprValueError) fail(ctx, node.nameStart, e.message);
        throw e;
      }
    }
  }
}
