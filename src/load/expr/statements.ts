/**
 * Jinja's statements for templated strings and `.j2` files: lexing into text / `{{ }}` /
 * `{% %}` / `{# #}` pieces with Jinja's whitespace rules, the statement tree, and its
 * rendering. Supported: if/elif/else, for (tuple targets, `if` filter, `else`, `loop.*`),
 * set (`{% set x = e %}` and the `{% set x %}...{% endset %}` block), raw, comments.
 * Deliberately not: macro, call, include, import, extends, block, filter, with, do,
 * break/continue, loop.cycle and recursive loops: each fails at load time, naming itself.
 *
 * Scoping as in Jinja: a `for` body has its own scope per iteration (a `set` inside does not
 * leak out); `if` has none. Nothing is written to the caller's variables.
 */
import { NodemendError } from '../errors.js';
import type { Node } from './ast.js';
import { ExprSyntaxError } from './errors.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { tokenize, type Token } from './lexer.js';
import { Parser } from './parser.js';
import type { TemplateOptions } from './template-string.js';
import { isUnsafe, markUnsafe, trackUnsafe, UnsafeText } from './unsafe.js';
import { iterate, setKey, toText, truthy, typeName, type Mapping } from './values.js';

export type Segment = { text: string } | { node: Node } | { stmt: Statement };

type Body = Segment[];

type Statement = At &
  (
    | { kind: 'if'; branches: { cond: Node; body: Body }[]; otherwise?: Body }
    | { kind: 'for'; targets: string[]; iter: Node; filter?: Node; body: Body; otherwise?: Body }
    | { kind: 'set'; targets: string[]; value: Node }
    | { kind: 'setBlock'; target: string; body: Body }
  );

interface At {
  start: number;
}

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'var'; node: Node; start: number; stripLeft: boolean; stripRight: boolean }
  | { kind: 'block'; tokens: Token[]; start: number; stripLeft: boolean; keepLeft: boolean; stripRight: boolean; keepRight: boolean }
  | { kind: 'comment'; start: number; stripLeft: boolean; stripRight: boolean };

const OPEN = /\{\{|\{%|\{#/g;
const RAW = /^\{%([-+]?)\s*raw\s*([-+]?)%\}/;
const END_RAW = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;

/** Split the source into text and tags; a raw block becomes its tags around one text piece. */
function lex(src: string, opts: TemplateOptions): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  const text = (t: string): void => {
    if (t) pieces.push({ kind: 'text', text: t });
  };
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
    if (m[0] === '{#') {
      const end = src.indexOf('#}', at + 2);
      if (end < 0) throw new ExprSyntaxError("expected '#}' to close the comment '{#'", at);
      pieces.push({ kind: 'comment', start: at, stripLeft: flag === '-', stripRight: src[end - 1] === '-' && end - 1 > at + 2 });
      i = end + 2;
      continue;
    }
    const stripLeft = flag === '-';
    if (m[0] === '{{') {
      const tokens = tokenize(src, at + (stripLeft ? 3 : 2), '}}');
      const close = tokens[tokens.length - 1];
      if (close.type !== 'close') throw new ExprSyntaxError("expected '}}' to close '{{'", at);
      pieces.push({ kind: 'var', node: new Parser(tokens, 'close').parseAll(), start: at, stripLeft, stripRight: Boolean(close.strip) });
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

const CLOSERS: Record<string, string> = { if: 'endif', for: 'endfor', set: 'endset' };
const ENDS = new Set(['elif', 'else', 'endif', 'endfor', 'endset', 'endraw']);
const UNSUPPORTED = new Set(['macro', 'call', 'include', 'import', 'from', 'extends', 'block', 'filter', 'with', 'do', 'break', 'continue', 'autoescape', 'trans']);

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
        const parser = new Parser(p.tokens, 'close', '%}');
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
      const targets = [String(p.expectName('a variable name').value)];
      while (p.acceptOp(',')) targets.push(String(p.expectName('a variable name').value));
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
    if (ENDS.has(name)) {
      throw new ExprSyntaxError(`unexpected '{% ${name} %}': no open block it could close`, head.start);
    }
    if (UNSUPPORTED.has(name)) throw new ExprSyntaxError(`'{% ${name} %}' is not supported (statements: if, for, set, raw)`, head.start);
    throw new ExprSyntaxError(`unknown statement ${head.type === 'name' ? `'${name}'` : `'${String(head.value)}'`} (statements: if, for, set, raw)`, head.start);
  }
}

export function parseBody(src: string, opts: TemplateOptions): Body {
  const pieces = lex(src, opts);
  whitespace(pieces, opts);
  // Jinja's lexer writes each line break of the template's text (raw blocks too) as newline_sequence.
  const nl = opts.newlineSequence;
  if (nl !== undefined && nl !== '\n') for (const p of pieces) if (p.kind === 'text') p.text = p.text.replaceAll('\n', nl);
  return new TreeBuilder(pieces).body([]).body;
}

type Scope = Record<string, unknown>;

/** A scope that sees its parent's variables and keeps its own assignments. */
function child(parent: Scope): Scope {
  return Object.create(parent) as Scope;
}

function assign(scope: Scope, targets: string[], value: unknown, ctx: EvalContext, at: number): void {
  if (targets.length === 1) return setKey(scope, targets[0], value);
  const items = Array.isArray(value) ? value : undefined;
  if (!items || items.length !== targets.length) {
    const got = items ? `${items.length} values` : `'${typeName(value)}'`;
    throw new NodemendError('expression', `cannot unpack ${got} into ${targets.length} names (${targets.join(', ')})`, ctx.posAt(at));
  }
  // Items of host data stay host data.
  const unsafe = isUnsafe(value);
  targets.forEach((t, i) => setKey(scope, t, unsafe ? markUnsafe(items[i]) : items[i]));
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
      return setKey(scope, st.target, parts.join(''));
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
