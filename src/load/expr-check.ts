/**
 * Compile every expression and template at load time so a typo in a `when:` or
 * a `{{ }}` is reported with its file:line:col before any host is touched.
 * Compilation is cached by the expression module, so this costs little at run time.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { compileExpression, compileTemplate, hasTemplate } from './expr/index.js';
import { NodemendError } from './errors.js';
import { deref, entries, items, posOf, textPos, type YamlFile } from './yaml-source.js';
import type { Loc } from './model.js';

function record(e: unknown, pos: Loc, out: NodemendError[]): void {
  if (e instanceof NodemendError) out.push(e.pos ? e : new NodemendError(e.code, e.message, pos));
  else out.push(new NodemendError('expression', (e as Error).message, pos));
}

/** A string that is compiled as a template at load time. */
export const isTemplated = (text: string): boolean => hasTemplate(text) || text.includes('{%');

/** Check one `{{ }}` string found at `node`. */
export function checkTemplate(y: YamlFile, node: Node, text: string, out: NodemendError[]): void {
  if (!isTemplated(text)) return;
  try {
    compileTemplate(text, textPos(y, node));
  } catch (e) {
    record(e, posOf(y, node), out);
  }
}

/** Check every string under `node` (vars values, module args); keys are not templated. */
export function checkTemplatesDeep(y: YamlFile, node: Node | null, out: NodemendError[]): void {
  const n = deref(y, node);
  if (n == null) return;
  if (isScalar(n)) {
    if (typeof n.value === 'string') checkTemplate(y, n, n.value, out);
  } else if (isMap(n)) {
    for (const e of entries(y, n)) checkTemplatesDeep(y, e.value, out);
  } else if (isSeq(n)) {
    for (const i of items(y, n)) checkTemplatesDeep(y, i, out);
  }
}

const WRAPPED = /^(\s*\{\{)(.*)\}\}\s*$/s;

/**
 * A `when`-like value (string, boolean or list of them) → raw expression strings,
 * each compiled (`locs`, if given, gets where each one's text starts). A condition written as one "{{ expr }}" is
 * checked as expr and kept as written (Ansible accepts it with a warning); booleans become `true`/`false`.
 */
export function checkConditions(y: YamlFile, node: Node | null, out: NodemendError[], warnings?: string[], locs?: Loc[]): string[] {
  const n = deref(y, node);
  if (n == null) return [];
  const list = isSeq(n) ? items(y, n) : [n];
  const result: string[] = [];
  for (const item of list) {
    if (!isScalar(item)) continue; // the schema reports the wrong type
    const v = item.value;
    if (typeof v === 'boolean') {
      result.push(v ? 'true' : 'false');
      locs?.push(posOf(y, item));
      continue;
    }
    if (typeof v !== 'string') continue;
    let src = v;
    let offset = 0;
    const m = WRAPPED.exec(v);
    if (hasTemplate(v)) {
      const at = posOf(y, item);
      warnings?.push(`${at.file}:${at.line}:${at.col}: conditional statements should not include jinja2 templating delimiters such as {{ }} or {% %}. Found: ${v}`);
    }
    if (m && !m[2].includes('{{')) {
      src = m[2];
      offset = m[1].length;
    } else if (hasTemplate(v)) {
      // Templated first, then evaluated (expr/index.ts evaluateTemplatedExpression): check it as a template.
      result.push(v);
      locs?.push(textPos(y, item));
      checkTemplate(y, item, v, out);
      continue;
    }
    const lead = src.length - src.trimStart().length;
    src = src.trim();
    const start = textPos(y, item);
    const pos = start.col && !v.includes('\n') ? { ...start, col: start.col + offset + lead } : start;
    // A wrapped "{{ expr }}" is kept as written: a string value is evaluated again when it runs, as Ansible does.
    result.push(offset ? v : src);
    locs?.push(pos);
    try {
      compileExpression(src, pos, offset > 0);
    } catch (e) {
      record(e, posOf(y, item), out);
    }
  }
  return result;
}
