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
import { OS_RELEASE_CMD, osRelease as parseOsRelease } from './os.js';
import type { NetworkFacts } from './network.js';
import type { UserFacts } from './user.js';
import type { VirtualFacts } from './virtual.js';
import { selinuxFact, type SelinuxState } from './selinux.js';
import { ansibleLocal, type LocalFacts } from './local.js';
import { SSH_HOST_KEY_FACTS, type PythonFacts } from './system.js';
import { DMI_FACTS, memoryMb } from './hardware.js';
import { distributionFacts, type DistributionFacts, type DistributionSources } from './distribution.js';

export interface AnsibleFact {
  /** The nodemend facts it is made from (fetched together, lazily). */
  needs: string[];
  /** The gather_subset that returns it; `package_facts`: only that module sets it, setup never returns it. */
  subset: 'min' | 'hardware' | 'network' | 'virtual' | 'package_facts' | 'loadavg' | 'chroot';
  /** Ansible's collector, also a gather_subset name of its own (`env`, `user`): `['!all', '!min', 'env']` selects it. */
  collector?: string;
  value(f: (name: string) => unknown): unknown;
}

/** /etc/os-release as a map (the raw fact the distribution facts read). */
export const osRelease: FactDef<Record<string, string>> = {
  name: 'os_release',
  description: '/etc/os-release as a map (ID, VERSION_ID, VERSION_CODENAME...)',
  command: OS_RELEASE_CMD,
  parse: parseOsRelease,
};

export const meminfo: FactDef<Record<string, number>> = {
  name: 'meminfo',
  description: '/proc/meminfo in kB by field (MemTotal, MemFree, SwapTotal...)',
  command: 'cat /proc/meminfo',
  parse: (out) => Object.fromEntries([...out.matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])])),
  volatile: true,
};

export interface CpuInfo {
  processors: number;
  sockets: number;
  cores: number;
  /** linux.py's `processor` list: the values of the vendor_id / model name / processor (ARM: Processor, cpu) lines, in order. */
  list: string[];
  /** linux.py: the first `siblings` over the cores per socket (1 without siblings lines). */
  threadsPerCore: number;
  /** The CPUs this process may run on (nproc: sched_getaffinity, as linux.py asks Python's os). */
  nproc: number;
}

const PROCESSOR_KEYS = new Set(['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor']);

export const cpuinfo: FactDef<CpuInfo> = {
  name: 'cpuinfo',
  description: '/proc/cpuinfo counted: processors, physical ids, cores per socket; and nproc',
  command: 'cat /proc/cpuinfo; echo "@nproc $(nproc 2>/dev/null)"',
  parse: (out) => {
    const processors = (out.match(/^processor\s*:/gm) ?? []).length;
    const sockets = new Set([...out.matchAll(/^physical id\s*:\s*(\d+)/gm)].map((m) => m[1])).size || 1;
    const cores = Number(/^cpu cores\s*:\s*(\d+)/m.exec(out)?.[1] ?? processors);
    const list: string[] = [];
    for (const line of out.split('\n')) {
      const colon = line.indexOf(':');
      if (colon >= 0 && PROCESSOR_KEYS.has(line.slice(0, colon).trim())) list.push(line.slice(colon + 1).trim());
    }
    const siblings = /^siblings\s*:\s*(\d+)/m.exec(out)?.[1];
    const threadsPerCore = siblings === undefined ? Math.floor(1 / (cores || 1)) : Math.floor(Number(siblings) / (cores || 1));
    const nproc = Number(/^@nproc (\d+)$/m.exec(out)?.[1] ?? processors);
    return { processors, sockets, cores, list, threadsPerCore, nproc };
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

const mb = (kb: number | undefined): number => Math.floor((kb ?? 0) / 1024);
const platform = (key: 'system' | 'nodename' | 'kernel' | 'version' | 'machine'): AnsibleFact => ({
  needs: ['uname'],
  subset: 'min',
  value: (f) => (f('uname') as Record<string, string>)[key],
});
const mem = (field: string): AnsibleFact => ({ needs: ['meminfo'], subset: 'hardware', value: (f) => mb((f('meminfo') as Record<string, number>)[field]) });
/** distribution.py's keys (distribution_file_search_string: only a Red Hat / Oracle / ALT / Source Mage file sets it). */
const DISTRIBUTION_KEYS: (keyof DistributionFacts)[] = [
  'distribution',
  'distribution_version',
  'distribution_major_version',
  'distribution_minor_version',
  'distribution_release',
  'distribution_file_path',
  'distribution_file_variety',
  'distribution_file_parsed',
  'distribution_file_search_string',
  'os_family',
];
const USER_FACTS = ['user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell', 'real_user_id', 'effective_user_id', 'real_group_id', 'effective_group_id'] as const;

export const ANSIBLE_FACTS: ReadonlyMap<string, AnsibleFact> = new Map<string, AnsibleFact>([
  ...DISTRIBUTION_KEYS.map((n): [string, AnsibleFact] => [
    n,
    { needs: ['distribution_sources'], subset: 'min', collector: 'distribution', value: (f) => distributionFacts(f('distribution_sources') as DistributionSources)[n] },
  ]),
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
  ['proc_cmdline', { needs: ['cmdline'], subset: 'min', collector: 'cmdline', value: (f) => procCmdlineMap(f('cmdline') as string) }],
  ['memtotal_mb', mem('MemTotal')],
  ['memfree_mb', mem('MemFree')],
  ['swaptotal_mb', mem('SwapTotal')],
  ['swapfree_mb', mem('SwapFree')],
  ['mounts', { needs: ['mounts'], subset: 'hardware', value: (f) => f('mounts') }],
  ['processor_vcpus', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as { processors: number }).processors }],
  ['processor_count', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as { sockets: number }).sockets }],
  ['processor_cores', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as { cores: number }).cores }],
  ['processor', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as CpuInfo).list }],
  ['processor_threads_per_core', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as CpuInfo).threadsPerCore }],
  ['processor_nproc', { needs: ['cpuinfo'], subset: 'hardware', value: (f) => (f('cpuinfo') as CpuInfo).nproc }],
  ['memory_mb', { needs: ['meminfo'], subset: 'hardware', value: (f) => memoryMb(f('meminfo') as Record<string, number>) }],
  ['uptime_seconds', { needs: ['uptime_seconds'], subset: 'hardware', value: (f) => f('uptime_seconds') }],
  ...DMI_FACTS.map((n): [string, AnsibleFact] => [n, { needs: ['dmi'], subset: 'hardware', value: (f) => (f('dmi') as Record<string, string>)[n] }]),
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
  ['date_time', { needs: ['date_time'], subset: 'min', collector: 'date_time', value: (f) => f('date_time') }],
  ['loadavg', { needs: ['loadavg'], subset: 'loadavg', value: (f) => f('loadavg') }],
  ['dns', { needs: ['dns'], subset: 'min', collector: 'dns', value: (f) => f('dns') }],
  ['lsb', { needs: ['lsb'], subset: 'min', collector: 'lsb', value: (f) => f('lsb') }],
  ['fips', { needs: ['fips'], subset: 'min', collector: 'fips', value: (f) => f('fips') }],
  ['apparmor', { needs: ['apparmor'], subset: 'min', collector: 'apparmor', value: (f) => f('apparmor') }],
  ['is_chroot', { needs: ['is_chroot'], subset: 'chroot', value: (f) => f('is_chroot') }],
  ['system_capabilities', { needs: ['capabilities'], subset: 'min', collector: 'caps', value: (f) => (f('capabilities') as { caps: unknown }).caps }],
  ['system_capabilities_enforced', { needs: ['capabilities'], subset: 'min', collector: 'caps', value: (f) => (f('capabilities') as { enforced: unknown }).enforced }],
  ...SSH_HOST_KEY_FACTS.map((n): [string, AnsibleFact] => [n, { needs: ['ssh_host_keys'], subset: 'min', collector: 'ssh_pub_keys', value: (f) => (f('ssh_host_keys') as Record<string, string>)[n] }]),
  ['python', { needs: ['python'], subset: 'min', collector: 'python', value: (f) => f('python') }],
  ['python_version', { needs: ['python'], subset: 'min', value: (f) => pythonVersion(f('python') as PythonFacts | undefined) }],
  ['machine_id', { needs: ['machine_id'], subset: 'min', value: (f) => f('machine_id') }],
  ['userspace_bits', { needs: ['userspace_bits'], subset: 'min', value: (f) => f('userspace_bits') }],
  ['userspace_architecture', { needs: ['uname', 'userspace_bits'], subset: 'min', value: (f) => userspaceArchitecture((f('uname') as Record<string, string>).machine, f('userspace_bits') as string) }],
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

/** platform.py's python_version: platform.python_version() of the interpreter, "X.Y.Z". */
const pythonVersion = (p: PythonFacts | undefined): string | undefined => (p ? `${p.version.major}.${p.version.minor}.${p.version.micro}` : undefined);

/** platform.py: on x86_64 (and Solaris' i86pc) the userspace architecture follows the interpreter's bits; elsewhere the machine. */
function userspaceArchitecture(machine: string, bits: string): string | undefined {
  if (machine === 'x86_64' || /i([3456]86|86pc)/.test(machine)) return bits === '64' ? 'x86_64' : bits === '32' ? 'i386' : undefined;
  return undefined;
}

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

/** cmdline.py's proc_cmdline: as cmdline, but a key given values more than once keeps them all, as a list. */
function procCmdlineMap(line: string): Record<string, string | (string | true)[] | true> {
  const out: Record<string, string | (string | true)[] | true> = {};
  for (const word of line.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      out[word] = true;
      continue;
    }
    const [key, value] = [word.slice(0, eq), word.slice(eq + 1)];
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export default [osRelease, meminfo, cpuinfo, uname, fqdn];
