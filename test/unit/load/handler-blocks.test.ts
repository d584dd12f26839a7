/**
 * Which handler a notified name reaches (2.14's search_handler_blocks_by_name: the last handler
 * block that has one, the first in it) and the any_errors_fatal keyword on blocks and tasks.
 */
import { describe, expect, it } from 'vitest';
import { handlerBlocks, notifiables } from '../../../src/load/handlers.js';
import type { Block, Task } from '../../../src/load/model.js';
import { loadTree } from './load-helpers.js';

const site = (tasks: string, handlers: string): string => `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks}\n  handlers:\n${handlers}\n`;

describe('handler blocks', () => {
  it('groups consecutive bare handlers, gives a block: its own, and starts another after it', async () => {
    const out = await loadTree({
      'site.yaml': site(
        '    - { name: t, command: "true", notify: dup }',
        [
          '    - { name: dup, debug: { msg: a } }',
          '    - { name: dup, debug: { msg: b } }',
          '    - block:',
          '        - { name: dup, debug: { msg: c } }',
          '        - { name: other, debug: { msg: d } }',
          '    - { name: dup, debug: { msg: e } }',
        ].join('\n'),
      ),
    });
    expect(out.errors).toEqual([]);
    const handlers = out.loaded!.playbook.plays[0].handlers;
    const ids = handlerBlocks(handlers);
    const shown = [...notifiables(handlers)].map(({ handler }) => [(handler as Task).args.msg, ids.get(handler)]);
    expect(shown).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 1],
      ['d', 1],
      ['e', 2],
    ]);
  });
});

describe('any_errors_fatal', () => {
  it('is a block and task keyword, a boolean', async () => {
    const out = await loadTree({
      'site.yaml': site(['    - any_errors_fatal: true', '      block:', '        - { command: "true", any_errors_fatal: false }'].join('\n'), '    - { name: h, debug: {} }'),
    });
    expect(out.errors).toEqual([]);
    const b = out.loaded!.playbook.plays[0].tasks[0] as Block;
    expect(b.any_errors_fatal).toBe(true);
    expect((b.block[0] as Task).any_errors_fatal).toBe(false);
    const bad = await loadTree({ 'site.yaml': site('    - { command: "true", any_errors_fatal: sometimes }', '    - { name: h, debug: {} }') });
    expect(bad.errors.join('\n')).toMatch(/site\.yaml:4:\d+.*any_errors_fatal/);
  });
});
