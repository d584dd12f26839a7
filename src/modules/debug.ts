/**
 * debug: show a message or the value of an expression (controller only, never
 * changed). `var` is read as 2.14's action/debug.py reads it: the argument is templated first (as
 * every task argument), then, when that gives a string, `{{ <it> }}` is templated with Ansible's
 * rules (a bare name keeps a number or bool, any other expression gives text, which becomes a list,
 * dict or bool again when it looks like one) and registered under the argument's text; a value that
 * is no string (`var: "{{ d }}"` with d a dict, `var: 5`) is "VARIABLE IS NOT DEFINED!" under
 * Python's str of it. Its result has no msg: reports print `name: <json>` (Plan.shown).
 * `verbosity` compares with the `ansible_verbosity` variable (0 when unset).
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { hasTemplate } from '../load/expr/index.js';
import { isMapping } from '../load/expr/values.js';

export const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

export const schema = z
  .strictObject({
    msg: z.unknown().optional(),
    var: z.union([z.string(), z.number(), z.boolean()]).optional(),
    verbosity: z.coerce.number().int().min(0).default(0),
  })
  .refine((a) => a.msg === undefined || a.var === undefined, { message: "'msg' and 'var' are incompatible options" });

/** The key debug.py registers a var that is no string under: Python's str of its type (list, dict) or of it, as JSON shows a key. */
export function notNameKey(v: unknown): string {
  if (Array.isArray(v)) return "<class 'list'>";
  if (isMapping(v)) return "<class 'dict'>";
  return v === null || v === undefined ? 'null' : String(v);
}

export function isUndefinedError(e: unknown): boolean {
  const err = e as { code?: string; name?: string };
  return err?.code === 'undefined-variable' || err?.name === 'UndefinedVariableError';
}

export default defineModule({
  name: 'debug',
  description: 'Print a message or the value of a variable/expression',
  schema,
  local: true,
  rawArgs: ['var'],
  async plan(args, ctx) {
    const level = Number(ctx.vars.ansible_verbosity ?? 0) || 0;
    if (args.verbosity > level) {
      return { changed: false, result: { skipped: true, skipped_reason: 'Verbosity threshold not met.' } };
    }
    if (args.var === undefined) {
      const msg = args.msg ?? 'Hello world!';
      // Reports print msg as text (a list or map as pretty JSON); it is registered as the value, as in Ansible.
      const text = typeof msg === 'string' ? msg : JSON.stringify(msg, null, 2);
      return { changed: false, msg: text, result: { msg } };
    }
    // The argument as the task executor templates it before debug reads it.
    const given = typeof args.var === 'string' && hasTemplate(args.var) ? await ctx.template(args.var) : args.var;
    if (typeof given !== 'string') {
      const key = notNameKey(given);
      return { changed: false, shown: `${key}: ${JSON.stringify(NOT_DEFINED)}`, result: { [key]: NOT_DEFINED } };
    }
    let value: unknown;
    try {
      value = await ctx.template(`{{ ${given} }}`);
    } catch (e) {
      if (!isUndefinedError(e)) throw e;
      value = NOT_DEFINED;
    }
    if (value === undefined) value = NOT_DEFINED;
    return { changed: false, shown: `${given}: ${JSON.stringify(value, null, 2)}`, result: { [given]: value } };
  },
});
