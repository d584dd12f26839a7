/**
 * lookup()/query() `errors=` through ansible-playbook 2.14 and nodemend on node40
 * (HOSTS.ansibleSemantics2; paths /tmp/nmdiff-h22c-lookerr-*), as 2.14's template/__init__.py `_lookup`:
 * `errors` is popped before the plugin runs; a plugin that fails raises with 'strict' (the default), and
 * gives None (lookup) or [] (query, wantlist) with 'warn' or 'ignore'. Each lookup nodemend has that can
 * fail (pipe, first_found, varnames) in each mode, a working lookup unchanged by it, and 'strict' failing
 * the task. Compared: the registered results and the changed flags in check, run and rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics2[0], 'h22c-lookerr');

const errors = d.case('lookup errors= strict, warn, ignore', {
  tasks: `
    - name: ignored and warned failures
      debug:
        msg:
          - "{{ lookup('pipe', 'exit 3', errors='ignore') is none }}"
          - "{{ lookup('pipe', 'exit 3', errors='warn') is none }}"
          - "{{ query('pipe', 'exit 3', errors='ignore') }}"
          - "{{ lookup('pipe', 'exit 3', errors='warn', wantlist=true) }}"
          - "{{ lookup('first_found', 'nmdiff-h22c-none.yml', errors='ignore') is none }}"
          - "{{ query('ansible.builtin.first_found', 'nmdiff-h22c-none.yml', errors='warn') }}"
          - "{{ lookup('varnames', 1, errors='ignore') is none }}"
          - "{{ lookup('pipe', 'echo fine', errors='ignore') }}"
          - "{{ lookup('pipe', 'exit 3', errors='ignore') | default('dflt', true) }}"
      register: le_vals
    - name: strict fails the task
      debug: { msg: "{{ lookup('pipe', 'exit 3', errors='strict') }}" }
      register: le_strict
      ignore_errors: true
    - name: another value is strict
      debug: { msg: "{{ lookup('first_found', 'nmdiff-h22c-none.yml', errors='loud') }}" }
      register: le_other
      ignore_errors: true
    - name: a set_fact of an ignored failure
      set_fact: { le_fact: "{{ lookup('pipe', 'exit 3', errors='ignore') }}" }
    - name: read it
      debug: { msg: "{{ [le_fact is none, le_fact] }}" }
      register: le_fact_read
  `,
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  it('the same values', () => {
    expect(errors.nodemend[mode].registered.le_vals, errors.nodemend[mode].output).toEqual(errors.ansible[mode].registered.le_vals);
    expect(errors.nodemend[mode].registered.le_fact_read).toEqual(errors.ansible[mode].registered.le_fact_read);
  });
  it('strict (and any other value) fails the task in both', () => {
    for (const reg of ['le_strict', 'le_other']) {
      expect(errors.ansible[mode].registered[reg], reg).toMatchObject({ failed: true });
      expect(errors.nodemend[mode].registered[reg], reg).toMatchObject({ failed: true });
    }
  });
  it('the same changed flags', () => expect(errors.nodemend[mode].changed).toEqual(errors.ansible[mode].changed));
  // What 2.14 gives, so the comparison cannot pass on two wrong answers.
  it('Ansible: None and [] for the failures, the value for a lookup that works', () => {
    expect(errors.ansible[mode].registered.le_vals.msg).toEqual([true, true, [], [], true, [], true, 'fine', 'dflt']);
    // A template that is the None alone renders as '' (Templar's finalize), so set_fact stores ''.
    expect(errors.ansible[mode].registered.le_fact_read.msg).toEqual([false, '']);
  });
});
