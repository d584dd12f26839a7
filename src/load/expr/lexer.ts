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
 * Jinja's string unescaping (Python's unicode-escape): these, octal `\ooo`, `\xHH`, `\uHHHH` and
 * `\UHHHHHHHH`. Any escape not listed keeps its backslash ("\d" stays "\d"), as in Python.
 * Playbook values' `{{ }}` read their literals raw instead (2.14's _escape_backslashes): there
 * regex_replace('(\d+)', '\1') is a backreference; in a template file `'\1'` is chr(1), as in 2.14.
 */
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
const NUMERIC: Record<string, RegExp> = { x: /^[0-9a-fA-F]{2}/, u: /^[0-9a-fA-F]{4}/, U: /^[0-9a-fA-F]{8}/ };

const RAW_QUOTE =
  "a backslash cannot escape a quote in a string inside a playbook value's {{ }}: Ansible keeps those backslashes as written (its _escape_backslashes), so the string ends at the quote; use the other quote character";

function readString(src: string, start: number, raw: boolean): { value: string; end: number } {
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
    if (raw) {
      // 2.14's _escape_backslashes doubled this backslash, so Jinja's unescaping gives it back as written;
      // a backslash before the quote then ends the string (2.14's re-lexing fails there).
      if (n === q) throw new ExprSyntaxError(RAW_QUOTE, i);
      out += c + n;
      i += 2;
      continue;
    }
    const hex = NUMERIC[n]?.exec(src.slice(i + 2, i + 10));
    const octal = n >= '0' && n <= '7' ? /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4)) : null;
    if (hex && parseInt(hex[0], 16) <= 0x10ffff) {
      out += String.fromCodePoint(parseInt(hex[0], 16));
      i += 2 + hex[0].length;
    } else if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += 1 + octal[0].length;
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
 * `raw`: string literals keep their backslashes as written (the `{{ }}` of playbook values, 2.14's
 * _escape_backslashes); otherwise Jinja's unescaping (template files, `{% %}`, bare conditions).
 */
export function tokenize(src: string, start = 0, template: boolean | '}}' | '%}' = false, raw = false): Token[] {
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
      const s = readString(src, i, raw);
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
