/**
 * Facts under Ansible's names (`ansible_facts.distribution`, `ansible_distribution`), each
 * derived from nodemend's lazy facts (src/facts/*.ts), so a play reading `ansible_os_family`
 * costs one `cat /etc/os-release` and a host nothing reads costs nothing. Values as Ansible
 * 2.14's setup reports them (module_utils/facts: distribution.py, system/platform.py,
 * hardware/linux.py, system/pkg_mgr.py, system/service_mgr.py), checked against ansible-playbook
 * on the same host in test/fleet/differential-roles-facts.test.ts. `subset` is the
 * gather_subset the fact belongs to (setup's `gather_subset`: `min` holds all but hardware).
 */
import type { FactDef } from './types.js';
import type { NetworkFacts } from './network.js';
import type { UserFacts } from './user.js';
import type { VirtualFacts } from './virtual.js';
import { selinuxFact, type SelinuxState } from './selinux.js';
import { ansibleLocal, type LocalFacts } from './local.js';

export interface AnsibleFact {
  /** The nodemend facts it is made from (fetched together, lazily). */
  needs: string[];
  /** The gather_subset that returns it; `package_facts`: only that module sets it, setup never returns it. */
  subset: 'min' | 'hardware' | 'network' | 'virtual' | 'package_facts';
  /** Ansible's collector, also a gather_subset name of its own (`env`, `user`): `['!all', '!min', 'env']` selects it. */
  collector?: string;
  value(f: (name: string) => unknown): unknown;
}

/** /etc/os-release as a map (the raw fact the distribution facts read). */
export const osRelease: FactDef<Record<string, string>> = {
  name: 'os_release',
  description: '/etc/os-release as a map (ID, VERSION_ID, VERSION_CODENAME...)',
  command: 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
  parse: (out) => {
    const r: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) r[m[1]] = m[2].replace(/^["']|["']$/g, '');
    }
    return r;
  },
};

export const meminfo: FactDef<Record<string, number>> = {
  name: 'meminfo',
  description: '/proc/meminfo in kB by field (MemTotal, MemFree, SwapTotal...)',
  command: 'cat /proc/meminfo',
  parse: (out) => Object.fromEntries([...out.matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])])),
};

export const cpuinfo: FactDef<{ processors: number; sockets: number; cores: number }> = {
  name: 'cpuinfo',
  description: '/proc/cpuinfo counted: processors, physical ids, cores per socket',
  command: 'cat /proc/cpuinfo',
  parse: (out) => {
    const processors = (out.match(/^processor\s*:/gm) ?? []).length;
    const sockets = new Set([...out.matchAll(/^physical id\s*:\s*(\d+)/gm)].map((m) => m[1])).size || 1;
    const cores = Number(/^cpu cores\s*:\s*(\d+)/m.exec(out)?.[1] ?? processors);
    return { processors, sockets, cores };
  },
};

export const uname: FactDef<{ system: string; nodename: string; kernel: string; version: string; machine: string }> = {
  name: 'uname',
  description: 'uname -s, -n, -r, -v and -m',
  command: 'uname -s; uname -n; uname -r; uname -v; uname -m',
  parse: (out) => {
    const [system, nodename, kernel, version, machine] = out.split('\n');
    return { system, nodename, kernel, version, machine };
  },
};

export const fqdn: FactDef<string> = {
  name: 'fqdn',
  description: "The host's fully qualified name (hostname -f, as Python's socket.getfqdn)",
  command: 'hostname -f 2>/dev/null || hostname',
  parse: (out) => out.trim(),
};

/** Ansible's names for the distributions os-release IDs (distribution.py, OS_FAMILY_MAP keys). */
const DISTRIBUTION: Record<string, string> = {
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  rhel: 'RedHat',
  centos: 'CentOS',
  fedora: 'Fedora',
  rocky: 'Rocky',
  almalinux: 'AlmaLinux',
  ol: 'OracleLinux',
  amzn: 'Amazon',
  sles: 'SLES',
  'opensuse-leap': 'openSUSE Leap',
};

const os = (f: (n: string) => unknown): Record<string, string> => f('os_release') as Record<string, string>;
const mb = (kb: number | undefined): number => Math.floor((kb ?? 0) / 1024);
const platform = (key: 'system' | 'nodename' | 'kernel' | 'version' | 'machine'): AnsibleFact => ({
  needs: ['uname'],
  subset: 'min',
  value: (f) => (f('uname') as Record<string, string>)[key],
});
const mem = (field: string): AnsibleFact => ({ needs: ['meminfo'], subset: 'hardware', value: (f) => mb((f('meminfo') as Record<string, number>)[field]) });
const version = (f: (n: string) => unknown): string => os(f).VERSION_ID ?? '';
const USER_FACTS = ['user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell', 'real_user_id', 'effective_user_id', 'real_group_id', 'effective_group_id'] as const;

export const ANSIBLE_FACTS: ReadonlyMap<string, AnsibleFact> = new Map<string, AnsibleFact>([
  ['distribution', { needs: ['os_release'], subset: 'min', value: (f) => DISTRIBUTION[os(f).ID] ?? (os(f).ID ?? 'NA').replace(/^./, (c) => c.toUpperCase()) }],
  ['distribution_version', { needs: ['os_release'], subset: 'min', value: version }],
  ['distribution_major_version', { needs: ['os_release'], subset: 'min', value: (f) => version(f).split('.')[0] }],
  ['distribution_release', { needs: ['os_release'], subset: 'min', value: (f) => os(f).VERSION_CODENAME || /\(([^)]+)\)/.exec(os(f).VERSION ?? '')?.[1] || 'NA' }],
  ['os_family', { needs: ['os_family'], subset: 'min', value: (f) => f('os_family') }],
  ['system', platform('system')],
  ['kernel', platform('kernel')],
  ['kernel_version', platform('version')],
  ['machine', platform('machine')],
  ['architecture', platform('machine')],
  ['nodename', platform('nodename')],
  ['hostname', { needs: ['uname'], subset: 'min', value: (f) => (f('uname') as Record<string, string>).nodename.split('.')[0] }],
  ['fqdn', { needs: ['fqdn'], subset: 'min', value: (f) => f('fqdn') }],
  ['domain', { needs: ['fqdn'], subset: 'min', value: (f) => (f('fqdn') as string).split('.').slice(1).join('.') }],
  ['pkg_mgr', { needs: ['pkg_mgr'], subset: 'min', value: (f) => f('pkg_mgr') }],
  ['service_mgr', { needs: ['service_mgr'], subset: 'min', value: (f) => f('service_mgr') }],
  ['cmdline', { needs: ['cmdline'], subset: 'min', value: (f) => cmdlineMap(f('cmdline') as string) }],
  ['memtotal_mb', mem('MemTotal')],
  ['memfree_mb', mem('MemFree')],
  ['swaptotal_mb', mem('SwapTotal')],
  ['mounts', { needs: ['mounts'], subset: 'hardware', value: (f) => f('mounts') }],
  ['processor_vcpus', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as { processors: number }).processors }],
  ['processor_count', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as { sockets: number }).sockets }],
  ['processor_cores', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as { cores: number }).cores }],
  ...(['interfaces', 'default_ipv4', 'default_ipv6', 'all_ipv4_addresses', 'all_ipv6_addresses'] as const).map((n): [string, AnsibleFact] => [
    n,
    { needs: ['network'], subset: 'network', value: (f) => (f('network') as NetworkFacts)[n] },
  ]),
  ['selinux', { needs: ['selinux_state'], subset: 'min', value: (f) => selinuxFact(f('selinux_state') as SelinuxState) }],
  ['selinux_python_present', { needs: ['selinux_state'], subset: 'min', value: (f) => (f('selinux_state') as SelinuxState).library }],
  ['packages', { needs: ['package_facts'], subset: 'package_facts', value: (f) => f('package_facts') }],
  ['env', { needs: ['environment'], subset: 'min', collector: 'env', value: (f) => f('environment') }],
  ...(['virtualization_type', 'virtualization_role', 'virtualization_tech_guest', 'virtualization_tech_host'] as const).map((n): [string, AnsibleFact] => [
    n,
    { needs: ['virtual'], subset: 'virtual', value: (f) => (f('virtual') as VirtualFacts)[n] },
  ]),
  ...USER_FACTS.map((n): [string, AnsibleFact] => [n, { needs: ['user'], subset: 'min', collector: 'user', value: (f) => (f('user') as UserFacts)[n] }]),
  // Under ansible_facts by its prefixed name, as Ansible's namespace_facts keeps it.
  ['ansible_local', { needs: ['local'], subset: 'min', collector: 'local', value: (f) => ansibleLocal(f('local') as LocalFacts) }],
]);

/**
 * `ansible_eth0`, `ansible_facts.docker0`: an interface of the network subset, by the name
 * Ansible gives it. Undefined when the host has none of that name. Names that JavaScript or a
 * library probe on any object (then, toJSON...) are never taken for an interface.
 */
export function interfaceFact(name: string, f: (n: string) => unknown): unknown {
  return (f('network') as NetworkFacts).byName[name];
}
export const NOT_AN_INTERFACE = new Set(['then', 'toJSON', 'constructor', 'valueOf', 'toString', 'inspect', 'asymmetricMatch', 'nodeType', 'length']);

/** /proc/cmdline as Ansible's `cmdline` fact: key → value, a bare word → true, the last one wins. */
function cmdlineMap(line: string): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const word of line.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq < 0) out[word] = true;
    else out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

export default [osRelease, meminfo, cpuinfo, uname, fqdn];
