/**
 * The plain value of a common YAML document straight from the yaml library's Lexer, without its
 * Parser (CST), Composer (Document nodes) or toJS: a large vars file spends most of its load time
 * in those layers (bench/performance-notes.md). Scalars are resolved exactly as the library's
 * composer does it (yaml 2.9, compose/compose-scalar.js: CST.resolveAsScalar, then the first
 * schema tag whose test matches a plain scalar), with the schema of YAML_OPTIONS. A document
 * whose lines are all of the commonest kind is read without the Lexer too (runLines: the Lexer
 * alone is ~1.1 s of a 10 MB list of records); the Lexer reads any other.
 *
 * Only a document made of block mappings and sequences, one-line flow sequences and mappings of
 * scalars, plain, quoted and block scalars, comments, anchors on values, aliases as values and
 * `<<` merge keys of block mappings is built here. Anything else (tags, directives, `?` keys, an
 * anchor or alias as a key, several documents, tabs, CR, an explicit block indent, a duplicate key,
 * any error or unexpected token) returns undefined: the caller takes the Document path
 * (yaml-source.ts parseYaml + plain), which reports every error with its file:line:col. So does a
 * document whose aliases expand past the alias-bomb limit (counted as parseYaml's aliasBomb does).
 * The two paths give deep-equal values with the same sharing (test/unit/load/yaml-fast.test.ts):
 * see Aliases below.
 */
import { CST, Document, Lexer, isScalar, type ScalarTag } from 'yaml';
import { ALIAS_EXPANSION_BASE, ALIAS_EXPANSION_FACTOR, YAML_OPTIONS } from './yaml-source.js';
import { keyName, noteKeyType } from './expr/values.js';

/** Returned by the scanner for anything it leaves to the Document path. */
const NOT_HERE = Symbol('Document path');

/** The library's key length limit (an implicit key's `:` at most 1024 chars after its start), with room. */
const MAX_KEY = 1000;

/** A `<<` key: its value is merged into the mapping when it is complete. */
const MERGE = Symbol('<<');

interface Frame {
  map: boolean;
  /** Column of the mapping's keys or of the sequence's `-`. */
  indent: number;
  obj: Record<string, unknown> | unknown[];
  /** The mapping key whose value is still to come. */
  key?: string | typeof MERGE;
  /** A value slot (a key's value or a `-` item) is open. */
  open: boolean;
  /** Nodes of the collection with every alias expanded, as aliasBomb counts them. */
  size: number;
  /** Its anchor, completed when it closes. */
  anchor?: Anchor;
  /** Keys a `<<` added that an own key may still set. */
  merged?: Set<string>;
}

interface Anchor {
  value: unknown;
  size: number;
  /** The collection is still being read: an alias to it would make a cycle. */
  open: boolean;
}

interface Schema {
  tags: ScalarTag[];
  /** Matches whatever one of `tags` matches: most plain scalars are strings that match none. */
  any: RegExp;
  options: Document['options'];
}

let cachedSchema: Schema | undefined;
function schema(): Schema {
  if (!cachedSchema) {
    const doc = new Document(null, YAML_OPTIONS);
    // Tags a plain scalar resolves through: those with a test, in the schema's order.
    const tags = (doc.schema.tags as ScalarTag[]).filter((t) => t.default && t.test);
    // Each test is its own alternative; flags would change what the union matches.
    const any = tags.every((t) => !t.test!.flags) ? new RegExp(tags.map((t) => `(?:${t.test!.source})`).join('|')) : /[^]/;
    cachedSchema = { tags, any, options: doc.options };
  }
  return cachedSchema;
}

/**
 * The plain JS value of `text` (the same as plain(parseYaml(text)) would give), or undefined
 * when the document is not of the common kind above or is empty.
 */
export function fastPlain(text: string, via: 'lines' | 'lexer' | 'either' = 'either', check?: (value: string) => boolean): unknown {
  // CR, tabs and a BOM are rare and subtle; the lexer's own control characters must not be text.
  // eslint-disable-next-line no-control-regex
  if (/[\r\t\x02\x18\x1f\uFEFF]/.test(text)) return undefined;
  if (via !== 'lexer') {
    const value = attempt(() => new FastBuilder(text, check).runLines());
    if (value !== undefined || via === 'lines') return value;
  }
  return attempt(() => new FastBuilder(text, check).run());
}

function attempt(build: () => unknown): unknown {
  try {
    return build();
  } catch (e) {
    if (e === NOT_HERE) return undefined;
    throw e;
  }
}

/** What the line reader takes as the start of a plain scalar (a few more are plain, and left to the Lexer). */
const PLAIN_START = /[A-Za-z0-9_./~+$(=^\\<]|-(?=[A-Za-z0-9_.])/y;
/** Tokens of a one-line flow collection as the Lexer gives them; group 1: a plain scalar of plain words. */
const FLOW_TOKEN =
  /( +)|[,[\]{}]|:(?=[ ,\]}\n]|$)|"(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[&*][^\s,[\]{}]+|((?:[A-Za-z0-9_./~+$(=^\\<]|-(?=[A-Za-z0-9_.]))[^\s,[\]{}:#]*(?: +(?:[A-Za-z0-9_./~+$(=^\\<]|-(?=[A-Za-z0-9_.]))[^\s,[\]{}:#]*)*)/y;
const ANCHOR = /[&*][^\s,[\]{}]+/y;
const QUOTED = { '"': /"(?:[^"\\\n]|\\.)*"/y, "'": /'(?:[^'\n]|'')*'/y } as Record<string, RegExp>;

/** The text `re` matches at `at`, if any. */
function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

function skipSpaces(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === 32) i++;
  return i;
}

/** What a plain scalar may not start with (yaml 2.9, compose/resolve-flow-scalar.js plainValue). */
const BAD_PLAIN_START = new Set(['\t', ',', '%', '|', '>', '@', '`', undefined]);

type LineState = 'start' | 'afterKey' | 'afterValue';

/**
 * Aliases. An alias gives the anchored value itself (one shared object), as the Document path's
 * plain() does. A `<<` merge adds the source's keys the mapping does not have yet, in order, own
 * keys winning wherever they are written (plain()'s PlainBuilder.map). plain() reads a source
 * written in place once, but rebuilds one reached through an alias (or an anchored one) from its
 * nodes: fresh copies of its own collections, the values of its aliases shared. So here a source
 * written in place gives its values, one reached through an anchor gives copies that keep what
 * aliases shared (`copyOwn`). What would make the two differ goes to the Document path: an anchor
 * inside a copied source (plain() would register the copy under it), a source with a key that is
 * not a string (plain() keeps the key's type while merging: `1` and `"1"`, null and `"null"`), a
 * source that is not a mapping (its positioned error), an alias to a collection still open (a
 * cycle) and an anchor name reused while its collection is open.
 */
class FastBuilder {
  private readonly stack: Frame[] = [];
  private root: unknown = NOT_HERE;
  private offset = 0;
  private lineStart = 0;
  private state: LineState = 'start';
  /** A `-` was seen on this line. */
  private dash = false;
  private readonly schema = schema();
  /** An anchor (`&name`) waiting for the node it is written before, and where its line starts. */
  private anchor: string | undefined;
  private anchorLine = -1;
  private readonly anchors = new Map<string, Anchor>();
  /** Collections that carry an anchor. */
  private readonly anchored = new WeakSet<object>();
  /** Collections with an anchored collection inside. */
  private readonly holdsAnchor = new WeakSet<object>();
  /** Mappings with a key whose value is not a string. */
  readonly nonStringKeys = new WeakSet<object>();
  /** Nodes written (an alias is one) and values aliases add, as aliasBomb counts them. */
  private own = 0;
  private expanded = 0;

  constructor(
    private readonly text: string,
    /** Every string value (not key) must pass it, or the Document path reads the file. */
    private readonly check?: (value: string) => boolean,
  ) {}

  run(): unknown {
    const tokens = new Lexer().lex(this.text);
    let docs = 0;
    let started = false; // content or `---` seen
    /** A scalar at the start of a line waits for the next token: a `:` makes it a key. */
    let pending: { source: string; type: string; at: number; col: number } | undefined;
    let scalarNext = false;
    let block: { header: string; col: number } | undefined;
    let flow: FlowBuilder | undefined;
    /** The previous token was a space or a line start: a comment must follow one. */
    let spaced = true;
    let anchorBefore = false;
    for (let tok = tokens.next(); !tok.done; tok = tokens.next()) {
      const t = tok.value;
      const at = this.offset;
      if (t === '\x02') {
        if (++docs > 1) throw NOT_HERE;
        continue;
      }
      if (pending && (t === '\n' || t.trim() !== '')) {
        if (t === ':') {
          this.key(pending.source, pending.type, pending.at);
          pending = undefined;
          this.offset += 1;
          spaced = false;
          continue;
        }
        this.value(this.scalar(pending.type, pending.source, pending.at), pending.col);
        pending = undefined;
      }
      if (t === '\x1f') {
        scalarNext = true;
        continue;
      }
      this.offset += t.length;
      const wasSpaced = spaced;
      spaced = t === '\n' || (t !== '' && t.trim() === '');
      // A space or line end must follow an anchor (`&a{` is an error).
      if (anchorBefore && !spaced) throw NOT_HERE;
      anchorBefore = t[0] === '&';
      if (flow) {
        if (t.includes('\n') || t[0] === '#') throw NOT_HERE;
        if (flow.feed(t, scalarNext, at)) {
          this.value(flow.value(), flow.col, flow.size, flow.own);
          flow = undefined;
        }
        scalarNext = false;
        continue;
      }
      if (scalarNext) {
        scalarNext = false;
        started = true;
        if (block) {
          this.value(this.blockScalar(block.header, at, t), block.col);
          block = undefined;
          this.newline(this.offset);
          spaced = true;
          continue;
        }
        const col = at - this.lineStart;
        if (this.state !== 'start') this.value(this.scalar('scalar', t, at), col);
        else pending = { source: t, type: 'scalar', at, col };
        if (t.includes('\n')) this.lineStart = at + t.lastIndexOf('\n') + 1;
        continue;
      }
      if (t[0] === '#' && !wasSpaced) throw NOT_HERE;
      if (block) {
        // After a block scalar header: a comment and the newline before its body.
        if (t === '\n') this.lineStart = this.offset;
        else if (t[0] !== '#' && t.trim() !== '') throw NOT_HERE;
        continue;
      }
      switch (t[0]) {
        case '\n':
          this.newline(this.offset);
          continue;
        case ' ':
          if (t.trim() !== '') throw NOT_HERE;
          continue;
        case '#':
          continue;
        case '-':
          if (t === '---') {
            if (started || this.state !== 'start') throw NOT_HERE;
            started = true;
            this.state = 'afterValue'; // only a comment may follow on its line
            continue;
          }
          if (t !== '-' || this.state !== 'start') throw NOT_HERE;
          started = true;
          this.seqItem(at - this.lineStart);
          continue;
        case '"':
        case "'": {
          started = true;
          const type = t[0] === '"' ? 'double-quoted-scalar' : 'single-quoted-scalar';
          const col = at - this.lineStart;
          if (this.state === 'start' && !t.includes('\n')) pending = { source: t, type, at, col };
          else this.value(this.scalar(type, t, at), col);
          if (t.includes('\n')) this.lineStart = at + t.lastIndexOf('\n') + 1;
          continue;
        }
        case '|':
        case '>':
          if (this.state === 'afterValue' || /[0-9]/.test(t)) throw NOT_HERE;
          started = true;
          block = { header: t, col: at - this.lineStart };
          continue;
        case '[':
        case '{':
          if (this.state === 'afterValue') throw NOT_HERE;
          started = true;
          flow = new FlowBuilder(this, t === '{', at - this.lineStart);
          continue;
        case '&':
          // An anchor on the value after `key:` or `-` on this line (not on a key).
          if (this.anchor !== undefined || t.length < 2 || !(this.state === 'afterKey' || (this.state === 'start' && this.dash))) throw NOT_HERE;
          started = true;
          this.anchor = t.slice(1);
          this.anchorLine = this.lineStart;
          continue;
        case '*': {
          if (this.anchor !== undefined || !(this.state === 'afterKey' || (this.state === 'start' && this.dash))) throw NOT_HERE;
          started = true;
          const a = this.alias(t);
          this.value(a.value, at - this.lineStart, a.size, 1);
          continue;
        }
        default:
          // tags, `?`, `:` without a key, `...`, directives, flow errors
          throw NOT_HERE;
      }
    }
    if (flow || block) throw NOT_HERE;
    if (pending) this.value(this.scalar(pending.type, pending.source, pending.at), pending.col);
    return this.finish();
  }

  /**
   * The same document read line by line, without the Lexer, when every line is of the commonest
   * kind: `- ` items, `key:` with a plain or quoted key, one-line plain and quoted scalars, one-line
   * flow collections of plain words and quoted scalars, anchors, aliases and comments. Each line
   * makes the calls run() makes for its tokens. Anything else (block scalars, a scalar or flow
   * collection over several lines, `?`, tags, directives, a plain scalar starting with a character
   * not in PLAIN_START) throws NOT_HERE, and run() reads the whole document.
   */
  runLines(): unknown {
    const text = this.text;
    let content = false;
    for (let pos = 0; pos < text.length;) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      this.newline(pos);
      const i = skipSpaces(text, pos, end);
      if (i < end && text[i] !== '#') {
        if (i === pos && (text.startsWith('---', i) || text.startsWith('...', i))) {
          // `---` alone before the content (a comment may follow it).
          if (content || text[i] === '.') throw NOT_HERE;
          this.lineEnd(i + 3, end);
        } else {
          this.line(i, end);
        }
        content = true;
      }
      pos = end + 1;
    }
    return this.finish();
  }

  /** One line from its first non-space character `i` up to `end`. */
  private line(i: number, end: number): void {
    const text = this.text;
    while (text.charCodeAt(i) === 45 && (i + 1 === end || text.charCodeAt(i + 1) === 32)) {
      this.seqItem(i - this.lineStart);
      i = skipSpaces(text, i + 1, end);
    }
    while (i < end && text[i] !== '#') {
      const c = text[i];
      const col = i - this.lineStart;
      if (c === '&' || c === '*') {
        if (this.anchor !== undefined || !(this.state === 'afterKey' || (this.state === 'start' && this.dash))) throw NOT_HERE;
        const name = matchAt(ANCHOR, text, i);
        if (!name) throw NOT_HERE;
        i += name.length;
        if (c === '*') {
          const a = this.alias(name);
          this.value(a.value, col, a.size, 1);
          return this.lineEnd(i, end);
        }
        if (i < end && text.charCodeAt(i) !== 32) throw NOT_HERE;
        this.anchor = name.slice(1);
        this.anchorLine = this.lineStart;
        i = skipSpaces(text, i, end);
        continue;
      }
      if (c === '"' || c === "'") {
        const source = matchAt(QUOTED[c], text, i);
        if (!source) throw NOT_HERE;
        const type = c === '"' ? 'double-quoted-scalar' : 'single-quoted-scalar';
        const after = skipSpaces(text, i + source.length, end);
        if (this.state === 'start' && this.isColon(after, end)) {
          i = this.keyAt(source, type, i, after, end);
          continue;
        }
        this.value(this.scalar(type, source, i), col);
        return this.lineEnd(i + source.length, end);
      }
      if (c === '[' || c === '{') return this.flowLine(c, i, end);
      if (matchAt(PLAIN_START, text, i) === undefined) throw NOT_HERE;
      // A plain scalar up to a comment, or a key up to its `:`.
      let stop = end;
      for (let j = i; j < end; j++) {
        const ch = text.charCodeAt(j);
        if (ch === 58 && this.isColon(j, end)) {
          stop = -j;
          break;
        }
        if (ch === 35 && text.charCodeAt(j - 1) === 32) {
          stop = j;
          break;
        }
      }
      if (stop <= 0) {
        i = this.keyAt(text.slice(i, -stop).trimEnd(), 'scalar', i, -stop, end);
        continue;
      }
      this.value(this.scalar('scalar', text.slice(i, stop).trimEnd(), i), col);
      return;
    }
  }

  private isColon(j: number, end: number): boolean {
    return j < end && this.text.charCodeAt(j) === 58 && (j + 1 === end || this.text.charCodeAt(j + 1) === 32);
  }

  /** A key whose `:` is at `colon`; where its value starts. */
  private keyAt(source: string, type: string, at: number, colon: number, end: number): number {
    this.offset = colon;
    this.key(source, type, at);
    return skipSpaces(this.text, colon + 1, end);
  }

  /** A one-line flow collection from its `[` or `{` at `i`, fed to FlowBuilder token by token as run() does. */
  private flowLine(open: string, i: number, end: number): void {
    const text = this.text;
    if (this.state === 'afterValue') throw NOT_HERE;
    const flow = new FlowBuilder(this, open === '{', i - this.lineStart);
    let anchorBefore = false;
    for (let j = i + 1; ;) {
      FLOW_TOKEN.lastIndex = j;
      const m = j < end ? FLOW_TOKEN.exec(text) : null;
      if (!m) throw NOT_HERE;
      const t = m[0];
      if (anchorBefore && m[1] === undefined) throw NOT_HERE;
      anchorBefore = t[0] === '&';
      const done = flow.feed(t, m[2] !== undefined, j);
      j += t.length;
      if (done) {
        this.value(flow.value(), flow.col, flow.size, flow.own);
        return this.lineEnd(j, end);
      }
    }
  }

  /** Nothing but spaces and a comment may follow from `i` on the line. */
  private lineEnd(i: number, end: number): void {
    const j = skipSpaces(this.text, i, end);
    if (j < end && !(this.text[j] === '#' && j > i)) throw NOT_HERE;
  }

  /** The document once every line is read: open collections closed, the alias-bomb limit checked. */
  private finish(): unknown {
    while (this.stack.length) this.close();
    if (this.root === NOT_HERE || this.expanded > ALIAS_EXPANSION_BASE + ALIAS_EXPANSION_FACTOR * this.own) throw NOT_HERE;
    return this.root;
  }

  /** The value of an alias token (`*name`) and its expanded size. */
  alias(token: string): Anchor {
    const name = token.slice(1);
    const a = this.anchors.get(name);
    // An alias inside a flow collection whose anchor is still to be registered would be a cycle.
    if (!a || a.open || name === this.anchor) throw NOT_HERE;
    this.expanded += a.size;
    // Beyond any document's limit (a node takes at least a character): stop before copying more.
    if (this.expanded > ALIAS_EXPANSION_BASE + ALIAS_EXPANSION_FACTOR * this.text.length) throw NOT_HERE;
    return a;
  }

  /** Register `name` for a value (a collection still open until it closes). */
  anchorValue(name: string, value: unknown, size: number, open: boolean): Anchor {
    // Reused while its first node is open: plain() and aliasBomb would then disagree on the target.
    if (this.anchors.get(name)?.open || name === this.anchor) throw NOT_HERE;
    const a: Anchor = { value, size, open };
    this.anchors.set(name, a);
    if (value !== null && typeof value === 'object') {
      this.anchored.add(value);
      for (const f of this.stack) this.holdsAnchor.add(f.obj);
    }
    return a;
  }

  private newline(next: number): void {
    this.lineStart = next;
    this.state = 'start';
    this.dash = false;
  }

  /** A plain or quoted scalar's value, or NOT_HERE for anything the library would report (or `check` refuses). */
  scalar(type: string, source: string, offset: number, atKey = false): unknown {
    const value = this.resolveScalar(type, source, offset, atKey);
    return atKey ? value : this.checked(value);
  }

  private checked(value: unknown): unknown {
    if (this.check && typeof value === 'string' && !this.check(value)) throw NOT_HERE;
    return value;
  }

  private resolveScalar(type: string, source: string, offset: number, atKey: boolean): unknown {
    // One line of plain text is its own value (resolve-flow-scalar.js plainValue: no folding,
    // and none of the first characters it reports).
    if (type === 'scalar' && !source.includes('\n') && !BAD_PLAIN_START.has(source[0])) return this.resolvePlain(source, atKey);
    const token = { type, source, offset, indent: 0 } as CST.FlowScalar;
    const res = CST.resolveAsScalar(token, true, () => {
      throw NOT_HERE;
    });
    if (!res) throw NOT_HERE;
    if (type !== 'scalar') return res.value;
    return this.resolvePlain(res.value, atKey);
  }

  private resolvePlain(value: string, atKey: boolean): unknown {
    if (!this.schema.any.test(value)) return value;
    let tag: ScalarTag | undefined;
    for (const t of this.schema.tags) {
      if ((t.default === true || (atKey && t.default === 'key')) && t.test!.test(value)) {
        tag = t;
        break;
      }
    }
    if (!tag) return value;
    if (tag.default !== true) {
      if (tag.tag === 'tag:yaml.org,2002:merge') return MERGE;
      throw NOT_HERE;
    }
    const res = tag.resolve(
      value,
      () => {
        throw NOT_HERE;
      },
      this.schema.options,
    ) as unknown;
    const v = isScalar(res) ? res.value : res;
    return typeof v === 'bigint' ? Number(v) : v;
  }

  private blockScalar(header: string, at: number, body: string): unknown {
    // An empty first line would make the value depend on the Parser's indent: leave it to it.
    if (body && /^ *\n/.test(body)) throw NOT_HERE;
    const token = {
      type: 'block-scalar',
      offset: at,
      indent: 0,
      props: [
        { type: 'block-scalar-header', offset: at, indent: 0, source: header },
        { type: 'newline', offset: at, indent: 0, source: '\n' },
      ],
      source: body,
    } as CST.BlockScalar;
    const res = CST.resolveAsScalar(token, true, () => {
      throw NOT_HERE;
    });
    if (!res) throw NOT_HERE;
    return this.checked(res.value);
  }

  private get top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Close the innermost collection (a key or `-` left without a value gets null): the value of its parent's slot. */
  private close(): void {
    const f = this.stack.pop()!;
    if (f.open) this.put(f, null, 1);
    if (f.anchor) {
      f.anchor.size = f.size;
      f.anchor.open = false;
    }
    const parent = this.top;
    if (parent) this.put(parent, f.obj, f.size);
  }

  /** Fill the open slot of `f` with a value of `size` expanded nodes. */
  private put(f: Frame, value: unknown, size: number): void {
    // An anchor is taken by the value it was written before (value(), startCollection()).
    if (this.anchor !== undefined) throw NOT_HERE;
    f.size += size;
    if (f.map) {
      if (f.key === MERGE) this.merge(f, value);
      else (f.obj as Record<string, unknown>)[f.key!] = value;
      f.key = undefined;
    } else {
      (f.obj as unknown[]).push(value);
    }
    f.open = false;
  }

  /** A `<<` value: a mapping or a list of them, its keys added where `f` has none yet. */
  private merge(f: Frame, value: unknown): void {
    const list = Array.isArray(value);
    const sources = list ? (value as unknown[]) : [value];
    // Sources of an anchored list (`<<: *list`) are rebuilt by plain() as well.
    const listCopied = list && this.anchored.has(value as object);
    const obj = f.obj as Record<string, unknown>;
    for (const src of sources) {
      if (src === null || typeof src !== 'object' || Array.isArray(src) || this.nonStringKeys.has(src)) throw NOT_HERE;
      const copied = listCopied || this.anchored.has(src);
      if (copied && this.holdsAnchor.has(src)) throw NOT_HERE;
      for (const k of Object.keys(src)) {
        if (Object.prototype.hasOwnProperty.call(obj, k)) continue;
        const v = (src as Record<string, unknown>)[k];
        define(obj, k, copied ? this.copyOwn(v) : v);
        (f.merged ??= new Set()).add(k);
      }
    }
  }

  /** A value as plain() rebuilds it from its nodes: own collections copied, anchored ones (aliases) shared. */
  private copyOwn(v: unknown): unknown {
    if (v === null || typeof v !== 'object' || this.anchored.has(v)) return v;
    if (Array.isArray(v)) return v.map((x) => this.copyOwn(x));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) define(out, k, this.copyOwn((v as Record<string, unknown>)[k]));
    return out;
  }

  /** Open a new collection at `col` for the open slot (filled when it closes) or as the document. */
  private startCollection(map: boolean, col: number): Frame {
    const frame: Frame = { map, indent: col, obj: map ? {} : [], open: false, size: 1 };
    this.own++;
    const top = this.top;
    if (top) {
      if (!top.open || col <= top.indent) {
        // A sequence may sit at its mapping key's column.
        if (!(top.map && top.open && !map && col === top.indent && this.state === 'start' && !this.dash)) throw NOT_HERE;
      }
    } else {
      if (this.root !== NOT_HERE) throw NOT_HERE;
      this.root = frame.obj;
    }
    if (this.anchor !== undefined) {
      const name = this.anchor;
      this.anchor = undefined;
      frame.anchor = this.anchorValue(name, frame.obj, 0, true);
    }
    this.stack.push(frame);
    return frame;
  }

  private anchorOnThisLine(): boolean {
    return this.anchor !== undefined && this.anchorLine === this.lineStart;
  }

  private seqItem(col: number): void {
    if (this.anchorOnThisLine()) throw NOT_HERE;
    while (this.top && this.top.indent > col) this.close();
    const top = this.top;
    let seq: Frame;
    if (top && !top.map && top.indent === col) {
      if (top.open) this.put(top, null, 1);
      seq = top;
    } else {
      seq = this.startCollection(false, col);
    }
    seq.open = true;
    this.dash = true;
  }

  key(source: string, type: string, at: number): void {
    // An anchor before a key on its line is the key's (`- &a k: v`); on a line before, its mapping's.
    if (source.includes('\n') || this.offset - at > MAX_KEY || this.anchorOnThisLine()) throw NOT_HERE;
    const col = at - this.lineStart;
    // A key starts a line (after its indent and any `-`): a second key on one line is an error.
    if (this.state !== 'start') throw NOT_HERE;
    while (this.top && (this.top.indent > col || (!this.top.map && this.top.indent === col && !this.dash))) this.close();
    let top = this.top;
    if (top && top.map && top.indent === col && !this.dash) {
      if (top.open) this.put(top, null, 1);
    } else {
      top = this.startCollection(true, col);
    }
    const k = this.scalar(type, source, at, true);
    top.key = k === MERGE ? MERGE : this.ownKey(top, k);
    top.size++;
    this.own++;
    top.open = true;
    this.state = 'afterKey';
  }

  /** newKey for a block mapping, where a key a `<<` added may be set once more. */
  private ownKey(f: Frame, k: unknown): string {
    const obj = f.obj as Record<string, unknown>;
    if (typeof k !== 'string') this.nonStringKeys.add(obj);
    const key = keyName(k);
    if (typeof k !== 'string' && f.merged?.has(key)) throw NOT_HERE;
    if (f.merged?.delete(key)) return key;
    return newKey(obj, k);
  }

  /** A scalar, alias or flow collection of `size` expanded and `own` written nodes: the value of the open slot. */
  value(value: unknown, col: number, size = 1, own = 1): void {
    const top = this.top;
    if (!top || !top.open || this.state === 'afterValue') throw NOT_HERE;
    // A value on a line of its own sits deeper than its key (or `-`).
    if (this.state === 'start' && !this.dash && col <= top.indent) throw NOT_HERE;
    this.own += own;
    if (this.anchor !== undefined) {
      const name = this.anchor;
      this.anchor = undefined;
      this.anchorValue(name, value, size, false);
    }
    this.put(top, value, size);
    this.state = 'afterValue';
  }
}

function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/**
 * A key's property name (as plain() makes it: its JSON name, null is 'null'). Keys equal as the Document path's
 * duplicate check has them are equal here, and so are a few more (`1` and `"1"`, a key named
 * like an inherited property such as `__proto__`): any of them goes to the Document path, which
 * reports the duplicate or builds the rare rest.
 */
function newKey(obj: Record<string, unknown>, k: unknown): string {
  const key = keyName(k);
  if (obj[key] !== undefined) throw NOT_HERE;
  // A number, bool or null key keeps its type (values.ts KEY_TYPES), as plain() keeps it.
  if (typeof k !== 'string') noteKeyType(obj, key, k);
  return key;
}

/** A flow sequence or mapping of scalars and aliases on one line: `[a, "b", *c]`, `{ k: v, k2: &x 2 }`. */
class FlowBuilder {
  private readonly items: unknown[] = [];
  private readonly obj: Record<string, unknown> = {};
  /** What may come next: an item, a `:` (maps), a `,` or the end. */
  private expect: 'item' | 'colon' | 'value' | 'sep' = 'item';
  private key: unknown;
  private done = false;
  /** An anchor for the next value. */
  private anchor: string | undefined;
  /** Nodes with aliases expanded, and as written (see FastBuilder). */
  size = 1;
  own = 1;

  constructor(
    private readonly outer: FastBuilder,
    private readonly isMap: boolean,
    /** Column of its `[` or `{`. */
    readonly col: number,
  ) {}

  /** Feed a token; true when the collection is complete. */
  feed(t: string, scalar: boolean, at: number): boolean {
    if (this.done) throw NOT_HERE;
    if (!scalar && t.trim() === '') return false;
    if (!scalar && t[0] === '&') {
      // An anchor on a value (not on a key of a mapping).
      if (this.anchor !== undefined || t.length < 2 || (this.isMap ? this.expect !== 'value' : this.expect !== 'item')) throw NOT_HERE;
      this.anchor = t.slice(1);
      return false;
    }
    const alias = !scalar && t[0] === '*';
    if (alias || scalar || t[0] === '"' || t[0] === "'") {
      let value: unknown;
      let size = 1;
      if (alias) {
        if (this.anchor !== undefined || (this.isMap && this.expect !== 'value')) throw NOT_HERE;
        ({ value, size } = this.outer.alias(t));
      } else {
        const type = scalar ? 'scalar' : t[0] === '"' ? 'double-quoted-scalar' : 'single-quoted-scalar';
        if (this.isMap && this.expect === 'item') {
          this.key = this.outer.scalar(type, t, at, true);
          if (this.key === MERGE) throw NOT_HERE;
          if (typeof this.key !== 'string') this.outer.nonStringKeys.add(this.obj);
          this.expect = 'colon';
          this.size++;
          this.own++;
          return false;
        }
        value = this.outer.scalar(type, t, at);
      }
      if (this.expect !== (this.isMap ? 'value' : 'item')) throw NOT_HERE;
      if (this.anchor !== undefined) {
        this.outer.anchorValue(this.anchor, value, 1, false);
        this.anchor = undefined;
      }
      if (this.isMap) this.obj[newKey(this.obj, this.key)] = value;
      else this.items.push(value);
      this.size += size;
      this.own++;
      this.expect = 'sep';
      return false;
    }
    // An anchor must be followed by its value.
    if (this.anchor !== undefined) throw NOT_HERE;
    if (t === ':' && this.expect === 'colon') {
      this.expect = 'value';
      return false;
    }
    if (t === ',' && this.expect === 'sep') {
      this.expect = 'item';
      return false;
    }
    const end = this.isMap ? '}' : ']';
    if (t === end && (this.expect === 'sep' || (this.expect === 'item' && this.empty()))) {
      this.done = true;
      return true;
    }
    throw NOT_HERE;
  }

  private empty(): boolean {
    return this.isMap ? Object.keys(this.obj).length === 0 : this.items.length === 0;
  }

  value(): unknown {
    return this.isMap ? this.obj : this.items;
  }
}
