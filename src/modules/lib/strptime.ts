/**
 * Python 3's time.strptime (CPython's _strptime.py) for the directives a timestamp needs: the format
 * becomes a case-insensitive regex that must match the whole text, with _strptime's digit ranges,
 * its whitespace rule (any run of format whitespace matches one or more spaces) and its error
 * messages. What file's modification_time/access_time give time.mktime: the local wall-clock fields,
 * turned into seconds on the host (its time zone).
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

// _strptime.TimeRE's patterns (C locale names).
const PATTERNS: Record<string, string> = {
  d: '(?<d>3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])',
  H: '(?<H>2[0-3]|[0-1]\\d|\\d)',
  I: '(?<I>1[0-2]|0[1-9]|[1-9])',
  j: '(?<j>36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9])',
  m: '(?<m>1[0-2]|0[1-9]|[1-9])',
  M: '(?<M>[0-5]\\d|\\d)',
  S: '(?<S>6[0-1]|[0-5]\\d|\\d)',
  y: '(?<y>\\d\\d)',
  Y: '(?<Y>\\d\\d\\d\\d)',
  b: `(?<b>${MONTHS.map((m) => m.slice(0, 3)).join('|')})`,
  B: `(?<B>${MONTHS.join('|')})`,
  a: `(?<a>${DAYS.map((d) => d.slice(0, 3)).join('|')})`,
  A: `(?<A>${DAYS.join('|')})`,
  p: '(?<p>am|pm)',
};
PATTERNS.h = PATTERNS.b.replace('<b>', '<h>');
PATTERNS.e = PATTERNS.d.replace('<d>', '<e>');

/** Python's repr of a str, as _strptime's messages quote the text and the format. */
const pyRepr = (s: string) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

function compile(format: string): RegExp {
  let re = '';
  const seen = new Set<string>();
  // _strptime.TimeRE.pattern: regex characters escaped, whitespace runs to \s+.
  const text = format.replace(/([\\.^$*+?()[\]{}|])/g, '\\$1').replace(/\s+/g, '\\s+');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '%') {
      re += c;
      continue;
    }
    const k = text[++i];
    if (k === '%') re += '%';
    else if (k !== undefined && PATTERNS[k]) {
      // Python's re refuses a group named twice ("redefinition of group name").
      if (seen.has(k)) throw new Error(`redefinition of group name '${k}'`);
      seen.add(k);
      re += PATTERNS[k];
    } else if (k === undefined) throw new Error('stray % in format ' + pyRepr(format));
    else throw new Error(`'${k}' is a bad directive in format ${pyRepr(format)}`);
  }
  return new RegExp(`^(?:${re})`, 'i');
}

/** time.strptime's fields for a timestamp, or its ValueError's message. */
export function strptime(value: string, format: string): WallClock {
  const m = compile(format).exec(value);
  if (!m) throw new Error(`time data ${pyRepr(value)} does not match format ${pyRepr(format)}`);
  if (m[0].length !== value.length) throw new Error(`unconverted data remains: ${value.slice(m[0].length)}`);
  const g = m.groups ?? {};
  const num = (k: string) => (g[k] !== undefined ? Number(g[k].trim()) : undefined);
  let year = num('Y') ?? 1900;
  const y = num('y');
  if (g.Y === undefined && y !== undefined) year = y <= 68 ? 2000 + y : 1900 + y;
  const name = g.B ?? g.b ?? g.h;
  let month = num('m') ?? (name !== undefined ? MONTHS.findIndex((n) => n.startsWith(name.toLowerCase())) + 1 : 1);
  let day = num('d') ?? num('e') ?? 1;
  let hour = num('H') ?? 0;
  const h12 = num('I');
  if (h12 !== undefined) {
    const pm = g.p?.toLowerCase() === 'pm';
    hour = h12 === 12 ? (pm ? 12 : 0) : pm ? h12 + 12 : h12;
  }
  const julian = num('j');
  if (julian !== undefined && g.m === undefined && name === undefined && g.d === undefined && g.e === undefined) {
    const t = new Date(Date.UTC(year, 0, julian));
    month = t.getUTCMonth() + 1;
    day = t.getUTCDate();
  }
  // datetime_date(year, month, day): a day the month has not.
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > last) throw new Error('day is out of range for month');
  return { year, month, day, hour, minute: num('M') ?? 0, second: num('S') ?? 0 };
}

/** "YYYY-MM-DD HH:MM:SS", what GNU date -d reads as the host's local time (time.mktime's meaning). */
export function wallClockText(t: WallClock): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(t.second)}`;
}
