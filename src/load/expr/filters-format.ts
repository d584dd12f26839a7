/** Filters that encode: JSON, YAML, base64, hashes, paths, shell quoting. */
import { createHash, getHashes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { quote } from '../../transport/quote.js';
import { parsePyYaml } from '../yaml-source.js';
import { ExprValueError } from './errors.js';
import { UnsafeText } from './unsafe.js';
import { int, str } from './filters-text.js';
import { pyYamlDump, type DumpOptions } from './pyyaml-emit.js';
import type { FilterDef } from './signature.js';
import { numStr, PyFloat, pyStr, toPlain, toText, truthy } from './values.js';

/** Python codec names b64encode/b64decode take, as Node's encodings (Windows roles use utf-16-le). */
const CODECS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'utf-16-le': 'utf16le',
  utf_16_le: 'utf16le',
  'utf-16le': 'utf16le',
  'latin-1': 'latin1',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
};

function codec(enc: unknown, what: string): BufferEncoding {
  if (enc === undefined || enc === null) return 'utf8';
  const e = CODECS[String(enc).toLowerCase()];
  if (!e) throw new ExprValueError(`${what}: encoding '${String(enc)}' is not supported (nodemend has: utf-8, utf-16-le, latin-1)`);
  return e;
}

function parsing(what: string, parse: (s: string) => unknown, onlyText = false): FilterDef {
  return {
    fn: (v) => {
      if (onlyText && typeof v !== 'string' && !(v instanceof UnsafeText)) return v;
      try {
        return parse(str(v, what));
      } catch (e) {
        throw new ExprValueError(`${what}: ${(e as Error).message}`);
      }
    },
  };
}

/** Python's os.path.dirname: everything before the last "/", trailing slashes dropped unless it is all slashes. */
function dirname(p: string): string {
  const head = p.slice(0, p.lastIndexOf('/') + 1);
  return /^\/+$/.test(head) ? head : head.replace(/\/+$/, '');
}

/** Python's os.path.join: an absolute part restarts the path. */
function pathJoin(parts: unknown[]): string {
  let out = '';
  for (const part of parts.map((p) => str(p, 'path_join'))) {
    if (part.startsWith('/') || out === '') out = part;
    else out = out.endsWith('/') ? out + part : `${out}/${part}`;
  }
  return out;
}

/** The home directory of `user` from the controller's /etc/passwd (undefined when there is none). */
function homeOf(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f.length > 5) return f[5];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Python's os.path.expanduser on the controller (where Ansible's filter runs): ~ and ~user; an unknown user stays as written. */
function expanduser(p: string): string {
  if (!p.startsWith('~')) return p;
  const slash = p.indexOf('/', 1);
  const i = slash < 0 ? p.length : slash;
  const home = i === 1 ? (process.env.HOME ?? homeOf(userInfo().username)) : homeOf(p.slice(1, i));
  if (home === undefined) return p;
  return home.replace(/\/+$/, '') + p.slice(i) || '/';
}

/**
 * Python's json.dumps as Ansible's to_json / to_nice_json call it: ", " and ": " between
 * items (", " becomes "," when indented), non-ASCII escaped (ensure_ascii), keys sorted for
 * to_nice_json. Byte-equal output matters: these strings end up in files and commands.
 */
export function pyJson(v: unknown, o: { indent?: number; sortKeys?: boolean } = {}, depth = 0): string {
  const plain = depth === 0 ? toPlain(v) : v;
  if (plain === null || plain === undefined) return 'null';
  if (typeof plain === 'boolean') return plain ? 'true' : 'false';
  if (typeof plain === 'number' || plain instanceof PyFloat) {
    const n = Number(plain);
    if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
    return numStr(plain); // float.__repr__: 2.0, 1e+16
  }
  if (typeof plain === 'string') return JSON.stringify(plain).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const pad = o.indent === undefined ? '' : '\n' + ' '.repeat(o.indent * (depth + 1));
  const end = o.indent === undefined ? '' : '\n' + ' '.repeat(o.indent * depth);
  const sep = o.indent === undefined ? ', ' : ',';
  if (Array.isArray(plain)) return plain.length ? `[${pad}${plain.map((x) => pyJson(x, o, depth + 1)).join(sep + pad)}${end}]` : '[]';
  const m = plain as Record<string, unknown>;
  const keys = Object.keys(m);
  if (o.sortKeys) keys.sort();
  if (!keys.length) return '{}';
  return `{${pad}${keys.map((k) => `${pyJson(k, o, depth + 1)}: ${pyJson(m[k], o, depth + 1)}`).join(sep + pad)}${end}}`;
}

const YAML_KEYWORDS = ['width', 'sort_keys', 'explicit_start', 'explicit_end'];
const flag = (v: unknown): boolean | undefined => (v === undefined ? undefined : truthy(v));

/**
 * PyYAML's yaml.dump as Ansible's to_yaml / to_nice_yaml call it (plugins/filter/core.py):
 * to_yaml(indent=, width=, default_flow_style=None, ...), its positional arguments ignored;
 * to_nice_yaml(indent=4, ...) always block style. src/load/expr/pyyaml-emit.ts writes it.
 */
function yaml(nice: boolean): FilterDef {
  return {
    params: nice ? ['indent'] : [],
    keywords: nice ? YAML_KEYWORDS : ['indent', 'default_flow_style', ...YAML_KEYWORDS],
    rest: !nice,
    fn: (v, a) => {
      const opts: DumpOptions = {
        indent: a.indent === undefined ? (nice ? 4 : undefined) : int(a.indent, 'indent'),
        width: a.width === undefined ? undefined : int(a.width, 'width'),
        defaultFlowStyle: nice ? false : a.default_flow_style === undefined || a.default_flow_style === null ? null : truthy(a.default_flow_style),
        sortKeys: flag(a.sort_keys),
        explicitStart: flag(a.explicit_start),
        explicitEnd: flag(a.explicit_end),
      };
      return pyYamlDump(v, opts);
    },
  };
}

export const FORMAT_FILTERS: Record<string, FilterDef> = {
  to_json: { fn: (v) => pyJson(v, {}) },
  to_nice_json: { params: ['indent'], fn: (v, a) => pyJson(v, { indent: a.indent === undefined ? 4 : int(a.indent, 'indent'), sortKeys: true }) },
  from_json: parsing('from_json', JSON.parse),
  to_yaml: yaml(false),
  to_nice_yaml: yaml(true),
  // 2.14's yaml_load (PyYAML, YAML 1.1); a value that is not text is returned as it is.
  from_yaml: parsing('from_yaml', (s) => parsePyYaml(s, false), true),
  from_yaml_all: parsing('from_yaml_all', (s) => parsePyYaml(s, true), true),
  // to_bytes(string, encoding): a value that is not a string is its str() ('None' for none).
  b64encode: {
    params: ['encoding'],
    fn: (v, a) => {
      const [s, enc] = [pyStr(v), codec(a.encoding, 'b64encode')];
      if (enc === 'latin1' && [...s].some((c) => c.codePointAt(0)! > 0xff)) throw new ExprValueError("b64encode: 'latin-1' codec can't encode a character of the text");
      return Buffer.from(s, enc).toString('base64');
    },
  },
  b64decode: {
    params: ['encoding'],
    fn: (v, a) => {
      const enc = codec(a.encoding, 'b64decode');
      const s = str(v, 'b64decode').replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) throw new ExprValueError('b64decode: not valid base64');
      return Buffer.from(s, 'base64').toString(enc);
    },
  },
  /** hash('sha256'); Ansible's default is sha1. */
  hash: {
    params: ['hashtype'],
    fn: (v, a) => {
      const algo = a.hashtype === undefined ? 'sha1' : str(a.hashtype, 'hash type').toLowerCase();
      if (!getHashes().includes(algo)) throw new ExprValueError(`hash: unknown hash type '${algo}'`);
      return createHash(algo).update(pyStr(v), 'utf8').digest('hex');
    },
  },
  basename: { fn: (v) => ((p) => p.slice(p.lastIndexOf('/') + 1))(str(v, 'basename')) },
  dirname: { fn: (v) => dirname(str(v, 'dirname')) },
  expanduser: { fn: (v) => expanduser(str(v, 'expanduser')) },
  path_join: { fn: (v) => pathJoin(Array.isArray(v) ? v : [v]) },
  /** Shell-quote for a command line, through the one quoting function nodemend uses. */
  quote: {
    fn: (v) => {
      try {
        return quote(toText(v));
      } catch (e) {
        throw new ExprValueError(`quote: ${(e as Error).message}`);
      }
    },
  },
};
