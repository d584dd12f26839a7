/**
 * reboot over real SSH. Fleet hosts share the controller's kernel and cannot reboot,
 * so the "reboot" is simulated with the module's own knobs: boot_time_command reads a
 * per-test "boot id" in /run, and reboot_command changes it and kills THIS connection's
 * sshd session, so the module really loses its connection, reconnects and polls.
 * A real reboot (new kernel boot id) is proven on a booted VM later, not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import reboot from '../../src/modules/reboot.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, openHarness, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
const bootFile = `/run/nm-boot-${randomBytes(4).toString('hex')}`;

/** PID of the sshd process serving the connection this command runs on. */
const SESSION_PID = `p=$PPID; while [ "$p" -gt 1 ]; do c=$(cat /proc/$p/comm); [ "$c" = sshd ] || [ "$c" = sshd-session ] && break; p=$(cut -d' ' -f4 /proc/$p/stat); done; echo $p`;
const sessionPid = async (): Promise<string> => (await hx.conn.as(undefined).exec(SESSION_PID)).stdout.trim();

beforeAll(async () => {
  host = (await execHosts())[0];
  hx = await openHarness(host, { user: 'root', become: false });
  await hx.conn.as(undefined).exec(`echo boot-one > ${bootFile}`);
});
afterAll(async () => {
  await hx.conn.as(undefined).exec(`rm -f ${bootFile}`);
  await hx.close();
});

describe('reboot (simulated on the fleet)', () => {
  it('check mode only reports it would reboot', async () => {
    const r = await hx.run(reboot, {}, { check: true });
    expect(r).toMatchObject({ changed: true, plan: { msg: 'would reboot' } });
    expect((await hx.conn.as(undefined).exec(`cat ${bootFile}`)).stdout).toBe('boot-one\n');
  });

  it('loses the connection, reconnects, sees the new boot id, runs test_command and forgets facts', async () => {
    await hx.facts.get('hostname');
    const pidBefore = await sessionPid();
    expect(pidBefore).toMatch(/^\d+$/);
    const r = await hx.run(reboot, {
      boot_time_command: `cat ${bootFile}`,
      reboot_command: `echo boot-two > ${bootFile}; kill ${pidBefore}`,
      test_command: `test -s ${bootFile}`,
      reboot_timeout: 60,
      connect_timeout: 5,
    });
    expect(r.changed).toBe(true);
    expect(r.result).toMatchObject({ rebooted: true });
    expect((await hx.conn.as(undefined).exec(`cat ${bootFile}`)).stdout).toBe('boot-two\n');
    // A new sshd session serves the connection now: the old one really died.
    const pidAfter = await sessionPid();
    expect(pidAfter).toMatch(/^\d+$/);
    expect(pidAfter).not.toBe(pidBefore);
    expect(hx.facts.peek('hostname')).toBeUndefined();
  });
});
