/** reboot's wait logic with a fake host whose boot id changes after the connection drops (fleet hosts share one kernel). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import reboot, { schema, timing } from '../../../src/modules/reboot.js';
import { ModuleFailure, type ModuleContext } from '../../../src/modules/types.js';
import type { ExecResult } from '../../../src/transport/types.js';

interface FakeHost {
  /** Boot id polls answered before the host goes down (the reboot is delayed on a real host too). */
  pollsBeforeDown: number;
  /** Reconnect attempts that fail while "booting". */
  failedReconnects: number;
  /** The boot id never changes (a reboot that did not happen). */
  neverReboots?: boolean;
  /** Reconnect never succeeds. */
  neverBack?: boolean;
  /** test_command fails this many times after the reboot. */
  testFailures?: number;
}

function fakeCtx(h: FakeHost) {
  const log: string[] = [];
  let boot = 'boot-A';
  let connected = true;
  let issued = false;
  let polls = 0;
  let invalidated = 0;
  let testFailures = h.testFailures ?? 0;
  const result = (stdout: string, rc = 0): ExecResult => ({ rc, stdout, stderr: '', stdoutBytes: Buffer.from(stdout) });
  const ctx = {
    host: 'h',
    check: false,
    diff: false,
    vars: {},
    timeoutSec: 30,
    facts: { invalidate: () => invalidated++ },
    conn: {
      hostName: 'h',
      exec: async (cmd: unknown) => {
        const text = String(cmd);
        if (!connected) throw new Error('connection lost');
        if (text.includes('nohup')) {
          log.push(text);
          issued = true;
          return result(`${boot}\n`);
        }
        if (text === 'cat /proc/sys/kernel/random/boot_id') {
          if (issued && boot === 'boot-A' && ++polls > h.pollsBeforeDown && !h.neverReboots) {
            connected = false;
            throw new Error('connection reset');
          }
          return result(`${boot}\n`);
        }
        if (text === 'true') return result('', testFailures-- > 0 ? 1 : 0);
        throw new Error(`unexpected command ${text}`);
      },
    },
    reconnect: async (deadline: number) => {
      log.push('reconnect');
      if (h.neverBack) {
        while (Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        throw new Error('host did not come back');
      }
      if (h.failedReconnects-- > 0) throw new Error('connection refused');
      connected = true;
      boot = 'boot-B';
    },
  } as unknown as ModuleContext;
  return { ctx, log, invalidated: () => invalidated };
}

let savedPoll: number;
beforeEach(() => {
  savedPoll = timing.pollSec;
  timing.pollSec = 0.01;
});
afterEach(() => {
  timing.pollSec = savedPoll;
});

async function apply(args: object, host: FakeHost) {
  const f = fakeCtx(host);
  const plan = await reboot.plan(schema.parse(args), f.ctx);
  return { plan, f, run: () => plan.apply!() };
}

describe('reboot', () => {
  it('plans "would reboot" and touches nothing while planning', async () => {
    const { plan, f } = await apply({}, { pollsBeforeDown: 0, failedReconnects: 0 });
    expect(plan).toMatchObject({ changed: true, msg: 'would reboot' });
    expect(f.log).toEqual([]);
  });

  it('issues a detached reboot, reconnects when the host drops, waits for a new boot id, then tests and forgets facts', async () => {
    const { f, run } = await apply({ msg: "kernel patch's reboot" }, { pollsBeforeDown: 3, failedReconnects: 2 });
    const res = await run();
    expect(res).toMatchObject({ rebooted: true });
    expect(typeof (res as Record<string, unknown>).elapsed).toBe('number');
    const issued = f.log.filter((l) => l.includes('nohup'));
    expect(issued).toHaveLength(1);
    expect(issued[0]).toContain(`msg='kernel patch'"'"'s reboot'`);
    expect(issued[0]).toMatch(/nohup sh -c 'sleep 1; if command -v shutdown .*shutdown -r now "\$msg"/);
    expect(issued[0]).toContain('</dev/null >/dev/null 2>&1 &');
    // Two failed reconnects (still booting), then one that works.
    expect(f.log.filter((l) => l === 'reconnect')).toHaveLength(3);
    expect(f.invalidated()).toBe(1);
  });

  it('times out when the boot id never changes', async () => {
    const { run } = await apply({ reboot_timeout: 0.3 }, { pollsBeforeDown: 0, failedReconnects: 0, neverReboots: true });
    const e = await run().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModuleFailure);
    expect((e as Error).message).toBe('Timed out waiting for last boot time check (timeout=0.3)');
    expect((e as ModuleFailure).result).toMatchObject({ rebooted: false });
  });

  it('times out when the host never comes back', async () => {
    const { run } = await apply({ reboot_timeout: 0.3 }, { pollsBeforeDown: 1, failedReconnects: 0, neverBack: true });
    await expect(run()).rejects.toThrow('Timed out waiting for last boot time check (timeout=0.3)');
  });

  it('retries test_command until it passes, and fails when it never does', async () => {
    const ok = await apply({}, { pollsBeforeDown: 0, failedReconnects: 0, testFailures: 2 });
    expect(await ok.run()).toMatchObject({ rebooted: true });
    const bad = await apply({ reboot_timeout: 0.5 }, { pollsBeforeDown: 0, failedReconnects: 0, testFailures: 1e9 });
    const e = await bad.run().catch((x: unknown) => x);
    expect((e as Error).message).toBe('Timed out waiting for post-reboot test command (timeout=0.5)');
    expect((e as ModuleFailure).result).toMatchObject({ rebooted: true });
  });

  it('uses reboot_command and pre_reboot_delay when given', async () => {
    const { f, run } = await apply({ reboot_command: 'systemctl kexec', pre_reboot_delay: 5 }, { pollsBeforeDown: 0, failedReconnects: 0 });
    await run();
    expect(f.log[0]).toContain("nohup sh -c 'sleep 5; systemctl kexec'");
  });
});
