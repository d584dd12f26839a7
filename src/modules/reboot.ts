/**
 * reboot: reboot the host and wait until it is back. Always a change ("would reboot").
 *
 * Apply: one exec reads the boot id and starts the reboot detached (so the exec
 * returns before the connection dies), then poll: each poll reads the boot id again; a dropped or
 * dead connection is re-opened with ctx.reconnect() until the deadline. The host is
 * back when the boot id differs; then test_command must succeed. Facts are forgotten.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { sh } from '../transport/quote.js';
import type { ExecResult } from '../transport/types.js';

const seconds = z.coerce.number().min(0);

export const schema = z.strictObject({
  reboot_timeout: seconds.default(600),
  connect_timeout: seconds.default(10),
  pre_reboot_delay: seconds.default(0),
  post_reboot_delay: seconds.default(0),
  test_command: z.string().default('true'),
  msg: z.string().default('Reboot initiated by nodemend'),
  boot_time_command: z.string().default('cat /proc/sys/kernel/random/boot_id'),
  /** Shell text that reboots; default (also when empty, e.g. a play's unset knob): shutdown -r now, else systemctl reboot, else reboot. */
  reboot_command: z.string().optional(),
});
export type RebootArgs = z.infer<typeof schema>;

const DEFAULT_REBOOT = 'if command -v shutdown >/dev/null 2>&1; then shutdown -r now "$msg"; elif command -v systemctl >/dev/null 2>&1; then systemctl reboot; else reboot; fi';

/** Seconds between polls (the unit test shortens it). */
export const timing = { pollSec: 1 };

const sleep = (sec: number): Promise<void> => new Promise((r) => setTimeout(r, sec * 1000));

/** exec, but a connection that neither answers nor drops within `sec` counts as dropped. */
async function execWithin(ctx: ModuleContext, cmd: string, sec: number): Promise<ExecResult> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${sec}s`)), sec * 1000);
  });
  try {
    return await Promise.race([ctx.conn.exec(cmd, { timeoutSec: sec }), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run `cmd` until `accept` says yes or the deadline passes, re-opening the connection
 * whenever it fails. Returns the accepted result, or undefined on timeout.
 */
async function pollUntil(ctx: ModuleContext, args: RebootArgs, deadline: number, cmd: string, accept: (r: ExecResult) => boolean): Promise<ExecResult | undefined> {
  while (Date.now() < deadline) {
    try {
      const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      const res = await execWithin(ctx, cmd, Math.min(Math.max(args.connect_timeout, 1), left));
      if (accept(res)) return res;
    } catch {
      // The host is going down or not up yet: reconnect (it retries until the deadline), then poll again.
      await ctx.reconnect(deadline).catch(() => undefined);
    }
    await sleep(timing.pollSec);
  }
  return undefined;
}

export default defineModule({
  name: 'reboot',
  description: 'Reboot the host and wait until it is back (new boot id, test_command passes)',
  schema,
  async plan(args, ctx) {
    return {
      changed: true,
      msg: 'would reboot',
      done: 'rebooted',
      apply: async () => {
        const started = Date.now();
        const deadline = started + args.reboot_timeout * 1000;
        const delay = Math.max(1, args.pre_reboot_delay);
        // One exec: read the boot id, then start the reboot detached (delay, then reboot_command or ours).
        const issued = await ctx.conn.exec(
          sh`b=$(sh -c ${args.boot_time_command}) && [ -n "$b" ] || { echo ${`cannot read the boot time with: ${args.boot_time_command}`} >&2; exit 97; }
printf '%s\n' "$b"; msg=${args.msg}; export msg
nohup sh -c ${`sleep ${delay}; ${args.reboot_command || DEFAULT_REBOOT}`} </dev/null >/dev/null 2>&1 &`,
        );
        if (issued.rc !== 0) throw new ModuleFailure(`Reboot command failed: ${issued.stderr.trim() || `rc ${issued.rc}`}`, { rc: issued.rc });
        const bootBefore = issued.stdout.trim();

        const back = await pollUntil(ctx, args, deadline, args.boot_time_command, (r) => r.rc === 0 && r.stdout.trim() !== '' && r.stdout.trim() !== bootBefore);
        if (!back) {
          throw new ModuleFailure(`Timed out waiting for last boot time check (timeout=${args.reboot_timeout})`, { rebooted: false, elapsed: Math.round((Date.now() - started) / 1000) });
        }
        ctx.facts.invalidate();
        if (args.post_reboot_delay) await sleep(args.post_reboot_delay);
        const tested = await pollUntil(ctx, args, deadline, args.test_command, (r) => r.rc === 0);
        const elapsed = Math.round((Date.now() - started) / 1000);
        if (!tested) throw new ModuleFailure(`Timed out waiting for post-reboot test command (timeout=${args.reboot_timeout})`, { rebooted: true, elapsed });
        return { rebooted: true, elapsed };
      },
    };
  },
});
