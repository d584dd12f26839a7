/** Argument types shared by the file modules' schemas. */
import { z } from 'zod';

const TRUE = new Set(['true', 'yes', 'on', '1', 'y']);
const FALSE = new Set(['false', 'no', 'off', '0', 'n']);

/** A boolean as Ansible users write it: true/false, or yes/no/on/off (a YAML 1.2 parser leaves those as strings). */
export const boolArg = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  ctx.addIssue({ code: 'custom', message: `expected a boolean (true/false, yes/no), got "${v}"` });
  return z.NEVER;
});

/** A remote path: non-empty. */
export const pathArg = z.string().min(1, 'must not be empty');

/**
 * Accept Ansible's alternative names for an argument (`dest`/`name` for `path`). The alias is
 * renamed only when the real name is absent, so giving both is still an unknown-key error.
 */
export function withAliases<T extends z.ZodType>(schema: T, aliases: Record<string, string>) {
  return z.preprocess((v) => {
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
}
