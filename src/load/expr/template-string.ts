/**
 * Templated strings and `.j2` files: "text {{ expr }} text" with Jinja's statements
 * (statements.ts): `{% if %}`/`{% elif %}`/`{% else %}`, `{% for %}` (with `loop.*` and
 * `{% else %}`), `{% set %}`, `{# comments #}`, `{% raw %}`, whitespace control
 * (`{{-` `-}}` `{%-` `-%}` `{%+` `+%}`) and the environment's trim_blocks / lstrip_blocks.
 *
 * Strings in playbooks use Ansible's defaults (trim_blocks on, lstrip_blocks off); in them
 * `{#` opens a comment only when a `#}` follows and never right after `$`, so shell's
 * `${#array[@]}` needs no escaping (Ansible would fail on it). Ansible's trailing-newline
 * rule holds: the source's final newlines are kept (Jinja drops one, Ansible adds back what
 * is missing).
 */
import { NodemendError, type SourcePos } from '../errors.js';
import type { Node } from './ast.js';
import { ExprSyntaxError, UndefinedVariableError } from './errors.js';
import { evaluate, type EvalContext, type Reads } from './evaluate.js';
import { parseBody, renderBody, type Segment } from './statements.js';
import { fromTemplateText, templateValue } from './ansible-types.js';
import { UnsafeText } from './unsafe.js';
import { givesNativeText } from './fqcn.js';
import { givesNativeTemplateText } from './lookup-template.js';
import { inRender } from './values.js';

export type { Segment };

export interface TemplateOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  /** 'closed': `{#` is a comment only when `#}` follows and it is not `${#` (strings); 'always': Jinja's rule (files). */
  comments: 'closed' | 'always';
  /** One `{{ expr }}` alone renders to its value (strings in playbooks), not text (files). */
  native: boolean;
  /** Files (their text's line breaks already \n): Jinja's newline_sequence, each of the template's text (not of a value) written as it. */
  newlineSequence?: string;
  /** The template module's comment_start_string / comment_end_string (Jinja's `{#` `#}`). */
  commentStart?: string;
  commentEnd?: string;
  /** Jinja's line_statement_prefix (a `#jinja2:` header sets it): a line starting with it is a statement. */
  lineStatementPrefix?: string;
  /**
   * Strings in playbooks: string literals inside `{{ }}` keep their backslashes as written (2.14's
   * Templar doubles them before Jinja unescapes: `_escape_backslashes`); not in `{% %}`, not in files.
   */
  rawStrings?: boolean;
}

/** Ansible's templating of strings in playbooks and vars. */
export const STRING_OPTIONS: TemplateOptions = { trimBlocks: true, lstripBlocks: false, comments: 'closed', native: true, rawStrings: true };

/** A template file (`.j2`) with the template module's trim_blocks / lstrip_blocks. */
export const fileOptions = (o: {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  newlineSequence?: string;
  commentStart?: string;
  commentEnd?: string;
  lineStatementPrefix?: string;
}): TemplateOptions => ({
  ...o,
  newlineSequence: o.newlineSequence ?? '\n',
  comments: 'always',
  native: false,
});

export interface ParsedTemplate {
  segments: Segment[];
  /** Set when the string is one `{{ expr }}` with only whitespace around: it renders to the native value. */
  native?: Node;
  /** Newlines at the end of the source (Ansible keeps them). */
  trailingNewlines: number;
  /** Strings in playbooks: the rendered text may become a value again, as Ansible's (ansible-types.ts). */
  convert: boolean;
  /** What the missing final newlines are added as (do_template: the environment's newline_sequence). */
  newline: string;
}

const COMMENT_IN_STRING = /(?<!\$)\{#[\s\S]*?#\}/;

export function hasTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || (s.includes('{#') && COMMENT_IN_STRING.test(s));
}

export function parseTemplate(src: string, opts: TemplateOptions = STRING_OPTIONS): ParsedTemplate {
  const trailingNewlines = src.length - src.replace(/\n+$/, '').length;
  // Jinja drops one final newline before lexing (so trim_blocks cannot eat it); render() adds back what is missing.
  const segments = parseBody(src.endsWith('\n') ? src.slice(0, -1) : src, opts);
  const exprs = segments.filter((s) => 'node' in s);
  const onlySpace = segments.every((s) => 'node' in s || ('text' in s && s.text.trim() === ''));
  const native = opts.native && exprs.length === 1 && onlySpace && 'node' in exprs[0] ? exprs[0].node : undefined;
  return { segments, native, trailingNewlines, convert: opts.native, newline: opts.newlineSequence ?? '\n' };
}

/** Ansible's preserve_trailing_newlines: as many final newlines as the source had. */
function withNewlines(out: string, want: number, newline: string): string {
  const have = out.length - out.replace(/\n+$/, '').length;
  return have < want ? out + newline.repeat(want - have) : out;
}

/** `reads`: the reading evaluation's record, when a variable's value is rendered as it is read (renderLazy). */
export function renderParsed(t: ParsedTemplate, scope: Record<string, unknown>, ctx: EvalContext, reads?: Reads): unknown {
  return inRender(() => renderParsedNow(t, scope, ctx, reads));
}

function renderParsedNow(t: ParsedTemplate, scope: Record<string, unknown>, ctx: EvalContext, reads?: Reads): unknown {
  let out: unknown;
  if (t.native) {
    const v = evaluate(t.native, scope, ctx, reads);
    const around = (shown: string): string => t.segments.map((s) => ('text' in s ? s.text : shown)).join('');
    const n = t.native;
    // 2.14 wraps these filters' output as NativeJinjaText, which ansible_eval_concat returns as is
    // when it is the only node: "{{ d | to_json }}" stays the JSON text, never a dict again.
    const keepsText = ((n.kind === 'filter' && givesNativeText(n.name)) || givesNativeTemplateText(n)) && t.segments.length === 1;
    out = keepsText && (typeof v === 'string' || v instanceof UnsafeText) ? v : templateValue(v, n.kind === 'variable', t.segments.length === 1, around);
  } else {
    const text = renderBody(t.segments, scope, ctx);
    out = t.convert ? fromTemplateText(text) : text;
  }
  // Text keeps the source's final newlines (Ansible's preserve_trailing_newlines); a value has none.
  if (typeof out === 'string') return withNewlines(out, t.trailingNewlines, t.newline);
  if (out instanceof UnsafeText) return new UnsafeText(withNewlines(out.text, t.trailingNewlines, t.newline));
  return out;
}

const cache = new Map<string, ParsedTemplate | ExprSyntaxError>();

/** Parse once per distinct string: the same template is rendered for every host and loop item. */
export function parsedTemplate(src: string): ParsedTemplate {
  let t = cache.get(src);
  if (!t) {
    try {
      t = parseTemplate(src, STRING_OPTIONS);
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
export function renderLazy(src: string, scope: Record<string, unknown>, readBy: string, readAt: SourcePos | undefined, reads?: Reads): unknown {
  if (rendering.has(src)) throw new NodemendError('expression', `recursive loop: the value of '${readBy}' (${JSON.stringify(src)}) uses itself`, readAt);
  let t: ParsedTemplate;
  try {
    t = parsedTemplate(src);
  } catch (e) {
    throw new NodemendError('expression', `in the value of '${readBy}' (${JSON.stringify(src)}): ${(e as Error).message}`, readAt);
  }
  rendering.add(src);
  try {
    return renderParsed(t, scope, { source: src, posAt: () => readAt }, reads);
  } catch (e) {
    if (e instanceof UndefinedVariableError) throw new UndefinedVariableError(e.variable, readAt, `${e.message} (in the value of '${readBy}')`);
    throw e;
  } finally {
    rendering.delete(src);
  }
}
