/**
 * assert: every expression in `that` must be true (controller only, never changed).
 * Expressions are raw args evaluated in the task's scope; truth is Python's
 * (empty string, list, map, 0 and none are false), as in Ansible's conditionals.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { isUndefinedError } from './debug.js';

const expr = z.union([z.string(), z.boolean(), z.number()]);
/** An item of the `that` list may be empty (`-` alone, or ''): 2.14's evaluate_conditional counts None and '' as true. */
const item = z.union([expr, z.null()]);
const message = z.union([z.string(), z.array(z.string())]);

export const schema = z
  .strictObject({
    that: z.union([expr, z.array(item).min(1)]),
    fail_msg: message.optional(),
    msg: message.optional(),
    success_msg: message.default('All assertions passed'),
    quiet: z.union([z.boolean(), z.stringbool()]).default(false),
  })
  .transform(({ msg, fail_msg, ...rest }) => ({ ...rest, fail_msg: fail_msg ?? msg }));

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

export default defineModule({
  name: 'assert',
  description: 'Fail unless every expression in `that` is true',
  schema,
  local: true,
  rawArgs: ['that'],
  async plan(args, ctx) {
    for (const cond of Array.isArray(args.that) ? args.that : [args.that]) {
      if (cond === null || cond === '') continue;
      let value: unknown = cond;
      if (typeof cond === 'string') {
        try {
          value = await ctx.evaluate(cond);
        } catch (e) {
          // A check run did not run the commands whose registered output the assertion reads:
          // say so instead of failing the host (the runner treats changed_when/failed_when alike).
          if (ctx.check && isUndefinedError(e)) {
            return { changed: false, msg: `not evaluated in check mode: ${(e as Error).message}`, result: { skipped: true, assertion: cond } };
          }
          throw new ModuleFailure(`The conditional check '${cond}' failed. The error was: ${(e as Error).message}`, { assertion: cond });
        }
      }
      if (!truthy(value)) {
        const msg = args.fail_msg ?? 'Assertion failed';
        throw new ModuleFailure(Array.isArray(msg) ? msg.join('\n') : msg, { assertion: cond, evaluated_to: false }, msg);
      }
    }
    // 2.14's assert action sets msg to success_msg whether or not `quiet` (which only keeps the output short).
    return { changed: false, result: { msg: args.success_msg } };
  },
});
