/**
 * Ansible 2.14's filters that run Python's os.path, glob, ntpath, urllib and time on the controller
 * (plugins/filter/core.py, urlsplit.py): splitext, realpath, relpath, expandvars, fileglob, win_basename,
 * win_dirname, win_splitdrive, urlsplit, strftime; and the string digests md5, sha1, checksum
 * (utils/hashing.py's secure_hash_s).
 */
import { createHash } from 'node:crypto';
import { lstatSync, opendirSync, readlinkSync, statSync } from 'node:fs';
import { fnmatchRegExp } from '../fnmatch.js';
import { ExprValueError } from './errors.js';
import { tuple } from './filters-jinja.js';
import type { Args, FilterDef } from './signature.js';
import { pyRepr, pyStr, setKey, truthy, typeName, type Mapping } from './values.js';

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ExprValueError(`${what} needs a string, got '${typeName(v)}'`);
  return v;
}

/** os.path.splitext: (root, ext); leading dots of the name are no extension. */
export function splitext(p: string): unknown[] {
  const sep = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  if (dot > sep) {
    for (let i = sep + 1; i < dot; i++) if (p[i] !== '.') return tuple(p.slice(0, dot), p.slice(dot));
  }
  return tuple(p, '');
}

/** posixpath.normpath. */
function normpath(p: string): string {
  if (p === '') return '.';
  const initial = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..' || (!initial && !out.length) || (out.length && out[out.length - 1] === '..')) out.push(c);
    else if (out.length) out.pop();
  }
  const s = '/'.repeat(initial) + out.join('/');
  return s || '.';
}

/** posixpath.realpath(strict=False) on the controller: symlinks resolved part by part, a missing part kept. */
export function realpath(p: string, cwd = process.cwd()): string {
  const seen = new Map<string, string | undefined>();
  const join = (a: string, b: string): string => (b.startsWith('/') ? b : a.endsWith('/') ? a + b : `${a}/${b}`);
  const walk = (path: string, rest: string): [string, boolean] => {
    if (rest.startsWith('/')) {
      rest = rest.slice(1);
      path = '/';
    }
    while (rest) {
      const i = rest.indexOf('/');
      const name = i < 0 ? rest : rest.slice(0, i);
      rest = i < 0 ? '' : rest.slice(i + 1);
      if (!name || name === '.') continue;
      if (name === '..') {
        path = path === '/' ? '/' : path.slice(0, Math.max(1, path.lastIndexOf('/'))) || '..';
        continue;
      }
      const next = join(path, name);
      let isLink = false;
      try {
        isLink = lstatSync(next).isSymbolicLink();
      } catch {
        isLink = false;
      }
      if (!isLink) {
        path = next;
        continue;
      }
      if (seen.has(next)) {
        const known = seen.get(next);
        if (known !== undefined) {
          path = known;
          continue;
        }
        // A symlink loop: Python returns the path as far as it got.
        return [join(next, rest), false];
      }
      seen.set(next, undefined);
      const [resolved, ok] = walk(path, readlinkSync(next));
      if (!ok) return [join(resolved, rest), false];
      path = resolved;
      seen.set(next, path);
    }
    return [path, true];
  };
  const abs = p.startsWith('/') ? p : join(cwd, p);
  return normpath(walk('/', abs)[0]);
}

/** urllib.parse.urlsplit (Python 3.11) as the dict helpers.object_to_dict makes of it. */
export function urlsplit(input: string): Mapping {
  // Leading C0 controls and spaces are stripped, tabs and newlines removed anywhere.
  // eslint-disable-next-line no-control-regex -- Python strips every C0 control character first
  let url = input.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = url.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith('//')) {
    const m = /[/?#]/.exec(url.slice(2));
    const end = m ? m.index + 2 : url.length;
    netloc = url.slice(2, end);
    url = url.slice(end);
    if ((netloc.includes('[') && !netloc.includes(']')) || (netloc.includes(']') && !netloc.includes('['))) throw new ExprValueError('Invalid IPv6 URL');
  }
  const hash = url.indexOf('#');
  if (hash >= 0) [url, fragment] = [url.slice(0, hash), url.slice(hash + 1)];
  const q = url.indexOf('?');
  if (q >= 0) [url, query] = [url.slice(0, q), url.slice(q + 1)];
  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : undefined;
  const hostinfo = at >= 0 ? netloc.slice(at + 1) : netloc;
  let hostname: string;
  let port: string;
  const br = hostinfo.indexOf('[');
  if (br >= 0) {
    const inner = hostinfo.slice(br + 1);
    const close = inner.indexOf(']');
    hostname = close >= 0 ? inner.slice(0, close) : inner;
    const after = close >= 0 ? inner.slice(close + 1) : '';
    const c = after.indexOf(':');
    port = c >= 0 ? after.slice(c + 1) : '';
  } else {
    const c = hostinfo.indexOf(':');
    hostname = c >= 0 ? hostinfo.slice(0, c) : hostinfo;
    port = c >= 0 ? hostinfo.slice(c + 1) : '';
  }
  let portNum: number | null = null;
  if (port) {
    if (!/^[0-9]+$/.test(port)) throw new ExprValueError(`Port could not be cast to integer value as ${pyRepr(port)}`);
    portNum = Number(port);
    if (portNum > 65535) throw new ExprValueError('Port out of range 0-65535');
  }
  const pct = hostname.indexOf('%');
  const host = hostname ? (pct >= 0 ? hostname.slice(0, pct).toLowerCase() + hostname.slice(pct) : hostname.toLowerCase()) : null;
  const ci = userinfo === undefined ? -1 : userinfo.indexOf(':');
  const out: Mapping = {};
  const parts: [string, unknown][] = [
    ['fragment', fragment],
    ['hostname', host],
    ['netloc', netloc],
    ['password', userinfo !== undefined && ci >= 0 ? userinfo.slice(ci + 1) : null],
    ['path', url],
    ['port', portNum],
    ['query', query],
    ['scheme', scheme],
    ['username', userinfo === undefined ? null : ci >= 0 ? userinfo.slice(0, ci) : userinfo],
  ];
  for (const [k, v] of parts) setKey(out, k, v);
  return out;
}

function urlsplitFilter(v: unknown, a: Args): unknown {
  const parts = urlsplit(text(v, 'urlsplit'));
  const query = a.query === undefined || a.query === null ? '' : a.query;
  if (!truthy(query)) return parts;
  if (typeof query !== 'string' || !Object.hasOwn(parts, query)) throw new ExprValueError(`urlsplit: unknown URL component: ${pyStr(query)}`);
  return parts[query];
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Tm {
  year: number;
  mon: number; // 0-11
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number; // 0 = Sunday
  yday: number; // 0-365
  zone: string;
  offset: number; // minutes east of UTC
  epoch: number;
}

export function tmOf(epoch: number, utc: boolean): Tm {
  const d = new Date(epoch * 1000);
  const get = utc
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth(), da: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), w: d.getUTCDay() }
    : { y: d.getFullYear(), mo: d.getMonth(), da: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds(), w: d.getDay() };
  const yday = Math.round((Date.UTC(get.y, get.mo, get.da) - Date.UTC(get.y, 0, 1)) / 86_400_000);
  const offset = utc ? 0 : -d.getTimezoneOffset();
  let zone = 'GMT';
  if (!utc) {
    zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (zone === 'GMT' && offset === 0) zone = 'UTC';
  }
  // glibc's %s is mktime() of the fields, read as local time.
  const asLocal = new Date(get.y, get.mo, get.da, get.h, get.mi, get.s).getTime() / 1000;
  return { year: get.y, mon: get.mo, mday: get.da, hour: get.h, min: get.mi, sec: get.s, wday: get.w, yday, zone, offset, epoch: utc ? asLocal : Math.floor(epoch) };
}

/** ISO 8601 week-based year and week number. */
function isoWeek(tm: Tm): [number, number] {
  const wdayMon = (tm.wday + 6) % 7; // Monday = 0
  const thursdayYday = tm.yday - wdayMon + 3;
  const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (thursdayYday < 0) {
    const py = tm.year - 1;
    const pyDays = leap(py) ? 366 : 365;
    return [py, Math.floor((thursdayYday + pyDays) / 7) + 1];
  }
  const days = leap(tm.year) ? 366 : 365;
  if (thursdayYday >= days) return [tm.year + 1, 1];
  return [tm.year, Math.floor(thursdayYday / 7) + 1];
}

/** glibc strftime in the C locale, with its `-` `_` `0` `^` `#` flags and a field width. */
export function strftime(fmt: string, tm: Tm): string {
  const h12 = tm.hour % 12 === 0 ? 12 : tm.hour % 12;
  return fmt.replace(/%([-_0^#]*)(\d*)([EO]?)(.)/gsu, (whole, flags: string, width: string, _mod: string, c: string) => {
    const num = (n: number, w: number, pad = '0'): [string, number, string] => [String(n), w, pad];
    const field = ((): [string, number, string] | string | undefined => {
      switch (c) {
        case 'a':
          return DAYS[tm.wday].slice(0, 3);
        case 'A':
          return DAYS[tm.wday];
        case 'b':
        case 'h':
          return MONTHS[tm.mon].slice(0, 3);
        case 'B':
          return MONTHS[tm.mon];
        case 'c':
          return strftime('%a %b %e %H:%M:%S %Y', tm);
        case 'C':
          return num(Math.floor(tm.year / 100), 2);
        case 'd':
          return num(tm.mday, 2);
        case 'D':
        case 'x':
          return strftime('%m/%d/%y', tm);
        case 'e':
          return num(tm.mday, 2, ' ');
        case 'F':
          return strftime('%Y-%m-%d', tm);
        case 'g':
          return num(isoWeek(tm)[0] % 100, 2);
        case 'G':
          return num(isoWeek(tm)[0], 1);
        case 'H':
          return num(tm.hour, 2);
        case 'I':
          return num(h12, 2);
        case 'j':
          return num(tm.yday + 1, 3);
        case 'k':
          return num(tm.hour, 2, ' ');
        case 'l':
          return num(h12, 2, ' ');
        case 'm':
          return num(tm.mon + 1, 2);
        case 'M':
          return num(tm.min, 2);
        case 'n':
          return '\n';
        case 'p':
          return tm.hour < 12 ? 'AM' : 'PM';
        case 'P':
          return tm.hour < 12 ? 'am' : 'pm';
        case 'r':
          return strftime('%I:%M:%S %p', tm);
        case 'R':
          return strftime('%H:%M', tm);
        case 's':
          return num(tm.epoch, 1);
        case 'S':
          return num(tm.sec, 2);
        case 't':
          return '\t';
        case 'T':
        case 'X':
          return strftime('%H:%M:%S', tm);
        case 'u':
          return num(tm.wday === 0 ? 7 : tm.wday, 1);
        case 'U':
          return num(Math.floor((tm.yday + 7 - tm.wday) / 7), 2);
        case 'V':
          return num(isoWeek(tm)[1], 2);
        case 'w':
          return num(tm.wday, 1);
        case 'W':
          return num(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7), 2);
        case 'y':
          return num(tm.year % 100, 2);
        case 'Y':
          return num(tm.year, 1);
        case 'z': {
          const o = Math.abs(tm.offset);
          return `${tm.offset < 0 ? '-' : '+'}${String(Math.floor(o / 60)).padStart(2, '0')}${String(o % 60).padStart(2, '0')}`;
        }
        case 'Z':
          return tm.zone;
        case '%':
          return '%';
        default:
          return undefined;
      }
    })();
    if (field === undefined) return whole;
    const w = width ? Number(width) : 0;
    let out: string;
    if (typeof field === 'string') out = w > field.length ? (flags.includes('0') ? '0' : ' ').repeat(w - field.length) + field : field;
    else {
      const [digits, natural, pad] = field;
      const p = flags.includes('-') ? '' : flags.includes('_') ? ' ' : flags.includes('0') ? '0' : pad;
      const neg = digits.startsWith('-');
      const body = neg ? digits.slice(1) : digits;
      const len = Math.max(w || natural, 0) - (neg ? 1 : 0);
      out = (neg ? '-' : '') + (p && body.length < len ? p.repeat(len - body.length) : '') + body;
    }
    return flags.includes('^') ? out.toUpperCase() : flags.includes('#') && /^[A-Z]+$/.test(out) ? out.toLowerCase() : out;
  });
}

function strftimeFilter(v: unknown, a: Args): string {
  let second: number;
  if (a.second === undefined || a.second === null) second = Date.now() / 1000;
  else {
    const s = a.second;
    second = typeof s === 'number' || typeof s === 'boolean' ? Number(s) : typeof s === 'string' && s.trim() !== '' && !Number.isNaN(Number(s.trim())) ? Number(s.trim()) : NaN;
    if (!Number.isFinite(second)) throw new ExprValueError(`Invalid value for epoch value (${pyStr(s)})`);
  }
  return strftime(text(v, 'strftime'), tmOf(Math.floor(second), truthy(a.utc)));
}

/** posixpath.relpath(path, start=os.curdir): both made absolute (abspath, no symlinks resolved), then the way up and down. */
function relpath(p: string, start: string): string {
  if (p === '') throw new ExprValueError('no path specified');
  const abs = (x: string): string[] =>
    normpath(x.startsWith('/') ? x : `${process.cwd()}/${x}`)
      .split('/')
      .filter(Boolean);
  const [to, from] = [abs(p), abs(start)];
  let i = 0;
  while (i < to.length && i < from.length && to[i] === from[i]) i++;
  const parts = [...from.slice(i).map(() => '..'), ...to.slice(i)];
  return parts.length ? parts.join('/') : '.';
}

/** posixpath.expandvars: `$name` and `${name}` (name: ASCII word characters) from the controller's environment; unknown ones stay. */
function expandvars(p: string): string {
  if (!p.includes('$')) return p;
  return p.replace(/\$(\w+|\{[^}]*\})/g, (whole: string, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    const v = process.env[key];
    return v === undefined ? whole : v;
  });
}

const MAGIC = /[*?[]/;
/** os.path.join as Python does it: no normalising (`./x` stays `./x`). */
const pyJoin = (d: string, n: string): string => (d === '' ? n : d.endsWith('/') ? d + n : `${d}/${n}`);
const lexists = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};
const isDirectory = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};
/** os.path.isfile: a regular file, a symlink to one included. */
export const isRegular = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Names in `dir` matching `pattern`, in the directory's own order (os.scandir), dot names only for a dot pattern. */
export function globNames(dir: string, pattern: string): string[] {
  const re = fnmatchRegExp(pattern);
  const out: string[] = [];
  let d;
  try {
    d = opendirSync(dir || '.');
  } catch {
    return out;
  }
  try {
    for (let e = d.readSync(); e; e = d.readSync()) if ((!e.name.startsWith('.') || pattern.startsWith('.')) && re.test(e.name)) out.push(e.name);
  } finally {
    d.closeSync();
  }
  return out;
}

/** Python's glob.glob (not recursive): magic in any part of the path, relative to the working directory. */
function pyGlob(path: string): string[] {
  if (!MAGIC.test(path)) return lexists(path) ? [path] : [];
  const cut = path.lastIndexOf('/') + 1;
  let dir = path.slice(0, cut);
  const base = path.slice(cut);
  if (/[^/]/.test(dir)) dir = dir.replace(/\/+$/, '');
  const dirs = dir === '' ? [''] : MAGIC.test(dir) ? pyGlob(dir) : [dir];
  return dirs.flatMap((d) => {
    if (MAGIC.test(base)) return globNames(d, base).map((n) => pyJoin(d, n));
    if (base === '') return isDirectory(d) ? [pyJoin(d, '')] : [];
    return lexists(pyJoin(d, base)) ? [pyJoin(d, base)] : [];
  });
}

/** ntpath.splitdrive: a drive letter (`C:`) or a UNC share (`\\\\host\\share`) and the rest. */
function winSplitdrive(p: string): [string, string] {
  const n = p.replace(/\//g, '\\');
  if (n.startsWith('\\\\') && !n.startsWith('\\\\\\')) {
    const sep = n.indexOf('\\', 2);
    if (sep === -1) return ['', p];
    let sep2 = n.indexOf('\\', sep + 1);
    if (sep2 === sep + 1) return ['', p];
    if (sep2 === -1) sep2 = p.length;
    return [p.slice(0, sep2), p.slice(sep2)];
  }
  return p[1] === ':' ? [p.slice(0, 2), p.slice(2)] : ['', p];
}

/** ntpath.split: drive kept with the head; trailing separators stripped from the head unless it is all separators. */
function winSplit(p: string): [string, string] {
  const [drive, rest] = winSplitdrive(p);
  let i = rest.length;
  while (i && !'/\\'.includes(rest[i - 1])) i--;
  const tail = rest.slice(i);
  let head = rest.slice(0, i);
  const stripped = head.replace(/[/\\]+$/, '');
  if (stripped) head = stripped;
  return [drive + head, tail];
}

/** secure_hash_s: the digest of the value's text (to_bytes' simplerepr: str() of a non-string). */
const digest = (algo: string): FilterDef => ({ fn: (v) => createHash(algo).update(pyStr(v), 'utf8').digest('hex') });

export const SYSTEM_FILTERS: Record<string, FilterDef> = {
  splitext: { fn: (v) => splitext(text(v, 'splitext')) },
  realpath: { fn: (v) => realpath(text(v, 'realpath')) },
  relpath: { params: ['start'], fn: (v, a) => relpath(text(v, 'relpath'), a.start === undefined ? '.' : text(a.start, 'relpath')) },
  expandvars: { fn: (v) => expandvars(text(v, 'expandvars')) },
  fileglob: { fn: (v) => pyGlob(text(v, 'fileglob')).filter(isRegular) },
  win_basename: { fn: (v) => winSplit(text(v, 'win_basename'))[1] },
  win_dirname: { fn: (v) => winSplit(text(v, 'win_dirname'))[0] },
  win_splitdrive: { fn: (v) => tuple(...winSplitdrive(text(v, 'win_splitdrive'))) },
  urlsplit: { params: ['query'], fn: urlsplitFilter },
  strftime: { params: ['second', 'utc'], fn: strftimeFilter },
  md5: digest('md5'),
  sha1: digest('sha1'),
  checksum: digest('sha1'),
};
