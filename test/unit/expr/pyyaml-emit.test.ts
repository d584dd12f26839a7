/**
 * pyyaml-emit.ts against the real thing: a generated corpus of values dumped by this machine's
 * PyYAML as Ansible 2.14 dumps them (AnsibleDumper when ansible is installed, else CSafeDumper:
 * libyaml's emitter either way) and by nodemend's to_yaml / to_nice_yaml, compared byte for byte.
 * Runs only where python3 with libyaml-backed PyYAML is present (Debian's python3-yaml).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FORMAT_FILTERS } from '../../../src/load/expr/filters-format.js';
import { pyYamlDump, yamlFloat } from '../../../src/load/expr/pyyaml-emit.js';

const PY = '/usr/bin/python3';
const DUMP = `
import json, sys, yaml
try:
    from ansible.parsing.yaml.dumper import AnsibleDumper as D
except ImportError:
    D = yaml.CSafeDumper
out = []
for value, kw, nice in json.load(sys.stdin):
    if nice:
        kw.setdefault('indent', 4)
        out.append(yaml.dump(value, Dumper=D, allow_unicode=True, default_flow_style=False, **kw))
    else:
        kw.setdefault('default_flow_style', None)
        out.append(yaml.dump(value, Dumper=D, allow_unicode=True, **kw))
json.dump(out, sys.stdout)
`;
const hasPyYaml = ((): boolean => {
  try {
    execFileSync(PY, ['-c', 'import yaml; yaml.CSafeDumper'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A small deterministic generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'yes',
  'No',
  'on',
  'OFF',
  'true',
  'null',
  '~',
  '',
  '1.0',
  '1e3',
  '012',
  '0x1F',
  '1_000',
  '1:30',
  '2024-01-02',
  '2001-12-14t21:59:43.10-05:00',
  '<<',
  '=',
  '.inf',
  '-.NaN',
  '---',
  '...',
  '- x',
  '? x',
  ': x',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#x',
  'x,y',
  '[x]',
  '{x}',
  "it's",
  '"q"',
  'back\\slash',
  '%x',
  '@x',
  '`x',
  '!x',
  '&x',
  '*x',
  '|x',
  '>x',
  'plain text',
  'é',
  '日本語',
  '😀',
  '\t',
  'a\tb',
  '\r\n',
  'a\nb',
  'a\n',
  '\nb',
  'a \nb',
  'a\n b',
  'a\n\nb',
  ' lead',
  'trail ',
  '\x85',
  '\u2028',
  '\xa0',
  '\ufeff',
  '\x00',
  '\x07',
  '\x1b',
  'k=v',
  '-',
  '-1',
  '+1',
  '0b101',
  '0o7',
  'Yes please',
];
const ALPHABET = [...'aaaaabcxyz  -:#,?[]{}\'"\\\n.0123', '\t', 'é', '😀', '\r'];

function text(r: () => number): string {
  if (r() < 0.4) return WORDS[Math.floor(r() * WORDS.length)];
  if (r() < 0.15) {
    // Long text with single and double spaces: PyYAML folds it at the width.
    const words = Array.from({ length: 5 + Math.floor(r() * 30) }, () => 'w'.repeat(1 + Math.floor(r() * 12)));
    return words.join(r() < 0.3 ? '  ' : ' ') + (r() < 0.2 ? '\nsecond line' : r() < 0.2 ? ' "q"\t' : '');
  }
  return Array.from({ length: Math.floor(r() * 12) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('');
}

function value(r: () => number, depth: number): unknown {
  const x = r();
  if (depth > 3 || x < 0.45) {
    const y = r();
    if (y < 0.6) return text(r);
    if (y < 0.7) return Math.floor(r() * 2000) - 1000;
    if (y < 0.78) return r() < 0.5;
    if (y < 0.84) return null;
    return [0.5, -2.25, 1e-7, 1.5e16, 3.14159, 123.456, 1e-5, 0.1 + 0.2][Math.floor(r() * 8)];
  }
  const n = Math.floor(r() * 5);
  if (x < 0.7) return Array.from({ length: n }, () => value(r, depth + 1));
  const m: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) m[r() < 0.8 ? text(r) : 'k'.repeat(120 + Math.floor(r() * 20))] = value(r, depth + 1);
  return m;
}

type Case = [unknown, Record<string, unknown>, boolean];
function corpus(): Case[] {
  const r = rng(23);
  const cases: Case[] = [];
  const kws: Record<string, unknown>[] = [
    {},
    {},
    {},
    { indent: 4 },
    { width: 30 },
    { width: 1000 },
    { default_flow_style: false },
    { default_flow_style: true },
    { indent: 3, width: 40 },
    { explicit_start: true },
    { sort_keys: false },
    { width: -1 },
    { indent: 1 },
  ];
  for (let i = 0; i < 1000; i++) {
    const kw = { ...kws[Math.floor(r() * kws.length)] };
    const nice = r() < 0.3;
    if (nice) delete kw.default_flow_style;
    cases.push([value(r, 0), kw, nice]);
  }
  for (const w of WORDS) cases.push([w, {}, false], [{ [w]: [w] }, {}, false], [{ [w]: { [w]: w } }, {}, true]);
  return cases;
}

function nodemend([v, kw, nice]: Case): string {
  const f = nice ? FORMAT_FILTERS.to_nice_yaml : FORMAT_FILTERS.to_yaml;
  return f.fn(v, kw, []) as string;
}

describe('to_yaml / to_nice_yaml as PyYAML (libyaml) writes them', () => {
  it.runIf(hasPyYaml)(
    'a generated corpus dumps byte-equal to python3 yaml.dump with AnsibleDumper',
    () => {
      const cases = corpus();
      const want = JSON.parse(execFileSync(PY, ['-c', DUMP], { input: JSON.stringify(cases), maxBuffer: 64 << 20 }).toString()) as string[];
      const bad = cases.map((c, i) => ({ c, want: want[i], got: nodemend(c) })).filter((x) => x.want !== x.got);
      expect(bad.slice(0, 5)).toEqual([]);
      expect(cases.length).toBeGreaterThan(1200);
    },
    60_000,
  );

  it.runIf(hasPyYaml)('a list or dict met twice is an anchor, then aliases, as PyYAML numbers them', () => {
    // {"$def": n, "v": x} is x, shared: {"$ref": n} is the same object again.
    const specs: unknown[] = [
      { a: { $def: 1, v: [1, 2] }, b: { $ref: 1 } },
      [{ $def: 1, v: { k: [1, { z: 2 }] } }, { $ref: 1 }],
      { x: { $def: 1, v: [] }, y: { $def: 2, v: { q: [{ $ref: 1 }] } }, z: [{ $ref: 2 }, { $ref: 1 }, { $ref: 2 }] },
      { k: { $def: 1, v: ['a', 'b'] }, l: [{ $ref: 1 }, { $ref: 1 }], m: { n: { $ref: 1 } } },
    ];
    const build = (x: unknown, defs: Map<number, unknown>): unknown => {
      if (Array.isArray(x)) return x.map((y) => build(y, defs));
      if (typeof x !== 'object' || x === null) return x;
      const o = x as Record<string, unknown>;
      if ('$ref' in o) return defs.get(o.$ref as number);
      if ('$def' in o) {
        const v = build(o.v, defs);
        defs.set(o.$def as number, v);
        return v;
      }
      return Object.fromEntries(Object.entries(o).map(([k, y]) => [k, build(y, defs)]));
    };
    const py = `
import json, sys, yaml
try:
    from ansible.parsing.yaml.dumper import AnsibleDumper as D
except ImportError:
    D = yaml.CSafeDumper
def build(x, defs):
    if isinstance(x, list): return [build(y, defs) for y in x]
    if not isinstance(x, dict): return x
    if '$ref' in x: return defs[x['$ref']]
    if '$def' in x:
        defs[x['$def']] = build(x['v'], defs)
        return defs[x['$def']]
    return {k: build(y, defs) for k, y in x.items()}
out = []
for spec in json.load(sys.stdin):
    v = build(spec, {})
    out.append(yaml.dump(v, Dumper=D, allow_unicode=True, default_flow_style=None))
    out.append(yaml.dump(v, Dumper=D, allow_unicode=True, default_flow_style=False, indent=4))
json.dump(out, sys.stdout)
`;
    const want = JSON.parse(execFileSync(PY, ['-c', py], { input: JSON.stringify(specs) }).toString()) as string[];
    const got = specs.flatMap((spec) => {
      const v = build(spec, new Map());
      return [FORMAT_FILTERS.to_yaml.fn(v, {}, []), FORMAT_FILTERS.to_nice_yaml.fn(v, {}, [])];
    });
    expect(got).toEqual(want);
    expect(want[0]).toBe('a: &id001 [1, 2]\nb: *id001\n');
  });

  it('flow style for a collection of scalars, quoting by the YAML 1.1 resolvers', () => {
    expect(pyYamlDump({ x: [1, 2], n: { k: 'v' }, s: 'plain', b: 'yes', e: '', q: "it's" })).toBe("b: 'yes'\ne: ''\nn: {k: v}\nq: it's\ns: plain\nx: [1, 2]\n");
    expect(FORMAT_FILTERS.to_nice_yaml.fn({ x: [1, 2], n: { k: 'v' } }, {}, [])).toBe('n:\n    k: v\nx:\n- 1\n- 2\n');
    expect(pyYamlDump('a')).toBe('a\n');
    expect(pyYamlDump(['a\tb', 'é', '😀'])).toBe('["a\\tb", é, "\\U0001F600"]\n');
    expect(pyYamlDump({ long: 'word '.repeat(20).trim() })).toBe(`{long: ${'word '.repeat(15).trim()}\n    ${'word '.repeat(5).trim()}}\n`);
  });

  it('floats as repr() with .0 before an exponent', () => {
    expect([0.5, 1e-7, 1.5e16, 1e16, 0.1 + 0.2, -0.000125, NaN, -Infinity].map(yamlFloat)).toEqual(['0.5', '1.0e-07', '1.5e+16', '1.0e+16', '0.30000000000000004', '-0.000125', '.nan', '-.inf']);
  });
});
