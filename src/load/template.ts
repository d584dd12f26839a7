/**
 * Template files (the `template` module): `.hbs` / `.handlebars` files are Handlebars, every
 * other file is Jinja as in Ansible (the expression language's statements and filters,
 * src/load/expr/statements.ts, with the module's trim_blocks / lstrip_blocks).
 *
 * Handlebars: one environment, strict:
 * a missing variable is an error naming the file, line and column, never an empty
 * string in a config file. Output is not HTML-escaped (noEscape).
 *
 * Handlebars' strict mode checks plain `{{name}}` lookups only; arguments of helpers
 * are checked by the helpers below (an undefined argument is an error, except the
 * first argument of `default`). Built-in `{{#if x}}` / `{{#each x}}` stay lenient:
 * a missing `x` is false / empty, as in Ansible's Jinja.
 *
 * Variables are seen through a read-only view (viewOf): lookups use the expression
 * language's prototype-safe rules, a var value containing "{{ }}" is rendered first
 * (as everywhere else), and a lazy fact Proxy's FactNeeded passes through untouched,
 * so the runner can fetch the fact and render again.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import Handlebars from 'handlebars';
import { NodemendError } from './errors.js';
import { compileTemplateFile, hasTemplate, UndefinedVariableError } from './expr/index.js';
import { ExprValueError } from './expr/errors.js';
import { renderLazy } from './expr/template-string.js';
import { isUnsafe, UnsafeText } from './expr/unsafe.js';
import { contains, equals, compare, getMember, hasKey, isMapping, iterate, keysOf, toPlain, toText, truthy, UNDEFINED } from './expr/values.js';
import { versionMatches } from './version-compare.js';
import { quote } from '../transport/quote.js';

const hbs = Handlebars.create();
const OPTIONS = { strict: true, noEscape: true } as const;

type Loc = { start: { line: number; column: number } };
type HelperOptions = Handlebars.HelperOptions & { loc?: Loc; name?: string };

/** A helper got `undefined` for argument `index`: the caller finds which variable that was from the AST. */
class MissingArgument extends Error {
  constructor(
    readonly index: number,
    readonly loc: Loc | undefined,
  ) {
    super('missing helper argument');
  }
}

/** A helper's own complaint (bad value), reported with the template file. */
class HelperError extends Error {}

/**
 * Register `fn` as a helper taking `min`..`max` arguments that rejects undefined ones
 * (except those in `lenient`). Used as a block (`{{#eq a b}}yes{{else}}no{{/eq}}`), a
 * predicate picks the branch.
 */
function helper(name: string, [min, max]: [number, number], fn: (...args: unknown[]) => unknown, opts: { lenient?: number[]; predicate?: boolean } = {}): void {
  hbs.registerHelper(name, function (this: unknown, ...all: unknown[]) {
    const options = all.pop() as HelperOptions;
    if (all.length < min || all.length > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new HelperError(`helper "${name}" takes ${want} argument${want === '1' ? '' : 's'}, got ${all.length}`);
    }
    all.forEach((a, i) => {
      if (a === undefined && !opts.lenient?.includes(i)) throw new MissingArgument(i, options.loc);
    });
    let result: unknown;
    try {
      result = fn(...all, options);
    } catch (e) {
      // Bad values (compare 1 < "a", an invalid version operator...): the helper's fault, reported as such.
      if (e instanceof ExprValueError || (e instanceof Error && e.constructor === Error)) throw new HelperError(`helper "${name}": ${e.message}`);
      throw e;
    }
    if (opts.predicate && options.fn) return truthy(result) ? options.fn(this) : options.inverse(this);
    return result;
  });
}

const str = (v: unknown): string => toText(v);

// eq a b / ne a b: deep equality with the expression language's rules (1 == 1.0, lists item by item).
helper('eq', [2, 2], (a, b) => equals(a, b), { predicate: true });
helper('ne', [2, 2], (a, b) => !equals(a, b), { predicate: true });
// lt a b / gt a b: numbers with numbers, strings with strings (anything else is an error).
helper('lt', [2, 2], (a, b) => compare(a, b, '<') < 0, { predicate: true });
helper('gt', [2, 2], (a, b) => compare(a, b, '>') > 0, { predicate: true });
// and a b ... / or a b ... / not a: Python truthiness (empty list, empty string, 0, null are false).
helper('and', [1, Infinity], (...a) => a.slice(0, -1).every(truthy), { predicate: true });
helper('or', [1, Infinity], (...a) => a.slice(0, -1).some(truthy), { predicate: true });
helper('not', [1, 1], (a) => !truthy(a), { predicate: true });
// default value fallback: the fallback when value is undefined or null.
helper('default', [2, 2], (v, d) => (v === undefined || v === null ? d : v), { lenient: [0] });
// join list [sep]: items as text joined by sep (default ",").
helper('join', [1, 2], (list, ...rest) =>
  iterate(list, 'join')
    .map(str)
    .join(rest.length > 1 ? str(rest[0]) : ','),
);
// json value [indent]: JSON text (compact, or indented by `indent` spaces).
helper('json', [1, 2], (v, ...rest) => JSON.stringify(toPlain(v), null, rest.length > 1 ? Number(rest[0]) : undefined) ?? 'null');
// upper s / lower s.
helper('upper', [1, 1], (s) => str(s).toUpperCase());
helper('lower', [1, 1], (s) => str(s).toLowerCase());
// indent text [n] [first=true] [blank=true]: indent lines after the first by n spaces (default 4, as Jinja's indent);
// first=true indents the first line too, blank=true indents empty lines too.
helper('indent', [1, 2], (text, ...rest) => {
  const options = rest.pop() as HelperOptions;
  const width = rest.length ? Number(rest[0]) : 4;
  if (!Number.isInteger(width) || width < 0) throw new Error(`width must be a whole number, got ${JSON.stringify(rest[0])}`);
  const pad = ' '.repeat(width);
  const hash = options.hash ?? {};
  return str(text)
    .split('\n')
    .map((line, i) => ((i > 0 || hash.first) && (line !== '' || hash.blank) ? pad + line : line))
    .join('\n');
});
// version_gte a b / version_lt a b: package/kernel version order (src/load/version-compare.ts).
helper('version_gte', [2, 2], (a, b) => versionMatches(str(a), '>=', str(b)), { predicate: true });
helper('version_lt', [2, 2], (a, b) => versionMatches(str(a), '<', str(b)), { predicate: true });
// contains haystack needle: substring, list item, or mapping key.
helper('contains', [2, 2], (h, n) => contains(h, n), { predicate: true });
// quote s: POSIX shell quoting for a command line in a script (src/transport/quote.ts).
helper('quote', [1, 1], (s) => quote(str(s)));

/**
 * What the template sees for a value: mappings as read-only Proxies that look keys up
 * with getMember (no prototype access; a fact Proxy's FactNeeded passes through),
 * templated strings rendered, lists copied with their items viewed. Unsafe values (host
 * output, src/load/expr/unsafe.ts) and everything inside them are never rendered.
 */
function viewOf(v: unknown, scope: Record<string, unknown>, name: string, unsafe = false): unknown {
  if (v instanceof UnsafeText) return v.text;
  if (!unsafe && isUnsafe(v)) unsafe = true;
  if (typeof v === 'string') {
    if (!hasTemplate(v) || unsafe) return v;
    // Rendered once, as the evaluator does: a string it yields (host output, {% raw %}) is final.
    const r = renderLazy(v, scope, name, undefined);
    return typeof r === 'string' ? r : viewOf(r, scope, name);
  }
  if (Array.isArray(v)) return v.map((x, i) => viewOf(x, scope, `${name}[${i}]`, unsafe));
  if (!isMapping(v)) return v;
  const read = (k: string | symbol): unknown => {
    if (typeof k !== 'string') return undefined;
    const x = getMember(v, k);
    return x === UNDEFINED ? undefined : viewOf(x, scope, name ? `${name}.${k}` : k, unsafe);
  };
  return new Proxy({} as Record<string, unknown>, {
    // Handlebars puts the object in its "not defined in <obj>" message: it must convert to text.
    get: (_t, k) => (k === Symbol.toPrimitive ? () => '[object]' : read(k)),
    has: (_t, k) => typeof k === 'string' && hasKey(v, k),
    ownKeys: () => keysOf(v),
    getOwnPropertyDescriptor: (_t, k) => (typeof k === 'string' && hasKey(v, k) ? { value: read(k), enumerable: true, configurable: true, writable: false } : undefined),
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

type Program = ReturnType<typeof hbs.parse>;
type AstNode = { type: string; loc?: Loc; params?: AstNode[]; original?: unknown; [k: string]: unknown };

interface AstIndex {
  /** For each helper call (keyed by "line:column"), its argument nodes: to name the one that was undefined. */
  calls: Map<string, AstNode[]>;
  /** Every path (`a.b.c`) in the template, in order. */
  paths: AstNode[];
}

function indexAst(ast: Program): AstIndex {
  const index: AstIndex = { calls: new Map(), paths: [] };
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const node = n as AstNode;
    if (node.params && node.loc) index.calls.set(`${node.loc.start.line}:${node.loc.start.column}`, node.params);
    if (node.type === 'PathExpression') index.paths.push(node);
    for (const key of ['body', 'program', 'inverse', 'params', 'hash', 'pairs', 'value', 'path']) walk(node[key]);
  };
  walk(ast);
  return index;
}

interface Compiled extends AstIndex {
  render: Handlebars.TemplateDelegate;
  lines: string[];
}

const HB_LOC = / - (\d+):(\d+)$/;

/** Handlebars' parse errors carry the line in the message ("Parse error on line 3: ..."); others have lineNumber. */
function syntaxError(e: unknown, file: string): NodemendError {
  const err = e as Error & { lineNumber?: number; column?: number };
  const parse = /^Parse error on line (\d+):\n.*\n.*\n(.*)$/s.exec(err.message);
  if (parse) {
    const got = /got '(\w+)'/.exec(parse[2])?.[1];
    const what = got === 'EOF' ? 'unexpected end of template (a {{#block}} without its {{/block}}?)' : `unexpected ${got ?? 'token'}: ${parse[2]}`;
    return new NodemendError('template', `syntax error: ${what}`, { file, line: Number(parse[1]) });
  }
  const line = err.lineNumber;
  const msg = err.message.replace(HB_LOC, '');
  return new NodemendError('template', `syntax error: ${msg}`, line ? { file, line, col: (err.column ?? 0) + 1 } : { file });
}

/** Handlebars syntax this environment has nothing for (no partials or decorators are registered): refused at load, not at the host. */
const UNSUPPORTED: Record<string, string> = {
  PartialStatement: 'partials ({{> name}})',
  PartialBlockStatement: 'partial blocks ({{#> name}})',
  Decorator: 'decorators ({{* name}})',
  DecoratorBlock: 'decorator blocks ({{#* name}})',
};

function refuseUnsupported(ast: Program, file: string): void {
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const node = n as AstNode;
    const what = UNSUPPORTED[node.type];
    if (what) throw new NodemendError('template', `${what} are not supported in .hbs templates`, node.loc ? { file, line: node.loc.start.line, col: node.loc.start.column + 1 } : { file });
    for (const key of ['body', 'program', 'inverse']) walk(node[key]);
  };
  walk(ast);
}

function compileSource(src: string, file: string): Compiled {
  let ast: Program;
  try {
    ast = hbs.parse(src);
  } catch (e) {
    throw syntaxError(e, file);
  }
  refuseUnsupported(ast, file);
  return { render: hbs.compile(ast, OPTIONS), ...indexAst(ast), lines: src.split('\n') };
}

/** Turn Handlebars' runtime errors into file:line:col errors; anything else (FactNeeded) passes through. */
function runtimeError(e: unknown, c: Compiled, file: string): unknown {
  if (e instanceof MissingArgument) {
    const arg = e.loc && c.calls.get(`${e.loc.start.line}:${e.loc.start.column}`)?.[e.index];
    if (arg?.loc) {
      return new NodemendError('template', `variable "${String(arg.original)}" is not defined`, { file, line: arg.loc.start.line, col: arg.loc.start.column + 1 });
    }
    return new NodemendError('template', `a helper argument is not defined`, e.loc ? { file, line: e.loc.start.line, col: e.loc.start.column + 1 } : { file });
  }
  if (e instanceof HelperError) return new NodemendError('template', e.message, { file });
  // A var value's own "{{ }}" used something undefined.
  if (e instanceof UndefinedVariableError) return new NodemendError('template', e.message, { file });
  if (e instanceof NodemendError && !e.pos) return new NodemendError(e.code, e.message, { file });
  const err = e as Error & { lineNumber?: number; column?: number };
  const strict = e instanceof Error && /^"(.*)" not defined in /.exec(err.message);
  if (strict && err.lineNumber) {
    const col = err.column ?? 0;
    // The whole path as written ("a.b.c"), not just the last part Handlebars names.
    const rest = c.lines[err.lineNumber - 1]?.slice(col) ?? '';
    const path = /^[^\s}()]+/.exec(rest)?.[0] ?? strict[1];
    const isCall = /^[^\s}()]+\s+[^\s}]/.test(rest);
    const what = isCall ? `helper or variable "${path}" is not defined` : `variable "${path}" is not defined`;
    return new NodemendError('template', what, { file, line: err.lineNumber, col: col + 1 });
  }
  // Strict mode on a string (`{{name.length}}`) trips over `'length' in "node1"`: the same error, found by name.
  const inString = e instanceof TypeError && /^Cannot use 'in' operator to search for '(.*)' in /.exec(e.message);
  if (inString) {
    const p = c.paths.find((n) => ((n.parts as string[] | undefined) ?? []).slice(1).includes(inString[1]));
    const where = p?.loc ? { file, line: p.loc.start.line, col: p.loc.start.column + 1 } : { file };
    return new NodemendError('template', `variable "${p ? String(p.original) : inString[1]}" is not defined`, where);
  }
  if (e instanceof Handlebars.Exception) return syntaxError(e, file);
  return e;
}

function render(c: Compiled, vars: Record<string, unknown>, file: string): string {
  try {
    return c.render(viewOf(vars, vars, ''));
  } catch (e) {
    throw runtimeError(e, c, file);
  }
}

/** Render template text; `fileForErrors` names it in error messages. */
export function renderTemplateString(src: string, vars: Record<string, unknown>, fileForErrors: string): string {
  return render(compileSource(src, fileForErrors), vars, fileForErrors);
}

/** The template module's Jinja options (Ansible's defaults: trim_blocks on, lstrip_blocks off). */
export interface JinjaOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  /** The template module's newline_sequence (Jinja's default "\n"). */
  newlineSequence?: string;
  /** The template module's comment_start_string / comment_end_string (Jinja's `{#` / `#}`). */
  commentStart?: string;
  commentEnd?: string;
  /** Where `{% include %}` / `{% import %}` look (local-paths.ts templateSearchPath); the template's own dir when not given. */
  searchPath?: string[];
}

export const JINJA_DEFAULTS: JinjaOptions = { trimBlocks: true, lstripBlocks: false };

export const isHandlebars = (file: string): boolean => /\.(hbs|handlebars)$/.test(file);

/** Either engine's compiled file. */
interface CompiledFile {
  render(vars: Record<string, unknown>): string;
}

/** Compile template text by the file's kind; a syntax error is a NodemendError at file:line(:col). */
export function compileTemplateText(src: string, file: string, opts: JinjaOptions = JINJA_DEFAULTS): CompiledFile {
  if (isHandlebars(file)) {
    const c = compileSource(src, file);
    return { render: (vars) => render(c, vars, file) };
  }
  const t = compileTemplateFile(src, file, opts);
  return {
    render: (vars) => {
      try {
        return t.render(vars) as string;
      } catch (e) {
        // Reported like Handlebars' errors: as the template's, at the expression's line and column.
        if (e instanceof UndefinedVariableError) throw new NodemendError('template', e.message, e.pos ?? { file });
        if (e instanceof NodemendError && !e.pos) throw new NodemendError(e.code, e.message, { file });
        throw e;
      }
    },
  };
}

const files = new Map<string, { mtimeMs: number; size: number; compiled: Promise<CompiledFile | NodemendError> }>();

async function compileFile(file: string, opts: JinjaOptions): Promise<CompiledFile | NodemendError> {
  const src = await readFile(file, 'utf8');
  try {
    return compileTemplateText(src, file, opts);
  } catch (e) {
    if (!(e instanceof NodemendError)) throw e;
    return e;
  }
}

/** The default DEFAULT_MANAGED_STR, "Ansible managed" (no `{file}`-style fields, no strftime codes: nodemend reads no ansible.cfg). */
export const TEMPLATE_MODULE_VARS: Readonly<Record<string, unknown>> = { ansible_managed: 'Ansible managed' };

/** Python's str() of a local datetime: "2024-10-18 12:00:00.123456" (no fraction when it is 0). */
function pyDatetime(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const us = Number((ns / 1000n) % 1_000_000n);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${us ? `.${p(us, 6)}` : ''}`;
}

/** The controller's name for a uid (pwd.getpwuid, as /etc/passwd says), or the number as text. */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0];
  } catch {
    // no passwd file: the number, as 2.14 when getpwuid raises KeyError
  }
  return String(uid);
}

/**
 * What Ansible's template module adds to a template's variables (ansible-core 2.14
 * template/__init__.py generate_ansible_template_vars): `path` the task's src as written, `fullpath` the
 * file found, `dest` the task's dest. `template_mtime`/`template_run_date` are Python datetimes there,
 * their str() here. Roles write `{{ ansible_managed | comment }}`.
 */
export function templateModuleVars(path: string, fullpath: string, dest: string | undefined): Record<string, unknown> {
  const st = statSync(fullpath, { bigint: true });
  return {
    template_host: hostname(),
    template_path: path,
    template_mtime: pyDatetime(st.mtimeNs),
    template_uid: userName(Number(st.uid)),
    template_run_date: pyDatetime(BigInt(Date.now()) * 1_000_000n),
    template_destpath: dest ?? null,
    template_fullpath: fullpath,
    ...TEMPLATE_MODULE_VARS,
  };
}

/**
 * Render a template file; compiled once per file version (path + mtime + size), also when
 * hundreds of hosts ask at the same moment (they share the one compilation in flight).
 */
export async function renderTemplateFile(file: string, vars: Record<string, unknown>, opts: JinjaOptions = JINJA_DEFAULTS): Promise<string> {
  const st = await stat(file).catch(() => {
    throw new NodemendError('file-not-found', `template not found`, { file });
  });
  const key = JSON.stringify([file, opts.trimBlocks, opts.lstripBlocks, opts.newlineSequence ?? '\n', opts.commentStart, opts.commentEnd, opts.searchPath]);
  let entry = files.get(key);
  if (!entry || entry.mtimeMs !== st.mtimeMs || entry.size !== st.size) {
    const mine = { mtimeMs: st.mtimeMs, size: st.size, compiled: compileFile(file, opts) };
    files.set(key, (entry = mine));
    mine.compiled.catch(() => files.get(key) === mine && files.delete(key));
  }
  const compiled = await entry.compiled;
  if (compiled instanceof NodemendError) throw compiled;
  return compiled.render(vars);
}
