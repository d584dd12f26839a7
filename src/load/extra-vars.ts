/**
 * `-e` / `--extra-vars` values, Ansible's three forms:
 *   -e 'k=v k2="a b"'     key=value pairs; values stay strings (as in Ansible)
 *   -e '{"k": [1, 2]}'    a JSON / flow-YAML mapping (typed values)
 *   -e @vars.yaml         a YAML file holding a mapping (relative to the working directory)
 * Later arguments win. Errors name the argument.
 */
import { notePlainStr } from './expr/str-class.js';
import { resolve } from 'node:path';
import { isMap } from 'yaml';
import { NodemendError } from './errors.js';
import type { Diag } from './diag.js';
import { checkTemplatesDeep } from './expr-check.js';
import { kindOf, parseYaml, plain, posOf, readYaml } from './yaml-source.js';

const CLI = { file: 'command line' };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Split on unquoted whitespace; quotes group and are removed (`k="a b"` → `k=a b`). */
function splitWords(s: string): string[] | string {
  const words: string[] = [];
  let cur: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < s.length && /["\\]/.test(s[i + 1])) cur += s[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur ??= '';
    } else if (/\s/.test(ch)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else cur = (cur ?? '') + ch;
  }
  if (quote) return `unterminated ${quote} quote`;
  if (cur !== undefined) words.push(cur);
  return words;
}

/** `-e` values Ansible holds as a Python str, not AnsibleUnicode: parse_kv's, and json.loads' top-level strings. */
const plainStrs = new WeakSet<Record<string, unknown>>();
const asPlainStr = (vars: Record<string, unknown>): Record<string, unknown> => (plainStrs.add(vars), vars);

function parseOne(arg: string, diag: Diag): Record<string, unknown> {
  const fail = (why: string): Record<string, unknown> => {
    diag.errors.push(new NodemendError('usage', `-e ${JSON.stringify(arg)}: ${why}`, CLI));
    return {};
  };
  const text = arg.trim();
  if (text.startsWith('@')) {
    const y = readYaml(resolve(text.slice(1)), diag.errors, CLI, 'extra vars file');
    if (!y || y.doc.errors.length) return {};
    if (y.root === null) return {};
    if (!isMap(y.root)) {
      diag.errors.push(new NodemendError('usage', `extra vars file must hold a mapping of variables, got ${kindOf(y.root)}`, posOf(y, y.root)));
      return {};
    }
    checkTemplatesDeep(y, y.root, diag.errors);
    return plain(y, y.root) as Record<string, unknown>;
  }
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as unknown;
      if (json !== null && typeof json === 'object' && !Array.isArray(json)) return asPlainStr(json as Record<string, unknown>);
    } catch {
      // not JSON: read as YAML below, as Ansible's loader does
    }
  }
  if (text.startsWith('{') || text.startsWith('[')) {
    const errors: NodemendError[] = [];
    const y = parseYaml(text, 'command line', errors);
    if (errors.length) return fail(`not a valid JSON/YAML mapping: ${errors[0].message}`);
    if (!isMap(y.root)) return fail(`expected a mapping of variables, got ${kindOf(y.root)}`);
    return plain(y, y.root) as Record<string, unknown>;
  }
  const words = splitWords(text);
  if (typeof words === 'string') return fail(words);
  if (words.length === 0) return fail('empty; expected key=value, a JSON/YAML mapping, or @file');
  const out: Record<string, unknown> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) return fail(`"${w}" is not key=value; expected key=value pairs, a JSON/YAML mapping, or @file`);
    const key = w.slice(0, eq);
    if (!NAME.test(key)) return fail(`"${key}" is not a valid variable name`);
    out[key] = w.slice(eq + 1);
  }
  return asPlainStr(out);
}

/** Merge all `-e` arguments in order (later wins); problems go to `diag`. */
export function parseExtraVars(args: readonly string[], diag: Diag): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const a of args) {
    const one = parseOne(a, diag);
    Object.assign(vars, one);
    for (const [k, v] of Object.entries(one)) notePlainStr(vars, k, v, plainStrs.has(one));
  }
  return vars;
}
