/**
 * Filters real roles use that came late (session 24), each as ansible-core 2.14 or Jinja 3.1 computes it:
 *   human_to_bytes, human_readable   plugins/filter/mathstuff.py over module_utils/common/text/formatters.py
 *   symmetric_difference             mathstuff.py (lists: the union less the intersection, in order)
 *   to_uuid                          core.py: uuid5 in Ansible's namespace (or the one given)
 *   shuffle                          core.py randomize_list: with `seed=` Python's Random(seed).shuffle
 *                                    (the same order as Ansible); without one, random each run
 *   urlencode, wordwrap              Jinja 3.1's filters (utils.url_quote; textwrap.TextWrapper)
 */
import { createHash } from 'node:crypto';
import { ExprValueError } from './errors.js';
import { percentFormat } from './filters-printf.js';
import { pythonRandom } from './filters-random.js';
import type { FilterDef } from './signature.js';
import { equals, isMapping, isNumber, iterate, keysOf, pyStr, typeName } from './values.js';

/** formatters.py SIZE_RANGES, largest first. */
const SIZES: [string, number][] = [
  ['Y', 2 ** 80],
  ['Z', 2 ** 70],
  ['E', 2 ** 60],
  ['P', 2 ** 50],
  ['T', 2 ** 40],
  ['G', 2 ** 30],
  ['M', 2 ** 20],
  ['K', 2 ** 10],
  ['B', 1],
];

/** Python's round() of a float to an int: halves to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** str() of the input as formatters.py reads it (`str(number)`). */
const asText = (v: unknown): string => pyStr(v);

/** formatters.human_to_bytes; every ValueError becomes mathstuff's "can't interpret" error. */
function humanToBytes(v: unknown, defaultUnit: unknown, isbits: unknown): number {
  const text = asText(v);
  const fail = (): never => {
    throw new ExprValueError(`human_to_bytes() can't interpret following string: ${text}`);
  };
  const m = /^[ \t\n\r\f\v]*(\d*\.?\d*)[ \t\n\r\f\v]*([A-Za-z]+)?/u.exec(text);
  if (!m) fail();
  const digits = m![1];
  if (digits === '' || digits === '.') fail();
  const num = Number(digits);
  let unit = m![2] as string | undefined;
  if (unit === undefined) unit = defaultUnit === undefined || defaultUnit === null ? undefined : pyStr(defaultUnit);
  if (unit === undefined) return roundHalfEven(num);
  const key = unit[0].toUpperCase();
  const limit = SIZES.find(([k]) => k === key)?.[1];
  if (limit === undefined) fail();
  const [unitClass, unitName] = isbits ? ['b', 'bit'] : ['B', 'byte'];
  if ([...unit].length > 1 && !unit.toLowerCase().includes(unitName) && unit[1] !== unitClass) fail();
  return roundHalfEven(num * limit!);
}

/** formatters.bytes_to_human: the first range the size reaches (or the unit's), `%.2f` and its suffix. */
function bytesToHuman(v: unknown, isbits: unknown, unit: unknown): string {
  if (!isNumber(v) && typeof v !== 'boolean') {
    throw new ExprValueError(`human_readable() failed on bad input: '>=' not supported between instances of '${typeName(v)}' and 'int'`);
  }
  const size = Number(v);
  const base = isbits ? 'bits' : 'Bytes';
  let [suffix, limit] = SIZES[SIZES.length - 1];
  for (const [s, l] of SIZES) {
    if ((unit === undefined || unit === null) && size >= l) {
      [suffix, limit] = [s, l];
      break;
    }
    if (unit !== undefined && unit !== null && pyStr(unit).toUpperCase() === s) {
      [suffix, limit] = [s, l];
      break;
    }
  }
  suffix = limit !== 1 ? suffix + base[0] : base;
  return `${percentFormat('%.2f', size / limit, false)} ${suffix}`;
}

/** mathstuff.py on two lists: unique(a + b) less the items of both (as intersect: those of a also in b). */
function symmetricDifference(a: unknown, b: unknown): unknown[] {
  const la = iterate(a, 'symmetric_difference');
  const lb = iterate(b, 'symmetric_difference');
  const union: unknown[] = [];
  for (const x of [...la, ...lb]) if (!union.some((y) => equals(x, y))) union.push(x);
  const both = la.filter((x) => lb.some((y) => equals(x, y)));
  return union.filter((x) => !both.some((y) => equals(x, y)));
}

/** Ansible's UUID_NAMESPACE_ANSIBLE. */
const ANSIBLE_NAMESPACE = '361e6d51-faec-444a-9079-341386da8e2e';

/** uuid.UUID(text): braces and `urn:uuid:` dropped, hyphens ignored, 32 hex digits. */
function uuidBytes(ns: unknown): Buffer {
  const text = pyStr(ns);
  const hex = text
    .replace(/^urn:/, '')
    .replace(/^uuid:/, '')
    .replace(/^\{|\}$/g, '')
    .replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new ExprValueError(`Invalid value '${text}' for 'namespace': badly formed hexadecimal UUID string`);
  return Buffer.from(hex, 'hex');
}

/** uuid.uuid5: SHA-1 of the namespace's bytes and the name's, version 5, RFC 4122 variant. */
function uuid5(name: unknown, namespace: unknown): string {
  const h = createHash('sha1')
    .update(uuidBytes(namespace))
    .update(Buffer.from(pyStr(name), 'utf8'))
    .digest()
    .subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** core.py randomize_list: list(x) shuffled; a truthy seed makes it Python's Random(seed).shuffle, else random; a failure leaves the list as is. */
function shuffle(v: unknown, seed: unknown): unknown[] {
  let items: unknown[];
  try {
    items = [...iterate(v, 'shuffle')];
  } catch {
    return v as unknown[];
  }
  let below: (n: number) => number;
  try {
    below = pythonRandom(seed !== undefined && seed !== null && seed !== false && seed !== 0 && seed !== '' ? seed : undefined);
  } catch {
    return items;
  }
  for (let i = items.length - 1; i > 0; i--) {
    const j = below(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Python's urllib.parse.quote_from_bytes over UTF-8: letters, digits, `_.-~` and `safe` kept. */
function urlQuote(v: unknown, forQs: boolean): string {
  const bytes = Buffer.from(pyStr(v), 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.\-~]/.test(c) || (!forQs && c === '/') ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return forQs ? out.replace(/%20/g, '+') : out;
}

/** Jinja's do_urlencode: a string (or a non-iterable) quoted with `/` safe; a mapping's or a list of pairs' items as a query string. */
function urlencode(v: unknown): string {
  if (typeof v === 'string' || !(Array.isArray(v) || isMapping(v))) return urlQuote(v, false);
  const items: unknown[][] = isMapping(v)
    ? keysOf(v).map((k) => [k, v[k]])
    : v.map((p) => {
        const pair = typeof p === 'string' ? [...p] : Array.isArray(p) ? p : undefined;
        if (!pair || pair.length !== 2) throw new ExprValueError(`urlencode: each item must be a (key, value) pair, got ${pyStr(p)}`);
        return pair;
      });
  return items.map(([k, x]) => `${urlQuote(k, true)}=${urlQuote(x, true)}`).join('&');
}

// textwrap (CPython 3.11) with Jinja's settings: expand_tabs and replace_whitespace off, drop_whitespace on.
const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const W = '[\\p{L}\\p{N}_]';
const WP = `(?:${W}|[!"'&.,?])`;
const LT = '[\\p{L}_]';
/** TextWrapper.wordsep_re: whitespace runs, em-dashes, words split after their hyphens. */
const WORDSEP = new RegExp(`(${WS}+|(?<=${WP})-{2,}(?=${W})|${NWS}+?(?:-(?:(?<=${LT}{2}-)|(?<=${LT}-${LT}-))(?=${LT}-?${LT})|(?=${WS}|$)|(?<=${WP})(?=-{2,}${W})))`, 'u');
const WORDSEP_SIMPLE = new RegExp(`(${WS}+)`, 'u');
const isBlank = (s: string): boolean => s.trim() === '';
const len = (s: string): number => [...s].length;

function wrapLine(text: string, width: number, breakLong: boolean, breakOnHyphens: boolean): string[] {
  const chunks = text
    .split(breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE)
    .filter((c) => c)
    .reverse();
  const lines: string[] = [];
  while (chunks.length) {
    const cur: string[] = [];
    let curLen = 0;
    if (isBlank(chunks[chunks.length - 1]) && lines.length) chunks.pop();
    while (chunks.length) {
      const l = len(chunks[chunks.length - 1]);
      if (curLen + l > width) break;
      cur.push(chunks.pop()!);
      curLen += l;
    }
    if (chunks.length && len(chunks[chunks.length - 1]) > width) {
      // _handle_long_word
      const spaceLeft = width < 1 ? 1 : width - curLen;
      if (breakLong) {
        const chunk = [...chunks[chunks.length - 1]];
        let end = spaceLeft;
        if (breakOnHyphens && chunk.length > spaceLeft) {
          const hyphen = chunk.slice(0, spaceLeft).lastIndexOf('-');
          if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
        }
        cur.push(chunk.slice(0, end).join(''));
        chunks[chunks.length - 1] = chunk.slice(end).join('');
      } else if (!cur.length) cur.push(chunks.pop()!);
    }
    if (cur.length && isBlank(cur[cur.length - 1])) cur.pop();
    if (cur.length) lines.push(cur.join(''));
  }
  return lines;
}

/** Python's str.splitlines. */
// eslint-disable-next-line no-control-regex -- Python counts \v, \f and the file/group/record separators as line ends
const splitlines = (s: string): string[] => (s === '' ? [] : s.replace(/(\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])$/u, '').split(/\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/u));

/** Jinja's do_wordwrap: each line of the text wrapped on its own, joined with `wrapstring` (a newline). */
function wordwrap(v: unknown, a: Record<string, unknown>): string {
  const width = a.width === undefined ? 79 : Number(a.width);
  if (!Number.isInteger(width)) throw new ExprValueError(`wordwrap: width must be an integer, got '${typeName(a.width)}'`);
  if (width <= 0) throw new ExprValueError(`invalid width ${width} (must be > 0)`);
  const wrapstring = a.wrapstring === undefined || a.wrapstring === null ? '\n' : pyStr(a.wrapstring);
  const flag = (k: string): boolean => (a[k] === undefined ? true : Boolean(a[k]));
  return splitlines(pyStr(v))
    .map((line) => wrapLine(line, width, flag('break_long_words'), flag('break_on_hyphens')).join(wrapstring))
    .join(wrapstring);
}

export const EXTRA_FILTERS: Record<string, FilterDef> = {
  human_to_bytes: { params: ['default_unit', 'isbits'], fn: (v, a) => humanToBytes(v, a.default_unit, a.isbits) },
  human_readable: { params: ['isbits', 'unit'], fn: (v, a) => bytesToHuman(v, a.isbits, a.unit) },
  symmetric_difference: { params: ['other'], required: 1, fn: (v, a) => symmetricDifference(v, a.other) },
  to_uuid: { params: ['namespace'], fn: (v, a) => uuid5(v, a.namespace ?? ANSIBLE_NAMESPACE) },
  shuffle: { params: ['seed'], fn: (v, a) => shuffle(v, a.seed) },
  urlencode: { fn: (v) => urlencode(v) },
  wordwrap: { params: ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'], fn: (v, a) => wordwrap(v, a) },
};
