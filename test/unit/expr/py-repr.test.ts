/**
 * Printed values as Python's str() prints them in 2.14 (a list or dict in a template): item
 * quoting, escapes, unicode, None/True/False, dict order, and tuples. The corpus is compared
 * with this machine's python3 when there is one; the tuple cases are written out.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../../src/load/expr/index.js';

const PY = '/usr/bin/python3';
const hasPython = ((): boolean => {
  try {
    execFileSync(PY, ['-c', 'pass'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const ev = (src: string, scope: Record<string, unknown> = {}): unknown => compileExpression(src).evaluate(scope);

const STRINGS = [
  "it's",
  'say "hi"',
  `it's "x"`,
  'back\\slash',
  'a\nb',
  'tab\there',
  'cr\r',
  'é',
  '日本語',
  '😀',
  '\xa0',
  '\u2028',
  '\x85',
  '\u200b',
  '\ufeff',
  '\x7f',
  '\x00',
  '\x1b[0m',
  '\u3000',
  '\ue000',
  '',
  ' ',
  "'",
  '"',
  '\'"',
];
const VALUES: unknown[] = [
  STRINGS,
  [null, true, false, 0, -3, 'None'],
  { b: 1, a: [1, { z: null, y: 'x' }], "it's": "it's", '': [] },
  [[], {}, [[]], ['a', ['b', ['c']]]],
  Object.fromEntries(STRINGS.map((s, i) => [s, i])),
];

describe('str() of lists and dicts as Python prints them', () => {
  it.runIf(hasPython)('a corpus prints as python3 str() prints it', () => {
    const want = JSON.parse(execFileSync(PY, ['-c', 'import json,sys; json.dump([str(v) for v in json.load(sys.stdin)], sys.stdout)'], { input: JSON.stringify(VALUES) }).toString()) as string[];
    expect(VALUES.map((v) => ev('v | string', { v }))).toEqual(want);
    expect(VALUES.map((v) => ev("'' ~ v", { v }))).toEqual(want);
  });

  it('tuples print as tuples: items() pairs, (a, b) literals, one-item and empty tuples', () => {
    const d = { b: 2, a: 1 };
    expect(ev("'' ~ (d.items() | list)", { d })).toBe("[('b', 2), ('a', 1)]");
    expect(ev("'' ~ d.items()", { d })).toBe("[('b', 2), ('a', 1)]");
    expect(ev("'' ~ (1,)")).toBe('(1,)');
    expect(ev("'' ~ ()")).toBe('()');
    expect(ev("'' ~ [(1, 'a'), [2]]")).toBe("[(1, 'a'), [2]]");
    expect(ev('(1, 2) | type_debug')).toBe('tuple');
    expect(ev('[1, 2] | type_debug')).toBe('list');
    // A filter's output is a new list, as in Python (list(t) is a list).
    expect(ev("'' ~ ((1, 2) | list)")).toBe('[1, 2]');
  });
});
