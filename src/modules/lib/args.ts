/** Argument types shared by the file modules' schemas. */
import { z } from 'zod';

const TRUE = new Set(['true', 'yes', 'on', '1', 'y']);
const FALSE = new Set(['false', 'no', 'off', '0', 'n']);

/** A boolean as Ansible users write it: true/false, yes/no/on/off (a YAML 1.2 parser leaves those as strings), or 1/0 (Ansible's BOOLEANS). */
export const boolArg = z.union([z.boolean(), z.string(), z.number()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  ctx.addIssue({ code: 'custom', message: 'expected a boolean (true/false, yes/no)' });
  return z.NEVER;
});

/** A remote path: non-empty. */
export const pathArg = z.string().min(1, 'must not be empty');

const ALIASES = new WeakMap<z.ZodType, Readonly<Record<string, string>>>();

/** A module schema's argument aliases (alias → real name), as given to withAliases. */
export function schemaAliases(schema: z.ZodType): Readonly<Record<string, string>> {
  return ALIASES.get(schema) ?? {};
}

/**
 * Accept Ansible's alternative names for an argument (`dest`/`name` for `path`), taken from the
 * module's argument_spec in Ansible 2.14. The loader knows them (schemaAliases) for positions,
 * "did you mean" and the error when an argument is given twice; parsing renames them.
 */
export function withAliases<T extends z.ZodType>(schema: T, aliases: Record<string, string>) {
  const s = z.preprocess((v) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const [alias, real] of Object.entries(aliases)) {
      if (alias in o && !(real in o)) {
        o[real] = o[alias];
        delete o[alias];
      }
    }
    return o;
  }, schema);
  ALIASES.set(s, aliases);
  return s;
}
