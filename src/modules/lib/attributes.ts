/**
 * `attributes` (alias `attr`): a path's chattr flags, as ansible-core 2.14's
 * module_utils/basic.py set_attributes_if_different sets them after owner, group and mode. The
 * current flags are `lsattr -d`'s first word without its dashes (nothing when lsattr fails); a
 * value starting with `+` or `-` is chattr's operator, else `=`. It changes when the flags
 * differ from the value as a string (so `A` on an ext4 file that also carries `e` changes on
 * every run: write `Ae`), and always for `-`. Without chattr nothing is done. A missing path in
 * --check is a change (the run creates it). The run reads the flags again after the module's
 * own change (a rewritten file is a new inode with fresh flags) and runs `chattr OP -- PATH`;
 * a non-zero exit or any stderr fails the task with "chattr failed", as Ansible's.
 * A module whose Ansible result says more when the flags change (lineinfile's msg and attributes
 * diff pair) passes `register`: the fields it adds to the registered result, given the flags
 * set_attributes_if_different compares (read before --check's prediction, after the run's write)
 * and the result so far, with `msg` the one the task registers without them ("" when unchanged).
 */
import { z } from 'zod';
import { sh } from '../../transport/quote.js';
import { statPathInfo } from './path-info.js';
import { ModuleFailure, type ModuleContext, type Plan } from '../types.js';

export const attributesFields = { attributes: z.string().optional() };
export const ATTRIBUTES_ALIAS = { attr: 'attributes' } as const;

/** chattr's argument for a task's value: `+A`, `-d`, `=Ae`. */
export function chattrArg(attributes: string): { op: '=' | '+' | '-'; flags: string } {
  const op = attributes.startsWith('+') || attributes.startsWith('-') ? (attributes[0] as '+' | '-') : '=';
  return { op, flags: op === '=' ? attributes : attributes.slice(1) };
}

/** lsattr -d's line → its flags as get_file_attributes keeps them ("--------------e-------" → "e"). */
export const lsattrFlags = (line: string): string => (line.trim().split(/\s+/)[0] ?? '').replace(/-/g, '');

/** Whether set_attributes_if_different runs chattr for these current flags. */
export const attributesDiffer = (current: string, attributes: string): boolean => {
  const { op, flags } = chattrArg(attributes);
  return op === '-' || current !== flags;
};

/** The flags set_attributes_if_different compares: `lsattr`'s before, chattr's argument after (its diff's `attributes`). */
export interface AttributesChange {
  before: string;
  after: string;
}
export type AttributesRegister = (flags: AttributesChange, result: Record<string, unknown>) => Record<string, unknown>;

/** The plan with `attributes` on `path` folded in (one exec to read the flags; chattr after the module's apply). */
export async function withAttributes(plan: Plan, ctx: ModuleContext, path: string, attributes: string | undefined, register?: AttributesRegister): Promise<Plan> {
  if (attributes === undefined) return plan;
  const { op, flags } = chattrArg(attributes);
  const arg = op + flags;
  const r = await ctx.conn.exec(sh`if [ -e ${path} ]; then echo E; command -v chattr >/dev/null 2>&1 && echo C; lsattr -d -- ${path} 2>/dev/null | head -n 1; fi; :`);
  const lines = r.stdout.split('\n');
  const exists = lines[0] === 'E';
  if (exists && lines[1] !== 'C') return plan; // no chattr: Ansible does nothing
  const before = exists ? lsattrFlags(lines[2] ?? '') : '';
  const differs = exists ? attributesDiffer(before, attributes) : ctx.check;
  if (!differs && !plan.changed) return plan;
  /** chattr when the flags (read again) differ: the flags it compared, or undefined when it did not run. */
  const chattr = async (): Promise<AttributesChange | undefined> => {
    // Read again: the module's own change may have replaced the file (a new inode, fresh flags).
    const res = await ctx.conn.exec(
      sh`set -f; command -v chattr >/dev/null 2>&1 || exit 0
cur=$(lsattr -d -- ${path} 2>/dev/null | head -n 1) || cur=; set -- $cur; cur=$(printf %s "\${1-}" | tr -d -)
if [ ${op} = - ] || [ "$cur" != ${flags} ]; then printf 'RAN %s\n' "$cur"; err=$(chattr ${arg} -- ${path} 2>&1); rc=$?; printf %s "$err"; [ $rc -eq 0 ] && [ -z "$err" ] || exit 3; fi`,
    );
    const ran = /^RAN (.*)\n/.exec(res.stdout);
    if (res.rc !== 0) {
      // fail_json names the path, so Ansible adds its stat (add_path_info).
      const details = `Error while setting attributes: ${ran ? res.stdout.slice(ran[0].length) : res.stdout}${res.stderr}`.trimEnd();
      throw new ModuleFailure('chattr failed', { path, details, ...(await statPathInfo(ctx.conn, path)) });
    }
    return ran ? { before: ran[1], after: arg } : undefined;
  };
  /** The msg the task registers without the flags: the result's own, else the plan's words when it changes anything. */
  const msgOf = (result: Record<string, unknown>, words: string | undefined): string => (typeof result.msg === 'string' ? result.msg : plan.changed ? (words ?? '') : '');
  const checkFields = (): Record<string, unknown> => {
    if (!register || !ctx.check || !exists || !differs) return {};
    const result = plan.result ?? {};
    return register({ before, after: arg }, { ...result, msg: msgOf(result, plan.msg) });
  };
  const what = `attributes ${before || '(none)'} -> ${arg}`;
  return {
    ...plan,
    changed: plan.changed || differs,
    msg: plan.changed ? plan.msg : `${path}: would set ${what}`,
    done: plan.changed ? plan.done : `${path}: ${what}`,
    diff: differs ? [...(plan.diff ?? []), { path: `${path} (file attributes)`, before: `attributes: ${before}\n`, after: `attributes: ${arg}\n` }] : plan.diff,
    result: { ...plan.result, ...checkFields() },
    apply: async () => {
      const fields = plan.changed && plan.apply ? await plan.apply() : undefined;
      const ran = await chattr();
      if (!ran || !register) return fields;
      const result = { ...plan.result, ...fields };
      return { ...fields, ...register(ran, { ...result, msg: msgOf(result, plan.done ?? plan.msg) }) };
    },
  };
}
