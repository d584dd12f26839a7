/**
 * A vendored public role through ansible-playbook and nodemend on one fresh fleet host: the
 * helpers the role differentials share (test/fleet/differential-public-role.test.ts runs
 * os_hardening on node32, differential-docker-role the docker role on node37,
 * differential-kubernetes-role the kubernetes role on node38). Each tool gets the host fresh,
 * runs the role (nodemend: check, run, rerun; Ansible: run, rerun), and every path the run
 * touched is read from the overlay's upper layer before and after (test/setup/host-changes.ts).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isMap, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { hostUpper } from '../../src/fleet/hosts.js';
import { AnsibleRunner, NodemendRunner, type Mode, type RawTask } from './ansible-differential.js';
import { workDir, type CliResult } from './cli.js';
import { fleetHost, hostRoot, resetHost, testFleet } from './fleet.js';
import { changes, snapshot, type PathState } from './host-changes.js';
import { SYSTEMCTL_STATE_DIR } from './system-standins.js';

/** A script on the host as root, over ssh with the fleet's key; never throws on a non-zero exit. */
export function onHost(host: string, script: string): Promise<CliResult> {
  const f = testFleet();
  const args = ['-p', String(fleetHost(host).port), '-i', f.key, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', 'root@127.0.0.1', script];
  return new Promise((res) => {
    execFile('ssh', args, { timeout: 300_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

/**
 * A task left out of a role's temporary copy until nodemend loads it: its task file, its name, and
 * why; with `arg`, only that argument of the task's module is left out (the task stays).
 */
export interface NotYet {
  file: string;
  task: string;
  why: string;
  arg?: string;
}

/**
 * The role as the tools get it: the vendored directory, less the `notYet` tasks (then a temporary
 * copy under the test's work dir; with none left, the vendored directory itself).
 */
export function roleCopy(role: string, notYet: readonly NotYet[]): string {
  if (!notYet.length) return role;
  const name = role.split('/').pop()!;
  const dir = join(workDir(`role-${name}`), name);
  cpSync(role, dir, { recursive: true });
  for (const { file, task, arg } of notYet) {
    const path = join(dir, 'tasks', file);
    // YAML 1.1, as Ansible reads it: an unquoted `mode: 0755` must be written back as 0755 (1.2 would make it 755).
    const doc = parseDocument(readFileSync(path, 'utf8'), { version: '1.1' });
    const tasks = doc.contents as YAMLSeq<YAMLMap>;
    const at = tasks.items.findIndex((t) => t.get('name') === task);
    if (at < 0) throw new Error(`not yet: no task "${task}" in ${file}`);
    if (arg === undefined) tasks.items.splice(at, 1);
    else {
      const args = tasks.items[at].items.map((p) => p.value).find((v): v is YAMLMap => isMap(v) && v.has(arg));
      if (!args) throw new Error(`not yet: task "${task}" in ${file} has no argument ${arg}`);
      args.delete(arg);
    }
    writeFileSync(path, doc.toString());
  }
  return dir;
}

/**
 * The play as a role's README gives it: `become: true`, the role, the given vars.
 * `gather_facts: true` is Ansible's default (the suite's ansible.cfg says `gathering = explicit`);
 * nodemend takes it and changes nothing.
 */
export const rolePlaybook = (host: string, role: string, vars: Record<string, unknown>): string => `- name: ${role}
  hosts: ${host}
  become: true
  gather_facts: true
  vars: ${JSON.stringify(vars)}
  roles:
    - ${role}
`;

export type Tool = 'ansible' | 'nodemend';
/** nodemend's check run is compared with its own real run (check mode is exact); Ansible's is not needed for that. */
export const ROLE_MODES: Record<Tool, readonly Mode[]> = { ansible: ['run', 'rerun'], nodemend: ['check', 'run', 'rerun'] };

export interface RoleRun {
  exitCode: number;
  output: string;
  tasks: RawTask[];
  /** Paths changed by this mode's run: from the fresh host for check and run, from after the run for rerun. */
  changes: Map<string, [PathState, PathState]>;
}

/**
 * Paths whose bytes say when or how a tool ran, not what the role did: each tool's own scratch
 * directories, package managers' logs and caches (timestamps), the mirror's apt lists, the
 * stand-ins' call logs (each tool calls a tool its own way; the state they keep is compared).
 */
const NOISE = [
  /^\/(home\/ops|root)\/\.ansible(\/|$)/,
  /^\/var\/log\/(apt\/|dpkg\.log|nm-[a-z]+-standin\.log)/,
  /^\/var\/cache\//,
  /^\/var\/lib\/apt\/lists\//,
  /^\/var\/lib\/dpkg\/[^/]*-old$/,
  // nodemend's persistent shell's directory: the host's shell removes it when its session ends, just after the CLI exits.
  /^\/tmp\/nodemend\.[A-Za-z0-9]{8}(\/|$)/,
];
const noise = (path: string): boolean => NOISE.some((r) => r.test(path));

/** A unit the systemctl stand-in started: its pid file holds that run's pid, which no two runs share. */
const PID_FILE = new RegExp(`^${SYSTEMCTL_STATE_DIR}/[^/]+\\.pid$`);

/** A mode's changes without the noise: path → state after (a started unit's pid file compared as there, not by its number). */
export function changed(r: RoleRun): Record<string, PathState> {
  return Object.fromEntries([...r.changes].filter(([p]) => !noise(p)).map(([p, [, after]]) => [p, PID_FILE.test(p) && after.type === 'file' ? { ...after, content: '<pid>' } : after]));
}

/**
 * The host made fresh, with Debian's policy-rc.d (so no package script starts a daemon: invoke-rc.d
 * asks policy-rc.d, 101 = action forbidden), `prepare`'s stand-ins, and python3-apt (Ansible's apt
 * module needs it, and would install it).
 */
async function freshHost(host: string, prepare: (root: string) => Promise<void> | void): Promise<void> {
  await resetHost(host);
  const root = hostRoot(host);
  writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\n# nodemend test fleet: no daemon starts from a package script\nexit 101\n', { mode: 0o755 });
  await prepare(root);
  const apt = 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 python3-apt';
  const r = await onHost(host, `${apt} >/dev/null 2>&1 || { apt-get update -q >/dev/null && ${apt} >/dev/null; }`);
  if (r.code !== 0) throw new Error(`python3-apt on ${host}: ${r.stderr}`);
}

export interface RoleSpec {
  host: string;
  /** The role's directory (from roleCopy) and its name in the play. */
  dir: string;
  name: string;
  vars: Record<string, unknown>;
  /** Called on the fresh host before each tool's runs. */
  prepare: (root: string) => Promise<void> | void;
  /** More plays after the role's (YAML), e.g. to read back what the role set. */
  after?: string;
}

/** One tool's runs of the role on the fresh host, each mode's changed paths with it. */
export async function runRole(tool: Tool, spec: RoleSpec): Promise<Partial<Record<Mode, RoleRun>>> {
  const { host } = spec;
  await freshHost(host, spec.prepare);
  const fleet = testFleet();
  const root = hostRoot(host);
  const upper = hostUpper(fleet.dir, host);
  const lower = (JSON.parse(readFileSync(join(fleet.dir, 'fleet.json'), 'utf8')) as { rootfs: string }).rootfs;
  const work = workDir(`${spec.name}-${tool}`);
  writeFileSync(join(work, 'playbook.yaml'), rolePlaybook(host, spec.name, spec.vars) + (spec.after ?? ''));
  mkdirSync(join(work, 'roles'));
  symlinkSync(spec.dir, join(work, 'roles', spec.name));
  const runner = tool === 'ansible' ? new AnsibleRunner(work, host) : new NodemendRunner(work, host);
  const fresh = snapshot(root, upper);
  let last = fresh;
  const out: Partial<Record<Mode, RoleRun>> = {};
  try {
    for (const mode of ROLE_MODES[tool]) {
      const r = await runner.run(mode);
      const now = snapshot(root, upper);
      out[mode] = { ...r, changes: changes(mode === 'rerun' ? last : fresh, now, root, lower) };
      if (mode !== 'check') last = now;
    }
  } finally {
    runner.close();
  }
  return out;
}

export type RoleRuns = Record<Tool, Partial<Record<Mode, RoleRun>>>;

/** Both tools' runs, one tool after the other on the host made fresh for each; NM_ROLE_DUMP=FILE writes them out. */
export async function runBoth(spec: RoleSpec): Promise<RoleRuns> {
  const runs = {} as RoleRuns;
  for (const tool of ['ansible', 'nodemend'] as Tool[]) runs[tool] = await runRole(tool, spec);
  if (process.env.NM_ROLE_DUMP) {
    const plain = Object.fromEntries(Object.entries(runs).map(([t, r]) => [t, Object.fromEntries(Object.entries(r).map(([m, x]) => [m, { ...x, changes: Object.fromEntries(x.changes) }]))]));
    writeFileSync(process.env.NM_ROLE_DUMP, JSON.stringify(plain, null, 1));
  }
  return runs;
}

/** Tasks as "NAME: status" lines, in run order. */
export const sequence = (r: RoleRun): string[] => r.tasks.map((t) => `${t.handler ? 'HANDLER ' : ''}${t.task}: ${t.status}`);

/** A mode's run of one tool (it ran: runBoth runs every mode of ROLE_MODES). */
export function runOf(runs: RoleRuns, tool: Tool, mode: Mode): RoleRun {
  const r = runs[tool][mode];
  if (!r) throw new Error(`${tool} has no ${mode} run`);
  return r;
}

/** Rows only Ansible prints: its fact gathering (nodemend's facts are read when used, never gathered). */
export const ANSIBLE_ONLY: readonly RegExp[] = [/^Gathering Facts: /];

/**
 * The same tasks in the same order, each ok / changed / skipped / failed alike: nodemend's rows are
 * Ansible's less the rows only Ansible prints (`ansibleOnly`, each found exactly once, so a filter
 * that stops matching fails here). `expected` maps an Ansible row to what nodemend prints for it (a
 * deliberate title difference, or a matcher); by default the row itself.
 */
export function expectSameOrder(
  runs: RoleRuns,
  mode: Mode,
  { expected = (row: string): unknown => row, ansibleOnly = ANSIBLE_ONLY }: { expected?: (row: string) => unknown; ansibleOnly?: readonly RegExp[] } = {},
): void {
  const ansible = sequence(runOf(runs, 'ansible', mode));
  const only = ansible.filter((t) => ansibleOnly.some((r) => r.test(t)));
  expect(only.length, ansible.join('\n')).toBe(ansibleOnly.length);
  expect(sequence(runOf(runs, 'nodemend', mode))).toEqual(ansible.filter((t) => !only.includes(t)).map(expected));
}

/**
 * nodemend's check run changes nothing, stops at the task `stop` names (the first it fails outside
 * `unknowable`), and up to there says changed exactly where its real run changed. A task in
 * `unknowable` depends on what the check run cannot have (a package from a repository it would add):
 * it may fail there with that message, and its changed flag is not compared. Returns the check run's
 * tasks before the stop.
 */
export function expectCheckPredictsRun(runs: RoleRuns, stop: { task: string; msg?: RegExp | string }, unknowable: Readonly<Record<string, RegExp>> = {}): RawTask[] {
  const check = runOf(runs, 'nodemend', 'check');
  expect(changed(check)).toEqual({});
  const at = check.tasks.findIndex((t) => t.status === 'failed' && !unknowable[t.task]);
  expect(check.tasks[at], sequence(check).join('\n')).toMatchObject({ task: stop.task, status: 'failed' });
  if (stop.msg !== undefined) expect(check.tasks[at].msg).toMatch(stop.msg);
  for (const t of check.tasks.filter((x) => unknowable[x.task])) expect(t.msg, t.task).toMatch(unknowable[t.task]);
  const flags = (r: RoleRun): string[] => r.tasks.slice(0, at).map((t) => `${t.handler ? 'HANDLER ' : ''}${t.task}: ${unknowable[t.task] ? '?' : t.changed}`);
  expect(flags(check)).toEqual(flags(runOf(runs, 'nodemend', 'run')));
  return check.tasks.slice(0, at);
}

/** A converged rerun: no path changed and no task changed, in either tool. */
export function expectQuietRerun(runs: RoleRuns): void {
  for (const tool of ['ansible', 'nodemend'] as Tool[]) {
    const rerun = runOf(runs, tool, 'rerun');
    expect(changed(rerun), tool).toEqual({});
    expect(
      rerun.tasks.filter((t) => t.changed),
      tool,
    ).toEqual([]);
  }
}
