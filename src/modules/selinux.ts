/**
 * selinux (ansible.posix.selinux 1.5.4, plugins/modules/selinux.py): SELinux's mode and policy,
 * at runtime and in /etc/selinux/config (`configfile`), optionally the `selinux=0` kernel argument
 * through grubby. A port of that release's decisions, in its order:
 * - runtime: libselinux's view (src/facts/selinux.ts: the selinuxfs' enforce); the running
 *   policy is what libselinux read from /etc/selinux/config (SELINUXTYPE, default `targeted`);
 * - configfile must be a file ("Unable to find file X"); its state and policy are the first
 *   `SELINUX=` / `SELINUXTYPE=` line's value after the first `=`, stripped;
 * - update_kernel_param: grubby must exist ("'grubby' command not found on host"); the kernels of
 *   `grubby --info=ALL` are enabled when no `args="..."` holds `selinux=0`, disabled when all do,
 *   inconsistent otherwise;
 * - a policy is required unless state=disabled (which keeps the config's);
 * - a policy other than the running one is a change ("Running SELinux policy changed from..."),
 *   one other than the config's rewrites its SELINUXTYPE lines (the policy's
 *   /etc/selinux/POLICY/policy must exist);
 * - enforcing/permissive on an enabled host runs `setenforce`; disabled on an enforcing host sets
 *   permissive now and needs a reboot; a host with SELinux disabled needs a reboot for any mode;
 * - a state other than the config's rewrites its SELINUX lines. A rewrite is the release's: every
 *   line (Python's splitlines) written back with "\n", the matching ones replaced, the line
 *   appended when none matched.
 * Deliberate differences (README, "Choices where Ansible users might expect otherwise"): no Python
 * library is needed on the host (Ansible fails without python3-selinux); under --check the result
 * of a policy change is Ansible's bare `changed`, but a missing policy fails --check too (Ansible's
 * check says changed, its run fails); a failing setenforce fails the task (Ansible ignores it).
 * Plan = one exec; apply = the config write (compare and swap), setenforce, grubby.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { sh, raw } from '../transport/quote.js';
import { writeFileAtomic } from '../transport/remote-file.js';
import { noteBasis } from '../plan/basis.js';
import { configPolicyType, SELINUX_RUNTIME_SCRIPT } from '../facts/selinux.js';
import { defineModule, ModuleFailure } from './types.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { remote, run } from './lib/remote.js';
import { pySplitlines } from './lib/text-lines.js';

const schema = withAliases(
  z.strictObject({
    policy: z.string().optional(),
    state: z.enum(['enforcing', 'permissive', 'disabled']),
    configfile: pathArg.default('/etc/selinux/config'),
    update_kernel_param: boolArg.default(false),
  }),
  { conf: 'configfile', file: 'configfile' },
);
type Args = z.infer<typeof schema>;

/** What the probe read. */
export interface SelinuxProbe {
  /** getenforce's word (Enforcing, Permissive, Disabled, Unknown). */
  mode: string;
  /** /etc/selinux/config, which libselinux reads for the running policy. */
  sysConfig?: string;
  /** configfile's text; undefined: not a file. Empty: unreadable or empty (Ansible reads no lines). */
  config?: string;
  configSha?: string;
  policyExists: boolean;
  /** grubby's path and `--info=ALL` output, when update_kernel_param asked. */
  grubby?: { path: string; rc: number; info: string };
}

/** What the module decides: its result fields, the warnings, and the changes to make. */
export interface SelinuxDecision {
  changed: boolean;
  msg: string;
  warnings: string[];
  rebootRequired: boolean;
  policy: string | null;
  /** Under --check a policy change ends the module with a bare `changed`, as the release does. */
  bareChanged: boolean;
  newConfig?: string;
  setenforce?: 0 | 1;
  /** grubby: remove (enable) or add (disable) `selinux=0`. */
  kernel?: 'enable' | 'disable';
}

const py = (v: string | null | undefined): string => (v == null ? 'None' : v);
/** get_config_state / get_config_policy: the first KEY= line, its value after the first `=`, stripped. */
function configValue(lines: string[], key: string): string | null {
  const line = lines.find((l) => l.startsWith(`${key}=`));
  return line === undefined ? null : line.split('=')[1].trim();
}
/** set_config_state / set_config_policy: every KEY= line replaced, each line written with "\n"; appended when none. */
export function rewriteConfig(text: string, key: string, value: string): string {
  const lines = pySplitlines(text);
  const found = lines.some((l) => l.startsWith(`${key}=`));
  return lines.map((l) => (l.startsWith(`${key}=`) ? `${key}=${value}` : l) + '\n').join('') + (found ? '' : `${key}=${value}\n`);
}

/** get_kernel_enabled: true / false when every kernel agrees, null when they do not (or none is listed). */
export function kernelEnabled(info: string): boolean | null {
  let allEnabled = true;
  let allDisabled = true;
  for (const line of info.split('\n')) {
    const m = /^args="(.*)"$/.exec(line);
    if (!m) continue;
    if (m[1].split(' ').includes('selinux=0')) allEnabled = false;
    else allDisabled = false;
  }
  return allEnabled === allDisabled ? null : allEnabled;
}

/** The release's main(), from the probe, without touching the host. Throws ModuleFailure where it fails. */
export function decide(a: Args, p: SelinuxProbe, check: boolean): SelinuxDecision {
  const runtimeEnabled = p.mode !== 'Disabled';
  const runtimePolicy = configPolicyType(p.sysConfig);
  // security_getenforce() failing returns -1, which the release takes for enforcing.
  const runtimeState = !runtimeEnabled ? 'disabled' : p.mode === 'Permissive' ? 'permissive' : 'enforcing';
  if (p.config === undefined) {
    throw new ModuleFailure(`Unable to find file ${a.configfile}`, { details: 'Please install SELinux-policy package, if this package is not installed previously.' });
  }
  const lines = pySplitlines(p.config);
  const configPolicy = configValue(lines, 'SELINUXTYPE');
  const configState = configValue(lines, 'SELINUX');
  let kernel: boolean | null | undefined;
  if (a.update_kernel_param) {
    if (!p.grubby) {
      throw new ModuleFailure("'grubby' command not found on host", {
        details: 'In order to update the kernel command lineenabled/disabled setting, the grubby packageneeds to be present on the system.',
      });
    }
    if (p.grubby.rc !== 0) throw new ModuleFailure('unable to run grubby');
    kernel = kernelEnabled(p.grubby.info);
  }
  let policy: string | null = a.policy ?? null;
  if (a.state !== 'disabled') {
    if (!policy) throw new ModuleFailure("Policy is required if state is not 'disabled'");
  } else if (!policy) policy = configPolicy;

  const d: SelinuxDecision = { changed: false, msg: '', warnings: [], rebootRequired: false, policy, bareChanged: false };
  const msgs: string[] = [];
  let config = p.config;
  if (policy !== runtimePolicy) {
    d.bareChanged = check;
    msgs.push(`Running SELinux policy changed from '${runtimePolicy}' to '${py(policy)}'`);
    d.changed = true;
  }
  if (policy !== configPolicy) {
    // Checked under --check too: the release's check run says "changed" and its real run fails here.
    if (!p.policyExists) throw new ModuleFailure(`Policy ${py(policy)} does not exist in /etc/selinux/`);
    d.bareChanged = check;
    config = rewriteConfig(config, 'SELINUXTYPE', py(policy));
    msgs.push(`SELinux policy configuration in '${a.configfile}' changed from '${py(configPolicy)}' to '${py(policy)}'`);
    d.changed = true;
  }
  if (a.state !== runtimeState) {
    if (runtimeEnabled) {
      if (a.state === 'disabled') {
        if (runtimeState !== 'permissive') {
          d.setenforce = 0;
          d.warnings.push(`SELinux state temporarily changed from '${runtimeState}' to 'permissive'. State change will take effect next reboot.`);
          d.changed = true;
        } else d.warnings.push('SELinux state change will take effect next reboot');
        d.rebootRequired = true;
      } else {
        d.setenforce = a.state === 'enforcing' ? 1 : 0;
        msgs.push(`SELinux state changed from '${runtimeState}' to '${a.state}'`);
        d.changed = true;
      }
    } else {
      d.warnings.push(`Reboot is required to set SELinux state to '${a.state}'`);
      d.rebootRequired = true;
    }
  }
  if (a.state !== configState) {
    config = rewriteConfig(config, 'SELINUX', a.state);
    msgs.push(`Config SELinux state changed from '${py(configState)}' to '${a.state}'`);
    d.changed = true;
  }
  const wantKernel = a.state === 'enforcing' || a.state === 'permissive';
  if (a.update_kernel_param && kernel !== wantKernel) {
    d.kernel = wantKernel ? 'enable' : 'disable';
    const states = wantKernel ? ['disabled', 'enabled'] : ['enabled', 'disabled'];
    if (kernel === null) states[0] = '<inconsistent>';
    msgs.push(`Kernel SELinux state changed from '${states[0]}' to '${states[1]}'`);
    d.changed = true;
  }
  if (config !== p.config) d.newConfig = config;
  d.msg = msgs.join(', ');
  return d;
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

function probeScript(a: Args) {
  return sh`c=${a.configfile}
${raw(SELINUX_RUNTIME_SCRIPT)}
echo "mode=$sel_mode"
[ -f /etc/selinux/config ] && { printf sysconfig=; base64 -w0 < /etc/selinux/config; echo; }
if [ -f "$c" ]; then printf config=; [ -r "$c" ] && base64 -w0 < "$c"; echo; fi
[ -e /etc/selinux/${a.policy ?? ''}/policy ] && echo policy=1
if [ ${a.update_kernel_param ? 1 : 0} = 1 ] && g=$(command -v grubby); then
  i=$("$g" --info=ALL 2>/dev/null); echo "grubby_rc=$?"; printf 'grubby=%s\\n' "$(printf %s "$g" | base64 -w0)"; printf 'info=%s\\n' "$(printf %s "$i" | base64 -w0)"
fi
true`;
}

function parseProbe(out: string): SelinuxProbe {
  const kv = new Map<string, string>();
  for (const l of out.split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) kv.set(l.slice(0, eq), l.slice(eq + 1));
  }
  const config = kv.has('config') ? Buffer.from(kv.get('config')!, 'base64') : undefined;
  return {
    mode: kv.get('mode') || 'Disabled',
    sysConfig: kv.has('sysconfig') ? b64(kv.get('sysconfig')!) : undefined,
    config: config?.toString('utf8'),
    configSha: config && createHash('sha256').update(config).digest('hex'),
    policyExists: kv.get('policy') === '1',
    grubby: kv.has('grubby') ? { path: b64(kv.get('grubby')!), rc: Number(kv.get('grubby_rc')), info: b64(kv.get('info') ?? '') } : undefined,
  };
}

export default defineModule<Args>({
  name: 'selinux',
  collection: 'ansible.posix',
  description: "SELinux's mode and policy at runtime (setenforce) and in /etc/selinux/config, as ansible.posix.selinux",
  schema,
  async plan(a, ctx) {
    const probe = parseProbe((await run(ctx.conn, probeScript(a), 'cannot read the SELinux state')).stdout);
    noteBasis(ctx.conn, 'selinux mode', probe.mode);
    noteBasis(ctx.conn, `file ${a.configfile}`, probe.configSha ? `sha256:${probe.configSha}` : 'absent');
    const d = decide(a, probe, ctx.check);
    const result: Record<string, unknown> = d.bareChanged
      ? {}
      : { msg: d.msg, configfile: a.configfile, policy: d.policy, state: a.state, reboot_required: d.rebootRequired, ...(d.warnings.length ? { warnings: d.warnings } : {}) };
    const said = d.msg || d.warnings.join('; ');
    if (!d.changed) return { changed: false, msg: said || `SELinux is ${a.state}`, result };
    return {
      changed: true,
      msg: `would: ${said}`,
      // Ansible's msg, also when only its warnings say what happened (then empty).
      done: d.msg,
      // ansible.posix's selinux registers no `diff`: the plan's is shown only.
      result: { ...result, diff: undefined },
      diff: d.newConfig !== undefined ? [{ path: a.configfile, before: probe.config!, after: d.newConfig }] : undefined,
      apply: async () => {
        if (d.newConfig !== undefined) await remote(writeFileAtomic(ctx.conn, a.configfile, d.newConfig, { expectSha: probe.configSha }));
        if (d.setenforce !== undefined) {
          const r = await ctx.conn.exec(sh`setenforce ${d.setenforce}`);
          if (r.rc !== 0) throw new ModuleFailure(`setenforce ${d.setenforce} failed: ${r.stderr.trim() || `exit code ${r.rc}`}`, { rc: r.rc, stderr: r.stderr });
        }
        if (d.kernel) {
          const r = await ctx.conn.exec(sh`${probe.grubby!.path} --update-kernel=ALL ${d.kernel === 'enable' ? '--remove-args' : '--args'} selinux=0`);
          if (r.rc !== 0) throw new ModuleFailure(d.kernel === 'enable' ? 'unable to remove selinux=0 from kernel config' : 'unable to add selinux=0 to kernel config', { rc: r.rc, stderr: r.stderr });
        }
        return {};
      },
    };
  },
});
