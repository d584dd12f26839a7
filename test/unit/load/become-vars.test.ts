/**
 * A literal `ansible_become` that is not one of Ansible's booleans fails validate, wherever it is
 * written (Ansible's boolean(strict) would fail every task it reaches); templates and boolean
 * words wait for the run (run/privilege.ts).
 */
import { describe, expect, it } from 'vitest';
import { loadTree } from './load-helpers.js';

describe('ansible_become at load', () => {
  it('takes booleans, boolean words and templates', async () => {
    const out = await loadTree({
      'site.yaml':
        '- hosts: all\n  vars: { ansible_become: "yes" }\n  tasks:\n    - command: ls\n      vars: { ansible_become: "{{ x }}" }\n    - command: ls\n      vars: { ansible_become: false }\n',
    });
    expect(out.errors).toEqual([]);
  });

  it('refuses anything else, naming the place', async () => {
    const out = await loadTree({
      'site.yaml': '- hosts: all\n  vars: { ansible_become: maybe }\n  tasks:\n    - command: ls\n      vars: { ansible_become: 2 }\n',
      'inventory.yaml': 'all:\n  vars: { ansible_become: [true] }\n  hosts:\n    node1:\n',
    });
    expect(out.errors).toEqual([
      expect.stringMatching(/^inventory\.yaml:\d+(:\d+)?: ansible_become in the inventory variables of node1 must be a boolean .* got \[true\]$/),
      expect.stringMatching(/^site\.yaml:1(:\d+)?: ansible_become in the play vars must be a boolean .* got "maybe"$/),
      expect.stringMatching(/^site\.yaml:4(:\d+)?: ansible_become in vars must be a boolean .* got 2$/),
    ]);
  });
});
