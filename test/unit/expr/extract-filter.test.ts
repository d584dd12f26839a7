import { describe, expect, test } from 'vitest';
import { compileExpression } from '../../../src/load/expr/index.js';

const scope = {
  groups: { nodes: ['n1', 'n2'] },
  hostvars: { n1: { kernel: '3.10.0-957.el7.x86_64', info: { nokmem: true } }, n2: { kernel: '6.1.0', info: { nokmem: false } } },
};
const ev = (src: string): unknown => compileExpression(src).evaluate(scope);

describe('extract filter', () => {
  test('a key into a container, and further keys below it', () => {
    expect(ev("'n1' | extract(hostvars)")).toEqual(scope.hostvars.n1);
    expect(ev("'n2' | extract(hostvars, 'kernel')")).toBe('6.1.0');
    expect(ev("'n1' | extract(hostvars, ['info', 'nokmem'])")).toBe(true);
  });
  test("with map, over a group's hosts", () => {
    expect(ev("groups['nodes'] | map('extract', hostvars, 'kernel') | list")).toEqual(['3.10.0-957.el7.x86_64', '6.1.0']);
  });
  test('a missing key is an undefined-variable error naming the path', () => {
    expect(() => ev("'n3' | extract(hostvars, 'kernel')")).toThrow(/extract: 'n3.kernel' is undefined/);
  });
});
