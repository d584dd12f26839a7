/** with_<lookup> loops build the items Ansible 2.14's lookup plugins build (checked against ansible-playbook in test/fleet/differential-semantics.test.ts). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { extendedLoopVars, loopItems } from '../../../src/run/loops.js';
import { isUnsafe, unwrapUnsafe } from '../../../src/load/expr/unsafe.js';
import { ModuleFailure } from '../../../src/modules/types.js';
import { renderStored } from '../../../src/load/expr/index.js';

describe('loopItems', () => {
  it('items flattens one level, list does not', () => {
    expect(loopItems('items', [1, [2, [3]], 4], {})).toEqual([1, 2, [3], 4]);
    expect(loopItems('list', [1, [2]], {})).toEqual([1, [2]]);
    expect(loopItems('items', 'one', {})).toEqual(['one']);
    expect(() => loopItems('loop', 'x', {})).toThrow(/must be a list/);
  });
  it('indexed_items: (index, item) as lists, one level flattened; a mapping fails as 2.14 does', () => {
    const items = loopItems('indexed_items', ['a', ['b', 'c'], [['d']]], {});
    expect(items).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, ['d']],
    ]);
    expect(renderStored('x{{ x }}', { x: items[0] })).toBe("x[0, 'a']");
    expect(loopItems('indexed_items', 'one', {})).toEqual([[0, 'one']]);
    expect(() => loopItems('indexed_items', { a: 1 }, {})).toThrow('with_indexed_items expects a list');
  });
  it('inventory_hostnames and fileglob items are data (unsafe), lines runs its command', () => {
    const items = loopItems('inventory_hostnames', 'all:!b', { groups: { all: ['a', 'b'] } });
    expect(items.map(unwrapUnsafe)).toEqual(['a']);
    expect(items.every(isUnsafe)).toBe(true);
    expect(loopItems('lines', "printf 'x\\ny'", { playbook_dir: '/' }).map(unwrapUnsafe)).toEqual(['x', 'y']);
    expect(loopItems('fileglob', '/nonexistent-h24g/*', { playbook_dir: '/' })).toEqual([]);
  });
  it('dict, together, nested, subelements', () => {
    expect(loopItems('dict', { a: 1, b: { c: 2 } }, {})).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: { c: 2 } },
    ]);
    expect(
      loopItems(
        'together',
        [
          [1, 2, 3],
          ['a', 'b'],
        ],
        {},
      ),
    ).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, null],
    ]);
    expect(
      loopItems(
        'nested',
        [
          [1, 2],
          ['a', 'b'],
        ],
        {},
      ),
    ).toEqual([
      [1, 'a'],
      [1, 'b'],
      [2, 'a'],
      [2, 'b'],
    ]);
    const users = [{ name: 'a', keys: ['k1', 'k2'] }, { name: 'b', keys: [] }, { name: 'c' }];
    // Ansible's lookup pops the subkey from the first element (of a copy: the list stays whole).
    expect(loopItems('subelements', [users, 'keys', { skip_missing: true }], {})).toEqual([
      [{ name: 'a' }, 'k1'],
      [{ name: 'a' }, 'k2'],
    ]);
    expect(users[0].keys).toEqual(['k1', 'k2']);
    expect(() => loopItems('subelements', [users, 'keys'], {})).toThrow("could not find 'keys' key in iterated item '{'name': 'c'}'");
    expect(() => loopItems('subelements', [users, 'keys', { skip_missing: 'no' }], {})).toThrow(/could not find 'keys'/);
    expect(loopItems('subelements', [users, 'keys', { skip_missing: 'yes' }], {})).toHaveLength(2);
    const nested = [{ n: 1, h: { ssh: ['s1', 's2'], x: 1 } }, { n: 2 }, { n: 3, skipped: true, h: { ssh: ['s3'] } }];
    expect(loopItems('subelements', [nested, 'h.ssh', { skip_missing: true }], {})).toEqual([
      [{ n: 1, h: { x: 1 } }, 's1'],
      [{ n: 1, h: { x: 1 } }, 's2'],
    ]);
    expect(nested[0].h).toEqual({ ssh: ['s1', 's2'], x: 1 });
    expect(loopItems('subelements', [{ skipped: true, results: [] }, 'keys'], {})).toEqual([]);
    expect(() => loopItems('subelements', [[{ keys: 'k' }], 'keys'], {})).toThrow("the key keys should point to a list, got 'k'");
    expect(() => loopItems('dict', [1], {})).toThrow('with_dict expects a dict');
    // dict.py: a list of mappings, each one's entries in turn.
    expect(loopItems('dict', [{ a: 1 }, { b: 2 }], {})).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
  });
  it("together and nested as 2.14's together.py and nested.py: each row flattened one level, an empty list of lists refused", () => {
    // Outputs of ansible-core 2.14.18's LookupModule.run for the same terms.
    expect(loopItems('together', [[1, [2, 3]], ['a']], {})).toEqual([
      [1, 'a'],
      [2, 3, null],
    ]);
    expect(loopItems('together', [[1, 2], []], {})).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(() => loopItems('together', [], {})).toThrow('with_together requires at least one element in each list');
    expect(loopItems('nested', [[[1, 2], 3], ['y']], {})).toEqual([
      [1, 2, 'y'],
      [3, 'y'],
    ]);
    expect(loopItems('nested', [['ab', 'c']], {})).toEqual([['a', 'b'], ['c']]);
    expect(loopItems('nested', [{ a: 1 }, ['z']], {})).toEqual([['a', 'z']]);
    expect(() => loopItems('nested', [[1, 2]], {})).toThrow("'int' object is not iterable");
    expect(() => loopItems('nested', [], {})).toThrow('with_nested requires at least one element in the nested list');
  });
  it('sequence: key=value, the short form, count, format, backwards', () => {
    expect(loopItems('sequence', 'start=1 end=3', {})).toEqual(['1', '2', '3']);
    expect(loopItems('sequence', '4-8/2', {})).toEqual(['4', '6', '8']);
    expect(loopItems('sequence', 'count=3 format=node%02d', {})).toEqual(['node01', 'node02', 'node03']);
    // Python's %-formatting, as ansible-core's replace target uses it: format=%02x.
    expect(loopItems('sequence', 'start=9 end=11 format=%02x', {})).toEqual(['09', '0a', '0b']);
    expect(loopItems('sequence', 'start=3 end=1 stride=-1', {})).toEqual(['3', '2', '1']);
    expect(() => loopItems('sequence', 'start=3 end=1', {})).toThrow(/backwards/);
  });
  it("sequence: as 2.14's sequence.py, its count arithmetic and its messages (ansible-core's lookup_sequence target compares them)", () => {
    expect(loopItems('sequence', 'start=0x10 count=2', {})).toEqual(['16', '17']);
    expect(loopItems('sequence', 'count=3 stride=2', {})).toEqual(['1', '3', '5']);
    // end = start + count * stride - 1, as sequence.py computes it, also for a negative stride.
    expect(loopItems('sequence', 'start=5 count=2 stride=-1', {})).toEqual(['5', '4', '3', '2']);
    expect(loopItems('sequence', 'count=0', {})).toEqual([]);
    expect(loopItems('sequence', '7-8:host%02d', {})).toEqual(['host07', 'host08']);
    const fails: [unknown, string][] = [
      [{ start: 0, end: 2 }, "unrecognized arguments to with_sequence: ['_raw_params']"],
      [4, "unknown error parsing with_sequence arguments: 4. Error was: expected string or bytes-like object, got 'int'"],
      ['start=1 foo', "unrecognized arguments to with_sequence: ['_raw_params']"],
      ['start=0 junk=3', "unrecognized arguments to with_sequence: ['junk']"],
      ['0664', "can't parse end=0664 as integer"],
      ['010-012', "can't parse start=010 as integer"],
      ['A-4/2', "can't parse start=A as integer"],
      ['1-4/C', "can't parse stride=C as integer"],
      ['start=A end=3', "can't parse start=A as integer"],
      ['start=1', 'must specify count or end in with_sequence'],
      ['start=1 end=4 count=2', "can't specify both count and end in with_sequence"],
      ['start=4 end=1 stride=2', 'to count backwards make stride negative'],
      ['start=1 end=4 stride=-2', "to count forward don't make stride negative"],
      ['start=1 end=4 format=d', 'bad formatting string: d'],
      ['1-3:%d%%', 'bad formatting string: %d%%'],
    ];
    for (const [term, msg] of fails) expect(() => loopItems('sequence', term, {}), String(term)).toThrow(msg);
  });
  it('first_found: files/ beside the playbook, then the playbook dir; skip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-ff-'));
    mkdirSync(join(dir, 'files'));
    writeFileSync(join(dir, 'files', 'debian.conf'), '');
    writeFileSync(join(dir, 'default.conf'), '');
    expect(loopItems('first_found', ['redhat.conf', 'debian.conf', 'default.conf'], { playbook_dir: dir })).toEqual([join(dir, 'files', 'debian.conf')]);
    expect(loopItems('first_found', [{ files: ['x.conf', 'default.conf'] }], { playbook_dir: dir })).toEqual([join(dir, 'default.conf')]);
    expect(loopItems('first_found', [{ files: ['x.conf'], skip: true }], { playbook_dir: dir })).toEqual([]);
    expect(() => loopItems('first_found', ['x.conf'], { playbook_dir: dir })).toThrow(/No file was found/);
  });
  it("first_found in a role: the role's vars/ for include_vars (os_hardening's OS vars), its files/ otherwise", () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-ff-'));
    const role = join(dir, 'roles', 'r');
    for (const f of ['tasks/main.yml', 'vars/Debian.yml', 'files/Debian.yml']) {
      mkdirSync(join(role, f, '..'), { recursive: true });
      writeFileSync(join(role, f), '');
    }
    const scope = { playbook_dir: dir, role_path: role };
    const terms = [{ files: ['Debian_12.yml', 'Debian.yml'], skip: true }];
    expect(loopItems('first_found', terms, scope, 'ansible.builtin.include_vars')).toEqual([join(role, 'vars', 'Debian.yml')]);
    expect(loopItems('first_found', terms, scope, 'copy')).toEqual([join(role, 'files', 'Debian.yml')]);
    expect(loopItems('first_found', [{ files: ['RedHat.yml'], skip: true }], scope, 'include_vars')).toEqual([]);
  });
  it('pipe: one item per command, its output less trailing whitespace, data (unsafe); a failure fails the task', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-pipe-'));
    const scope = { playbook_dir: dir };
    const items = loopItems('pipe', ['echo a; echo b', 'printf "{{ x }}\\n\\n"'], scope);
    expect(items.map(unwrapUnsafe)).toEqual(['a\nb', '{{ x }}']);
    expect(items.every((x) => isUnsafe(x))).toBe(true);
    expect(loopItems('pipe', 'pwd', scope).map(unwrapUnsafe)).toEqual([realpathSync(dir)]); // a string is one command
    expect(() => loopItems('pipe', ['true', 'false'], scope)).toThrow(ModuleFailure);
    expect(() => loopItems('pipe', ['false'], scope)).toThrow(/^lookup_plugin\.pipe\(false\) returned 1$/);
  });
  it("file: one item per file, found as lookup('file') finds it (files/ first), less trailing whitespace, data (unsafe)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-withfile-'));
    mkdirSync(join(dir, 'files'));
    writeFileSync(join(dir, 'files', 'a.txt'), 'one\n\n');
    writeFileSync(join(dir, 'a.txt'), 'beside the playbook\n');
    writeFileSync(join(dir, 'b.txt'), '  two {{ x }}\n');
    const scope = { playbook_dir: dir };
    const items = loopItems('file', ['a.txt', 'b.txt'], scope);
    expect(items.map(unwrapUnsafe)).toEqual(['one', '  two {{ x }}']);
    expect(items.every((x) => isUnsafe(x))).toBe(true);
    expect(loopItems('file', 'b.txt', scope).map(unwrapUnsafe)).toEqual(['  two {{ x }}']); // a string is one file
    expect(() => loopItems('file', ['a.txt', 'missing.txt'], scope)).toThrow(ModuleFailure);
    expect(() => loopItems('file', ['missing.txt'], scope)).toThrow(/^could not locate file in lookup: missing\.txt$/);
  });
  it("env: one item per name (its first word), the controller's value or '', data (unsafe)", () => {
    process.env.NM_WITH_ENV_A = 'va {{ x }}';
    process.env.NM_WITH_ENV_B = 'vb';
    delete process.env.NM_WITH_ENV_NONE;
    try {
      const items = loopItems('env', ['NM_WITH_ENV_A', 'NM_WITH_ENV_B extra', 'NM_WITH_ENV_NONE'], {});
      expect(items.map(unwrapUnsafe)).toEqual(['va {{ x }}', 'vb', '']);
      expect(items.every((x) => isUnsafe(x))).toBe(true);
      expect(loopItems('env', 'NM_WITH_ENV_B', {}).map(unwrapUnsafe)).toEqual(['vb']);
    } finally {
      delete process.env.NM_WITH_ENV_A;
      delete process.env.NM_WITH_ENV_B;
    }
  });
  it('extended loop variables', () => {
    expect(extendedLoopVars(['a', 'b', 'c'], 1)).toEqual({
      allitems: ['a', 'b', 'c'],
      index: 2,
      index0: 1,
      revindex: 2,
      revindex0: 1,
      first: false,
      last: false,
      length: 3,
      previtem: 'a',
      nextitem: 'c',
    });
    expect(extendedLoopVars(['a'], 0)).toMatchObject({ first: true, last: true });
    expect(extendedLoopVars(['a', 'b'], 0, false)).toEqual({ index: 1, index0: 0, revindex: 2, revindex0: 1, first: true, last: false, length: 2, nextitem: 'b' });
  });
});
