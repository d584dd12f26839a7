/**
 * Filter and test names with a collection prefix, as ansible-core 2.14.18 resolves them (measured
 * with its AnsibleEnvironment: Ansible's plugins answer to `ansible.builtin.NAME` too, Jinja2's
 * builtins only to their short name). The same names run through both tools on a fleet host in
 * test/fleet/differential-expressions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compileExpression, renderDeep } from '../../../src/load/expr/index.js';
import { FILTERS } from '../../../src/load/expr/filters.js';
import { TESTS } from '../../../src/load/expr/tests.js';
import { canonicalName, qualifiedNames } from '../../../src/load/expr/fqcn.js';

const scope = { d: { a: 1 }, v: '1.2', xs: ['a', 'b'] };
const ev = (src: string): unknown => compileExpression(src).evaluate(scope);

describe('collection names of filters and tests', () => {
  it('every qualified name points at a filter or test nodemend has', () => {
    for (const kind of ['filter', 'test'] as const) {
      const reg: Record<string, unknown> = kind === 'filter' ? FILTERS : TESTS;
      const names = qualifiedNames(kind, (short) => Object.hasOwn(reg, short));
      expect(names.length).toBeGreaterThan(10);
      for (const n of names) expect(Object.hasOwn(reg, canonicalName(kind, n)!), n).toBe(true);
    }
  });

  it.each([
    ['d | ansible.builtin.to_json', '{"a": 1}'],
    ["'a.b' | ansible.builtin.regex_replace('\\\\.', '-')", 'a-b'],
    ["v is ansible.builtin.version('1.0', '>')", true],
    ["v is not ansible.builtin.version('1.0', '>')", false],
    ["xs | map('ansible.builtin.to_json') | list", ['"a"', '"b"']],
    ["['1.2', '0.9'] | select('ansible.builtin.version', '1.0', '>') | list", ['1.2']],
    ["['a', 'b'] | community.general.path_join", 'a/b'],
    ['d | ansible.builtin.dict2items | ansible.builtin.items2dict', { a: 1 }],
  ])('%s', (src, want) => {
    expect(ev(src)).toEqual(want);
  });

  it.each([
    ["'a' | ansible.builtin.upper", "unknown filter 'ansible.builtin.upper': 'upper' is Jinja2's own filter"],
    ["'a' is ansible.builtin.defined", "unknown test 'ansible.builtin.defined': 'defined' is Jinja2's own test"],
    ["'a' | ansible.builtin.nosuch", "unknown filter 'ansible.builtin.nosuch'"],
    ["'a' | community.general.dict_kv('k')", "unknown filter 'community.general.dict_kv' (nodemend has no filters of community.general"],
    ["xs | map('ansible.builtin.lower')", "unknown filter 'ansible.builtin.lower'"],
  ])('%s fails at load time', (src, msg) => {
    expect(() => compileExpression(src)).toThrow(msg);
  });

  it('names the line and column of the unknown name', () => {
    let err: unknown;
    try {
      compileExpression("'a' | ansible.builtin.nosuch", { file: 'play.yml', line: 3, col: 10 });
    } catch (e) {
      err = e;
    }
    expect((err as { format(): string }).format()).toMatch(/^play\.yml:3:16: /);
  });

  it('2.14 keeps only a short STRING_TYPE_FILTERS name as text: the qualified one converts back', () => {
    expect(renderDeep('{{ d | to_json }}', scope)).toBe('{"a": 1}');
    expect(renderDeep('{{ d | ansible.builtin.to_json }}', scope)).toEqual({ a: 1 });
  });
});
