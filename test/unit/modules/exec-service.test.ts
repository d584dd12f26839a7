/** The systemd path of service/systemd with a fake shell (the fleet runs sysvinit; that path is tested for real). */
import { describe, expect, it } from 'vitest';
import service, { systemd, schema, parseSystemd } from '../../../src/modules/service.js';
import { ModuleFailure, type ModuleContext } from '../../../src/modules/types.js';
import type { ExecResult } from '../../../src/transport/types.js';

const MARK = '__NODEMEND_SVC__';

function showOutput(props: Record<string, string>, isEnabled: string, rc: number, initd = false): string {
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n${MARK}\n${isEnabled}\n${MARK} rc=${rc}\n${initd ? 'initd\n' : ''}`;
}

function fakeCtx(query: string, applyReply: Partial<ExecResult> = {}, serviceMgr = 'systemd') {
  const commands: string[] = [];
  const factsAsked: string[] = [];
  const ctx = {
    host: 'h',
    check: false,
    diff: false,
    vars: {},
    timeoutSec: 30,
    facts: {
      get: async (n: string) => {
        factsAsked.push(n);
        return n === 'service_mgr' ? serviceMgr : undefined;
      },
    },
    conn: {
      hostName: 'h',
      exec: async (cmd: unknown) => {
        const text = String(cmd);
        commands.push(text);
        // The state read (the systemd module's starts with its systemctl lookup) answers `query`.
        const read = text.includes('systemctl show') || text.includes('__NODEMEND_NO_BIN__');
        const out = read ? query : (applyReply.stdout ?? '');
        return { rc: 0, stderr: '', ...(read ? {} : applyReply), stdout: out, stdoutBytes: Buffer.from(out) } as ExecResult;
      },
    },
  } as unknown as ModuleContext;
  return { ctx, commands, factsAsked };
}

const inactive = showOutput({ LoadState: 'loaded', ActiveState: 'inactive', SubState: 'dead', UnitFileState: 'disabled', NeedDaemonReload: 'no' }, 'disabled', 1);
const active = showOutput({ LoadState: 'loaded', ActiveState: 'active', SubState: 'running', UnitFileState: 'enabled', NeedDaemonReload: 'no' }, 'enabled', 0);

describe('systemd state reading', () => {
  it('parses systemctl show and is-enabled like Ansible (indirect/alias are not enabled)', () => {
    expect(parseSystemd(active)).toMatchObject({ found: true, running: true, enabled: true, needReload: false, status: { SubState: 'running' } });
    expect(parseSystemd(inactive)).toMatchObject({ found: true, running: false, enabled: false });
    expect(parseSystemd(showOutput({ LoadState: 'loaded', ActiveState: 'active' }, 'indirect', 0)).enabled).toBe(false);
    expect(parseSystemd(showOutput({ LoadState: 'loaded', ActiveState: 'activating' }, 'static', 0))).toMatchObject({ running: true, enabled: true });
    expect(parseSystemd(showOutput({ LoadState: 'not-found', ActiveState: 'inactive' }, '', 4)).found).toBe(false);
    expect(parseSystemd(showOutput({ LoadState: 'not-found', ActiveState: 'inactive' }, '', 4, true)).found).toBe(true);
    expect(() => parseSystemd(showOutput({ LoadState: 'bad-setting', LoadError: 'org.freedesktop.systemd1.BadSetting "Unit x has a bad unit file setting."' }, '', 1))).toThrow(
      /Error loading unit file: org.freedesktop.systemd1.BadSetting/,
    );
  });
});

describe('systemd plans and applies', () => {
  it('started + enabled on a stopped, disabled unit: one read, then enable and start in one exec', async () => {
    const { ctx, commands } = fakeCtx(inactive, { stdout: '' });
    const plan = await service.plan(schema.parse({ name: 'kubelet', state: 'started', enabled: true }), ctx);
    expect(commands).toEqual([expect.stringMatching(/^systemctl show kubelet --no-pager --property=LoadState,ActiveState/)]);
    expect(plan).toMatchObject({ changed: true, msg: 'would enable kubelet, start kubelet', result: { name: 'kubelet', state: 'started', enabled: true } }); // as Ansible: the state asked for, in check mode too
    expect(await plan.apply!()).toMatchObject({ enabled: true });
    expect(commands).toHaveLength(2);
    const apply = commands[1];
    expect(apply.indexOf('systemctl enable kubelet')).toBeGreaterThan(-1);
    expect(apply.indexOf('systemctl start kubelet')).toBeGreaterThan(apply.indexOf('systemctl enable kubelet'));
  });

  it('nothing to do on a running, enabled unit', async () => {
    const { ctx, commands } = fakeCtx(active);
    const plan = await service.plan(schema.parse({ name: 'docker', state: 'started', enabled: 'yes' }), ctx);
    expect(plan).toMatchObject({ changed: false, msg: 'docker is already running and enabled' });
    expect(commands).toHaveLength(1);
  });

  it('restarted/reloaded always change; stopped stops a running unit', async () => {
    const steps = async (args: object, q: string) => (await systemd.plan(schema.parse(args), fakeCtx(q).ctx)).msg;
    expect(await steps({ name: 'docker', state: 'restarted' }, active)).toBe('would restart docker');
    expect(await steps({ name: 'docker', state: 'reloaded' }, active)).toBe('would reload docker');
    expect(await steps({ name: 'docker', state: 'restarted' }, inactive)).toBe('would start docker');
    expect(await steps({ name: 'docker', state: 'stopped' }, active)).toBe('would stop docker');
    expect(await steps({ name: 'docker', enabled: false }, active)).toBe('would disable docker');
  });

  it('daemon_reload runs first, only when systemd says the unit changed (always without a name)', async () => {
    const stale = showOutput({ LoadState: 'loaded', ActiveState: 'active', NeedDaemonReload: 'yes' }, 'enabled', 0);
    const { ctx, commands } = fakeCtx(stale);
    const plan = await systemd.plan(schema.parse({ name: 'kubelet', state: 'restarted', daemon_reload: true }), ctx);
    expect(plan.msg).toBe('would daemon-reload, restart kubelet');
    await plan.apply!();
    expect(commands[1].indexOf('systemctl daemon-reload')).toBeGreaterThan(-1);
    expect(commands[1].indexOf('systemctl daemon-reload')).toBeLessThan(commands[1].indexOf('systemctl restart kubelet'));
    expect((await systemd.plan(schema.parse({ name: 'kubelet', state: 'started', daemon_reload: true }), fakeCtx(active).ctx)).changed).toBe(false);
    const bare = fakeCtx(active);
    const p = await systemd.plan(schema.parse({ daemon_reload: true }), bare.ctx);
    expect(p).toMatchObject({ changed: true, msg: 'would daemon-reload' });
    // Only the systemd module's systemctl lookup (get_bin_path) is sent.
    expect(bare.commands).toHaveLength(1);
    expect(bare.commands[0]).toContain('/sbin /usr/sbin /usr/local/sbin');
  });

  it('no_block and force reach every systemctl command in 2.14 order; scope user/global is refused at load', async () => {
    const { ctx, commands } = fakeCtx(inactive, { stdout: '' });
    const plan = await systemd.plan(systemd.schema.parse({ name: 'kubelet', state: 'started', enabled: true, no_block: true, force: 'yes', daemon_reexec: true }), ctx);
    await plan.apply!();
    expect(commands[1]).toContain('systemctl --no-block --force daemon-reexec');
    expect(commands[1]).toContain('systemctl --no-block --force enable kubelet');
    expect(commands[1]).toContain('systemctl --no-block --force start kubelet');
    expect(systemd.schema.safeParse({ name: 'x', state: 'started', scope: 'system' }).success).toBe(true);
    expect(JSON.stringify(systemd.schema.safeParse({ name: 'x', state: 'started', scope: 'user' }).error?.issues)).toContain('scope user and global');
  });

  it('the systemd module fails as 2.14 when systemctl is nowhere it looks (audit25 N33); service does not look', async () => {
    const none = '__NODEMEND_NO_BIN__ /usr/bin:/bin:/sbin:/usr/sbin:/usr/local/sbin\n';
    const message = 'Failed to find required executable "systemctl" in paths: /usr/bin:/bin:/sbin:/usr/sbin:/usr/local/sbin';
    await expect(systemd.plan(schema.parse({ name: 'docker', state: 'started' }), fakeCtx(none).ctx)).rejects.toThrow(message);
    await expect(systemd.plan(schema.parse({ daemon_reload: true }), fakeCtx(none).ctx)).rejects.toThrow(message);
    const svc = fakeCtx(inactive);
    await service.plan(schema.parse({ name: 'docker', state: 'started' }), svc.ctx);
    expect(svc.commands[0]).not.toContain('__NODEMEND_NO_BIN__');
  });

  it('the systemd alias never asks for the service_mgr fact; service does', async () => {
    const a = fakeCtx(active, {}, 'sysvinit');
    await systemd.plan(schema.parse({ name: 'docker', state: 'started' }), a.ctx);
    expect(a.factsAsked).toEqual([]);
    const b = fakeCtx(active);
    await service.plan(schema.parse({ name: 'docker', state: 'started' }), b.ctx);
    expect(b.factsAsked).toEqual(['service_mgr']);
  });

  it('a missing unit and a failing start are reported like Ansible', async () => {
    const missing = showOutput({ LoadState: 'not-found', ActiveState: 'inactive' }, '', 4);
    await expect(systemd.plan(schema.parse({ name: 'nope', state: 'started' }), fakeCtx(missing).ctx)).rejects.toThrow('Could not find the requested service nope: host');
    const { ctx } = fakeCtx(inactive, { rc: 1, stdout: 'Job for kubelet.service failed because the control process exited with error code.\n', stderr: '__NODEMEND_SVC_FAILED__ start\n' });
    const plan = await systemd.plan(schema.parse({ name: 'kubelet', state: 'started' }), ctx);
    const e = await plan.apply!().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModuleFailure);
    expect((e as Error).message).toBe('Unable to start service kubelet: Job for kubelet.service failed because the control process exited with error code.');
  });

  it('rejects names that could be options or shell, and state without name', () => {
    expect(schema.safeParse({ name: '-x', state: 'started' }).success).toBe(false);
    expect(schema.safeParse({ name: 'a;b', state: 'started' }).success).toBe(false);
    expect(schema.safeParse({ state: 'started' }).success).toBe(false);
    expect(schema.safeParse({ name: 'getty@tty1.service', state: 'started' }).success).toBe(true);
  });
});

describe('sysvinit command lines (chkconfig hosts; update-rc.d is exercised on the fleet)', () => {
  it('reads status and chkconfig state, then enables with chkconfig and starts with the init script', async () => {
    const { parseSysv, decideSteps, stepCommands } = await import('../../../src/modules/service.js');
    const st = parseSysv('found=1\nrunning=0\ntool=chkconfig\nenabled=0\n');
    expect(st).toMatchObject({ found: true, running: false, enabled: false, enableTool: 'chkconfig' });
    const steps = decideSteps(schema.parse({ name: 'docker', state: 'started', enabled: true }), st, 'sysvinit');
    expect(steps).toEqual({ daemonReload: false, enable: 'enable', action: 'start' });
    const text = String(stepCommands('docker', steps, 'sysvinit', st));
    expect(text).toContain('chkconfig --list docker >/dev/null 2>&1 || chkconfig --add docker; chkconfig docker on');
    expect(text.indexOf('/etc/init.d/docker start')).toBeGreaterThan(text.indexOf('chkconfig docker on'));
    // update-rc.d: links are created with "defaults" only when none exist yet.
    const deb = parseSysv('found=1\nrunning=1\ntool=update-rc.d\nenabled=0\nklinks=1\n');
    expect(String(stepCommands('x', { daemonReload: false, enable: 'enable' }, 'sysvinit', deb))).not.toContain('defaults');
    expect(String(stepCommands('x', { daemonReload: false, enable: 'enable' }, 'sysvinit', { ...deb, hasKLinks: false }))).toContain('update-rc.d x defaults');
  });
});

describe('systemd masked and daemon_reexec (ansible.builtin.systemd)', () => {
  const masked = showOutput({ LoadState: 'masked', ActiveState: 'inactive', UnitFileState: 'masked', NeedDaemonReload: 'no' }, 'masked', 1);
  it('reads masked from is-enabled and masks first, then enables and starts', async () => {
    expect(parseSystemd(masked)).toMatchObject({ masked: true, found: true, enabled: false });
    const { ctx, commands } = fakeCtx(masked);
    const plan = await systemd.plan(systemd.schema.parse({ unit: 'kubelet', masked: false, enabled: true, state: 'started' }), ctx);
    expect(plan).toMatchObject({ changed: true, msg: 'would unmask kubelet, enable kubelet, start kubelet', result: { name: 'kubelet', masked: true } });
    expect(await plan.apply!()).toMatchObject({ masked: false, enabled: true });
    const order = ['systemctl unmask kubelet', 'systemctl enable kubelet', 'systemctl start kubelet'].map((c) => commands[1].indexOf(c));
    expect(order.every((i, n) => i > -1 && (n === 0 || i > order[n - 1]))).toBe(true);
  });
  it('masked: true on a masked unit changes nothing; on a missing unit it masks (as Ansible, before install)', async () => {
    expect((await systemd.plan(systemd.schema.parse({ name: 'docker', masked: true }), fakeCtx(masked).ctx)).changed).toBe(false);
    const missing = showOutput({ LoadState: 'not-found', ActiveState: 'inactive' }, '', 4);
    expect(await systemd.plan(systemd.schema.parse({ service: 'ntpd', masked: 'yes' }), fakeCtx(missing).ctx)).toMatchObject({ changed: true, msg: 'would mask ntpd' });
  });
  it('daemon-reexec always runs (the D-Bus cookie workaround) and the service module refuses masked', async () => {
    const { ctx, commands } = fakeCtx(active);
    const plan = await systemd.plan(systemd.schema.parse({ 'daemon-reexec': true }), ctx);
    expect(plan).toMatchObject({ changed: true, msg: 'would daemon-reexec' });
    await plan.apply!();
    expect(commands.at(-1)).toContain('systemctl daemon-reexec');
    expect(service.schema.safeParse({ name: 'x', masked: true }).success).toBe(false);
    expect(systemd.schema.safeParse({ masked: true }).success).toBe(false);
  });
});

/**
 * What `systemdQuery` reads on a CentOS 7 node, systemd 219 (redhat-plumbers/systemd-rhel7 tag
 * v219-78): `show --property=...` omits a string property whose value is empty
 * (src/libsystemd/sd-bus/bus-util.c bus_print_property: `if (all || !isempty(s))`), so
 * UnitFileState is simply absent for a unit that has none; `is-enabled` (src/systemctl/systemctl.c
 * unit_is_enabled) prints the state and exits 0 only for enabled, enabled-runtime, static and
 * indirect, 1 otherwise; an unknown unit prints nothing on stdout ("Failed to get unit file state
 * for X: No such file or directory" on stderr) and exits 1 (4 only from later systemd); a SysV
 * script is answered through chkconfig (enable_sysv_units): "enabled"/"disabled".
 */
describe('systemd 219 (RHEL 7) output as the service module reads it', () => {
  const q = (show: string[], isEnabled: string, rc: number, initd = false) => `${show.join('\n')}\n${MARK}\n${isEnabled}${isEnabled ? '\n' : ''}${MARK} rc=${rc}\n${initd ? 'initd\n' : ''}`;
  it('docker.service of docker-ce, running and enabled', () => {
    const s = parseSystemd(q(['LoadState=loaded', 'ActiveState=active', 'SubState=running', 'UnitFileState=enabled', 'NeedDaemonReload=no', 'MainPID=1234'], 'enabled', 0));
    expect(s).toMatchObject({ found: true, running: true, enabled: true, needReload: false });
  });
  it('an unknown unit: not-found, no UnitFileState line, is-enabled empty with exit 1', () => {
    const out = q(
      ['LoadState=not-found', 'ActiveState=inactive', 'SubState=dead', 'LoadError=org.freedesktop.DBus.Error.FileNotFound "No such file or directory"', 'NeedDaemonReload=no', 'MainPID=0'],
      '',
      1,
    );
    expect(parseSystemd(out)).toMatchObject({ found: false, running: false, enabled: false });
  });
  it('a SysV init script systemd-sysv-generator wraps: no UnitFileState, is-enabled answered by chkconfig', () => {
    const show = ['LoadState=loaded', 'ActiveState=active', 'SubState=exited', 'NeedDaemonReload=no', 'MainPID=0'];
    expect(parseSystemd(q(show, 'enabled', 0, true))).toMatchObject({ found: true, running: true, enabled: true });
    expect(parseSystemd(q(show, 'disabled', 1, true))).toMatchObject({ found: true, enabled: false });
  });
  it('static and indirect exit 0; masked exits 1', () => {
    const show = ['LoadState=loaded', 'ActiveState=inactive', 'SubState=dead', 'NeedDaemonReload=no', 'MainPID=0'];
    expect(parseSystemd(q([...show, 'UnitFileState=static'], 'static', 0)).enabled).toBe(true);
    expect(parseSystemd(q([...show, 'UnitFileState=indirect'], 'indirect', 0)).enabled).toBe(false); // as Ansible
    const masked = ['LoadState=masked', 'ActiveState=inactive', 'SubState=dead', 'UnitFileState=masked', 'NeedDaemonReload=no', 'MainPID=0'];
    expect(parseSystemd(q(masked, 'masked', 1))).toMatchObject({ found: true, enabled: false, running: false });
  });
});
