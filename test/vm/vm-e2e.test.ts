/**
 * The fixes proven on a booted kernel: nodemend's real playbooks, through the real CLI, against
 * one QEMU VM (Debian bookworm, kernel 6.1, booted through grub from its own disk with cgroup v1;
 * src/vm/vm.ts, scripts/vm/image.sh). The fleet's hosts are chroots on the machine's kernel and
 * cannot show a new command line, kmem accounting switched off or a live patch loaded; this can.
 *
 * One VM, phases in order (each depends on the one before; each prints its time):
 *   boot -> verify-kmem before (ON, fails) -> kpatch-route with the kbuild backend (the suite's
 *   own livepatch: /proc/cmdline gains a marker) -> grub-nokmem (drop-in, update-grub, reboot:
 *   new boot_id, nokmem on /proc/cmdline, the play's own kmem proof PASS on the new boot, the
 *   livepatch loaded again by the unit the play enabled) -> reruns change nothing and do not reboot -> verify-kmem after (OFF, passes) ->
 *   audit finds an unregister_netdevice line written to /dev/kmsg.
 * The kpatch play runs before the grub reboot, as in site.yaml, so one reboot proves both the
 * new command line and the livepatch's load at boot.
 *
 * A VM that cannot boot fails every phase (never a skip): the first test boots it and each later
 * one needs it. Needs root and qemu-system-x86 (scripts/install.sh). Env: NODEMEND_VM_PORT
 * (default 22690; parallel sessions each pick their own), NODEMEND_VM_ACCEL=kvm|tcg.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertBuilt, readJson, runCli } from '../setup/cli.js';
import type { JsonReport, JsonTask } from '../../src/report/json.js';
import { VM_HOST, type VmInfo, sshArgs, vmDown, vmPid, vmUp } from '../../src/vm/vm.js';
import { isAlive, sleep } from '../../src/fleet/proc.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const PORT = Number(process.env.NODEMEND_VM_PORT ?? 22690);
const DIR = `/tmp/nodemend-vm-test-${PORT}`;
const ARTIFACTS = join(DIR, 'artifacts');
const FLAG = 'cgroup.memory=nokmem';
const MODULE = 'livepatch-nodemend-cmdline';
const SYSFS = `/sys/kernel/livepatch/${MODULE.replaceAll('-', '_')}`;
const MARKER = 'nodemend.livepatch=cmdline';
const KPATCH_VARS = {
  kpatch_build_backend: 'kbuild',
  livepatch_module: MODULE,
  livepatch_kbuild_src: join(REPO, 'test', 'fixtures', 'livepatch-cmdline'),
  kpatch_route_fixed_in: [], // 6.1 carries the route fix: patch it anyway, with the suite's own module
  nodemend_artifacts: ARTIFACTS,
};
/**
 * grub-nokmem judges the kernel first: 6.1 is not affected by the 3.10 leak and would be left
 * alone, so the suite has the play judge the VM as an EL7 kernel that knows the flag
 * (3.10.0-1062+), to run the command-line change itself (drop-in, update-grub, reboot) on a real
 * boot. k8s_drain=false: the VM is no cluster node (nothing to drain, no kubectl).
 */
const GRUB_VARS = { grub_kernel: '3.10.0-1160.el7.x86_64', k8s_drain: false };
const MIN = 60_000;

let vm: VmInfo | undefined;
const times: [string, number][] = [];
/** Values the README quotes (kmem bytes before/after), printed at the end. */
const observed: Record<string, string> = {};

/**
 * Two runs on one port (two CI clones, two sessions) would kill each other's VM: the port's
 * dir is held by one run at a time (its pid in DIR.lock), the other waits; a dead holder's
 * lock is taken over.
 */
const LOCK = `${DIR}.lock`;
let locked = false;
async function lockPort(): Promise<void> {
  for (let told = false; ;) {
    try {
      writeFileSync(LOCK, `${process.pid}\n`, { flag: 'wx' });
      locked = true;
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readFileSync(LOCK, 'utf8').trim() || 0);
    if (!holder || !isAlive(holder)) {
      rmSync(LOCK, { force: true });
      continue;
    }
    if (!told) process.stdout.write(`[vm] waiting for ${DIR}: another run (pid ${holder}) uses port ${PORT}; set NODEMEND_VM_PORT to run beside it\n`);
    told = true;
    await sleep(2000);
  }
}

// QEMU runs daemonized: whatever ends this process (a failure, vitest killing the worker) kills it.
process.on('exit', () => {
  if (!locked) return;
  const pid = vmPid(DIR);
  if (pid) process.kill(pid, 'SIGKILL');
  rmSync(LOCK, { force: true });
});

afterAll(async () => {
  if (!locked) return;
  await vmDown(DIR);
  rmSync(LOCK, { force: true });
  locked = false;
  const total = times.reduce((s, [, t]) => s + t, 0);
  const lines = times.map(([p, t]) => `  ${p.padEnd(44)} ${t.toFixed(1).padStart(7)} s`);
  process.stdout.write(`\n[vm] phase times (accel ${vm?.accel ?? '?'}):\n${lines.join('\n')}\n  ${'total'.padEnd(44)} ${total.toFixed(1).padStart(7)} s\n`);
  for (const [k, v] of Object.entries(observed)) process.stdout.write(`[vm] ${k}: ${v}\n`);
}, 2 * MIN);

/** Times a phase; every phase after the boot needs the VM. */
async function phase<T>(name: string, fn: (vm: VmInfo) => Promise<T>, needsVm = true): Promise<T> {
  if (needsVm && !vm) throw new Error(`the VM did not boot (see the first test): "${name}" cannot run`);
  const t0 = Date.now();
  try {
    return await fn(vm!);
  } finally {
    const s = (Date.now() - t0) / 1000;
    times.push([name, s]);
    process.stdout.write(`[vm] ${name}: ${s.toFixed(1)} s\n`);
  }
}

/** A command on the VM over plain OpenSSH (as ops; sudo where root is needed). */
function onVm(cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile('ssh', [...sshArgs(vm!), cmd], { timeout: 5 * MIN }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}
const read = async (cmd: string): Promise<string> => {
  const r = await onVm(cmd);
  if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
};
const cmdline = (): Promise<string[]> => read('cat /proc/cmdline').then((s) => s.split(/\s+/));
const bootId = (): Promise<string> => read('cat /proc/sys/kernel/random/boot_id');

interface Run {
  code: number;
  output: string;
  report: JsonReport;
}
let runs = 0;
async function playbook(file: string, vars: Record<string, unknown> = {}): Promise<Run> {
  const json = join(DIR, `report-${++runs}.json`);
  const r = await runCli(['run', join(REPO, 'playbooks', file), '-i', vm!.inventory, '-e', JSON.stringify(vars), '--json', json]);
  const output = r.stdout + r.stderr;
  if (!existsSync(json)) throw new Error(`${file}: no report (exit ${r.code}):\n${output}`);
  return { code: r.code, output, report: readJson<JsonReport>(json) };
}
const tasks = (run: Run, name: string): JsonTask[] => (run.report.hosts[VM_HOST]?.tasks ?? []).filter((t) => t.task === name);
const statusOf = (run: Run, name: string): string =>
  tasks(run, name)
    .map((t) => t.status)
    .join(',') || 'absent';
/** Statuses where the task ran: kpatch-route includes tasks/livepatch-kbuild.yaml once per step, the other steps' copies skip. */
const ranAs = (run: Run, name: string): string =>
  tasks(run, name)
    .filter((t) => t.status !== 'skipped')
    .map((t) => t.status)
    .join(',') || 'absent';
const changedCount = (run: Run): number => run.report.hosts[VM_HOST]?.recap.changed ?? -1;
const verdict = (run: Run): string => tasks(run, 'Verdict')[0]?.msg ?? '';
const kmemBytes = (msg: string): number => Number(/charged (\d+) bytes/.exec(msg)?.[1] ?? NaN);

describe('the fixes on a booted Debian 6.1 kernel (QEMU VM)', () => {
  it(
    'boots the image through grub, with cgroup v1 and without nokmem',
    async () => {
      assertBuilt();
      await phase(
        'boot (image cached or built, fresh overlay)',
        async () => {
          await lockPort();
          await vmDown(DIR); // a QEMU left by a killed run
          rmSync(DIR, { recursive: true, force: true });
          mkdirSync(DIR, { recursive: true });
          vm = await vmUp({ dir: DIR, port: PORT, bootTimeoutSec: 1200, log: (l) => process.stdout.write(`[vm] ${l}\n`) });
        },
        false,
      );
      const words = await cmdline();
      expect(words[0]).toMatch(/^BOOT_IMAGE=/); // grub booted it (QEMU's -kernel would not set this)
      expect(words).toContain('systemd.unified_cgroup_hierarchy=0');
      expect(words).not.toContain(FLAG);
      expect(await read('test -f /sys/fs/cgroup/memory/memory.kmem.usage_in_bytes && echo v1')).toBe('v1');
      expect(await read('uname -r')).toBe(vm!.kernel);
      observed.kernel = vm!.kernel;
    },
    25 * MIN,
  );

  it(
    'verify-kmem before: kmem accounting ON, a fresh child cgroup charges kernel memory, the play fails',
    async () => {
      const run = await phase('verify-kmem before', () => playbook('verify-kmem.yaml'));
      expect(run.code, run.output).toBe(2);
      expect(verdict(run)).toMatch(/^FAIL: cgroup v1, kernel 6\.1\..*LACKS cgroup\.memory=nokmem/);
      const bytes = kmemBytes(verdict(run));
      expect(bytes).toBeGreaterThan(0);
      observed['memory.kmem.usage_in_bytes before nokmem'] = String(bytes);
      expect(statusOf(run, 'The proof holds')).toBe('failed');
    },
    10 * MIN,
  );

  it(
    'kpatch-route (kbuild backend) builds the livepatch on the builder, installs, loads and verifies it',
    async () => {
      const run = await phase('kpatch-route, kbuild build + load', () => playbook('kpatch-route.yaml', KPATCH_VARS));
      expect(run.code, run.output).toBe(0);
      expect(ranAs(run, 'make -C /lib/modules/<kernel>/build M=<dir> modules')).toBe('changed');
      expect(ranAs(run, 'Load the live patches now')).toBe('changed');
      expect(ranAs(run, 'The live patch is loaded and enabled')).toBe('ok');
      expect(existsSync(join(ARTIFACTS, 'kpatch', vm!.kernel, `${MODULE}.ko`))).toBe(true);
      expect(await read(`cat ${SYSFS}/enabled`)).toBe('1');
      expect(await read(`test -f /var/lib/kpatch/${vm!.kernel}/${MODULE}.ko && echo installed`)).toBe('installed');
      expect(await read('systemctl is-enabled nodemend-livepatch.service')).toBe('enabled');
      const words = await cmdline();
      expect(words.at(-1)).toBe(MARKER); // the replaced cmdline_proc_show
      expect(words).toContain('systemd.unified_cgroup_hierarchy=0'); // and the real line kept
    },
    20 * MIN,
  );

  it(
    'grub-nokmem writes the flag, regenerates grub.cfg, reboots (new boot_id) into cgroup.memory=nokmem',
    async () => {
      const before = await bootId();
      const run = await phase('grub-nokmem (update-grub + reboot)', () => playbook('grub-nokmem.yaml', GRUB_VARS));
      expect(run.code, run.output).toBe(0);
      expect(statusOf(run, 'Does this kernel need cgroup.memory=nokmem, and know it?')).toBe('ok');
      expect(statusOf(run, 'Render the nokmem grub drop-in')).toBe('changed');
      expect(statusOf(run, 'Regenerate the boot config')).toBe('changed');
      expect(statusOf(run, 'Reboot into the new command line')).toBe('changed');
      expect(statusOf(run, 'The running kernel has the flag')).toBe('ok');
      // success is the kmem proof's on the new boot (cgroup v1 on 6.1: 0 bytes charged to a fresh child cgroup), not the cmdline
      expect(tasks(run, 'kmem accounting after the boot with the flag')[0]?.msg).toMatch(/^PASS: cgroup v1, kernel 6\.1\..*has cgroup\.memory=nokmem; a fresh child cgroup charged 0 bytes/);
      expect(statusOf(run, 'The kmem proof decides')).toBe('skipped');
      expect(await bootId()).not.toBe(before);
      expect(await cmdline()).toContain(FLAG);
      expect(await read(`grep -c -e ${FLAG} /boot/grub/grub.cfg`)).not.toBe('0');
      expect(await read('cat /etc/default/grub.d/50-nodemend-nokmem.cfg')).toContain(FLAG);
    },
    20 * MIN,
  );

  it(
    'after the reboot the livepatch is loaded again by the unit the play enabled',
    async () => {
      await phase('livepatch after reboot', async () => {
        expect(await read(`cat ${SYSFS}/enabled`)).toBe('1');
        expect((await cmdline()).at(-1)).toBe(MARKER);
        expect(await read('systemctl show -p ActiveState --value nodemend-livepatch.service')).toBe('active');
        expect(await read('sudo journalctl -b -u nodemend-livepatch.service --no-pager -q -o cat')).toContain(`loaded ${MODULE.replaceAll('-', '_')}`);
      });
    },
    5 * MIN,
  );

  it(
    'reruns change nothing: grub-nokmem does not reboot, kpatch-route does not rebuild or reload',
    async () => {
      const before = await bootId();
      const grub = await phase('grub-nokmem rerun', () => playbook('grub-nokmem.yaml', GRUB_VARS));
      expect(grub.code, grub.output).toBe(0);
      expect(changedCount(grub)).toBe(0);
      expect(statusOf(grub, 'Reboot into the new command line')).toBe('skipped');
      expect(tasks(grub, 'kmem accounting after the boot with the flag')[0]?.msg).toMatch(/^PASS: /);
      expect(await bootId()).toBe(before);
      const kp = await phase('kpatch-route rerun', () => playbook('kpatch-route.yaml', KPATCH_VARS));
      expect(kp.code, kp.output).toBe(0);
      expect(changedCount(kp)).toBe(0);
      expect(ranAs(kp, 'The live patch is loaded and enabled')).toBe('ok');
    },
    15 * MIN,
  );

  it(
    'verify-kmem after: kmem accounting OFF (0 bytes), the play passes',
    async () => {
      const run = await phase('verify-kmem after', () => playbook('verify-kmem.yaml'));
      expect(run.code, run.output).toBe(0);
      expect(verdict(run)).toMatch(/^PASS: cgroup v1, kernel 6\.1\..*has cgroup\.memory=nokmem/);
      expect(kmemBytes(verdict(run))).toBe(0);
      observed['memory.kmem.usage_in_bytes with nokmem'] = String(kmemBytes(verdict(run)));
    },
    10 * MIN,
  );

  it(
    'audit finds an unregister_netdevice line written to /dev/kmsg, and only after it was written',
    async () => {
      const auditOf = (run: Run): { dmesg: string[]; findings: { problem: string }[] } => {
        const msg = tasks(run, 'Fleet audit (JSON)')[0]?.msg ?? '[]';
        return (JSON.parse(msg) as { host: string; dmesg: string[]; findings: { problem: string }[] }[]).find((a) => a.host === VM_HOST)!;
      };
      await phase('audit before and after a /dev/kmsg line', async () => {
        const clean = await playbook('audit.yaml');
        expect(clean.code, clean.output).toBe(0);
        expect(auditOf(clean).dmesg).not.toContain('netdev');
        // The kernel's own wording (net/core/dev.c, netdev_wait_allrefs), at KERN_EMERG as there.
        await read(`echo '<0>unregister_netdevice: waiting for eth0 to become free. Usage count = 1' | sudo tee /dev/kmsg >/dev/null`);
        const hit = await playbook('audit.yaml');
        expect(hit.code, hit.output).toBe(0);
        expect(auditOf(hit).dmesg).toContain('netdev');
        expect(auditOf(hit).findings.map((f) => f.problem)).toContain('dmesg: unregister_netdevice waiting, route livepatch not loaded');
      });
    },
    10 * MIN,
  );
});
