/**
 * grub-nokmem.yaml (which reboots) as a drained rolling change on node19..node21 (the rolling area).
 *
 * A fleet host shares the machine's kernel and cannot reboot: the reboot is the one emulation the
 * main job uses too (playbooks/vars/local-fleet.yaml's grub_reboot_command / grub_boot_time_command,
 * through reboot-env.ts): the "reboot" logs its time, boots the generated grub.cfg's `linux` line
 * (bind-mounted over /proc/cmdline in the host's own mount namespace, so the flag is there after
 * the reboot only if update-grub put it into the config), drops the play's SSH session and writes
 * a new boot id last. update-grub is the stand-in of Debian bookworm's (test/fixtures/grub/). The
 * kubelet's healthz is a file read through curl's file://, and kubectl is the v1.28 stand-in
 * (rolling-env.ts): no API server here. The kmem proof after the boot has no cgroup tree here
 * (inconclusive, allowed): playbooks-grub.test.ts proves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS } from '../setup/fleet.js';
import { assertBuilt, workDir, writeInventory } from '../setup/cli.js';
import { onHost, plant, removeOnHost } from './playbooks-env.js';
import { expectConvergedRerun, expectOneDrainedNodeAtATime, expectStoppedAtFailedNode, kubectlCalls, resetCluster, runRolling, taskStatus, type Run } from './rolling-env.js';
import { BOOT_ID, GRUB_TOOLS, plantGrubTools, REBOOT_VARS, reboots, resetReboots, runningCmdline, unboot } from './reboot-env.js';

const NODES = [...HOSTS.rolling]; // node19, node20, node21
const [A, B, C] = NODES;
const FLAG = 'cgroup.memory=nokmem';
const HEALTHZ = '/var/tmp/nm-rolling-grub-healthz';

const work = workDir('rolling-grub');
const cluster = join(work, 'cluster');
let inventory: string;
let runs = 0;

const grub = (flags: string[] = [], env: Record<string, string> = {}): Promise<Run> => runRolling('grub-nokmem.yaml', ['-i', inventory, ...flags], join(work, `run-${++runs}.json`), cluster, env);

const read = (h: string, path: string): string => readFileSync(onHost(h, path), 'utf8').trim();
function plantNode(h: string): void {
  plant(h, '/etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet"\n');
  plantGrubTools(h);
  resetReboots(h);
  plant(h, HEALTHZ, 'ok');
  removeOnHost(h, '/etc/default/grub.d', '/boot/grub');
}

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, NODES, {
    vars: {
      k8s_drain: true,
      k8s_kubelet_healthz_url: `file://${HEALTHZ}`,
      k8s_ready_timeout: 4,
      grub_kernel: '3.10.0-1160.el7.x86_64', // an EL7 kernel that knows the flag (the fleet's own is modern)
      ...REBOOT_VARS,
      grub_reboot_timeout: 60,
      verify_allow_inconclusive: true,
    },
  });
  NODES.forEach(plantNode);
  resetCluster(cluster);
});

afterAll(() => {
  for (const h of NODES) {
    resetReboots(h);
    removeOnHost(h, '/etc/default/grub', '/etc/default/grub.d', '/boot/grub', ...GRUB_TOOLS, BOOT_ID, HEALTHZ);
  }
});

describe('grub-nokmem.yaml reboots one drained node at a time', () => {
  it('--check shows drain and uncordon on every node that will reboot, and reboots or drains nothing', async () => {
    const run = await grub(['--check']);
    expect(run.code, run.out).toBe(0);
    for (const h of NODES) {
      expect(taskStatus(run, h, 'kubectl drain')).toBe('changed');
      expect(taskStatus(run, h, 'kubectl uncordon')).toBe('changed');
      expect(taskStatus(run, h, 'Reboot into the new command line')).toBe('changed');
      expect(reboots(h)).toEqual([]);
    }
    expect(kubectlCalls(cluster)).toEqual([]);
  });

  it('each reboot happens inside its own drain..uncordon window, waits for a new boot id, and boots with the flag', async () => {
    const run = await grub();
    expect(run.code, run.out).toBe(0);
    expectOneDrainedNodeAtATime(cluster, NODES, reboots);
    for (const h of NODES) {
      expect(read(h, BOOT_ID)).not.toBe('boot-0');
      expect(runningCmdline(h).split(' ')).toContain(FLAG);
      expect(taskStatus(run, h, 'Reboot into the new command line')).toBe('changed');
      expect(taskStatus(run, h, 'The running kernel has the flag')).toBe('ok');
      expect(taskStatus(run, h, 'kubelet healthz')).toBe('ok');
    }
  });

  it('a converged rerun drains, reboots and changes nothing', async () => {
    resetCluster(cluster);
    expectConvergedRerun(cluster, NODES, await grub(), reboots);
  });

  it('a node that fails its health gate after the reboot stops the play: it stays cordoned and named, later nodes untouched', async () => {
    resetCluster(cluster);
    NODES.forEach(unboot); // each needs a reboot again
    const run = await grub([], { KUBECTL_STANDIN_NOTREADY: B });
    expect(run.code, run.out).toBe(2);
    expectStoppedAtFailedNode(cluster, NODES, run);
    expect(reboots(A)).toHaveLength(2);
    expect(reboots(B)).toHaveLength(2); // rebooted, then not Ready
    expect(reboots(C)).toHaveLength(1); // only the first run's
    expect(runningCmdline(C)).not.toContain(FLAG);
  });
});
