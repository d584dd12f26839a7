/**
 * Template files: .j2 (and any name but .hbs) render with the Jinja language, .hbs with
 * Handlebars; a template either engine cannot parse fails loading (validate, run) with the
 * template's file:line:col, before any host.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NodemendError } from '../../../src/load/errors.js';
import { utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { renderTemplateFile, templateModuleVars } from '../../../src/load/template.js';
import { loadTree, writeTree } from './load-helpers.js';

const play = (src: string, extra = ''): string => `- hosts: all\n  tasks:\n    - template: { src: ${src}, dest: /tmp/x${extra} }\n`;

describe("the template module's variables (2.14 generate_ansible_template_vars)", () => {
  test('src as written, the file found, dest as given, the owner, the host, mtime as str(datetime)', async () => {
    const dir = writeTree({
      'templates/t.j2': '{{ template_path }}|{{ template_fullpath }}|{{ template_destpath }}|{{ template_uid }}|{{ template_host }}|{{ ansible_managed }}|{{ template_mtime }}',
    });
    const file = join(dir, 'templates/t.j2');
    const mtime = new Date(2024, 0, 2, 3, 4, 5, 500); // local time, as datetime.fromtimestamp
    utimesSync(file, mtime, mtime);
    const out = await renderTemplateFile(file, templateModuleVars('t.j2', file, '/etc/x.conf'));
    const owner = process.getuid?.() === 0 ? 'root' : String(out.split('|')[3]);
    expect(out).toBe(`t.j2|${file}|/etc/x.conf|${owner}|${hostname()}|Ansible managed|2024-01-02 03:04:05.500000`);
    expect(templateModuleVars('t.j2', file, undefined).template_destpath).toBeNull();
    expect(String(templateModuleVars('t.j2', file, undefined).template_run_date)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
  });
});

describe("newline_sequence (Jinja: the template text's line breaks, not a value's)", () => {
  test('\\r\\n and \\r for the text, the trailing newlines too; a CRLF template reads as \\n', async () => {
    const dir = writeTree({ 'templates/n.j2': 'a\nb {{ x }}\n{% if true %}\nc\n{% endif %}\n\n', 'templates/crlf.j2': 'a\r\n{% if true %}\r\nc\r\n{% endif %}\r\n' });
    const vars = { x: 'v\nw' };
    // Bytes as ansible-playbook 2.14 wrote them for the same templates and newline_sequence.
    expect(await renderTemplateFile(join(dir, 'templates/n.j2'), vars, { trimBlocks: true, lstripBlocks: false, newlineSequence: '\r\n' })).toBe('a\r\nb v\nw\r\nc\r\n\r\n');
    expect(await renderTemplateFile(join(dir, 'templates/n.j2'), vars, { trimBlocks: true, lstripBlocks: false, newlineSequence: '\r' })).toBe('a\rb v\nw\rc\r\r\r');
    expect(await renderTemplateFile(join(dir, 'templates/crlf.j2'), vars)).toBe('a\nc\n');
  });
});

describe('template files by kind', () => {
  test('a .j2 file renders with statements, filters and the module options', async () => {
    const dir = writeTree({ 'templates/a.conf.j2': '{# header #}\n{% for p in ports %}\n  listen {{ p }}\n{% endfor %}\nname={{ name | upper }}\n' });
    const file = join(dir, 'templates/a.conf.j2');
    const vars = { ports: [80, 443], name: 'web' };
    expect(await renderTemplateFile(file, vars)).toBe('  listen 80\n  listen 443\nname=WEB\n');
    expect(await renderTemplateFile(file, vars, { trimBlocks: false, lstripBlocks: false })).toBe('\n\n  listen 80\n\n  listen 443\n\nname=WEB\n');
    expect(await renderTemplateFile(file, vars, { trimBlocks: true, lstripBlocks: true })).toBe('  listen 80\n  listen 443\nname=WEB\n');
  });

  test('a .hbs file stays Handlebars ({{#each}}, no Jinja statements)', async () => {
    const dir = writeTree({ 'a.hbs': '{{#each ports}}listen {{this}}\n{{/each}}' });
    expect(await renderTemplateFile(join(dir, 'a.hbs'), { ports: [1, 2] })).toBe('listen 1\nlisten 2\n');
  });

  test('an undefined variable in a .j2 file is a template error at its line and column', async () => {
    const dir = writeTree({ 'b.j2': 'a\n  x={{ missing }}\n' });
    await expect(renderTemplateFile(join(dir, 'b.j2'), {})).rejects.toThrow(NodemendError);
    await renderTemplateFile(join(dir, 'b.j2'), {}).catch((e: NodemendError) => expect(e.format()).toBe(`${join(dir, 'b.j2')}:2:8: 'missing' is undefined`));
  });
});

describe('validate compiles the template files', () => {
  test.each([
    ['t.j2', 'a\n{% if x %}\nb\n', "templates/t.j2:2:1: expected '{% endif %}' to close '{% if %}'"],
    ['t.j2', 'ok\n{% extends "base.j2" %}\n', "templates/t.j2:2:4: '{% extends %}' is not supported (statements: if, for, set, raw, macro, call, include, import, from)"],
    ['t.j2', 'ok\n{% include "nosuch.j2" %}\n', "templates/t.j2:2:12: template 'nosuch.j2' not found (searched "],
    ['t.j2', 'ok\n{% from "m.j2" import a %}\n', "templates/t.j2:2:9: template 'm.j2' not found (searched "],
    ['t.j2', 'x={{ m() }}\n', "templates/t.j2:1:6: only macros of the template (m(), mod.m(), caller()) and methods (x.split(',')) can be called"],
    ['t.j2', 'x={{ a | nosuch }}\n', "templates/t.j2:1:10: unknown filter 'nosuch'"],
    ['t.j2', 'x={{ a.constructor() }}\n', "templates/t.j2:1:8: unknown method 'constructor'"],
    ['t.conf', '{{ a }\n', "templates/t.conf:1:6: expected '}}' to close '{{', got '}'"],
    ['t.hbs', '{{#each xs}}\n', 'templates/t.hbs:2: syntax error: unexpected end of template'],
  ])('%s %j', async (name, text, error) => {
    const r = await loadTree({ 'site.yaml': play(name), [`templates/${name}`]: text });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(error);
  });

  test('good templates, a templated src and a template made at run time pass', async () => {
    const r = await loadTree({
      'site.yaml': play('good.j2') + '    - template: { src: "{{ name }}.j2", dest: /tmp/y }\n    - local_action: command touch templates/later.j2\n    - template: { src: later.j2, dest: /tmp/z }\n',
      'templates/good.j2': '{% for x in xs %}{{ x }}{% endfor %}\n',
    });
    expect(r.errors).toEqual([]);
  });

  const BAD = 'ok\n{% extends "base.j2" %}\n';
  const AT = "templates/bad.conf.j2:2:4: '{% extends %}' is not supported";

  test('src: "{{ item }}" over with_first_found names: the first file that is there is compiled', async () => {
    const task = (names: string) => `- hosts: all\n  tasks:\n    - template: { src: "{{ item }}", dest: /tmp/x }\n      with_first_found: ${names}\n`;
    const bad = await loadTree({ 'site.yaml': task('[missing.j2, bad.conf.j2, good.j2]'), 'templates/bad.conf.j2': BAD, 'templates/good.j2': 'x\n' });
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toContain(AT);
    // The run takes good.j2 (first found); bad.conf.j2 behind it, or behind a templated name, is never used.
    for (const names of ['[good.j2, bad.conf.j2]', '["{{ os }}.j2", bad.conf.j2]']) {
      const ok = await loadTree({ 'site.yaml': task(names), 'templates/bad.conf.j2': BAD, 'templates/good.j2': 'x\n' });
      expect(ok.errors, names).toEqual([]);
    }
  });

  test('src templated from plain play vars is compiled; other variables are left to the run', async () => {
    const pb = (vars: string, src = '"{{ n }}.conf.j2"') => `- hosts: all\n  vars: ${vars}\n  tasks:\n    - template: { src: ${src}, dest: /tmp/x }\n`;
    const bad = await loadTree({ 'site.yaml': pb('{ n: bad }'), 'templates/bad.conf.j2': BAD });
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toContain(AT);
    for (const [vars, src] of [
      ['{ n: "{{ other }}", other: bad }', undefined],
      ['{ m: bad }', '"{{ n | default(m) }}.conf.j2"'],
    ] as const) {
      const r = await loadTree({ 'site.yaml': pb(vars, src), 'templates/bad.conf.j2': BAD });
      expect(r.errors, vars).toEqual([]);
    }
  });
});
