/** Filters that encode: JSON, YAML, base64, hashes, paths, shell quoting. */
import { createHash, getHashes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parse as parseYaml, stringify as stringifyYaml, type ScalarTag } from 'yaml';
import { quote } from '../../transport/quote.js';
import { ExprValueError } from './errors.js';
import { int, str } from './filters-text.js';
import type { FilterDef } from './signature.js';
import { floatRepr, numStr, PyFloat, toPlain, toText } from './values.js';

function parsing(what: string, parse: (s: string) => unknown): FilterDef {
  return {
    fn: (v) => {
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

/** PyYAML's represent_float: repr() in lower case, `.0` put before an exponent (1.0e+16), .inf / .nan. */
const pyyamlFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  // A test makes the library choose this tag over its own float tags (stringify.js getTagObject).
  test: /^[-+]?(?:\d[\d_]*)?\.[\d_]*(?:[eE][-+]?\d+)?$/,
  identify: (v) => v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v)),
  resolve: (s) => Number(s),
  stringify: ({ value }) => {
    const n = Number(value);
    if (Number.isNaN(n)) return '.nan';
    if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
    const r = floatRepr(n);
    return r.includes('.') || !r.includes('e') ? r : r.replace('e', '.0e');
  },
};

/** PyYAML's yaml.dump, which Ansible's to_yaml / to_nice_yaml call: keys sorted (its sort_keys=True default). */
function yaml(indent: number): FilterDef {
  return {
    params: ['indent'],
    fn: (v, a) => stringifyYaml(toPlain(v), { indent: a.indent === undefined ? indent : int(a.indent, 'indent'), sortMapEntries: true, customTags: (tags) => [pyyamlFloat, ...tags] }),
  };
}

export const FORMAT_FILTERS: Record<string, FilterDef> = {
  to_json: { fn: (v) => pyJson(v, {}) },
  to_nice_json: { params: ['indent'], fn: (v, a) => pyJson(v, { indent: a.indent === undefined ? 4 : int(a.indent, 'indent'), sortKeys: true }) },
  from_json: parsing('from_json', JSON.parse),
  to_yaml: yaml(2),
  to_nice_yaml: yaml(4),
  from_yaml: parsing('from_yaml', (s) => parseYaml(s)),
  b64encode: { fn: (v) => Buffer.from(toText(v), 'utf8').toString('base64') },
  b64decode: {
    fn: (v) => {
      const s = str(v, 'b64decode').replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) throw new ExprValueError('b64decode: not valid base64');
      return Buffer.from(s, 'base64').toString('utf8');
    },
  },
  /** hash('sha256'); Ansible's default is sha1. */
  hash: {
    params: ['hashtype'],
    fn: (v, a) => {
      const algo = a.hashtype === undefined ? 'sha1' : str(a.hashtype, 'hash type').toLowerCase();
      if (!getHashes().includes(algo)) throw new ExprValueError(`hash: unknown hash type '${algo}'`);
      return createHash(algo).update(toText(v), 'utf8').digest('hex');
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
