/**
 * expanduser, type_debug and random. Expected values are what ansible-core 2.14 printed on
 * Debian bookworm for the same expressions (random with a seed is Python's MT19937).
 */
import { homedir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { compileExpression } from '../../../src/load/expr/index.js';
import { markUnsafe, UnsafeText } from '../../../src/load/expr/unsafe.js';

const ev = (src: string, sc: Record<string, unknown> = {}): unknown => compileExpression(src).evaluate(sc);

describe('random', () => {
  test.each([
    ["'inventory' | random(seed='abc')", 'y'],
    ["100 | random(seed='node1')", 73],
    ['100 | random(seed=7)', 41],
    ["[1, 2, 3, 4, 5] | random(seed='x')", 3],
    ["100 | random(start=10, step=5, seed='h')", 50],
  ])('%s is what Ansible gives for that seed', (src, want) => expect(ev(src)).toBe(want));

  test('without a seed: within the range, and not always the same', () => {
    const seen = new Set<unknown>();
    for (let i = 0; i < 200; i++) {
      const v = ev('10 | random(start=5)') as number;
      expect(v >= 5 && v < 10 && Number.isInteger(v)).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  test.each([
    ["[] | random(seed='a')", 'cannot choose from an empty sequence'],
    ['[1] | random(start=1)', 'start and step can only be used with integer values'],
    ['0 | random', 'empty range'],
  ])('%s fails', (src, msg) => expect(() => ev(src)).toThrow(msg));
});

describe('type_debug', () => {
  const sc = { s: 'a', n: 3, d: { a: 1 }, l: [1, 2], b: true, z: null, f: 1.5, r: markUnsafe({ stdout: 'hi' }), boxed: new UnsafeText('x') };
  test.each([
    ['s', 'AnsibleUnicode'],
    ["'x'", 'str'],
    ["(s ~ 'x')", 'str'],
    ['s | upper', 'str'],
    ['n', 'int'],
    ['d', 'dict'],
    ['l', 'list'],
    ['b', 'bool'],
    ['z', 'NoneType'],
    ['f', 'float'],
    ['r.stdout', 'AnsibleUnsafeText'],
    ['boxed', 'AnsibleUnsafeText'],
    ['r', 'dict'],
  ])('%s | type_debug', (src, want) => expect(ev(`${src} | type_debug`, sc)).toBe(want));
});

describe('expanduser (on the controller, as Ansible)', () => {
  test.each([
    ['~/x', `${process.env.HOME ?? homedir()}/x`],
    ['~root/y', '/root/y'],
    ['~nosuchuser-s13c/z', '~nosuchuser-s13c/z'],
    ['/abs/~', '/abs/~'],
  ])('%s', (p, want) => expect(ev(`'${p}' | expanduser`)).toBe(want));
});

describe('comment (ansible-core 2.14 plugins/filter/core.py; expected values printed by it)', () => {
  test.each([
    ["'Ansible managed' | comment", '#\n# Ansible managed\n#'],
    ["'a\\nb\\n\\nc' | comment", '#\n# a\n# b\n#\n# c\n#'],
    ["'x' | comment('c')", '//\n// x\n//'],
    ["'x' | comment('cblock')", '/*\n *\n * x\n *\n */'],
    ["'x' | comment('xml')", '<!--\n -\n - x\n -\n-->'],
    ["'x' | comment('erlang')", '%\n% x\n%'],
    ["'x' | comment(decoration='; ')", ';\n; x\n;'],
    ["'x' | comment('c', prefix_count=2, postfix_count=0)", '//\n//\n// x'],
    ["'x' | comment(prefix='\\n')", '\n# x\n#'],
    ["'x' | comment('cblock', decoration='** ')", '/*\n**\n** x\n**\n */'],
  ])('%s', (src, want) => expect(ev(src)).toBe(want));
  test('an unknown style is an error', () => expect(() => ev("'x' | comment('lisp')")).toThrow(/unknown style 'lisp'/));
});
