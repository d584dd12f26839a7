/**
 * service (and its alias systemd): start/stop/restart/reload a service and set
 * whether it starts at boot. Backend from the `service_mgr` fact (the systemd module
 * always uses systemd): systemctl, or on sysvinit hosts the init script plus
 * update-rc.d / chkconfig. Decisions follow Ansible: restarted/reloaded always
 * change (and start a stopped service), started/stopped only when needed.
 *
 * Plan = one exec reading the state; apply = one exec doing every step in order
 * (daemon-reload, enable/disable, then the state action), stopping at the first
 * failure. daemon_reload is planned from systemd's NeedDaemonReload, so it is a
 * change only when a unit file changed (always when no name is given).
 */
import { z } from 'zod';
import { defineModule, ModuleFailure, type ModuleContext, type ModuleDef, type Plan } from './types.js';
import { raw, sh, type Raw } from '../transport/quote.js';
import { withAliases } from './lib/args.js';
import { binPathProbe, missingBinMessage } from './lib/bin-path.js';

const flag = z.union([z.boolean(), z.stringbool()]);

const fields = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9@_.:\\-]+$/, 'not a service name')
    .refine((n) => !n.startsWith('-'), 'not a service name')
    .optional(),
  state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional(),
  enabled: flag.optional(),
  daemon_reload: flag.default(false),
};
type Common = { name?: string; state?: string; enabled?: boolean; daemon_reload: boolean; masked?: boolean; daemon_reexec?: boolean };
const needsName = (a: Common) => a.name || (a.state === undefined && a.enabled === undefined && a.masked === undefined);
const needsSomething = (a: Common) => a.name || a.daemon_reload || a.daemon_reexec || a.state || a.enabled !== undefined || a.masked !== undefined;

export const schema = z.strictObject(fields).refine(needsName, { message: 'name is required with state or enabled' }).refine(needsSomething, { message: 'one of name, daemon_reload is required' });

/** ansible.builtin.systemd's arguments: the service ones plus masked and daemon_reexec, with its aliases. */
export const systemdSchema = withAliases(
  z
    .strictObject({
      ...fields,
      masked: flag.optional(),
      daemon_reexec: flag.default(false),
      no_block: flag.default(false),
      force: flag.default(false),
      scope: z.enum(['system', 'user', 'global']).default('system'),
    })
    .refine((a) => a.scope === 'system', { message: "scope user and global (a user's own systemd manager) are not supported: nodemend manages the system's" })
    .refine(needsName, { message: 'name is required with state, enabled or masked' })
    .refine(needsSomething, { message: 'one of state, enabled, masked, daemon_reload, daemon_reexec is required' }),
  { service: 'name', unit: 'name', 'daemon-reload': 'daemon_reload', 'daemon-reexec': 'daemon_reexec' },
);
export type ServiceArgs = z.infer<typeof schema> & { masked?: boolean; daemon_reexec?: boolean; no_block?: boolean; force?: boolean };

type Backend = 'systemd' | 'sysvinit';
type Action = 'start' | 'stop' | 'restart' | 'reload';

/** What the plan read from the host. */
export interface ServiceState {
  found: boolean;
  running: boolean;
  /** systemd: stopping right now (still counts for state=stopped). */
  deactivating?: boolean;
  enabled: boolean;
  /** systemd: `systemctl is-enabled` says "masked" (what Ansible's systemd module reads). */
  masked?: boolean;
  needReload?: boolean;
  /** sysvinit with update-rc.d: K links exist (else `defaults` must create the links first). */
  hasKLinks?: boolean;
  enableTool?: 'update-rc.d' | 'chkconfig' | 'none';
  status: Record<string, string>;
}

const MARK = '__NODEMEND_SVC__';

// ---------------------------------------------------------------- systemd

const SHOW_PROPS = 'LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload,LoadError,MainPID';

export function systemdQuery(name: string): Raw {
  return sh`systemctl show ${name} --no-pager --property=${SHOW_PROPS}; printf '%s\\n' ${MARK}; systemctl is-enabled ${name} 2>/dev/null; printf '%s rc=%s\\n' ${MARK} $?; [ -x /etc/init.d/${name} ] && echo initd || :`;
}

export function parseSystemd(stdout: string): ServiceState {
  const [show, rest = ''] = stdout.split(`${MARK}\n`);
  const status: Record<string, string> = {};
  for (const line of show.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) status[line.slice(0, i)] = line.slice(i + 1);
  }
  const m = new RegExp(`^([\\s\\S]*?)${MARK} rc=(\\d+)\\n?([\\s\\S]*)$`).exec(rest);
  const enabledOut = (m?.[1] ?? '').trim();
  const enabledRc = Number(m?.[2] ?? 1);
  const initd = (m?.[3] ?? '').includes('initd');
  // Ansible: is-enabled rc 0 means enabled, except a unit that is only "indirect" or an "alias".
  const enabled = enabledRc === 0 && !['indirect', 'alias'].includes(enabledOut);
  const loaded = status.LoadState !== undefined && status.LoadState !== 'not-found';
  if (status.LoadState === 'error' || status.LoadState === 'bad-setting') {
    throw new ModuleFailure(`Error loading unit file: ${status.LoadError ?? status.LoadState}`, { status });
  }
  return {
    found: loaded || initd,
    running: ['active', 'activating', 'reloading'].includes(status.ActiveState),
    deactivating: status.ActiveState === 'deactivating',
    enabled,
    masked: enabledOut === 'masked',
    needReload: status.NeedDaemonReload === 'yes',
    status,
  };
}

// ---------------------------------------------------------------- sysvinit

export function sysvQuery(name: string): Raw {
  const script = `/etc/init.d/${name}`;
  return sh`s=${script}; n=${name}
if [ ! -x "$s" ]; then echo found=0; exit 0; fi
echo found=1
"$s" status </dev/null >/dev/null 2>&1 && echo running=1 || echo running=0
if command -v update-rc.d >/dev/null 2>&1; then
  echo tool=update-rc.d
  set -- /etc/rc?.d/S??"$n"; [ -e "$1" ] && echo enabled=1 || echo enabled=0
  set -- /etc/rc?.d/K??"$n"; [ -e "$1" ] && echo klinks=1 || echo klinks=0
elif command -v chkconfig >/dev/null 2>&1; then
  echo tool=chkconfig
  chkconfig --list "$n" 2>/dev/null | grep -q '[0-9]:on' && echo enabled=1 || echo enabled=0
else echo tool=none; echo enabled=0
fi`;
}

export function parseSysv(stdout: string): ServiceState {
  const kv: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return {
    found: kv.found === '1',
    running: kv.running === '1',
    enabled: kv.enabled === '1',
    hasKLinks: kv.klinks === '1',
    enableTool: (kv.tool as ServiceState['enableTool']) ?? 'none',
    status: kv,
  };
}

// ---------------------------------------------------------------- decisions

export interface Steps {
  daemonReload: boolean;
  /** systemd's daemon-reexec: always done when asked (the D-Bus cookie workaround). */
  daemonReexec?: boolean;
  mask?: 'mask' | 'unmask';
  enable?: 'enable' | 'disable';
  action?: Action;
}

export function decideSteps(args: ServiceArgs, st: ServiceState | undefined, backend: Backend): Steps {
  const steps: Steps = { daemonReload: backend === 'systemd' && args.daemon_reload && (!args.name || !!st?.needReload), ...(args.daemon_reexec ? { daemonReexec: true } : {}) };
  if (!st) return steps;
  // As Ansible's systemd: mask/unmask first (a masked unit cannot be enabled or started).
  if (args.masked !== undefined && args.masked !== !!st.masked) steps.mask = args.masked ? 'mask' : 'unmask';
  if (args.enabled !== undefined && args.enabled !== st.enabled) steps.enable = args.enabled ? 'enable' : 'disable';
  switch (args.state) {
    case 'started':
      if (!st.running) steps.action = 'start';
      break;
    case 'stopped':
      if (st.running || st.deactivating) steps.action = 'stop';
      break;
    case 'restarted':
    case 'reloaded':
      steps.action = !st.running ? 'start' : args.state === 'restarted' ? 'restart' : 'reload';
      break;
  }
  return steps;
}

const FAILED = '__NODEMEND_SVC_FAILED__';

/** One shell command line per step; each failure names its step on stderr and stops the chain. */
/** systemctl with the systemd module's flags, in 2.14's order (`--no-block`, then `--force`), on every command it runs. */
function systemctlWith(flags: { no_block?: boolean; force?: boolean }): Raw {
  return raw(['systemctl', ...(flags.no_block ? ['--no-block'] : []), ...(flags.force ? ['--force'] : [])].join(' '));
}

export function stepCommands(name: string | undefined, steps: Steps, backend: Backend, st?: ServiceState, flags: { no_block?: boolean; force?: boolean } = {}): Raw {
  const lines: Raw[] = [];
  const systemctl = systemctlWith(flags);
  // Output goes through a temp file: a daemon that keeps its inherited stdout open must not hold the exec open.
  const step = (label: string, cmd: Raw): void => {
    lines.push(sh`o=$(mktemp); ${cmd} </dev/null >"$o" 2>&1; rc=$?; cat "$o"; rm -f "$o"; [ $rc -eq 0 ] || { echo ${`${FAILED} ${label}`} >&2; exit $rc; }`);
  };
  if (steps.daemonReload) step('daemon-reload', sh`${systemctl} daemon-reload`);
  if (steps.daemonReexec) step('daemon-reexec', sh`${systemctl} daemon-reexec`);
  if (name && steps.mask) step(steps.mask, sh`${systemctl} ${steps.mask} ${name}`);
  if (name && steps.enable) {
    if (backend === 'systemd') step(steps.enable, sh`${systemctl} ${steps.enable} ${name}`);
    else if (st?.enableTool === 'update-rc.d') {
      if (steps.enable === 'enable' && !st.hasKLinks) step('enable', sh`update-rc.d ${name} defaults`);
      step(steps.enable, sh`update-rc.d ${name} ${steps.enable}`);
    } else if (st?.enableTool === 'chkconfig') {
      step(steps.enable, sh`chkconfig --list ${name} >/dev/null 2>&1 || chkconfig --add ${name}; chkconfig ${name} ${steps.enable === 'enable' ? 'on' : 'off'}`);
    }
  }
  if (name && steps.action) {
    step(steps.action, backend === 'systemd' ? sh`${systemctl} ${steps.action} ${name}` : sh`/etc/init.d/${name} ${steps.action}`);
  }
  return raw(lines.map(String).join('\n'));
}

const DONE: Record<string, string> = { mask: 'masked', unmask: 'unmasked', start: 'started', stop: 'stopped', restart: 'restarted', reload: 'reloaded', enable: 'enabled', disable: 'disabled' };

/** "daemon-reload, enable kubelet, start kubelet", or once done "daemon reloaded, enabled kubelet, started kubelet". */
function describe(name: string | undefined, steps: Steps, done = false): string {
  const verb = (v: string): string => (done ? (DONE[v] ?? v) : v);
  const parts: string[] = [];
  if (steps.daemonReload) parts.push(done ? 'daemon reloaded' : 'daemon-reload');
  if (steps.daemonReexec) parts.push(done ? 'daemon re-executed' : 'daemon-reexec');
  if (steps.mask) parts.push(`${verb(steps.mask)} ${name}`);
  if (steps.enable) parts.push(`${verb(steps.enable)} ${name}`);
  if (steps.action) parts.push(`${verb(steps.action)} ${name}`);
  return parts.join(', ');
}

async function backendOf(fixed: Backend | undefined, ctx: ModuleContext): Promise<Backend> {
  if (fixed) return fixed;
  return (await ctx.facts.get<string>('service_mgr')) === 'systemd' ? 'systemd' : 'sysvinit';
}

function defineServiceModule(name: string, fixed?: Backend): ModuleDef<ServiceArgs> {
  return defineModule<ServiceArgs>({
    name,
    description:
      name === 'service'
        ? 'Start, stop, restart or reload a service and enable it at boot (systemd or sysvinit)'
        : 'Manage a systemd unit: state, enabled, daemon_reload (same as service, systemd only)',
    schema: fixed === 'systemd' ? systemdSchema : schema,
    async plan(args, ctx): Promise<Plan> {
      const backend = await backendOf(fixed, ctx);
      if (backend === 'sysvinit' && args.daemon_reload && !args.name) {
        return { changed: false, msg: 'not a systemd host: nothing to reload' };
      }
      // The systemd module looks for systemctl before anything else (get_bin_path, required).
      const probe = fixed === 'systemd' ? binPathProbe('systemctl') : undefined;
      if (probe && !args.name) needSystemctl((await ctx.conn.exec(probe)).stdout);
      let st: ServiceState | undefined;
      if (args.name) {
        const query = backend === 'systemd' ? systemdQuery(args.name) : sysvQuery(args.name);
        const res = await ctx.conn.exec(probe ? sh`${probe}; ${query}` : query);
        if (probe) needSystemctl(res.stdout);
        st = backend === 'systemd' ? parseSystemd(res.stdout) : parseSysv(res.stdout);
        // A unit can be masked before it is installed (Ansible's systemd does not require it found).
        if (!st.found && (args.state || args.enabled !== undefined)) {
          throw new ModuleFailure(`Could not find the requested service ${args.name}: host`);
        }
        if (backend === 'sysvinit' && args.enabled !== undefined && st.enableTool === 'none') {
          throw new ModuleFailure('cannot enable or disable a service on this host: neither update-rc.d nor chkconfig found');
        }
      }
      const steps = decideSteps(args, st, backend);
      const changed = steps.daemonReload || !!steps.daemonReexec || !!steps.mask || !!steps.enable || !!steps.action;
      const result: Record<string, unknown> = {};
      if (args.name) {
        result.name = args.name;
        if (args.state) result.state = args.state === 'stopped' ? 'stopped' : 'started';
        // As Ansible's systemd: the state asked for (it sets `enabled` before acting, in check mode too).
        if (args.enabled !== undefined) result.enabled = args.enabled;
        if (args.masked !== undefined) result.masked = !!st!.masked;
        result.status = st!.status;
      }
      if (!changed) return { changed, msg: args.name ? `${args.name} is already ${stateWords(args, st!)}` : 'nothing to do', result };
      return {
        changed,
        msg: `would ${describe(args.name, steps)}`,
        done: describe(args.name, steps, true),
        result,
        apply: async () => {
          const res = await ctx.conn.exec(stepCommands(args.name, steps, backend, st, args), { timeoutSec: ctx.timeoutSec });
          const fields = { stdout: res.stdout.trim(), stderr: res.stderr.trim() };
          if (res.rc !== 0) {
            const failed = new RegExp(`${FAILED} (\\S+)`).exec(res.stderr)?.[1] ?? 'manage';
            const detail = res.timedOut ? `timed out after ${ctx.timeoutSec} seconds` : res.stdout.trim() || res.stderr.replace(new RegExp(`${FAILED}.*`, 'g'), '').trim();
            throw new ModuleFailure(`Unable to ${failed} service ${args.name ?? ''}: ${detail}`.replace(/ +:/, ':'), { ...fields, rc: res.rc });
          }
          return { ...fields, ...(args.enabled !== undefined ? { enabled: args.enabled } : {}), ...(args.masked !== undefined ? { masked: args.masked } : {}) };
        },
      };
    },
  });
}

function needSystemctl(stdout: string): void {
  const missing = missingBinMessage(stdout, 'systemctl');
  if (missing) throw new ModuleFailure(missing);
}

function stateWords(args: ServiceArgs, st: ServiceState): string {
  const w: string[] = [];
  if (args.state) w.push(st.running ? 'running' : 'stopped');
  if (args.masked !== undefined) w.push(st.masked ? 'masked' : 'not masked');
  if (args.enabled !== undefined) w.push(st.enabled ? 'enabled' : 'disabled');
  return w.join(' and ') || 'in the requested state';
}

export const systemd = defineServiceModule('systemd', 'systemd');
export default defineServiceModule('service');
