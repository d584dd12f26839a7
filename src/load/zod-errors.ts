/**
 * zod issues → NodemendErrors at the YAML position of the offending key or value
 * (issue paths are walked through the YAML AST), in words a playbook author reads:
 * `"become" must be a boolean, got string "maybe"`, `unknown key "whne" (did you mean "when"?)`.
 */
import type { z } from 'zod';
import type { Node } from 'yaml';
import { NodemendError } from './errors.js';
import { plainNumbers } from './expr/values.js';
import { knownKeysAt } from './schema.js';
import { didYouMean } from './suggest.js';
import { describeValue, nodeAt, posOf, type YamlFile } from './yaml-source.js';

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];

export interface Checked<T> {
  ok: boolean;
  value?: T;
}

/** Validate the plain value of `node` with `schema`; issues become errors in `out`. */
export function check<T>(y: YamlFile, node: Node | null, data: unknown, schema: z.ZodType<T>, out: NodemendError[], opts: { what?: string; skip?: (issue: Issue) => boolean } = {}): Checked<T> {
  let r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  // A keyword takes an integral float as its number (`retries: 3.0`, as 2.14's int(value)).
  const plain = plainNumbers(data);
  if (plain !== data) {
    r = schema.safeParse(plain);
    if (r.success) return { ok: true, value: r.data };
    data = plain;
  }
  const before = out.length;
  for (const iss of r.error.issues) {
    if (opts.skip?.(iss)) continue;
    reportIssue(y, node, data, schema, iss, [], out, opts.what);
  }
  return { ok: out.length === before, value: out.length === before ? (data as T) : undefined };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean (true/false)',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  null: 'null',
};
const expected = (e: string): string => EXPECTED[e] ?? e;

function label(path: Path, what?: string): string {
  const last = [...path].reverse().find((s) => typeof s === 'string');
  if (last !== undefined) return `"${String(last)}"`;
  return what ?? 'value';
}

/** One issue → error(s); `prefix` is prepended to its path (nested union branches). */
export function reportIssue(y: YamlFile, root: Node | null, data: unknown, schema: z.ZodType, iss: Issue, prefix: Path, out: NodemendError[], what?: string): void {
  const path = [...prefix, ...(iss.path as Path)];
  const at = nodeAt(y, root, path);
  const valuePos = posOf(y, at.found ? (at.node ?? at.keyNode) : at.node);
  const push = (code: 'schema' | 'unknown-key', msg: string, pos = valuePos): void => {
    out.push(new NodemendError(code, msg, pos));
  };
  const value = valueAt(data, path);

  // A message given in the schema ({ error: '...' }) says it best; ours read "must be ...".
  if (!/^(Invalid|Too (small|big)|Unrecognized)/.test(iss.message) && iss.code !== 'unrecognized_keys') {
    const sep = iss.message.startsWith('must ') ? ' ' : ': ';
    push('schema', `${label(path, what)}${sep}${iss.message}${value !== undefined ? `, got ${describeValue(value)}` : ''}`);
    return;
  }
  switch (iss.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path) ?? [];
      for (const key of iss.keys) {
        const k = nodeAt(y, root, [...path, key]);
        const hint = didYouMean(key, known) || (known.length ? `; expected one of: ${known.join(', ')}` : '');
        push('unknown-key', `unknown key "${key}"${what && path.length === 0 ? ` in ${what}` : ''}${hint}`, posOf(y, k.keyNode ?? k.node));
      }
      return;
    }
    case 'invalid_type':
    case 'invalid_union': {
      // A branch whose issues are all deeper matched the shape: report those (e.g. a mapping with a bad key).
      const deeper = iss.code === 'invalid_union' ? iss.errors.find((branch) => branch.length > 0 && branch.every((b) => b.path.length > 0)) : undefined;
      if (deeper && value !== undefined) {
        for (const b of deeper) reportIssue(y, root, data, schema, b, path, out, what);
        return;
      }
      const types = iss.code === 'invalid_type' ? [iss.expected] : iss.errors.flatMap((branch) => branch.filter((b) => b.code === 'invalid_type').map((b) => (b as { expected: string }).expected));
      const want = [...new Set(types.map(expected))].join(' or ') || 'something else';
      if (value === undefined && path.length > 0) {
        const parent = nodeAt(y, root, path.slice(0, -1));
        push('schema', `missing required key ${label(path)}${what && path.length === 1 ? ` in ${what}` : ''}: expected ${want}`, posOf(y, parent.node));
      } else if (types.length === 1 && types[0] === 'int' && typeof value === 'number') {
        push('schema', `${label(path, what)} must be an integer, got ${value}`);
      } else {
        push('schema', `${label(path, what)} must be ${want}, got ${describeValue(value)}`);
      }
      return;
    }
    case 'too_small':
    case 'too_big':
      push(
        'schema',
        `${label(path, what)} ${iss.message.replace(/^Too (small|big): expected (number|int) to be /, 'must be ').replace(/^Too small: expected array to have /, 'must have ')}, got ${describeValue(value)}`,
      );
      return;
    default:
      push('schema', `${label(path, what)}: ${iss.message}${value !== undefined && typeof value !== 'object' ? `, got ${describeValue(value)}` : ''}`);
  }
}
