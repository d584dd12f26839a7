/**
 * audit.yaml's "Interpret the probes" parsers, held against the exact output of the releases the
 * audit meets on an EL7 node:
 *   - the kubelet probe's `version=` line: `kubelet --version` as kubernetes/kubernetes prints it
 *     (v1.12 to v1.14 pkg/version/verflag/verflag.go, later component-base/version/verflag:
 *     "Kubernetes " then the gitVersion, e.g. "Kubernetes v1.14.1"; a tree built dirty adds
 *     "-dirty", a vendor build a suffix such as "-eks-...");
 *   - `systemctl --version` (systemd 219 on RHEL 7, src/systemctl/systemctl.c version(): "systemd
 *     219" then the feature line; systemd 250 and later add the package version in parentheses);
 *   - `rpm -q --qf '%{VERSION}-%{RELEASE}\n' systemd`: "219-78.el7_9.9", z-stream "219-62.el7_6.8";
 *   - `kpatch list` (kpatch v0.9.7 kpatch/kpatch; the format is the same from v0.4.0 to v0.9.9):
 *     loaded modules by sysfs name with their state, a blank line, then the installed ones.
 */
import { describe, expect, test } from 'vitest';
import { renderFact } from './playbook-task.js';

const TASK = 'Interpret the probes';
const fact = (key: string, scope: Record<string, unknown>) => renderFact('audit.yaml', TASK, key, scope);
const kubelet = (version: string) => fact('audit_kubelet_version', { audit_kubelet_probe: { stdout: `source=systemd\nbinary=/usr/bin/kubelet\nversion=${version}\nsha256=${'ab'.repeat(32)}\n` } });

describe('the kubelet version as audit.yaml reads it', () => {
  test.each([
    ['Kubernetes v1.14.1', 'v1.14.1'],
    ['Kubernetes v1.12.8', 'v1.12.8'],
    ['Kubernetes v1.13.12-dirty', 'v1.13.12-dirty'], // the <= 1.13 edit leaves the tree dirty
    ['Kubernetes v1.21.14-eks-18ef993', 'v1.21.14-eks-18ef993'],
    ['', ''], // the binary printed nothing (not a kubelet)
  ])('%j -> %j', (line, version) => {
    expect(kubelet(line)).toBe(version);
  });
  test('no version line at all (the binary is missing)', () => {
    expect(fact('audit_kubelet_version', { audit_kubelet_probe: { stdout: 'source=systemd\nbinary=/usr/bin/kubelet\nmissing=yes\n' } })).toBe('');
  });
});

describe('systemd version and EL7 package release as audit.yaml reads them', () => {
  const FEATURES = '+PAM +AUDIT +SELINUX +IMA -APPARMOR +SMACK +SYSVINIT +UTMP +LIBCRYPTSETUP +GCRYPT +GNUTLS +ACL +XZ +LZ4 -SECCOMP +BLKID +ELFUTILS +KMOD +IDN';
  test.each([
    [`systemd 219\n${FEATURES}\n`, '219'],
    ['systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP\n', '252'],
    ['', ''],
  ])('systemctl --version %j -> %j', (stdout, version) => {
    expect(fact('audit_systemd_version', { audit_systemd_probe: { stdout } })).toBe(version);
  });
  test.each([
    ['219-78.el7_9.9\n', '78', ''],
    ['219-67.el7\n', '67', ''],
    ['219-62.el7_6.8\n', '62', '8'],
    ['219-62.el7_6.5\n', '62', '5'],
    ['252.22-1~deb12u1\n', '', ''], // dpkg-query on Debian: not an EL7 release
    ['package systemd is not installed\n', '', ''],
  ])('rpm %j -> release %j, 7.6.z %j', (stdout, release, z) => {
    const scope = { audit_systemd_package_probe: { stdout } };
    expect([fact('audit_systemd_release', scope), fact('audit_systemd_762z', scope)]).toEqual([release, z]);
  });
});

describe('kpatch list as audit.yaml reads the loaded modules', () => {
  const loaded = (stdout: string) => fact('audit_kpatch_loaded', { audit_kpatch_probe: { stdout } });
  test.each([
    ['Loaded patch modules:\nlivepatch_route [enabled]\n\nInstalled patch modules:\nlivepatch_route (3.10.0-957.el7.x86_64)\n', ['livepatch_route']],
    ['Loaded patch modules:\nlivepatch_route [disabled]\nkpatch_other [enabled]\n\nInstalled patch modules:\n', ['livepatch_route', 'kpatch_other']],
    ['Loaded patch modules:\nlivepatch_route [enabling...]\n\nStalled processes:\n1234 kworker/0:1\n\nInstalled patch modules:\n', ['livepatch_route']],
    // installed for two kernels, none loaded: the installed lines are not loaded modules
    ['Loaded patch modules:\n\nInstalled patch modules:\nlivepatch_route (3.10.0-957.el7.x86_64)\nlivepatch_route (3.10.0-1160.el7.x86_64)\n', []],
    ['kpatch=absent\n', []],
  ])('%j -> %j', (stdout, names) => {
    expect(loaded(stdout)).toEqual(names);
  });
});
