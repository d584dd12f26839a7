/**
 * The fast YAML path (src/load/yaml-fast.ts) against the Document path (parseYaml + plain): every
 * YAML file of the repository and a seeded random corpus over the shapes a vars file has, some
 * of it mutated into broken YAML. Wherever the fast path gives a value, the Document path must
 * report nothing and give a deep-equal value (types included); loadVarsFile must give the same
 * value and the same file:line:col messages with and without the fast path.
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

/** Compares both paths on one text; true when the fast path built it. */
function compare(text: string, label: string): boolean {
  const fast = fastPlain(text);
  if (fast === undefined) return false;
  const doc = documentValue(text);
  expect(doc.ok, `${label}: the fast path accepted a document the Document path reports on:\n${text}`).toBe(true);
  expect(fast, `${label}:\n${text}`).toStrictEqual(doc.value);
  return true;
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

function generate(r: () => number): string {
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const step = r() < 0.5 ? 2 : 4;
  const out: string[] = [];
  if (r() < 0.2) out.push('---');
  if (r() < 0.2) out.push('# a comment');
  const scalar = (indent: number): string => {
    const x = r();
    if (x < 0.55) return pick(PLAIN);
    if (x < 0.8) return pick(QUOTED).replace(/\n/g, `\n${' '.repeat(indent + step)}`);
    if (x < 0.88) return `${pick(PLAIN).replace(/[#:]/g, '')}\n${' '.repeat(indent + step)}${pick(['more', 'text here', '1'])}`;
    if (x < 0.94) return r() < 0.5 ? `[${pick(PLAIN)}, ${pick(QUOTED)}, 3]` : r() < 0.5 ? `{ a: ${pick(PLAIN)}, "b": 2 }` : pick(['[]', '{}', '[a,]', '{a}', '[a, [b]]']);
    return `${pick(BLOCKS)}\n${Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => `${' '.repeat(indent + step + (r() < 0.15 ? 2 : 0))}line ${i}${r() < 0.2 ? ' {{ x }}' : ''}`).join('\n')}${r() < 0.3 ? '\n' : ''}`;
  };
  const node = (indent: number, depth: number, seq: boolean): void => {
    const n = 1 + Math.floor(r() * 4);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const pad = ' '.repeat(indent);
      let key = r() < 0.85 ? `key_${depth}_${i}` : pick(KEYS);
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
          out.push(seq ? `${pad}-` : head);
          node(indent + (childSeq && !seq && r() < 0.3 ? 0 : step), depth + 1, childSeq);
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
  node(0, 0, r() < 0.15);
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
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a merge key', 'a:\n  <<: { b: 1 }\n'],
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

  let generated = 0;
  let builtGenerated = 0;
  it.each(SEEDS)('seed %i: 25 random documents and 25 mutated ones agree', (seed) => {
    const r = rng(seed);
    for (let i = 0; i < 25; i++) {
      const text = generate(r);
      generated++;
      if (compare(text, `seed ${seed} document ${i}`)) builtGenerated++;
      const broken = mutate(text, r);
      compare(broken, `seed ${seed} document ${i} mutated`);
    }
  });

  it('builds most generated documents itself', () => {
    expect(generated).toBe(SEEDS.length * 25);
    expect(builtGenerated, `${builtGenerated} of ${generated}`).toBeGreaterThan(generated * 0.4);
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
