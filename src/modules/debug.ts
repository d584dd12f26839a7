/**
 * debug: show a message or the value of an expression (controller only, never
 * changed). `var` is an expression evaluated in the task's scope, so it is a raw arg.
 * `verbosity` compares with the `ansible_verbosity` variable (0 when unset).
 * The shown text is the plan's msg (reports print text): a non-string msg becomes
 * pretty JSON, a var shows as `name: <json>`; msg and var values are registered as they are.
 */
import { z } from 'zod';
import { defineModule } from './types.js';

export const NOT_DEFINED = 'VARIABLE IS NOT DEFINED!';

export const schema = z
  .strictObject({
    msg: z.unknown().optional(),
    var: z.union([z.string(), z.number(), z.boolean()]).optional(),
    verbosity: z.coerce.number().int().min(0).default(0),
  })
  .refine((a) => a.msg === undefined || a.var === undefined, { message: "'msg' and 'var' are incompatible options" });

/** `var: "{{ x }}"` means the same as `var: x`. */
export function bareExpression(e: string): string {
  const m = /^\s*\{\{\s*([\s\S]*?)\s*\}\}\s*$/.exec(e);
  return m ? m[1] : e.trim();
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
    const name = String(args.var);
    let value: unknown;
    try {
      value = await ctx.evaluate(bareExpression(name));
    } catch (e) {
      if (!isUndefinedError(e)) throw e;
      value = NOT_DEFINED;
    }
    if (value === undefined) value = NOT_DEFINED;
    return { changed: false, msg: `${name}: ${JSON.stringify(value, null, 2)}`, result: { [name]: value } };
  },
});
