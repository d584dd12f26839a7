/**
 * The variables an expression or template reads, for load-time checks (load/static-checks.ts):
 * each top-level name with the offset where it is written. A name read under `is defined`,
 * `is undefined` or `default()` (a test or filter that accepts an undefined input) is
 * `guarded`: the expression is written to work without it, so it is never reported.
 */
import type { Node } from './ast.js';
import { FILTERS } from './filters.js';
import { parsedTemplate } from './template-string.js';
import { TESTS } from './tests.js';
import { canonicalName } from './fqcn.js';

export interface NamesRead {
  read: { name: string; offset: number }[];
  guarded: Set<string>;
  /** False when `{% %}` statements (not walked here) may read or set more names. */
  complete: boolean;
}

function walk(node: Node, out: NamesRead, guarded: boolean): void {
  const each = (n: Node | undefined, g = guarded): void => {
    if (n) walk(n, out, g);
  };
  switch (node.kind) {
    case 'literal':
      return;
    case 'variable':
      if (guarded) out.guarded.add(node.name);
      else out.read.push({ name: node.name, offset: node.start });
      return;
    case 'member':
      each(node.object);
      each(node.key, false);
      return;
    case 'slice':
      each(node.object);
      for (const n of [node.from, node.to, node.step]) each(n, false);
      return;
    case 'list':
      for (const n of node.items) each(n);
      return;
    case 'dict':
      for (const [k, v] of node.entries) {
        each(k);
        each(v);
      }
      return;
    case 'unary':
      each(node.operand);
      return;
    case 'binary':
    case 'logical':
      each(node.left);
      each(node.right);
      return;
    case 'compare':
      each(node.first);
      for (const r of node.rest) each(r.right);
      return;
    case 'conditional':
      each(node.condition);
      each(node.then);
      each(node.otherwise);
      return;
    case 'lookup':
    case 'global':
      for (const a of node.args) each(a, false);
      for (const [, v] of node.kwargs) each(v, false);
      return;
    case 'filter':
    case 'test': {
      const defs = node.kind === 'filter' ? FILTERS : TESTS;
      const key = canonicalName(node.kind, node.name);
      const def = key !== undefined && Object.hasOwn(defs, key) ? defs[key] : undefined;
      each(node.input, guarded || def?.acceptsUndefined === true);
      for (const a of node.args) each(a, false);
      for (const [, v] of node.kwargs) each(v, false);
      return;
    }
  }
}

/** Names an expression's syntax tree reads. */
export function namesInExpression(ast: Node): NamesRead {
  const out: NamesRead = { read: [], guarded: new Set(), complete: true };
  walk(ast, out, false);
  return out;
}

/** Names the `{{ }}` parts of a template read (offsets into the template text). */
export function namesInTemplate(src: string): NamesRead {
  const out: NamesRead = { read: [], guarded: new Set(), complete: true };
  for (const s of parsedTemplate(src).segments) {
    if ('node' in s) walk(s.node, out, false);
    else if ('stmt' in s) out.complete = false;
  }
  return out;
}
