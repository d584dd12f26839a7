/** removeOmit: Ansible's remove_omit, and host data stays data through it. */
import { describe, expect, it } from 'vitest';
import { OMIT, removeOmit } from '../../../src/run/scope.js';
import { isUnsafe, markUnsafe } from '../../../src/load/expr/unsafe.js';

describe('removeOmit', () => {
  it('drops mapping values equal to the token, in nested mappings and in mappings inside lists', () => {
    const args = { a: OMIT, b: 1, c: { d: OMIT, e: 2 }, l: [{ f: OMIT, g: 3 }, OMIT] };
    expect(removeOmit(args)).toEqual({ b: 1, c: { e: 2 }, l: [{ g: 3 }, OMIT] });
  });

  it('gives back containers it does not change, so a registered list keeps its unsafe mark', () => {
    const lines = markUnsafe(['{{ secret }}']) as string[];
    const args = { all_lines: lines, m: markUnsafe({ x: '{{ y }}' }) };
    const out = removeOmit(args) as typeof args;
    expect(out).toBe(args);
    expect(isUnsafe(out.all_lines)).toBe(true);
    expect(isUnsafe(out.m)).toBe(true);
  });

  it('a host mapping it has to copy stays marked', () => {
    const host = markUnsafe({ a: OMIT, b: '{{ x }}' });
    const out = removeOmit({ r: host }) as { r: unknown };
    expect(out.r).toEqual({ b: '{{ x }}' });
    expect(isUnsafe(out.r)).toBe(true);
  });
});
