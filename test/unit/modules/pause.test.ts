/** pause's pure parts: its arguments (Python's int() callable), how long it waits, how it words stdout and times. */
import { describe, expect, it } from 'vitest';
import pause, { NOT_WAITING, pauseDuration, pyNow, pyRound2 } from '../../../src/modules/pause.js';
import type { ModuleContext } from '../../../src/modules/types.js';

const parse = (a: unknown) => pause.schema.safeParse(a);

describe('pause', () => {
  it('seconds and minutes take what int() takes: a fraction is cut, a numeric string read', () => {
    expect(parse({ seconds: 1.7 }).data).toEqual({ seconds: 1, echo: true });
    expect(parse({ minutes: '2' }).data).toEqual({ minutes: 2, echo: true });
    expect(parse({ seconds: '1.5' }).error?.issues[0].message).toBe("invalid literal for int() with base 10: '1.5'");
    expect(parse({ seconds: 1, minutes: 1 }).error?.issues[0].message).toBe('parameters are mutually exclusive: minutes|seconds');
    expect(parse({ echo: 'no', prompt: 'x' }).data).toEqual({ echo: false, prompt: 'x' });
    expect(parse({ sleep: 1 }).success).toBe(false);
  });
  it('waits at least a second when given a duration, not at all without one; stdout names minutes unless seconds were given', () => {
    expect(pauseDuration({ seconds: 0 })).toEqual({ wait: 1, unit: 'seconds' });
    expect(pauseDuration({ seconds: 5 })).toEqual({ wait: 5, unit: 'seconds' });
    expect(pauseDuration({ minutes: 0 })).toEqual({ wait: 1, unit: 'minutes' });
    expect(pauseDuration({ minutes: 2 })).toEqual({ wait: 120, unit: 'minutes' });
    expect(pauseDuration({})).toEqual({ wait: 0, unit: 'minutes' });
  });
  it("words numbers and times as Python's str()", () => {
    expect([pyRound2(1.0049), pyRound2(1.013), pyRound2(0), pyRound2(1 / 60)]).toEqual(['1.0', '1.01', '0.0', '0.02']);
    const t = new Date(2026, 11, 7, 1, 2, 3, 456).getTime();
    expect(pyNow(t + 0.789)).toBe('2026-12-07 01:02:03.456789');
    expect(pyNow(new Date(2026, 0, 1, 0, 0, 0, 0).getTime())).toBe('2026-01-01 00:00:00');
  });
  it('warns without a duration (output only), and a stop ends a long wait at once', async () => {
    const warned: string[] = [];
    const ctx = (stop?: AbortSignal) => ({ warn: (m: string) => void warned.push(m), stop }) as unknown as ModuleContext;
    const bare = await pause.plan(pause.schema.parse({ prompt: 'go?' }), ctx());
    expect(warned).toEqual([NOT_WAITING]);
    expect(NOT_WAITING).toBe('Not waiting for response to prompt as stdin is not interactive');
    expect(bare.result).not.toHaveProperty('warnings');
    const stop = new AbortController();
    setTimeout(() => stop.abort('SIGINT'), 200);
    const t0 = Date.now();
    const long = await pause.plan(pause.schema.parse({ seconds: 300 }), ctx(stop.signal));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(long.result).toMatchObject({ rc: 0, delta: 0 });
    expect(warned).toHaveLength(1);
  });
});
