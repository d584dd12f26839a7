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
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeq, LineCounter, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { AnsibleRunner, NodemendRunner, type RawTask } from '../setup/ansible-differential.js';
import { runCli, workDir, writeInventory, type CliResult } from '../setup/cli.js';
import { HOSTS } from '../setup/fleet.js';
import { onHost } from '../setup/role-differential.js';

const HOST = HOSTS.ansibleModules[0];
const TARGETS_DIR = resolve('test/fixtures/ansible-targets');
/** The targets' dependencies (their meta/main.yml), every one available to every target. */
const DEPENDENCIES = ['prepare_tests', 'setup_nobody', 'setup_remote_tmp_dir'];

/**
 * Tasks left out of nodemend's run: `count` top-level tasks of `file` from the one at `line` (a
 * block goes whole: its rescue or a later assert expects them), Ansible's title of the first
 * (`task`), and how many rows Ansible reports for them (`ansibleRows`, a block's tasks that ran).
 * `errors`: what `nodemend validate` says of the unedited target there (nothing: it loads them).
 * Listed in the order Ansible runs them.
 */
interface LeftOut {
  file: string;
  line: number;
  count?: number;
  task: string;
  ansibleRows: number;
  errors?: string[];
  /** refused: bad input nodemend refuses on purpose (README "Choices"); fleet: needs what the fleet lacks; notYet: a nodemend gap. */
  kind: 'refused' | 'fleet' | 'notYet';
  why: string;
}

interface Target {
  name: string;
  leftOut: LeftOut[];
  /**
   * Where nodemend's run of the target (less the left-out tasks) fails now: the task, its error,
   * why, and how many failures it ignored before (as Ansible did). Every row before it ends as in Ansible.
   */
  stopsAt?: { task: string; error: string; why: string; ignoredFailures: number };
  /** The play gathers facts: the original setup_remote_tmp_dir gathers (min facts: file reads `ansible_user_id`), the replacement does not. */
  gatherFacts?: true;
}

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
    stopsAt: {
      task: 'verify that the file was marked as changed',
      error: "'file2_result.diff' is undefined",
      why: "nodemend's file registers no `diff` (Ansible's {before: {path, src, ...}, after: {...}}); state_link.yml:44 asserts it",
      ignoredFailures: 0,
    },
    leftOut: [
      {
        file: 'state_link.yml',
        line: 122,
        count: 2,
        task: 'Create remote unprivileged remote user',
        ansibleRows: 10,
        kind: 'notYet',
        why: "not yet compared: nodemend's run stops before it (stopsAt); the block makes its directory with tempfile, the assert after reads the block",
      },
      {
        file: 'diff_peek.yml',
        line: 1,
        count: 2,
        task: 'Run task with _diff_peek',
        ansibleRows: 2,
        errors: ['roles/file/tasks/diff_peek.yml:4:5: unknown argument "_diff_peek" for module "file"'],
        kind: 'notYet',
        why: "file takes no _diff_peek (Ansible's internal argument for --diff of copy and template; the assert after reads its result)",
      },
      {
        file: 'modification_time.yml',
        line: 15,
        count: 8,
        task: 'Set a modification time in check_mode',
        ansibleRows: 8,
        errors: [15, 38, 58].map((l) => `roles/file/tasks/modification_time.yml:${l + 4}:5: unknown argument "modification_time_format" for module "file"`),
        kind: 'notYet',
        why: 'file takes no modification_time_format (the stats and asserts after read those tasks)',
      },
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

/** Each tool's directory on the host: under /tmp, unique to this suite, the target and the tool. */
const tmpDir = (target: string, tool: string): string => `/tmp/nm-targets-${target}-${tool}`;
/**
 * Paths outside the tools' directories a target writes, removed before each tool runs: lineinfile's
 * "Create a file without a path" writes `file.txt` in the login user's home (the module's working
 * directory); file's tasks use /tmp paths of their own and relative ones in that home.
 */
const OUTSIDE_PATHS: Record<string, string[]> = {
  lineinfile: ['/home/ops/file.txt'],
  file: ['/tmp/ghost', '/tmp/worldwritable', '/tmp/nonexistent', '/tmp/touch_check_mode_test', '/tmp/write_utime', '/home/ops/original_file.txt', '/home/ops/hard_link_file.txt'],
};
/** Users and groups a target creates (file's handlers remove most, not test2), removed before each tool runs. */
const ACCOUNTS: Record<string, { users: string[]; groups: string[] }> = {
  file: { users: ['test1', 'test2', 'test_uid', 'nonexistent', 'tmp_ansible_test_user'], groups: ['test1', 'test_gid', 'nonexistent1'] },
};
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The target's own paths, users and groups gone from the host. */
async function cleanOutside(target: string): Promise<void> {
  const { users = [], groups = [] } = ACCOUNTS[target] ?? {};
  const script = [
    ...(OUTSIDE_PATHS[target] ?? []).map((p) => `rm -rf -- ${q(p)}`),
    ...users.map((u) => `! id -u ${q(u)} >/dev/null 2>&1 || userdel -r -f ${q(u)} 2>/dev/null || userdel -f ${q(u)}`),
    ...groups.map((g) => `! getent group ${q(g)} >/dev/null || groupdel ${q(g)}`),
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

/** The target as a tool runs it: the vendored directory, or a copy under the test's work dir less the `leftOut` tasks. */
function targetCopy(target: Target, leftOut: LeftOut[]): string {
  const dir = join(TARGETS_DIR, target.name);
  if (!leftOut.length) return dir;
  const copy = join(workDir(`target-${target.name}`), target.name);
  cpSync(dir, copy, { recursive: true });
  const files = new Set(leftOut.map((l) => l.file));
  for (const file of files) {
    const path = join(copy, 'tasks', file);
    const lineCounter = new LineCounter();
    // YAML 1.1, as Ansible reads it: an unquoted `mode: 0755` must be written back as 0755 (1.2 would make it 755).
    const doc = parseDocument(readFileSync(path, 'utf8'), { version: '1.1', lineCounter });
    const tasks = doc.contents as YAMLSeq<YAMLMap>;
    const lineOf = (t: YAMLMap): number => lineCounter.linePos(t.range![0]).line;
    // From the last line up, so that each splice leaves the earlier tasks' indices alone.
    for (const l of leftOut.filter((x) => x.file === file).sort((a, b) => b.line - a.line)) {
      const at = tasks.items.findIndex((t) => lineOf(t) === l.line);
      if (at < 0) throw new Error(`left out: no task at ${file}:${l.line} (tasks start at ${tasks.items.map(lineOf).join(', ')})`);
      const t = tasks.items[at];
      const names = [t.get('name'), ...(isSeq(t.get('block')) ? (t.get('block') as YAMLSeq<YAMLMap>).items.map((b) => b.get('name')) : [])];
      if (!names.includes(l.task) && !l.task.startsWith(`${Object.keys(t.toJSON() as object).find((k) => k !== 'name' && k !== 'register')}`))
        throw new Error(`left out: the task at ${file}:${l.line} is not "${l.task}"`);
      tasks.items.splice(at, l.count ?? 1);
    }
    writeFileSync(path, doc.toString());
  }
  return copy;
}

/** A work dir with the play (hosts: node23, the target as its role) and roles/: the target's dir, its dependencies. */
function playDir(target: Target, tool: string, targetDir: string): string {
  const work = workDir(`targets-${target.name}-${tool}`);
  // output_dir: what ansible-test gives every target (its own directory; file's state_link.yml reads it).
  const vars = `{ nm_remote_tmp_dir: ${tmpDir(target.name, tool)}, output_dir: ${tmpDir(target.name, tool)} }`;
  writeFileSync(join(work, 'playbook.yaml'), `- hosts: ${HOST}\n  gather_facts: ${target.gatherFacts ?? false}\n  diff: false\n  vars: ${vars}\n  roles: [${target.name}]\n`);
  mkdirSync(join(work, 'roles'));
  symlinkSync(targetDir, join(work, 'roles', target.name));
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

/** Ansible's rows without those of the left-out tasks (found in order: titles repeat). */
function withoutLeftOut(tasks: RawTask[], leftOut: LeftOut[]): RawTask[] {
  const out = [...tasks];
  let from = 0;
  for (const l of leftOut) {
    const at = out.findIndex((t, i) => i >= from && t.task.endsWith(` : ${l.task}`));
    if (at < 0) throw new Error(`Ansible ran no task "${l.task}" after row ${from}`);
    out.splice(at, l.ansibleRows);
    from = at;
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
    // Ansible runs the target unedited but for what the fleet lacks.
    const ansibleWork = playDir(
      target,
      'ansible',
      targetCopy(
        target,
        target.leftOut.filter((l) => l.kind === 'fleet'),
      ),
    );
    const ansible = new AnsibleRunner(ansibleWork, HOST);
    try {
      out.ansible = await ansible.run('run');
    } finally {
      ansible.close();
    }
    await cleanOutside(target.name);
    const unedited = playDir(target, 'validate', join(TARGETS_DIR, target.name));
    out.validate = await runCli(['validate', 'playbook.yaml', '-i', writeInventory(unedited, [HOST])], { cwd: unedited });
    const copy = targetCopy(target, target.leftOut);
    const nodemendWork = playDir(target, 'nodemend', copy);
    out.nodemend = await new NodemendRunner(nodemendWork, HOST).run('run');
    // Each tool's whole output beside its play, to read when a row differs.
    writeFileSync(join(ansibleWork, 'output.log'), out.ansible.output);
    writeFileSync(join(nodemendWork, 'output.log'), out.nodemend.output);
  }, 1_200_000);
  afterAll(() => cleanHost(target.name), 60_000);

  it('passes in Ansible, unedited but for what the fleet lacks', () => {
    expect(out.ansible.exitCode, out.ansible.output).toBe(0);
    expect(out.ansible.output).toMatch(new RegExp(`${HOST}\\s+: ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=0 `));
  });

  it('is refused by nodemend validate exactly where documented, before any host', () => {
    // Without the lists of what nodemend knows ("; known modules: ...", "; file takes: ..."): they grow with nodemend.
    const errors = out.validate.stderr
      .split('\n')
      .filter((l) => l.startsWith('error: '))
      .map((l) => l.replace(/; (known modules|\S+ takes): .*$/, ''));
    expect(errors).toEqual(target.leftOut.flatMap((l) => l.errors ?? []).map((e) => `error: ${e}`));
    if (!errors.length) return expect(out.validate.code, out.validate.stderr).toBe(0);
    expect(out.validate.stderr).toContain('no host was contacted');
    expect(out.validate.code).toBe(1);
  });

  it.skipIf(target.stopsAt)('passes in nodemend without the left-out tasks: every assert holds', () => {
    expect(out.nodemend.exitCode, out.nodemend.output).toBe(0);
    // Every assert of the target ran (a task that ran none would pass too): at least as many rows as the files hold `assert:` tasks.
    const asserts = readdirSync(join(TARGETS_DIR, target.name, 'tasks')).reduce(
      (n, f) => n + (readFileSync(join(TARGETS_DIR, target.name, 'tasks', f), 'utf8').match(/^\s*assert:/gm) ?? []).length,
      0,
    );
    expect(asserts).toBeGreaterThan(5);
    expect(out.nodemend.tasks.filter((t) => t.status === 'ok').length).toBeGreaterThanOrEqual(asserts);
  });

  it.runIf(target.stopsAt)('fails in nodemend exactly where listed, and only there', () => {
    const stop = target.stopsAt!;
    expect(out.nodemend.exitCode, out.nodemend.output).not.toBe(0);
    const last = out.nodemend.tasks.at(-1)!;
    expect(`${last.task}: ${last.status}`).toBe(`${target.name} : ${stop.task}: failed`);
    expect(out.nodemend.tasks.filter((t) => t.status === 'failed' && t !== last).length).toBe(stop.ignoredFailures);
    expect(out.nodemend.output).toContain(stop.error);
  });

  it('every other task ends as it did in Ansible, in the same order', () => {
    let ansible = withoutLeftOut(
      out.ansible.tasks,
      target.leftOut.filter((l) => l.kind !== 'fleet'),
    );
    // A play that gathers facts: its "Gathering Facts" row is the harness's, not the target's.
    const gathered = (t: RawTask): boolean => t.task !== 'Gathering Facts';
    ansible = ansible.filter(gathered);
    let nodemend = out.nodemend.tasks.filter(gathered);
    // Where nodemend stops: the rows before it, and that row's title.
    if (target.stopsAt) {
      const n = nodemend.length - 1;
      expect(titledAs(nodemend, ansible).map((t) => t.task)).toEqual(ansible.slice(0, n + 1).map((t) => t.task));
      [ansible, nodemend] = [ansible.slice(0, n), nodemend.slice(0, n)];
      expect(n).toBeGreaterThan(5);
    }
    expect(statuses(titledAs(nodemend, ansible))).toEqual(statuses(ansible));
  });
});
