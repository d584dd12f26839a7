/**
 * The test suite's fleet, for test files: one fleet for the whole vitest run,
 * brought up by test/setup/fleet-global.ts when any selected test file is under
 * test/fleet/ (NODEMEND_NO_FLEET=1 skips it; NODEMEND_TEST_FLEET_DIR=DIR then uses
 * a fleet you started yourself with `nodemend fleet up 40 --dir DIR --base-port PORT`; the
 * global setup then starts nothing, so several sessions can test at once on their own fleets).
 *
 * HOST ALLOCATION: test files run in parallel (2 workers), so destructive work
 * (stopping sshd, changing users, sudoers, host keys, packages, services) happens
 * only on the hosts a file owns below. Non-destructive tests may use any host if
 * every path they touch is unique (e.g. /tmp/nm-<tag>-<random>).
 *
 *   node1, node2    transport (test/fleet/transport*.test.ts)
 *   node3, node4    file modules (copy, template, file, lineinfile, ...)
 *   node5, node6    command / package / service modules
 *   node7, node8    runner and CLI end-to-end tests
 *   node9           host-key tests (transport)
 *   node10          unreachable test (transport stops/starts it)
 *   node11, node12  playbook tests (site.yaml, hardening roles)
 *   node13          the fleet tool's own tests (stop/start)
 *   node14..node16  kubelet / kpatch playbook tests (builder + nodes)
 *   node17, node18  fault suite (cut connections, signals, full disk, concurrent runs)
 *   node19..node21  live-cluster rolling tests (drain / restart / uncordon, --resume)
 *   node22          Ansible differential suite: runner semantics and syntax
 *   node23          Ansible differential suite: modules
 *   node24..node28  saved plans (plan-out / apply / drift)
 *   node29          Ansible differential suite: users, groups, getent, pam_limits
 *   node30          Ansible differential suite: find, modprobe, mount
 *   node31          Ansible differential suite: setup, package_facts, gathered facts
 *   node32          Ansible differential suite: a vendored public role, run unedited
 *   node33          Ansible differential suite: apt_repository, yum_repository, rpm_key
 *   node34          Ansible differential suite: selinux module and fact
 *   node35          Ansible differential suite: env, user and mount facts
 *   node36          Ansible differential suite: systemd (systemctl stand-in), handlers, first_found
 *   node37          Ansible differential suite: the vendored docker role, run through both tools
 *   node38          Ansible differential suite: the vendored kubernetes role, run through both tools
 *   node39          Ansible differential suite: package downgrades (allow_downgrade)
 *   node40          Ansible differential suite: runner semantics, second host (handlers, includes, links)
 *   node41          Ansible's own copy target, run through both tools (apart from node23's file target: both make and remove one user)
 *   node42          more of Ansible's own module targets, run through both tools
 *   node43          Ansible's own template target, run through both tools
 *   node44          Ansible's own keyword and lookup targets (changed_when, loops, set_fact...), run through both tools
 */
import { inject } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { FleetInfo } from '../../src/fleet/fleet.js';
import { hostRoot as fleetHostRoot, resetHost as fleetResetHost, startHost as fleetStartHost, stopHost as fleetStopHost } from '../../src/fleet/hosts.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** null when no selected test file needed the fleet. */
    nodemendFleet: FleetInfo | null;
  }
}

export { TEST_FLEET_BASE_PORT, TEST_FLEET_DIR, TEST_FLEET_SIZE } from './fleet-global.js';

/** Which hosts each area of the suite owns (see the table above). */
export const HOSTS = {
  transport: ['node1', 'node2'],
  files: ['node3', 'node4'],
  exec: ['node5', 'node6'],
  runner: ['node7', 'node8'],
  hostKeys: ['node9'],
  unreachable: ['node10'],
  playbooks: ['node11', 'node12'],
  fleetTool: ['node13'],
  builds: ['node14', 'node15', 'node16'],
  faults: ['node17', 'node18'],
  rolling: ['node19', 'node20', 'node21'],
  ansibleSemantics: ['node22'],
  ansibleModules: ['node23'],
  plans: ['node24', 'node25', 'node26', 'node27', 'node28'],
  ansibleUsers: ['node29'],
  ansibleSystem: ['node30'],
  ansibleFacts: ['node31'],
  ansibleRoles: ['node32'],
  ansibleRepos: ['node33'],
  ansibleSelinux: ['node34'],
  ansibleEnvFacts: ['node35'],
  ansibleServices: ['node36'],
  ansibleDockerRole: ['node37'],
  ansibleKubeRole: ['node38'],
  ansibleDowngrade: ['node39'],
  ansibleSemantics2: ['node40'],
  ansibleCopyTarget: ['node41'],
  ansibleTargetsMore: ['node42'],
  ansibleTemplateTarget: ['node43'],
  ansibleKeywordTargets: ['node44'],
} as const;

/** Hosts that a test file stops and starts again while other files run (a fleet-wide check must skip them). */
export const STOPPED_BY_TESTS: readonly string[] = [HOSTS.runner[1], ...HOSTS.unreachable];

export interface TestFleet {
  dir: string;
  inventoryPath: string;
  knownHosts: string;
  /** Private key accepted for root, ops (passwordless sudo) and opspw (sudo password "opspw"). */
  key: string;
  hosts: { name: string; port: number }[];
}

function fleetInfo(): FleetInfo {
  const provided = inject('nodemendFleet');
  if (provided) return provided;
  const external = process.env.NODEMEND_TEST_FLEET_DIR;
  if (external) return JSON.parse(readFileSync(join(external, 'fleet.json'), 'utf8')) as FleetInfo;
  throw new Error('no test fleet: it is brought up only when a selected test file is under test/fleet/ and NODEMEND_NO_FLEET is unset ' + '(or set NODEMEND_TEST_FLEET_DIR to a running fleet)');
}

export function testFleet(): TestFleet {
  const f = fleetInfo();
  return { dir: f.dir, inventoryPath: f.inventoryPath, knownHosts: f.knownHosts, key: f.key, hosts: f.hosts.map(({ name, port }) => ({ name, port })) };
}

/** One host of the fleet by name (throws for a name the fleet doesn't have). */
export function fleetHost(name: string): { name: string; port: number } {
  const h = testFleet().hosts.find((x) => x.name === name);
  if (!h) throw new Error(`the test fleet has no host "${name}"`);
  return h;
}

/** The host's "/" on the controller: read and write its files byte for byte there. */
export function hostRoot(name: string): string {
  fleetHost(name);
  return fleetHostRoot(fleetInfo().dir, name);
}

/** A script run on the host as root over ssh (the fleet's key); its stdout. Fails on a non-zero exit. */
export async function onHostAsRoot(name: string, script: string): Promise<string> {
  const f = testFleet();
  const args = ['-p', String(fleetHost(name).port), '-i', f.key, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', 'root@127.0.0.1', script];
  const { stdout } = await promisify(execFile)('ssh', args, { timeout: 300_000 });
  return stdout;
}

/** Kill the host's sshd and every session on it (connections drop, the port refuses). */
export async function stopHost(name: string): Promise<void> {
  fleetHost(name);
  await fleetStopHost(fleetInfo().dir, name);
}

/** Start a stopped host again: same files, port and host key. */
export async function startHost(name: string): Promise<void> {
  fleetHost(name);
  await fleetStartHost(fleetInfo().dir, name);
}

/** Make the host fresh again (every file it changed dropped); same port and host key. */
export async function resetHost(name: string): Promise<void> {
  fleetHost(name);
  await fleetResetHost(fleetInfo().dir, name);
}
