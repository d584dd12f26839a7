/**
 * grub-nokmem.yaml (which reboots) as a drained rolling change on node19..node21 (the rolling area).
 *
 * A fleet host shares the machine's kernel and cannot reboot, so the reboot is emulated through
 * the playbook's grub_reboot_command / grub_boot_time_command (as playbooks-grub.test.ts does): the
 * "reboot" logs its time, writes a new boot id to the file the reboot module then reads, and boots
 * the generated grub.cfg's `linux` line: that command line is bind-mounted over /proc/cmdline in
 * the host's own mount namespace, so the flag is there after the reboot only if update-grub put it
 * into the config. update-grub is a stand-in of Debian's grub-mkconfig (sources /etc/default/grub,
 * then /etc/default/grub.d/*.cfg). The kubelet's healthz is a file read through curl's file://, and
 * kubectl is the v1.28 stand-in (rolling-env.ts): no API server here. The kmem proof after the boot
 * has no cgroup tree here (inconclusive, allowed): playbooks-grub.test.ts proves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetHost, HOSTS, testFleet } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';
import type { JsonReport } from '../../src/report/json.js';
import { onHost, plant, removeOnHost } from './playbooks-env.js';
import { cordonedNodes, kubectlCalls, kubectlEnv, REPO, resetCluster } from './rolling-env.js';

const NODES = [...HOSTS.rolling]; // node19, node20, node21
const [A, B, C] = NODES;
const FLAG = 'cgroup.memory=nokmem';
const T = '/var/tmp/nm-rolling-grub';
const BOOT_ID = `${T}/boot_id`;
const CMDLINE = `${T}/cmdline`;
const REBOOTS = `${T}/reboots.log`;
const HEALTHZ = `${T}/healthz`;
const UPDATE_GRUB = `#!/bin/sh
set -e
. /etc/default/grub
for x in /etc/default/grub.d/*.cfg; do
  if [ -e "$x" ]; then . "$x"; fi
done
mkdir -p /boot/grub
printf 'menuentry Debian {\\n  linux /vmlinuz root=/dev/vda1 ro %s\\n}\\n' "$GRUB_CMDLINE_LINUX" > /boot/grub/grub.cfg
`;
// The emulated reboot: the new command line is what the generated config boots. The new boot id
// comes last: the play takes it as "booted" and reads /proc/cmdline at once (written first, a
// loaded machine showed the play the old command line).
const REBOOT = [
  `echo "$(date +%s%3N) reboot" >> ${REBOOTS}`,
  `echo "BOOT_IMAGE=/vmlinuz $(sed -n 's/^ *linux \\/vmlinuz //p' /boot/grub/grub.cfg)" > ${CMDLINE}`,
  'umount /proc/cmdline 2>/dev/null',
  `mount --bind ${CMDLINE} /proc/cmdline`,
  `cat /proc/sys/kernel/random/uuid > ${BOOT_ID}`,
].join('; ');

/** A command on a host as root (its mount namespace: the bind mounts live there). */
function onNode(h: string, cmd: string): string {
  const f = testFleet();
  return execFileSync('ssh', ['-i', f.key, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', '-p', String(fleetHost(h).port), 'root@127.0.0.1', cmd], { encoding: 'utf8' });
}
/** Back to the machine's own command line (no flag): the node needs its reboot again. */
const unboot = (h: string): string => onNode(h, 'while umount /proc/cmdline 2>/dev/null; do :; done; true');

const work = workDir('rolling-grub');
const cluster = join(work, 'cluster');
let inventory: string;
let runs = 0;

interface Run {
  code: number;
  out: string;
  report: JsonReport;
}

async function grub(flags: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  const json = join(work, `run-${++runs}.json`);
  const r = await runCli(['run', join(REPO, 'playbooks/grub-nokmem.yaml'), '-i', inventory, '--json', json, ...flags], { env: kubectlEnv(cluster, env) });
  const out = r.stdout + r.stderr;
  if (!existsSync(json)) throw new Error(`no report (exit ${r.code}):\n${out}`);
  return { code: r.code, out, report: readJson<JsonReport>(json) };
}

const reboots = (h: string): number[] =>
  existsSync(onHost(h, REBOOTS))
    ? readFileSync(onHost(h, REBOOTS), 'utf8')
        .trim()
        .split('\n')
        .map((l) => Number(l.split(' ')[0]))
    : [];
const read = (h: string, path: string): string => readFileSync(onHost(h, path), 'utf8').trim();
/**
 * Status of a task on a host. tasks/k8s-node.yaml is included twice (drain, then ready), so each
 * of its tasks reports twice: the steps of the ready include are its last result.
 */
function statusOf(run: Run, h: string, task: string): string | undefined {
  const all = (run.report.hosts[h]?.tasks ?? []).filter((t) => t.task.startsWith(task));
  return (/^(kubectl (wait|uncordon)|kubelet healthz)/.test(task) ? all.at(-1) : all[0])?.status;
}

function plantNode(h: string): void {
  plant(h, '/etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="ro quiet"\n');
  plant(h, '/usr/local/sbin/update-grub', UPDATE_GRUB, 0o755);
  plant(h, BOOT_ID, 'boot-0\n');
  unboot(h);
  plant(h, HEALTHZ, 'ok');
  removeOnHost(h, '/etc/default/grub.d', '/boot/grub', REBOOTS);
}

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, NODES, {
    vars: {
      k8s_drain: true,
      k8s_kubelet_healthz_url: `file://${HEALTHZ}`,
      k8s_ready_timeout: 4,
      grub_kernel: '3.10.0-1160.el7.x86_64', // an EL7 kernel that knows the flag (the fleet's own is modern)
      grub_reboot_command: REBOOT,
      grub_boot_time_command: `cat ${BOOT_ID}`,
      grub_reboot_timeout: 60,
      verify_allow_inconclusive: true,
    },
  });
  NODES.forEach(plantNode);
  resetCluster(cluster);
});

afterAll(() => {
  for (const h of NODES) {
    unboot(h);
    removeOnHost(h, '/etc/default/grub', '/etc/default/grub.d', '/boot/grub', '/usr/local/sbin/update-grub', T);
  }
});

describe('grub-nokmem.yaml reboots one drained node at a time', () => {
  it('--check shows drain and uncordon on every node that will reboot, and reboots or drains nothing', async () => {
    const run = await grub(['--check']);
    expect(run.code, run.out).toBe(0);
    for (const h of NODES) {
      expect(statusOf(run, h, 'kubectl drain')).toBe('changed');
      expect(statusOf(run, h, 'kubectl uncordon')).toBe('changed');
      expect(statusOf(run, h, 'Reboot into the new command line')).toBe('changed');
      expect(reboots(h)).toEqual([]);
    }
    expect(kubectlCalls(cluster)).toEqual([]);
  });

  it('each reboot happens inside its own drain..uncordon window, waits for a new boot id, and boots with the flag', async () => {
    const run = await grub();
    expect(run.code, run.out).toBe(0);
    const calls = kubectlCalls(cluster);
    expect(calls.map(([, verb, node]) => `${verb} ${node}`)).toEqual(NODES.flatMap((n) => [`drain ${n}`, `wait ${n}`, `uncordon ${n}`]));
    for (const [i, h] of NODES.entries()) {
      const [drained, ready, uncordoned] = [calls[i * 3][0], calls[i * 3 + 1][0], calls[i * 3 + 2][0]];
      const r = reboots(h);
      expect(r).toHaveLength(1);
      expect(r[0]).toBeGreaterThanOrEqual(drained);
      expect(r[0]).toBeLessThanOrEqual(ready); // the health gate comes after the reboot
      expect(ready).toBeLessThanOrEqual(uncordoned);
      if (i > 0) expect(drained).toBeGreaterThanOrEqual(calls[i * 3 - 1][0]); // never two nodes drained at once
      expect(read(h, BOOT_ID)).not.toBe('boot-0');
      expect(onNode(h, 'cat /proc/cmdline').trim().split(' ')).toContain(FLAG);
      expect(statusOf(run, h, 'Reboot into the new command line')).toBe('changed');
      expect(statusOf(run, h, 'The running kernel has the flag')).toBe('ok');
      expect(statusOf(run, h, 'kubelet healthz')).toBe('ok');
    }
    expect(cordonedNodes(cluster)).toEqual([]);
  });

  it('a converged rerun drains, reboots and changes nothing', async () => {
    resetCluster(cluster);
    const run = await grub();
    expect(run.code, run.out).toBe(0);
    for (const h of NODES) {
      expect(run.report.hosts[h].recap.changed).toBe(0);
      expect(statusOf(run, h, 'kubectl drain')).toBe('skipped');
      expect(reboots(h)).toHaveLength(1);
    }
    expect(kubectlCalls(cluster)).toEqual([]);
  });

  it('a node that fails its health gate after the reboot stops the play: it stays cordoned and named, later nodes untouched', async () => {
    resetCluster(cluster);
    NODES.forEach(unboot); // each needs a reboot again
    const run = await grub([], { KUBECTL_STANDIN_NOTREADY: B });
    expect(run.code, run.out).toBe(2);
    expect(kubectlCalls(cluster).map(([, verb, node]) => `${verb} ${node}`)).toEqual([`drain ${A}`, `wait ${A}`, `uncordon ${A}`, `drain ${B}`, `wait ${B}`]);
    expect(reboots(A)).toHaveLength(2);
    expect(reboots(B)).toHaveLength(2); // rebooted, then not Ready
    expect(reboots(C)).toHaveLength(1); // only the first run's
    expect(onNode(C, 'cat /proc/cmdline')).not.toContain(FLAG);
    expect(run.report.hosts[C].tasks).toEqual([]);
    expect(cordonedNodes(cluster)).toEqual([`${B}.cordoned`]);
    expect(run.out).toContain(`LEFT CORDONED: ${B}`);
    expect(run.out).toMatch(new RegExp(`STOPPED play .*failure budget exceeded.*not touched: ${C}`));
  });
});
