/** A null module argument, as ansible-core 2.14 treats None (module_utils/common/parameters.py). */
import { describe, expect, it } from 'vitest';
import { loadTree, play } from './load-helpers.js';
import { applyNullArgs } from '../../../src/load/null-args.js';
import { findModule } from '../../../src/modules/registry.js';
import type { z } from 'zod';

const firstTask = async (line: string) => {
  const out = await loadTree({ 'site.yaml': play(`    - ${line}\n`) });
  expect(out.errors).toEqual([]);
  return out.loaded!.playbook.plays[0].tasks[0] as { module: string; args: Record<string, unknown> };
};
const errorsOf = async (lines: string) => (await loadTree({ 'site.yaml': play(lines) })).errors;

describe('null module arguments', () => {
  it('drops an argument with no default (copy mode: ~, owner: null)', async () => {
    const t = await firstTask('copy: { content: "a", dest: /x, mode: ~, owner: null }');
    expect(t.args).toEqual({ content: 'a', dest: '/x' });
  });
  it('gives a boolean with a default false, as the module reads None', async () => {
    const t = await firstTask('stat: { path: /x, get_checksum: ~, follow: ~ }');
    expect(t.args).toEqual({ path: '/x', get_checksum: false, follow: false });
  });
  it("refuses None for an argument with choices, in 2.14's words", async () => {
    expect(await errorsOf('    - file: { path: /x, state: ~ }\n')).toEqual(['site.yaml:3:32: module "file": value of state must be one of: absent, directory, file, hard, link, touch, got: None']);
  });
  it('refuses None for a required argument, naming it', async () => {
    expect(await errorsOf('    - copy: { content: a, dest: ~ }\n')).toEqual([
      'site.yaml:3:33: module "copy": argument \'dest\' of copy is required, got null (2.14 passes None on and the module fails)',
    ]);
  });
  it('treats a rendered None the same way at run time', () => {
    const copy = findModule('copy')!;
    expect(applyNullArgs(copy.schema as z.ZodType, { dest: '/x', mode: null, force: null }, 'copy')).toEqual({ args: { dest: '/x', force: false }, errors: [] });
    const lineinfile = findModule('lineinfile')!;
    expect(applyNullArgs(lineinfile.schema as z.ZodType, { path: '/x', state: null }, 'lineinfile').errors).toEqual([['state', 'value of state must be one of: absent, present, got: None']]);
  });
});
