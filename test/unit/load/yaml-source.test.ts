import { describe, expect, it, vi } from 'vitest';
import { Alias, isCollection, isPair } from 'yaml';
import { parseYaml, plain, entries, nodeAt, posOf } from '../../../src/load/yaml-source.js';
import { closest, didYouMean, levenshtein } from '../../../src/load/suggest.js';
import type { NodemendError } from '../../../src/load/errors.js';
import { PyFloat } from '../../../src/load/expr/values.js';

function parse(text: string) {
  const errors: NodemendError[] = [];
  const y = parseYaml(text, 'f.yaml', errors);
  return { y, errors: errors.map((e) => e.format()) };
}

describe('YAML as Ansible reads it (1.1 booleans and merge keys, 1.2 numbers)', () => {
  it.each([
    ['yes', true],
    ['No', false],
    ['on', true],
    ['OFF', false],
    ['true', true],
    ['y', 'y'], // PyYAML keeps single letters as strings
    ['n', 'n'],
    ['0644', 644], // not 1.1 octal: modules read a mode number as octal digits
    ['0x1F', 31],
    ['1_000', 1000],
    ['5:20', '5:20'], // not sexagesimal
    ['5:20.10', '5:20.10'],
    ['2024-01-01', '2024-01-01'], // not a Date
    ['18.09.1', '18.09.1'],
    ['v1.14.1', 'v1.14.1'],
    ['"yes"', 'yes'],
    ['~', null],
    ['e1', 'e1'], // a float needs a digit first (the library's 1.1 float read NaN)
    ['.', '.'],
    ['-.5e3', new PyFloat(-500)],
    ['1.', new PyFloat(1)],
  ])('%s → %j', (src, value) => {
    const { y, errors } = parse(`v: ${src}\n`);
    expect(errors).toEqual([]);
    expect(plain(y, y.root)).toEqual({ v: value });
  });

  it('expands << merge keys in entries (own keys win) and in plain values', () => {
    const { y } = parse('base: &b { a: 1, b: 2 }\nm:\n  <<: *b\n  b: 3\n');
    const m = nodeAt(y, y.root, ['m']).node;
    expect(entries(y, m).map((e) => [e.key, plain(y, e.value)])).toEqual([
      ['b', 3],
      ['a', 1],
    ]);
    expect(plain(y, m)).toEqual({ a: 1, b: 3 });
  });

  it('finds nodes and key nodes by path, following aliases', () => {
    const { y } = parse('x: &l [10, { k: v }]\ny: *l\n');
    const at = nodeAt(y, y.root, ['y', 1, 'k']);
    expect(at.found).toBe(true);
    expect(posOf(y, at.node)).toEqual({ file: 'f.yaml', line: 1, col: 17 });
    expect(posOf(y, at.keyNode)).toEqual({ file: 'f.yaml', line: 1, col: 14 });
    expect(nodeAt(y, y.root, ['y', 5]).found).toBe(false);
  });

  it('follows each alias to the last node anchored with its name before it (an anchor may be redefined)', () => {
    const { y, errors } = parse('a: &x 1\nb: *x\nc: &x [2]\nd: *x\ne: { f: &x 3, g: *x }\n');
    expect(errors).toEqual([]);
    const at = (...path: (string | number)[]) => plain(y, nodeAt(y, y.root, path).node);
    expect([at('b'), at('d'), at('e', 'g')]).toEqual([1, [2], 3]);
    expect(posOf(y, nodeAt(y, y.root, ['d', 0]).node)).toEqual({ file: 'f.yaml', line: 3, col: 8 });
    expect(plain(y, y.root)).toEqual({ a: 1, b: 1, c: [2], d: [2], e: { f: 3, g: 3 } });
  });

  it('parses with a plain copy of process.env and puts the real one back', () => {
    const real = process.env;
    expect(parse('a: 1\n').errors).toEqual([]);
    expect(process.env).toBe(real);
    expect(() => parseYaml('a: [\n', 'f.yaml', [])).not.toThrow();
    expect(process.env).toBe(real);
  });

  it('reports duplicate keys and several syntax errors with positions', () => {
    expect(parse('a: 1\nb: 2\na: 3\n').errors).toEqual(['f.yaml:3:1: duplicate key "a": a mapping must not repeat a key']);
    expect(parse('a: [1, 2\n').errors[0]).toMatch(/^f\.yaml:2:1: YAML syntax error: /);
  });

  it("finds duplicate keys at any depth and in flow mappings, each repeat once, in file order (one pass, not the library's pairwise check)", () => {
    const text = 'top:\n  x: 1\n  y: {p: 1, q: 2, p: 3}\n  x: 2\nother: 1\ntop: 3\n"1": a\n1: b\nz: 1\nz: 2\nz: 3\n';
    expect(parse(text).errors).toEqual([
      'f.yaml:3:19: duplicate key "p": a mapping must not repeat a key',
      'f.yaml:4:3: duplicate key "x": a mapping must not repeat a key',
      'f.yaml:6:1: duplicate key "top": a mapping must not repeat a key',
      'f.yaml:10:1: duplicate key "z": a mapping must not repeat a key',
      'f.yaml:11:1: duplicate key "z": a mapping must not repeat a key',
    ]);
    // The same key in different mappings, or a string and a number that print alike, are not repeats.
    expect(parse('a: {k: 1}\nb: {k: 2}\n"2": x\n2: y\n').errors).toEqual([]);
    // A large mapping is checked whole: the repeat at the very end is found.
    const big = Array.from({ length: 50_000 }, (_, i) => `k${i}: ${i}\n`).join('') + 'k7: again\n';
    expect(parse(big).errors).toEqual(['f.yaml:50001:1: duplicate key "k7": a mapping must not repeat a key']);
  });
});

describe('alias bombs', () => {
  // "Billion laughs": each level repeats the previous one nine times (9^9 strings in all).
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [prev, cur] of ['ab', 'bc', 'cd', 'de', 'ef', 'fg', 'gh', 'hi']) bomb.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);

  it('is refused at the alias that crosses the limit, with a position, before anything expands', () => {
    const { y, errors } = parse(bomb.join('\n') + '\n');
    expect(errors).toHaveLength(1);
    // Level f (line 6) is 9^6 = 531441 strings: its first alias crosses 100000 + 10 x own nodes.
    expect(errors[0]).toMatch(/^f\.yaml:6:8: aliases here expand the document to more than \d+ values/);
    expect(y.doc.errors.length).toBe(1); // callers skip the document
  });

  it('leaves ordinary anchors and merge keys alone', () => {
    const lines = ['base: &b { a: 1, b: [1, 2, 3] }'];
    for (let i = 0; i < 300; i++) lines.push(`m${i}: { <<: *b, c: ${i} }`);
    lines.push('r: &r [1, 2]', 's: [*r, *r]');
    const { y, errors } = parse(lines.join('\n') + '\n');
    expect(errors).toEqual([]);
    expect((plain(y, y.root) as Record<string, { b: number[] }>).m299.b).toEqual([1, 2, 3]);
  });

  // A value that contains itself sent checkTemplatesDeep round for ever (a stack overflow trace).
  it.each([
    ['a list holding itself', 'r: &r [1, *r]\n', 'f.yaml:1:11'],
    ['a mapping holding itself, deeper', 'a: &a\n  b: { c: [*a] }\n', 'f.yaml:2:12'],
    ['an anchor name reused: the alias takes the open one', 'y: &a 1\nx: &a [1, *a]\n', 'f.yaml:2:11'],
  ])('refuses %s at the alias, before anything walks it', (_, text, at) => {
    const { y, errors } = parse(text);
    expect(errors).toEqual([`${at}: alias *${/\*(\w+)/.exec(text)![1]} is inside the value its anchor names (a value that contains itself): nodemend takes a tree of values`]);
    expect(y.doc.errors.length).toBe(1); // callers skip the document
  });
});

describe('plain(): our one-walk converter gives the yaml library toJS values', () => {
  const library = (y: ReturnType<typeof parse>['y']) => y.root!.toJS(y.doc, { maxAliasCount: -1 });
  it.each([
    ['merge keys, own keys before and after', 'b: &b { a: 1, c: 2 }\nm:\n  a: 0\n  <<: *b\n  c: 3\n'],
    ['a list of merge sources, the first wins', 'x: &x { a: x, b: x }\ny: &y { b: y, c: y }\nm: { <<: [*x, *y], d: 4 }\n'],
    ['merges inside a merge source', 'a: &a { p: 1 }\nb: &b { <<: *a, q: 2 }\nm: { <<: *b, r: 3 }\n'],
    ['a merge of an inline mapping', 'm: { <<: { a: 1 }, b: 2 }\n'],
    ['a quoted << is an ordinary key', 'b: &b { a: 1 }\nm: { "<<": *b }\n'],
    ['nested aliases', 'a: &a [1, 2]\nb: &b { l: *a, m: { n: *a } }\nc: [*b, *b, { x: *b }]\n'],
    ['an alias to a list, a mapping and a scalar', 's: &s hello\nl: &l [1, two]\nm: &m { k: v }\nout: [*s, *l, *m]\nk: { *s : keyed }\n'],
    ['a redefined anchor: each alias takes the last one before it', 'a: &x 1\nb: *x\nc: &x [2]\nd: *x\ne: { f: &x { g: 3 }, h: *x }\n'],
    ['!unsafe scalars', "u: !unsafe '{{ raw }}'\nl: [!unsafe '{% x', plain]\nr: &r !unsafe 'a{{b}}'\ns: *r\n"],
    ['tags and 1.1 scalars', 'i: !!int "7"\ns: !!str 7\nf: !!float 1.5\nb: [yes, off, y, 0644, 0x1F, 1_000, 5:20, 2024-01-01, ~, null, .inf]\nbin: !!binary aGk=\n'],
    ['odd keys', '1: one\n~: nothing\ntrue: yes\n__proto__: p\ntoString: t\n'],
    ['a set (left to the library)', 's: !!set { a, b }\n'],
    ['a collection key (left to the library)', '? [a, b]\n: v\n'],
    ['a document that is one scalar', '42\n'],
  ])('%s', (_, text) => {
    const { y, errors } = parse(text);
    expect(errors).toEqual([]);
    const ours = plain(y, y.root);
    expect(ours).toStrictEqual(library(y));
    expect(JSON.stringify(ours)).toBe(JSON.stringify(library(y)));
  });

  it('gives each alias of one node the same object, as the library does', () => {
    const { y } = parse('a: &a { k: [1] }\nb: *a\nc: [*a]\n');
    const v = plain(y, y.root) as Record<string, unknown> & { c: unknown[] };
    expect(v.b).toBe(v.a);
    expect(v.c[0]).toBe(v.a);
  });

  it('converts a node inside the document whose aliases point outside it', () => {
    const { y } = parse('a: &a { k: 1 }\nm:\n  <<: *a\n  l: [*a]\n');
    const m = nodeAt(y, y.root, ['m']).node;
    expect(plain(y, m)).toStrictEqual(m!.toJS(y.doc, { maxAliasCount: -1 }));
    expect(plain(y, m)).toEqual({ k: 1, l: [{ k: 1 }] });
  });

  it('refuses a merge of something that is not a mapping, as the library does, naming its place', () => {
    const { y } = parse('s: &s text\nm: { <<: *s }\n');
    expect(() => library(y)).toThrow('Merge sources must be maps or map aliases');
    let thrown: unknown;
    try {
      plain(y, y.root);
    } catch (e) {
      thrown = e;
    }
    expect((thrown as NodemendError).format()).toMatch(/:2:10: a "<<" merge takes a mapping, an alias of one, or a list of those$/);
  });

  // What loading anchors must not do again: resolve each alias by walking the whole document (the
  // library's Alias.resolve, and its toJS through it): quadratic, 0.1 MB of anchors took 9 s of CPU.
  // Counted as work, not timed (the figure is bench/yaml-load.sh's "anchors" shape).
  const anchors = (n: number): string => {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`b${i}: &b${i} { n: ${i} }`, `c${i}: *b${i}`, `m${i}: { <<: *b${i}, z: ${i} }`);
    return lines.join('\n') + '\n';
  };
  /** Items of the document's collections read while plain() builds its value (every array wrapped in a counter). */
  function itemReads(y: ReturnType<typeof parse>['y']): number {
    let reads = 0;
    const wrap = (node: unknown): void => {
      if (isPair(node)) return (wrap(node.key), wrap(node.value));
      if (!isCollection(node)) return;
      node.items.forEach(wrap);
      (node as { items: unknown[] }).items = new Proxy(node.items as unknown[], {
        get: (target, key, receiver) => {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    };
    wrap(y.root);
    plain(y, y.root);
    return reads;
  }
  it('resolves aliases and merges in work linear in the document: 4x the anchors, at most 4x the reads (quadratic: 16x)', () => {
    const resolve = vi.spyOn(Alias.prototype, 'resolve');
    try {
      const counts = [200, 800].map((n) => {
        const { y, errors } = parse(anchors(n));
        expect(errors).toEqual([]);
        return itemReads(y);
      });
      // The count, not the calls: a failure message would print the whole document per call.
      expect(resolve.mock.calls.length, 'Alias.resolve calls').toBe(0);
      expect(counts[0]).toBeGreaterThan(200);
      expect(counts[1] / counts[0]).toBeLessThanOrEqual(4.5);
    } finally {
      resolve.mockRestore();
    }
  });
  it('builds the values of anchors with an alias and a merge each', () => {
    const { y, errors } = parse(anchors(2_000));
    expect(errors).toEqual([]);
    const v = plain(y, y.root) as Record<string, { n: number; z?: number }>;
    expect(v.c1999).toEqual({ n: 1999 });
    expect(v.m1234).toEqual({ n: 1234, z: 1234 });
  });
});

describe('did you mean', () => {
  it.each([
    ['when', 'when', 0],
    ['whne', 'when', 2],
    ['comand', 'command', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('levenshtein(%s, %s) = %d', (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
  });

  it.each([
    ['whne', ['when', 'name', 'tags'], 'when'],
    ['Become', ['become', 'become_user'], 'become'],
    ['regster', ['register', 'retries'], 'register'],
    ['xyz', ['when', 'name'], undefined], // nothing within 2 edits
    ['ab', ['cd'], undefined], // 2 edits on 2 letters is no suggestion
  ] as [string, string[], string | undefined][])('closest(%s) = %s', (name, candidates, expected) => {
    expect(closest(name, candidates)).toBe(expected);
  });

  it('phrases the hint', () => {
    expect(didYouMean('shel', ['shell', 'command'])).toBe(' (did you mean "shell"?)');
    expect(didYouMean('zzzzz', ['shell'])).toBe('');
  });
});
