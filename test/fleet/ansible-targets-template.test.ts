/**
 * ansible-core's own integration target for the `template` module (and the Jinja that role templates
 * use), run through ansible-playbook 2.14 and through nodemend on its own host
 * (HOSTS.ansibleTemplateTarget: no other suite uses it), as test/fleet/ansible-targets.test.ts runs
 * lineinfile, blockinfile, replace and file: test/fixtures/ansible-targets/template, vendored unedited
 * from ansible/ansible stable-2.14 (its README).
 *
 * The target is a runme.sh target: its first playbook, template.yml (a play that gathers facts, the
 * `template` role), is what this suite runs in both tools; the other playbooks runme.sh runs are vendored
 * and not run (the README says why). Ansible passes the role unedited but for what the fleet lacks
 * (`kind: 'fleet'`, left out of both runs); `nodemend validate` of the unedited role refuses exactly the
 * listed tasks; nodemend passes the rest, every task ending as it did in Ansible (same order, same
 * ok/changed/failed/skipped), and every `assert:` (checksums of rendered files against the target's
 * files/*.expected, diffs, registered keys) holds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanHost, describeTarget, playDir, targetRun, type LeftOut, type Target, type TargetHost } from '../setup/ansible-targets.js';
import { fleetHost, HOSTS, testFleet } from '../setup/fleet.js';
import { onHost } from '../setup/role-differential.js';

const HOST = HOSTS.ansibleTemplateTarget[0];

function nodemendOnly([line, count, task, ansibleRows, kind, why, errors]: (typeof NODEMEND_LEFT_OUT)[number]): LeftOut {
  // Unnamed tasks, counted from the row of the left-out one before (none before 765's: the run's first row):
  // 765's block template is the run's fourth unnamed "template" (692's, 719's, 755's first), 797's the second "assert" after it (792's first).
  const occurrence = line === 765 ? 4 : line === 797 ? 2 : undefined;
  const under = (e: string): string => `roles/template/${e.startsWith('templates/') ? '' : 'tasks/'}${e}`;
  return { file: 'main.yml', line, count, task, ansibleRows, occurrence, kind, why, errors: errors?.map(under) };
}

/**
 * An assert that reads a file the role rendered on the host with lookup('file'), which reads the controller's
 * files: ansible-test runs the target on localhost, where they are one; the fleet's host is not the controller.
 */
function controllerFile(line: number, task: string, occurrence?: number): LeftOut {
  return {
    file: 'main.yml',
    line,
    task,
    ansibleRows: 1,
    occurrence,
    kind: 'fleet',
    why: "reads the host's rendered file with lookup('file'), which reads on the controller: the target's CI host is the controller, the fleet's is not",
  };
}

/** Tasks of main.yml left out of nodemend's run only: [line, count, Ansible's title, its rows, kind, why, validate's errors]. */
const NODEMEND_LEFT_OUT: [number, number, string, number, LeftOut['kind'], string, string[]?][] = [
  [
    765,
    1,
    'template',
    2,
    'refused',
    'a #jinja2: header that is not "key: value" is bad input: validate refuses the template at its line 1, before any host (README "Bringing an Ansible role"); Ansible fails the task and the block\'s rescue asserts its message',
    ['templates/override_separator.j2:1:10: failed to parse jinja2 override \'lstrip_blocks=True\' (a #jinja2: header is "key: value, key: value")'],
  ],
  [
    797,
    1,
    'assert',
    1,
    'notYet',
    "asserts `type_debug == 'NativeJinjaUnsafeText'` of a variable holding lookup('template', convert_data=False): nodemend keeps that text as text but its type_debug cannot tell it from other lookup text (AnsibleUnsafeText)",
  ],
];

const TARGET: Target = {
  name: 'template',
  gatherFacts: true,
  leftOut: [
    ...NODEMEND_LEFT_OUT.filter(([line]) => line < 398).map(nodemendOnly),
    ...[
      [398, 'verify that the file was marked as not changes in check mode'],
      [413, 'verify that the file was marked as changed in check mode but the content was not changed'],
    ].map(([line, task]) => controllerFile(line as number, task as string)),
    ...NODEMEND_LEFT_OUT.filter(([line]) => line > 413 && line < 514).map(nodemendOnly),
    ...[
      [514, 'Dump templated file (Unix)'],
      [561, 'Dump templated file (DOS)'],
      [583, 'Dump templated file (Unix)'],
    ].map(([line, task]): LeftOut => ({
      file: 'main.yml',
      line: line as number,
      count: 2,
      task: task as string,
      ansibleRows: 2,
      kind: 'fleet',
      why: 'hexdump -C of the rendered and the expected file, for the log only (the diff after compares them): the fleet image has no hexdump',
    })),
    ...NODEMEND_LEFT_OUT.filter(([line]) => line > 514 && line < 759).map(nodemendOnly),
    controllerFile(759, 'assert', 3),
    ...NODEMEND_LEFT_OUT.filter(([line]) => line > 759).map(nodemendOnly),
  ],
};

/** Each tool's output_dir (and nm_remote_tmp_dir), on the host and on the controller (a task copies a template there with delegate_to: localhost). */
const ON_HOST: TargetHost = {
  host: HOST,
  tmpDir: (_target, tool) => `/tmp/nm-targets-template-${tool}`,
  // backup_test.yml's user and group (its cleanup removes the user twice, never the group).
  leftovers: { template: { users: ['templateuser1'], groups: ['templateuser1'] } },
};
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shared cleanHost, then both tools' output_dir made again (ansible-test makes it before a target runs), on the host and the controller. */
async function cleanHostAndMake(): Promise<void> {
  await cleanHost(ON_HOST, TARGET.name);
  const dirs = ['ansible', 'nodemend'].map((tool) => ON_HOST.tmpDir(TARGET.name, tool));
  const r = await onHost(HOST, `mkdir -m 0755 ${dirs.map(q).join(' ')}`);
  if (r.code !== 0) throw new Error(`making ${dirs.join(' ')} on ${HOST}: ${r.stderr}`);
  for (const d of dirs) {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { mode: 0o755 });
  }
}

/**
 * The role's files/ on the host at the path it has on the controller: the target stats
 * `{{ role_path }}/files/*.expected` on the host (ansible-test runs it on localhost, where they are), at the
 * role's real path (2.14's unfrackpath follows links) and at the linked one.
 */
function roleFilesOnHost(targetDir: string, linked: string): void {
  const dir = realpathSync(targetDir);
  const f = testFleet();
  const tar = execFileSync('tar', ['-C', dir, '-c', 'files']);
  const ssh = ['-p', String(fleetHost(HOST).port), '-i', f.key, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', 'root@127.0.0.1'];
  for (const d of [dir, linked]) execFileSync('ssh', [...ssh, `mkdir -p ${q(d)} && tar -C ${q(d)} -x --no-same-owner`], { input: tar });
}

/**
 * The shared play (template.yml's: the host, facts gathered, the role). The role's first task sets output_dir
 * from lookup('env', 'OUTPUT_DIR'), as ansible-test exports it: the tool about to run gets its own.
 */
function playDirWithEnv(tool: string, targetDir: string): string {
  const work = playDir(ON_HOST, TARGET, tool, targetDir);
  if (tool !== 'validate') {
    process.env.OUTPUT_DIR = ON_HOST.tmpDir(TARGET.name, tool);
    roleFilesOnHost(targetDir, join(work, 'roles', TARGET.name));
  }
  return work;
}

describeTarget(TARGET, targetRun(ON_HOST, TARGET, { cleanHost: cleanHostAndMake, playDir: playDirWithEnv }));
