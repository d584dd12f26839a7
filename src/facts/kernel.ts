import type { FactDef } from './types.js';

export const kernel: FactDef<string> = {
  name: 'kernel',
  description: 'Running kernel release (uname -r), e.g. 3.10.0-957.el7.x86_64',
  command: 'uname -r',
  parse: (out) => out.trim(),
};

export const architecture: FactDef<string> = {
  name: 'architecture',
  description: 'Machine architecture (uname -m)',
  command: 'uname -m',
  parse: (out) => out.trim(),
};

export const cmdline: FactDef<string> = {
  name: 'cmdline',
  description: 'The running kernel command line (/proc/cmdline)',
  command: 'cat /proc/cmdline',
  parse: (out) => out.trim(),
};

export const bootId: FactDef<string> = {
  name: 'boot_id',
  description: 'Changes on every boot (/proc/sys/kernel/random/boot_id)',
  command: 'cat /proc/sys/kernel/random/boot_id',
  parse: (out) => out.trim(),
};

export const cgroupVersion: FactDef<number> = {
  name: 'cgroup_version',
  description: '2 when /sys/fs/cgroup is the unified hierarchy, else 1',
  command: 'stat -f -c %T /sys/fs/cgroup 2>/dev/null',
  parse: (out) => (out.trim() === 'cgroup2fs' ? 2 : 1),
};

export default [kernel, architecture, cmdline, bootId, cgroupVersion];
