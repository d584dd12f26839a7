import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { NodemendError } from '../../src/load/errors.js';
import { FactNeeded } from '../../src/load/expr/index.js';
import { compileTemplateText, renderTemplateFile, renderTemplateString } from '../../src/load/template.js';

const vars = {
  name: 'node1',
  port: 22,
  zero: 0,
  on: true,
  off: false,
  nil: null,
  empty: '',
  pkgs: ['docker-ce', 'kpatch'],
  none: [],
  conf: { a: 1, b: [true] },
  html: '<a href="x">&</a>',
  docker: '18.09.0~3-0~debian',
  kernel: '3.10.0-957.el7.x86_64',
  text: 'line1\nline2\n\nline4',
  users: [{ name: 'ann' }, { name: 'bob' }],
  base: '/opt',
  src: '{{ base }}/src',
};

const render = (src: string, v: Record<string, unknown> = vars): string => renderTemplateString(src, v, 'templates/x.hbs');

function templateError(fn: () => unknown): NodemendError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NodemendError);
    return e as NodemendError;
  }
  throw new Error('expected an error');
}

describe('helpers', () => {
  test.each([
    ['{{name}}:{{port}}', 'node1:22'],
    ['{{html}}', '<a href="x">&</a>'], // no HTML escaping
    ['{{#each pkgs}}{{this}};{{/each}}', 'docker-ce;kpatch;'],
    ['{{#if on}}y{{else}}n{{/if}}', 'y'],
    ['{{#if zero}}y{{else}}n{{/if}}', 'n'],
    ['{{#if maybe}}y{{else}}n{{/if}}', 'n'], // built-in if stays lenient
    // eq ne lt gt
    ['{{eq port 22}}', 'true'],
    ['{{eq name "node2"}}', 'false'],
    ['{{eq conf.b (json conf.b)}}', 'false'],
    ['{{ne port 22}}', 'false'],
    ['{{lt port 100}}', 'true'],
    ['{{gt port 100}}', 'false'],
    ['{{lt "a" "b"}}', 'true'],
    ['{{#eq name "node1"}}first{{else}}other{{/eq}}', 'first'],
    ['{{#if (eq name "node2")}}2{{else}}not 2{{/if}}', 'not 2'],
    // and or not
    ['{{and on port}}', 'true'],
    ['{{and on zero}}', 'false'],
    ['{{and on port name}}', 'true'],
    ['{{or off empty none}}', 'false'],
    ['{{or off pkgs}}', 'true'],
    ['{{not none}}', 'true'],
    ['{{#not on}}off{{else}}on{{/not}}', 'on'],
    // default
    ['{{default maybe "fallback"}}', 'fallback'],
    ['{{default nil "fallback"}}', 'fallback'],
    ['{{default name "fallback"}}', 'node1'],
    ['{{default zero 5}}', '0'],
    ['{{default conf.nope "x"}}', 'x'],
    // join json upper lower
    ['{{join pkgs}}', 'docker-ce,kpatch'],
    ['{{join pkgs " "}}', 'docker-ce kpatch'],
    ['{{json conf}}', '{"a":1,"b":[true]}'],
    ['{{json conf 2}}', '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}'],
    ['{{json name}}', '"node1"'],
    ['{{json nil}}', 'null'],
    ['{{upper name}}', 'NODE1'],
    ['{{lower "ABC"}}', 'abc'],
    // indent
    ['x:\n  {{indent text 2}}', 'x:\n  line1\n  line2\n\n  line4'],
    ['{{indent text 4 first=true}}', '    line1\n    line2\n\n    line4'],
    ['{{indent text 1 blank=true}}', 'line1\n line2\n \n line4'],
    ['{{indent text}}', 'line1\n    line2\n\n    line4'],
    ['{{indent text "2"}}', 'line1\n  line2\n\n  line4'],
    // versions
    ['{{version_gte docker "18.09.1"}}', 'false'],
    ['{{version_gte "5:24.0.7-1~debian.12" "18.09.1"}}', 'true'],
    ['{{version_lt kernel "3.10.0-1062"}}', 'true'],
    ['{{#version_lt kernel "3.10.0-862"}}old{{else}}new enough{{/version_lt}}', 'new enough'],
    // contains
    ['{{contains pkgs "kpatch"}}', 'true'],
    ['{{contains pkgs "nope"}}', 'false'],
    ['{{contains kernel "el7"}}', 'true'],
    ['{{contains conf "a"}}', 'true'],
    ['{{#contains pkgs "docker-ce"}}has docker{{/contains}}', 'has docker'],
    // quote
    ['rm -f {{quote name}}', 'rm -f node1'],
    ['echo {{quote "it\'s $(x)"}}', `echo 'it'"'"'s $(x)'`],
    ['{{quote empty}}', "''"],
    // var values that are "{{ }}" templates are rendered, as everywhere
    ['{{src}}', '/opt/src'],
    ['{{#each users}}{{name}} {{/each}}', 'ann bob '],
    ['{{@root.name}}', 'node1'],
    ['{{#each conf}}{{@key}}={{json this}};{{/each}}', 'a=1;b=[true];'],
    ['{{#each pkgs}}{{@index}}:{{this}} {{/each}}', '0:docker-ce 1:kpatch '],
    ['{{#with conf}}{{a}}{{/with}}', '1'],
    ['{{#if none}}y{{else}}empty{{/if}}', 'empty'],
  ])('%j', (src, want) => {
    expect(render(src)).toBe(want);
  });
});

describe('missing variables: file:line:col and the name', () => {
  test.each([
    ['{{foo}}', 1, 3, 'variable "foo" is not defined'],
    ['line1\nline2\n  x {{foo}} y', 3, 7, 'variable "foo" is not defined'],
    ['a\n{{conf.nope.deeper}}', 2, 3, 'variable "conf.nope.deeper" is not defined'],
    ['{{#each users}}\n{{nope}}{{/each}}', 2, 3, 'variable "nope" is not defined'],
    ['{{upper maybe}}', 1, 9, 'variable "maybe" is not defined'],
    ['ok\n  {{join pkgs missing_sep}}', 2, 15, 'variable "missing_sep" is not defined'],
    ['{{#if (eq name missing)}}x{{/if}}', 1, 16, 'variable "missing" is not defined'],
    ['{{nohelper port}}', 1, 3, 'helper or variable "nohelper" is not defined'],
  ] as [string, number, number, string][])('%j', (src, line, col, message) => {
    const e = templateError(() => render(src));
    expect(e.code).toBe('template');
    expect(e.message).toBe(message);
    expect(e.pos).toEqual({ file: 'templates/x.hbs', line, col });
    expect(e.format()).toBe(`templates/x.hbs:${line}:${col}: ${message}`);
  });

  test('an undefined variable inside a var value names the template file', () => {
    const e = templateError(() => render('{{v}}', { v: '{{ nowhere }}' }));
    expect(e.format()).toBe("templates/x.hbs: 'nowhere' is undefined (in the value of 'v')");
  });
});

describe('syntax and helper errors', () => {
  test.each([
    ['a\nb {{foo bar}', { line: 2 }, /^syntax error: unexpected INVALID: /],
    ['a\n{{#if x}}\nno end', { line: 3 }, /^syntax error: unexpected end of template \(a \{\{#block\}\} without its \{\{\/block\}\}\?\)$/],
    ['x\n{{#if a}}x{{/each}}', { line: 2, col: 4 }, /^syntax error: if doesn't match each$/],
    ['{{lt port "a"}}', {}, /^helper "lt": '<' is not supported between 'int' and 'str'$/],
    ['{{join port}}', {}, /^helper "join": join: 'int' object is not iterable$/],
    ['{{indent text "x"}}', {}, /^helper "indent": width must be a whole number, got "x"$/],
    ['{{version_lt kernel "1" "2"}}', {}, /^helper "version_lt" takes 2 arguments, got 3$/],
    ['{{upper}}', {}, /^helper "upper" takes 1 argument, got 0$/],
    ['{{and}}', {}, /^helper "and" takes at least 1 arguments?, got 0$/],
    ['{{join pkgs "," "x"}}', {}, /^helper "join" takes 1 to 2 arguments, got 3$/],
  ] as [string, { line?: number; col?: number }, RegExp][])('%j', (src, pos, message) => {
    const e = templateError(() => render(src));
    expect(e.code).toBe('template');
    expect(e.message).toMatch(message);
    expect(e.pos).toEqual({ file: 'templates/x.hbs', ...pos });
  });
});

describe('lazy facts', () => {
  const facts = (fetched: Record<string, unknown>): Record<string, unknown> =>
    new Proxy({} as Record<string, unknown>, {
      get(_t, p) {
        if (p !== 'kernel') return undefined;
        if (!('kernel' in fetched)) throw new FactNeeded('kernel');
        return fetched.kernel;
      },
      has: (_t, p) => p === 'kernel',
      ownKeys: () => ['kernel'],
    });

  test.each(['{{facts.kernel}}', '{{upper facts.kernel}}', '{{#if facts.kernel}}x{{/if}}', '{{default facts.kernel "x"}}', '{{json facts}}'])('%s: FactNeeded passes through unchanged', (src) => {
    let err: unknown;
    try {
      render(src, { facts: facts({}) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FactNeeded);
    expect((err as FactNeeded).fact).toBe('kernel');
  });

  test('once fetched, the same template renders', () => {
    expect(render('kernel {{facts.kernel}}', { facts: facts({ kernel: '3.10.0' }) })).toBe('kernel 3.10.0');
  });

  test('a fact that does not exist is a missing variable, and fetches nothing', () => {
    const e = templateError(() => render('{{facts.nope}}', { facts: facts({}) }));
    expect(e.message).toBe('variable "facts.nope" is not defined');
  });
});

describe('no prototype access', () => {
  test.each(['{{conf.constructor}}', '{{conf.__proto__}}', '{{name.length}}'])('%s is not defined', (src) => {
    expect(templateError(() => render(src)).message).toMatch(/is not defined$/);
  });
});

describe('renderTemplateFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-hbs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('renders a file, and again after it changes (cache keyed by mtime and size)', async () => {
    const file = join(dir, 'grub.hbs');
    writeFileSync(file, 'GRUB_CMDLINE_LINUX="{{args}}"\n');
    utimesSync(file, 1_000_000, 1_000_000);
    expect(await renderTemplateFile(file, { args: 'cgroup.memory=nokmem' })).toBe('GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"\n');
    expect(await renderTemplateFile(file, { args: 'quiet' })).toBe('GRUB_CMDLINE_LINUX="quiet"\n');
    writeFileSync(file, 'CHANGED {{args}}\n');
    utimesSync(file, 2_000_000, 2_000_000);
    expect(await renderTemplateFile(file, { args: 'x' })).toBe('CHANGED x\n');
  });

  test('errors name the file', async () => {
    const file = join(dir, 'bad.hbs');
    writeFileSync(file, 'one\ntwo {{missing}}\n');
    await expect(renderTemplateFile(file, {})).rejects.toThrow(NodemendError);
    await expect(renderTemplateFile(file, {})).rejects.toMatchObject({ code: 'template', pos: { file, line: 2, col: 7 } });
    const broken = join(dir, 'broken.hbs');
    writeFileSync(broken, '{{#if x}}\n');
    await expect(renderTemplateFile(broken, {})).rejects.toMatchObject({ code: 'template', pos: { file: broken, line: 2 } });
  });

  test('a missing file is a file-not-found error', async () => {
    const file = join(dir, 'nope.hbs');
    await expect(renderTemplateFile(file, {})).rejects.toMatchObject({ code: 'file-not-found', pos: { file } });
  });
});

describe('#jinja2: header line (Ansible do_template)', () => {
  const j2 = (src: string, opts?: { trimBlocks: boolean; lstripBlocks: boolean }): string => compileTemplateText(src, 'templates/h.conf.j2', opts).render({ xs: ['a', 'b'] });
  const body = '  {% for x in xs %}\n{{ x }}\n  {% endfor %}\nend\n';

  test('is dropped from the output and sets trim_blocks / lstrip_blocks over the module options', () => {
    expect(j2(body)).toBe('  a\n  b\n  end\n');
    expect(j2('#jinja2: trim_blocks: False, lstrip_blocks: True\n' + body)).toBe('\na\n\nb\n\nend\n');
    expect(j2('#jinja2:lstrip_blocks:True\n' + body, { trimBlocks: false, lstripBlocks: false })).toBe('\na\n\nb\n\nend\n');
    expect(j2('#jinja2: trim_blocks: False\n' + body)).toBe('  \na\n  \nb\n  \nend\n');
  });

  test("a quoted value is a string: any non-empty one is true, as Jinja tests it (dev-sec's form)", () => {
    expect(j2('#jinja2: trim_blocks: "true", lstrip_blocks: "true"\n' + body)).toBe('a\nb\nend\n');
    expect(j2("#jinja2: trim_blocks: 'false', lstrip_blocks: ''\n" + body)).toBe('  a\n  b\n  end\n');
    expect(j2('#jinja2: trim_blocks: 0\n' + body)).toBe('  \na\n  \nb\n  \nend\n');
  });

  test('only at the very start; the final newlines of the whole text are kept', () => {
    expect(j2(' #jinja2: trim_blocks: False\nx\n')).toBe(' #jinja2: trim_blocks: False\nx\n');
    expect(j2('#jinja2: trim_blocks: False\n')).toBe('\n');
  });

  test('positions count the header line', () => {
    const e = templateError(() => j2('#jinja2: lstrip_blocks: True\nok\n{{ x + }}\n'));
    expect(e.pos).toMatchObject({ file: 'templates/h.conf.j2', line: 3 });
  });

  test('a key nodemend cannot honour, a pair without a colon or a value that is no Python literal is refused at line 1', () => {
    for (const [src, msg, col] of [
      ['#jinja2: trim_blocks: False, newline_sequence: "\\r\\n"\nx', '#jinja2: newline_sequence is not supported', 30],
      ['#jinja2: variable_start_string: "[["\nx', '#jinja2: variable_start_string is not supported', 10],
      ['#jinja2: trim_blocks=False\nx', "failed to parse jinja2 override 'trim_blocks=False'", 10],
      ['#jinja2: trim_blocks: true\nx', 'trim_blocks: true is not a Python literal', 10],
    ] as const) {
      const e = templateError(() => j2(src));
      expect(e.message).toContain(msg);
      expect(e.pos).toEqual({ file: 'templates/h.conf.j2', line: 1, col });
    }
  });
});
