/**
 * lookup()/query() with the plugins roles use (src/load/expr/lookups.ts). Expected values are
 * what ansible-playbook 2.14 prints for the same expressions (varnames: checked on this
 * machine, `debug: msg="{{ [lookup('varnames', '^nmx_'), query(...), ...] }}"`).
 */
import { describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodemendError } from '../../../src/load/errors.js';
import { compileExpression, renderDeep, renderStored } from '../../../src/load/expr/index.js';
import { barCommands, LOOKUPS } from '../../../src/load/expr/lookups.js';
import { isUnsafe, UnsafeText } from '../../../src/load/expr/unsafe.js';
import { INJECTS_AS_VARS } from '../../../src/load/expr/values.js';

const ev = (src: string, sc: Record<string, unknown>): unknown => compileExpression(src).evaluate(sc);

describe('lookup dict', () => {
  // ansible-core's lookup_dict target: lookup('dict', users) | sort(attribute='key'), a non-mapping fails.
  const users = { bob: { name: 'Bob' }, alice: { name: 'Alice', age: 21 } };
  test.each([
    [
      "lookup('dict', users)",
      [
        { key: 'bob', value: { name: 'Bob' } },
        { key: 'alice', value: { name: 'Alice', age: 21 } },
      ],
    ],
    ["lookup('dict', users) | sort(attribute='key') | map(attribute='key') | list", ['alice', 'bob']],
    ["lookup('ansible.builtin.dict', {'a': 1})", { key: 'a', value: 1 }],
    ["query('dict', {'a': 1})", [{ key: 'a', value: 1 }]],
  ])('%s', (src, want) => expect(ev(src, { users })).toEqual(want));
  test("a term that is not a mapping fails in dict.py's words", () => {
    expect(() => ev("lookup('dict', 1)", {})).toThrow(/with_dict expects a dict/);
  });
});

describe("a lookup's errors=", () => {
  // template/__init__.py `_lookup` (ansible-core's lookup_first_found target): 'ignore'/'warn' give [] to query() and None to lookup().
  const dir = mkdtempSync(join(tmpdir(), 'nm-lookup-errors-'));
  test.each([
    ["q('first_found', {'files': 'nope.yaml'}, errors='ignore')", []],
    ["lookup('first_found', {'files': 'nope.yaml'}, errors='ignore')", null],
    ["lookup('first_found', {'files': 'nope.yaml'}, errors='warn') == None", true],
    ["q('subelements', 9001, 'groups', errors='ignore')", []],
  ])('%s', (src, want) => expect(ev(src, { playbook_dir: dir })).toEqual(want));
  test("errors='strict' (the default) fails", () => {
    expect(() => ev("lookup('first_found', {'files': 'nope.yaml'}, errors='strict')", { playbook_dir: dir })).toThrow(/No file was found/);
  });
});

describe('lookup subelements', () => {
  const users = [{ name: 'alice', mysql: { hosts: ['h1', 'h2'] } }];
  test('as with_subelements, its messages in the failed task', () => {
    expect(ev("lookup('subelements', users, 'mysql.hosts', wantlist=true)", { users })).toEqual([
      [{ name: 'alice', mysql: {} }, 'h1'],
      [{ name: 'alice', mysql: {} }, 'h2'],
    ]);
    // As 2.14 (listify first): 9001 is a list of one item, no dictionary.
    expect(() => ev("lookup('subelements', 9001, 'groups')", {})).toThrow("subelements lookup expects a dictionary, got '9001'");
    expect(() => ev("lookup('subelements', users, true)", { users })).toThrow(/first a dict or a list, second a string/);
    expect(() => ev("lookup('subelements', users, 'mysql.hosts', 'wolves')", { users })).toThrow("the optional third item must be a dict with flags ['skip_missing']");
    expect(() => ev("lookup('subelements', users, 'a', {}, 'b')", { users })).toThrow('expects a list of two or three items');
    expect(() => ev("lookup('subelements', users, 'mysql.hosts.x')", { users })).toThrow(/should point to a dictionary/);
  });
});

describe('lookup varnames', () => {
  const scope = { nmx_a: 1, nmx_b: 2, other: 3 };
  test.each([
    ["lookup('varnames', '^nmx_')", 'nmx_a,nmx_b'],
    ["query('varnames', '^nmx_a$')", ['nmx_a']],
    ["q('varnames', 'x_b', '^oth')", ['nmx_b', 'other']],
    ["lookup('varnames', '^nope$')", []],
    ["not lookup('varnames', '^nope$')", true],
    ["not lookup('varnames', '^' + 'nmx_a' + '$')", false],
    ["lookup('varnames', '^nmx_a$', wantlist=true)", ['nmx_a']],
    ["lookup('ansible.builtin.varnames', 'b$')", 'nmx_b'],
  ])('%s', (src, want) => expect(ev(src, scope)).toEqual(want));

  test('a non-empty result is data (unsafe), as Ansible wraps it', () => {
    expect(isUnsafe(ev("query('varnames', '^nmx_')", scope))).toBe(true);
  });

  test('a term that is not a string fails with the plugin named', () => {
    expect(() => ev("lookup('varnames', 1)", scope)).toThrow(/lookup plugin 'varnames': Invalid setting identifier, "1" is not a string/);
  });

  test('the facts ansible_facts injects as ansible_ variables are listed, none of them read', () => {
    const facts = new Proxy({} as Record<string | symbol, unknown>, {
      get: (_t, p) => (p === INJECTS_AS_VARS ? true : undefined),
      ownKeys: () => ['kernel', 'os_family'],
      getOwnPropertyDescriptor: () => {
        throw new Error('a fact was read');
      },
    });
    expect(ev("query('varnames', '^ansible_')", { ansible_check_mode: false, ansible_facts: facts, kernel: 1 })).toEqual([
      'ansible_check_mode',
      'ansible_facts',
      'ansible_kernel',
      'ansible_os_family',
    ]);
    // Without the marker (a user's own ansible_facts variable), its keys are no variables.
    expect(ev("query('varnames', '^ansible_')", { ansible_facts: { kernel: 1 } })).toEqual(['ansible_facts']);
  });
});

describe('lookup community.general.flattened (6.6.2 plugins/lookup/flattened.py)', () => {
  const scope = { deep: [1, [2, [3, [4]]]], words: [' a ', ['b']] };
  test.each([
    ["query('community.general.flattened', deep)", [1, 2, 3, 4]],
    ["query('flattened', words, [['c']])", ['a', 'b', 'c']], // strings stripped, lists of one unwrapped
    ["lookup('community.general.flattened', words, 'c')", 'a,b,c'],
    ["lookup('community.general.flattened', [1, [2]], ['x'])", [1, 2, 'x']],
    ["query('flattened', ['x', 'None', 'y'], 'z')", ['x', 'z']], // "None" ends the list it is in
    ["query('flattened', 'null', 'z')", []],
    ["query('flattened', [none, {'k': 1}, true])", [null, { k: 1 }, true]],
  ])('%s', (src, want) => expect(ev(src, scope)).toEqual(want));
});

describe('lookup first_found', () => {
  // A role (tasks/main.yml, vars/Debian.yml) under roles/, a playbook dir with files/.
  const base = mkdtempSync(join(tmpdir(), 'nm-lookup-'));
  const role = join(base, 'roles', 'r');
  for (const [f, text] of Object.entries({ 'tasks/main.yml': '[]\n', 'vars/Debian.yml': 'a: 1\n', 'vars/main.yml': 'b: 1\n', 'files/only-files.txt': 'x\n' })) {
    mkdirSync(join(role, f, '..'), { recursive: true });
    writeFileSync(join(role, f), text);
  }
  mkdirSync(join(base, 'files'), { recursive: true });
  writeFileSync(join(base, 'files', 'play.txt'), 'x\n');
  const inRole = { role_path: role, playbook_dir: base, params: { files: ['Ubuntu.yml', 'Debian.yml', 'main.yml'], paths: ['vars'] } };

  test('geerlingguy.docker: files under paths, looked up in the role dir (files/ then itself)', () => {
    expect(ev("lookup('first_found', params)", inRole)).toBe(join(role, 'vars', 'Debian.yml'));
  });
  test('paths outer, files inner, as the release loops', () => {
    expect(ev("lookup('first_found', {'files': ['main.yml', 'Debian.yml'], 'paths': ['nowhere', 'vars']})", inRole)).toBe(join(role, 'vars', 'main.yml'));
  });
  test("a plain name: the role's files/, then the playbook dir's files/", () => {
    expect(ev("lookup('first_found', 'only-files.txt')", inRole)).toBe(join(role, 'files', 'only-files.txt'));
    expect(ev("lookup('first_found', ['nope.txt', 'play.txt'])", inRole)).toBe(join(base, 'files', 'play.txt'));
    expect(ev("lookup('first_found', 'play.txt')", { playbook_dir: base })).toBe(join(base, 'files', 'play.txt'));
  });
  test('nothing found: skip gives [], else the release message', () => {
    expect(ev("query('first_found', {'files': ['nope.yml'], 'skip': true})", inRole)).toEqual([]);
    expect(() => ev("lookup('first_found', 'nope.yml')", inRole)).toThrow(/No file was found when using first_found\./);
  });
});

describe('lookup pipe (2.14 plugins/lookup/pipe.py)', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'nm-pipe-')));
  const role = join(base, 'roles', 'r');
  mkdirSync(role, { recursive: true });
  const play = { playbook_dir: base };

  test.each([
    // stdout less its trailing whitespace (str.rstrip()): newlines, spaces, tabs; leading ones kept
    ["lookup('pipe', cmd)", { cmd: "printf '  a\\nb \\t\\n\\n'" }, '  a\nb'],
    ["lookup('pipe', 'echo a', 'echo b')", {}, 'a,b'], // one output per term, joined by lookup()
    ["query('pipe', 'echo a', 'echo b')", {}, ['a', 'b']],
    ["lookup('pipe', 'true')", {}, ''],
    ["lookup('pipe', 'cat')", {}, ''], // stdin is empty, not the controller's
    ["lookup('pipe', 'echo $0')", {}, '/bin/sh'], // through the shell, as subprocess shell=True
    ["lookup('ansible.builtin.pipe', 'echo ' ~ n)", { n: 5 }, '5'],
  ])('%s', (src, sc, want) => expect(ev(src, { ...play, ...sc })).toEqual(want));

  test("runs in the playbook's directory, also for a role's task (pipe.py asks the loader's basedir, not role_path)", () => {
    expect(ev("lookup('pipe', 'pwd')", play)).toBe(base);
    expect(ev("lookup('pipe', 'pwd')", { ...play, role_path: role })).toBe(base);
  });

  test("a non-zero exit fails in pipe.py's words; a signal's as Python's negative returncode", () => {
    expect(() => ev("lookup('pipe', 'echo x; exit 3')", play)).toThrow(/lookup plugin 'pipe': lookup_plugin\.pipe\(echo x; exit 3\) returned 3/);
    expect(() => ev("lookup('pipe', 'kill -9 $$')", play)).toThrow(/lookup_plugin\.pipe\(kill -9 \$\$\) returned -9/);
    expect(() => ev("lookup('pipe', cmd)", { ...play, cmd: "printf '\\377'" })).toThrow(/not UTF-8/);
  });

  test('its output is data: unsafe, never rendered as a template when stored and read again', () => {
    // printf writes "{{ x }}" from octal escapes (a variable holding the braces would be rendered when read)
    const sc = { ...play, x: 'rendered', cmd: "printf '\\173\\173 x \\175\\175'" };
    expect(isUnsafe(ev("query('pipe', cmd)", sc))).toBe(true);
    const stored = renderStored("{{ lookup('pipe', cmd) }}", sc);
    expect(stored).toBeInstanceOf(UnsafeText);
    expect(renderDeep(stored, sc)).toBe('{{ x }}');
    // (control) the same text, not from the lookup, is rendered
    expect(renderDeep('{{ x }}', sc)).toBe('rendered');
  });

  test('barCommands (static checks, validate): refused in the marked scope, scopes made from it and what it renders; nothing runs', () => {
    const marker = join(base, 'ran');
    const refused: string[] = [];
    const barred = barCommands({ ...play, later: "{{ lookup('pipe', 'touch ran') }}" }, refused);
    const notYet = /runs when the task runs, not before/;
    expect(() => ev("lookup('pipe', 'touch ran')", barred)).toThrow(notYet);
    expect(() => ev('later', barred)).toThrow(notYet);
    expect(() => ev("lookup('pipe', 'touch ran')", { ...barred, x: 1 })).toThrow(notYet);
    expect(() => renderDeep("{% for i in [1] %}{{ lookup('pipe', 'touch ran') }}{% endfor %}", barred)).toThrow(notYet);
    expect(refused).toEqual(['touch ran', 'touch ran', 'touch ran', 'touch ran']);
    expect(existsSync(marker)).toBe(false);
    // No state outside the scope: one not marked runs it.
    ev("lookup('pipe', 'touch ran')", play);
    expect(existsSync(marker)).toBe(true);
  });
});

describe('lookup env and file (2.14 plugins/lookup/env.py, file.py)', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'nm-file-')));
  const role = join(base, 'roles', 'r');
  mkdirSync(join(role, 'files'), { recursive: true });
  writeFileSync(join(role, 'files', 'f.txt'), '  in role files/ \n\n');
  writeFileSync(join(base, 'top.txt'), 'top\n');
  process.env.NM_LOOKUP_ENV_TEST = 'a b';
  const inRole = { playbook_dir: base, role_path: role };

  test.each([
    // env.py: the first word of each term, the default option ('') when unset
    ["lookup('env', 'NM_LOOKUP_ENV_TEST')", 'a b'],
    ["lookup('env', 'NM_LOOKUP_ENV_TEST PATH')", 'a b'],
    ["lookup('env', 'NM_LOOKUP_ENV_UNSET')", ''],
    ["lookup('env', 'NM_LOOKUP_ENV_UNSET', default='d')", 'd'],
    ["query('env', 'NM_LOOKUP_ENV_TEST', 'NM_LOOKUP_ENV_UNSET')", ['a b', '']],
    // file.py: found in the role's files/ first, less trailing whitespace (rstrip on, lstrip off)
    ["lookup('file', 'f.txt')", '  in role files/'],
    ["lookup('file', 'f.txt', lstrip=true)", 'in role files/'],
    ["lookup('file', 'f.txt', rstrip=false)", '  in role files/ \n\n'],
    ["lookup('ansible.builtin.file', 'top.txt')", 'top'],
    // 2.14's _lookup templates the terms again (listify_lookup_plugin_terms)
    ["lookup('file', '{{ role_path }}/files/f.txt')", '  in role files/'],
    ["lookup('env', '{{ name }}')", 'a b'],
  ])('%s', (src, want) => expect(ev(src, { ...inRole, name: 'NM_LOOKUP_ENV_TEST' })).toEqual(want));

  test("a missing file fails in file.py's words; a term from host data is not templated again", () => {
    expect(() => ev("lookup('file', 'nope.txt')", inRole)).toThrow(/lookup plugin 'file': could not locate file in lookup: nope\.txt/);
    expect(() => ev("lookup('file', t)", { ...inRole, t: new UnsafeText('{{ role_path }}/files/f.txt') })).toThrow(/could not locate file in lookup: \{\{ role_path \}\}/);
  });
});

/**
 * errors= (2.14 template/__init__.py _lookup): 'strict' (the default, and any other value) raises; 'warn'
 * and 'ignore' turn a failing plugin into None for lookup() and [] for query() / wantlist, warn with
 * "[WARNING]: Lookup failed but the error is being ignored: ..." on stderr. The plugin never sees it.
 */
describe('lookup errors=', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'nm-lookerr-')));
  const sc = { playbook_dir: base, nmx_a: 1 };
  const failing: [string, string][] = [
    ['pipe', "'exit 3'"],
    ['varnames', '1'],
    ['first_found', "'nope.yml'"],
  ];
  test.each(failing)('%s: ignore gives None / [], strict and an unknown value raise', (name, term) => {
    expect(ev(`lookup('${name}', ${term}, errors='ignore')`, sc)).toBeNull();
    expect(ev(`query('${name}', ${term}, errors='ignore')`, sc)).toEqual([]);
    expect(ev(`lookup('${name}', ${term}, errors='ignore', wantlist=true)`, sc)).toEqual([]);
    expect(ev(`lookup('${name}', ${term}, errors='ignore') is none`, sc)).toBe(true);
    for (const mode of ["'strict'", "'loud'", 'true']) expect(() => ev(`lookup('${name}', ${term}, errors=${mode})`, sc), mode).toThrow(new RegExp(`lookup plugin '${name}'`));
    expect(() => ev(`lookup('${name}', ${term})`, sc)).toThrow(new RegExp(`lookup plugin '${name}'`));
  });
  test('warn: None, and the warning on stderr', () => {
    const writes: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(ev("lookup('pipe', 'exit 4', errors='warn')", sc)).toBeNull();
      expect(ev("lookup('pipe', 'exit 0', errors='warn')", sc)).toBe('');
    } finally {
      process.stderr.write = orig;
    }
    expect(writes).toEqual(["[WARNING]: Lookup failed but the error is being ignored: lookup plugin 'pipe': lookup_plugin.pipe(exit 4) returned 4\n"]);
  });
  test('a lookup that works is unchanged by errors=; errors is no option of the plugin (first_found reads its kwargs)', () => {
    expect(ev("lookup('varnames', '^nmx_', errors='ignore')", sc)).toBe('nmx_a');
    expect(ev("query('first_found', 'nope.yml', skip=true, errors='strict')", sc)).toEqual([]);
    expect(ev("lookup('ansible.builtin.pipe', 'echo hi', errors='warn')", sc)).toBe('hi');
  });
  test('an undefined term fails whatever errors= says (it fails before the plugin runs, as in Ansible)', () => {
    expect(() => ev("lookup('pipe', undefined_thing, errors='ignore')", sc)).toThrow(/undefined_thing/);
  });
  test('the pipe lookup in static checks stays refused, not ignored', () => {
    expect(() => ev("lookup('pipe', 'true', errors='ignore')", barCommands({ ...sc }))).toThrow(/runs when the task runs, not before/);
  });
});

describe('lookup at load time', () => {
  test.each([
    ["lookup('password', '/dev/null')", 7, `unknown lookup plugin 'password' (nodemend has: ${Object.keys(LOOKUPS).join(', ')})`],
    ['lookup(name)', 7, 'lookup() needs the name of a lookup plugin as a quoted string first'],
    ['f(1)', 1, "only methods can be called (x.split(','), d.items()); use a filter for anything else (x | name(args))"],
  ])('%s fails at col %i', (src, col, message) => {
    try {
      compileExpression(src, { file: 'x.yml', line: 1, col: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NodemendError);
      expect((e as NodemendError).message).toBe(message);
      expect((e as NodemendError).pos?.col).toBe(col + 1);
    }
  });
});

describe('lookup fileglob (fileglob.py)', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'nm-fileglob-')));
  const role = join(base, 'roles', 'r');
  for (const [rel, text] of Object.entries({
    'files/a.conf': 'a',
    'files/b.conf': 'b',
    'files/.h.conf': 'h',
    'files/c.txt': 'c',
    'files/d.conf/x': 'a directory named *.conf',
    'files/sub/s.conf': 's',
    'top.conf': 't',
    'roles/r/files/r.conf': 'r',
    'roles/r/tasks/t.conf': 't',
  })) {
    mkdirSync(join(base, rel, '..'), { recursive: true });
    writeFileSync(join(base, rel), text);
  }
  const pb = { playbook_dir: base };
  const q = (src: string, sc: Record<string, unknown> = pb): string[] => (ev(src, sc) as string[]).map(String);
  test('a bare pattern: files/ first, regular files only, dot files only for a dot pattern, absolute paths', () => {
    expect(q("query('fileglob', '*.conf')").sort()).toEqual([join(base, 'files/a.conf'), join(base, 'files/b.conf')]);
    expect(q("query('fileglob', '.*')")).toEqual([join(base, 'files/.h.conf')]);
    expect(q("query('fileglob', 'top.conf')")).toEqual([join(base, 'top.conf')]);
    expect(q("query('fileglob', 'c.txt', 'nothing*')")).toEqual([join(base, 'files/c.txt')]);
  });
  test('a pattern with a directory: that directory as lookup(file) finds it; an absolute one; none is []', () => {
    expect(q("query('fileglob', 'sub/*')")).toEqual([join(base, 'files/sub/s.conf')]);
    expect(q("query('fileglob', 'files/[ac].*')").sort()).toEqual([join(base, 'files/a.conf'), join(base, 'files/c.txt')]);
    expect(q(`query('fileglob', '${base}/files/*.txt')`)).toEqual([join(base, 'files/c.txt')]);
    expect(q("query('fileglob', 'nowhere/*')")).toEqual([]);
    expect(ev("lookup('fileglob', 'nothing*')", pb)).toEqual([]);
  });
  test("a role task: the role's files/, then the role dir, then tasks/files, tasks/", () => {
    const sc = { playbook_dir: base, role_path: role };
    expect(q("query('fileglob', '*.conf')", sc)).toEqual([join(role, 'files/r.conf')]);
    expect(q("query('fileglob', 't.*')", sc)).toEqual([join(role, 'tasks/t.conf')]);
  });
  test('in the directory order, not sorted (Python glob lists the directory as readdir gives it)', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nm-fileglob-order-')));
    const names = ['m', 'z', 'a', 'q', 'b', 'y'].map((n) => `${n}.x`);
    for (const n of names) writeFileSync(join(dir, n), '');
    const py = execFileSync('python3', ['-c', 'import glob,sys; print("\\n".join(glob.glob(sys.argv[1] + "/*.x")))', dir], { encoding: 'utf8' }).trim().split('\n');
    expect(q(`query('fileglob', '${dir}/*.x')`)).toEqual(py);
  });
});

describe('lookup indexed_items and inventory_hostnames', () => {
  test('indexed_items: one level flattened, (index, item) tuples (printed as tuples)', () => {
    expect(ev("query('indexed_items', ['a', ['b']], 'c')", {})).toEqual([
      [0, 'a'],
      [1, ['b']],
      [2, 'c'],
    ]);
    expect(String(renderStored("{{ lookup('indexed_items', ['x', 'y']) }} {{ lookup('indexed_items', 'z') }}", {}))).toBe("[(0, 'x'), (1, 'y')] (0, 'z')");
  });
  const groups = { all: ['w1', 'w2', 'db1', 'x'], ungrouped: ['x'], web: ['w1', 'w2'], db: ['db1'] };
  test.each([
    ["query('inventory_hostnames', 'all')", ['w1', 'w2', 'db1', 'x']],
    ["query('inventory_hostnames', 'all:!web')", ['db1', 'x']],
    ["query('inventory_hostnames', 'web:&w2')", ['w2']],
    ["query('inventory_hostnames', 'w*')", ['w1', 'w2']],
    ["query('inventory_hostnames', 'db', 'web[0]')", ['db1', 'w1']],
    ["lookup('inventory_hostnames', 'web')", 'w1,w2'],
    ["query('inventory_hostnames', 'web[7]')", []],
    ["query('inventory_hostnames', 'localhost')", ['localhost']],
    ["query('inventory_hostnames', 'nothing')", []],
  ])('%s', (src, want) => expect(ev(src, { groups })).toEqual(want));
});
