/**
 * Play, block and task keywords real playbooks carry (2.14's playbook/base.py, play.py): taken as
 * they are, with their meaning in nodemend, or refused with a message naming the keyword and why.
 */
import { describe, expect, it } from 'vitest';
import { loadTree } from './load-helpers.js';
import { withModuleDefaults } from '../../../src/load/module-defaults.js';
import { findModule } from '../../../src/modules/registry.js';
import { inherit, ROOT, withInherited } from '../../../src/run/inherited.js';
import type { Block, Task } from '../../../src/load/model.js';
import type { z } from 'zod';

const load = (site: string, extraVars?: string[]) => loadTree({ 'site.yaml': site, 'inc.yml': '- debug: {}\n' }, extraVars ? { extraVars } : {});

describe('keywords 2.14 takes', () => {
  it('accepts collections, debugger, become_method sudo, become_flags, throttle, strategy linear, gather_subset/timeout on plays, blocks and tasks', async () => {
    const out = await load(
      [
        '- hosts: all',
        '  collections: [ansible.posix, community.general]',
        '  strategy: linear',
        '  gather_subset: ["!all", min]',
        '  gather_timeout: 10',
        '  fact_path: /etc/ansible/facts.d',
        '  debugger: on_failed',
        '  become_method: sudo',
        '  become_flags: "-S -n -H"',
        '  throttle: 2',
        '  tasks:',
        '    - block:',
        '        - debug: {}',
        '          throttle: 1',
        '          debugger: never',
        '          collections: [ansible.posix]',
        '      throttle: 3',
        '    - include_tasks: inc.yml',
        '      debugger: never',
        '      collections: [ansible.builtin]',
        '',
      ].join('\n'),
    );
    expect(out.errors).toEqual([]);
    const play = out.loaded!.playbook.plays[0];
    expect(play.throttle).toBe(2);
    const block = play.tasks[0] as Block;
    expect([block.throttle, (block.block[0] as Task).throttle]).toEqual([3, 1]);
  });
  it('refuses what nodemend cannot honour, naming the keyword and why', async () => {
    const out = await load(
      '- hosts: all\n  strategy: free\n  become_method: su\n  fact_path: /srv/facts\n  tasks:\n    - debug: {}\n      become_flags: -i\n    - debug: {}\n      debugger: sometimes\n',
    );
    expect(out.errors).toEqual([
      'site.yaml:2:13: "strategy": nodemend runs plays with the linear strategy only (each task on every host before the next): free, host_pinned and debug are not supported, got string "free"',
      'site.yaml:3:18: "become_method": nodemend becomes only through sudo: become_method must be "sudo", got string "su"',
      'site.yaml:4:14: "fact_path": play fact_path: nodemend reads ansible_local from /etc/ansible/facts.d only; for another directory run setup: { fact_path: DIR }, got string "/srv/facts"',
      expect.stringMatching(/^site\.yaml:7:21: "become_flags": nodemend runs sudo with "-H -S -n" only/),
      expect.stringMatching(/^site\.yaml:9:17: "debugger"/),
    ]);
  });
});

describe('vars_prompt, never prompting (2.14 with no terminal)', () => {
  const site = '- hosts: all\n  vars_prompt:\n    - name: a\n      prompt: A?\n      default: 5\n    - name: b\n      prompt: B?\n  tasks:\n    - debug: { msg: "{{ a }} {{ b }}" }\n';
  it('takes -e values and defaults as text, warning as 2.14 does', async () => {
    const out = await load(site, ['b=given']);
    expect(out.errors).toEqual([]);
    expect(out.loaded!.playbook.plays[0].vars).toMatchObject({ a: '5' });
    expect(out.loaded!.playbook.plays[0].vars).not.toHaveProperty('b');
    expect(out.warnings).toContain('vars_prompt "a": not prompting as we are not in interactive mode (the default is used)');
  });
  it('refuses a prompt with neither -e nor a default (2.14 would set the text "None")', async () => {
    const out = await load(site);
    expect(out.errors).toEqual(['site.yaml:6:7: vars_prompt "b" has no default and nodemend never prompts: give it with -e b=VALUE or a default (2.14 with no terminal sets the text "None")']);
  });
  it('refuses encrypt', async () => {
    const out = await load('- hosts: all\n  vars_prompt:\n    - name: a\n      default: x\n      encrypt: sha512_crypt\n  tasks: []\n');
    expect(out.errors[0]).toMatch(/vars_prompt encrypt: not supported/);
  });
});

describe('module_defaults', () => {
  it('resolves short and collection names to one module; refuses a name no module has', async () => {
    const out = await load(
      '- hosts: all\n  module_defaults:\n    ansible.builtin.file: { mode: "0600" }\n    group/aws: { region: x }\n  tasks:\n    - block:\n        - file: { path: /x, state: touch }\n      module_defaults:\n        - file: { owner: root }\n        - copy: { mode: "0644" }\n',
    );
    expect(out.errors).toEqual([]);
    const play = out.loaded!.playbook.plays[0];
    expect(play.module_defaults).toEqual([{ file: { mode: '0600' }, 'group/aws': { region: 'x' } }]);
    const block = play.tasks[0] as Block;
    const task = withInherited(block.block[0] as Task, inherit(inherit(ROOT, { ...play, when: [], tags: [], vars: {} }), block));
    const file = findModule('file')!;
    // The block's file entry replaces the play's whole (2.14: dict.update per module name); the task's own arguments win.
    expect(withModuleDefaults('file', file.schema as z.ZodType, task.module_defaults, task.args)).toEqual({ owner: 'root', path: '/x', state: 'touch' });
    const bad = await load('- hosts: all\n  tasks:\n    - debug: {}\n      module_defaults: { nosuch: { a: 1 } }\n');
    expect(bad.errors).toEqual(['site.yaml:4:26: Could not resolve action nosuch in module_defaults (no nodemend module has that name)']);
  });
  it('renames aliases in defaults as in the task', () => {
    const lineinfile = findModule('lineinfile')!;
    expect(withModuleDefaults('lineinfile', lineinfile.schema as z.ZodType, [{ lineinfile: { dest: '/d', create: true } }], { line: 'x' })).toEqual({ path: '/d', create: true, line: 'x' });
  });
});

describe('throttle', () => {
  it('is inherited, the innermost non-zero value winning', () => {
    const inh = inherit(inherit(ROOT, { when: [], tags: [], vars: {}, environment: [], throttle: 2 }), { when: [], tags: [], vars: {}, environment: [], throttle: 0 });
    expect(inh.throttle).toBe(2);
    expect(inherit(inh, { when: [], tags: [], vars: {}, environment: [], throttle: 1 }).throttle).toBe(1);
  });
});
