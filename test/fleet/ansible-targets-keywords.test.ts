/**
 * ansible-core's own integration targets for the task keywords and lookups roles rely on (changed_when,
 * failed_when, ignore_errors, until, with_items, with_list, with_sequence, with_together, with_nested,
 * lookup('dict')/with_dict, lookup('pipe'), with_subelements, with_first_found), run through ansible-playbook 2.14 and through nodemend on
 * their own host (HOSTS.ansibleKeywordTargets: no other suite shares it), as
 * test/fleet/ansible-targets.test.ts runs the module targets: test/fixtures/ansible-targets/<target>,
 * vendored unedited from ansible/ansible stable-2.14 (its README).
 *
 * Per target: Ansible passes it unedited but for what the fleet lacks (`kind: 'fleet'`, left out of both
 * runs); `nodemend validate` of the unedited target refuses exactly the listed tasks; nodemend passes the
 * rest, every task ending as it did in Ansible (same order, same ok/changed/failed/skipped).
 */
import { cleanHost, describeTarget, playDir, targetRun, type Target, type TargetHost } from '../setup/ansible-targets.js';
import { HOSTS } from '../setup/fleet.js';
import { onHost } from '../setup/role-differential.js';

const HOST = HOSTS.ansibleKeywordTargets[0];

const TARGETS: Target[] = [
  // Its group_by and add_host rows too (loops, changed_when reading the registered result).
  { name: 'changed_when', leftOut: [] },
  { name: 'failed_when', leftOut: [] },
  { name: 'ignore_errors', leftOut: [], noAsserts: true },
  {
    name: 'until',
    leftOut: [
      {
        file: 'main.yml',
        line: 79,
        task: 'shell_no_failed',
        ansibleRows: 1,
        errors: ['roles/until/tasks/main.yml:79:3: unknown module "shell_no_failed"'],
        kind: 'refused',
        why: "the target's own Python action plugin (action_plugins/shell_no_failed.py): nodemend runs its own modules only, no plugin code a role ships",
      },
    ],
    // The first task runs `{{ ansible_python.executable }}`.
    gatherFacts: true,
  },
  { name: 'lookup_items', leftOut: [] },
  { name: 'lookup_list', leftOut: [] },
  { name: 'lookup_sequence', leftOut: [] },
  { name: 'lookup_together', leftOut: [] },
  { name: 'lookup_nested', leftOut: [] },
  { name: 'lookup_dict', leftOut: [] },
  { name: 'lookup_pipe', leftOut: [] },
  { name: 'lookup_subelements', leftOut: [] },
  { name: 'lookup_first_found', leftOut: [] },
];

const ON_HOST: TargetHost = { host: HOST, tmpDir: (target, tool) => `/tmp/nm-targets-kw-${target}-${tool}` };
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Both tools' directories gone, then made again: ansible-test's `output_dir` exists before the target runs (until copies into it). */
async function cleanHostMaking(target: string): Promise<void> {
  await cleanHost(ON_HOST, target);
  const dirs = [ON_HOST.tmpDir(target, 'ansible'), ON_HOST.tmpDir(target, 'nodemend')].map(q).join(' ');
  const r = await onHost(HOST, `mkdir -m 0700 ${dirs} && chown ops ${dirs}`);
  if (r.code !== 0) throw new Error(`making ${dirs} on ${HOST}: ${r.stderr}`);
}

/** The shared playDir, with the controller's OUTPUT_DIR the tool's output_dir, as ansible-test sets both (lookup_pipe compares them). */
function playDirWithEnv(target: Target, tool: string, targetDir: string): string {
  process.env.OUTPUT_DIR = ON_HOST.tmpDir(target.name, tool);
  return playDir(ON_HOST, target, tool, targetDir);
}

for (const target of TARGETS) {
  describeTarget(target, targetRun(ON_HOST, target, { playDir: (tool, dir) => playDirWithEnv(target, tool, dir), cleanHost: () => cleanHostMaking(target.name) }));
}
