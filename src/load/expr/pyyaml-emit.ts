/**
 * yaml.dump as Ansible 2.14's to_yaml / to_nice_yaml call it: AnsibleDumper, which is PyYAML's
 * CSafeDumper where libyaml is installed (Debian's python3-yaml: module_utils/common/yaml.py), so
 * SafeRepresenter + Resolver in Python and libyaml's emitter (emitter.c, 0.2.5). Written from
 * PyYAML's representer.py / resolver.py / emitter.py and libyaml's emitter rules; where the two
 * emitters differ, libyaml's are the ones here:
 *   - no `...` after a lone plain scalar;
 *   - printable is #x0A, #x20-#x7E, #xA0-#xD7FF, #xE000-#xFFFD but #xFEFF: anything else (a tab,
 *     \r, \x85, an emoji) makes the scalar double-quoted with escapes;
 *   - \r is a line break for the analysis (a key holding one is a complex `? key`);
 *   - a key is simple when it is one line and at most 128 bytes (UTF-8), the empty key included;
 *   - a long double-quoted line folds at a space without a trailing backslash.
 * Representer: None null, bools true/false, ints in decimal, floats as repr() with `.0` before an
 * exponent, `.nan`/`.inf`; a list or dict is flow style when every item is a scalar
 * (default_flow_style=None), keys sorted by code point (sort_keys=True). A string that YAML 1.1
 * would read as something else (`yes`, `1.0`, `null`, `2024-01-02`, `~`, `<<`, `=`) is quoted.
 * A list or dict met twice (the same object: `{'a': l, 'b': l}`) is written once with an anchor
 * and then as an alias (`a: &id001 [1, 2]`, `b: *id001`), as PyYAML's representer and serializer
 * do by Python object identity; here by JavaScript object identity.
 */
import { ExprValueError } from './errors.js';
import { UnsafeText } from './unsafe.js';
import { isMapping, keysOf, keyTypesOf, PyFloat } from './values.js';

export interface DumpOptions {
  /** PyYAML's indent: 2..9, anything else is 2. */
  indent?: number;
  /** PyYAML's width: at most indent*2 means 80, negative means unlimited (libyaml). */
  width?: number;
  /** null: a collection of scalars in flow style; false: block; true: flow everywhere. */
  defaultFlowStyle?: boolean | null;
  sortKeys?: boolean;
  explicitStart?: boolean;
  explicitEnd?: boolean;
}

type Node = { kind: 'scalar'; text: string; plain: boolean } | { kind: 'seq'; items: Node[]; flow: boolean } | { kind: 'map'; pairs: [Node, Node][]; flow: boolean };

/** A collection's node per object, so one met again is the same node (representer.py represented_objects). */
type Seen = Map<object, Node>;

/** YAML 1.1 implicit resolvers (resolver.py): a plain string matching one reads as another type. Python's `$` also matches before a final newline. */
const RESOLVERS: RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?$/,
  /^(?:<<)\n?$/,
  /^(?:~|null|Null|NULL|)\n?$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\n?$/,
  /^(?:=)\n?$/,
];

/** A string the plain resolver reads as a string (the serializer's implicit[0]). */
const plainIsString = (s: string): boolean => !RESOLVERS.some((r) => r.test(s));

/** Python's repr() of a float, as SafeRepresenter.represent_float turns it into YAML. */
export function yamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const [mant, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const fixed = Object.is(n, -0) ? '-0' : String(n).includes('e') ? n.toFixed(Math.max(0, -exp + mant.replace(/^-?\d\.?/, '').length)) : String(n);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const m = mant.includes('.') ? mant : `${mant}.0`;
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Code-point order, as Python's sorted() on str. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

/**
 * PyYAML's sorted(mapping) over keys that are not all strings (`{80: …, 443: …}`): numbers (and
 * bools) by value; keys Python cannot order together (an int and a str, None) stay in their order,
 * as PyYAML's represent_mapping catches the TypeError.
 */
function sortTyped(names: string[], typed: Map<string, unknown>): void {
  const keys = names.map((n) => (typed.has(n) ? typed.get(n) : n));
  const numeric = keys.every((k) => typeof k === 'number' || typeof k === 'boolean' || k instanceof PyFloat);
  const text = keys.every((k) => typeof k === 'string');
  if (!numeric && !text && names.length > 1) return;
  const order = names.map((n, i) => [n, keys[i]] as const).sort(([a, x], [b, y]) => (numeric ? Number(x) - Number(y) : byCodePoint(a, b)));
  order.forEach(([n], i) => (names[i] = n));
}

function represent(v: unknown, o: Required<DumpOptions>, seen: Seen, depth: number): Node {
  if (depth > 200) throw new ExprValueError('value is nested too deeply (a cycle?)');
  if (v instanceof UnsafeText) return represent(v.text, o, seen, depth);
  if (typeof v === 'object' && v !== null && seen.has(v)) return seen.get(v)!;
  const scalar = (text: string, plain = true): Node => ({ kind: 'scalar', text, plain });
  if (v === null || v === undefined) return scalar('null');
  if (typeof v === 'boolean') return scalar(v ? 'true' : 'false');
  if (v instanceof PyFloat) return scalar(yamlFloat(v.value)); // an integral float stays one: 2.0
  if (typeof v === 'number') return scalar(Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? (Object.is(v, -0) ? '0' : BigInt(v).toString()) : yamlFloat(v));
  if (typeof v === 'bigint') return scalar(v.toString());
  if (typeof v === 'string') return scalar(v, plainIsString(v));
  const flowOf = (nodes: Node[]): boolean => (o.defaultFlowStyle === null ? nodes.every((n) => n.kind === 'scalar') : o.defaultFlowStyle);
  if (Array.isArray(v)) {
    const node: Node = { kind: 'seq', items: [], flow: false };
    seen.set(v, node);
    node.items = v.map((x) => represent(x, o, seen, depth + 1));
    node.flow = flowOf(node.items);
    return node;
  }
  if (isMapping(v)) {
    const keys = keysOf(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function');
    const typed = keyTypesOf(v);
    if (o.sortKeys && !typed) keys.sort(byCodePoint);
    else if (o.sortKeys) sortTyped(keys, typed!);
    const node: Node = { kind: 'map', pairs: [], flow: false };
    seen.set(v, node);
    node.pairs = keys.map((k): [Node, Node] => [represent(typed?.has(k) ? typed.get(k) : k, o, seen, depth + 1), represent(v[k], o, seen, depth + 1)]);
    node.flow = flowOf(node.pairs.flat());
    return node;
  }
  throw new ExprValueError(`cannot represent an object: ${String(v)}`);
}

const isBreak = (c: string): boolean => c === '\n' || c === '\r' || c === '\x85' || c === '\u2028' || c === '\u2029';
const isBlankZ = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t' || c === '\0' || isBreak(c);
function isPrintable(c: string): boolean {
  const p = c.codePointAt(0)!;
  return p === 0x0a || (p >= 0x20 && p <= 0x7e) || (p >= 0xa0 && p <= 0xd7ff) || (p >= 0xe000 && p <= 0xfffd && p !== 0xfeff);
}

interface Analysis {
  chars: string[];
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  single: boolean;
  bytes: number;
}

/** libyaml's yaml_emitter_analyze_scalar. */
function analyze(text: string): Analysis {
  const chars = [...text];
  const bytes = Buffer.byteLength(text, 'utf8');
  if (!chars.length) return { chars, multiline: false, flowPlain: false, blockPlain: true, single: true, bytes };
  let blockInd = false;
  let flowInd = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  if (text.startsWith('---') || text.startsWith('...')) blockInd = flowInd = true;
  let precededByWs = true;
  let followedByWs = isBlankZ(chars[1]);
  const last = chars.length - 1;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) flowInd = blockInd = true;
      if (c === '?' || c === ':') {
        flowInd = true;
        if (followedByWs) blockInd = true;
      }
      if (c === '-' && followedByWs) flowInd = blockInd = true;
    } else {
      if (',?[]{}'.includes(c)) flowInd = true;
      if (c === ':') {
        flowInd = true;
        if (followedByWs) blockInd = true;
      }
      if (c === '#' && precededByWs) flowInd = blockInd = true;
    }
    if (!isPrintable(c)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = isBlankZ(c);
    followedByWs = isBlankZ(chars[i + 2]);
  }
  let flowPlain = true;
  let blockPlain = true;
  let single = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = single = false;
  if (spaceBreak || special) flowPlain = blockPlain = single = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flowInd) flowPlain = false;
  if (blockInd) blockPlain = false;
  return { chars, multiline: lineBreaks, flowPlain, blockPlain, single, bytes };
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

interface Ctx {
  mapping?: boolean;
  simpleKey?: boolean;
}

/** serializer.py anchor_node: a node reached twice gets `id001`, `id002`... in the order the second visits come. */
function anchors(root: Node): Map<Node, string | null> {
  const out = new Map<Node, string | null>();
  let last = 0;
  const visit = (n: Node): void => {
    if (out.has(n)) {
      if (out.get(n) === null) out.set(n, `id${String(++last).padStart(3, '0')}`);
      return;
    }
    out.set(n, null);
    if (n.kind === 'seq') n.items.forEach(visit);
    else if (n.kind === 'map') n.pairs.forEach(([k, v]) => (visit(k), visit(v)));
  };
  visit(root);
  return out;
}

class Emitter {
  private out = '';
  private readonly emitted = new Set<Node>();
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;

  constructor(
    private readonly bestIndent: number,
    private readonly bestWidth: number,
    private readonly anchorOf: Map<Node, string | null>,
  ) {}

  document(root: Node, o: Required<DumpOptions>): string {
    if (o.explicitStart) {
      this.writeIndent();
      this.writeIndicator('---', true);
    }
    this.node(root, {});
    this.writeIndent();
    if (o.explicitEnd) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    return this.out;
  }

  private put(s: string, width = [...s].length): void {
    this.out += s;
    this.column += width;
  }

  private lineBreak(): void {
    this.out += '\n';
    this.column = 0;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private writeIndicator(ind: string, needWs: boolean, isWs = false, isIndention = false): void {
    this.put(needWs && !this.whitespace ? ` ${ind}` : ind);
    this.whitespace = isWs;
    this.indention = this.indention && isIndention;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) this.put(' '.repeat(indent - this.column));
    this.whitespace = true;
    this.indention = true;
  }

  private node(n: Node, ctx: Ctx): void {
    const anchor = this.anchorOf.get(n);
    if (anchor && this.emitted.has(n)) {
      this.writeIndicator(`*${anchor}`, true);
      return;
    }
    this.emitted.add(n);
    if (anchor) this.writeIndicator(`&${anchor}`, true);
    if (n.kind === 'scalar') {
      this.increaseIndent(true);
      this.scalar(n, ctx);
      this.indent = this.indents.pop()!;
    } else if (n.kind === 'seq') {
      if (this.flowLevel || n.flow || !n.items.length) this.flowSeq(n.items);
      else this.blockSeq(n.items, ctx);
    } else if (this.flowLevel || n.flow || !n.pairs.length) this.flowMap(n.pairs);
    else this.blockMap(n.pairs);
  }

  /** A key written as `key:` (not `? key`): a one-line scalar of at most 128 bytes. */
  private simpleKey(k: Node): boolean {
    if (k.kind !== 'scalar') return k.kind === 'seq' ? !k.items.length : !k.pairs.length;
    const a = analyze(k.text);
    return !a.multiline && a.bytes <= 128;
  }

  private flowSeq(items: Node[]): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    items.forEach((item, i) => {
      if (i) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item, {});
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator(']', false);
  }

  private flowMap(pairs: [Node, Node][]): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    pairs.forEach(([k, v], i) => {
      if (i) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      if (this.simpleKey(k)) {
        this.node(k, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true);
        this.node(k, { mapping: true });
        if (this.column > this.bestWidth) this.writeIndent();
        this.writeIndicator(':', true);
      }
      this.node(v, { mapping: true });
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator('}', false);
  }

  private blockSeq(items: Node[], ctx: Ctx): void {
    this.increaseIndent(false, !!ctx.mapping && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, {});
    }
    this.indent = this.indents.pop()!;
  }

  private blockMap(pairs: [Node, Node][]): void {
    this.increaseIndent(false);
    for (const [k, v] of pairs) {
      this.writeIndent();
      if (this.simpleKey(k)) {
        this.node(k, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(k, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(v, { mapping: true });
    }
    this.indent = this.indents.pop()!;
  }

  /** libyaml's yaml_emitter_select_scalar_style and the writer it picks. */
  private scalar(n: { text: string; plain: boolean }, ctx: Ctx): void {
    const a = analyze(n.text);
    let style: 'plain' | 'single' | 'double' = 'plain';
    if (ctx.simpleKey && a.multiline) style = 'double';
    if (style === 'plain') {
      if ((this.flowLevel && !a.flowPlain) || (!this.flowLevel && !a.blockPlain)) style = 'single';
      if (!a.chars.length && (this.flowLevel || ctx.simpleKey)) style = 'single';
      if (!n.plain) style = 'single';
    }
    if (style === 'single' && !a.single) style = 'double';
    const breaks = !ctx.simpleKey;
    if (style === 'plain') this.writePlain(a.chars, breaks);
    else if (style === 'single') this.writeSingle(a.chars, breaks);
    else this.writeDouble(a.chars, breaks);
  }

  private writePlain(chars: string[], allowBreaks: boolean): void {
    if (!this.whitespace && (chars.length || this.flowLevel)) this.put(' ');
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === ' ') {
        if (allowBreaks && !spaces && this.column > this.bestWidth && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(c);
        spaces = true;
      } else {
        this.put(c, 1);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  private writeSingle(chars: string[], allowBreaks: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === ' ') {
        if (allowBreaks && !spaces && this.column > this.bestWidth && i !== 0 && i !== chars.length - 1 && chars[i + 1] !== ' ') this.writeIndent();
        else this.put(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === '\n') this.lineBreak();
        if (c === '\n') this.lineBreak();
        else {
          this.out += c;
          this.column = 0;
        }
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(c === "'" ? "''" : c, c === "'" ? 2 : 1);
        this.indention = false;
        spaces = breaks = false;
      }
    }
    if (breaks) this.writeIndent();
    this.writeIndicator("'", false);
  }

  private writeDouble(chars: string[], allowBreaks: boolean): void {
    this.writeIndicator('"', true);
    let spaces = false;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (!isPrintable(c) || isBreak(c) || c === '"' || c === '\\') {
        const p = c.codePointAt(0)!;
        const esc = ESCAPES[c] ?? (p <= 0xff ? `x${hex(p, 2)}` : p <= 0xffff ? `u${hex(p, 4)}` : `U${hex(p, 8)}`);
        this.put(`\\${esc}`);
        spaces = false;
      } else if (c === ' ') {
        if (allowBreaks && !spaces && this.column > this.bestWidth && i !== 0 && i !== chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.put('\\');
        } else this.put(c);
        spaces = true;
      } else {
        this.put(c, 1);
        spaces = false;
      }
    }
    this.writeIndicator('"', false);
  }
}

const hex = (p: number, width: number): string => p.toString(16).toUpperCase().padStart(width, '0');

/** yaml.dump(v, Dumper=AnsibleDumper, allow_unicode=True, ...) with libyaml's emitter. */
export function pyYamlDump(v: unknown, opts: DumpOptions = {}): string {
  const indent = opts.indent !== undefined && opts.indent > 1 && opts.indent < 10 ? opts.indent : 2;
  const w = opts.width ?? 0;
  const width = w < 0 ? Number.MAX_SAFE_INTEGER : w <= indent * 2 ? 80 : w;
  const o: Required<DumpOptions> = {
    indent,
    width,
    defaultFlowStyle: opts.defaultFlowStyle === undefined ? null : opts.defaultFlowStyle,
    sortKeys: opts.sortKeys ?? true,
    explicitStart: opts.explicitStart ?? false,
    explicitEnd: opts.explicitEnd ?? false,
  };
  const root = represent(v, o, new Map(), 0);
  return new Emitter(indent, width, anchors(root)).document(root, o);
}
