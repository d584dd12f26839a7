/**
 * The type a templated playbook string gives, against values measured with ansible-playbook 2.14
 * (jinja2_native off; `x | type_debug` after `set_fact: x: "<template>"`). The same table runs through
 * both tools on a fleet host in test/fleet/differential-titles-types.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { renderDeep, renderStored } from '../../../src/load/expr/index.js';
import { literalEval } from '../../../src/load/expr/ansible-types.js';
import { isUnsafe, UnsafeText } from '../../../src/load/expr/unsafe.js';

const scope = { n: 5, s5: '5', sTrue: 'True', flag: true, nothing: null, five: '{{ 5 }}', pkgs: ['a', 'b'], out: new UnsafeText('[1, 2]') };

describe('templated strings give the type Ansible 2.14 gives', () => {
  it.each([
    ['{{ 5 }}', '5'],
    ['{{ -3 }}', '-3'],
    ['{{ 1.5 }}', '1.5'],
    ['{{ true }}', true],
    ['{{ 1 > 2 }}', false],
    ['{{ none }}', ''],
    ["{{ [1, 'a'] }}", [1, 'a']],
    ["{{ {'a': 1} }}", { a: 1 }],
    ["{{ '5' }}", '5'],
    ["{{ 'True' }}", true],
    ["{{ 'true' }}", 'true'], // only Python's spelling alone converts (set_fact adds its own yes/no/true/false rule)
    ["{{ '[1, 2]' }}", [1, 2]],
    ["{{ '[word]' }}", '[word]'], // not a literal: stays text
    ['{{ \'{"a": true, "b": null}\' }}', { a: true, b: null }], // JSON's names are taken, as Ansible's Json2Python
    ["{{ '[none]' }}", '[none]'],
    ['{{ 1 }}{{ 2 }}', '12'],
    ['[{{ 1 }}, {{ 2 }}]', [1, 2]],
    ['{{ n }}', 5], // a variable alone keeps a number, bool or none (SINGLE_VAR)
    ['{{ flag }}', true],
    ['{{ nothing }}', null],
    ['{{ n + 1 }}', '6'],
    ['{{ n | int }}', '5'],
    ['{{ s5 }}', '5'],
    ['{{ sTrue }}', true],
    ['{{ five }}', '5'],
    ['{{ pkgs }}', ['a', 'b']],
    ['{{ pkgs | length }}', '2'],
    [' {{ true }}', ' True'],
    ['{{ true }}\n', true], // the trailing newline is kept on text only
    ['{{ 5 }}\n', '5\n'],
    // STRING_TYPE_FILTERS keep their text when alone (NativeJinjaText), measured with 2.14:
    ["{{ {'a': 1} | to_json }}", '{"a": 1}'],
    ['{{ [1] | string }}', '[1]'],
    ['{{ [1] | to_json | trim }}', [1]],
    ["{{ [1] | to_json }}{{ '' }}", [1]],
  ])('%j', (src, want) => {
    expect(renderDeep(src, scope)).toEqual(want);
  });

  it('host output that looks like a list becomes one, still marked as data', () => {
    const v = renderStored('{{ out }}', scope); // as set_fact and loops keep it
    expect(v).toEqual([1, 2]);
    expect(isUnsafe(v)).toBe(true);
  });

  it('literalEval takes Python literals only', () => {
    expect(literalEval("[1, -2.5, 'x', (3, 4), {'k': [True, None]}]")).toEqual([1, -2.5, 'x', [3, 4], { k: [true, null] }]);
    expect(literalEval('[a]')).toBeUndefined();
    expect(literalEval('[1 + 2]')).toBeUndefined();
    expect(literalEval("['a' | upper]")).toBeUndefined();
    expect(literalEval('[')).toBeUndefined();
  });
});
