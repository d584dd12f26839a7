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
import { describeTarget, targetRun, type Target, type TargetHost } from '../setup/ansible-targets.js';
import { HOSTS } from '../setup/fleet.js';

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

/** The host, each tool's directory (unique to this suite, the target and the tool), and the user slurp creates (its handlers remove it). */
const ON_HOST: TargetHost = {
  host: HOST,
  tmpDir: (target, tool) => `/tmp/nm-targets-more-${target}-${tool}`,
  leftovers: { slurp: { users: ['ansibletest0'] } },
  moreDependencies: ['setup_test_user'],
};

for (const target of TARGETS) describeTarget(target, targetRun(ON_HOST, target));
