/**
 * grub-nokmem.yaml on node11 (has an /etc/default/grub and a stand-in update-grub that writes
 * the kernel line into /boot/grub/grub.cfg as the real one would) and node12 (no grub: a
 * container-like host that must be reported and skipped). A fleet host shares the machine's
 * kernel and must never really reboot: the running command line comes from the
 * grub_running_cmdline var, and a stand-in `shutdown` records any reboot attempt (with a short
 * reboot timeout, a planning bug would fail fast instead of rebooting).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { N11, N12, changedOf, onHost, plant, playbookHosts, removeOnHost, runPlaybook, snapshot, statusOf, taskResults } from './playbooks-env.js';

const env = playbookHosts('grub');
const FILES = ['/etc/default/grub', '/boot/grub'];
const GRUB = `# Edited by hand: keep this comment
GRUB_DEFAULT=saved
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet"
GRUB_CMDLINE_LINUX_DEFAULT="console=ttyS0"
GRUB_DISABLE_RECOVERY="true"
`;
const UPDATE_GRUB = `#!/bin/sh
. /etc/default/grub
mkdir -p /boot/grub
printf 'menuentry Debian {\\n  linux /vmlinuz root=/dev/vda1 ro %s %s\\n}\\n' "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT" > /boot/grub/grub.cfg
`;
const REBOOT_LOG = '/var/log/nm-grub-test-reboots';
const without = { grub_running_cmdline: 'BOOT_IMAGE=/vmlinuz ro quiet', grub_reboot_timeout: 5 };
const withFlag = { grub_running_cmdline: 'BOOT_IMAGE=/vmlinuz ro quiet cgroup.memory=nokmem', grub_reboot_timeout: 5 };
const EDIT = 'GRUB_CMDLINE_LINUX carries the flag';
const REBOOT = 'Reboot into the new command line';

beforeAll(() => {
  plant(N11, '/etc/default/grub', GRUB);
  plant(N11, '/usr/local/sbin/update-grub', UPDATE_GRUB, 0o755);
  plant(N11, '/usr/local/sbin/shutdown', `#!/bin/sh\necho "$@" >> ${REBOOT_LOG}\n`, 0o755);
  removeOnHost(N11, '/boot/grub', REBOOT_LOG);
  removeOnHost(N12, '/etc/default/grub');
});
afterAll(() => {
  removeOnHost(N11, '/etc/default/grub', '/usr/local/sbin/update-grub', '/usr/local/sbin/shutdown', '/boot/grub', REBOOT_LOG);
});

describe('grub-nokmem.yaml', () => {
  it('--check plans the edit, the regeneration and the reboot on the grub host only, and touches no file', async () => {
    const before = [snapshot(N11, FILES), snapshot(N12, FILES)];
    const run = await runPlaybook(env, 'grub-nokmem.yaml', without, ['--check', '--diff']);
    expect(run.code).toBe(0);
    expect(statusOf(run, N11, EDIT)).toBe('changed');
    expect(taskResults(run, N11, EDIT)[0].diff?.[0].unified).toContain(
      '+GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet cgroup.memory=nokmem"',
    );
    expect(statusOf(run, N11, 'Regenerate the boot config')).toBe('changed');
    expect(statusOf(run, N11, REBOOT)).toBe('changed');
    // node12 has no grub: reported, every grub task skipped, not failed
    expect(taskResults(run, N12, 'No grub here')[0].msg).toMatch(/\/etc\/default\/grub does not exist/);
    expect(statusOf(run, N12, EDIT)).toBe('skipped');
    expect(statusOf(run, N12, REBOOT)).toBe('skipped');
    expect(run.report.hosts[N12].recap.failed).toBe(0);
    expect([snapshot(N11, FILES), snapshot(N12, FILES)]).toEqual(before);
  });

  it('a real run keeps every argument and the rest of the file, adds the flag once, regenerates, and does not reboot a kernel that has the flag; the rerun changes nothing', async () => {
    const run = await runPlaybook(env, 'grub-nokmem.yaml', withFlag);
    expect(run.code).toBe(0);
    expect(readFileSync(onHost(N11, '/etc/default/grub'), 'utf8')).toBe(
      GRUB.replace('rhgb quiet"', 'rhgb quiet cgroup.memory=nokmem"'),
    );
    expect(readFileSync(onHost(N11, '/boot/grub/grub.cfg'), 'utf8')).toContain(' quiet cgroup.memory=nokmem console=ttyS0');
    expect(statusOf(run, N11, REBOOT)).toBe('skipped');
    expect(existsSync(onHost(N11, REBOOT_LOG))).toBe(false);
    expect(changedOf(run)).toEqual({ [N11]: 2, [N12]: 0 });

    const rerun = await runPlaybook(env, 'grub-nokmem.yaml', withFlag);
    expect(changedOf(rerun)).toEqual({ [N11]: 0, [N12]: 0 });
    expect(statusOf(rerun, N11, 'Regenerate the boot config')).toBe('skipped');
  });

  it('once the file is right, a reboot is still planned exactly while the running kernel lacks the flag', async () => {
    const before = snapshot(N11, FILES);
    const lacking = await runPlaybook(env, 'grub-nokmem.yaml', without, ['--check']);
    expect([statusOf(lacking, N11, EDIT), statusOf(lacking, N11, REBOOT)]).toEqual(['ok', 'changed']);
    const booted = await runPlaybook(env, 'grub-nokmem.yaml', withFlag, ['--check']);
    expect([statusOf(booted, N11, EDIT), statusOf(booted, N11, REBOOT)]).toEqual(['ok', 'skipped']);
    expect(snapshot(N11, FILES)).toEqual(before);
  });

  it('several copies of the flag become one, without touching the other arguments', async () => {
    plant(N11, '/etc/default/grub', 'GRUB_CMDLINE_LINUX="cgroup.memory=nokmem quiet cgroup.memory=nokmem"\n');
    const run = await runPlaybook(env, 'grub-nokmem.yaml', withFlag, ['--limit', N11]);
    expect(run.code).toBe(0);
    expect(readFileSync(onHost(N11, '/etc/default/grub'), 'utf8')).toBe('GRUB_CMDLINE_LINUX="quiet cgroup.memory=nokmem"\n');
    expect(changedOf(await runPlaybook(env, 'grub-nokmem.yaml', withFlag, ['--limit', N11]))).toEqual({ [N11]: 0 });
  });
});
