/**
 * ansible.posix.selinux's decisions (src/modules/selinux.ts) and the selinux fact's reading of
 * libselinux 3.4 (src/facts/selinux.ts), on probes given here; the same against Ansible on a fleet
 * host: test/fleet/differential-selinux.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decide, kernelEnabled, rewriteConfig, type SelinuxProbe } from '../../../src/modules/selinux.js';
import { configEnforceMode, configPolicyType, selinuxFact } from '../../../src/facts/selinux.js';
import { ModuleFailure } from '../../../src/modules/types.js';

const CONFIG = 'SELINUX=enforcing\nSELINUXTYPE=targeted\n';
const probe = (p: Partial<SelinuxProbe> = {}): SelinuxProbe => ({ mode: 'Enforcing', sysConfig: CONFIG, config: CONFIG, policyExists: true, ...p });
const args = (a: Record<string, unknown>) => ({ configfile: '/etc/selinux/config', update_kernel_param: false, ...a }) as Parameters<typeof decide>[0];

describe('selinux module decisions', () => {
  it('nothing to do on a host already as asked', () => {
    expect(decide(args({ state: 'enforcing', policy: 'targeted' }), probe(), false)).toMatchObject({ changed: false, msg: '', rebootRequired: false });
  });

  it('permissive: setenforce 0 and the config line', () => {
    const d = decide(args({ state: 'permissive', policy: 'targeted' }), probe(), false);
    expect(d).toMatchObject({ changed: true, setenforce: 0, newConfig: 'SELINUX=permissive\nSELINUXTYPE=targeted\n' });
    expect(d.msg).toBe("SELinux state changed from 'enforcing' to 'permissive', Config SELinux state changed from 'enforcing' to 'permissive'");
  });

  it('disabled on a permissive host: a warning and a reboot, no setenforce', () => {
    const d = decide(args({ state: 'disabled' }), probe({ mode: 'Permissive', config: 'SELINUX=disabled\nSELINUXTYPE=targeted\n' }), false);
    expect(d.setenforce).toBeUndefined();
    expect(d).toMatchObject({ changed: false, rebootRequired: true, warnings: ['SELinux state change will take effect next reboot'], policy: 'targeted' });
  });

  it('a policy change under --check ends in a bare changed', () => {
    expect(decide(args({ state: 'enforcing', policy: 'minimum' }), probe(), true).bareChanged).toBe(true);
    expect(decide(args({ state: 'enforcing', policy: 'minimum' }), probe(), false).bareChanged).toBe(false);
  });

  it("disabled without a policy on a config without SELINUXTYPE: the running policy 'targeted' differs from None", () => {
    const d = decide(args({ state: 'disabled' }), probe({ mode: 'Disabled', sysConfig: 'SELINUX=disabled\n', config: 'SELINUX=disabled\n' }), false);
    expect(d).toMatchObject({ changed: true, policy: null, msg: "Running SELinux policy changed from 'targeted' to 'None'" });
  });

  it('fails as the release does', () => {
    const fail = (a: Record<string, unknown>, p: Partial<SelinuxProbe> = {}) => {
      try {
        decide(args(a), probe(p), false);
      } catch (e) {
        expect(e).toBeInstanceOf(ModuleFailure);
        return (e as Error).message;
      }
      return 'no failure';
    };
    expect(fail({ state: 'enforcing', policy: 'targeted' }, { config: undefined })).toBe('Unable to find file /etc/selinux/config');
    expect(fail({ state: 'permissive' })).toBe("Policy is required if state is not 'disabled'");
    expect(fail({ state: 'enforcing', policy: 'mls' }, { policyExists: false })).toBe('Policy mls does not exist in /etc/selinux/');
    expect(fail({ state: 'enforcing', policy: 'targeted', update_kernel_param: true })).toBe("'grubby' command not found on host");
    expect(fail({ state: 'enforcing', policy: 'targeted', update_kernel_param: true }, { grubby: { path: '/sbin/grubby', rc: 1, info: '' } })).toBe('unable to run grubby');
  });

  it('update_kernel_param: grubby kernels enabled, disabled, inconsistent', () => {
    const info = (...args: string[]) => args.map((a, i) => `index=${i}\nkernel="/boot/vmlinuz-${i}"\nargs="${a}"\nroot=/dev/sda1`).join('\n');
    expect(kernelEnabled(info('ro quiet', 'ro'))).toBe(true);
    expect(kernelEnabled(info('ro selinux=0', 'selinux=0'))).toBe(false);
    expect(kernelEnabled(info('ro selinux=0', 'ro'))).toBe(null);
    expect(kernelEnabled('')).toBe(null);
    const g = (i: string) => ({ grubby: { path: '/sbin/grubby', rc: 0, info: i } });
    const off = decide(args({ state: 'disabled', update_kernel_param: true }), probe({ mode: 'Disabled', ...g(info('ro')) }), false);
    expect(off.kernel).toBe('disable');
    expect(off.msg).toBe("Config SELinux state changed from 'enforcing' to 'disabled', Kernel SELinux state changed from 'enabled' to 'disabled'");
    const on = decide(args({ state: 'enforcing', policy: 'targeted', update_kernel_param: true }), probe(g(info('ro selinux=0', 'ro'))), false);
    expect(on.kernel).toBe('enable');
    expect(on.msg).toBe("Kernel SELinux state changed from '<inconsistent>' to 'enabled'");
    expect(decide(args({ state: 'enforcing', policy: 'targeted', update_kernel_param: true }), probe(g(info('ro'))), false).kernel).toBeUndefined();
  });

  it('rewrites every KEY= line, each ended by one newline, and appends a missing one', () => {
    expect(rewriteConfig('SELINUX=a\r\nx\rSELINUX=b', 'SELINUX', 'enforcing')).toBe('SELINUX=enforcing\nx\nSELINUX=enforcing\n');
    expect(rewriteConfig('SELINUXTYPE=targeted', 'SELINUX', 'permissive')).toBe('SELINUXTYPE=targeted\nSELINUX=permissive\n');
    expect(rewriteConfig('', 'SELINUXTYPE', 'mls')).toBe('SELINUXTYPE=mls\n');
    expect(rewriteConfig('a\n\n', 'SELINUX', 'x')).toBe('a\n\nSELINUX=x\n');
  });
});

describe('selinux fact (libselinux 3.4 readings)', () => {
  it('getenforcemode: the first SELINUX= line, blanks skipped, prefix in any case', () => {
    expect(configEnforceMode('#SELINUX=disabled\nSELINUX=  Permissive # x\nSELINUX=enforcing\n')).toBe(0);
    expect(configEnforceMode('SELINUX=disabledX')).toBe(-1);
    expect(configEnforceMode(' SELINUX=enforcing')).toBeUndefined();
    expect(configEnforceMode(undefined)).toBeUndefined();
  });

  it("getpolicytype: the last SELINUXTYPE= (any case, blanks and comments skipped), 'targeted' without one", () => {
    expect(configPolicyType('  selinuxtype=  mls \r\n# SELINUXTYPE=x\nSELINUXTYPE=default\n')).toBe('default');
    expect(configPolicyType('SELINUXTYPE = mls\n')).toBe('targeted');
    expect(configPolicyType(undefined)).toBe('targeted');
  });

  it('the fact: missing library, disabled, enabled', () => {
    expect(selinuxFact({ library: false, mode: 'Enforcing' })).toEqual({ status: 'Missing selinux Python library' });
    expect(selinuxFact({ library: true, mode: 'Disabled' })).toEqual({ status: 'disabled' });
    expect(selinuxFact({ library: true, mode: 'Permissive', policyvers: 33, config: 'SELINUX=enforcing\n' })).toEqual({
      status: 'enabled',
      policyvers: 33,
      config_mode: 'enforcing',
      mode: 'permissive',
      type: 'targeted',
    });
    expect(selinuxFact({ library: true, mode: 'Unknown' })).toMatchObject({ policyvers: 'unknown', config_mode: 'unknown', mode: 'unknown' });
  });
});
