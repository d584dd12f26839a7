/**
 * grub-nokmem.yaml on node11 (has an /etc/default/grub) and node12 (no grub: a container-like
 * host that must be reported and skipped), both paths:
 * - Debian (the fleet's own family): the rendered drop-in /etc/default/grub.d/50-nodemend-nokmem.cfg,
 *   sourced by the update-grub stand-in exactly as Debian bookworm's grub-mkconfig sources it
 *   (after /etc/default/grub, under set -e), and by sh on the controller with sample command lines;
 * - RedHat (grub_os_family=RedHat): the lineinfile edit of /etc/default/grub and the grub2-mkconfig
 *   stand-in of RHEL 7's grub2 2.02~beta2 (reads /etc/default/grub only), its output found through
 *   RHEL's /etc/grub2.cfg -> /boot/grub2/grub.cfg symlink.
 * Both stand-ins are test/fixtures/grub/ (reboot-env.ts plants them).
 * A fleet host shares the machine's kernel and must never really reboot: the running command
 * line comes from the grub_running_cmdline var, and a stand-in `shutdown` records any reboot
 * attempt (with a short reboot timeout, a planning bug would fail fast instead of rebooting).
 * The last part emulates the reboot itself with the one emulation the main job uses
 * (playbooks/vars/local-fleet.yaml, through reboot-env.ts: the SSH session killed, the generated
 * grub.cfg's kernel line bind-mounted over /proc/cmdline in node11's mount namespace, a new boot
 * id); the kmem proof after it reads fake memory cgroup trees as a 3.10 kernel would answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { N11, N12, type PlaybookRun, changedOf, onHost, plant, playbookHosts, removeOnHost, runPlaybook, snapshot, statusOf, taskResults } from './playbooks-env.js';
import { BOOT_ID, GRUB_TOOLS, plantGrubTools, REBOOT_VARS, resetReboots, runningCmdline } from './reboot-env.js';

const env = playbookHosts('grub');
const FLAG = 'cgroup.memory=nokmem';
const DROPIN = '/etc/default/grub.d/50-nodemend-nokmem.cfg';
const TEMPLATE = join(import.meta.dirname, '..', '..', 'templates', 'grub', 'nokmem.cfg.hbs');
const FILES = ['/etc/default', '/boot/grub', '/boot/grub2', '/etc/grub2.cfg'];
const GRUB = `# Edited by hand: keep this comment
GRUB_DEFAULT=saved
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet"
GRUB_CMDLINE_LINUX_DEFAULT="console=ttyS0"
GRUB_DISABLE_RECOVERY="true"
`;
const REBOOT_LOG = '/var/log/nm-grub-test-reboots';
// The kernel judged: an EL7 kernel that knows the flag (the fleet's own kernel is modern).
const K1160 = '3.10.0-1160.el7.x86_64';
// No Kubernetes cluster on the fleet: no kubectl drain around the reboot (k8s_drain: false, as
// playbooks/vars/local-fleet.yaml says; rolling-docker.test.ts proves the drained roll).
const without = { grub_running_cmdline: 'BOOT_IMAGE=/vmlinuz ro quiet', grub_reboot_timeout: 5, grub_kernel: K1160, k8s_drain: false };
const withFlag = { grub_running_cmdline: `BOOT_IMAGE=/vmlinuz ro quiet ${FLAG}`, grub_reboot_timeout: 5, grub_kernel: K1160, k8s_drain: false };
const redhat = { ...withFlag, grub_os_family: 'RedHat' };
const DROP = 'Render the nokmem grub drop-in';
const EDIT = 'GRUB_CMDLINE_LINUX carries the flag';
const REGEN = 'Regenerate the boot config';
const REBOOT = 'Reboot into the new command line';
const only11 = ['--limit', N11];

/** Every changed result as "host task [item]": a --check run must predict exactly the real run's. */
const changedTasks = (run: PlaybookRun): string[] =>
  Object.entries(run.report.hosts)
    .flatMap(([h, r]) => r.tasks.filter((t) => t.changed).map((t) => `${h} ${t.task}${t.item === undefined ? '' : ` ${JSON.stringify(t.item)}`}`))
    .sort();
const read = (host: string, path: string): string => readFileSync(onHost(host, path), 'utf8');
const count = (text: string, word: string): number => text.split(word).length - 1;
/** GRUB_CMDLINE_LINUX after sourcing the drop-in in sh under set -e (as grub-mkconfig does), starting from `line` (undefined: unset). */
function sourced(line: string | undefined): string {
  const script = `set -e; ${line === undefined ? 'unset GRUB_CMDLINE_LINUX' : 'GRUB_CMDLINE_LINUX=$1'}; . "$2"; printf %s "$GRUB_CMDLINE_LINUX"`;
  return execFileSync('sh', ['-c', script, 'sh', line ?? '', onHost(N11, DROPIN)], { encoding: 'utf8' });
}

beforeAll(() => {
  plant(N11, '/etc/default/grub', GRUB);
  plantGrubTools(N11);
  plant(N11, '/usr/local/sbin/shutdown', `#!/bin/sh\necho "$@" >> ${REBOOT_LOG}\n`, 0o755);
  removeOnHost(N11, '/etc/default/grub.d', '/boot/grub', '/boot/grub2', '/etc/grub2.cfg', REBOOT_LOG);
  removeOnHost(N12, '/etc/default/grub');
});
afterAll(() => {
  removeOnHost(N11, '/etc/default/grub', '/etc/default/grub.d', ...GRUB_TOOLS, '/usr/local/sbin/shutdown');
  removeOnHost(N11, '/boot/grub', '/boot/grub2', '/etc/grub2.cfg', REBOOT_LOG);
});

describe('grub-nokmem.yaml on Debian: the templated drop-in', () => {
  let predicted: string[] = [];

  it('--check --diff shows the rendered drop-in and plans the regeneration on the grub host only, and touches no file', async () => {
    const before = [snapshot(N11, FILES), snapshot(N12, FILES)];
    const run = await runPlaybook(env, 'grub-nokmem.yaml', withFlag, ['--check', '--diff']);
    expect(run.code).toBe(0);
    expect(statusOf(run, N11, DROP)).toBe('changed');
    const diff = taskResults(run, N11, DROP)[0].diff?.[0];
    expect(diff?.path).toBe(DROPIN);
    expect(diff?.unified).toContain(`+*) GRUB_CMDLINE_LINUX="\${GRUB_CMDLINE_LINUX:+$GRUB_CMDLINE_LINUX }"${FLAG} ;;`);
    expect(statusOf(run, N11, EDIT)).toBe('skipped');
    expect(statusOf(run, N11, REGEN)).toBe('changed');
    expect(statusOf(run, N11, REBOOT)).toBe('skipped');
    // node12 has no grub: reported, every grub task skipped, not failed
    expect(taskResults(run, N12, 'No grub here')[0].msg).toMatch(/\/etc\/default\/grub does not exist/);
    expect([DROP, EDIT, REGEN, REBOOT].map((t) => statusOf(run, N12, t))).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(run.report.hosts[N12].recap.failed).toBe(0);
    expect([snapshot(N11, FILES), snapshot(N12, FILES)]).toEqual(before);
    predicted = changedTasks(run);
  });

  it('a real run changes exactly what --check predicted: the drop-in (bytes, 0644), update-grub, /etc/default/grub untouched; the rerun changes nothing', async () => {
    const run = await runPlaybook(env, 'grub-nokmem.yaml', withFlag);
    expect(run.code).toBe(0);
    expect(changedTasks(run)).toEqual(predicted);
    expect(predicted).toEqual([`${N11} Grub drop-in directory`, `${N11} ${DROP}`, `${N11} ${REGEN}`].sort());
    const rendered = read(N11, DROPIN);
    expect(rendered).toBe(readFileSync(TEMPLATE, 'utf8').replaceAll('{{quote grub_cmdline_flag}}', FLAG).replaceAll('{{grub_cmdline_flag}}', FLAG));
    // the header says who manages the file and why (the kmem accounting leak of 3.10 kernels)
    expect(rendered.split('\n')[0]).toMatch(/^# Managed by nodemend /);
    expect(
      rendered
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .join(' '),
    ).toMatch(/kernel memory accounting off .* 3\.10 # kernels .*leaks/);
    expect(lstatSync(onHost(N11, DROPIN)).mode & 0o777).toBe(0o644);
    expect(read(N11, '/etc/default/grub')).toBe(GRUB);
    // update-grub sourced the drop-in: every argument of /etc/default/grub, then the flag, once
    const cfg = read(N11, '/boot/grub/grub.cfg');
    expect(cfg).toContain(`ro crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet ${FLAG} console=ttyS0\n`);
    expect(count(cfg, FLAG)).toBe(1);
    expect(existsSync(onHost(N11, REBOOT_LOG))).toBe(false);

    const rerun = await runPlaybook(env, 'grub-nokmem.yaml', withFlag);
    expect(changedOf(rerun)).toEqual({ [N11]: 0, [N12]: 0 });
    expect(statusOf(rerun, N11, REGEN)).toBe('skipped');
  });

  it('the drop-in, sourced in sh, appends the flag only when it is not already a word of the line', () => {
    expect(sourced('crashkernel=auto quiet')).toBe(`crashkernel=auto quiet ${FLAG}`);
    expect(sourced(`quiet ${FLAG} splash`)).toBe(`quiet ${FLAG} splash`);
    expect(sourced(FLAG)).toBe(FLAG);
    expect(sourced(`quiet\t${FLAG}`)).toBe(`quiet\t${FLAG}`);
    expect(sourced('')).toBe(FLAG);
    expect(sourced(undefined)).toBe(FLAG);
    // a longer word that merely starts with the flag is another argument; glob characters stay literal
    expect(sourced(`${FLAG}x init=/bin/*`)).toBe(`${FLAG}x init=/bin/* ${FLAG}`);
  });

  it('once the drop-in is in place, a reboot is planned exactly while the running kernel lacks the flag', async () => {
    const before = snapshot(N11, FILES);
    const lacking = await runPlaybook(env, 'grub-nokmem.yaml', without, ['--check', ...only11]);
    expect([DROP, REGEN, REBOOT].map((t) => statusOf(lacking, N11, t))).toEqual(['ok', 'skipped', 'changed']);
    expect(snapshot(N11, FILES)).toEqual(before);
  });

  it('an EL7 kernel older than 3.10.0-1062 is told to upgrade first, a modern kernel is left alone; neither changes anything', async () => {
    for (const [kernel, task, msg] of [
      [
        '3.10.0-957.el7.x86_64',
        'Kernel too old for cgroup.memory=nokmem',
        /^UPGRADE THE KERNEL FIRST: 3\.10\.0-957\.el7\.x86_64 does not know cgroup\.memory=nokmem \(RHEL\/CentOS 7 kernels know it from 3\.10\.0-1062, mainline from 4\.5\) and would boot with it and ignore it; nothing changed/,
      ],
      // the last 7.6 z-stream kernel is still below 1062; a non-RHEL 3.x never had the option
      ['3.10.0-957.27.2.el7.x86_64', 'Kernel too old for cgroup.memory=nokmem', /^UPGRADE THE KERNEL FIRST: 3\.10\.0-957\.27\.2\.el7\.x86_64 /],
      ['3.16.0-77-generic', 'Kernel too old for cgroup.memory=nokmem', /^UPGRADE THE KERNEL FIRST: 3\.16\.0-77-generic /],
      ['4.4.0-210-generic', 'Kernel not affected by the kmem leak', /^4\.4\.0-210-generic is not a 3\.10 kernel/],
      ['6.1.0-13-amd64', 'Kernel not affected by the kmem leak', /^6\.1\.0-13-amd64 is not a 3\.10 kernel: the kmem accounting leak does not apply/],
    ] as const) {
      const run = await runPlaybook(env, 'grub-nokmem.yaml', { ...without, grub_kernel: kernel }, [...only11, '--check']);
      expect(run.code).toBe(0);
      expect(taskResults(run, N11, task)[0].msg).toMatch(msg);
      expect(changedOf(run)[N11]).toBe(0);
      expect(statusOf(run, N11, REGEN)).toBe('skipped');
    }
  });

  it('a flag that is not one plain word is refused before anything is rendered', async () => {
    const before = snapshot(N11, FILES);
    const run = await runPlaybook(env, 'grub-nokmem.yaml', { ...withFlag, grub_cmdline_flag: 'x"; reboot; "' }, ['--check', ...only11]);
    expect(run.code).toBe(2);
    expect(statusOf(run, N11, 'The flag is one plain word')).toBe('failed');
    expect(statusOf(run, N11, DROP)).toBe('absent');
    expect(snapshot(N11, FILES)).toEqual(before);
  });
});

describe('grub-nokmem.yaml on RedHat (grub_os_family=RedHat): the GRUB_CMDLINE_LINUX edit', () => {
  let predicted: string[] = [];
  const cfg2 = '/boot/grub2/grub.cfg';

  beforeAll(() => {
    // RHEL 7 as installed: /etc/grub2.cfg points at a generated config made before the flag.
    removeOnHost(N11, '/etc/default/grub.d', '/boot/grub');
    // backups left by an earlier, interrupted run of this file
    for (const f of readdirSync(onHost(N11, '/etc/default')).filter((x) => /^grub\..+~$/.test(x))) removeOnHost(N11, `/etc/default/${f}`);
    plant(N11, '/etc/default/grub', GRUB);
    plant(N11, cfg2, 'menuentry CentOS {\n  linux16 /vmlinuz root=/dev/vda1 ro rhgb quiet\n}\n');
    execFileSync('ln', ['-sfn', '../boot/grub2/grub.cfg', onHost(N11, '/etc/grub2.cfg')]);
    // the EFI variant, in case the host sees /sys/firmware/efi
    execFileSync('ln', ['-sfn', '../boot/grub2/grub.cfg', onHost(N11, '/etc/grub2-efi.cfg')]);
  });
  afterAll(() => removeOnHost(N11, '/etc/grub2-efi.cfg'));

  it('--check --diff shows the one-line edit and plans grub2-mkconfig, and touches no file', async () => {
    const before = snapshot(N11, FILES);
    const run = await runPlaybook(env, 'grub-nokmem.yaml', redhat, ['--check', '--diff', ...only11]);
    expect(run.code).toBe(0);
    expect(statusOf(run, N11, DROP)).toBe('skipped');
    expect(statusOf(run, N11, EDIT)).toBe('changed');
    expect(taskResults(run, N11, EDIT)[0].diff?.[0].unified).toContain(`+GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet ${FLAG}"`);
    expect(statusOf(run, N11, REGEN)).toBe('changed');
    expect(snapshot(N11, FILES)).toEqual(before);
    predicted = changedTasks(run);
  });

  it('a real run changes exactly what --check predicted: one line of /etc/default/grub, grub2-mkconfig -o the resolved grub.cfg, no drop-in; the rerun changes nothing', async () => {
    const run = await runPlaybook(env, 'grub-nokmem.yaml', redhat, only11);
    expect(run.code).toBe(0);
    expect(changedTasks(run)).toEqual(predicted);
    expect(predicted).toEqual([`${N11} ${EDIT}`, `${N11} ${REGEN}`].sort());
    expect(read(N11, '/etc/default/grub')).toBe(GRUB.replace('rhgb quiet"', `rhgb quiet ${FLAG}"`));
    // the original boot defaults are kept beside the file (backup: true)
    const backups = readdirSync(onHost(N11, '/etc/default')).filter((f) => /^grub\..+~$/.test(f));
    expect(backups.map((b) => read(N11, `/etc/default/${b}`))).toEqual([GRUB]);
    expect(read(N11, cfg2)).toContain(`ro crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet ${FLAG} console=ttyS0\n`);
    expect(lstatSync(onHost(N11, '/etc/grub2.cfg')).isSymbolicLink()).toBe(true);
    expect(existsSync(onHost(N11, '/etc/default/grub.d'))).toBe(false);

    const rerun = await runPlaybook(env, 'grub-nokmem.yaml', redhat, only11);
    expect(changedOf(rerun)).toEqual({ [N11]: 0 });
    expect(statusOf(rerun, N11, REGEN)).toBe('skipped');
  });

  it('several copies of the flag become one, without touching the other arguments', async () => {
    plant(N11, '/etc/default/grub', `GRUB_CMDLINE_LINUX="${FLAG} quiet ${FLAG}"\n`);
    const run = await runPlaybook(env, 'grub-nokmem.yaml', redhat, only11);
    expect(run.code).toBe(0);
    expect(read(N11, '/etc/default/grub')).toBe(`GRUB_CMDLINE_LINUX="quiet ${FLAG}"\n`);
    expect(count(read(N11, cfg2), FLAG)).toBe(1);
  });
});

describe('grub-nokmem.yaml after the reboot (emulated): the kmem proof decides, not /proc/cmdline', () => {
  const trees = uniqueTrees();
  const CTR = 'kubepods/burstable/pod7c1d/0a1b2c3d';
  const emulated = (tree: string) => ({
    ...redhat,
    grub_running_cmdline: 'BOOT_IMAGE=/vmlinuz ro quiet',
    grub_reboot_timeout: 60,
    ...REBOOT_VARS,
    verify_kernel: K1160,
    kmem_memory_cgroup: tree,
  });
  const PROOF = 'kmem accounting after the boot with the flag';
  const DECIDES = 'The kmem proof decides';

  function uniqueTrees(): { eio: string; on: string; empty: string } {
    const b = `/var/tmp/nm-grub-proof-${process.pid}`;
    return { eio: `${b}/eio`, on: `${b}/on`, empty: `${b}/empty` };
  }

  beforeAll(() => {
    resetReboots(N11, 'boot-one');
    plant(N11, `${trees.eio}/${CTR}/memory.limit_in_bytes`, '9223372036854771712\n');
    symlinkSync('/proc/self/mem', onHost(N11, `${trees.eio}/${CTR}/memory.kmem.slabinfo`));
    plant(N11, `${trees.on}/${CTR}/memory.kmem.slabinfo`, 'slabinfo - version: 2.1\nkmalloc-64  128 128 64 64 1 : tunables 0 0 0\n');
    plant(N11, `${trees.empty}/kubepods/memory.limit_in_bytes`, '9223372036854771712\n');
  });
  afterAll(() => {
    resetReboots(N11);
    removeOnHost(N11, BOOT_ID, trees.eio.replace(/\/eio$/, ''));
  });

  it('reboots (new boot id, connection dropped), then passes on the proof: every container slabinfo read fails with EIO', async () => {
    const run = await runPlaybook(env, 'grub-nokmem.yaml', emulated(trees.eio), only11);
    expect(run.code, run.output).toBe(0);
    expect(statusOf(run, N11, REBOOT)).toBe('changed');
    expect(statusOf(run, N11, 'The running kernel has the flag')).toBe('ok');
    expect(taskResults(run, N11, PROOF)[0].msg).toBe('PASS: 3.10 kernel (3.10.0-1160.el7.x86_64): 1 of 1 containers: reading memory.kmem.slabinfo failed with Input/output error');
    expect(statusOf(run, N11, DECIDES)).toBe('skipped');
    expect(readFileSync(onHost(N11, BOOT_ID), 'utf8')).not.toBe('boot-one\n');
    // the generated config's kernel line was booted: grub2-mkconfig's, with the flag once
    expect(runningCmdline(N11)).toMatch(new RegExp(`^BOOT_IMAGE=/vmlinuz-\\S+ root=/dev/mapper/centos-root ro quiet ${FLAG} *$`));
  });

  it('the flag on /proc/cmdline is not enough: a container whose slabinfo still reads fails the host', async () => {
    const run = await runPlaybook(env, 'grub-nokmem.yaml', emulated(trees.on), only11);
    expect(run.code).toBe(2);
    expect(statusOf(run, N11, 'The running kernel has the flag')).toBe('ok');
    expect(statusOf(run, N11, DECIDES)).toBe('failed');
    expect(taskResults(run, N11, DECIDES)[0].msg).toBe(
      `booted with ${FLAG} but kmem accounting is still ON: 0 of 1 containers: reading memory.kmem.slabinfo failed with Input/output error; exit 0, kmem accounting is ON for: ${CTR}`,
    );
  });

  it('no container to prove it on yet: inconclusive fails the host unless verify_allow_inconclusive', async () => {
    const run = await runPlaybook(env, 'grub-nokmem.yaml', emulated(trees.empty), only11);
    expect(run.code).toBe(2);
    expect(taskResults(run, N11, DECIDES)[0].msg).toMatch(/^booted with cgroup\.memory=nokmem but not proven: no pod or container memory cgroup .*verify_allow_inconclusive=true\)$/);
    const allowed = await runPlaybook(env, 'grub-nokmem.yaml', { ...emulated(trees.empty), verify_allow_inconclusive: true }, only11);
    expect(allowed.code).toBe(0);
    expect(taskResults(allowed, N11, PROOF)[0].msg).toMatch(/^INCONCLUSIVE: /);
  });
});
