/**
 * A task's module arguments: gathered (mapping, free-form string, `args:`),
 * checked against the module's zod schema, and their templates compiled.
 *
 * Templated values ("{{ x }}") are only known at run time. They are validated as
 * far as possible now: each is replaced by a placeholder string and any schema
 * issue at (or under) a templated value is dropped, as are custom (refine) checks
 * on a mapping holding one. So `port: "{{ p }}"` for a numeric argument is checked
 * when the task runs; unknown argument names are always reported now.
 */
import { isMap, isScalar, type Node } from 'yaml';
import type { z } from 'zod';
import { NodemendError } from './errors.js';
import type { ModuleDef } from '../modules/types.js';
import { hasTemplate } from './expr/index.js';
import { checkConditions, checkTemplate, checkTemplatesDeep } from './expr-check.js';
import { knownKeysAt } from './schema.js';
import { didYouMean } from './suggest.js';
import { entries, kindOf, plain, posOf, type Entry, type YamlFile } from './yaml-source.js';
import { reportIssue } from './zod-errors.js';

const PLACEHOLDER = 'templated-at-run-time';

type Path = (string | number)[];

/** Copy of `v` with templated strings replaced; their paths collected. */
function withPlaceholders(v: unknown, path: Path, templated: Path[]): unknown {
  if (typeof v === 'string') {
    if (!hasTemplate(v)) return v;
    templated.push(path);
    return PLACEHOLDER;
  }
  if (Array.isArray(v)) return v.map((x, i) => withPlaceholders(x, [...path, i], templated));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withPlaceholders(x, [...path, k], templated)]));
  return v;
}

const isPrefix = (p: readonly PropertyKey[], of: readonly PropertyKey[]): boolean => p.length <= of.length && p.every((s, i) => s === of[i]);

/**
 * @param moduleEntry the `copy:` key and its value
 * @param argsEntry the task's `args:` keyword, if any (module-key arguments win over it)
 */
export function moduleArgs(y: YamlFile, def: ModuleDef, moduleEntry: Entry, argsEntry: Entry | undefined, out: NodemendError[], warnings?: string[]): Record<string, unknown> {
  const v = moduleEntry.value;
  const what = `module "${def.name}"`;
  let inline: Record<string, unknown> = {};
  if (v == null) inline = {};
  else if (isScalar(v) && typeof v.value === 'string' && def.freeForm) inline = { [def.freeForm]: v.value };
  else if (isMap(v)) inline = plain(y, v) as Record<string, unknown>;
  else {
    const want = def.freeForm ? 'a mapping of arguments or a command string' : 'a mapping of arguments';
    out.push(new NodemendError('schema', `${what} takes ${want}, got ${kindOf(v)}`, posOf(y, v)));
    return {};
  }
  const fromArgs = isMap(argsEntry?.value) ? (plain(y, argsEntry!.value) as Record<string, unknown>) : {};
  const args = { ...fromArgs, ...inline };
  // Which YAML node holds each argument, for error positions.
  const nodeOf = (key: PropertyKey | undefined): Node | null => {
    if (key !== undefined && key in inline) return v;
    if (key !== undefined && key in fromArgs) return argsEntry!.value;
    return moduleEntry.keyNode;
  };

  const known = knownKeysAt(def.schema as z.ZodType, []);
  if (known) {
    for (const e of [...(isMap(v) ? entries(y, v) : []), ...(isMap(argsEntry?.value) ? entries(y, argsEntry!.value) : [])]) {
      if (!known.includes(e.key)) {
        const hint = didYouMean(e.key, known) || `; ${def.name} takes: ${known.join(', ')}`;
        out.push(new NodemendError('unknown-key', `unknown argument "${e.key}" for ${what}${hint}`, posOf(y, e.keyNode)));
      }
    }
  }

  const templated: Path[] = [];
  const probe = withPlaceholders(args, [], templated);
  const r = def.schema.safeParse(probe);
  if (!r.success) {
    for (const iss of r.error.issues) {
      const p = iss.path as Path;
      if (known && iss.code === 'unrecognized_keys' && p.length === 0) continue;
      if (templated.some((t) => isPrefix(t, p))) continue;
      if (iss.code === 'custom' && templated.some((t) => isPrefix(p, t))) continue;
      // A free-form string is one scalar: issues inside it point at the scalar; mapping-level ones at the module key.
      reportIssue(y, nodeOf(p[0]), probe, def.schema as z.ZodType, iss, [], out, what);
    }
  }

  // Compile templates; `rawArgs` (assert's `that`) are expressions.
  const raw = new Set(def.rawArgs ?? []);
  for (const holder of [v, argsEntry?.value ?? null]) {
    if (isScalar(holder) && typeof holder.value === 'string') checkTemplate(y, holder, holder.value, out);
    for (const e of entries(y, holder)) {
      if (raw.has(e.key)) checkConditions(y, e.value, out, e.key === 'that' ? warnings : undefined);
      else checkTemplatesDeep(y, e.value, out);
    }
  }
  return args;
}
