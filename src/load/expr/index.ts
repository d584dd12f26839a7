/**
 * The expression language: raw expressions (`when:`, `changed_when:`, `assert.that`)
 * and templated strings ("{{ ... }}" in arguments and var values), and `.j2` template files.
 * A safe Jinja subset: no eval, methods only from a fixed table (methods.ts), no prototype access.
 *
 * Positions: `pos` is where the source text starts in its file (for a quoted YAML
 * scalar, after the quote). A syntax error reports `pos.col` plus the offset of the
 * bad token, when the source is one line; a multi-line source reports `pos` itself.
 * Compiled sources are cached by their text: the same `when:` runs on every host.
 */
import { NodemendError, type SourcePos } from '../errors.js';
import type { Node } from './ast.js';
import { ExprSyntaxError } from './errors.js';
import { evaluate } from './evaluate.js';
import { tokenize } from './lexer.js';
import { Parser } from './parser.js';
import { fileOptions, hasTemplate, parsedTemplate, parseTemplate, positioner, renderParsed } from './template-string.js';
import { noteUnsafeRead, trackUnsafe, UnsafeText } from './unsafe.js';
import { copyKeyTypes, inRender, isMapping, keysOf, setKey, truthy } from './values.js';
import { namesInExpression, namesInTemplate, type NamesRead } from './free-names.js';
import { parseJinjaHeader } from './jinja-header.js';
import { FileTemplateLoader, lineCol } from './template-loader.js';
import { dirname, join } from 'node:path';

export { FactNeeded, UndefinedVariableError } from './errors.js';
export { hasTemplate };

export interface CompiledExpr {
  source: string;
  evaluate(scope: Record<string, unknown>): unknown;
}

export interface CompiledTemplate {
  source: string;
  /** No `{{ }}` at all: render returns the text unchanged. */
  isStatic: boolean;
  render(scope: Record<string, unknown>): unknown;
}

function syntaxError(e: unknown, src: string, pos?: SourcePos): never {
  if (e instanceof ExprSyntaxError) throw new NodemendError('expression', e.message, positioner(src, pos)(e.offset));
  throw e;
}

const expressions = new Map<string, Node | ExprSyntaxError>();
const rawExpressions = new Map<string, Node | ExprSyntaxError>();

/** `raw`: the expression is the inside of a playbook value's `{{ }}`, whose string literals keep their backslashes (lexer.ts). */
function parsedExpression(src: string, raw = false): Node {
  const expressions_ = raw ? rawExpressions : expressions;
  let ast = expressions_.get(src);
  if (!ast) {
    try {
      ast = new Parser(tokenize(src, 0, false, raw)).parseAll();
    } catch (e) {
      if (!(e instanceof ExprSyntaxError)) throw e;
      ast = e;
    }
    if (expressions_.size > 10_000) expressions_.clear();
    expressions_.set(src, ast);
  }
  if (ast instanceof ExprSyntaxError) throw ast;
  return ast;
}

/** A raw expression such as `result.rc != 0 and 'x' in result.stdout`. */
export function compileExpression(src: string, pos?: SourcePos, raw = false): CompiledExpr {
  let ast: Node;
  try {
    ast = parsedExpression(src, raw);
  } catch (e) {
    syntaxError(e, src, pos);
  }
  const ctx = { source: src, posAt: positioner(src, pos) };
  return { source: src, evaluate: (scope) => inRender(() => evaluate(ast, scope, ctx)) };
}

/**
 * "a {{ b }} c" renders to a string (lists and mappings as JSON, none as "");
 * exactly one "{{ expr }}" (whitespace around allowed) renders to the value itself.
 */
export function compileTemplate(src: string, pos?: SourcePos): CompiledTemplate {
  let t: ReturnType<typeof parsedTemplate>;
  try {
    t = parsedTemplate(src);
  } catch (e) {
    syntaxError(e, src, pos);
  }
  const isStatic = t.segments.every((s) => 'text' in s);
  const ctx = { source: src, posAt: positioner(src, pos) };
  return { source: src, isStatic, render: (scope) => (isStatic ? t.segments.map((s) => ('text' in s ? s.text : '')).join('') : renderParsed(t, scope, ctx)) };
}

/** The enclosing task's position: file and line only, since columns inside it are not known here. */
const lineOnly = (pos?: SourcePos): SourcePos | undefined => (pos ? { file: pos.file, line: pos.line } : undefined);

/**
 * Render every string in a value (arguments, a loop list); mapping keys are not templated.
 * An unsafe string (UnsafeText) is data: returned as plain text, never rendered.
 */
export function renderDeep(value: unknown, scope: Record<string, unknown>, pos?: SourcePos): unknown {
  if (value instanceof UnsafeText) {
    noteUnsafeRead();
    return value.text;
  }
  if (typeof value === 'string') return hasTemplate(value) ? compileTemplate(value, lineOnly(pos)).render(scope) : value;
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, scope, pos));
  if (isMapping(value)) {
    const out: Record<string, unknown> = {};
    for (const k of keysOf(value)) setKey(out, k, renderDeep(value[k], scope, pos));
    return copyKeyTypes(value, out);
  }
  return value;
}

/**
 * renderDeep for a value that is kept for later tasks (a set_fact value, a loop's items):
 * if rendering read data from a host, the result is marked unsafe, so it stays data.
 */
export function renderStored(value: unknown, scope: Record<string, unknown>, pos?: SourcePos): unknown {
  return trackUnsafe(() => renderDeep(value, scope, pos));
}

const WRAPPED = /^\s*\{\{([\s\S]*)\}\}\s*$/;

/**
 * A raw expression that may carry `{{ }}` (when:, that:, changed_when:...), evaluated as
 * Ansible does (playbook/conditional.py): the text is templated first and, when that gives a
 * string, the string is evaluated as the expression (`"{{ a }} == 'x'"`); a string read from a
 * host is refused there, as Ansible refuses its unsafe text.
 */
export function evaluateTemplatedExpression(cond: string, scope: Record<string, unknown>, pos?: SourcePos): unknown {
  if (!hasTemplate(cond)) return compileExpression(cond.trim(), lineOnly(pos)).evaluate(scope);
  const m = WRAPPED.exec(cond);
  // One "{{ expr }}" gives expr's value; a string value is then evaluated as the expression, as
  // Ansible's templar does with the rendered text (`when: "{{ check }}"` with check: "a == b").
  const rendered = trackUnsafe(() => (m && !m[1].includes('{{') ? compileExpression(m[1].trim(), lineOnly(pos), true).evaluate(scope) : compileTemplate(cond, lineOnly(pos)).render(scope)));
  if (rendered instanceof UnsafeText) {
    // What a host printed is data: it never becomes part of an expression.
    throw new NodemendError(
      'expression',
      `the condition "${cond}" puts text read from a host inside {{ }}, and host output is never evaluated; compare it in the expression instead (e.g. result.stdout == 'x')`,
      lineOnly(pos),
    );
  }
  if (typeof rendered !== 'string') return rendered;
  return rendered.trim() === '' ? false : compileExpression(rendered.trim(), lineOnly(pos)).evaluate(scope);
}

/** `when:`-style conditions: true when every one holds (evaluated in order, stopping at the first false). */
export function evaluateCondition(src: string | string[], scope: Record<string, unknown>, pos?: SourcePos): boolean {
  for (const cond of Array.isArray(src) ? src : [src]) {
    if (!truthy(evaluateTemplatedExpression(cond, scope, pos))) return false;
  }
  return true;
}

/**
 * The names a condition as load/ stores it reads (a raw expression, or a template whose
 * output is then evaluated: only its `{{ }}` parts are known); offsets into `cond`.
 */
export function namesInCondition(cond: string): NamesRead {
  return hasTemplate(cond) ? namesInTemplate(cond) : namesInExpression(parsedExpression(cond));
}
export { namesInTemplate, type NamesRead };

export { lineCol };

export interface CompiledTextTemplate {
  /** The text; with `convert`, a list, dict or bool when the text looks like one (lookup('template')). */
  render(scope: Record<string, unknown>): unknown;
}

/**
 * A Jinja template file (`.j2`): statements, filters, whitespace control, the template
 * module's trim_blocks / lstrip_blocks. Syntax errors are NodemendErrors at the file's
 * line and column; errors while rendering name the line and column of the expression.
 */
export interface TemplateFileOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  newlineSequence?: string;
  commentStart?: string;
  commentEnd?: string;
  /** Where include/import look (template-loader.ts); the template's own dir (`<dir>/templates`, `<dir>`) when not given. */
  searchPath?: string[];
  /** Templar.template's convert_data (lookup('template')): ansible_eval_concat on the result. */
  convert?: boolean;
}

export function compileTemplateFile(src: string, file: string, opts: TemplateFileOptions): CompiledTextTemplate {
  // Ansible counts the final newlines (\n only, _count_newlines_from_end) before anything else.
  const trailingNewlines = src.length - src.replace(/\n+$/, '').length;
  // Jinja's lexer reads \r\n, \r and \n as line breaks alike (its newline_re): \n here, newline_sequence when written.
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  // A `#jinja2:` first line sets trim_blocks / lstrip_blocks over the module's and is not output (jinja-header.ts).
  const h = parseJinjaHeader(src, file);
  const posAt = (offset: number): SourcePos => ({ file, ...lineCol(src, offset + h.shift) });
  let t: ReturnType<typeof parseTemplate>;
  const env = fileOptions({
    trimBlocks: h.trimBlocks ?? opts.trimBlocks,
    lstripBlocks: h.lstripBlocks ?? opts.lstripBlocks,
    newlineSequence: opts.newlineSequence,
    commentStart: h.commentStart ?? opts.commentStart,
    commentEnd: h.commentEnd ?? opts.commentEnd,
    lineStatementPrefix: h.lineStatementPrefix,
  });
  try {
    t = parseTemplate(h.body, env);
  } catch (e) {
    if (e instanceof ExprSyntaxError) throw new NodemendError('template', e.message, posAt(e.offset));
    throw e;
  }
  // Counted before the header line is dropped, as Ansible does.
  t.trailingNewlines = trailingNewlines;
  t.convert = opts.convert ?? false;
  // What it includes is loaded by the same environment (2.14's do_template: the header's overlay, whose loader it is).
  const loader = new FileTemplateLoader(opts.searchPath ?? [join(dirname(file), 'templates'), dirname(file)], env);
  const ctx = { source: h.body, posAt, loader };
  loader.preload(t.segments, ctx);
  return { render: (scope) => renderParsed(t, scope, ctx) };
}
