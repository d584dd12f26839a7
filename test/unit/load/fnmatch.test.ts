/**
 * src/load/fnmatch.ts against CPython's own fnmatch (the python3 that ansible-core runs on, which
 * scripts/install.sh installs): every pattern and name below is matched by both and must agree.
 * The cases are the corners of Lib/fnmatch.py's translate: a literal `]` first in a class, `[!`
 * negation, a `[` without its `]`, ranges (an out-of-order one is empty), hyphens first and last,
 * `^` and backslash as plain characters, regex metacharacters, newlines and astral characters.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fnmatch } from '../../../src/load/fnmatch.js';

const NAMES = [
  '',
  'a',
  'b',
  'z',
  'ab',
  'abc',
  'a.c',
  'a\nb',
  ']',
  '[',
  '[a',
  '!',
  '^',
  '-',
  '\\',
  'x-y',
  'node1',
  'node3',
  'web-a',
  'web-b',
  'web-c',
  '😀',
  'a😀',
  'a/b',
  '(x)',
  'a+b',
  '$',
  '{1}',
  'A',
];
const PATTERNS = [
  '*',
  '?',
  '??',
  'a*',
  '*c',
  'a?c',
  'a*c',
  '[ab]',
  '[!ab]',
  '[]]',
  '[!]]',
  '[]a]',
  '[',
  '[a',
  'a[',
  '[!]',
  '[]',
  '[a-c]',
  '[c-a]',
  '[!c-a]',
  '[z-a]x',
  '[-a]',
  '[a-]',
  '[!-a]',
  '[a--]',
  '[a-c-z]',
  '[^a]',
  '[\\]',
  '[\\a]',
  '\\',
  'node[13]',
  'web-[!a]',
  'web-[a-b]',
  '[[]',
  '[[]a',
  'a.c',
  'a+b',
  '(x)',
  '$',
  '{1}',
  'a/b',
  '*/*',
  '[😀]',
  'a?',
  '[!a]',
  '[A-z]',
  '**',
  '*?*',
  '[a-a]',
  '[b-a-c]',
];

describe('fnmatch is Python’s', () => {
  it('agrees with CPython’s fnmatch.fnmatchcase on every pattern × name', () => {
    const cases = PATTERNS.flatMap((p) => NAMES.map((n) => [p, n]));
    const py = 'import fnmatch, json, sys\nprint(json.dumps([fnmatch.fnmatchcase(n, p) for p, n in json.load(sys.stdin)]))';
    const expected = JSON.parse(execFileSync('python3', ['-c', py], { input: JSON.stringify(cases), encoding: 'utf8' })) as boolean[];
    const got = cases.map(([p, n]) => fnmatch(n, p));
    const differ = cases.map(([p, n], i) => (got[i] === expected[i] ? '' : `${JSON.stringify(p)} ~ ${JSON.stringify(n)}: python ${expected[i]}`)).filter(Boolean);
    expect(differ).toEqual([]);
    expect(expected.filter(Boolean).length).toBeGreaterThan(50); // the cases exercise both outcomes
    expect(expected.filter((m) => !m).length).toBeGreaterThan(50);
  });
});
