/**
 * More of ansible-core's own integration targets, for the modules node-hardening roles use most after
 * the file-editing ones (stat, tempfile, find, slurp, assemble), run through ansible-playbook 2.14 and
 * through nodemend on their own host (HOSTS.ansibleTargetsMore: no other target suite shares it), as
 * test/fleet/ansible-targets.test.ts runs lineinfile, blockinfile, replace and file:
 * test/fixtures/ansible-targets/<target>, vendored unedited from ansible/ansible stable-2.14 (its README).
 *
 * Per target: Ansible passes it unedited but for what the fleet lacks (`kind: 'fleet'`, left out of both
 * runs); `nodemend validate` of the unedited target refuses exactly the listed tasks; nodemend passes the
 * rest, every task ending as it did in Ansible (same order, same ok/changed/failed/skipped).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPENDENCIES, describeTarget, TARGETS_DIR, type Target } from '../setup/ansible-targets.js';
import { workDir } from '../setup/cli.js';
import { HOSTS } from '../setup/fleet.js';
import { onHost } from '../setup/role-differential.js';

const HOST = HOSTS.ansibleTargetsMore[0];

const TARGETS: Target[] = [
  { name: 'stat', leftOut: [] },
  { name: 'tempfile', leftOut: [] },
  { name: 'find', leftOut: [] },
  {
    name: 'slurp',
    leftOut: [
      {
        file: 'main.yml',
        line: 57,
        count: 2,
        task: 'test slurp with missing argument',
        ansibleRows: 2,
        errors: ['roles/slurp/tasks/main.yml:58:3: missing required key "src" in module "slurp": expected a string'],
        kind: 'refused',
        why: 'a slurp without its required src is bad input: refused when the playbook loads, not when the task runs (the assert after reads it)',
      },
    ],
  },
  { name: 'assemble', leftOut: [] },
];

/** Each tool's directory on the host: under /tmp, unique to this suite, the target and the tool. */
const tmpDir = (target: string, tool: string): string => `/tmp/nm-targets-more-${target}-${tool}`;
/** Paths outside the tools' directories a target writes, removed before each tool runs. */
const OUTSIDE_PATHS: Record<string, string[]> = {};
/** Users a target creates (its handlers remove them: gone again if a run stops half way). */
const USERS: Record<string, string[]> = { slurp: ['ansibletest0'] };
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function cleanOutside(target: string): Promise<void> {
  const script = [
    ...(OUTSIDE_PATHS[target] ?? []).map((p) => `rm -rf -- ${q(p)}`),
    ...(USERS[target] ?? []).map((u) => `! id -u ${q(u)} >/dev/null 2>&1 || userdel -r -f ${q(u)} 2>/dev/null || userdel -f ${q(u)}`),
    'true',
  ].join(' && ');
  const r = await onHost(HOST, script);
  if (r.code !== 0) throw new Error(`cleaning ${HOST}: ${r.stderr}`);
}

async function cleanHost(target: string): Promise<void> {
  const r = await onHost(HOST, `rm -rf ${[tmpDir(target, 'ansible'), tmpDir(target, 'nodemend')].map(q).join(' ')}`);
  if (r.code !== 0) throw new Error(`cleaning ${HOST}: ${r.stderr}`);
  await cleanOutside(target);
}

/** A work dir with the play (the host, the target as its role) and roles/: the target's dir, its dependencies. */
function playDir(target: Target, tool: string, targetDir: string): string {
  const work = workDir(`targets-more-${target.name}-${tool}`);
  const vars = `{ nm_remote_tmp_dir: ${tmpDir(target.name, tool)}, output_dir: ${tmpDir(target.name, tool)} }`;
  writeFileSync(join(work, 'playbook.yaml'), `- hosts: ${HOST}\n  gather_facts: ${target.gatherFacts ?? false}\n  diff: false\n  vars: ${vars}\n  roles: [${target.name}]\n`);
  mkdirSync(join(work, 'roles'));
  symlinkSync(targetDir, join(work, 'roles', target.name));
  for (const dep of [...DEPENDENCIES, 'setup_test_user']) symlinkSync(join(TARGETS_DIR, dep), join(work, 'roles', dep));
  return work;
}

for (const target of TARGETS) {
  describeTarget(target, {
    host: HOST,
    playDir: (tool, dir) => playDir(target, tool, dir),
    cleanHost: () => cleanHost(target.name),
    cleanOutside: () => cleanOutside(target.name),
  });
}
