/**
 * A task's module arguments: gathered (mapping, free-form string, `args:`),
 * checked against the module's zod schema, and their templates compiled.
 *
 * Templated values ("{{ x }}") are only known at run time. They are validated as
 * far as possible now: each is replaced by a placeholder string and any schema
 * issue at (or under) a templated value is dropped, as are custom (refine) checks
 * on a mapping holding one. So `port: "{{ p }}"` for a numeric argument is checked
 * when the task runs; unknown argument names are always reported now.
 *
 * As in Ansible: a module key with no value takes no arguments (`- fail:`), a string for a
 * module without a free form is `key=value` text (kv-args.ts), and an argument's aliases
 * (`dest` for lineinfile's `path`) are renamed to its real name here, so the runner only
 * sees real names; giving an argument under two of its names is an error.
 */
import { isMap, isScalar, type Node } from 'yaml';
import { z } from 'zod';
import { NodemendError } from './errors.js';
import type { ModuleDef } from '../modules/types.js';
import { hasTemplate } from './expr/index.js';
import { checkConditions, checkTemplate, checkTemplatesDeep } from './expr-check.js';
import { knownKeysAt } from './schema.js';
import { didYouMean } from './suggest.js';
import { entries, kindOf, plain, posOf, textPos, type Entry, type YamlFile } from './yaml-source.js';
import type { Loc } from './model.js';
import { reportIssue } from './zod-errors.js';
import { parseKeyValue } from './kv-args.js';
import { UnsafeText } from './expr/unsafe.js';
import { PyFloat } from './expr/values.js';
import { schemaAliases } from '../modules/lib/args.js';
import { applyNullArgs } from './null-args.js';
import { ansibleArgTypes } from './arg-types.js';

const PLACEHOLDER = 'templated-at-run-time';

type Path = (string | number)[];

/** Copy of `v` with templated strings replaced; their paths collected. */
function withPlaceholders(v: unknown, path: Path, templated: Path[]): unknown {
  if (v instanceof UnsafeText) return v.text; // `!unsafe`: checked as the text it is
  if (typeof v === 'string') {
    if (!hasTemplate(v)) return v;
    templated.push(path);
    return PLACEHOLDER;
  }
  // Modules read plain numbers: an integral float (`timeout: 1.0`) is its number, as task-runner's renderArgs gives it.
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map((x, i) => withPlaceholders(x, [...path, i], templated));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withPlaceholders(x, [...path, k], templated)]));
  return v;
}

const isPrefix = (p: readonly PropertyKey[], of: readonly PropertyKey[]): boolean => p.length <= of.length && p.every((s, i) => s === of[i]);

/**
 * @param moduleEntry the `copy:` key and its value
 * @param argsEntry the task's `args:` keyword, if any (module-key arguments win over it)
 */
export function moduleArgs(
  y: YamlFile,
  def: ModuleDef,
  moduleEntry: Entry,
  argsEntry: Entry | undefined,
  out: NodemendError[],
  warnings?: string[],
  locs?: Record<string, Loc>,
): Record<string, unknown> {
  const v = moduleEntry.value;
  const what = `module "${def.name}"`;
  const aliases = schemaAliases(def.schema as z.ZodType);
  let inline: Record<string, unknown> = {};
  let keyValue = false;
  if (v == null || (isScalar(v) && v.value == null))
    inline = {}; // `- fail:`: no arguments
  else if (isScalar(v) && (typeof v.value === 'string' || v.value instanceof UnsafeText) && def.freeForm) inline = { [def.freeForm]: v.value };
  else if (isScalar(v) && typeof v.value === 'string') {
    // `stat: path=/x get_checksum=no`, as Ansible's parse_kv reads it.
    let parsed;
    try {
      parsed = parseKeyValue(v.value);
    } catch (e) {
      out.push(new NodemendError('schema', `${what}: ${(e as Error).message}`, posOf(y, v)));
      return {};
    }
    if (parsed.words.length) {
      const word = parsed.words[0];
      const why = hasTemplate(v.value) && parsed.words.length === 1 && Object.keys(parsed.args).length === 0 ? ' (a variable holding all the arguments is not supported: give them as a mapping)' : '';
      out.push(new NodemendError('schema', `${what} takes key=value arguments or a mapping; "${word}" is not key=value${why}`, posOf(y, v)));
      return {};
    }
    inline = parsed.args;
    keyValue = true;
  } else if (isMap(v)) inline = plain(y, v) as Record<string, unknown>;
  else {
    const want = def.freeForm ? 'a mapping of arguments or a command string' : 'a mapping of arguments or key=value text';
    out.push(new NodemendError('schema', `${what} takes ${want}, got ${kindOf(v)}`, posOf(y, v)));
    return {};
  }
  const fromArgs = isMap(argsEntry?.value) ? (plain(y, argsEntry!.value) as Record<string, unknown>) : {};
  const known = knownKeysAt(def.schema as z.ZodType, []);
  const knownOrAlias = known && [...known, ...Object.keys(aliases)];

  // Aliases are renamed to the argument's real name; `spelled` keeps what the user wrote, for positions.
  const realName = (k: string): string => (Object.hasOwn(aliases, k) ? aliases[k] : k);
  const args: Record<string, unknown> = {};
  const spelled: Record<string, string> = {};
  const holderOf: Record<string, 'inline' | 'args'> = {};
  for (const [holder, src] of [
    ['args', fromArgs],
    ['inline', inline],
  ] as const) {
    const seen = new Map<string, string>();
    for (const [k, val] of Object.entries(src)) {
      const real = realName(k);
      const twice = seen.get(real);
      if (twice !== undefined) {
        const node = holder === 'inline' ? v : argsEntry!.value;
        const at = isMap(node) ? (entries(y, node).find((e) => e.key === k)?.keyNode ?? node) : node;
        const other = twice === real ? k : twice;
        out.push(new NodemendError('schema', `"${twice}" and "${k}" are the same argument of ${what} ("${other}" is an alias of "${real}"): give one`, posOf(y, at)));
      }
      seen.set(real, k);
      if (locs) {
        const node = holder === 'inline' ? v : argsEntry!.value;
        const at = isMap(node) ? (entries(y, node).find((e) => e.key === k)?.value ?? node) : node;
        locs[real] = at ? textPos(y, at) : posOf(y, moduleEntry.keyNode);
      }
      args[real] = val;
      spelled[real] = k;
      holderOf[real] = holder;
    }
  }
  // Which YAML node holds each argument, for error positions.
  const nodeOf = (key: PropertyKey | undefined): Node | null => {
    if (key !== undefined && holderOf[String(key)] === 'inline') return v;
    if (key !== undefined && holderOf[String(key)] === 'args') return argsEntry!.value;
    return moduleEntry.keyNode;
  };

  if (knownOrAlias) {
    const unknownAt = (key: string, at: Node | null): void => {
      const hint = didYouMean(key, knownOrAlias) || `; ${def.name} takes: ${describeArgs(known!, aliases)}`;
      out.push(new NodemendError('unknown-key', `unknown argument "${key}" for ${what}${hint}`, posOf(y, at)));
    };
    for (const e of [...(isMap(v) ? entries(y, v) : []), ...(isMap(argsEntry?.value) ? entries(y, argsEntry!.value) : [])]) {
      if (!knownOrAlias.includes(e.key)) unknownAt(e.key, e.keyNode);
    }
    if (keyValue) for (const k of Object.keys(inline)) if (!knownOrAlias.includes(k)) unknownAt(k, v);
  }

  // `mode: ~`: as 2.14 treats None (null-args.ts); a templated None is handled the same way at run time.
  const nulls = applyNullArgs(def.schema as z.ZodType, args, def.name);
  for (const k of Object.keys(args)) if (!(k in nulls.args)) delete args[k];
  Object.assign(args, nulls.args);
  for (const [k, message] of nulls.errors) {
    const node = nodeOf(k);
    const at = isMap(node) ? (entries(y, node).find((e) => e.key === spelled[k])?.value ?? node) : node;
    out.push(new NodemendError('schema', `${what}: ${message}`, posOf(y, at)));
    delete args[k];
  }
  const refused = new Set(nulls.errors.map(([k]) => k));
  // 2.14's str conversion and int refusal (arg-types.ts); set_fact's and debug's values stay as given.
  if (!def.storesArgs && def.name !== 'debug') {
    const typed = ansibleArgTypes(def.schema as z.ZodType, args);
    Object.assign(args, typed.args);
    for (const [k, message] of typed.errors) {
      const node = nodeOf(k);
      const at = isMap(node) ? (entries(y, node).find((e) => e.key === spelled[k])?.value ?? node) : node;
      out.push(new NodemendError('schema', `${what}: ${message}`, posOf(y, at)));
      refused.add(k);
    }
  }

  const templated: Path[] = [];
  // key=value values are strings: module schemas take "yes"/"22" where they want booleans and numbers (boolArg, z.coerce).
  const probe = withPlaceholders(args, [], templated) as Record<string, unknown>;
  const r = def.schema.safeParse(probe);
  if (!r.success) {
    // Issues name real arguments; the YAML names what the user wrote.
    const asWritten = Object.fromEntries(Object.entries(probe).map(([k, x]) => [spelled[k] ?? k, x]));
    for (const iss of r.error.issues) {
      const p = iss.path as Path;
      if (known && iss.code === 'unrecognized_keys' && p.length === 0) continue;
      if (templated.some((t) => isPrefix(t, p))) continue;
      if (refused.has(String(p[0]))) continue;
      if (iss.code === 'custom' && templated.some((t) => isPrefix(p, t))) continue;
      const written = p.length && typeof p[0] === 'string' && spelled[p[0]] ? { ...iss, path: [spelled[p[0]], ...p.slice(1)] } : iss;
      // A free-form string is one scalar: issues inside it point at the scalar; mapping-level ones at the module key.
      reportIssue(y, nodeOf(p[0]), asWritten, def.schema as z.ZodType, written as typeof iss, [], out, what);
    }
  }

  // Compile templates; `rawArgs` (assert's `that`) are expressions.
  const raw = new Set(def.rawArgs ?? []);
  for (const holder of [v, argsEntry?.value ?? null]) {
    if (isScalar(holder) && typeof holder.value === 'string') checkTemplate(y, holder, holder.value, out);
    for (const e of entries(y, holder)) {
      if (raw.has(realName(e.key))) checkConditions(y, e.value, out, realName(e.key) === 'that' ? warnings : undefined);
      else checkTemplatesDeep(y, e.value, out);
    }
  }
  return args;
}

/** `path (dest, name), state, ...`: a module's arguments with their aliases, for messages and `nodemend modules`. */
export function describeArgs(known: readonly string[], aliases: Readonly<Record<string, string>>): string {
  return known
    .map((k) => {
      const as = Object.keys(aliases).filter((a) => aliases[a] === k);
      return as.length ? `${k} (${as.join(', ')})` : k;
    })
    .join(', ');
}

/**
 * Ansible's `type: list` argument: a list, or a comma-separated string (`"a, b"`), each part
 * trimmed and empty parts dropped (a number is one item), then checked item by item. The one
 * way module schemas take such lists (package names, unarchive extra_opts, find patterns...).
 */
export function listArg<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .union([z.array(z.unknown()), z.string(), z.number()])
    .transform((v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : typeof v === 'number'
          ? [String(v)]
          : v.map((x) => (typeof x === 'number' ? String(x) : x)),
    )
    .pipe(z.array(item));
}
