/**
 * The fast YAML path (src/load/yaml-fast.ts) against the Document path (parseYaml + plain): every
 * YAML file of the repository and a seeded random corpus over the shapes a vars file has, some
 * of it mutated into broken YAML. Wherever the fast path gives a value, the Document path must
 * report nothing and give a deep-equal value (types included) whose objects are shared the same
 * way (an alias gives the anchored object itself, a merge copies: `sharing`); loadVarsFile must give
 * the same value and the same file:line:col messages with and without the fast path. The corpus
 * has anchors, aliases (some to no anchor) and `<<` merges of every form, some of them bad.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fastPlain } from '../../../src/load/yaml-fast.js';
import { parseYaml, plain } from '../../../src/load/yaml-source.js';
import { loadVarsFile } from '../../../src/load/vars-file.js';
import type { NodemendError } from '../../../src/load/errors.js';
import { rng } from '../../setup/seeded-random.js';

const ROOT = join(import.meta.dirname, '../../..');

/** The Document path: its value, or undefined when it reports anything. */
function documentValue(text: string): { ok: boolean; value?: unknown } {
  const errors: NodemendError[] = [];
  const y = parseYaml(text, 'f.yaml', errors);
  if (errors.length || y.doc.errors.length) return { ok: false };
  return { ok: true, value: plain(y, y.root) };
}

/**
 * The value with each object seen before replaced by `{ seen: N }` (N: the order it was first met
 * in): two values with the same result hold equal data shared in the same places.
 */
function sharing(value: unknown): unknown {
  const ids = new Map<object, number>();
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (ids.has(v)) return { seen: ids.get(v) };
    ids.set(v, ids.size);
    if (Array.isArray(v)) return v.map(walk);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value);
}

/** How many documents each reader of the fast path built (the line reader, the Lexer reader). */
const builtBy = { lines: 0, lexer: 0 };

/** Compares both readers of the fast path with the Document path on one text; true when either built it. */
function compare(text: string, label: string): boolean {
  let built = false;
  for (const via of ['lines', 'lexer'] as const) {
    const fast = fastPlain(text, via);
    if (fast === undefined) continue;
    const doc = documentValue(text);
    const what = `${label} (${via})`;
    expect(doc.ok, `${what}: the fast path accepted a document the Document path reports on:\n${text}`).toBe(true);
    expect(fast, `${what}:\n${text}`).toStrictEqual(doc.value);
    expect(sharing(fast), `${what}: objects shared differently:\n${text}`).toStrictEqual(sharing(doc.value));
    builtBy[via]++;
    built = true;
  }
  return built;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(n) ? [p] : [];
  });
}

const PLAIN = [
  'yes',
  'No',
  'on',
  'OFF',
  'true',
  'False',
  'y',
  'n',
  'Y',
  '0644',
  '0x1F',
  '0b101',
  '0o17',
  '1_000',
  '5:20',
  '2024-01-01',
  '2024-01-01 10:00:00',
  '18.09.1',
  '-1',
  '+3',
  '-0',
  '.5',
  '1.',
  '1e3',
  '1.5e-3',
  '.inf',
  '-.Inf',
  '.nan',
  '~',
  'null',
  'NULL',
  'word',
  'two words',
  'a:b',
  'k8s-node',
  'http://x/y:80',
  "it's",
  'x #y',
  'x#y',
  'k: #v',
  'a  b',
  'v1.14.1',
  '12:30:45',
  '-',
  'x-',
  '@',
  '`',
  '{{ broken',
  '{% if x %}y{% endif %}',
  '<<',
];
const QUOTED = ['"a\\n\\t\\u00e9 \\"q\\""', "'it''s'", '""', "''", '"yes"', "'1'", '"{{ v }}"', '"a\\', '"\\x41\\/"', "'two\n  lines'", '"fold\n\n  ed"', '"{{ x"'];
const BLOCKS = ['|', '|-', '|+', '>', '>-', '>+', '|2', '| # c'];
const KEYS = ['name', 'port', '1', '2.0', 'true', 'null', '~', '"quoted key"', "'k'", '__proto__', 'toString', 'a b', 'x-y', '0x10', '16', 'yes', '<<', '"<<"', 'k: v', '? k'];

type Kind = 'map' | 'seq' | 'scalar';

/** A random document; `anchors`: one that anchors, aliases and merges often and is otherwise plain. */
function generate(r: () => number, anchors = false): string {
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const step = r() < 0.5 ? 2 : 4;
  const out: string[] = [];
  if (r() < 0.2) out.push('---');
  if (r() < 0.2) out.push('# a comment');
  // Anchors written so far (complete), and how often this document uses them.
  const anchored: { name: string; kind: Kind }[] = [];
  const rate = anchors ? 0.3 : r() < 0.35 ? 0 : r() < 0.5 ? 0.1 : 0.3;
  // Odd scalars and keys (most of them left to the Document path) and bad aliases only now and then.
  const odd = anchors ? 0.05 : 1;
  let named = 0;
  const anchorName = (): string => (anchored.length && r() < 0.1 ? pick(anchored).name : `a${named++}`);
  /** An alias, mostly to an anchor of `kind`; now and then to a name never anchored. */
  const alias = (kind?: Kind): string => {
    const of = anchored.filter((a) => !kind || a.kind === kind || r() < 0.05 * odd);
    return of.length && r() >= 0.03 * odd ? `*${pick(of).name}` : '*nowhere';
  };
  const anchor = (text: string, kind: Kind): string => {
    if (r() >= rate) return text;
    const name = anchorName();
    anchored.push({ name, kind });
    return `&${name} ${text}`;
  };
  const scalar = (indent: number): string => {
    if (anchored.length && r() < rate) return alias();
    const x = r();
    if (x < 0.55) return anchor(r() < odd ? pick(PLAIN) : pick(['word', '1', 'yes', 'w {{ v }}']), 'scalar');
    if (x < 0.8) return anchor(r() < odd ? pick(QUOTED).replace(/\n/g, `\n${' '.repeat(indent + step)}`) : '"q"', 'scalar');
    if (x < 0.88) return `${pick(PLAIN).replace(/[#:]/g, '')}\n${' '.repeat(indent + step)}${pick(['more', 'text here', '1'])}`;
    if (x < 0.91) return anchor(r() < 0.5 ? `[${pick(PLAIN)}, ${pick(QUOTED)}, 3]` : `[${alias()}, ${r() < 0.3 ? `&a${named++} ` : ''}x]`, 'seq');
    if (x < 0.94) {
      const map = r() < 0.5 ? `{ a: ${pick(PLAIN)}, "b": 2 }` : `{ key_1_${Math.floor(r() * 3)}: ${r() < 0.5 ? alias() : '1'}, key_2_0: y }`;
      return r() < 0.8 ? anchor(map, 'map') : pick(['[]', '{}', '[a,]', '{a}', '[a, [b]]', '{ <<: *a0 }', '[&a *a]', '[a#b, c]', '[a, b] #c', '[a]#c']);
    }
    const block = `${r() < odd ? pick(BLOCKS) : '|'}\n${Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => `${' '.repeat(indent + step + (r() < 0.15 ? 2 : 0))}line ${i}${r() < 0.2 ? ' {{ x }}' : ''}`).join('\n')}${r() < 0.3 ? '\n' : ''}`;
    return anchor(block, 'scalar');
  };
  /** A `<<` line (and the lines of its value) at `pad`, of every form plain() takes or refuses. */
  const merge = (pad: string, depth: number): void => {
    const x = r() < 0.2 * odd ? 0.8 + r() * 0.2 : r() * 0.8;
    const under = pad + ' '.repeat(step);
    if (x < 0.35) out.push(`${pad}<<: ${alias('map')}`);
    else if (x < 0.5) out.push(`${pad}<<: [${alias('map')}, ${alias('map')}]`);
    else if (x < 0.6) out.push(`${pad}<<: ${r() < 0.3 ? `&a${named++} ` : ''}{ key_${depth}_0: inline, key_${depth}_9: 2${r() < 0.3 ? `, v: ${alias()}` : ''} }`);
    else if (x < 0.7) out.push(`${pad}<<:`, `${under}- ${alias('map')}`, `${under}- ${r() < 0.8 ? alias('map') : '{ k: v }'}`);
    else if (x < 0.8) out.push(`${pad}<<:`, `${under}key_${depth}_1: nested`, `${under}key_${depth}_8: [${alias()}]`);
    else if (x < 0.9)
      out.push(`${pad}<<: ${alias()}`); // a list of mappings, or not a mapping
    else out.push(`${pad}<<: ${pick(['1', 'x', '', '[a]', '[*nowhere]', '"{{ x }}"'])}`);
  };
  const node = (indent: number, depth: number, seq: boolean): void => {
    const n = 1 + Math.floor(r() * 4);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const pad = ' '.repeat(indent);
      if (!seq && anchored.length && r() < rate) merge(pad, depth);
      let key = r() < 0.85 || r() >= odd ? `key_${depth}_${i}` : pick(KEYS);
      if (r() < 0.03 && used.size) key = [...used][0];
      used.add(key);
      const head = seq ? `${pad}- ` : `${pad}${key}:`;
      const deeper = depth < 4 && r() < 0.35;
      if (deeper) {
        const childSeq = r() < 0.4;
        if (seq && !childSeq && r() < 0.5) {
          // compact: `- k: v` then the rest of the mapping under it
          out.push(`${head}${key}: ${scalar(indent + 2)}`);
          node(indent + 2, depth + 1, false);
        } else {
          // An anchor on the collection below: usable once it is complete.
          const name = r() < rate ? anchorName() : undefined;
          out.push(`${seq ? `${pad}-` : head}${name ? ` &${name}` : ''}`);
          node(indent + (childSeq && !seq && r() < 0.3 ? 0 : step), depth + 1, childSeq);
          if (name) anchored.push({ name, kind: childSeq ? 'seq' : 'map' });
        }
      } else if (r() < 0.08) {
        out.push(seq ? `${pad}-` : head); // empty value
      } else {
        out.push(`${head}${seq ? '' : ' '}${scalar(indent)}${r() < 0.1 ? ' # note' : ''}`);
      }
      if (r() < 0.05) out.push('');
      if (r() < 0.05) out.push(`${pad}# between`);
    }
  };
  if (anchors) {
    // Something to alias and merge from the start.
    out.push('key_0_8: &s0 word', `key_0_9: &m0 { key_1_0: x, key_1_1: 2${r() < 0.3 ? ', key_1_9: *s0' : ''} }`);
    anchored.push({ name: 'm0', kind: 'map' }, { name: 's0', kind: 'scalar' });
  }
  node(0, 0, !anchors && r() < 0.15);
  return `${out.join('\n')}\n`;
}

const NOISE = [' ', ':', '-', '#', '\n', '"', "'", '|', '>', '[', ']', '{', '}', '&a ', '*a', '!', '?', '%', '\t', '  ', ',', '\r', '...', '---'];

function mutate(text: string, r: () => number): string {
  const at = Math.floor(r() * text.length);
  const x = r();
  if (x < 0.4) return text.slice(0, at) + NOISE[Math.floor(r() * NOISE.length)] + text.slice(at);
  if (x < 0.7) return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 3));
  const lines = text.split('\n');
  const i = Math.floor(r() * lines.length);
  lines[i] = r() < 0.5 ? ` ${lines[i]}` : lines[i].replace(/^ /, '');
  return lines.join('\n');
}

// Seeds are printed with each case (the test name) and in every failure message.
const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);

describe('fast YAML path = Document path', () => {
  it('gives the same value for every YAML file of the repository it reads', () => {
    const files = [...['playbooks', 'test/fixtures', 'templates'].flatMap((d) => yamlFiles(join(ROOT, d))), join(ROOT, 'inventory.example.yaml')];
    let built = 0;
    for (const f of files) if (compare(readFileSync(f, 'utf8'), f)) built++;
    // Most of them are of the common kind: a fast path that gives up on everything would pass unseen.
    expect(built, `${built} of ${files.length} files built by the fast path`).toBeGreaterThan(files.length * 0.8);
  });

  it.each([
    ['block maps and sequences', 'a: 1\nb:\n  - x\n  - y: 2\n    z: [1, "two"]\nc:\n- 3\n- 4\nd: { e: f }\n', { a: 1, b: ['x', { y: 2, z: [1, 'two'] }], c: [3, 4], d: { e: 'f' } }],
    [
      'scalars as the loader types them',
      'a: yes\nb: 0644\nc: 5:20\nd: 2024-01-01\ne: ~\nf: "1"\ng: 1.5\nh: .inf\n',
      { a: true, b: 644, c: '5:20', d: '2024-01-01', e: null, f: '1', g: 1.5, h: Infinity },
    ],
    ['block and folded scalars', 'a: |\n  one\n  two\nb: >-\n  x\n  y\nc: plain\n  folded\n', { a: 'one\ntwo\n', b: 'x y', c: 'plain folded' }],
    ['empty values and numeric keys', '---\n1: a\nk:\nl:\n  -\n  - b\n', { '1': 'a', k: null, l: [null, 'b'] }],
  ])('builds %s itself', (_, text, value) => {
    expect(fastPlain(text)).toStrictEqual(value);
    expect(compare(text, 'fixed')).toBe(true);
  });

  it.each([
    ['an alias of a scalar', 'a: &x 1\nb: *x\n', { a: 1, b: 1 }],
    ['an alias of a mapping (one shared object)', 'a: &x\n  k: [1]\nb: *x\nc:\n  - *x\n', { a: { k: [1] }, b: { k: [1] }, c: [{ k: [1] }] }],
    ['a merge of a mapping written in place', 'a:\n  <<: { b: 1 }\n', { a: { b: 1 } }],
    ['a merge of a list of mappings, the first one winning', 'x: &x { k: 1, a: 1 }\ny: &y { k: 2, b: 2 }\nm:\n  <<: [*x, *y]\n', { x: { k: 1, a: 1 }, y: { k: 2, b: 2 }, m: { k: 1, a: 1, b: 2 } }],
    ['own keys winning over merged ones, before or after the `<<`', 'x: &x { k: 1, a: 1, b: 1 }\nm:\n  a: own\n  <<: *x\n  b: own\n', { x: { k: 1, a: 1, b: 1 }, m: { a: 'own', k: 1, b: 'own' } }],
    ['a merge whose list is an alias', 'x: &x { a: 1 }\nl: &l\n  - *x\n  - { b: 2 }\nm:\n  <<: *l\n', { x: { a: 1 }, l: [{ a: 1 }, { b: 2 }], m: { a: 1, b: 2 } }],
    ['a block mapping and a block list as merge values', 'x: &x\n  a: 1\nm:\n  <<:\n    - *x\n  <<:\n    b: 2\n', { x: { a: 1 }, m: { a: 1, b: 2 } }],
  ])('builds %s itself', (_, text, value) => {
    expect(fastPlain(text)).toStrictEqual(value);
    expect(compare(text, 'fixed')).toBe(true);
  });

  it('shares what plain() shares and copies what it copies through a merge', () => {
    const text = 'inner: &i [1]\nbase: &b\n  own: [2]\n  shared: *i\nm:\n  <<: *b\nc: *b\n';
    const v = fastPlain(text) as Record<string, Record<string, unknown>>;
    expect(v.c).toBe(v.base);
    expect(v.m.own).not.toBe(v.base.own);
    expect(v.m.shared).toBe(v.inner);
    expect(compare(text, 'sharing')).toBe(true);
  });

  it.each([
    ['an anchor inside a merged mapping (plain() registers its copy)', 'b: &b { k: &q [1] }\nm:\n  <<: *b\nn: *q\n'],
    ['a merge source with a key that is not a string', 'b: &b { 1: a }\nm:\n  <<: *b\n'],
    ['a merge of a scalar', 'a:\n  <<: 1\n'],
    ['an alias to a collection still open', 'a: &a\n  b: *a\n'],
    ['an alias to no anchor', 'a: *x\n'],
    ['a value that contains itself', 'a: &a { b: [1, *a] }\n'],
    ['an anchor on a key', '&k a: 1\n'],
    ['a tag', 'a: !unsafe "{{ x }}"\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a bad indent', 'a:\n  b: 1\n c: 2\n'],
    ['a tab', 'a:\tb\n'],
    ['a key and value on one line twice', 'a: b: c\n'],
    ['a nested flow collection', 'a: [b, [c]]\n'],
    ['an explicit key', '? a\n: b\n'],
  ])('leaves %s to the Document path', (_, text) => {
    expect(fastPlain(text)).toBeUndefined();
  });

  /**
   * `a` anchors a block list of k values (k + 1 nodes) and `b` lists m aliases of it: the aliases
   * add m(k + 1) values against a limit of 100,000 + 10 × the document's own nodes (k + 5 + m).
   * Or `a` anchors a block mapping of k keys (2k + 1 nodes) and `b` lists m mappings merging it
   * (3 nodes each): m(2k + 1) against 100,000 + 10 × (2k + 5 + 3m). Each pair of rows is at the
   * limit exactly and just past it (by 1679 values, 1, 865 and 2): a count one node off either way
   * builds a document the Document path refuses, or refuses one it builds.
   */
  it.each([
    ['aliases', 1678, 70, false],
    ['aliases', 1678, 71, true],
    ['aliases', 248, 428, false],
    ['aliases', 248, 429, true],
    ['merges', 447, 126, false],
    ['merges', 447, 127, true],
    ['merges', 2295, 31, false],
    ['merges', 2295, 32, true],
  ])('counts alias expansion as the alias-bomb check does (%s, k = %i, m = %i, over: %s)', (form, k, m, over) => {
    const text =
      form === 'aliases'
        ? `a: &a\n${Array.from({ length: k }, (_, i) => `  - ${i}\n`).join('')}b:\n${'- *a\n'.repeat(m)}`
        : `a: &a\n${Array.from({ length: k }, (_, i) => `  k${i}: ${i}\n`).join('')}b:\n${'- <<: *a\n'.repeat(m)}`;
    expect(documentValue(text).ok, 'the Document path: under the limit').toBe(!over);
    expect(compare(text, `${form} k=${k} m=${m}`), 'built by the fast path').toBe(!over);
  });

  let generated = 0;
  let builtGenerated = 0;
  const withAnchors = { generated: 0, built: 0, aliases: 0, merges: 0 };
  it.each(SEEDS)('seed %i: 25 random documents, 15 with many anchors, and each one mutated agree', (seed) => {
    const r = rng(seed);
    for (let i = 0; i < 40; i++) {
      const many = i >= 25;
      const text = generate(r, many);
      const label = `seed ${seed} document ${i}`;
      if (many) {
        withAnchors.generated++;
        if (compare(text, label)) {
          withAnchors.built++;
          if (text.includes('*')) withAnchors.aliases++;
          if (text.includes('<<')) withAnchors.merges++;
        }
      } else {
        generated++;
        if (compare(text, label)) builtGenerated++;
      }
      compare(mutate(text, r), `${label} mutated`);
    }
  });

  it('builds most generated documents itself, anchors and merges included', () => {
    expect(generated).toBe(SEEDS.length * 25);
    expect(builtGenerated, `${builtGenerated} of ${generated}`).toBeGreaterThan(generated * 0.4);
    // Many of those are bad on purpose (aliases to no anchor, merges of scalars).
    const { generated: n, built, aliases, merges } = withAnchors;
    expect(n).toBe(SEEDS.length * 15);
    expect(aliases, `${built} of ${n} with many anchors built, ${aliases} with aliases, ${merges} with merges`).toBeGreaterThan(n * 0.2);
    expect(merges, `${built} of ${n} with many anchors built, ${aliases} with aliases, ${merges} with merges`).toBeGreaterThan(n * 0.1);
    // The line reader takes the commonest lines only, the Lexer reader the rest: both must be tried.
    expect(builtBy.lines, `line reader ${builtBy.lines}, Lexer reader ${builtBy.lexer}`).toBeGreaterThan(builtBy.lexer * 0.3);
  });
});

describe('loadVarsFile with and without the fast path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nm-yaml-fast-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const both = (text: string, label: string): void => {
    const file = join(dir, 'vars.yaml');
    writeFileSync(file, text);
    const run = (fast: boolean) => {
      const errors: NodemendError[] = [];
      try {
        const value = loadVarsFile(file, errors, undefined, fast);
        return { value, errors: errors.map((e) => e.format()) };
      } catch (e) {
        // The Document path throws for a `<<` whose source is not a mapping (plain(), as the
        // library's merge): the fast path leaves `<<` to it, so both throw the same.
        return { thrown: (e as Error).message };
      }
    };
    expect(run(true), `${label}:\n${text}`).toStrictEqual(run(false));
  };

  it.each([
    ['a merge of a scalar', 'a: 1\nb:\n  <<: 1\n'],
    ['a merge of a list holding a scalar', 'x: &x { a: 1 }\nb:\n  <<: [*x, 2]\n'],
    ['an alias bomb', `a: &a [${'x, '.repeat(99)}x]\nb: [${'*a, '.repeat(1200)}*a]\n`],
    ['an alias to no anchor', 'a: *x\n'],
    ['a value that contains itself', 'a: &a { b: [1, *a] }\n'],
    ['a bad template reached through an alias', 'a: &a ["{{ x }"]\nb: *a\n'],
    ['a bad template only a merge source holds', 'm:\n  <<: { a: "{{ x }" }\n  a: 1\n'],
    ['a duplicate key', 'a: 1\nb:\n  c: 2\n  c: 3\n'],
    ['a bad template', 'a: 1\nb:\n  - "{{ x }"\n'],
    ['a list instead of a mapping', '- a\n- b\n'],
    ['a bad indent', 'a:\n  b: 1\n c: 2\n'],
    ['an unknown tag', 'a: !vault x\n'],
    ['an empty file', ''],
    ['a good file', 'a: 1\nb: "{{ a }}"\n'],
  ])('same value and messages for %s', (label, text) => both(text, label));

  it.each(SEEDS.slice(0, 10))('seed %i: same value and messages for random vars files, mutated or not', (seed) => {
    const r = rng(seed);
    for (let i = 0; i < 10; i++) {
      const text = generate(r);
      both(text, `seed ${seed} document ${i}`);
      both(mutate(text, r), `seed ${seed} document ${i} mutated`);
    }
  });
});
