/**
 * ansible-core's own integration tests for the file-editing modules, run through ansible-playbook
 * 2.14 and through nodemend on node23: test/fixtures/ansible-targets/<target> (vendored unedited from
 * ansible/ansible stable-2.14, see its README). Each target is a role whose tasks edit files under
 * its own temporary directory and `assert:` the registered results and the files' checksums, so a
 * target that passes is Ansible's own verdict that nodemend did what Ansible does.
 *
 * Per target: Ansible passes it unedited (the harness is sound); `nodemend validate` of the unedited
 * target refuses exactly the documented arguments (README, "Choices where Ansible users might expect
 * otherwise": bad input fails before any host), naming file:line:col; nodemend passes the target
 * without those tasks (their whole block: its rescue expects them), and every other task ends as it
 * did in Ansible (same order, same ok/changed/failed/skipped).
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnsibleRunner, NodemendRunner, type RawTask } from '../setup/ansible-differential.js';
import { runCli, workDir, writeInventory, type CliResult } from '../setup/cli.js';
import { HOSTS } from '../setup/fleet.js';
import { onHost, roleCopy, type NotYet } from '../setup/role-differential.js';

const HOST = HOSTS.ansibleModules[0];
const TARGETS_DIR = resolve('test/fixtures/ansible-targets');
/** The targets' dependencies (meta/main.yml), shared by every target. */
const DEPENDENCIES = ['prepare_tests', 'setup_remote_tmp_dir'];

interface Target {
  name: string;
  /**
   * What nodemend refuses before any host on purpose: the tasks left out of its run (with their block),
   * `validate`'s error for each, and how many rows Ansible reports for what was left out (the block's tasks that ran, its rescue's).
   */
  refused: (NotYet & { error: string; ansibleRows: number })[];
}

const TARGETS: Target[] = [
  {
    name: 'lineinfile',
    refused: [
      {
        file: 'main.yml',
        task: 'EXPECTED FAILURE - test invalid `validate` value',
        why: 'validate without %s is bad input: refused when the playbook loads, not when the task runs',
        error: 'roles/lineinfile/tasks/main.yml:76:19: "validate": validate must contain %s: /some/path, got string "/some/path"',
        ansibleRows: 2,
      },
    ],
  },
  {
    name: 'blockinfile',
    refused: [
      {
        file: 'validate.yml',
        task: 'EXPECTED FAILURE test improper validate',
        why: 'validate without %s is bad input: refused when the playbook loads, not when the task runs',
        error: 'roles/blockinfile/tasks/validate.yml:8:15: "validate": validate must contain %s: grep, got string "grep"',
        ansibleRows: 1,
      },
    ],
  },
  { name: 'replace', refused: [] },
];

/** Each tool's directory on the host: under /tmp, unique to this suite, the target and the tool. */
const tmpDir = (target: string, tool: string): string => `/tmp/nm-targets-${target}-${tool}`;
/** lineinfile's "Create a file without a path" writes `file.txt` in the login user's home (the module's working directory). */
const RELATIVE_FILES = ['/home/ops/file.txt'];
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

async function cleanHost(target: string): Promise<void> {
  const paths = [tmpDir(target, 'ansible'), tmpDir(target, 'nodemend'), ...RELATIVE_FILES];
  const r = await onHost(HOST, `rm -rf ${paths.map(q).join(' ')}`);
  if (r.code !== 0) throw new Error(`cleaning ${HOST}: ${r.stderr}`);
}

/** A work dir with the play (hosts: node23, the target as its role) and roles/: the target's dir, its dependencies. */
function playDir(target: string, tool: string, targetDir: string): string {
  const work = workDir(`targets-${target}-${tool}`);
  writeFileSync(join(work, 'playbook.yaml'), `- hosts: ${HOST}\n  gather_facts: false\n  diff: false\n  vars: { nm_remote_tmp_dir: ${tmpDir(target, tool)} }\n  roles: [${target}]\n`);
  mkdirSync(join(work, 'roles'));
  symlinkSync(targetDir, join(work, 'roles', target));
  for (const dep of DEPENDENCIES) symlinkSync(join(TARGETS_DIR, dep), join(work, 'roles', dep));
  return work;
}

interface Outcome {
  ansible: { exitCode: number; output: string; tasks: RawTask[] };
  validate: CliResult;
  nodemend: { exitCode: number; output: string; tasks: RawTask[] };
}

/** Tasks as "NAME: status" (a failure that was ignored or rescued is still "failed"). */
const statuses = (tasks: RawTask[]): string[] => tasks.map((t) => `${t.task}: ${t.status}`);

/** Ansible's rows without those of the refused tasks' blocks. */
function withoutRefused(tasks: RawTask[], refused: Target['refused']): RawTask[] {
  const out = [...tasks];
  for (const r of refused) {
    const at = out.findIndex((t) => t.task.endsWith(` : ${r.task}`));
    if (at < 0) throw new Error(`Ansible ran no task "${r.task}"`);
    out.splice(at, r.ansibleRows);
  }
  return out;
}

/**
 * nodemend's rows in Ansible's words where only the title of an unnamed task differs: Ansible titles it by
 * its module ("lineinfile : stat"), nodemend by its module and first argument ("lineinfile : stat {{ remote_tmp_dir }}/x").
 */
const titledAs = (nodemend: RawTask[], ansible: RawTask[]): RawTask[] =>
  nodemend.map((t, i) => (ansible[i] && t.task.startsWith(`${ansible[i].task} `) && !ansible[i].task.split(' : ').pop()!.includes(' ') ? { ...t, task: ansible[i].task } : t));

describe.each(TARGETS)("ansible-core's $name target", (target) => {
  const out = {} as Outcome;
  beforeAll(async () => {
    await cleanHost(target.name);
    const ansibleWork = playDir(target.name, 'ansible', join(TARGETS_DIR, target.name));
    const ansible = new AnsibleRunner(ansibleWork, HOST);
    try {
      out.ansible = await ansible.run('run');
    } finally {
      ansible.close();
    }
    await onHost(HOST, `rm -f ${RELATIVE_FILES.map(q).join(' ')}`);
    const unedited = playDir(target.name, 'validate', join(TARGETS_DIR, target.name));
    out.validate = await runCli(['validate', 'playbook.yaml', '-i', writeInventory(unedited, [HOST])], { cwd: unedited });
    const copy = roleCopy(join(TARGETS_DIR, target.name), target.refused);
    out.nodemend = await new NodemendRunner(playDir(target.name, 'nodemend', copy), HOST).run('run');
  }, 1_200_000);
  afterAll(() => cleanHost(target.name), 60_000);

  it('passes in Ansible, unedited', () => {
    expect(out.ansible.exitCode, out.ansible.output).toBe(0);
    expect(out.ansible.output).toMatch(new RegExp(`${HOST}\\s+: ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=0 `));
  });

  it('is refused by nodemend validate exactly where documented, before any host', () => {
    const errors = out.validate.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual(target.refused.map((r) => `error: ${r.error}`));
    if (!target.refused.length) return expect(out.validate.code, out.validate.stderr).toBe(0);
    expect(out.validate.stderr).toContain('no host was contacted');
    expect(out.validate.code).toBe(1);
  });

  it('passes in nodemend without the refused tasks: every assert holds', () => {
    expect(out.nodemend.exitCode, out.nodemend.output).toBe(0);
    // Every assert of the target ran (a task that ran none would pass too): at least as many rows as the files hold `assert:` tasks.
    const asserts = readdirSync(join(TARGETS_DIR, target.name, 'tasks')).reduce(
      (n, f) => n + (readFileSync(join(TARGETS_DIR, target.name, 'tasks', f), 'utf8').match(/^\s*assert:/gm) ?? []).length,
      0,
    );
    expect(asserts).toBeGreaterThan(5);
    expect(out.nodemend.tasks.filter((t) => t.status === 'ok').length).toBeGreaterThanOrEqual(asserts);
  });

  it('every other task ends as it did in Ansible, in the same order', () => {
    const ansible = withoutRefused(out.ansible.tasks, target.refused);
    expect(statuses(titledAs(out.nodemend.tasks, ansible))).toEqual(statuses(ansible));
  });
});
