/**
 * Role argument spec validation against the messages ansible-core 2.14.18 gave for the same spec
 * and values (a role with meta/argument_specs.yml run through ansible-playbook, values written in
 * YAML, so strings are AnsibleUnicode). The same spec runs through both tools on a fleet host in
 * test/fleet/differential-expressions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { validateArgs, type ArgSpec } from '../../../src/modules/lib/arg-spec.js';

const SPEC: ArgSpec = {
  s_name: { type: 'str', required: true },
  n_count: { type: 'int', default: 3 },
  f_ratio: { type: 'float' },
  b_flag: { type: 'bool' },
  l_items: { type: 'list', elements: 'int' },
  d_opts: { type: 'dict', options: { mode: { type: 'str', choices: ['a', 'b'], required: true }, size: { type: 'int' } } },
  c_choice: { type: 'str', choices: ['x', 'y'] },
  p_path: { type: 'path' },
  r_raw: { type: 'raw' },
  l_dicts: { type: 'list', elements: 'dict', options: { k: { type: 'str', required: true } } },
};
const U = "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>";
const yaml = () => 'AnsibleUnicode' as const;

describe("role argument specs, as 2.14's ArgumentSpecValidator", () => {
  it('every error, in the order and words Ansible gives', () => {
    const params = { s_name: 5, n_count: 'x', f_ratio: '1.5z', b_flag: 'maybe', l_items: ['1', 'a'], d_opts: { mode: 'c', extra: 1 }, c_choice: 'z', l_dicts: [{ k: 1 }, { j: 2 }], bogus: 1 };
    expect(validateArgs(SPEC, params, yaml, true).errors).toEqual([
      `argument 'n_count' is of type ${U} and we were unable to convert to int: ${U} cannot be converted to an int`,
      `argument 'f_ratio' is of type ${U} and we were unable to convert to float: ${U} cannot be converted to a float`,
      `argument 'b_flag' is of type ${U} and we were unable to convert to bool: The value 'maybe' is not a valid boolean.  Valid booleans include: 0, 1, 'no', 'true', 'yes', 'off', '1', 'on', 'false', '0', 'f', 'y', 't', 'n'`,
      `Elements value for option 'l_items' is of type ${U} and we were unable to convert to int: ${U} cannot be converted to an int`,
      'value of c_choice must be one of: x, y, got: z',
      'value of mode must be one of: a, b, got: c found in d_opts',
      'missing required arguments: k found in l_dicts',
      'bogus, d_opts.extra, l_dicts.j. Supported parameters include: k.',
    ]);
  });

  it('converts as Ansible does and passes', () => {
    const r = validateArgs(SPEC, { s_name: 'hi', b_flag: 'yes', d_opts: 'mode=a size=2', l_items: '1,2', c_choice: 'x' }, yaml, true);
    expect(r.errors).toEqual([]);
    expect(r.values).toMatchObject({ b_flag: true, d_opts: { mode: 'a', size: 2 }, l_items: [1, 2], n_count: 3 });
  });

  it('a missing required argument; a rendered string is a str', () => {
    expect(validateArgs(SPEC, {}, yaml, true).errors).toEqual(['missing required arguments: s_name']);
    expect(validateArgs(SPEC, { s_name: 'a', n_count: 'x' }, () => 'str').errors).toEqual([
      "argument 'n_count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int",
    ]);
  });
});
