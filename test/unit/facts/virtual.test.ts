/**
 * The virtual facts' verdict (src/facts/virtual.ts) on the inputs linux.py (ansible-core 2.14,
 * module_utils/facts/virtual/linux.py) reads, as its command prints them: the first technology
 * found names the type and role, every one found lands in tech_guest / tech_host.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { parseVirtual, virtual } from '../../../src/facts/virtual.js';

const file = (path: string, text: string): string => `\n@@F ${path}\n${text}`;
const exists = (...paths: string[]): string => paths.map((p) => `\n@@E ${p} 1\n`).join('');

describe('parseVirtual', () => {
  it('nothing found: NA / NA', () => {
    expect(parseVirtual('')).toEqual({ virtualization_type: 'NA', virtualization_role: 'NA', virtualization_tech_guest: [], virtualization_tech_host: [] });
  });

  it('a docker cgroup of PID 1 wins over /dev/kvm, which still counts as a host technology', () => {
    const out = exists('/proc/1/cgroup', '/dev/kvm') + file('/proc/1/cgroup', '0::/system.slice/docker-0123abcd.scope\n');
    expect(parseVirtual(out)).toEqual({ virtualization_type: 'docker', virtualization_role: 'guest', virtualization_tech_guest: ['docker', 'container'], virtualization_tech_host: ['kvm'] });
  });

  it('container= in PID 1’s environment (NUL-separated)', () => {
    const out = exists('/proc/1/environ') + file('/proc/1/environ', 'PATH=/bin\0container=podman\0');
    expect(parseVirtual(out)).toMatchObject({ virtualization_type: 'podman', virtualization_role: 'guest', virtualization_tech_guest: ['podman', 'container'] });
  });

  it('a DMI product names the type and keeps the provisional guest role', () => {
    expect(parseVirtual(file('/sys/devices/virtual/dmi/id/sys_vendor', 'QEMU\n'))).toEqual({
      virtualization_type: 'kvm',
      virtualization_role: 'guest',
      virtualization_tech_guest: ['kvm'],
      virtualization_tech_host: [],
    });
  });

  it('the kvm module: a host, unless something earlier decided', () => {
    const mods = exists('/proc/modules') + file('/proc/modules', 'kvm_intel 1 0 - Live 0x0\nkvm 1 1 kvm_intel, Live 0x0\n');
    expect(parseVirtual(mods)).toEqual({ virtualization_type: 'kvm', virtualization_role: 'host', virtualization_tech_guest: [], virtualization_tech_host: ['kvm'] });
    expect(parseVirtual(exists('/proc/xen') + mods)).toEqual({ virtualization_type: 'xen', virtualization_role: 'guest', virtualization_tech_guest: [], virtualization_tech_host: ['kvm'] });
  });

  it('this machine through the real command: the same verdict as Ansible’s collector run here', () => {
    const out = execFileSync('sh', ['-c', virtual.command], { encoding: 'utf8' });
    const py = `
import json
from ansible.module_utils.facts.virtual.linux import LinuxVirtual
class M:
    def get_bin_path(self, name, required=False, opt_dirs=None):
        import shutil, os
        return shutil.which(name, path=os.environ.get('PATH', '') + ':/sbin:/usr/sbin:/usr/local/sbin')
    def run_command(self, cmd, **kw):
        import subprocess
        p = subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr
f = LinuxVirtual(M()).get_virtual_facts()
print(json.dumps({k: sorted(v) if isinstance(v, set) else v for k, v in f.items()}))`;
    const ansible = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' })) as Record<string, unknown>;
    const mine = parseVirtual(out);
    expect({ ...mine, virtualization_tech_guest: [...mine.virtualization_tech_guest].sort(), virtualization_tech_host: [...mine.virtualization_tech_host].sort() }).toEqual(ansible);
  });
});
