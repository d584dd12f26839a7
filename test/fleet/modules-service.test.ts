/**
 * service on a real sysvinit host (the fleet has no systemd: PID 1 is a bash loop):
 * a tiny init script installed by the test, start/stop/restart/reload, enable via
 * update-rc.d, check mode. The systemd path is covered by test/unit/modules/exec-service.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import service from '../../src/modules/service.js';
import { ModuleFailure } from '../../src/modules/types.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, onHost, openHarness, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
const name = `nm-dummy-${randomBytes(3).toString('hex')}`;
const broken = `${name}-broken`;

// A plain shell daemon that does NOT detach from its stdout: the module must not hang on it.
const SCRIPT = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          ${name}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: nodemend test daemon
### END INIT INFO
PID=/run/${name}.pid
running() { [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; }
case "$1" in
  start) running && exit 0; sleep 100000 & echo $! > $PID; echo started ;;
  stop) running && kill "$(cat $PID)"; rm -f $PID; echo stopped ;;
  restart) "$0" stop && "$0" start ;;
  reload) running || exit 7; echo reload >> /run/${name}.reloads ;;
  status) running ;;
  *) echo "usage: $0 start|stop|restart|reload|status"; exit 3 ;;
esac
`;

const root = () => hx.conn.as({ user: 'root', method: 'sudo' });
const pidOf = async (): Promise<string> => (await root().exec(`cat /run/${name}.pid 2>/dev/null || true`)).stdout.trim();
const isRunning = async (): Promise<boolean> => (await root().exec(`/etc/init.d/${name} status`)).rc === 0;
const links = (kind: 'S' | 'K'): string[] =>
  ['rc0.d', 'rc1.d', 'rc2.d', 'rc3.d', 'rc4.d', 'rc5.d', 'rc6.d'].filter(
    (d) => existsSync(onHost(host, `/etc/${d}`)) && readdirSync(onHost(host, `/etc/${d}`)).some((f) => f.startsWith(kind) && f.slice(3) === name),
  );

beforeAll(async () => {
  host = (await execHosts())[0];
  hx = await openHarness(host);
  writeFileSync(onHost(host, `/etc/init.d/${name}`), SCRIPT);
  chmodSync(onHost(host, `/etc/init.d/${name}`), 0o755);
  writeFileSync(onHost(host, `/etc/init.d/${broken}`), '#!/bin/sh\n[ "$1" = status ] && exit 3\necho "cannot start: config missing" >&2; exit 1\n');
  chmodSync(onHost(host, `/etc/init.d/${broken}`), 0o755);
});
afterAll(async () => {
  await root().exec(`/etc/init.d/${name} stop >/dev/null 2>&1; update-rc.d -f ${name} remove >/dev/null 2>&1; rm -f /etc/init.d/${name} /etc/init.d/${broken} /run/${name}.reloads`);
  await hx.close();
});

describe('service (sysvinit backend)', () => {
  it('fails on a service that does not exist', async () => {
    await expect(hx.run(service, { name: 'nm-no-such-service', state: 'started' })).rejects.toThrow('Could not find the requested service nm-no-such-service: host');
  });

  it('started: check mode leaves it stopped; then starts once; then no change', async () => {
    const check = await hx.run(service, { name, state: 'started' }, { check: true });
    expect(check).toMatchObject({ changed: true, plan: { msg: `would start ${name}` } });
    expect(await isRunning()).toBe(false);
    const r = await hx.run(service, { name, state: 'started' });
    expect(r).toMatchObject({ changed: true, result: { name, state: 'started', stdout: 'started' } });
    expect(await isRunning()).toBe(true);
    const again = await hx.run(service, { name, state: 'started' });
    expect(again).toMatchObject({ changed: false, plan: { msg: `${name} is already running` } });
  });

  it('restarted always changes and gives a new process', async () => {
    const before = await pidOf();
    const r = await hx.run(service, { name, state: 'restarted' });
    expect(r.changed).toBe(true);
    const after = await pidOf();
    expect(after).not.toBe('');
    expect(after).not.toBe(before);
    expect(await isRunning()).toBe(true);
  });

  it('reloaded reloads a running service (same process)', async () => {
    const pid = await pidOf();
    expect((await hx.run(service, { name, state: 'reloaded' })).changed).toBe(true);
    expect((await root().exec(`cat /run/${name}.reloads`)).stdout).toBe('reload\n');
    expect(await pidOf()).toBe(pid);
  });

  it('stopped: check mode leaves it running; then stops; then no change', async () => {
    expect((await hx.run(service, { name, state: 'stopped' }, { check: true })).changed).toBe(true);
    expect(await isRunning()).toBe(true);
    expect((await hx.run(service, { name, state: 'stopped' })).changed).toBe(true);
    expect(await isRunning()).toBe(false);
    expect((await hx.run(service, { name, state: 'stopped' })).changed).toBe(false);
  });

  it('reloaded on a stopped service starts it (Ansible)', async () => {
    const r = await hx.run(service, { name, state: 'reloaded' });
    expect(r).toMatchObject({ changed: true, plan: { msg: `would start ${name}` } });
    expect(await isRunning()).toBe(true);
  });

  it('enabled: creates the rc links once (check mode creates none); disabled turns them into K links', async () => {
    expect(links('S')).toEqual([]);
    const check = await hx.run(service, { name, enabled: true }, { check: true });
    // The value asked for, as Ansible's service module registers it (result['enabled'] = params), check mode too.
    expect(check).toMatchObject({ changed: true, result: { enabled: true } });
    expect(links('S')).toEqual([]);
    expect((await hx.run(service, { name, enabled: true })).result.enabled).toBe(true);
    expect(links('S')).toEqual(['rc2.d', 'rc3.d', 'rc4.d', 'rc5.d']);
    expect((await hx.run(service, { name, enabled: true, state: 'started' })).changed).toBe(false);
    const off = await hx.run(service, { name, enabled: false });
    expect(off).toMatchObject({ changed: true, result: { enabled: false } });
    expect(links('S')).toEqual([]);
    expect(links('K').length).toBeGreaterThan(0);
    expect((await hx.run(service, { name, enabled: false })).changed).toBe(false);
    expect((await hx.run(service, { name, enabled: true })).changed).toBe(true);
    expect(links('S')).toEqual(['rc2.d', 'rc3.d', 'rc4.d', 'rc5.d']);
  });

  it('a failing init script is reported with its output', async () => {
    const e = await hx.run(service, { name: broken, state: 'started' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModuleFailure);
    expect((e as Error).message).toBe(`Unable to start service ${broken}: cannot start: config missing`);
    expect((e as ModuleFailure).result.rc).toBe(1);
  });

  it('daemon_reload without a name is a no-op on a sysvinit host', async () => {
    expect((await hx.run(service, { daemon_reload: true })).changed).toBe(false);
  });
});
