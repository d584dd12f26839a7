/**
 * Host output is data: a value marked unsafe (src/load/expr/unsafe.ts) is never rendered
 * as a template, nor is anything read from it or built from it.
 */
import { describe, expect, test } from 'vitest';
import { compileExpression, compileTemplate, renderDeep, renderStored } from '../../../src/load/expr/index.js';
import { isUnsafe, markUnsafe, UnsafeText } from '../../../src/load/expr/unsafe.js';
import { renderTemplateString } from '../../../src/load/template.js';

const hostSays = '{{ secret }}';
const scope = (): Record<string, unknown> => ({
  secret: 's3cr3t',
  base: '/opt',
  lazy: '{{ base }}/x',
  r: markUnsafe({ stdout: hostSays, stdout_lines: [hostSays, 'b'], results: [{ stdout: hostSays }] }),
  boxed: markUnsafe(hostSays),
  fromR: '{{ r.stdout }}',
});
const render = (src: string, sc = scope()): unknown => compileTemplate(src).render(sc);

describe('values from hosts are never rendered again', () => {
  test.each([
    ['{{ r.stdout }}', hostSays],
    ['x {{ r.stdout }} y', `x ${hostSays} y`],
    ['{{ r.stdout_lines[0] }}', hostSays],
    ['{{ r.results[0].stdout }}', hostSays],
    ['{{ (r.results | first).stdout }}', hostSays],
    ["{{ (r.results | map(attribute='stdout') | list)[0] }}", hostSays],
    ['{{ [r.stdout][0] }}', hostSays],
    ["{{ {'k': r.stdout}.k }}", hostSays],
    ['{{ r.stdout_lines[0:1][0] }}', hostSays],
    ['{{ boxed }}', hostSays],
    ['{{ fromR }}', hostSays],
    ['{{ r.stdout | upper }}', '{{ SECRET }}'],
  ])('%s', (src, want) => {
    expect(render(src)).toBe(want);
  });

  test('authored lazy variables still render beside host data', () => {
    expect(render('{{ lazy }} {{ r.stdout }}')).toBe(`/opt/x ${hostSays}`);
  });

  test('conditions compare host data as text', () => {
    expect(compileExpression("r.stdout == '{{ secret }}'").evaluate(scope())).toBe(true);
    expect(compileExpression("'s3cr3t' in r.stdout").evaluate(scope())).toBe(false);
  });

  test('an UnsafeText argument (a `!unsafe` scalar) is passed as plain text, unrendered', () => {
    expect(renderDeep({ content: new UnsafeText(hostSays), n: ['{{ base }}'] }, scope())).toEqual({ content: hostSays, n: ['/opt'] });
  });

  test('a stored value made from host data stays unsafe; one made from authored data does not', () => {
    const sc = scope();
    const stored = renderStored('{{ r.stdout }}', sc);
    expect(stored).toBeInstanceOf(UnsafeText);
    expect(render('{{ v }}', { ...sc, v: stored })).toBe(hostSays);
    const list = renderStored('{{ r.stdout_lines }}', sc);
    expect(isUnsafe(list)).toBe(true);
    expect(renderStored('{{ lazy }}', sc)).toBe('/opt/x');
    expect(isUnsafe(renderStored(['{{ base }}'], sc))).toBe(false);
  });

  test('Handlebars templates show host data as written', () => {
    const out = renderTemplateString('{{r.stdout}}|{{boxed}}|{{#each r.stdout_lines}}{{this}},{{/each}}|{{lazy}}', scope(), 'templates/x.hbs');
    expect(out).toBe(`${hostSays}|${hostSays}|${hostSays},b,|/opt/x`);
  });
});

describe('boxed host strings read through attributes (hostvars of set_fact values)', () => {
  // What hostvars holds for three hosts whose set_fact took a fact: boxed strings.
  const hv = () => ({
    hostvars: { a: { k: markUnsafe('3.10.0-957.el7') }, b: { k: markUnsafe('3.10.0-862.el7') }, c: { k: markUnsafe(hostSays) } },
    secret: 's3cr3t',
  });

  test('map(attribute) | unique | sort compares the text, as for plain strings', () => {
    expect(render("{{ hostvars | dict2items | map(attribute='value.k') | unique | sort }}", hv())).toEqual(['3.10.0-862.el7', '3.10.0-957.el7', hostSays]);
  });

  test('selectattr compares the text', () => {
    expect(render("{{ hostvars | dict2items | selectattr('value.k', 'equalto', '3.10.0-862.el7') | map(attribute='key') | list }}", hv())).toEqual(['b']);
  });

  test('what they build is still host data: never rendered again', () => {
    const out = render("{{ hostvars | dict2items | map(attribute='value.k') | list }}", hv());
    expect(isUnsafe(out)).toBe(true);
    expect(render("{{ (hostvars | dict2items | map(attribute='value.k') | list)[2] }}", hv())).toBe(hostSays);
  });
});
