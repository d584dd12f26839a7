/**
 * pause: wait `seconds` or `minutes` on the controller, as ansible-core 2.14's action plugin
 * (plugins/action/pause.py) does when its stdin is not a terminal (a CI's, nodemend's always):
 * it waits the duration (at least 1 second; a fraction is cut to its whole part, Python's int())
 * and reads no key; without a duration it does not wait at all and warns, as Ansible does,
 * "[WARNING]: Not waiting for response to prompt as stdin is not interactive" (in the output, not
 * the registered result). nodemend never reads the keyboard (README, "Choices"). Ctrl-C (or
 * SIGTERM) during the wait ends it at once: the run stops there as on any Ctrl-C (exit 130).
 * The result is the plugin's: changed false, rc 0, stdout "Paused for 1.0 seconds"
 * (minutes when the task gave minutes or no duration), stderr '', start/stop (Python's
 * str(datetime.now())), delta (whole seconds), echo, user_input ''. Like Ansible's
 * BYPASS_HOST_LOOP plugins it runs once, for the batch's first host only: that host alone
 * reports and registers (unlike run_once, nothing is copied to the others). Check mode waits too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineModule } from './types.js';
import { boolArg } from './lib/args.js';

/** Python's int() on what a task may give (`type: int` callable): 1.7 → 1, "2" → 2. */
const intCallable = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return Math.trunc(v);
  const s = v.trim().replace(/_/g, '');
  if (/^[+-]?\d+$/.test(s)) return Number(s);
  ctx.addIssue({ code: 'custom', message: `invalid literal for int() with base 10: '${v}'` });
  return z.NEVER;
});

const schema = z
  .strictObject({
    seconds: intCallable.optional(),
    minutes: intCallable.optional(),
    prompt: z.string().optional(),
    echo: boolArg.default(true),
  })
  .superRefine((a, ctx) => {
    if (a.seconds !== undefined && a.minutes !== undefined) ctx.addIssue({ code: 'custom', message: 'parameters are mutually exclusive: minutes|seconds' });
  });

type Args = z.infer<typeof schema>;

/** plugins/action/pause.py's display.warning when stdin is not a terminal and there is no duration. */
export const NOT_WAITING = 'Not waiting for response to prompt as stdin is not interactive';

/** Python's str(datetime.datetime.now()): local time, microseconds unless they are 0. */
export function pyNow(ms: number): string {
  const d = new Date(Math.floor(ms));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const micro = Math.floor((ms - Math.floor(ms / 1000) * 1000) * 1000);
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return micro === 0 ? base : `${base}.${p(micro, 6)}`;
}

/** Python's str() of round(x, 2): "1.0", "1.01", "0.02". */
export function pyRound2(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

/** How long pause waits without a terminal, in seconds (0: not at all), and the unit its stdout names. */
export function pauseDuration(a: Pick<Args, 'seconds' | 'minutes'>): { wait: number; unit: 'seconds' | 'minutes' } {
  const s = a.minutes !== undefined ? a.minutes * 60 : a.seconds;
  return { wait: s === undefined ? 0 : Math.max(1, s), unit: a.minutes === undefined && a.seconds !== undefined ? 'seconds' : 'minutes' };
}

export default defineModule<Args>({
  name: 'pause',
  description: 'Wait seconds or minutes on the controller (never reads the keyboard)',
  local: true,
  bypassHostLoop: true,
  schema,
  async plan(a, ctx) {
    const { wait, unit } = pauseDuration(a);
    const t0 = performance.timeOrigin + performance.now();
    if (wait === 0) ctx.warn?.(NOT_WAITING);
    // A Node timer may fire a millisecond early; Python's time.sleep never returns early, so
    // Ansible's whole-second delta is never short: sleep again until the time has truly passed.
    // The run's stop (Ctrl-C, SIGTERM) ends the wait; the executor then starts nothing new.
    let t1 = t0;
    for (let left = wait * 1000; left > 0 && !ctx.stop?.aborted; left = wait * 1000 - (t1 - t0)) {
      await sleep(Math.ceil(left), undefined, { signal: ctx.stop }).catch(() => undefined);
      t1 = performance.timeOrigin + performance.now();
    }
    const secs = (t1 - t0) / 1000;
    return {
      changed: false,
      result: {
        rc: 0,
        stderr: '',
        stdout: `Paused for ${pyRound2(unit === 'minutes' ? secs / 60 : secs)} ${unit}`,
        start: pyNow(t0),
        stop: pyNow(t1),
        delta: Math.trunc(secs),
        echo: a.echo,
        user_input: '',
      },
    };
  },
});
