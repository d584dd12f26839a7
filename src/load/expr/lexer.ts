/**
 * Tokens of the expression language. Offsets are into the whole source string
 * (for a template, the whole "a {{ b }} c"), so errors can point at the exact column.
 */
import { ExprSyntaxError } from './errors.js';

export type TokenType = 'num' | 'str' | 'name' | 'op' | 'close' | 'eof';

export interface Token {
  type: TokenType;
  /** The number for 'num', the unescaped text for 'str', the spelling otherwise. */
  value: string | number;
  /** A 'num' written as a float (`1.0`, `1e3`, Jinja's float_re). */
  float?: boolean;
  start: number;
  end: number;
  /** 'close' only: "-}}" / "-%}" (strip the whitespace that follows). */
  strip?: boolean;
  /** 'close' only: "+%}" (keep the newline trim_blocks would remove). */
  keep?: boolean;
}

// Longest first, so "//" wins over "/" and "<=" over "<".
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '~', '<', '>', '=', '(', ')', '[', ']', '{', '}', ',', ':', '.', '|'];

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Python string escapes, minus octal: "\1" stays a backslash and a 1, so
 * regex_replace('(\d+)', '\1') works whichever way the user escaped it.
 * Any escape not listed keeps its backslash ("\d" stays "\d"), as in Python.
 */
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '\n': '' };

function readString(src: string, start: number): { value: string; end: number } {
  const q = src[start];
  let out = '';
  let i = start + 1;
  while (i < src.length && src[i] !== q) {
    const c = src[i];
    if (c !== '\\' || i + 1 >= src.length) {
      out += c;
      i++;
      continue;
    }
    const n = src[i + 1];
    const hex = n === 'x' ? /^[0-9a-fA-F]{2}/.exec(src.slice(i + 2)) : n === 'u' ? /^[0-9a-fA-F]{4}/.exec(src.slice(i + 2)) : null;
    if (hex) {
      out += String.fromCharCode(parseInt(hex[0], 16));
      i += 2 + hex[0].length;
    } else if (n in ESCAPES) {
      out += ESCAPES[n];
      i += 2;
    } else {
      out += c + n;
      i += 2;
    }
  }
  if (i >= src.length) throw new ExprSyntaxError(`unterminated string: expected a closing ${q}`, start);
  return { value: out, end: i + 1 };
}

/**
 * Tokenize from `start`. In template mode, stop at the "}}" (or "-}}") that closes the
 * `{{`, found only outside brackets so `{{ {'a': {'b': 1}} }}` works (Jinja does the same);
 * `template = '%}'` stops at the "%}" ("-%}", "+%}") that closes a `{%` statement.
 */
export function tokenize(src: string, start = 0, template: boolean | '}}' | '%}' = false): Token[] {
  const close = template === true ? '}}' : template || undefined;
  const tokens: Token[] = [];
  const open: { c: string; at: number }[] = [];
  let i = start;
  for (;;) {
    while (i < src.length && /\s/.test(src[i])) i++;
    if (i >= src.length) {
      tokens.push({ type: 'eof', value: '', start: i, end: i });
      return tokens;
    }
    const c = src[i];
    if (close && open.length === 0) {
      const marker = src.startsWith(close, i) ? '' : (c === '-' || (c === '+' && close === '%}')) && src.startsWith(close, i + 1) ? c : undefined;
      if (marker !== undefined) {
        const end = i + marker.length + 2;
        tokens.push({ type: 'close', value: close, start: i, end, strip: marker === '-', keep: marker === '+' });
        return tokens;
      }
    }
    if (c === '"' || c === "'") {
      const s = readString(src, i);
      tokens.push({ type: 'str', value: s.value, start: i, end: s.end });
      i = s.end;
      continue;
    }
    const prev = tokens[tokens.length - 1];
    if (/[0-9]/.test(c)) {
      // After a ".", digits are an index: a.0.1 is a[0][1], not a[0.1].
      const afterDot = prev?.type === 'op' && prev.value === '.';
      const m = afterDot ? /^\d+/.exec(src.slice(i))! : /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i))!;
      if (/^[A-Za-z_]/.test(src.slice(i + m[0].length))) {
        throw new ExprSyntaxError(`invalid number "${/^\w+/.exec(src.slice(i))![0]}"`, i);
      }
      tokens.push({ type: 'num', value: Number(m[0]), float: m[1] !== undefined || m[2] !== undefined, start: i, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      tokens.push({ type: 'name', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprSyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
    if (op in OPENERS) open.push({ c: op, at: i });
    else if (op === ')' || op === ']' || op === '}') {
      const top = open.pop();
      if (!top) {
        // In a template, a lone "}" is a mistyped "}}".
        throw new ExprSyntaxError(close === '}}' && op === '}' ? "expected '}}' to close '{{', got '}'" : `unexpected '${op}': nothing to close`, i);
      }
      if (OPENERS[top.c] !== op) throw new ExprSyntaxError(`unexpected '${op}': expected '${OPENERS[top.c]}' to close '${top.c}'`, i);
    }
    tokens.push({ type: 'op', value: op, start: i, end: i + op.length });
    i += op.length;
  }
}
