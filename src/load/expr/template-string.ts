/**
 * Templated strings: "text {{ expr }} text". Jinja's `{{-` / `-}}` trim the whitespace
 * beside them, `{% raw %}...{% endraw %}` keeps its content literally (for docker's
 * --format '{{.Names}}'); other `{% %}` blocks are not supported. `{#` is plain text,
 * so shell's ${#array[@]} needs no escaping.
 */
import { NodemendError, type SourcePos } from '../errors.js';
import type { Node } from './ast.js';
import { ExprSyntaxError, UndefinedVariableError } from './errors.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { tokenize } from './lexer.js';
import { Parser } from './parser.js';
import { toText } from './values.js';

export type Segment = { text: string } | { node: Node };

export interface ParsedTemplate {
  segments: Segment[];
  /** Set when the string is one `{{ expr }}` with only whitespace around: it renders to the native value. */
  native?: Node;
}

export function hasTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

const RAW = /^\{%-?\s*raw\s*-?%\}/;
const END_RAW = /\{%-?\s*endraw\s*-?%\}/g;

export function parseTemplate(src: string): ParsedTemplate {
  const segments: Segment[] = [];
  let text = '';
  let exprs = 0;
  let i = 0;
  for (;;) {
    const open = src.slice(i).search(/\{\{|\{%/);
    if (open < 0) break;
    const at = i + open;
    text += src.slice(i, at);
    if (src.startsWith('{%', at)) {
      const raw = RAW.exec(src.slice(at));
      if (!raw) throw new ExprSyntaxError("'{% ... %}' blocks are not supported (only {% raw %}...{% endraw %}): use when:/loop: on the task, or a Handlebars template file", at);
      END_RAW.lastIndex = at + raw[0].length;
      const end = END_RAW.exec(src);
      if (!end) throw new ExprSyntaxError("expected '{% endraw %}' to close '{% raw %}'", at);
      text += src.slice(at + raw[0].length, end.index);
      i = end.index + end[0].length;
      continue;
    }
    const stripBefore = src[at + 2] === '-';
    if (stripBefore) text = text.replace(/\s+$/, '');
    const tokens = tokenize(src, at + (stripBefore ? 3 : 2), true);
    const close = tokens[tokens.length - 1];
    if (close.type !== 'close') throw new ExprSyntaxError("expected '}}' to close '{{'", at);
    const node = new Parser(tokens, 'close').parseAll();
    if (text) segments.push({ text });
    text = '';
    segments.push({ node });
    exprs++;
    i = close.end;
    if (close.strip) i += src.slice(i).length - src.slice(i).trimStart().length;
  }
  text += src.slice(i);
  if (text) segments.push({ text });
  const onlySpace = segments.every((s) => 'node' in s || s.text.trim() === '');
  const first = segments.find((s) => 'node' in s);
  return { segments, native: exprs === 1 && onlySpace && first && 'node' in first ? first.node : undefined };
}

export function renderParsed(t: ParsedTemplate, scope: Record<string, unknown>, ctx: EvalContext): unknown {
  if (t.native) {
    const v = evaluate(t.native, scope, ctx);
    // Text around a string stays (Ansible keeps "{{ x }}\n"'s newline); a list, mapping, number... is the value itself.
    if (typeof v !== 'string' || t.segments.length === 1) return v;
    return t.segments.map((s) => ('text' in s ? s.text : v)).join('');
  }
  let out = '';
  for (const s of t.segments) out += 'text' in s ? s.text : toText(evaluate(s.node, scope, ctx));
  return out;
}

const cache = new Map<string, ParsedTemplate | ExprSyntaxError>();

/** Parse once per distinct string: the same template is rendered for every host and loop item. */
export function parsedTemplate(src: string): ParsedTemplate {
  let t = cache.get(src);
  if (!t) {
    try {
      t = parseTemplate(src);
    } catch (e) {
      if (!(e instanceof ExprSyntaxError)) throw e;
      t = e;
    }
    if (cache.size > 10_000) cache.clear(); // values built at run time must not grow this forever
    cache.set(src, t);
  }
  if (t instanceof ExprSyntaxError) throw t;
  return t;
}

/** Positions: offsets are added to the column when the source is one line; a multi-line value keeps its start. */
export function positioner(src: string, pos?: SourcePos): (offset: number) => SourcePos | undefined {
  if (!pos) return () => undefined;
  if (src.includes('\n') || pos.line === undefined || pos.col === undefined) return () => pos;
  return (offset) => ({ ...pos, col: pos.col! + offset });
}

const rendering = new Set<string>();

/**
 * A variable's value that is itself a template, rendered in the scope that read it.
 * Errors point at the expression that read the variable (the value has no position).
 */
export function renderLazy(src: string, scope: Record<string, unknown>, readBy: string, readAt: SourcePos | undefined): unknown {
  if (rendering.has(src)) throw new NodemendError('expression', `recursive loop: the value of '${readBy}' (${JSON.stringify(src)}) uses itself`, readAt);
  let t: ParsedTemplate;
  try {
    t = parsedTemplate(src);
  } catch (e) {
    throw new NodemendError('expression', `in the value of '${readBy}' (${JSON.stringify(src)}): ${(e as Error).message}`, readAt);
  }
  rendering.add(src);
  try {
    return renderParsed(t, scope, { source: src, posAt: () => readAt });
  } catch (e) {
    if (e instanceof UndefinedVariableError) throw new UndefinedVariableError(e.variable, readAt, `${e.message} (in the value of '${readBy}')`);
    throw e;
  } finally {
    rendering.delete(src);
  }
}
