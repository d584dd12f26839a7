/**
 * Jinja's statements for templated strings and `.j2` files: lexing into text / `{{ }}` /
 * `{% %}` / `{# #}` pieces with Jinja's whitespace rules, the statement tree, and its
 * rendering. Supported: if/elif/else, for (tuple targets, `if` filter, `else`, `loop.*`),
 * set (`{% set x = e %}` and the `{% set x %}...{% endset %}` block), raw, comments (custom
 * comment strings, line statements), macro and call (macro.ts), include, import and
 * from-import (found by the context's loader, template-loader.ts). Deliberately not: extends,
 * block, filter, with, do, break/continue, loop.cycle and recursive loops: each fails at load
 * time, naming itself.
 *
 * Scoping as in Jinja: a `for` body has its own scope per iteration (a `set` inside does not
 * leak out); `if` has none. A macro's body has its own, over the scope it was defined in; an
 * include renders in its own over the current one (or over none: `without context`); an
 * imported template in its own, whose top-level names are the module. Nothing is written to
 * the caller's variables.
 */
import { NodemendError } from '../errors.js';
import type { Node } from './ast.js';
import { ExprSyntaxError, ExprValueError } from './errors.js';
import { Macro } from './macro.js';
import { checkCall } from './calls.js';
import { LOOKUP_SCOPE } from './lookups.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { tokenize, type Token } from './lexer.js';
import { Parser } from './parser.js';
import type { TemplateOptions } from './template-string.js';
import { isUnsafe, markUnsafe, trackUnsafe, UnsafeText } from './unsafe.js';
import { getMember, isNamespace, iterate, setKey, toText, truthy, typeName, UNDEFINED, type Mapping } from './values.js';

export type Segment = { text: string } | { node: Node } | { stmt: Statement };

export type Body = Segment[];

type Statement = At &
  (
    | { kind: 'if'; branches: { cond: Node; body: Body }[]; otherwise?: Body }
    | { kind: 'for'; targets: string[]; iter: Node; filter?: Node; body: Body; otherwise?: Body }
    | { kind: 'set'; targets: string[]; value: Node }
    | { kind: 'setBlock'; target: string; body: Body }
    | ({ kind: 'macro'; name: string; body: Body } & Signature)
    | ({ kind: 'callBlock'; call: Extract<Node, { kind: 'call' }>; body: Body } & Signature)
    | { kind: 'include'; template: Node; ignoreMissing: boolean; withContext: boolean }
    | { kind: 'import'; template: Node; target: string; withContext: boolean }
    | { kind: 'fromImport'; template: Node; names: [string, string][]; withContext: boolean }
  );

/** A macro's (or a call block's caller's) parameters, their defaults, and which of varargs/kwargs/caller its body reads. */
interface Signature {
  params: string[];
  defaults: [string, Node][];
  reads: { varargs: boolean; kwargs: boolean; caller: boolean };
}

/** Where `{% include %}` / `{% import %}` find templates (template-loader.ts): by name, searched as Ansible searches. */
export interface TemplateLoader {
  /** The parsed template and its evaluation context, or undefined when no file by that name is found. */
  load(name: string): { body: Body; ctx: EvalContext } | undefined;
  /** The directories searched, for the error. */
  searched(): string[];
}

interface At {
  start: number;
}

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'var'; node: Node; start: number; stripLeft: boolean; stripRight: boolean }
  | { kind: 'block'; tokens: Token[]; start: number; stripLeft: boolean; keepLeft: boolean; stripRight: boolean; keepRight: boolean }
  | { kind: 'comment'; start: number; stripLeft: boolean; stripRight: boolean };

const escapeRe = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const openers = new Map<string, RegExp>();

/** `{{`, `{%`, the comment opener and (when set) a line statement prefix at a line's start, as Jinja's root lexer state. */
function openerRe(opts: TemplateOptions): RegExp {
  const key = `${opts.commentStart ?? ''}\0${opts.lineStatementPrefix ?? ''}`;
  let re = openers.get(key);
  if (!re) {
    const alts = ['\\{\\{', '\\{%', escapeRe(opts.commentStart ?? '{#')];
    if (opts.lineStatementPrefix) alts.unshift(`(?<=^|\\n)[ \\t\\v]*${escapeRe(opts.lineStatementPrefix)}`);
    openers.set(key, (re = new RegExp(alts.join('|'), 'g')));
  }
  return re;
}
const RAW = /^\{%([-+]?)\s*raw\s*([-+]?)%\}/;
const END_RAW = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;

/** Split the source into text and tags; a raw block becomes its tags around one text piece. */
function lex(src: string, opts: TemplateOptions): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  const text = (t: string): void => {
    if (t) pieces.push({ kind: 'text', text: t });
  };
  const OPEN = openerRe(opts);
  const commentStart = opts.commentStart ?? '{#';
  const commentEnd = opts.commentEnd ?? '#}';
  for (;;) {
    OPEN.lastIndex = i;
    let m = OPEN.exec(src);
    // In strings, `{#` is a comment only when closed and not shell's `${#`.
    while (m && m[0] === '{#' && opts.comments === 'closed' && (src[m.index - 1] === '$' || !src.includes('#}', m.index + 2))) {
      OPEN.lastIndex = m.index + 2;
      m = OPEN.exec(src);
    }
    if (!m) break;
    const at = m.index;
    text(src.slice(i, at));
    const flag = src[at + 2];
    if (m[0] !== '{{' && m[0] !== '{%' && m[0] !== commentStart) {
      // A line statement (line_statement_prefix): the rest of the line is the statement, its line break with it.
      const eol = src.indexOf('\n', at);
      const stop = eol < 0 ? src.length : eol;
      const tokens = tokenize(src.slice(0, stop), at + m[0].length);
      const last = tokens[tokens.length - 1];
      tokens[tokens.length - 1] = { type: 'close', value: '%}', start: last.start, end: stop };
      pieces.push({ kind: 'block', tokens, start: at, stripLeft: false, keepLeft: true, stripRight: false, keepRight: true });
      i = eol < 0 ? src.length : eol + 1;
      continue;
    }
    if (m[0] === commentStart) {
      const end = src.indexOf(commentEnd, at + commentStart.length);
      if (end < 0) throw new ExprSyntaxError(`expected '${commentEnd}' to close the comment '${commentStart}'`, at);
      const stripLeft = src[at + commentStart.length] === '-';
      pieces.push({ kind: 'comment', start: at, stripLeft, stripRight: src[end - 1] === '-' && end - 1 > at + commentStart.length });
      i = end + commentEnd.length;
      continue;
    }
    const stripLeft = flag === '-';
    if (m[0] === '{{') {
      const tokens = tokenize(src, at + (stripLeft ? 3 : 2), '}}', opts.rawStrings);
      const close = tokens[tokens.length - 1];
      if (close.type !== 'close') throw new ExprSyntaxError("expected '}}' to close '{{'", at);
      pieces.push({ kind: 'var', node: new Parser(tokens, 'close', '}}', true).parseAll(), start: at, stripLeft, stripRight: Boolean(close.strip) });
      i = close.end;
      continue;
    }
    const raw = RAW.exec(src.slice(at));
    if (raw) {
      END_RAW.lastIndex = at + raw[0].length;
      const end = END_RAW.exec(src);
      if (!end) throw new ExprSyntaxError("expected '{% endraw %}' to close '{% raw %}'", at);
      const tag = (l: string, r: string, start: number): Piece => ({ kind: 'block', tokens: [], start, stripLeft: l === '-', keepLeft: l === '+', stripRight: r === '-', keepRight: r === '+' });
      pieces.push(tag(raw[1], raw[2], at));
      text(src.slice(at + raw[0].length, end.index));
      pieces.push(tag(end[1], end[2], end.index));
      i = end.index + end[0].length;
      continue;
    }
    const skip = flag === '-' || flag === '+' ? 3 : 2;
    const tokens = tokenize(src, at + skip, '%}');
    const close = tokens[tokens.length - 1];
    if (close.type !== 'close') throw new ExprSyntaxError("expected '%}' to close '{%'", at);
    pieces.push({ kind: 'block', tokens, start: at, stripLeft, keepLeft: flag === '+', stripRight: Boolean(close.strip), keepRight: Boolean(close.keep) });
    i = close.end;
  }
  text(src.slice(i));
  return pieces;
}

/**
 * Jinja's whitespace rules, applied to the text beside each tag: `-` strips all whitespace on
 * its side; otherwise trim_blocks drops the newline right after a block or comment tag, and
 * lstrip_blocks the spaces and tabs before one that starts its line (`+` turns either off).
 */
function whitespace(pieces: Piece[], opts: TemplateOptions): void {
  let lineStart = true; // the previous tag's match ended a line (or this is the start)
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p.kind === 'text') continue;
    const before = pieces[i - 1]?.kind === 'text' ? (pieces[i - 1] as { text: string }) : undefined;
    const after = pieces[i + 1]?.kind === 'text' ? (pieces[i + 1] as { text: string }) : undefined;
    const isBlock = p.kind !== 'var';
    if (p.stripLeft) {
      if (before) before.text = before.text.replace(/\s+$/, '');
    } else if (isBlock && opts.lstripBlocks && !(p.kind === 'block' && p.keepLeft) && before) {
      const nl = before.text.lastIndexOf('\n');
      if ((nl >= 0 || lineStart) && /^[ \t]*$/.test(before.text.slice(nl + 1))) before.text = before.text.slice(0, nl + 1);
    }
    lineStart = false;
    if (p.stripRight) {
      if (after) {
        const ws = /^\s*/.exec(after.text)![0];
        lineStart = ws.endsWith('\n');
        after.text = after.text.slice(ws.length);
      }
    } else if (isBlock && opts.trimBlocks && !(p.kind === 'block' && p.keepRight) && after?.text.startsWith('\n')) {
      after.text = after.text.slice(1);
      lineStart = true;
    }
    if (after && after.text.includes('\n')) lineStart = false; // the next tag looks at its own line in that text
  }
}

const CLOSERS: Record<string, string> = { if: 'endif', for: 'endfor', set: 'endset', macro: 'endmacro', call: 'endcall' };
const ENDS = new Set(['elif', 'else', 'endif', 'endfor', 'endset', 'endraw', 'endmacro', 'endcall']);
const UNSUPPORTED = new Set(['extends', 'block', 'filter', 'with', 'do', 'break', 'continue', 'autoescape', 'trans']);
const STATEMENTS = 'if, for, set, raw, macro, call, include, import, from';

/** `with context` / `without context` after an include or import (Jinja's parse_context); `dflt` when absent. */
function parseContext(p: Parser, dflt: boolean): boolean {
  const t = p.peekToken();
  const next = p.peekToken(1);
  if (t.type === 'name' && (t.value === 'with' || t.value === 'without') && next.type === 'name' && next.value === 'context') {
    p.nextToken();
    p.nextToken();
    return t.value === 'with';
  }
  return dflt;
}

class TreeBuilder {
  private i = 0;
  constructor(private readonly pieces: Piece[]) {}

  /** Segments up to one of `ends` (a block tag's name), which is returned with its parser; at top level `ends` is empty. */
  body(ends: string[], opener?: { name: string; start: number }): { body: Body; end?: string; parser?: Parser; at?: number } {
    const body: Body = [];
    while (this.i < this.pieces.length) {
      const p = this.pieces[this.i++];
      if (p.kind === 'text') {
        if (p.text) body.push({ text: p.text });
      } else if (p.kind === 'var') body.push({ node: p.node });
      else if (p.kind === 'block' && p.tokens.length) {
        const parser = new Parser(p.tokens, 'close', '%}', true);
        const head = parser.peekToken();
        const name = head.type === 'name' ? String(head.value) : '';
        if (ends.includes(name)) {
          parser.nextToken();
          return { body, end: name, parser, at: p.start };
        }
        if (opener && ENDS.has(name)) {
          throw new ExprSyntaxError(`unexpected '{% ${name} %}': expected '{% ${CLOSERS[opener.name]} %}' to close '{% ${opener.name} %}'`, head.start);
        }
        body.push({ stmt: this.statement(parser, head, p.start) });
      }
    }
    if (opener) throw new ExprSyntaxError(`expected '{% ${CLOSERS[opener.name]} %}' to close '{% ${opener.name} %}'`, opener.start);
    return { body };
  }

  private statement(p: Parser, head: Token, start: number): Statement {
    const name = head.type === 'name' ? String(head.value) : '';
    if (name === 'if') {
      p.nextToken();
      const branches: { cond: Node; body: Body }[] = [];
      let cond = p.parseExpression();
      p.finish('an operator or');
      for (;;) {
        const r = this.body(['elif', 'else', 'endif'], { name, start });
        branches.push({ cond, body: r.body });
        if (r.end === 'elif') {
          cond = r.parser!.parseExpression();
          r.parser!.finish('an operator or');
          continue;
        }
        r.parser!.finish('nothing more before');
        if (r.end === 'endif') return { kind: 'if', branches, start };
        const last = this.body(['endif'], { name, start });
        last.parser!.finish('nothing more before');
        return { kind: 'if', branches, otherwise: last.body, start };
      }
    }
    if (name === 'for') {
      p.nextToken();
      const targets = [String(p.expectName('a loop variable name').value)];
      while (p.acceptOp(',')) targets.push(String(p.expectName('a loop variable name').value));
      if (!p.acceptName('in')) throw new ExprSyntaxError(`expected 'in' after the loop variable, got '${String(p.peekToken().value)}'`, p.peekToken().start);
      const iter = p.parseNoConditional();
      const filter = p.acceptName('if') ? p.parseNoConditional() : undefined;
      if (p.peekToken().type === 'name' && p.peekToken().value === 'recursive') throw new ExprSyntaxError('recursive loops are not supported', p.peekToken().start);
      p.finish('an operator or');
      const r = this.body(['else', 'endfor'], { name, start });
      r.parser!.finish('nothing more before');
      let otherwise: Body | undefined;
      if (r.end === 'else') {
        const last = this.body(['endfor'], { name, start });
        last.parser!.finish('nothing more before');
        otherwise = last.body;
      }
      return { kind: 'for', targets, iter, filter, body: r.body, otherwise, start };
    }
    if (name === 'set') {
      p.nextToken();
      // Jinja's `{% set ns.attr = v %}`: a namespace's attribute (one level).
      const target = (): string => {
        const name = String(p.expectName('a variable name').value);
        return p.acceptOp('.') ? `${name}.${String(p.expectName('an attribute name').value)}` : name;
      };
      const targets = [target()];
      while (p.acceptOp(',')) targets.push(target());
      if (p.acceptOp('=')) {
        const value = p.parseExpression();
        p.finish('an operator or');
        return { kind: 'set', targets, value, start };
      }
      if (targets.length > 1) p.expectOp('=', 'after the variable names');
      p.finish("'=' or");
      const r = this.body(['endset'], { name, start });
      r.parser!.finish('nothing more before');
      return { kind: 'setBlock', target: targets[0], body: r.body, start };
    }
    if (name === 'macro') {
      p.nextToken();
      const macroName = String(p.expectName('a macro name').value);
      const sig = this.signature(p, true);
      p.finish('nothing more before');
      const r = this.body(['endmacro'], { name, start });
      r.parser!.finish('nothing more before');
      return { kind: 'macro', name: macroName, ...sig, reads: readsOf(r.body, sig.params), body: r.body, start };
    }
    if (name === 'call') {
      p.nextToken();
      const sig = p.peekToken().type === 'op' && p.peekToken().value === '(' ? this.signature(p, false) : { params: [], defaults: [] };
      const call = p.parseExpression();
      if (call.kind !== 'call') throw new ExprSyntaxError('expected a macro call after {% call %}', call.start);
      p.finish('an operator or');
      const r = this.body(['endcall'], { name, start });
      r.parser!.finish('nothing more before');
      return { kind: 'callBlock', call, ...sig, reads: readsOf(r.body, sig.params), body: r.body, start };
    }
    if (name === 'include') {
      p.nextToken();
      const template = p.parseExpression();
      let ignoreMissing = false;
      if (p.peekToken().type === 'name' && p.peekToken().value === 'ignore' && p.peekToken(1).value === 'missing') {
        p.nextToken();
        p.nextToken();
        ignoreMissing = true;
      }
      const withContext = parseContext(p, true);
      p.finish('an operator or');
      return { kind: 'include', template, ignoreMissing, withContext, start };
    }
    if (name === 'import') {
      p.nextToken();
      const template = p.parseExpression();
      if (!p.acceptName('as')) throw new ExprSyntaxError(`expected 'as' after the template to import, got '${String(p.peekToken().value)}'`, p.peekToken().start);
      const target = String(p.expectName('a name for the imported template').value);
      const withContext = parseContext(p, false);
      p.finish('nothing more before');
      return { kind: 'import', template, target, withContext, start };
    }
    if (name === 'from') {
      p.nextToken();
      const template = p.parseNoConditional();
      if (!p.acceptName('import')) throw new ExprSyntaxError(`expected 'import' after the template name, got '${String(p.peekToken().value)}'`, p.peekToken().start);
      const names: [string, string][] = [];
      let withContext = false;
      for (;;) {
        if (names.length && !p.acceptOp(',')) break;
        const before = p.peekToken();
        if ((before.value === 'with' || before.value === 'without') && p.peekToken(1).value === 'context') {
          withContext = parseContext(p, false);
          break;
        }
        const t = p.expectName('a name to import');
        if (String(t.value).startsWith('_')) throw new ExprSyntaxError('names starting with an underline can not be imported', t.start);
        const alias = p.acceptName('as') ? String(p.expectName('a name after as').value) : String(t.value);
        names.push([String(t.value), alias]);
      }
      if (!names.length) throw new ExprSyntaxError('expected a name to import', p.peekToken().start);
      withContext = parseContext(p, withContext);
      p.finish("',' or");
      return { kind: 'fromImport', template, names, withContext, start };
    }
    if (ENDS.has(name)) {
      throw new ExprSyntaxError(`unexpected '{% ${name} %}': no open block it could close`, head.start);
    }
    if (UNSUPPORTED.has(name)) throw new ExprSyntaxError(`'{% ${name} %}' is not supported (statements: ${STATEMENTS})`, head.start);
    throw new ExprSyntaxError(`unknown statement ${head.type === 'name' ? `'${name}'` : `'${String(head.value)}'`} (statements: ${STATEMENTS})`, head.start);
  }

  /** `(a, b=default, ...)` of a macro or a call block (Jinja's parse_signature); a macro may leave it out only... never: Jinja requires it. */
  private signature(p: Parser, required: boolean): { params: string[]; defaults: [string, Node][] } {
    const params: string[] = [];
    const defaults: [string, Node][] = [];
    if (!p.acceptOp('(')) {
      if (required) p.expectOp('(', 'after the macro name');
      return { params, defaults };
    }
    while (!p.acceptOp(')')) {
      if (params.length) p.expectOp(',', 'between parameters');
      if (p.acceptOp(')')) break;
      const t = p.expectName('a parameter name');
      params.push(String(t.value));
      if (p.acceptOp('=')) defaults.push([String(t.value), p.parseExpression()]);
      else if (defaults.length) throw new ExprSyntaxError('a parameter without a default cannot follow one with a default', t.start);
    }
    return { params, defaults };
  }
}

/** Whether a macro body reads varargs, kwargs or caller (not as its own parameter): Jinja's catch_varargs and friends. */
function readsOf(body: Body, params: string[]): Signature['reads'] {
  const names = new Set<string>();
  walkBody(body, (n) => {
    if (n.kind === 'variable') names.add(n.name);
  });
  const reads = (n: string): boolean => names.has(n) && !params.includes(n);
  return { varargs: reads('varargs'), kwargs: reads('kwargs'), caller: reads('caller') };
}

/** Every expression node in a body, nested statements, macro bodies and defaults included. */
export function walkBody(body: Body, visit: (n: Node) => void): void {
  const deep = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(deep);
    if (typeof x !== 'object' || x === null) return;
    if (isNode(x)) {
      visit(x);
      if (x.kind === 'literal') return;
    }
    for (const v of Object.values(x)) deep(v);
  };
  for (const seg of body) {
    if ('node' in seg) deep(seg.node);
    else if ('stmt' in seg) statementNodes(seg.stmt, deep, (b) => walkBody(b, visit));
  }
}

const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string' && typeof (x as { start?: unknown }).start === 'number';

function statementNodes(st: Statement, node: (n: unknown) => void, body: (b: Body) => void): void {
  switch (st.kind) {
    case 'if':
      for (const b of st.branches) {
        node(b.cond);
        body(b.body);
      }
      if (st.otherwise) body(st.otherwise);
      return;
    case 'for':
      node(st.iter);
      node(st.filter);
      body(st.body);
      if (st.otherwise) body(st.otherwise);
      return;
    case 'set':
      return node(st.value);
    case 'setBlock':
      return body(st.body);
    case 'macro':
    case 'callBlock':
      if (st.kind === 'callBlock') node(st.call);
      for (const [, d] of st.defaults) node(d);
      return body(st.body);
    default:
      return node(st.template);
  }
}

export function parseBody(src: string, opts: TemplateOptions): Body {
  const pieces = lex(src, opts);
  whitespace(pieces, opts);
  // Jinja's lexer writes each line break of the template's text (raw blocks too) as newline_sequence.
  const nl = opts.newlineSequence;
  if (nl !== undefined && nl !== '\n') for (const p of pieces) if (p.kind === 'text') p.text = p.text.replaceAll('\n', nl);
  const body = new TreeBuilder(pieces).body([]).body;
  checkCalls(body);
  return body;
}

/** The includes and imports of a body whose template names are written out (a string or a list of strings): found at load. */
export function staticTemplateRefs(body: Body): { names: string[]; ignoreMissing: boolean; start: number }[] {
  const out: { names: string[]; ignoreMissing: boolean; start: number }[] = [];
  const visit = (b: Body): void => {
    for (const seg of b) {
      if (!('stmt' in seg)) continue;
      const st = seg.stmt;
      if (st.kind === 'include' || st.kind === 'import' || st.kind === 'fromImport') {
        const t = st.template;
        const items = t.kind === 'list' ? t.items : [t];
        if (items.every((n) => n.kind === 'literal' && typeof n.value === 'string')) {
          out.push({ names: items.map((n) => String((n as { value: unknown }).value)), ignoreMissing: st.kind === 'include' && st.ignoreMissing, start: t.start });
        }
      }
      statementNodes(st, () => undefined, visit);
    }
  };
  visit(body);
  return out;
}

/** Names a template binds to macros: macro names and parameters (a macro passed on), imports, a call block's parameters. */
function macroNames(body: Body, out: Set<string>): Set<string> {
  for (const seg of body) {
    if (!('stmt' in seg)) continue;
    const st = seg.stmt;
    if (st.kind === 'macro') out.add(st.name);
    if (st.kind === 'macro' || st.kind === 'callBlock') st.params.forEach((p) => out.add(p));
    if (st.kind === 'import') out.add(st.target);
    if (st.kind === 'fromImport') st.names.forEach(([, alias]) => out.add(alias));
    statementNodes(
      st,
      () => undefined,
      (b) => macroNames(b, out),
    );
  }
  return out;
}

/**
 * Only macros are called (`m()`, `mod.m()`, `caller()`): a call of any other name is refused at load,
 * as the expression language refuses it (methods and filters are its calls).
 */
function checkCalls(body: Body): void {
  let names: Set<string> | undefined;
  walkBody(body, (n) => {
    if (n.kind !== 'call') return;
    let root = n.callee;
    while (root.kind === 'member') root = root.object;
    names ??= macroNames(body, new Set(['caller']));
    if (root.kind !== 'variable' || !names.has(root.name)) {
      // x.name() on anything but an imported template: the method it would be, refused as the expression language refuses it.
      if (n.callee.kind === 'member' && n.callee.key.kind === 'literal') {
        checkCall('method', { name: String(n.callee.key.value), nameStart: n.callee.key.start, args: n.args, kwargs: n.kwargs });
      }
      throw new ExprSyntaxError("only macros of the template (m(), mod.m(), caller()) and methods (x.split(',')) can be called; use a filter for anything else (x | name(args))", n.start);
    }
  });
}

/** A macro (or a call block's caller) closing over the scope it is defined in: it sees that scope's names at call time, not the caller's. */
function makeMacro(name: string, sig: Signature, body: Body, defScope: Scope, ctx: EvalContext): Macro {
  return new Macro(name, sig.params, new Set(sig.defaults.map(([n]) => n)), sig.reads, (call) => {
    const s = child(defScope);
    for (const p of sig.params) setKey(s, p, call.bound.get(p));
    for (const [p, d] of sig.defaults) if (call.bound.get(p) === UNDEFINED) setKey(s, p, evaluate(d, s, ctx));
    if (sig.reads.varargs) setKey(s, 'varargs', call.varargs);
    if (sig.reads.kwargs) {
      const kw: Mapping = {};
      for (const [k, v] of call.kwargs) setKey(kw, k, v);
      setKey(s, 'kwargs', kw);
    }
    if (sig.reads.caller) setKey(s, 'caller', call.caller ?? UNDEFINED);
    const out: string[] = [];
    renderInto(body, s, ctx, out);
    return out.join('');
  });
}

/** The template an include or import names (a name, or a list whose first found wins), as the loader finds it. */
function loadTemplate(nameNode: Node, scope: Scope, ctx: EvalContext, ignoreMissing: boolean): { body: Body; ctx: EvalContext } | undefined {
  const v = evaluate(nameNode, scope, ctx);
  const names = (Array.isArray(v) ? v : [v]).map((n) => toText(n));
  if (!ctx.loader) throw new NodemendError('template', `'${names.join("', '")}': include and import work in template files only (the template module, lookup('template'))`, ctx.posAt(nameNode.start));
  for (const n of names) {
    const t = ctx.loader.load(n);
    if (t) return t;
  }
  if (ignoreMissing) return undefined;
  const what = names.length === 1 ? `template '${names[0]}' not found` : `none of the templates '${names.join("', '")}' found`;
  throw new NodemendError('template', `${what} (searched ${ctx.loader.searched().join(', ')})`, ctx.posAt(nameNode.start));
}

/** A scope without context: Jinja's globals only (nodemend's are built in), none of the template's variables; lookups still run as the task's. */
function noContext(scope: Scope): Scope {
  const s: Scope = {};
  (s as Record<symbol, unknown>)[LOOKUP_SCOPE] = (scope as Record<symbol, unknown>)[LOOKUP_SCOPE] ?? scope;
  return s;
}

/** An imported template: rendered once in its own scope; its top-level names (not `_x`) are the module's attributes. */
function importModule(t: { body: Body; ctx: EvalContext }, scope: Scope, withContext: boolean): Mapping {
  const top = child(withContext ? scope : noContext(scope));
  renderInto(t.body, top, t.ctx, []);
  const mod: Mapping = {};
  for (const k of Object.keys(top)) if (!k.startsWith('_')) setKey(mod, k, top[k]);
  return mod;
}

type Scope = Record<string, unknown>;

/** A scope that sees its parent's variables and keeps its own assignments. */
function child(parent: Scope): Scope {
  return Object.create(parent) as Scope;
}

/** One target: a name, or a namespace's attribute (`ns.found`; Jinja refuses any other object's). */
function assignOne(scope: Scope, target: string, value: unknown, ctx: EvalContext, at: number): void {
  const dot = target.indexOf('.');
  if (dot < 0) return setKey(scope, target, value);
  const ns = getMember(scope, target.slice(0, dot));
  if (!isNamespace(ns))
    throw new NodemendError('expression', `cannot assign attribute on non-namespace object ('${target.slice(0, dot)}' is a '${typeName(ns === UNDEFINED ? null : ns)}')`, ctx.posAt(at));
  setKey(ns as Mapping, target.slice(dot + 1), value);
}

function assign(scope: Scope, targets: string[], value: unknown, ctx: EvalContext, at: number): void {
  if (targets.length === 1) return assignOne(scope, targets[0], value, ctx, at);
  const items = Array.isArray(value) ? value : undefined;
  if (!items || items.length !== targets.length) {
    const got = items ? `${items.length} values` : `'${typeName(value)}'`;
    throw new NodemendError('expression', `cannot unpack ${got} into ${targets.length} names (${targets.join(', ')})`, ctx.posAt(at));
  }
  // Items of host data stay host data.
  const unsafe = isUnsafe(value);
  targets.forEach((t, i) => assignOne(scope, t, unsafe ? markUnsafe(items[i]) : items[i], ctx, at));
}

function renderInto(body: Body, scope: Scope, ctx: EvalContext, out: string[]): void {
  for (const seg of body) {
    if ('text' in seg) out.push(seg.text);
    else if ('node' in seg) out.push(toText(evaluate(seg.node, scope, ctx)));
    else renderStatement(seg.stmt, scope, ctx, out);
  }
}

function renderStatement(st: Statement, scope: Scope, ctx: EvalContext, out: string[]): void {
  switch (st.kind) {
    case 'if': {
      const hit = st.branches.find((b) => truthy(evaluate(b.cond, scope, ctx)));
      const body = hit ? hit.body : st.otherwise;
      if (body) renderInto(body, scope, ctx, out);
      return;
    }
    case 'set':
      // A value read from host data stays data (never rendered as a template again).
      return assign(
        scope,
        st.targets,
        trackUnsafe(() => evaluate(st.value, scope, ctx)),
        ctx,
        st.start,
      );
    case 'setBlock': {
      const parts: string[] = [];
      renderInto(st.body, scope, ctx, parts);
      return assignOne(scope, st.target, parts.join(''), ctx, st.start);
    }
    case 'macro':
      return setKey(scope, st.name, makeMacro(st.name, st, st.body, scope, ctx));
    case 'callBlock': {
      const caller = makeMacro('caller', st, st.body, scope, ctx);
      const fn = evaluate(st.call.callee, scope, ctx);
      if (!(fn instanceof Macro)) throw new NodemendError('expression', `'${ctx.source.slice(st.call.callee.start, st.call.callee.end).trim()}' is not a macro`, ctx.posAt(st.call.start));
      const args = st.call.args.map((n) => evaluate(n, scope, ctx));
      const kwargs = st.call.kwargs.map(([k, n]): [string, unknown] => [k, evaluate(n, scope, ctx)]);
      try {
        out.push(toText(fn.invoke(args, [...kwargs, ['caller', caller]])));
      } catch (e) {
        if (e instanceof ExprValueError) throw new NodemendError('expression', e.message, ctx.posAt(st.call.start));
        throw e;
      }
      return;
    }
    case 'include': {
      const t = loadTemplate(st.template, scope, ctx, st.ignoreMissing);
      if (t) renderInto(t.body, child(st.withContext ? scope : noContext(scope)), t.ctx, out);
      return;
    }
    case 'import':
      return setKey(scope, st.target, importModule(loadTemplate(st.template, scope, ctx, false)!, scope, st.withContext));
    case 'fromImport': {
      const mod = importModule(loadTemplate(st.template, scope, ctx, false)!, scope, st.withContext);
      for (const [name, alias] of st.names) setKey(scope, alias, Object.hasOwn(mod, name) ? mod[name] : UNDEFINED);
      return;
    }
    case 'for': {
      const seq = trackUnsafe(() => evaluate(st.iter, scope, ctx));
      const unsafe = isUnsafe(seq);
      let items: unknown[];
      try {
        items = iterate(seq instanceof UnsafeText ? seq.text : seq, 'for');
      } catch (e) {
        throw new NodemendError('expression', (e as Error).message, ctx.posAt(st.iter.start));
      }
      if (unsafe) items = items.map((x) => markUnsafe(x));
      if (st.filter) {
        const filter = st.filter;
        items = items.filter((item) => {
          const s = child(scope);
          assign(s, st.targets, item, ctx, st.start);
          return truthy(evaluate(filter, s, ctx));
        });
      }
      if (!items.length) {
        if (st.otherwise) renderInto(st.otherwise, scope, ctx, out);
        return;
      }
      items.forEach((item, i) => {
        const s = child(scope);
        assign(s, st.targets, item, ctx, st.start);
        const loop: Mapping = {};
        const n = items.length;
        const fields: [string, unknown][] = [
          ['index', i + 1],
          ['index0', i],
          ['revindex', n - i],
          ['revindex0', n - i - 1],
          ['first', i === 0],
          ['last', i === n - 1],
          ['length', n],
          ['depth', 1],
          ['depth0', 0],
        ];
        for (const [k, v] of fields) setKey(loop, k, v);
        if (i > 0) setKey(loop, 'previtem', items[i - 1]);
        if (i < n - 1) setKey(loop, 'nextitem', items[i + 1]);
        setKey(s, 'loop', loop);
        renderInto(st.body, s, ctx, out);
      });
      return;
    }
  }
}

/** Render statements and text to a string; `{% set %}` at the top writes to a scope of its own. */
export function renderBody(body: Body, scope: Scope, ctx: EvalContext): string {
  const out: string[] = [];
  renderInto(body, body.some((s) => 'stmt' in s) ? child(scope) : scope, ctx, out);
  return out.join('');
}
