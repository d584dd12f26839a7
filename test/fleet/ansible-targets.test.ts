/**
 * ansible-core's own integration tests for the file-editing modules and `file`, run through
 * ansible-playbook 2.14 and through nodemend on node23: test/fixtures/ansible-targets/<target>
 * (vendored unedited from ansible/ansible stable-2.14, see its README). Each target is a role whose
 * tasks edit files under its own temporary directory and `assert:` the registered results and the
 * files' states, so a target that passes is Ansible's own verdict that nodemend did what Ansible does.
 *
 * Per target: Ansible passes it unedited, but for the tasks the fleet cannot run (`kind: 'fleet'`,
 * left out of both runs, each saying why): the harness is sound. `nodemend validate` of the unedited
 * target refuses exactly the listed arguments, naming file:line:col: on purpose (`refused`: bad input
 * fails before any host, README "Choices where Ansible users might expect otherwise") or because
 * nodemend lacks that module or argument yet (`notYet`). nodemend passes the target without the left-out
 * tasks (with the block or the asserts that read them), and every other task ends as it did in Ansible
 * (same order, same ok/changed/failed/skipped).
 */
import { describeTarget, targetRun, type Target, type TargetHost } from '../setup/ansible-targets.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];

const TARGETS: Target[] = [
  {
    name: 'lineinfile',
    leftOut: [
      {
        file: 'main.yml',
        line: 70,
        task: 'EXPECTED FAILURE - test invalid `validate` value',
        kind: 'refused',
        why: 'validate without %s is bad input: refused when the playbook loads, not when the task runs',
        errors: ['roles/lineinfile/tasks/main.yml:76:19: "validate": validate must contain %s: /some/path, got string "/some/path"'],
        ansibleRows: 2,
      },
    ],
  },
  {
    name: 'blockinfile',
    leftOut: [
      {
        file: 'validate.yml',
        line: 1,
        task: 'EXPECTED FAILURE test improper validate',
        kind: 'refused',
        why: 'validate without %s is bad input: refused when the playbook loads, not when the task runs',
        errors: ['roles/blockinfile/tasks/validate.yml:8:15: "validate": validate must contain %s: grep, got string "grep"'],
        ansibleRows: 1,
      },
    ],
  },
  { name: 'replace', leftOut: [] },
  {
    name: 'file',
    gatherFacts: true,
    leftOut: [
      {
        file: 'main.yml',
        line: 160,
        count: 6,
        task: 'explicitly set file attribute "A"',
        ansibleRows: 0,
        kind: 'fleet',
        why:
          "the fleet's files carry ext4's extent flag `e`, which chattr cannot clear: `attributes: A` leaves `Ae`, so Ansible's next task (`+A`) reports changed " +
          'and its own assert fails; left out of both runs (test/fleet/differential-attributes.test.ts compares nodemend with Ansible there)',
      },
      {
        file: 'main.yml',
        line: 895,
        count: 2,
        task: 'Test missing src and path',
        ansibleRows: 2,
        errors: ['roles/file/tasks/main.yml:896:3: missing required key "path" in module "file": expected a string'],
        kind: 'refused',
        why: 'a task without its required path is bad input: refused when the playbook loads, not when the task runs',
      },
      {
        file: 'main.yml',
        line: 918,
        count: 2,
        task: 'Test non-existing src',
        ansibleRows: 2,
        kind: 'refused',
        why: "a relative src of state: hard is refused (with a templated dest, when the task runs: not Ansible's 'src does not exist', which the assert after reads)",
      },
      {
        file: 'main.yml',
        line: 933,
        task: 'Create a testing file',
        ansibleRows: 4,
        errors: ['roles/file/tasks/main.yml:940:5: module "file": state: hard needs an absolute src, got a mapping'],
        kind: 'refused',
        why: "a relative src of state: hard is refused (Ansible reads it from the module's working directory, the login user's home)",
      },
    ],
  },
];

/**
 * The host; each tool's directory (unique to this suite, the target and the tool); what a target leaves outside
 * it: lineinfile's "Create a file without a path" writes `file.txt` in the login user's home (the module's working
 * directory); file's tasks use /tmp paths of their own and relative ones in that home, and make users and groups
 * (its handlers remove most, not test2).
 */
const ON_HOST: TargetHost = {
  host: HOST,
  tmpDir: (target, tool) => `/tmp/nm-targets-${target}-${tool}`,
  leftovers: {
    lineinfile: { paths: ['/home/ops/file.txt'] },
    file: {
      paths: ['/tmp/ghost', '/tmp/worldwritable', '/tmp/nonexistent', '/tmp/touch_check_mode_test', '/tmp/write_utime', '/home/ops/original_file.txt', '/home/ops/hard_link_file.txt'],
      users: ['test1', 'test2', 'test_uid', 'nonexistent', 'tmp_ansible_test_user'],
      groups: ['test1', 'test_gid', 'nonexistent1'],
    },
  },
};

for (const target of TARGETS) describeTarget(target, targetRun(ON_HOST, target));
