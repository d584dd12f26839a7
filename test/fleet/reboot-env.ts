/**
 * The grub tools and the emulated reboot that the grub tests (playbooks-grub, rolling-grub) plant
 * on their hosts, each in one place:
 * - update-grub and grub2-mkconfig: the stand-ins in test/fixtures/grub/ (Debian bookworm's
 *   grub2 2.06 and RHEL 7's grub2 2.02~beta2; each names what it mirrors in its header), the
 *   files scripts/plant-fleet.sh plants for the main job too;
 * - the reboot: playbooks/vars/local-fleet.yaml's grub_boot_time_command / grub_reboot_command,
 *   read from there, so the main job and the tests emulate it the same way (what it emulates and
 *   what not is said beside them). Its state is under /var/lib/nm-standin on each host.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fleetHost, testFleet } from '../setup/fleet.js';
import { onHost, plant, removeOnHost } from './playbooks-env.js';

const REPO = join(import.meta.dirname, '..', '..');
const GRUB_FIXTURES = join(REPO, 'test', 'fixtures', 'grub');
const LOCAL_FLEET = parse(readFileSync(join(REPO, 'playbooks', 'vars', 'local-fleet.yaml'), 'utf8')) as Record<string, unknown>;

/** The emulated reboot's vars, as playbooks/vars/local-fleet.yaml sets them. */
export const REBOOT_VARS = {
  grub_boot_time_command: String(LOCAL_FLEET.grub_boot_time_command),
  grub_reboot_command: String(LOCAL_FLEET.grub_reboot_command),
};
export const STANDIN_DIR = '/var/lib/nm-standin';
/** The boot id the emulation keeps (absent: the kernel's own). */
export const BOOT_ID = `${STANDIN_DIR}/boot_id`;
const REBOOTS = `${STANDIN_DIR}/reboots.log`;
const STATE = ['boot_id', 'session', 'cmdline', 'reboots.log'].map((f) => `${STANDIN_DIR}/${f}`);

/** Where the grub tests plant the stand-ins (first on root's PATH on the fleet hosts). */
export const GRUB_TOOLS = ['/usr/local/sbin/update-grub', '/usr/local/sbin/grub2-mkconfig'];

/** Plants update-grub and grub2-mkconfig from test/fixtures/grub/. */
export function plantGrubTools(host: string): void {
  for (const tool of GRUB_TOOLS) plant(host, tool, readFileSync(join(GRUB_FIXTURES, tool.split('/').pop()!), 'utf8'), 0o755);
}

/** Runs a command as root on a host over the fleet's real SSH (in its mount namespace: the bind mounts live there). */
export function rootShell(host: string, cmd: string): string {
  const f = testFleet();
  const ssh = ['-i', f.key, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', '-p', String(fleetHost(host).port), 'root@127.0.0.1', cmd];
  return execFileSync('ssh', ssh, { encoding: 'utf8' });
}

/** Back to the machine's own command line and a fresh emulation state: the node needs its reboot again. */
export function unboot(host: string): void {
  rootShell(host, 'while umount /proc/cmdline 2>/dev/null; do :; done; true');
}

/** Forgets every emulated reboot of a host (and starts from boot id `bootId`). */
export function resetReboots(host: string, bootId = 'boot-0'): void {
  unboot(host);
  removeOnHost(host, ...STATE);
  plant(host, BOOT_ID, `${bootId}\n`);
}

/** The times (epoch ms) of the host's emulated reboots. */
export const reboots = (host: string): number[] =>
  existsSync(onHost(host, REBOOTS))
    ? readFileSync(onHost(host, REBOOTS), 'utf8')
        .trim()
        .split('\n')
        .map((l) => Number(l.split(' ')[0]))
    : [];

/** The host's /proc/cmdline as its processes see it. */
export const runningCmdline = (host: string): string => rootShell(host, 'cat /proc/cmdline').trim();
