/**
 * Running one of ansible-core's own integration targets (test/fixtures/ansible-targets/<name>, vendored
 * unedited from ansible/ansible stable-2.14) through ansible-playbook 2.14 and nodemend on one fleet host,
 * shared by test/fleet/ansible-targets.test.ts (lineinfile, blockinfile, replace, file),
 * test/fleet/ansible-targets-copy.test.ts and test/fleet/ansible-targets-more.test.ts (stat, tempfile, find, slurp, assemble): which tasks nodemend's run leaves out and why (`leftOut`),
 * where its run stops now (`stopsAt`), and the suite that compares both tools row by row.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeq, LineCounter, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { AnsibleRunner, NodemendRunner, type RawTask } from './ansible-differential.js';
import { runCli, workDir, writeInventory, type CliResult } from './cli.js';
import { quote as q } from '../../src/transport/quote.js';
import { onHost } from './role-differential.js';

export const TARGETS_DIR = resolve('test/fixtures/ansible-targets');
/** The targets' dependencies (their meta/main.yml), every one available to every target. */
export const DEPENDENCIES = ['prepare_tests', 'setup_nobody', 'setup_remote_tmp_dir'];

/**
 * Tasks left out of nodemend's run: `count` top-level tasks of `file` from the one at `line` (a
 * block goes whole: its rescue or a later assert expects them), Ansible's title of the first
 * (`task`), and how many rows Ansible reports for them (`ansibleRows`, a block's tasks that ran).
 * `errors`: what `nodemend validate` says of the unedited target there (nothing: it loads them).
 * Listed in the order Ansible runs them.
 */
export interface LeftOut {
  file: string;
  line: number;
  count?: number;
  task: string;
  ansibleRows: number;
  /** Where Ansible's title of `task` repeats (unnamed tasks: "find : set_fact"), which of its rows after the last left-out one (1: the first). */
  occurrence?: number;
  errors?: string[];
  /** refused: bad input nodemend refuses on purpose (README "Choices"); fleet: needs what the fleet lacks; notYet: a nodemend gap. */
  kind: 'refused' | 'fleet' | 'notYet';
  why: string;
}

export interface Target {
  name: string;
  leftOut: LeftOut[];
  /**
   * Where nodemend's run of the target (less the left-out tasks) fails now: the task, its error,
   * why, and how many failures it ignored before (as Ansible did). Every row before it ends as in Ansible.
   */
  stopsAt?: { task: string; error: string; why: string; ignoredFailures: number };
  /** The play gathers facts: the original setup_remote_tmp_dir gathers (min facts: file reads `ansible_user_id`), the replacement does not. */
  gatherFacts?: true;
  /** The target has no assert (ignore_errors: one failing task, ignored): its rows alone are the proof. */
  noAsserts?: true;
}

/** The target as a tool runs it: the vendored directory, or a copy under the test's work dir less the `leftOut` tasks. */
export function targetCopy(target: Target, leftOut: LeftOut[], always = false): string {
  const dir = join(TARGETS_DIR, target.name);
  if (!leftOut.length && !always) return dir;
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
      const inBlock = isSeq(t.get('block')) ? (t.get('block') as YAMLSeq<YAMLMap>).items : [];
      const names = [t.get('name'), ...inBlock.map((b) => b.get('name'))];
      // An unnamed task goes by its module, as Ansible titles it (an unnamed block by its first task's).
      const moduleOf = (m: YAMLMap | undefined): string => `${Object.keys((m?.toJSON() ?? {}) as object).find((k) => k !== 'name' && k !== 'register')}`;
      if (!names.includes(l.task) && !l.task.startsWith(moduleOf(t)) && !(inBlock.length && l.task.startsWith(moduleOf(inBlock[0]))))
        throw new Error(`left out: the task at ${file}:${l.line} is not "${l.task}"`);
      tasks.items.splice(at, l.count ?? 1);
    }
    writeFileSync(path, doc.toString());
  }
  return copy;
}

interface Outcome {
  /** The target as nodemend ran it (less the left-out tasks). */
  copy: string;
  ansible: { exitCode: number; output: string; tasks: RawTask[] };
  validate: CliResult;
  /** Where validate ran: a template file's error names it by its full path, the harness's lists by the path under it. */
  validateDir: string;
  nodemend: { exitCode: number; output: string; tasks: RawTask[] };
}

/** Tasks as "NAME: status" (a failure that was ignored or rescued is still "failed"). */
const statuses = (tasks: RawTask[]): string[] => tasks.map((t) => `${t.task}: ${t.status}`);

/** Ansible's rows without those of the left-out tasks (found in order: titles repeat). */
function withoutLeftOut(tasks: RawTask[], leftOut: LeftOut[]): RawTask[] {
  const out = [...tasks];
  let from = 0;
  for (const l of leftOut) {
    let at = from - 1;
    for (let n = 0; n < (l.occurrence ?? 1); n++) {
      const after = at;
      at = out.findIndex((t, i) => i > after && t.task.endsWith(` : ${l.task}`));
      if (at < 0) break;
    }
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

/** How a suite runs its target on its host. */
export interface TargetRun {
  host: string;
  /** A work dir with the play and roles/ for `tool` ('ansible', 'validate', 'nodemend'), the target's role from `targetDir`. */
  playDir(tool: string, targetDir: string): string;
  /** Before Ansible runs and at the end: both tools' directories and what the target leaves outside them. */
  cleanHost(): Promise<void>;
  /** Between the tools: what the target leaves outside its directory. */
  cleanOutside(): Promise<void>;
  /** More ansible-playbook arguments (what the fleet's hosts lack, as extra vars). */
  ansibleArgs?: string[];
  /** More `nodemend run` arguments (the extra vars of ansibleArgs that choose which tasks run, so that both run the same). */
  nodemendArgs?: string[];
  /** The role runs from a copy in both tools, left-out tasks or not (it writes into its own files/). */
  alwaysCopy?: boolean;
}

/** What a target leaves on its host outside its tools' directories (removed before each tool runs, and at the end). */
export interface Leftovers {
  paths?: string[];
  users?: string[];
  groups?: string[];
}

/** A suite's host and what its targets leave there: all that cleanHost, cleanOutside and playDir need. */
export interface TargetHost {
  host: string;
  /** Each tool's directory on the host for a target: under /tmp, unique to the suite, the target and the tool. */
  tmpDir(target: string, tool: string): string;
  /** Per target: what it writes outside its tools' directories and the users and groups it creates. */
  leftovers?: Record<string, Leftovers>;
  /** Roles the targets use besides DEPENDENCIES. */
  moreDependencies?: string[];
}

/** The target's own paths, users and groups gone from the host. */
export async function cleanOutside(h: TargetHost, target: string): Promise<void> {
  const { paths = [], users = [], groups = [] } = h.leftovers?.[target] ?? {};
  const script = [
    ...paths.map((p) => `rm -rf -- ${q(p)}`),
    ...users.map((u) => `! id -u ${q(u)} >/dev/null 2>&1 || userdel -r -f ${q(u)} 2>/dev/null || userdel -f ${q(u)}`),
    ...groups.map((g) => `! getent group ${q(g)} >/dev/null || groupdel ${q(g)}`),
    'true',
  ].join(' && ');
  const r = await onHost(h.host, script);
  if (r.code !== 0) throw new Error(`cleaning ${h.host}: ${r.stderr}`);
}

/** Both tools' directories and the target's leftovers gone from the host. */
export async function cleanHost(h: TargetHost, target: string): Promise<void> {
  const r = await onHost(h.host, `rm -rf ${[h.tmpDir(target, 'ansible'), h.tmpDir(target, 'nodemend')].map(q).join(' ')}`);
  if (r.code !== 0) throw new Error(`cleaning ${h.host}: ${r.stderr}`);
  await cleanOutside(h, target);
}

/**
 * A work dir with the play (the host, the target as its role, facts if the target gathers) and roles/: the
 * target's dir, its dependencies. output_dir: what ansible-test gives every target (its own directory; file's
 * state_link.yml reads it).
 */
export function playDir(h: TargetHost, target: Target, tool: string, targetDir: string): string {
  // Short: ansible-playbook's ssh control socket lives under it (a Unix socket's path has at most 107 bytes).
  const work = workDir(`${target.name}-${tool}`);
  const dir = h.tmpDir(target.name, tool);
  writeFileSync(
    join(work, 'playbook.yaml'),
    `- hosts: ${h.host}\n  gather_facts: ${target.gatherFacts ?? false}\n  diff: false\n  vars: { nm_remote_tmp_dir: ${dir}, output_dir: ${dir} }\n  roles: [${target.name}]\n`,
  );
  mkdirSync(join(work, 'roles'));
  symlinkSync(targetDir, join(work, 'roles', target.name));
  for (const dep of [...DEPENDENCIES, ...(h.moreDependencies ?? [])]) symlinkSync(join(TARGETS_DIR, dep), join(work, 'roles', dep));
  return work;
}

/** How a suite on host `h` runs `target`: cleanHost, cleanOutside and playDir bound to both, with the suite's `more`. */
export function targetRun(h: TargetHost, target: Target, more: Omit<Partial<TargetRun>, 'host'> = {}): TargetRun {
  return {
    host: h.host,
    playDir: (tool, dir) => playDir(h, target, tool, dir),
    cleanHost: () => cleanHost(h, target.name),
    cleanOutside: () => cleanOutside(h, target.name),
    ...more,
  };
}

export function describeTarget(target: Target, t: TargetRun): void {
  describe(`ansible-core's ${target.name} target`, () => {
    const out = {} as Outcome;
    beforeAll(async () => {
      await t.cleanHost();
      // Ansible runs the target unedited but for what the fleet lacks.
      const ansibleWork = t.playDir(
        'ansible',
        targetCopy(
          target,
          target.leftOut.filter((l) => l.kind === 'fleet'),
          t.alwaysCopy,
        ),
      );
      const ansible = new AnsibleRunner(ansibleWork, t.host, t.ansibleArgs);
      try {
        out.ansible = await ansible.run('run');
      } finally {
        ansible.close();
      }
      await t.cleanOutside();
      const unedited = t.playDir('validate', join(TARGETS_DIR, target.name));
      out.validate = await runCli(['validate', 'playbook.yaml', '-i', writeInventory(unedited, [t.host])], { cwd: unedited });
      out.validateDir = unedited;
      const copy = (out.copy = targetCopy(target, target.leftOut, t.alwaysCopy));
      const nodemendWork = t.playDir('nodemend', copy);
      out.nodemend = await new NodemendRunner(nodemendWork, t.host, t.nodemendArgs).run('run');
      // Each tool's whole output beside its play, to read when a row differs.
      writeFileSync(join(ansibleWork, 'output.log'), out.ansible.output);
      writeFileSync(join(nodemendWork, 'output.log'), out.nodemend.output);
    }, 2_400_000); // copy's target alone takes Ansible 20 minutes on a loaded machine
    afterAll(() => t.cleanHost(), 60_000);

    it('passes in Ansible, unedited but for what the fleet lacks', () => {
      expect(out.ansible.exitCode, out.ansible.output).toBe(0);
      expect(out.ansible.output).toMatch(new RegExp(`${t.host}\\s+: ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=0 `));
    });

    it('is refused by nodemend validate exactly where documented, before any host', () => {
      // Without the lists of what nodemend knows ("; known modules: ...", "; file takes: ..."): they grow with nodemend.
      const errors = out.validate.stderr
        .split('\n')
        .filter((l) => l.startsWith('error: '))
        .map((l) => l.replace(/; (known modules|\S+ takes): .*$/, '').replace(`error: ${out.validateDir}/`, 'error: '));
      expect(errors).toEqual(target.leftOut.flatMap((l) => l.errors ?? []).map((e) => `error: ${e}`));
      if (!errors.length) return expect(out.validate.code, out.validate.stderr).toBe(0);
      expect(out.validate.stderr).toContain('no host was contacted');
      expect(out.validate.code).toBe(1);
    });

    it.skipIf(target.stopsAt)('passes in nodemend without the left-out tasks: every assert holds', () => {
      expect(out.nodemend.exitCode, out.nodemend.output).toBe(0);
      // Every assert nodemend's copy of the target holds ran (a task that ran none would pass too): at least as many rows as
      // its files hold `assert:` tasks (`  assert:` under a name, or `- assert:` unnamed).
      const asserts = readdirSync(join(out.copy, 'tasks')).reduce((n, f) => n + (readFileSync(join(out.copy, 'tasks', f), 'utf8').match(/^[\s-]*assert:/gm) ?? []).length, 0);
      if (target.noAsserts) return expect(asserts).toBe(0);
      expect(asserts).toBeGreaterThan(0);
      expect(out.nodemend.tasks.filter((t) => t.status === 'ok').length).toBeGreaterThanOrEqual(asserts);
    });

    it.runIf(target.stopsAt)('fails in nodemend exactly where listed, and only there', () => {
      const stop = target.stopsAt!;
      expect(out.nodemend.exitCode, out.nodemend.output).not.toBe(0);
      const last = out.nodemend.tasks.at(-1)!;
      expect(`${last.task}: ${last.status}`, out.nodemend.output.slice(-4000)).toBe(`${target.name} : ${stop.task}: failed`);
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
}
