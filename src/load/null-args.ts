/**
 * A module argument given null (`mode: ~`, or a template rendering None), as ansible-core 2.14
 * treats it (module_utils/common/parameters.py): the argument stays None. The required check passes
 * (`k in parameters`), the type check skips it, `_set_defaults` does not replace it (the key is
 * there), and the choices check fails ("value of state must be one of: absent, present, got: None").
 * So for nodemend's schemas:
 * - an argument with no default: null is the same as leaving it out (dropped);
 * - a boolean with a default: None reaches the module, which reads it as false (stat's
 *   `get_checksum: ~` gets no checksum; copy's `force: ~` is `boolean(None)`: false);
 * - an argument with choices: 2.14's error;
 * - a required argument, or one with another default: refused (2.14 passes None on and the module
 *   fails its own way, e.g. copy's "dest is required", file's KeyError), with a message naming it.
 * Only top-level arguments; a schema that accepts null itself keeps it.
 */
import type { z } from 'zod';
import { defOf, unwrap } from './schema.js';

type Verdict = { drop: true } | { value: unknown } | { error: string };

export function fieldOf(schema: z.ZodType, key: string): z.ZodType | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'object') return def.shape && Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
  if (def.type === 'union' || def.type === 'intersection') {
    for (const part of def.options ?? [def.left!, def.right!]) {
      const f = fieldOf(part, key);
      if (f) return f;
    }
  }
  return undefined;
}

/** The field's default (through optional/default wrappers) and its choices, if it is an enum. */
function describe(field: z.ZodType): { defaultValue: unknown; choices?: unknown[] } {
  let s = field;
  let defaultValue: unknown;
  for (let i = 0; i < 20; i++) {
    const def = defOf(s) as ReturnType<typeof defOf> & { defaultValue?: unknown; entries?: Record<string, unknown>; values?: unknown[] };
    if (def.type === 'default' && defaultValue === undefined) defaultValue = def.defaultValue;
    if (def.type === 'enum' && def.entries) return { defaultValue, choices: Object.values(def.entries) };
    if (def.type === 'literal' && def.values) return { defaultValue, choices: def.values };
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return { defaultValue };
}

const pyShow = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

export function nullVerdict(schema: z.ZodType, key: string, module: string): Verdict {
  const field = fieldOf(schema, key);
  if (!field || field.safeParse(null).success) return { value: null };
  const { defaultValue, choices } = describe(field);
  // 2.14 lists the spec's choices in its order, most often sorted (file, lineinfile, stat): sorted here.
  if (choices) return { error: `value of ${key} must be one of: ${choices.map(pyShow).sort().join(', ')}, got: None` };
  if (!field.safeParse(undefined).success) return { error: `argument '${key}' of ${module} is required, got null (2.14 passes None on and the module fails)` };
  if (defaultValue === undefined || defaultValue === null) return { drop: true };
  if (typeof defaultValue === 'boolean') return { value: false };
  return {
    error: `argument '${key}' of ${module} got null: 2.14 passes None to the module instead of the default (${pyShow(defaultValue)}); give a value or leave '${key}' out`,
  };
}

/** `args` with null arguments dropped or replaced; the refused ones as [key, message]. */
export function applyNullArgs(schema: z.ZodType, args: Record<string, unknown>, module: string): { args: Record<string, unknown>; errors: [string, string][] } {
  const out: Record<string, unknown> = {};
  const errors: [string, string][] = [];
  for (const [k, v] of Object.entries(args)) {
    if (v !== null && v !== undefined) {
      out[k] = v;
      continue;
    }
    const verdict = nullVerdict(schema, k, module);
    if ('error' in verdict) {
      errors.push([k, verdict.error]);
      out[k] = v;
    } else if ('value' in verdict) out[k] = verdict.value;
  }
  return { args: out, errors };
}
