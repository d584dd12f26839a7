/**
 * Mapping keys that are not strings (audit23 N20): YAML `{80: http}` has int keys in 2.14, and so
 * do Jinja's `{1: 'a'}`, items2dict over int keys and dict2items' `key`. Each expected value is
 * what ansible-playbook 2.14.18 printed on this machine for the same expression (debug msg).
 */
import { describe, expect, test } from 'vitest';
import { compileExpression, compileTemplate } from '../../../src/load/expr/index.js';
import { parseYaml, plain } from '../../../src/load/yaml-source.js';
import { fastPlain } from '../../../src/load/yaml-fast.js';
import { pyKeysOf, pyRepr, toPlain, type Mapping } from '../../../src/load/expr/values.js';
import type { NodemendError } from '../../../src/load/errors.js';

const load = (text: string): Mapping => {
  const errors: NodemendError[] = [];
  const y = parseYaml(text, 'v.yml', errors);
  expect(errors).toEqual([]);
  return plain(y, y.root) as Mapping;
};

const vars = load(`
ports: {80: http, 443: https}
flags: {true: y, null: n, 1.5: f, false: z}
mixed: {1: a, b: c}
strk: {'80': q}
block:
  22: ssh
  8080: alt
`);

const render = (src: string, extra: Record<string, unknown> = {}): unknown => compileTemplate(src).render({ ...vars, ...extra });
const ev = (src: string): unknown => compileExpression(src).evaluate(vars);

describe('YAML keys keep their type', () => {
  test('ints, bools, null and floats, in flow and block mappings', () => {
    expect(pyKeysOf(vars.ports as Mapping)).toEqual([80, 443]);
    expect(pyKeysOf(vars.block as Mapping)).toEqual([22, 8080]);
    expect(pyKeysOf(vars.flags as Mapping)).toEqual([true, null, 1.5, false]);
    expect(pyKeysOf(vars.strk as Mapping)).toEqual(['80']);
    // The properties are the JSON names (what modules and to_json see).
    expect(Object.keys(vars.flags as Mapping)).toEqual(['true', 'null', '1.5', 'false']);
  });

  test('the fast vars-file reader keeps the types too', () => {
    for (const text of ['p:\n  80: http\n  ~: n\n  true: t\n', 'p: {80: http, ~: n, true: t}\n']) {
      const p = (fastPlain(text) as Mapping).p as Mapping;
      expect(pyKeysOf(p)).toEqual([80, null, true]);
      expect(Object.keys(p)).toEqual(['80', 'null', 'true']);
    }
    // The same text as a string and a typed key: left to the Document path, which refuses it.
    expect(fastPlain("p:\n  1: a\n  '1': b\n")).toBeUndefined();
  });

  test('a mapping with both 1 and "1" is refused at its line', () => {
    const errors: NodemendError[] = [];
    const y = parseYaml("m:\n  1: a\n  '1': b\n", 'v.yml', errors);
    expect(() => plain(y, y.root)).toThrow(/both the key 1 and the string '1'.*2\.14 keeps two keys/);
  });

  test('merge keys keep the source key types', () => {
    const m = load('base: &b {80: http}\nmine:\n  <<: *b\n  443: https\n');
    expect(pyKeysOf(m.mine as Mapping)).toEqual([80, 443]);
  });

  test('documented (README "Choices"): integer keys iterate in ascending order, where 2.14 keeps the written order', () => {
    // 2.14: [443, 80]. A JS object lists integer-like properties first, ascending.
    expect(pyKeysOf(load('m: {443: b, 80: a}').m as Mapping)).toEqual([80, 443]);
  });
});

describe('expressions over typed keys (2.14.18)', () => {
  test('subscript, in, keys', () => {
    expect(render("{{ ports.keys() | list }} {{ ports[80] }} {{ ports['80'] | default('UND') }} {{ 80 in ports }} {{ '80' in ports }}")).toBe('[80, 443] http UND True False');
    expect(render("{{ strk[80] | default('UND') }} {{ strk['80'] }}")).toBe('UND q');
    expect(render("{{ flags[true] }} {{ flags[none] }} {{ flags[1] | default('UND') }}")).toBe('y n y');
  });

  test('iteration gives ints: arithmetic and comparison', () => {
    expect(render('{% for k, v in ports.items() %}{{ k + 1 }}{% if k == 443 %}ssl{% endif %},{% endfor %}')).toBe('81,444ssl,');
    expect(render('{% for k in ports %}{{ k is number }}{% endfor %}')).toBe('TrueTrue');
  });

  test('printing, to_json, to_yaml', () => {
    expect(render('={{ flags }}')).toBe("={True: 'y', None: 'n', 1.5: 'f', False: 'z'}");
    expect(render('{{ flags | to_json }} {{ ports | to_json }}')).toBe('{"true": "y", "null": "n", "1.5": "f", "false": "z"} {"80": "http", "443": "https"}');
    expect(render('{{ ports | to_nice_json }}')).toBe('{\n    "80": "http",\n    "443": "https"\n}');
    expect(render('{{ ports | to_yaml }}|{{ flags | to_yaml }}|{{ mixed | to_yaml }}|{{ ports | to_nice_yaml }}')).toBe(
      '{80: http, 443: https}\n|{true: y, null: n, 1.5: f, false: z}\n|{1: a, b: c}\n|80: http\n443: https\n',
    );
    expect(render('{{ {443: 1, 80: 2} | to_nice_yaml }}')).toBe('80: 2\n443: 1\n');
    expect(() => render('{{ mixed | to_nice_json }}')).toThrow(/not supported between/);
  });

  test('dict2items, items2dict, combine, dictsort, get, length, list', () => {
    expect(render("{{ ports | dict2items }} {{ ports | dict2items | items2dict }} {{ ports | combine({80: 'x'}) }}")).toBe(
      "[{'key': 80, 'value': 'http'}, {'key': 443, 'value': 'https'}] {80: 'http', 443: 'https'} {80: 'x', 443: 'https'}",
    );
    expect(render("{{ ports | dictsort }} {{ ports | length }} {{ ports | list }} {{ ports.get(80) }} {{ ports.get('80') }}")).toBe("[(80, 'http'), (443, 'https')] 2 [80, 443] http ");
    expect(render("{{ ports | first }} {{ ports | join(',') }}")).toBe('80 80,443');
  });

  test('a key in one type and the same text in another: refused, not merged silently', () => {
    expect(() => render("{{ ports | combine({'443': 's'}) }}")).toThrow(/two keys in 2\.14/);
    expect(() => render("{{ {1: 'a', '1': 'b'} }}")).toThrow(/both the key/);
    // Documented: 1 and True are two keys in combine (2.14: {1: 'b'}, 1 == True).
    expect(render("={{ {1: 'a'} | combine({true: 'b'}) }}")).toBe("={1: 'a', True: 'b'}");
  });

  test('Jinja dict literals and equality', () => {
    expect(render("{{ {1: 'a', 2.0: 'b', none: 'c'} }} {{ {1: 'a', 1: 'b'} }}")).toBe("{1: 'a', 2.0: 'b', None: 'c'} {1: 'b'}");
    // 1 == True: one key, the first one's, with the last value (2.14: {1: 'd', 2.0: 'b', None: 'c'}).
    expect(render("={{ {1: 'a', 2.0: 'b', none: 'c', true: 'd'} }}")).toBe("={1: 'd', 2.0: 'b', None: 'c'}");
    expect(ev("ports == {80: 'http', 443: 'https'}")).toBe(true);
    expect(ev("ports == {'80': 'http', '443': 'https'}")).toBe(false);
  });

  test('a copy keeps the key types (toPlain)', () => {
    expect(pyRepr(toPlain(vars.ports))).toBe("{80: 'http', 443: 'https'}");
  });

  test('a string-keyed mapping is unchanged: no int lookup of a "80" key', () => {
    expect(ev("{'a': 1}['a']")).toBe(1);
    expect(render("={{ {'80': 'x'} }}")).toBe("={'80': 'x'}");
  });
});
