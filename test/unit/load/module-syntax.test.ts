/** Module argument syntax as Ansible 2.14 reads it: aliases, key=value text, no arguments, collection names. */
import { describe, expect, it } from 'vitest';
import { loadTree, play } from './load-helpers.js';
import { parseKeyValue, splitArgs } from '../../../src/load/kv-args.js';
import { findModule } from '../../../src/modules/registry.js';
import { listArg } from '../../../src/load/module-args.js';
import { z } from 'zod';

const firstTask = async (line: string) => {
  const out = await loadTree({ 'site.yaml': play(`    - ${line}\n`) });
  expect(out.errors).toEqual([]);
  return out.loaded!.playbook.plays[0].tasks[0] as { module: string; args: Record<string, unknown> };
};
const errorsOf = async (lines: string) => (await loadTree({ 'site.yaml': play(lines) })).errors;

describe('key=value text (parse_kv)', () => {
  it('splits on spaces outside quotes and Jinja blocks, unquotes and decodes escapes', () => {
    expect(splitArgs(`a=1 b="two words" c='{{ x | default("y z") }}' d={{ a + b }}`)).toEqual(['a=1', 'b="two words"', `c='{{ x | default("y z") }}'`, 'd={{ a + b }}']);
    expect(parseKeyValue(`path=/x line="a\\tb" msg='it''s' e=a=b`).args).toEqual({ path: '/x', line: 'a\tb', msg: "it''s", e: 'a=b' });
    expect(parseKeyValue('creates=/x make all').words).toEqual(['make', 'all']);
  });
  it('refuses an unclosed quote or block', () => {
    expect(() => splitArgs('a="b c')).toThrow(/no closing quotation/);
    expect(() => splitArgs('a={{ b')).toThrow(/unclosed "\{\{"/);
  });
  it('loads stat: path=/x get_checksum=no ', async () => {
    expect(await firstTask('stat: path=/etc/hostname get_checksum=no')).toMatchObject({ module: 'stat', args: { path: '/etc/hostname', get_checksum: 'no' } });
    // Values stay strings, as in Ansible's parse_kv: schemas convert them (boolArg, z.coerce).
    expect(await firstTask('wait_for: port=22 timeout=5')).toMatchObject({ module: 'wait_for', args: { port: '22', timeout: '5' } });
  });
  it('names the word that is not key=value, and an unknown key', async () => {
    expect(await errorsOf('    - stat: /etc/hostname\n')).toEqual(['site.yaml:3:13: module "stat" takes key=value arguments or a mapping; "/etc/hostname" is not key=value']);
    expect(await errorsOf('    - stat: path=/x bogus=1\n')).toEqual([
      'site.yaml:3:13: unknown argument "bogus" for module "stat"; stat takes: path (dest, name), follow, get_checksum, checksum_algorithm (checksum, checksum_algo), get_md5, get_mime (mime, mime_type, mime-type), get_attributes (attr, attributes)',
    ]);
    expect(await errorsOf('    - stat: path=/x get_checksum=maybe\n')).toEqual(['site.yaml:3:13: "get_checksum": expected a boolean (true/false, yes/no), got string "maybe"']);
  });
});

describe('aliases', () => {
  it('renames an alias to the real argument', async () => {
    expect(await firstTask('lineinfile: { dest: /x, regex: "^a", value: b }')).toMatchObject({ args: { path: '/x', regexp: '^a', line: 'b' } });
    expect(await firstTask('blockinfile: { name: /x, content: "b" }')).toMatchObject({ args: { path: '/x', block: 'b' } });
    expect(await firstTask('apt: pkg=curl update-cache=yes')).toMatchObject({ args: { name: 'curl', update_cache: 'yes' } });
    expect(await firstTask('slurp: { path: /x }')).toMatchObject({ args: { src: '/x' } });
  });
  it('refuses an argument given under two names, at the second', async () => {
    expect(await errorsOf('    - lineinfile: { dest: /x, path: /y, line: a }\n')).toEqual([
      'site.yaml:3:31: "dest" and "path" are the same argument of module "lineinfile" ("dest" is an alias of "path"): give one',
    ]);
  });
  it('points a value error at the alias as written', async () => {
    expect(await errorsOf('    - lineinfile: { line: a,\n        dest: "" }\n')).toEqual(['site.yaml:4:15: "dest" must not be empty, got string ""']);
  });
  it('suggests aliases too', async () => {
    expect(await errorsOf('    - lineinfile: { destt: /x, line: a }\n')).toEqual([
      'site.yaml:3:7: missing required key "path" in module "lineinfile": expected a string',
      'site.yaml:3:21: unknown argument "destt" for module "lineinfile" (did you mean "dest"?)',
    ]);
  });
});

describe('no arguments and collection names', () => {
  it('takes `- fail:` and `- debug:` with no arguments', async () => {
    expect(await firstTask('fail:')).toMatchObject({ module: 'fail' });
    expect(await firstTask('debug:')).toMatchObject({ module: 'debug' });
  });
  it("resolves ansible.builtin., ansible.legacy. and the module's collection", () => {
    expect(findModule('ansible.builtin.copy')?.name).toBe('copy');
    expect(findModule('ansible.legacy.copy')?.name).toBe('copy');
    expect(findModule('community.general.copy')).toBeUndefined();
    // 2.14's systemd_service is the systemd module under its newer name.
    expect(findModule('ansible.builtin.systemd_service')?.name).toBe('systemd');
    expect(findModule('systemd_service')?.name).toBe('systemd');
    expect(findModule('ansible.posix.systemd_service')).toBeUndefined();
  });
  it('names the right collection for a module under the wrong one', async () => {
    expect(await errorsOf('    - ansible.posix.copy: { dest: /x, content: a }\n')).toEqual(['site.yaml:3:7: unknown module "ansible.posix.copy" ("copy" is ansible.builtin.copy)']);
  });
});

describe("Ansible's list arguments (listArg)", () => {
  const spec = listArg(z.string().regex(/^[a-z]+$/, 'lower-case only'));
  it('splits a comma-separated string, trims each part and drops empty ones', () => {
    expect(spec.parse('a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(spec.parse(['x', 'y'])).toEqual(['x', 'y']);
    expect(listArg(z.string()).parse(7)).toEqual(['7']);
    expect(listArg(z.string()).parse([1, 'b'])).toEqual(['1', 'b']);
  });
  it('checks every item, from a string as from a list', () => {
    expect(spec.safeParse('a, B').success).toBe(false);
    expect(spec.safeParse(['a', 'B']).success).toBe(false);
  });
  it('is what package, unarchive and find use: a bad item is named at load time', async () => {
    expect(await firstTask('apt: { name: "curl, jq" }')).toMatchObject({ args: { name: 'curl, jq' } });
    expect((await errorsOf('    - apt: { name: "curl, -x" }\n')).join('\n')).toMatch(/not a package name or spec/);
    expect(findModule('unarchive')!.schema.parse({ src: '/a.tgz', dest: '/d', extra_opts: '--strip-components=1, -v' })).toMatchObject({ extra_opts: ['--strip-components=1', '-v'] });
    expect(findModule('ansible.builtin.find')!.schema.parse({ paths: '/a, /b', patterns: '*.log' })).toMatchObject({ paths: ['/a', '/b'], patterns: ['*.log'] });
    expect((await errorsOf('    - find: { paths: /var/log, age: 5y }\n')).join('\n')).toMatch(/^site\.yaml:3:\d+: .*failed to process age/);
  });
});
