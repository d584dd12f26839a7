/**
 * An evaluation's record of its last read (evaluate.ts `Reads`, what type_debug's str vs
 * AnsibleUnicode rests on) is passed down, not kept in the module: each evaluation has its
 * own, and a template that a read renders shares its reader's, so a pass-through reports
 * what it passed through.
 */
import { describe, expect, test } from 'vitest';
import { Parser } from '../../../src/load/expr/parser.js';
import { tokenize } from '../../../src/load/expr/lexer.js';
import { evaluate, type Reads } from '../../../src/load/expr/evaluate.js';

const ctx = (src: string) => ({ source: src, posAt: () => undefined });
const run = (src: string, scope: Record<string, unknown>, reads: Reads = { rendered: false, shape: false }): Reads => {
  evaluate(new Parser(tokenize(src)).parseAll(), scope, ctx(src), reads);
  return reads;
};

describe('Reads: one per evaluation', () => {
  const scope = { plain: 'x', made: '{{ plain }}-y', through: '{{ made }}', same: '{{ plain }}' };

  test.each([
    ['plain', false],
    ['made', true], // rendered into new text: a str in 2.14
    ['through', true], // passes `made` through: what reading `made` told
    ['same', false], // passes a YAML string through: still AnsibleUnicode
  ])('%s: rendered %s', (src, want) => expect(run(src, scope).rendered).toBe(want));
});
