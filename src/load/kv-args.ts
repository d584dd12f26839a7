/**
 * Ansible's `key=value` module arguments (`stat: path=/x get_checksum=no`), split the way
 * ansible-core 2.14 does (parsing/splitter.py: split_args + parse_kv): words break on
 * whitespace outside quotes and outside `{{ }}`, `{% %}`, `{# #}`; a word's first unescaped
 * `=` separates key from value; the value's surrounding quotes go and its escapes (\n, \t,
 * \uXXXX...) are decoded. Words without `=` are returned apart (free-form words).
 */

export interface KeyValueArgs {
  args: Record<string, string>;
  /** Words that are not key=value, in order. */
  words: string[];
}

const BLOCKS: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };

/** Words of an argument string; throws on an unclosed quote or Jinja block. */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  const blocks: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === quote) quote = '';
      continue;
    }
    if (BLOCKS[two]) {
      blocks.push(BLOCKS[two]);
      cur += two;
      i++;
      continue;
    }
    if (blocks.length && two === blocks[blocks.length - 1]) {
      blocks.pop();
      cur += two;
      i++;
      continue;
    }
    if (!blocks.length && /\s/.test(c)) {
      if (cur) words.push(cur);
      cur = '';
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    cur += c;
  }
  if (quote) throw new Error(`no closing quotation (${quote}) in the argument string; quote the whole value`);
  if (blocks.length) throw new Error(`unclosed "${blocks[blocks.length - 1] === '}}' ? '{{' : blocks[blocks.length - 1] === '%}' ? '{%' : '{#'}" in the argument string`);
  if (cur) words.push(cur);
  return words;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** Python's unicode_escape for the escapes people write (\n, \t, \\, \", \xHH, \uXXXX); others stay as written. */
function decodeEscapes(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|[ntr\\'"abfv])/g, (m, e: string) => {
    if (e.length === 1) return ESCAPES[e];
    return String.fromCodePoint(parseInt(e.slice(1), 16));
  });
}

function unquote(v: string): string {
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v;
}

export function parseKeyValue(text: string): KeyValueArgs {
  const args: Record<string, string> = {};
  const words: string[] = [];
  for (const word of splitArgs(text)) {
    const x = decodeEscapes(word);
    let pos = -1;
    for (let i = 1; i < x.length; i++) {
      if (x[i] === '=' && x[i - 1] !== '\\') {
        pos = i;
        break;
      }
    }
    if (pos < 0) words.push(x.replace(/\\=/g, '='));
    else args[x.slice(0, pos).trim()] = unquote(x.slice(pos + 1).trim());
  }
  return { args, words };
}
