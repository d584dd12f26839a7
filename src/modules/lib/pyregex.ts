/**
 * Playbooks carry Python regular expressions (Ansible runs `re` on the host). nodemend
 * matches with JavaScript RegExp after translating the differences that matter:
 *   (?P<name>...) -> (?<name>...), (?P=name) -> \k<name>, \A and \Z (absolute ends),
 *   `$` also matching before a final "\n", `.` matching "\r" (only "\n" is excluded),
 *   leading inline flags (?i) (?m) (?s) -> RegExp flags, `{,n}` -> `{0,n}`, a `{` or `}` that is
 *   no quantifier -> literal, (?#...) comments dropped.
 * So a pattern searched in a line that still ends with its "\n" behaves as in Python.
 * Anything else is JavaScript syntax (the two agree on nearly everything users write;
 * unsupported: possessive quantifiers, conditional groups); (?x) verbose mode is stripped to its plain pattern.
 *
 * Two kinds of pattern, as in Python: a str pattern (the regex filters and tests, replace, find,
 * assemble: Ansible matches text) is Unicode-aware: \w \d \s \b and case-insensitive matching
 * know every script (`u` flag, with \w \d \s rewritten to Python's Unicode classes, which JS's
 * \w \d are not even with `u`). A bytes pattern (lineinfile and blockinfile compile
 * to_bytes(regexp)) is ASCII: \w \d \b as JS without `u`, \s as Python's six bytes, and
 * (?i) folds ASCII letters only (JS's `i` alone would fold é and É).
 */

export interface PyRegex {
  /** For a bytes pattern, it matches byte strings (text as UTF-8, one char per byte): use exec/test on text. */
  re: RegExp;
  /** The pattern asked for multi-line matching ((?m)): blockinfile then searches the whole file. */
  multiline: boolean;
  /** Python's search on text: a bytes pattern searches its UTF-8 bytes; the match comes back as text. */
  exec(text: string): RegExpExecArray | null;
  test(text: string): boolean;
}

export interface PyRegexOptions {
  /** A bytes pattern (lineinfile, blockinfile): ASCII classes and case folding. Default: a str pattern. */
  bytes?: boolean;
}

/** lineinfile's and blockinfile's patterns: 2.14 compiles to_bytes(regexp). */
export const BYTES: PyRegexOptions = { bytes: true };

export function compilePyRegex(pattern: string, opts: PyRegexOptions = {}): PyRegex {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    flags = [...new Set(lead[1].replace(/[aLux]/g, ''))].join('');
    src = src.slice(lead[0].length);
  }
  // A bytes pattern matches bytes: the pattern and the text as UTF-8, one char per byte, so `.` is one byte.
  if (opts.bytes) src = toBytes(src);
  // (?a) makes a str pattern's classes ASCII, as a bytes pattern's.
  const unicode = !opts.bytes && !lead?.[1].includes('a');
  const asciiFold = !unicode && flags.includes('i');
  if (asciiFold) flags = flags.replace('i', '');
  src = translate(src, { multiline: flags.includes('m'), dotAll: flags.includes('s'), verbose: Boolean(lead?.[1].includes('x')), unicode, asciiFold });
  if (unicode) flags += 'u';
  try {
    const re = new RegExp(src, flags);
    const exec = opts.bytes ? (text: string) => bytesExec(re, text) : (text: string) => ((re.lastIndex = 0), re.exec(text));
    return { re, multiline: flags.includes('m'), exec, test: (text) => exec(text) !== null };
  } catch (e) {
    throw new Error(`invalid regex "${pattern}": ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

const ASCII = /^\p{ASCII}*$/u;
const toBytes = (text: string): string => (ASCII.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1'));
const fromBytes = (bytes: string): string => (ASCII.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8'));

/** A bytes pattern's search on text: on its UTF-8 bytes, the match, groups and index given back as text. */
function bytesExec(re: RegExp, text: string): RegExpExecArray | null {
  const b = toBytes(text);
  re.lastIndex = 0;
  const m = re.exec(b);
  if (!m || b === text) return m;
  const out = Object.assign(
    m.map((g) => (g === undefined ? g : fromBytes(g))),
    { index: fromBytes(b.slice(0, m.index)).length, input: text, groups: m.groups && Object.fromEntries(Object.entries(m.groups).map(([k, g]) => [k, g === undefined ? g : fromBytes(g)])) },
  );
  return out as unknown as RegExpExecArray;
}

interface Mode {
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
  /** A str pattern: `u` flag, Python's Unicode classes, escapes written the way `u` accepts them. */
  unicode: boolean;
  /** A bytes pattern under (?i): ASCII letters become [xX], JS's `i` is left off. */
  asciiFold: boolean;
}

/** Python's str-pattern classes (sre: Py_UNICODE_ISALNUM / ISDECIMAL / ISSPACE), as `u`-mode class contents. */
const U_WORD = '\\p{L}\\p{N}_';
const U_DIGIT = '\\p{Nd}';
const U_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's bytes-pattern \s: JS's \s also takes \xa0, \ufeff and the Unicode spaces. */
const B_SPACE = '\\t-\\r ';
/** Characters `u` mode lets a backslash escape outside a class (inside, `-` too). */
const U_SYNTAX = '^$\\.*+?()[]{}|/';

const hex = (c: string): string => `\\u{${c.codePointAt(0)!.toString(16)}}`;

/**
 * Rewrite Python-only syntax. In verbose mode (re.X) whitespace outside a class and not escaped is
 * dropped, and so is a `#` there up to the end of its line (sre_parse: `if verbose: if this in
 * WHITESPACE: continue; if this == "#": skip to "\n"`); an escaped space or `#` stays, as the character.
 */
function translate(src: string, mode: Mode): string {
  const END = '(?![\\s\\S])';
  const W = `[${U_WORD}]`;
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const [text, len] = escape(src, i, mode, false);
      out += text;
      i += len - 1;
      continue;
    }
    if (mode.verbose && ' \t\n\r\f\v'.includes(c)) continue;
    if (mode.verbose && c === '#') {
      while (i + 1 < src.length && src[i + 1] !== '\n') i++;
      continue;
    }
    if (c === '$') {
      out += mode.multiline ? `(?=\\n|${END})` : `(?=\\n?${END})`;
      continue;
    }
    if (c === '.' && !mode.dotAll) {
      out += '[^\\n]';
      continue;
    }
    if (c === '[') {
      const [text, len] = charClass(src, i, mode);
      out += text;
      i += len - 1;
      continue;
    }
    if (c === '{') {
      // sre_parse: `{m}`, `{m,}`, `{,n}`, `{m,n}` repeat; any other `{` is a literal.
      const q = /^\{(\d*)(,(\d*))?\}/.exec(src.slice(i));
      if (q && (q[1] !== '' || (q[2] !== undefined && q[3] !== ''))) {
        out += q[2] === undefined ? `{${q[1]}}` : `{${q[1] || '0'},${q[3]}}`;
        i += q[0].length - 1;
      } else out += '\\{';
      continue;
    }
    if (c === '}' || c === ']') {
      out += `\\${c}`;
      continue;
    }
    if (src.startsWith('(?#', i)) {
      const close = src.indexOf(')', i);
      if (close < 0) throw new Error(`invalid regex "${src}": missing ), unterminated comment`);
      i = close;
      continue;
    }
    // Python's `(?<` is a lookbehind only: JavaScript's `(?<name>` group is refused, as sre_parse refuses it.
    if (src.startsWith('(?<', i) && i + 3 < src.length && src[i + 3] !== '=' && src[i + 3] !== '!') {
      throw new Error(`invalid regex "${src}": unknown extension ?<${src[i + 3]} at position ${i + 1}`);
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const back = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (back) {
      out += `\\k<${back[1]}>`;
      i += back[0].length - 1;
      continue;
    }
    if (mode.asciiFold && /[A-Za-z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
      continue;
    }
    out += c;
  }
  if (mode.unicode) {
    // Python's \b and \B on its Unicode \w (JS's \b knows ASCII word characters only, `u` or not).
    out = out.replace(/\uE000b/g, `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`).replace(/\uE000B/g, `(?:(?<=${W})(?=${W})|(?<!${W})(?!${W}))`);
  }
  return out;
}

/**
 * One escape at src[i] (a backslash): its translation and length. Inside a class \b is a backspace
 * and the class escapes give class contents; outside they give a whole class. \b and \B outside a
 * class in a str pattern come out as markers translate() replaces (they need the word class twice).
 */
function escape(src: string, i: number, mode: Mode, inClass: boolean): [string, number] {
  const n = src[i + 1] ?? '';
  if (n === '') throw new Error(`invalid regex "${src}": bad escape (end of pattern)`);
  const classEsc = (body: string, negated: boolean): string => (inClass && !negated ? body : `[${negated ? '^' : ''}${body}]`);
  if (!inClass && n === 'A') return ['(?<![\\s\\S])', 2];
  if (!inClass && n === 'Z') return ['(?![\\s\\S])', 2];
  if (n === 's' || n === 'S') return [classEsc(mode.unicode ? U_SPACE : B_SPACE, n === 'S'), 2];
  if (mode.unicode) {
    if (n === 'w' || n === 'W') return [classEsc(U_WORD, n === 'W'), 2];
    if (n === 'd') return [U_DIGIT, 2];
    if (n === 'D') return ['\\P{Nd}', 2];
    if (!inClass && (n === 'b' || n === 'B')) return [`\uE000${n}`, 2];
  }
  // sre_parse's escapes; any other ASCII letter is an error there (JS would read \p \k \c).
  if (/[A-Za-z]/.test(n) && !(mode.unicode ? 'aAbBdDfnrsStuUvwWxZ' : 'aAbBdDfnrsStvwWxZ').includes(n)) throw new Error(`invalid regex "${src}": bad escape \\${n} at position ${i}`);
  if (n === 'a') return ['\\x07', 2];
  const oct = /^(0[0-7]{0,2}|[0-3][0-7]{2})/.exec(src.slice(i + 1));
  if (oct) return [hex(String.fromCharCode(parseInt(oct[1], 8))).replace(/^\\u\{(.*)\}$/, (_, h: string) => (mode.unicode ? `\\u{${h}}` : `\\x${h.padStart(2, '0')}`)), 1 + oct[1].length];
  const big = /^U([0-9a-fA-F]{8})/.exec(src.slice(i + 1));
  if (big) {
    const cp = parseInt(big[1], 16);
    if (!mode.unicode) throw new Error(`invalid regex "${src}": bad escape \\U`);
    return [`\\u{${cp.toString(16)}}`, 10];
  }
  if (/[0-9A-Za-z]/.test(n)) return [`\\${n}`, 2];
  // A punctuation escape: the character itself. `u` mode refuses escapes of most punctuation.
  if (mode.unicode && !(U_SYNTAX.includes(n) || (inClass && n === '-'))) return [hex(String.fromCodePoint(src.codePointAt(i + 1)!)), 1 + (src.codePointAt(i + 1)! > 0xffff ? 2 : 1)];
  return [`\\${n}`, 2];
}

/**
 * A character class at src[i] (`[`): its translation and length. A negated class escape inside
 * (\W, \S in a str pattern: no `u`-mode class can hold them) turns the class into an alternation.
 */
function charClass(src: string, i: number, mode: Mode): [string, number] {
  let j = i + 1;
  let negated = false;
  if (src[j] === '^') {
    negated = true;
    j++;
  }
  let body = '';
  const extra: string[] = [];
  let first = true;
  for (; j < src.length; j++) {
    const c = src[j];
    if (c === ']' && !first) break;
    first = false;
    if (c === '\\') {
      const [text, len] = escape(src, j, mode, true);
      if (/^[dDsSwW]$/.test(src[j + 1]) && src[j + 2] === '-' && src[j + 3] !== ']') throw new Error(`invalid regex "${src}": bad character range ${src.slice(j, j + 4)}`);
      if (text.startsWith('[^')) extra.push(text);
      else body += text;
      j += len - 1;
      continue;
    }
    if (c === ']' || c === '[' || (mode.unicode && c === '/')) body += `\\${c}`;
    else body += c;
    if (mode.asciiFold && /[A-Za-z]/.test(c)) {
      // the other case of a letter, and of a letter range's letters
      const range = /^-([A-Za-z])/.exec(src.slice(j + 1));
      if (range && src[j + 2] !== ']') {
        body += `-${range[1]}`;
        j += 2;
        extra.push(...otherCase(c, range[1]));
      } else extra.push(otherCase(c, c)[0] ?? '');
    }
  }
  if (j >= src.length) throw new Error(`invalid regex "${src}": unterminated character set at position ${i}`);
  const len = j - i + 1;
  const folded = mode.asciiFold ? extra.filter((e) => e && !e.startsWith('[^')) : [];
  const negatives = extra.filter((e) => e.startsWith('[^'));
  const cls = `[${body}${folded.join('')}]`;
  if (!negatives.length) return [negated ? `[^${body}${folded.join('')}]` : cls, len];
  const any = [...(body || folded.length ? [cls] : []), ...negatives].join('|');
  return [negated ? `(?:(?!${any})[\\s\\S])` : `(?:${any})`, len];
}

/** The other case of the ASCII letters from a to b (a range of them), as class contents. */
function otherCase(a: string, b: string): string[] {
  const out: string[] = [];
  for (let code = a.charCodeAt(0); code <= b.charCodeAt(0); code++) {
    const ch = String.fromCharCode(code);
    if (!/[A-Za-z]/.test(ch)) continue;
    out.push(ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());
  }
  return out.length ? [out.join('')] : [];
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/**
 * Python's match.expand(template): \1..\99, \g<1>, \g<name>, and the usual escapes;
 * a group that did not take part expands to "".
 */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  const group = (ref: string): string => {
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n >= m.length) throw new Error(`invalid group reference ${ref} in "${template}"`);
      return m[n] ?? '';
    }
    if (!m.groups || !(ref in m.groups)) throw new Error(`unknown group name "${ref}" in "${template}"`);
    return m.groups[ref] ?? '';
  };
  return template.replace(/\\(g<([^>]*)>|\d{1,2}|.)/gs, (all, what: string, gref?: string) => {
    if (gref !== undefined) return group(gref);
    if (/^0/.test(what)) return String.fromCharCode(parseInt(what, 8)); // \0 is an octal escape, not group 0
    if (/^\d/.test(what)) return group(what);
    if (what in ESCAPES) return ESCAPES[what];
    if (/[A-Za-z]/.test(what)) throw new Error(`bad escape \\${what} in "${template}"`);
    return all;
  });
}
