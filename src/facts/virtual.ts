/**
 * The `virtual` gather_subset as ansible-core 2.14's LinuxVirtual concludes it
 * (module_utils/facts/virtual/linux.py): virtualization_type, _role, _tech_guest and
 * _tech_host, from the files it reads (PID 1's cgroup and environment, /proc/vz, systemd's
 * container file, /.dockerenv, /proc/xen, the DMI ids, /proc/self/status, /proc/cpuinfo,
 * /proc/modules, `dmidecode -s system-product-name`, /dev/kvm), each read once by one
 * remote command and judged here in linux.py's order. Read as the play's become user: PID 1's
 * environment and dmidecode need root, as they do for Ansible. Not ported: lscpu's hypervisor
 * on IBM/S390 (linux.py's branch without lscpu is taken: ibm_systemz).
 */
import type { FactDef } from './types.js';

export interface VirtualFacts {
  virtualization_type: string;
  virtualization_role: string;
  virtualization_tech_guest: string[];
  virtualization_tech_host: string[];
}

const FILES = [
  '/proc/1/cgroup',
  '/proc/1/environ',
  '/run/systemd/container',
  '/proc/xen/capabilities',
  '/sys/devices/virtual/dmi/id/product_name',
  '/sys/devices/virtual/dmi/id/sys_vendor',
  '/sys/devices/virtual/dmi/id/product_family',
  '/sys/devices/virtual/dmi/id/bios_vendor',
  '/proc/self/status',
  '/proc/cpuinfo',
  '/proc/modules',
];
const EXISTS = ['/proc/1/cgroup', '/proc/1/environ', '/proc/vz', '/proc/lve', '/proc/bc', '/.dockerenv', '/.dockerinit', '/proc/xen', '/proc/modules', '/dev/kvm'];

/** Each file as `@@F path` + its text (readable only: get_file_content's os.access), each path's existence as `@@E path 0|1`, /rhev's process names, dmidecode's answer. */
const COMMAND = [
  `for f in ${FILES.join(' ')}; do if [ -r "$f" ] && [ ! -d "$f" ]; then printf '\\n@@F %s\\n' "$f"; cat -- "$f" 2>/dev/null; fi; done`,
  `for f in ${EXISTS.join(' ')}; do if [ -e "$f" ]; then printf '\\n@@E %s 1\\n' "$f"; fi; done`,
  `if [ -d /rhev/ ]; then printf '\\n@@F rhev\\n'; cat /proc/[0-9]*/comm 2>/dev/null; fi`,
  `d=$(PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v dmidecode) && o=$("$d" -s system-product-name 2>/dev/null) && printf '\\n@@F dmidecode\\n%s\\n' "$o"`,
  'true',
].join('\n');

/** get_file_content: stripped, None when empty or unreadable. */
function parseSections(out: string): { file: (p: string) => string | undefined; exists: (p: string) => boolean } {
  const files = new Map<string, string>();
  const exists = new Set<string>();
  const parts = out.split(/\n@@([FE]) ([^\n]*)\n/);
  for (let i = 1; i + 1 < parts.length; i += 3) {
    const [kind, head, body = ''] = [parts[i], parts[i + 1], parts[i + 2]];
    if (kind === 'E') exists.add(head.replace(/ 1$/, ''));
    else files.set(head, body);
  }
  return {
    file: (p) => {
      const v = files.get(p)?.trim();
      return v ? v : undefined;
    },
    exists: (p) => exists.has(p),
  };
}

/** get_file_lines: the stripped content's lines (a one-character separator: split on it after rstrip). */
function lines(content: string | undefined, sep?: string): string[] {
  if (!content) return [];
  if (sep === undefined) return content.split(/\r\n|\n|\r/);
  let end = content.length;
  while (end > 0 && content[end - 1] === sep) end--;
  return content.slice(0, end).split(sep);
}

export function parseVirtual(out: string): VirtualFacts {
  const { file, exists } = parseSections(out);
  const guest = new Set<string>();
  const host = new Set<string>();
  let type: string | undefined;
  let role: string | undefined;
  let found = false;
  /** A guest technology, the first one found naming the type and the role. */
  const guestOf = (tech: string, t = tech, r: string | undefined = 'guest'): void => {
    guest.add(tech);
    if (!found) {
      type = t;
      if (r !== undefined) role = r;
      found = true;
    }
  };

  if (exists('/proc/1/cgroup')) {
    for (const line of lines(file('/proc/1/cgroup'))) {
      if (/\/docker(\/|-[0-9a-f]+\.scope)/.test(line)) guestOf('docker');
      if (/\/lxc\//.test(line) || /\/machine\.slice\/machine-lxc/.test(line)) guestOf('lxc');
      if (/\/system\.slice\/containerd\.service/.test(line)) guestOf('containerd');
    }
  }
  if (exists('/proc/1/environ')) {
    for (const line of lines(file('/proc/1/environ'), '\0')) {
      if (/container=lxc/.test(line)) guestOf('lxc');
      if (/container=podman/.test(line)) guestOf('podman');
      if (/^container=./.test(line)) guestOf('container');
    }
  }
  if (exists('/proc/vz') && !exists('/proc/lve')) {
    type = 'openvz';
    if (exists('/proc/bc')) {
      host.add('openvz');
      if (!found) role = 'host';
    } else {
      guest.add('openvz');
      if (!found) role = 'guest';
    }
    found = true;
  }
  const systemdContainer = file('/run/systemd/container');
  if (systemdContainer) guestOf(systemdContainer);
  if (exists('/.dockerenv') || exists('/.dockerinit')) guestOf('docker');
  if (['docker', 'lxc', 'podman', 'openvz', 'containerd'].some((t) => guest.has(t)) || systemdContainer) guest.add('container');

  if (exists('/proc/xen')) {
    const xenHost = lines(file('/proc/xen/capabilities')).some((l) => l.includes('control_d'));
    if (xenHost) host.add('xen');
    if (!found) [type, role] = ['xen', xenHost ? 'host' : 'guest'];
    found = true;
  }
  if (!found) role = 'guest';

  const product = file('/sys/devices/virtual/dmi/id/product_name');
  const vendor = file('/sys/devices/virtual/dmi/id/sys_vendor');
  const family = file('/sys/devices/virtual/dmi/id/product_family');
  const bios = file('/sys/devices/virtual/dmi/id/bios_vendor');
  /** The DMI checks name the type only (the role stays linux.py's provisional 'guest'). */
  const dmi = (tech: string): void => guestOf(tech, tech, undefined);
  if (['KVM', 'KVM Server', 'Bochs', 'AHV'].includes(product ?? '')) dmi('kvm');
  if (vendor === 'oVirt') dmi('oVirt');
  if (vendor === 'Red Hat') {
    if (family === 'RHV') dmi('RHV');
    else if (product === 'RHEV Hypervisor') dmi('RHEV');
  }
  if (['VMware Virtual Platform', 'VMware7,1'].includes(product ?? '')) dmi('VMware');
  if (['OpenStack Compute', 'OpenStack Nova'].includes(product ?? '')) dmi('openstack');
  if (bios === 'Xen') dmi('xen');
  if (bios === 'innotek GmbH') dmi('virtualbox');
  if (['Amazon EC2', 'DigitalOcean', 'Hetzner'].includes(bios ?? '')) dmi('kvm');
  if (['QEMU', 'Amazon EC2', 'DigitalOcean', 'Google', 'Scaleway', 'Nutanix'].includes(vendor ?? '')) dmi('kvm');
  if (vendor === 'KubeVirt') dmi('KubeVirt');
  if (vendor === 'Microsoft Corporation') dmi('VirtualPC');
  if (vendor === 'Parallels Software International Inc.') dmi('parallels');
  if (vendor === 'OpenStack Foundation') dmi('openstack');
  if (!found) role = undefined;

  for (const line of lines(file('/proc/self/status'))) {
    if (!/^VxID:\s+\d+/.test(line)) continue;
    if (!found) type = 'linux_vserver';
    const vxHost = /^VxID:\s+0/.test(line);
    (vxHost ? host : guest).add('linux_vserver');
    if (!found) role = vxHost ? 'host' : 'guest';
    found = true;
  }

  for (const line of lines(file('/proc/cpuinfo'))) {
    let tech: string | undefined;
    if (/^model name.*QEMU Virtual CPU/.test(line)) tech = 'kvm';
    else if (/^vendor_id.*User Mode Linux/.test(line) || /^model name.*UML/.test(line)) tech = 'uml';
    else if (/^machine.*CHRP IBM pSeries .emulated by qemu./.test(line)) tech = 'kvm';
    else if (/^vendor_id.*PowerVM Lx86/.test(line)) tech = 'powervm_lx86';
    else if (/^vendor_id.*IBM\/S390/.test(line)) tech = 'PR/SM';
    if (!tech) continue;
    guest.add(tech);
    // Without lscpu linux.py names it ibm_systemz, whose role is then 'guest' (LPAR only for a type left at PR/SM).
    if (tech === 'PR/SM') guest.add('ibm_systemz');
    if (!found) [type, role] = [tech === 'PR/SM' ? 'ibm_systemz' : tech, 'guest'];
    found = true;
  }

  if (exists('/proc/modules') && file('/proc/modules') !== undefined) {
    const modules = lines(file('/proc/modules')).map((l) => l.split(' ')[0]);
    if (modules.includes('kvm')) {
      host.add('kvm');
      if (!found) [type, role] = ['kvm', 'host'];
      if (lines(file('rhev')).some((c) => c.trim() === 'vdsm' || c.trim() === 'vdsmd')) {
        host.add('RHEV');
        if (!found) type = 'RHEV';
      }
      found = true;
    }
    if (modules.includes('vboxdrv')) {
      host.add('virtualbox');
      if (!found) [type, role, found] = ['virtualbox', 'host', true];
    }
    if (modules.includes('virtio')) {
      host.add('kvm');
      if (!found) [type, role, found] = ['kvm', 'guest', true];
    }
  }

  const dmidecode = file('dmidecode');
  if (dmidecode !== undefined) {
    const name = lines(dmidecode)
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.trim())
      .join('');
    if (name.startsWith('VMware')) guestOf('VMware');
    if (dmidecode.includes('BHYVE')) guestOf('bhyve');
  }
  if (exists('/dev/kvm')) {
    host.add('kvm');
    if (!found) [type, role, found] = ['kvm', 'host', true];
  }
  if (!found) [type, role] = ['NA', 'NA'];
  return { virtualization_type: type ?? '', virtualization_role: role ?? '', virtualization_tech_guest: [...guest], virtualization_tech_host: [...host] };
}

export const virtual: FactDef<VirtualFacts> = {
  name: 'virtual',
  description: 'virtualization_type, _role, _tech_guest, _tech_host as Ansible’s virtual subset (linux.py)',
  command: COMMAND,
  parse: (out) => parseVirtual(out),
  asPlayUser: true,
};

export default [virtual];
