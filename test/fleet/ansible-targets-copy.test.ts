/**
 * ansible-core's own `copy` integration target (test/fixtures/ansible-targets/copy, vendored unedited from
 * ansible/ansible stable-2.14, see its README) through ansible-playbook 2.14 and nodemend on node23, as
 * test/fleet/ansible-targets.test.ts runs lineinfile, blockinfile and replace.
 *
 * Not yet passed by nodemend: `nodemend validate` still refuses two expected failures at load (below);
 * directory copies (`src: subdir`, `directory_mode`, `local_follow`) are taken now. (Its `remote_user:` keywords log in as the user
 * main.yml creates only where the inventory sets no user: here both tools log in as ops, as
 * ansible_user outranks the keyword.) What is asserted today: Ansible
 * passes the target unedited on the fleet (the harness is sound), and `nodemend validate` refuses it
 * before any host for exactly the reasons listed below, file:line:col, each error accounted for; the
 * list shrinks as copy learns what the target uses.
 */
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnsibleRunner, type RawTask } from '../setup/ansible-differential.js';
import { runCli, workDir, writeInventory, type CliResult } from '../setup/cli.js';
import { HOSTS } from '../setup/fleet.js';
import { onHost } from '../setup/role-differential.js';

const HOST = HOSTS.ansibleModules[0];
const TARGETS_DIR = resolve('test/fixtures/ansible-targets');
/** The copy target's dependencies (meta/main.yml). */
const DEPENDENCIES = ['prepare_tests', 'setup_nobody', 'setup_remote_tmp_dir'];
/** The login user main.yml creates (defaults/main.yml) and removes in its `always:`. */
const UNPRIVILEGED = 'tmp_ansible_test_user';

/** Each tool's directory on the host: under /tmp, unique to this suite and the tool. */
const tmpDir = (tool: string): string => `/tmp/nm-targets-copy-${tool}`;
/** What the target leaves on the host outside its directory when a run stops half way (its `always:` removes them). */
/**
 * check_mode.yml's relative dests land in the login user's home (ops, now that both tools log in as ops) and
 * nothing removes them: a second run on the same fleet would find them and fail its "is changed" asserts.
 */
const OUTSIDE = [
  '/tmp/ansible-test-abs-link',
  '/tmp/ansible-test-abs-link-dir',
  '/tmp/ansible-test-link-dir',
  `/etc/sudoers.d/${UNPRIVILEGED}`,
  '/home/ops/checkmode_subdir',
  '/home/ops/destdir_should_never_exist_because_of_check_mode',
];
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function cleanHost(): Promise<void> {
  const r = await onHost(
    HOST,
    `rm -rf ${[tmpDir('ansible'), tmpDir('nodemend'), ...OUTSIDE].map(q).join(' ')}; if id ${UNPRIVILEGED} >/dev/null 2>&1; then userdel -r ${UNPRIVILEGED} 2>/dev/null; fi; true`,
  );
  if (r.code !== 0) throw new Error(`cleaning ${HOST}: ${r.stderr}`);
}

/**
 * A work dir with the play (hosts: node23, the target as its role) and roles/: a copy of the target (its
 * main.yml makes symbolic links under its own files/ and removes them afterwards: never in the repository),
 * its dependencies.
 */
function playDir(tool: string): string {
  const work = workDir(`targets-copy-${tool}`);
  // Facts gathered: the target reads ansible_fips and ansible_system (ansible-test's plays gather).
  writeFileSync(join(work, 'playbook.yaml'), `- hosts: ${HOST}\n  gather_facts: true\n  diff: false\n  vars: { nm_remote_tmp_dir: ${tmpDir(tool)} }\n  roles: [copy]\n`);
  mkdirSync(join(work, 'roles'));
  cpSync(join(TARGETS_DIR, 'copy'), join(work, 'roles', 'copy'), { recursive: true });
  for (const dep of DEPENDENCIES) symlinkSync(join(TARGETS_DIR, dep), join(work, 'roles', dep));
  return work;
}

/**
 * Why nodemend refuses the unedited target, error by error (`file:line:col: message`).
 * - bad input: an empty `src` and a copy without `dest` are the target's expected failures (Ansible fails
 *   those tasks when they run, `ignore_errors`); nodemend refuses them when it loads the playbook (README,
 *   "Choices": bad input fails before any host), as lineinfile's `validate` case.
 */
const REFUSED: string[] = [
  // bad input, refused when loading
  'roles/copy/tasks/tests.yml:267:10: "src" must not be empty, got string ""',
  'roles/copy/tasks/tests.yml:283:3: missing required key "dest" in module "copy": expected a string',
];

/**
 * "Overwrite the file as user nobody" (tests.yml, `become_user: nobody` after logging in as ops): Ansible
 * hands its module file to nobody with setfacl, which the fleet's hosts lack (no acl package), and its
 * fallbacks (chmod A+, macOS) fail there; ansible-test's hosts have setfacl. Ansible's documented way
 * out on such a host: world-readable temporary files (shell plugin option, as an extra var).
 */
const WORLD_READABLE_TEMP = ['-e', 'ansible_shell_allow_world_readable_temp=true'];
/**
 * acls.yml (imported `when: ansible_system == 'Linux'`) reads and sets ACLs with getfacl/setfacl, which the
 * fleet's hosts lack (no acl package): Ansible's run is told the system is not Linux, so it skips that file as
 * on any other system. Nothing else in the target reads ansible_system.
 */
const NO_ACL_TOOLS = ['-e', 'ansible_system=Linux-without-acl-tools'];

interface Outcome {
  ansible: { exitCode: number; output: string; tasks: RawTask[] };
  validate: CliResult;
}

describe("ansible-core's copy target", () => {
  const out = {} as Outcome;
  beforeAll(async () => {
    await cleanHost();
    const ansible = new AnsibleRunner(playDir('ansible'), HOST, [...WORLD_READABLE_TEMP, ...NO_ACL_TOOLS]);
    try {
      out.ansible = await ansible.run('run');
    } finally {
      ansible.close();
    }
    const unedited = playDir('validate');
    out.validate = await runCli(['validate', 'playbook.yaml', '-i', writeInventory(unedited, [HOST])], { cwd: unedited });
  }, 1_200_000);
  afterAll(() => cleanHost(), 60_000);

  it('passes in Ansible, unedited', () => {
    expect(out.ansible.exitCode, out.ansible.output).toBe(0);
    expect(out.ansible.output).toMatch(new RegExp(`${HOST}\\s+: ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=0 `));
    // The whole target ran: tests.yml's last task, check_mode.yml's and src_remote_file_is_not_file.yml's.
    const names = out.ansible.tasks.map((t) => t.task);
    for (const last of ['copy : Test diff contents', "copy : check_mode - Do the same copy yet again (with check_mode this time) to ensure it's marked unchanged", 'copy : ensure we failed, again'])
      expect(names, last).toContain(last);
  });

  it('is refused by nodemend validate for exactly the listed reasons, before any host', () => {
    const errors = out.validate.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual(REFUSED.map((e) => `error: ${e}`));
    expect(out.validate.stderr).toContain(`${REFUSED.length} errors; no host was contacted`);
    expect(out.validate.code).toBe(1);
  });
});
