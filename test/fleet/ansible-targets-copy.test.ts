/**
 * ansible-core's own `copy` integration target (test/fixtures/ansible-targets/copy, vendored unedited from
 * ansible/ansible stable-2.14, see its README) through ansible-playbook 2.14 and nodemend on node41, as
 * test/fleet/ansible-targets.test.ts runs lineinfile, blockinfile, replace and file (describeTarget,
 * test/setup/ansible-targets.ts): Ansible passes it unedited; `nodemend validate` refuses exactly its two
 * expected failures at load (left out of nodemend's run, `refused`); nodemend passes the rest, check_mode.yml's
 * copies of a directory holding links to directories included, every row ending as in Ansible. (Its
 * `remote_user:` keywords log in as the user main.yml creates only where the inventory sets no user: here
 * both tools log in as ops, as ansible_user outranks the keyword.)
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { cleanHost, cleanOutside, describeTarget, targetRun, type Target, type TargetHost } from '../setup/ansible-targets.js';
import { HOSTS } from '../setup/fleet.js';

/**
 * A host of its own: the file target (ansible-targets.test.ts, node23) makes and removes the same user, and
 * vitest runs the two files at once (CI found this target's last cleanup `changed` in nodemend, `ok` in Ansible).
 */
const HOST = HOSTS.ansibleCopyTarget[0];
/** The login user main.yml creates (defaults/main.yml) and removes in its `always:`. */
const UNPRIVILEGED = 'tmp_ansible_test_user';

/**
 * The host; each tool's directory (unique to this suite and the tool); what the target leaves on the host outside
 * it: when a run stops half way (its `always:` removes them), and what its relative dests and paths write in the
 * login user's home and never remove (check_mode.yml's `checkmode_subdir/`, whose first copy must be a change; the
 * remote_src files' `subdir`, `foo.txt`).
 */
const ON_HOST: TargetHost = {
  host: HOST,
  tmpDir: (_target, tool) => `/tmp/nm-targets-copy-${tool}`,
  leftovers: {
    copy: {
      paths: [
        '/tmp/ansible-test-abs-link',
        '/tmp/ansible-test-abs-link-dir',
        '/tmp/ansible-test-link-dir',
        `/etc/sudoers.d/${UNPRIVILEGED}`,
        ...['checkmode_subdir', 'destdir_should_never_exist_because_of_check_mode', 'subdir', 'foo.txt'].map((p) => `/home/ops/${p}`),
      ],
      users: [UNPRIVILEGED],
    },
  },
};

/**
 * What the target writes on the controller (delegate_to: localhost) and never removes: tests.yml:1066 and :1078's
 * relative `source_recursive` and `destination` (in nodemend's run, relative to the test's working directory, the
 * repository), and the link targets tests.yml:441 and :447 make in /tmp, whose first copy must be a change in each
 * tool's run: left by Ansible's run, nodemend's found them and said `ok` (stop 25's CI).
 */
const CONTROLLER_LEFTOVERS = ['source_recursive', 'destination', '/tmp/ansible-test-abs-link', '/tmp/ansible-test-abs-link-dir'];
const cleanController = (): void => {
  for (const p of CONTROLLER_LEFTOVERS) rmSync(resolve(p), { recursive: true, force: true });
};

/**
 * "Overwrite the file as user nobody" (tests.yml, `become_user: nobody` after logging in as ops): Ansible
 * hands its module file to nobody with setfacl, which the fleet's hosts lack (no acl package), and its
 * fallbacks (chmod A+, macOS) fail there; ansible-test's hosts have setfacl. Ansible's documented way
 * out on such a host: world-readable temporary files (shell plugin option, as an extra var).
 */
const WORLD_READABLE_TEMP = ['-e', 'ansible_shell_allow_world_readable_temp=true'];
/**
 * acls.yml (imported `when: ansible_system == 'Linux'`) reads and sets ACLs with getfacl/setfacl, which the
 * fleet's hosts lack (no acl package): both tools are told the system is not Linux, so they skip that file as
 * on any other system. Nothing else in the target reads ansible_system.
 */
const NO_ACL_TOOLS = ['-e', 'ansible_system=Linux-without-acl-tools'];

const COPY: Target = {
  name: 'copy',
  // The target reads ansible_fips and ansible_system (ansible-test's plays gather).
  gatherFacts: true,
  leftOut: [
    {
      file: 'tests.yml',
      line: 265,
      count: 3,
      task: 'Try empty source to ensure it fails',
      ansibleRows: 3,
      errors: ['roles/copy/tasks/tests.yml:267:10: "src" must not be empty, got string ""'],
      kind: 'refused',
      why: 'an empty src is bad input: refused when the playbook loads, not when the task runs (the debug and assert after read its result)',
    },
    {
      file: 'tests.yml',
      line: 282,
      count: 3,
      task: 'Try without destination to ensure it fails',
      ansibleRows: 3,
      errors: ['roles/copy/tasks/tests.yml:283:3: missing required key "dest" in module "copy": expected a string'],
      kind: 'refused',
      why: 'a copy without its required dest is bad input: refused when the playbook loads, not when the task runs (the debug and assert after read its result)',
    },
  ],
};

describeTarget(
  COPY,
  targetRun(ON_HOST, COPY, {
    cleanHost: () => {
      cleanController();
      return cleanHost(ON_HOST, COPY.name);
    },
    cleanOutside: () => {
      cleanController();
      return cleanOutside(ON_HOST, COPY.name);
    },
    ansibleArgs: [...WORLD_READABLE_TEMP, ...NO_ACL_TOOLS],
    nodemendArgs: NO_ACL_TOOLS,
    // Its main.yml makes symbolic links under its own files/ and removes them afterwards: never in the repository.
    alwaysCopy: true,
  }),
);
