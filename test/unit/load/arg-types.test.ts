/**
 * ansible-core 2.14's check_type_str (a number or bool given to a str argument becomes its Python
 * str()) and check_type_int (a float refused, with its message), as module arguments go through
 * them at load (values as written) and at run time (values as rendered): src/load/arg-types.ts.
 * The messages are those ansible-playbook 2.14.18 printed for the same tasks on this machine.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { loadTree, play } from './load-helpers.js';
import { ansibleArgTypes } from '../../../src/load/arg-types.js';
import { PyFloat } from '../../../src/load/expr/values.js';
import { findModule } from '../../../src/modules/registry.js';
import { parseArgs } from '../../../src/run/task-runner.js';

/** The task's arguments as its module reads them: loaded (as written), then parsed as at run time. */
const firstTask = async (line: string) => {
  const out = await loadTree({ 'site.yaml': play(`    - ${line}\n`) });
  expect(out.errors).toEqual([]);
  const t = out.loaded!.playbook.plays[0].tasks[0] as { module: string; args: Record<string, unknown> };
  const r = parseArgs(findModule(t.module)!, t.args);
  expect(r.success).toBe(true);
  return { args: r.data as Record<string, unknown> };
};
const parsed = (m: string, args: Record<string, unknown>) => parseArgs(findModule(m)!, args).data as Record<string, unknown>;
const errorsOf = async (lines: string) => (await loadTree({ 'site.yaml': play(lines) })).errors;
const schemaOf = (m: string) => findModule(m)!.schema as z.ZodType;

describe("2.14's str conversion of module arguments", () => {
  it('takes a number for a str argument as its text (file owner: 0, lineinfile regexp: 10)', async () => {
    expect((await firstTask('file: { path: /x, owner: 0, group: 0 }')).args).toMatchObject({ owner: '0', group: '0' });
    expect((await firstTask('lineinfile: { path: /x, regexp: 10, line: 5 }')).args).toMatchObject({ regexp: '10', line: '5' });
    expect((await firstTask('command: { cmd: 42 }')).args).toMatchObject({ cmd: '42' });
  });
  it("takes a bool as Python's True/False and an integral float as 1.0", async () => {
    expect((await firstTask('lineinfile: { path: /x, line: true }')).args).toMatchObject({ line: 'True' });
    expect((await firstTask('lineinfile: { path: /x, line: 1.0 }')).args).toMatchObject({ line: '1.0' });
    expect((await firstTask('ini_file: { path: /x, section: s, option: o, value: false }')).args).toMatchObject({ value: 'False' });
  });
  it("converts a list's elements (elements='str')", () => {
    expect(parsed('user', { name: 'u', groups: [0, 'adm'] }).groups).toEqual(['0', 'adm']);
  });
  it('converts rendered values the same way at run time, and leaves numbers where a number is taken', () => {
    expect(parsed('file', { path: '/x', owner: 0 })).toMatchObject({ path: '/x', owner: '0' });
    expect(ansibleArgTypes(schemaOf('file'), { path: '/x', mode: 420 }).args).toEqual({ path: '/x', mode: 420 });
    expect(parsed('wait_for', { timeout: 5, msg: true })).toMatchObject({ timeout: 5, msg: 'True' });
    expect(() => parseArgs(findModule('wait_for')!, { timeout: 1.5 })).toThrow("argument 'timeout' is of type <class 'float'>");
  });
  it('leaves a choice it cannot match to the choices check', async () => {
    expect(await errorsOf('    - file: { path: /x, state: 1 }\n')).toHaveLength(1);
  });
});

describe("2.14's int check: a float is refused", () => {
  const msg = (cls: string) => `argument 'timeout' is of type <class '${cls}'> and we were unable to convert to int: <class '${cls}'> cannot be converted to an int`;
  it("refuses 1.0, 1.5 and '1.0' for an int argument at load, in 2.14's words", async () => {
    expect(await errorsOf('    - wait_for: { timeout: 1.0 }\n    - wait_for: { timeout: 1.5 }\n    - wait_for: { timeout: "1.0" }\n')).toEqual([
      `site.yaml:3:28: module "wait_for": ${msg('float')}`,
      `site.yaml:4:28: module "wait_for": ${msg('float')}`,
      `site.yaml:5:28: module "wait_for": ${msg('str')}`,
    ]);
  });
  it('takes an int and a string int() reads; refuses a rendered float at run time', async () => {
    expect((await firstTask('wait_for: { timeout: " 5 " }')).args).toMatchObject({ timeout: 5 });
    expect(ansibleArgTypes(schemaOf('wait_for'), { timeout: new PyFloat(2) }).errors).toEqual([['timeout', msg('float')]]);
    expect(ansibleArgTypes(schemaOf('get_url'), { url: 'http://x', dest: '/x', timeout: 2.5 }).errors).toHaveLength(1);
  });
  it('leaves mode (raw in 2.14) and find age/size (str) out of the int check', () => {
    expect(ansibleArgTypes(schemaOf('file'), { path: '/x', mode: 'u+x' }).errors).toEqual([]);
    expect(ansibleArgTypes(schemaOf('find'), { paths: '/x', age: '1d', size: '1k' }).errors).toEqual([]);
  });
});
