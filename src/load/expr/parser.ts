/**
 * Recursive-descent parser with Jinja's precedence, loosest first:
 *   x if c else y  <  or  <  and  <  not  <  comparisons, in, not in
 *   <  + -  <  ~  <  * / // %  <  **  <  unary - +  <  filters `|`, tests `is`
 *   <  .attr [index] [a:b]
 * so `a + b | int` is `a + (b | int)` and `not x is defined` is `not (x is defined)`.
 * Filter and test names and their argument counts are checked here, at load time.
 */
import type { Call, Node } from './ast.js';
import { ExprSyntaxError } from './errors.js';
import type { Token } from './lexer.js';
import { checkCall, lookupCall } from './calls.js';
import { LOOKUPS, lookupPlugin } from './lookups.js';
import { pyFloat } from './values.js';
import { checkGlobal, GLOBALS } from './globals.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else']);
/** Jinja globals Ansible adds that call a lookup plugin (the only calls that are not methods). */
const LOOKUP_FUNCTIONS = new Set(['lookup', 'query', 'q']);
const CONSTANTS: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null, null: null };
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of expression';
    case 'close':
      return `'${t.value}'`;
    case 'str':
      return `string ${JSON.stringify(t.value)}`;
    case 'num':
      return `number ${t.value}`;
    default:
      return `'${t.value}'`;
  }
}

export class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    /** What ends this expression: 'eof' for a raw expression, 'close' inside {{ }} or {% %}. */
    private readonly endType: 'eof' | 'close' = 'eof',
    /** The closing marker, for messages: '}}' or '%}'. */
    private readonly closer: '}}' | '%}' = '}}',
    /** Templates: `name(...)` and `x.name(...)` that is no method are macro calls (statements.ts checks the names). */
    private readonly calls = false,
  ) {}

  /** The whole token list as one expression. */
  parseAll(): Node {
    const node = this.expression();
    this.finish();
    return node;
  }

  /** Fails unless the end (of the expression, or the closing '}}' / '%}') is next. */
  finish(what = 'an operator or'): void {
    const t = this.peek();
    if (t.type !== this.endType) {
      const opener = this.closer === '}}' ? '{{' : '{%';
      if (this.endType === 'close' && t.type === 'eof') throw new ExprSyntaxError(`expected '${this.closer}' to close '${opener}'`, t.start);
      const end = this.endType === 'close' ? `'${this.closer}'` : 'the end of the expression';
      throw new ExprSyntaxError(`unexpected ${describe(t)}: expected ${what} ${end}`, t.start);
    }
  }

  // For statements ({% for x in xs if c %}, {% set a = b %}): statements.ts drives these.
  /** A full expression (with `x if c else y`). */
  parseExpression(): Node {
    return this.expression();
  }

  /** An expression without a trailing `if ... else` (the iterable of a for, which may be followed by `if`). */
  parseNoConditional(): Node {
    return this.or();
  }

  peekToken(k = 0): Token {
    return this.peek(k);
  }

  nextToken(): Token {
    return this.next();
  }

  /** Consume the name `v` if it is next. */
  acceptName(v: string): boolean {
    if (!this.isName(v)) return false;
    this.next();
    return true;
  }

  /** Consume the operator `v` if it is next. */
  acceptOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.next();
    return true;
  }

  expectOp(op: string, what: string): Token {
    return this.expect(op, what);
  }

  /** A plain name (a variable to assign): keywords and constants are refused. */
  expectName(what: string): Token {
    const t = this.peek();
    if (t.type !== 'name' || KEYWORDS.has(String(t.value)) || Object.prototype.hasOwnProperty.call(CONSTANTS, String(t.value))) {
      throw new ExprSyntaxError(`expected ${what}, got ${describe(t)}`, t.start);
    }
    return this.next();
  }

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'op' && t.value === v;
  }

  private isName(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'name' && t.value === v;
  }

  private expect(op: string, what: string): Token {
    if (!this.isOp(op)) throw new ExprSyntaxError(`expected '${op}' ${what}, got ${describe(this.peek())}`, this.peek().start);
    return this.next();
  }

  private expression(): Node {
    let node = this.or();
    while (this.isName('if')) {
      this.next();
      const condition = this.or();
      let otherwise: Node | undefined;
      if (this.isName('else')) {
        this.next();
        otherwise = this.expression();
      }
      node = { kind: 'conditional', condition, then: node, otherwise, start: node.start, end: (otherwise ?? condition).end };
    }
    return node;
  }

  private or(): Node {
    let node = this.and();
    while (this.isName('or')) {
      this.next();
      const right = this.and();
      node = { kind: 'logical', op: 'or', left: node, right, start: node.start, end: right.end };
    }
    return node;
  }

  private and(): Node {
    let node = this.not();
    while (this.isName('and')) {
      this.next();
      const right = this.not();
      node = { kind: 'logical', op: 'and', left: node, right, start: node.start, end: right.end };
    }
    return node;
  }

  private not(): Node {
    if (this.isName('not')) {
      const t = this.next();
      const operand = this.not();
      return { kind: 'unary', op: 'not', operand, start: t.start, end: operand.end };
    }
    return this.compare();
  }

  private compare(): Node {
    const first = this.sum();
    const rest: { op: string; right: Node; opStart: number }[] = [];
    for (;;) {
      const t = this.peek();
      let op: string;
      if (t.type === 'op' && COMPARE.has(t.value as string)) op = t.value as string;
      else if (this.isName('in')) op = 'in';
      else if (this.isName('not') && this.isName('in', 1)) {
        this.next();
        op = 'not in';
      } else break;
      this.next();
      rest.push({ op, right: this.sum(), opStart: t.start });
    }
    if (!rest.length) return first;
    return { kind: 'compare', first, rest, start: first.start, end: rest[rest.length - 1].right.end };
  }

  private binaryLevel(ops: string[], operand: () => Node): Node {
    let node = operand();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'op' || !ops.includes(t.value as string)) return node;
      this.next();
      const right = operand();
      node = { kind: 'binary', op: t.value as string, left: node, right, opStart: t.start, start: node.start, end: right.end };
    }
  }

  private sum(): Node {
    return this.binaryLevel(['+', '-'], () => this.concat());
  }

  private concat(): Node {
    return this.binaryLevel(['~'], () => this.product());
  }

  private product(): Node {
    return this.binaryLevel(['*', '/', '//', '%'], () => this.power());
  }

  private power(): Node {
    return this.binaryLevel(['**'], () => this.unary(true));
  }

  private unary(withFilters: boolean): Node {
    let node: Node;
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      const operand = this.unary(false);
      node = { kind: 'unary', op: t.value as '-' | '+', operand, start: t.start, end: operand.end };
    } else {
      node = this.postfix(this.primary());
    }
    return withFilters ? this.filters(node) : node;
  }

  private filters(input: Node): Node {
    let node = input;
    for (;;) {
      if (this.isOp('|')) {
        this.next();
        const name = this.peek();
        if (name.type !== 'name') throw new ExprSyntaxError(`expected a filter name after '|', got ${describe(name)}`, name.start);
        this.next();
        const call = this.call(this.dottedName(name), 'filter');
        node = { kind: 'filter', input: node, ...call, start: node.start, end: this.prevEnd() };
        checkCall('filter', call);
        node = this.postfix(node);
      } else if (this.isName('is')) {
        this.next();
        const negated = this.isName('not');
        if (negated) this.next();
        const name = this.peek();
        if (name.type !== 'name' && !(name.type === 'op' && COMPARE.has(name.value as string))) {
          throw new ExprSyntaxError(`expected a test name after 'is', got ${describe(name)}`, name.start);
        }
        this.next();
        let call: Call;
        if (name.type === 'name' && ['none', 'None', 'true', 'True', 'false', 'False'].includes(name.value as string)) {
          call = { name: String(name.value).toLowerCase(), nameStart: name.start, args: [], kwargs: [] };
        } else if (this.startsBareArgument()) {
          // Jinja's `x is divisibleby 3`: one argument without parentheses.
          call = { name: String(name.value), nameStart: name.start, args: [this.postfix(this.primary())], kwargs: [] };
        } else {
          call = this.call(this.dottedName(name), 'test');
        }
        checkCall('test', call);
        node = { kind: 'test', input: node, negated, ...call, start: node.start, end: this.prevEnd() };
      } else {
        return node;
      }
    }
  }

  /** Jinja's parse_filter/parse_test: `ansible.builtin.to_json` is one name, dots and all. */
  private dottedName(first: Token): Token {
    if (first.type !== 'name') return first;
    let name = first;
    while (this.isOp('.') && this.peek(1).type === 'name') {
      this.next();
      const part = this.next();
      name = { ...name, value: `${String(name.value)}.${String(part.value)}`, end: part.end };
    }
    return name;
  }

  private startsBareArgument(): boolean {
    const t = this.peek();
    if (t.type === 'str' || t.type === 'num') return true;
    if (t.type === 'name') return !KEYWORDS.has(t.value as string);
    return this.isOp('[') || this.isOp('{');
  }

  private prevEnd(): number {
    return this.tokens[this.i - 1]?.end ?? 0;
  }

  /** `name` or `name(arg, ..., key=value, ...)` after `|` or `is`. */
  private call(name: Token, what: 'filter' | 'test' | 'method' | 'lookup' | 'global'): Call {
    const call: Call = { name: String(name.value), nameStart: name.start, args: [], kwargs: [] };
    if (!this.isOp('(')) return call;
    this.next();
    while (!this.isOp(')')) {
      if (this.peek().type === 'name' && this.isOp('=', 1)) {
        const key = String(this.next().value);
        this.next();
        call.kwargs.push([key, this.expression()]);
      } else {
        if (call.kwargs.length) throw new ExprSyntaxError('a positional argument cannot follow a keyword argument', this.peek().start);
        call.args.push(this.expression());
      }
      if (this.isOp(',')) this.next();
      else if (!this.isOp(')')) this.expect(')', `after ${what} arguments`);
    }
    this.next();
    return call;
  }

  private postfix(input: Node): Node {
    let node = input;
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.next();
        if (t.type !== 'name' && t.type !== 'num') throw new ExprSyntaxError(`expected an attribute name after '.', got ${describe(t)}`, t.start);
        if (t.type === 'name' && this.isOp('(')) {
          // x.startswith('a'): a method from a fixed table, never a property of the JavaScript value.
          const call = this.call(t, 'method');
          if (this.calls && !lookupCall('method', call.name)) {
            // mod.m(): a macro of an imported template.
            const callee: Node = { kind: 'member', object: node, key: { kind: 'literal', value: t.value, start: t.start, end: t.end }, start: node.start, end: t.end };
            node = { kind: 'call', callee, args: call.args, kwargs: call.kwargs, start: node.start, end: this.prevEnd() };
            continue;
          }
          checkCall('method', call);
          node = { kind: 'method', input: node, ...call, start: node.start, end: this.prevEnd() };
          continue;
        }
        const key: Node = { kind: 'literal', value: t.value, start: t.start, end: t.end };
        node = { kind: 'member', object: node, key, start: node.start, end: t.end };
      } else if (this.isOp('[')) {
        this.next();
        node = this.subscript(node);
      } else if (this.isOp('(') && this.calls) {
        const call = this.call({ type: 'name', value: '', start: node.start, end: node.end }, 'method');
        node = { kind: 'call', callee: node, args: call.args, kwargs: call.kwargs, start: node.start, end: this.prevEnd() };
      } else if (this.isOp('(')) {
        throw new ExprSyntaxError("only methods can be called (x.split(','), d.items()); use a filter for anything else (x | name(args))", this.peek().start);
      } else {
        return node;
      }
    }
  }

  private subscript(object: Node): Node {
    const parts: (Node | undefined)[] = [];
    let colons = 0;
    let current: Node | undefined;
    while (!this.isOp(']')) {
      if (this.isOp(':')) {
        if (colons === 2) throw new ExprSyntaxError("expected ']' after a slice", this.peek().start);
        this.next();
        parts.push(current);
        current = undefined;
        colons++;
      } else if (current === undefined) {
        current = this.expression();
      } else {
        this.expect(']', 'after the index');
      }
    }
    parts.push(current);
    const end = this.next().end;
    if (colons === 0) {
      if (!current) throw new ExprSyntaxError('expected an index inside [ ]', end - 1);
      return { kind: 'member', object, key: current, start: object.start, end };
    }
    return { kind: 'slice', object, from: parts[0], to: parts[1], step: parts[2], start: object.start, end };
  }

  private primary(): Node {
    const t = this.next();
    switch (t.type) {
      case 'num':
        return { kind: 'literal', value: t.float ? pyFloat(t.value as number) : t.value, start: t.start, end: t.end };
      case 'str': {
        // Adjacent strings join, as in Python and Jinja: 'a' "b" is "ab".
        let value = String(t.value);
        let end = t.end;
        while (this.peek().type === 'str') {
          const s = this.next();
          value += String(s.value);
          end = s.end;
        }
        return { kind: 'literal', value, start: t.start, end };
      }
      case 'name': {
        const name = String(t.value);
        if (Object.prototype.hasOwnProperty.call(CONSTANTS, name)) return { kind: 'literal', value: CONSTANTS[name], start: t.start, end: t.end };
        if (KEYWORDS.has(name)) throw new ExprSyntaxError(`expected an expression, got '${name}'`, t.start);
        if (LOOKUP_FUNCTIONS.has(name) && this.isOp('(')) return this.lookup(t);
        if (Object.hasOwn(GLOBALS, name) && this.isOp('(')) {
          const call = this.call(t, 'global');
          checkGlobal(call);
          return { kind: 'global', ...call, start: t.start, end: this.prevEnd() };
        }
        return { kind: 'variable', name, start: t.start, end: t.end };
      }
      case 'op':
        if (t.value === '(') return this.parenthesized(t);
        if (t.value === '[') {
          const items = this.sequence(']', 'list');
          return { kind: 'list', items, start: t.start, end: this.prevEnd() };
        }
        if (t.value === '{') return this.dict(t);
        break;
    }
    throw new ExprSyntaxError(`expected an expression, got ${describe(t)}`, t.start);
  }

  /** `lookup('plugin', terms..., key=value)`, `query(...)`/`q(...)` (always a list): the plugin named by a literal. */
  private lookup(fn: Token): Node {
    const call = this.call(fn, 'lookup');
    const plugin = call.args[0];
    if (plugin?.kind !== 'literal' || typeof plugin.value !== 'string') {
      throw new ExprSyntaxError(`${String(fn.value)}() needs the name of a lookup plugin as a quoted string first`, plugin?.start ?? fn.start);
    }
    if (!lookupPlugin(plugin.value)) {
      throw new ExprSyntaxError(`unknown lookup plugin '${plugin.value}' (nodemend has: ${Object.keys(LOOKUPS).join(', ')})`, plugin.start);
    }
    const wantList = fn.value !== 'lookup' || call.kwargs.some(([k, v]) => k === 'wantlist' && v.kind === 'literal' && v.value === true);
    return {
      kind: 'lookup',
      wantList,
      name: plugin.value,
      nameStart: plugin.start,
      args: call.args.slice(1),
      kwargs: call.kwargs.filter(([k]) => k !== 'wantlist'),
      start: fn.start,
      end: this.prevEnd(),
    };
  }

  /** `(x)`, or a tuple `(a, b)` / `()`: a list marked as a tuple. */
  private parenthesized(open: Token): Node {
    if (this.isOp(')')) return { kind: 'list', items: [], tuple: true, start: open.start, end: this.next().end };
    const first = this.expression();
    if (this.isOp(')')) {
      this.next();
      return first;
    }
    if (!this.isOp(',')) this.expect(')', "to close '('");
    this.next();
    const items = [first, ...this.sequence(')', 'tuple')];
    return { kind: 'list', items, tuple: true, start: open.start, end: this.prevEnd() };
  }

  /** Items up to `close`, comma-separated, a trailing comma allowed; consumes `close`. */
  private sequence(close: string, what: string): Node[] {
    const items: Node[] = [];
    while (!this.isOp(close)) {
      items.push(this.expression());
      if (this.isOp(',')) this.next();
      else if (!this.isOp(close)) this.expect(close, `or ',' in ${what}`);
    }
    this.next();
    return items;
  }

  private dict(open: Token): Node {
    const entries: [Node, Node][] = [];
    while (!this.isOp('}')) {
      const key = this.expression();
      this.expect(':', 'after a dict key');
      entries.push([key, this.expression()]);
      if (this.isOp(',')) this.next();
      else if (!this.isOp('}')) this.expect('}', "or ',' in dict");
    }
    const end = this.next().end;
    return { kind: 'dict', entries, start: open.start, end };
  }
}
