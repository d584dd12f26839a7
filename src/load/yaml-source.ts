/**
 * YAML files with positions. Everything later in load/ walks the YAML AST (not
 * plain JS) so that any error can name the line:col of the offending key or value.
 *
 * Parsing follows YAML 1.1 like Ansible (PyYAML) where playbooks rely on it:
 * `yes/no/on/off` are booleans and `<<` merge keys work; the single letters `y`/`n`
 * stay strings, as in PyYAML. Three 1.1 readings that only surprise are left out
 * (YAML 1.2 behaviour): `0644` is the number 644, not octal 420 (modules read a
 * `mode` number as octal digits, src/modules/lib/mode.ts); `5:20` (sexagesimal,
 * e.g. a docker epoch version) and `2024-01-01` (timestamp) stay strings.
 */
import { readFileSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import {
  parseAllDocuments,
  parseDocument,
  visit,
  LineCounter,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Scalar,
  YAMLParseError,
  type Alias,
  type Document,
  type DocumentOptions,
  type Node,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
  type YAMLMap,
} from 'yaml';
import { NodemendError } from './errors.js';
import type { Loc } from './model.js';
import { UnsafeText } from './expr/unsafe.js';
import { pyFloat } from './expr/values.js';

export interface YamlFile {
  /** Path for messages: relative to the working directory when under it. */
  file: string;
  text: string;
  doc: Document.Parsed;
  lc: LineCounter;
  /** The document's top node; null for an empty file. */
  root: Node | null;
  /** Each alias's target, made by deref on first use (aliasTargets). */
  aliases?: Map<Node, Node | null>;
}

const TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const pyyamlBool: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:[Yy]es|YES|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF)$/,
  resolve: (s: string) => TRUE.test(s),
};

const DROPPED = /:bool |:int OCT|:(int|float) TIME|:timestamp /;

/** Ansible's `!unsafe 'text {{ kept }}'`: a string that is data, never rendered as a template (expr/unsafe.ts). */
const unsafeTag: ScalarTag = {
  tag: '!unsafe',
  resolve: (s: string) => new UnsafeText(s),
  identify: (v: unknown) => v instanceof UnsafeText,
};

/** A float tag whose integral values stay floats (`1.0` is a PyFloat, printed `1.0` as by 2.14); .inf and .nan are plain numbers already. */
function floatKept(t: Tags[number]): Tags[number] {
  if (typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:float' || t.test?.test('.nan') !== false) return t;
  const tag = t as ScalarTag;
  return {
    ...tag,
    // The library's 1.1 floats take `e1` and `.` (NaN): a digit must come first, as in every YAML reading.
    test: tag.format === 'EXP' ? /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/ : tag.format ? tag.test : /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/,
    resolve: (value, onError, options) => {
      const r = tag.resolve(value, onError, options) as unknown;
      const n = isScalar(r) ? r.value : r;
      return typeof n === 'number' ? pyFloat(n) : r;
    },
  } satisfies ScalarTag;
}

/**
 * PyYAML's float resolver (SafeLoader, YAML 1.1): a dot is required and an exponent has its sign, so
 * `1e3` and `1.5e3` are strings there; `1.5e+3`, `1.` and `.5` are floats; `1:30.5` is base 60.
 */
const PYYAML_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$/;
const pyyamlFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  test: PYYAML_FLOAT,
  resolve: (s: string) => {
    const t = s.replace(/_/g, '');
    const sign = t.startsWith('-') ? -1 : 1;
    const n = t.includes(':')
      ? t
          .replace(/^[-+]/, '')
          .split(':')
          .reduce((acc, part) => acc * 60 + Number(part), 0) * sign
      : Number(t);
    return pyFloat(n);
  },
};
/** PyYAML's decimal int: no leading zero (`08` is a string; `0755` octal, from the library's 1.1 tags). */
const pyyamlDecimal: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?(?:0|[1-9][0-9_]*)$/,
  resolve: (s: string) => Number(s.replace(/_/g, '')),
};

/**
 * How the from_yaml / from_yaml_all filters read text: YAML 1.1 as 2.14's yaml_load (PyYAML's
 * SafeLoader) does, unlike playbooks (above): `yes`/`on` booleans, `0755` octal, `1:30` base 60,
 * `1.0` a float, `1e3` a string. Timestamps stay strings (2.14: datetime values).
 */
const PYYAML_OPTIONS = {
  version: '1.1',
  prettyErrors: false,
  customTags: (tags: Tags) => [
    ...tags.filter((t) => typeof t === 'string' || !/:(bool|float|timestamp) |:int $/.test(`${t.tag} ${t.format ?? ''}`)),
    ...tags.filter((t) => typeof t !== 'string' && t.tag === 'tag:yaml.org,2002:float' && t.test?.test('.nan')),
    pyyamlBool,
    pyyamlFloat,
    pyyamlDecimal,
  ],
} satisfies DocumentOptions & SchemaOptions & ParseOptions;

/** from_yaml (one document) / from_yaml_all (a list of every document) over PyYAML's YAML 1.1. */
export function parsePyYaml(text: string, all: boolean): unknown {
  const docs = withPlainEnv(() => parseAllDocuments(text, PYYAML_OPTIONS));
  if (!Array.isArray(docs)) return all ? [] : null;
  for (const d of docs) if (d.errors.length) throw d.errors[0];
  if (all) return docs.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown);
  if (docs.length > 1) throw new Error('expected a single document in the stream, but found another document');
  return docs.length ? (docs[0].toJS({ maxAliasCount: -1 }) as unknown) : null;
}

/** The path shown in messages. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Parse YAML text; syntax errors, duplicate keys and unknown tags (`!vault`) go to `errors`. */
/** How every YAML input is read: the schema above; errors positioned by parseYaml. */
export const YAML_OPTIONS = {
  version: '1.1',
  // The library's own check compares each key with every earlier one (a 1 MB vars file took
  // 30 s); duplicateKeys() below does the same check with one Set per mapping.
  uniqueKeys: false,
  prettyErrors: false,
  customTags: (tags: Tags) => [...tags.filter((t) => typeof t === 'string' || !DROPPED.test(`${t.tag} ${t.format ?? ''}`)).map(floatKept), pyyamlBool, unsafeTag],
} satisfies DocumentOptions & SchemaOptions & ParseOptions;

/**
 * Runs a synchronous parse with `process.env` replaced by a plain copy: the yaml library's
 * Parser reads `process.env.LOG_TOKENS` once per token, and each read of Node's env object is a
 * getenv call (~0.45 µs: 0.7 s of a 10 MB file's 1.5 M tokens). Nothing else runs meanwhile, and
 * the real object is back before it returns.
 */
export function withPlainEnv<T>(parse: () => T): T {
  const real = process.env;
  process.env = { ...real };
  try {
    return parse();
  } finally {
    process.env = real;
  }
}

export function parseYaml(text: string, file: string, errors: NodemendError[]): YamlFile {
  const lc = new LineCounter();
  const doc = withPlainEnv(() => parseDocument(text, { lineCounter: lc, ...YAML_OPTIONS }));
  const y: YamlFile = { file, text, doc, lc, root: (doc.contents as Node | null) ?? null };
  // The key as written: from its first character up to the colon.
  const keyAt = (at: number): string => /^[^:\n]*/.exec(text.slice(at))![0].trim();
  const found: { at: number; err: NodemendError }[] = [];
  for (const e of doc.errors) {
    // Point past indentation: "bad indent" errors start at the line's first column.
    let at = e.pos[0];
    while (text[at] === ' ' || text[at] === '\t') at++;
    found.push({ at, err: new NodemendError('yaml-syntax', `YAML syntax error: ${firstLine(e.message)}`, offsetPos(y, at)) });
  }
  for (const keyNode of duplicateKeys(doc)) {
    const at = keyNode.range![0];
    found.push({ at, err: new NodemendError('yaml-syntax', `duplicate key "${keyAt(at)}": a mapping must not repeat a key`, offsetPos(y, at)) });
  }
  // An alias is written with `*`: a text without one has none to expand.
  const bomb = found.length || !text.includes('*') ? undefined : aliasBomb(doc);
  for (const [alias, msg] of bomb ?? []) {
    const at = alias.range![0];
    found.push({ at, err: new NodemendError('yaml-syntax', msg, offsetPos(y, at)) });
    // Callers skip a document with errors: nothing walks or converts the expanded tree.
    doc.errors.push(new YAMLParseError([at, at + 1], 'RESOURCE_EXHAUSTION', msg));
  }
  for (const f of found.sort((a, b) => a.at - b.at)) errors.push(f.err);
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      const why = /!unsafe/.test(w.message) ? '!unsafe marks one string: tag each string of a list or mapping' : 'nodemend knows no custom YAML tags (such as !vault); use a plain value';
      errors.push(new NodemendError('yaml-syntax', `${firstLine(w.message)}: ${why}`, offsetPos(y, w.pos[0])));
    }
  }
  return y;
}

/**
 * Keys repeated within one mapping (after the first), in one pass with a Set per mapping: keys
 * are equal as the yaml library's uniqueKeys check has them (the same scalar value; other keys,
 * such as aliases or collections, only if they are the same node).
 */
function duplicateKeys(doc: Document.Parsed): Node[] {
  const dups: Node[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const k = pair.key as Node | null;
        const id = isScalar(k) ? k.value : k;
        if (seen.has(id) && k?.range) dups.push(k);
        else seen.add(id);
      }
    },
  });
  return dups;
}

/**
 * Aliases no value can be built from, with why: the first alias at which the document, with
 * every alias expanded, grows past its own node count by more than the limit, and the first
 * alias inside the collection it names (`a: &a [*a]`, a value that contains itself). One
 * linear walk, each anchored node's expanded size computed once. PyYAML has no such limit and
 * the yaml library's maxAliasCount throws an unpositioned ReferenceError from toJS (or
 * nothing, for a walk over the node tree that follows aliases, which a recursive alias sends
 * round for ever): this names the line and column before anything expands.
 */
function aliasBomb(doc: Document.Parsed): [Node, string][] | undefined {
  const anchors = new Map<string, Node>();
  const size = new Map<Node, number>();
  const open = new Set<Node>();
  let own = 0;
  visit(doc, { Node: () => void own++ });
  const limit = ALIAS_EXPANSION_BASE + ALIAS_EXPANSION_FACTOR * own;
  let expanded = 0;
  let first: Node | undefined;
  let recursive: Alias | undefined;
  const walk = (node: unknown): number => {
    if (node == null) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target && open.has(target)) recursive ??= node;
      const n = target && !open.has(target) ? (size.get(target) ?? 1) : 1;
      expanded += n;
      if (!first && expanded > limit) first = node;
      return n;
    }
    if (isPair(node)) return walk(node.key) + walk(node.value);
    let n = 1;
    // Known before its items are walked: an alias among them names its own ancestor.
    const anchor = (node as Node).anchor;
    if (anchor) anchors.set(anchor, node as Node);
    if (isCollection(node)) {
      open.add(node);
      for (const item of node.items) n += walk(item);
      open.delete(node);
    }
    size.set(node as Node, n);
    return n;
  };
  walk(doc.contents);
  const bad: [Node, string][] = [];
  if (first) bad.push([first, `aliases here expand the document to more than ${limit} values (a "billion laughs" alias bomb?): write the values out instead`]);
  if (recursive) bad.push([recursive, `alias *${recursive.source} is inside the value its anchor names (a value that contains itself): nodemend takes a tree of values`]);
  return bad.length ? bad : undefined;
}

/** How many values aliases may add to a document: a fixed allowance plus a multiple of its own size (also yaml-fast.ts). */
export const ALIAS_EXPANSION_BASE = 100_000;
export const ALIAS_EXPANSION_FACTOR = 10;

let readLog: Set<string> | undefined;

/**
 * Runs a (synchronous) load and returns every input file it read, for a saved
 * plan's digest: playbooks, included task files, vars files, the inventory, -e @files.
 */
export function logReads<T>(load: () => T): { value: T; files: string[] } {
  const log = new Set<string>();
  readLog = log;
  try {
    return { value: load(), files: [...log] };
  } finally {
    readLog = undefined;
  }
}

/** Read an input file (noted for logReads). */
export function readSourceFile(absFile: string): string {
  const text = readFileSync(absFile, 'utf8');
  readLog?.add(absFile);
  return text;
}

/** Read an input file's text; a missing file is a 'file-not-found' error at `from` (or the file itself). */
export function readInputText(absFile: string, errors: NodemendError[], from?: Loc, what = 'file'): string | undefined {
  try {
    return readSourceFile(absFile);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    errors.push(new NodemendError('file-not-found', `cannot read ${what} ${displayPath(absFile)}: ${reason}`, from ?? { file: displayPath(absFile) }));
    return undefined;
  }
}

/** Read and parse a file (readInputText's errors for a file it cannot read). */
export function readYaml(absFile: string, errors: NodemendError[], from?: Loc, what = 'file'): YamlFile | undefined {
  const text = readInputText(absFile, errors, from, what);
  return text === undefined ? undefined : parseYaml(text, displayPath(absFile), errors);
}

function firstLine(msg: string): string {
  return msg.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

export function offsetPos(y: YamlFile, offset: number): Loc {
  const { line, col } = y.lc.linePos(offset);
  return { file: y.file, line, col };
}

/** Where a node starts (the file itself when there is no node, e.g. an empty document). */
export function posOf(y: YamlFile, node: unknown): Loc {
  const range = (node as Node | null | undefined)?.range;
  return range ? offsetPos(y, range[0]) : { file: y.file, line: 1, col: 1 };
}

/**
 * Where the text of a scalar starts, for expression errors (which add the offset of
 * the bad token to `col`): one past an opening quote. A scalar written over several
 * lines (block `|`/`>`, or folded plain/quoted) gives its first text line and no
 * column, since offsets in the folded text do not map back to columns.
 */
export function textPos(y: YamlFile, node: Node): Loc {
  const pos = posOf(y, node);
  const range = node.range;
  if (!range || !pos.col) return pos;
  if (y.text.slice(range[0], range[1]).includes('\n')) {
    const block = isScalar(node) && (node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL);
    return { file: pos.file, line: block ? pos.line! + 1 : pos.line };
  }
  if (isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE)) return { ...pos, col: pos.col + 1 };
  return pos;
}

/** The node an alias points to; other nodes unchanged. */
export function deref(y: YamlFile, node: unknown): Node | null {
  if (node == null) return null;
  if (isAlias(node)) return (y.aliases ??= aliasTargets(y.doc)).get(node) ?? null;
  return node as Node;
}

/**
 * Every alias's target in one walk: the last node anchored with its name before it in document
 * order, as the library's Alias.resolve finds it. That method walks the whole document for each
 * alias it resolves: 0.1 MB of anchors and aliases took 9 s of CPU to load.
 */
function aliasTargets(doc: Document.Parsed): Map<Node, Node | null> {
  const latest = new Map<string, Node>();
  const targets = new Map<Node, Node | null>();
  const walk = (node: unknown): void => {
    if (node == null || typeof node !== 'object') return;
    if (isAlias(node)) {
      targets.set(node, latest.get(node.source) ?? null);
      return;
    }
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
      return;
    }
    const anchor = (node as Node).anchor;
    if (anchor) latest.set(anchor, node as Node);
    if (isCollection(node)) for (const item of node.items) walk(item);
  };
  walk(doc.contents);
  return targets;
}

export interface Entry {
  key: string;
  keyNode: Node;
  /** null for `key:` with no value. */
  value: Node | null;
}

/** A mapping's entries in file order, with `<<` merge keys expanded (own keys win). */
export function entries(y: YamlFile, node: Node | null): Entry[] {
  const map = deref(y, node);
  if (!isMap(map)) return [];
  const own: Entry[] = [];
  const merged: Entry[] = [];
  for (const pair of (map as YAMLMap<unknown, unknown>).items) {
    const keyNode = pair.key as Node;
    if (isScalar(keyNode) && (typeof keyNode.value === 'symbol' || (keyNode.value === '<<' && keyNode.type === Scalar.PLAIN))) {
      const src = deref(y, pair.value as Node);
      const sources = isSeq(src) ? src.items.map((i) => deref(y, i as Node)) : [src];
      for (const s of sources) merged.push(...entries(y, s));
      continue;
    }
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    own.push({ key, keyNode, value: deref(y, pair.value as Node) });
  }
  const seen = new Set(own.map((e) => e.key));
  return [...own, ...merged.filter((e) => !seen.has(e.key) && (seen.add(e.key), true))];
}

export function entryMap(y: YamlFile, node: Node | null): Map<string, Entry> {
  return new Map(entries(y, node).map((e) => [e.key, e]));
}

export function items(y: YamlFile, node: Node | null): (Node | null)[] {
  const seq = deref(y, node);
  return isSeq(seq) ? seq.items.map((i) => deref(y, i as Node)) : [];
}

/**
 * Plain JS value of a node (aliases and merges resolved): the yaml library's `toJS` result
 * (yaml 2.9, nodes/toJS.js, addPairToJSMap.js, schema/yaml-1.1/merge.js), built in one walk.
 * The library's own toJS resolves each alias by scanning the anchors before it: 1 MB of
 * anchors and aliases took 11.5 s. Here each alias goes through deref's one-walk index.
 * The tags this does not build itself (!!set, !!omap, !!pairs) and collection keys go to
 * the library's toJS for the whole node.
 */
export function plain(y: YamlFile, node: Node | null): unknown {
  if (node == null) return null;
  try {
    return new PlainBuilder(y).value(node);
  } catch (e) {
    if (e !== LIBRARY) throw e;
    // No alias limit here: parseYaml refused documents whose aliases expand too far (aliasBomb).
    return node.toJS(y.doc, { maxAliasCount: -1 });
  }
}

/** Thrown by PlainBuilder for what it leaves to the library. */
const LIBRARY = Symbol('use the library toJS');
const LIBRARY_COLLECTIONS = /:(set|omap|pairs)$/;

class PlainBuilder {
  /** Anchored nodes built so far: an alias gives the same object, as the library's does. */
  private readonly built = new Map<Node, unknown>();
  private readonly merges: boolean;
  constructor(private readonly y: YamlFile) {
    this.merges = y.doc.schema.tags.some((t) => t.tag === 'tag:yaml.org,2002:merge' && t.default);
  }

  value(node: unknown): unknown {
    if (node == null) return null;
    if (isAlias(node)) {
      const target = deref(this.y, node);
      if (!target) throw new ReferenceError(`Unresolved alias (the anchor must be set before the alias): ${node.source}`);
      return this.built.has(target) ? this.built.get(target) : this.value(target);
    }
    if (isScalar(node)) {
      const v = node.value;
      const out = typeof v === 'bigint' ? Number(v) : v;
      if (node.anchor) this.built.set(node, out);
      return out;
    }
    if (isCollection(node) && node.tag && LIBRARY_COLLECTIONS.test(node.tag)) throw LIBRARY;
    if (isSeq(node)) {
      const seq: unknown[] = [];
      if (node.anchor) this.built.set(node, seq);
      for (const item of node.items) seq.push(this.value(item));
      return seq;
    }
    if (isMap(node)) return this.map(node);
    throw LIBRARY;
  }

  /** A mapping as an object: own keys set in order, `<<` sources only add keys not yet there. */
  private map(node: YAMLMap): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    if (node.anchor) this.built.set(node, obj);
    for (const pair of node.items) {
      if (this.isMerge(pair.key)) {
        for (const [k, v] of this.mergeSources(pair.value)) {
          if (!Object.prototype.hasOwnProperty.call(obj, String(k))) define(obj, String(k), v);
        }
        continue;
      }
      const jsKey = this.value(pair.key);
      if (jsKey !== null && typeof jsKey === 'object') throw LIBRARY; // a collection key: the library stringifies it
      const key = jsKey === null ? '' : String(jsKey);
      const v = this.value(pair.value);
      if (key in obj) define(obj, key, v);
      else obj[key] = v;
    }
    return obj;
  }

  /** The entries a `<<` adds, as the library's merge builds them (a JS Map per source, first source first). */
  private mergeSources(value: unknown): Map<unknown, unknown> {
    const src = isAlias(value) ? deref(this.y, value) : value;
    // A single source as written (asMap resolves an alias): an error then points at the `<<` value.
    const sources = isSeq(src) ? src.items : [value];
    const out = new Map<unknown, unknown>();
    for (const s of sources) {
      for (const [k, v] of this.asMap(s)) if (!out.has(k)) out.set(k, v);
    }
    return out;
  }

  /** A merge source as a JS Map with its keys unstringified (the library's `toJSON(null, ctx, Map)`). */
  private asMap(node: unknown): Map<unknown, unknown> {
    const source = isAlias(node) ? deref(this.y, node) : node;
    if (!isMap(source)) {
      // Bad input, not a crash: name the place as every other YAML error does (PyYAML refuses it too).
      const at = (isNode(node) && node.range?.[0]) || 0;
      throw new NodemendError('yaml-syntax', 'a "<<" merge takes a mapping, an alias of one, or a list of those', offsetPos(this.y, at));
    }
    if (source.tag && LIBRARY_COLLECTIONS.test(source.tag)) throw LIBRARY;
    const map = new Map<unknown, unknown>();
    for (const pair of source.items) {
      if (this.isMerge(pair.key)) {
        for (const [k, v] of this.mergeSources(pair.value)) if (!map.has(k)) map.set(k, v);
      } else {
        const k = this.value(pair.key);
        map.set(k, this.value(pair.value));
      }
    }
    return map;
  }

  private isMerge(key: unknown): boolean {
    if (!this.merges || !isScalar(key)) return false;
    const v = key.value;
    return (typeof v === 'symbol' && v.description === '<<') || (v === '<<' && (!key.type || key.type === Scalar.PLAIN));
  }
}

function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The node at a path of keys / indexes, and the key node of the last step when it is a mapping key. */
export function nodeAt(y: YamlFile, node: Node | null, path: readonly PropertyKey[]): { node: Node | null; keyNode?: Node; found: boolean } {
  let cur = deref(y, node);
  let keyNode: Node | undefined;
  for (const seg of path) {
    keyNode = undefined;
    if (isSeq(cur) && typeof seg === 'number') {
      if (seg >= cur.items.length) return { node: cur, found: false };
      cur = deref(y, cur.items[seg] as Node);
    } else if (isMap(cur)) {
      const e = entries(y, cur).find((x) => x.key === String(seg));
      if (!e) return { node: cur, found: false };
      keyNode = e.keyNode;
      cur = e.value;
    } else {
      return { node: cur, found: false };
    }
  }
  return { node: cur, keyNode, found: true };
}

/** Human name of a YAML value's type, for "expected X, got Y". */
export function kindOf(node: Node | null): string {
  if (node == null) return 'nothing (null)';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'an unknown node';
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}
