import { describe, expect, test } from 'vitest';
import { compileExpression } from '../../../src/load/expr/index.js';

const ev = (e: string, scope: Record<string, unknown> = {}) => compileExpression(e).evaluate(scope);

describe('format filter (Python %-formatting)', () => {
  test('pads and aligns columns', () => {
    expect(ev("'%-8s|%6s|' | format(h, v)", { h: 'node1', v: 'ok' })).toBe('node1   |    ok|');
  });
  test('numbers: width, zero pad after the sign, precision, hex, sign flags', () => {
    expect(ev("'%05d %.2f %x %+d % d' | format(-42, 3.14159, 255, 7, 7)")).toBe('-0042 3.14 ff +7  7');
  });
  test('%s truncates with a precision; %% is a literal percent; lists print as text', () => {
    expect(ev("'%.3s %d%% %s' | format('abcdef', 50, [1])")).toBe('abc 50% [1]');
  });
  test('argument count and types are checked like Python', () => {
    expect(() => ev("'%s %s' | format(1)")).toThrow(/not enough arguments/);
    expect(() => ev("'%s' | format(1, 2)")).toThrow(/not all arguments converted/);
    expect(() => ev("'%d' | format('x')")).toThrow(/%d format: a real number is required, not str/);
  });
});
