/**
 * Differential tests: the same play through ansible-playbook (Debian's ansible-core 2.14)
 * and through nodemend's bundled CLI, against one fleet host, compared on what a user sees:
 * files (content, mode, owner, group), registered results and each task's changed flag.
 *
 *   const d = differential('node23', 'lines');          // one per test file; its host, a tag for paths
 *   const c = d.case('lineinfile adds a line', {
 *     tasks: `
 *       - name: add
 *         lineinfile: { path: "{{ dir }}/f", line: b }
 *         register: r`,
 *     files: { f: 'a\n' },                              // the case's directory before each tool runs
 *   });
 *   beforeAll(() => d.run(), 600_000);                  // every case, both tools, check/run/rerun
 *   it('same file', () => expect(c.nodemend.run.files).toEqual(c.ansible.run.files));
 *
 * What a case gets
 *   - `{{ dir }}`: a fresh directory per tool (/tmp/nmdiff-<tag>-<n>-ansible | -nodemend), filled
 *     from `files` before that tool's first run. In every result the directory (and its
 *     basename, for a value that must differ per tool) reads `<dir>`, so the tools' values compare equal; Ansible-style backup names (`f.<pid>.<date>@<time>~`) read
 *     `f.<backup>~`.
 *   - `paths`: absolute paths outside `dir` the case changes (/etc/sysctl.d/x.conf, /etc/passwd):
 *     their state is saved once, restored before each tool's runs and at the end, and reported in
 *     `files` under their absolute path (a path absent reads `{ type: 'absent' }`).
 *   - `controllerFiles`: files next to the playbook on the controller (templates/, files/, roles/).
 *   - `vars`, `handlers` (YAML text), `play` (more play-level YAML text, e.g. `become: false`).
 *
 * How it runs
 *   Each case is one play (`hosts: <host>`, `gather_facts: false`), all cases of a file in one
 *   playbook, so a file costs one ansible-playbook per mode (check = --check --diff on the fresh
 *   state, run, rerun), pipelining and ControlPersist on. Ansible runs first, then nodemend; the
 *   `paths` are restored in between. A task that fails removes the host from later plays in both
 *   tools: a case that expects a failure sets `ignore_errors: true` on it, or `failsHost: true` when the
 *   failed host is the point (then it is its file's last case and registers nothing). run() throws when a case
 *   did not reach its end in a tool, so a broken case fails every test instead of comparing nothing.
 *   It also throws when a real nodemend run or rerun reports a task (ok or changed, not debug/fail/
 *   assert, not forced into check mode by `check_mode:`) whose message says "would": a real run says
 *   what it did (each module's done message).
 *   Registered results come from a last `post_tasks` debug of every `register:` name found in the
 *   case's text (and its controller files) through `to_json`, so they are what `register:` holds in
 *   each tool. Changed flags come from nodemend's --json report and from a small Ansible callback
 *   plugin written here (Debian's ansible-core has no json callback).
 *   Ansible's modules outside ansible.builtin (ansible.posix.sysctl, community.general.*) come from
 *   Debian's `ansible` package (scripts/install.sh installs it).
 */
import { execFile } from 'node:child_process';
import { parse as parseYaml } from 'yaml';
import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { fleetHost, hostRoot, testFleet } from './fleet.js';
import { assertBuilt, runCli, workDir, writeInventory } from './cli.js';

export type Mode = 'check' | 'run' | 'rerun';
export const MODES: readonly Mode[] = ['check', 'run', 'rerun'];

/** A path's state as a user would compare it. Modes are 4-digit octal strings ("0644"). */
export type FileState =
  | { type: 'file'; content: string; mode: string; owner: string; group: string; nlink: number }
  | { type: 'dir'; mode: string; owner: string; group: string }
  | { type: 'link'; target: string }
  /** A fifo, a socket or a device: never opened (a fifo's open would wait for a writer). */
  | { type: 'fifo' | 'socket' | 'device'; mode: string; owner: string; group: string }
  | { type: 'absent' };

/** What a case's `files` puts in its directory: text, or a file / directory / symlink with attributes. */
export type FileSpec = string | { content?: string; dir?: true; link?: string; mode?: string; owner?: string; group?: string };

export interface CaseSpec {
  /** The play's tasks: YAML text of a list (indentation is normalised). `{{ dir }}` is the case's directory. */
  tasks: string;
  handlers?: string;
  /** More play-level YAML (e.g. `become: false` or `roles: [x]`). */
  play?: string;
  vars?: Record<string, unknown>;
  files?: Record<string, FileSpec>;
  paths?: string[];
  /** Text, or a symbolic link (`{ link: target }`) or an empty directory (`{ dir: true }`). */
  controllerFiles?: Record<string, string | { link: string } | { dir: true }>;
  /** The case's play gathers facts (`gather_facts: true`; by default it gathers none). */
  gatherFacts?: boolean;
  /**
   * Playbook entries (`- import_playbook: ...`) after the case's play, before its dump (needs `dumpInNextPlay`):
   * plays they import that are named as the case count as its own.
   */
  imports?: string;
  /** Dump the registered results from a second play of the same name (for cases that end their play early: meta end_play / end_host). */
  dumpInNextPlay?: boolean;
  /** The dump task's tags (default `[always]`; `[]` for a run under `--skip-tags tagged`, which skips `always` too). */
  dumpTags?: string[];
  /**
   * The case fails its host on purpose (not ignored): it never reaches its dump, so `registered` stays
   * empty and only tasks, files and output compare. A failed host leaves every later play, so such a
   * case must be its file's last (run() refuses otherwise).
   */
  failsHost?: boolean;
}

export interface TaskOutcome {
  name: string;
  status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
  changed: boolean;
  handler: boolean;
}

export interface ToolRun {
  /** The tool's exit code (one invocation runs every case of the file). */
  exitCode: number;
  /** The case's tasks in run order (loops: one entry per task), handlers included. */
  tasks: TaskOutcome[];
  /** Changed flag by task name (a loop: any item changed). */
  changed: Record<string, boolean>;
  /** Every registered variable of the case (null when never set). */
  registered: Record<string, any>;
  /** `{{ dir }}`'s entries by relative path, and `paths` by absolute path. */
  files: Record<string, FileState>;
  /** The tool's output, for failure messages. */
  output: string;
}

export type ToolOutcome = Record<Mode, ToolRun>;

export interface DifferentialCase {
  readonly name: string;
  readonly ansible: ToolOutcome;
  readonly nodemend: ToolOutcome;
}

type Tool = 'ansible' | 'nodemend';
const DUMP = 'differential: registered';

const CALLBACK = `# Records each task's outcome per host as JSON lines (written by test/setup/ansible-differential.ts).
import json, os
from ansible.plugins.callback import CallbackBase
from ansible.playbook.handler import Handler

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'nm_differential'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An ansible-playbook that a task of the recorded run starts (the copy target's no_log.yml) inherits this
        # environment, this callback with it: only the outermost run records.
        self._outer = 'NM_DIFFERENTIAL_OUTER' not in os.environ
        os.environ['NM_DIFFERENTIAL_OUTER'] = '1'

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def _log(self, result, status):
        if not self._outer:
            return
        r = result._result
        changed = bool(r.get('changed', False))
        if status == 'ok' and changed:
            status = 'changed'
        rec = {'play': self._play, 'task': result._task.get_name(), 'handler': isinstance(result._task, Handler),
               'status': status, 'changed': changed, 'msg': r.get('msg') if isinstance(r.get('msg'), str) else None}
        with open(os.environ['NM_DIFFERENTIAL_LOG'], 'a') as f:
            f.write(json.dumps(rec) + '\\n')

    def v2_runner_on_ok(self, result):
        self._log(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._log(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._log(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._log(result, 'unreachable')
`;

/** Remove the common leading indentation of a YAML block given in a template literal. */
function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, '')
    .replace(/\s+$/, '')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
const indent = (text: string, n: number): string =>
  dedent(text)
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

/** uid/gid → name maps from the host's own /etc/passwd and /etc/group. */
export function idNames(root: string, file: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length > 2) m.set(Number(f[2]), f[0]);
  }
  return m;
}
function nameId(root: string, file: string, name: string): number {
  for (const [id, n] of idNames(root, file)) if (n === name) return id;
  throw new Error(`no ${file} entry "${name}" on the host`);
}

export const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');
const BACKUP = /\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~/g;

/** A path's state on the host, read on the controller through the host's root. */
function stateOf(root: string, abs: string, users: Map<number, string>, groups: Map<number, string>): FileState {
  let st;
  try {
    st = lstatSync(join(root, abs));
  } catch {
    return { type: 'absent' };
  }
  const owner = users.get(st.uid) ?? String(st.uid);
  const group = groups.get(st.gid) ?? String(st.gid);
  if (st.isSymbolicLink()) return { type: 'link', target: readlinkSync(join(root, abs)) };
  if (st.isDirectory()) return { type: 'dir', mode: octal(st.mode), owner, group };
  if (!st.isFile()) return { type: st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : 'device', mode: octal(st.mode), owner, group };
  return { type: 'file', content: readFileSync(join(root, abs), 'utf8'), mode: octal(st.mode), owner, group, nlink: st.nlink };
}

/** Every entry under `abs` (not itself), by path relative to it. */
function treeOf(root: string, abs: string, users: Map<number, string>, groups: Map<number, string>): Record<string, FileState> {
  const out: Record<string, FileState> = {};
  const walk = (rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(root, abs, rel)).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const s = stateOf(root, `${abs}/${r}`, users, groups);
      out[r] = s;
      if (s.type === 'dir') walk(r);
    }
  };
  walk('');
  return backupsInOrder(out, (r) => lstatSync(join(root, abs, r), { bigint: true }).ctimeNs);
}

/** A backup's name as either tool makes it: Ansible FILE.PID.DATE@TIME~, nodemend FILE.YYYYMMDDTHHMMSS[.PID]~ (remote-file.ts BACKUP_FN). */
const ANY_BACKUP = /^(.*?)(?:\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d|\.\d{8}T\d{6}(?:\.\d+)?)~$/;

/**
 * Backups renamed by age, so both tools' names compare: a file's newest backup is
 * FILE.<backup>~, older ones FILE.<backup-1>~ (oldest), FILE.<backup-2>~... Sorting by name
 * would not do: two backups in one second sort by PID in Ansible's names and before the
 * first in nodemend's, so which one a rerun's snapshot showed was chance.
 */
function backupsInOrder(tree: Record<string, FileState>, ctimeNs: (rel: string) => bigint): Record<string, FileState> {
  const byFile = new Map<string, { rel: string; at: bigint }[]>();
  for (const rel of Object.keys(tree)) {
    const m = ANY_BACKUP.exec(rel);
    if (m) byFile.set(m[1], [...(byFile.get(m[1]) ?? []), { rel, at: ctimeNs(rel) }]);
  }
  const renamed = new Map<string, string>();
  for (const [file, list] of byFile) {
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    list.forEach((b, i) => renamed.set(b.rel, i === list.length - 1 ? `${file}.<backup>~` : `${file}.<backup-${i + 1}>~`));
  }
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [renamed.get(k) ?? k, v]));
}

/** A saved path (file, dir tree or absence), restorable byte for byte with modes and owners. */
interface Saved {
  abs: string;
  entries: { rel: string; st: NonNullable<ReturnType<typeof lstatSync>>; data?: Buffer; target?: string }[];
}
function save(root: string, abs: string): Saved {
  const saved: Saved = { abs, entries: [] };
  const walk = (rel: string): void => {
    const p = join(root, abs, rel);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    const e: Saved['entries'][number] = { rel, st };
    if (st.isSymbolicLink()) e.target = readlinkSync(p);
    else if (st.isFile()) e.data = readFileSync(p);
    saved.entries.push(e);
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) walk(rel ? `${rel}/${n}` : n);
  };
  walk('');
  return saved;
}
function restore(root: string, s: Saved): void {
  const top = join(root, s.abs);
  const first = s.entries[0];
  // A file kept in place (not replaced) keeps its inode, as /etc/passwd's would.
  if (first?.data && s.entries.length === 1 && lstatSync(top, { throwIfNoEntry: false })?.isFile()) {
    writeFileSync(top, first.data);
  } else {
    rmSync(top, { recursive: true, force: true });
    for (const e of s.entries) {
      const p = join(top, e.rel);
      if (e.target !== undefined) symlinkSync(e.target, p);
      else if (e.data) writeFileSync(p, e.data);
      else mkdirSync(p);
    }
  }
  for (const e of s.entries) {
    if (e.target !== undefined) continue;
    const p = join(top, e.rel);
    chownSync(p, Number(e.st.uid), Number(e.st.gid));
    chmodSync(p, Number(e.st.mode) & 0o7777);
  }
}

/** `{{ dir }}` filled from a case's `files`. */
function fill(root: string, dir: string, files: Record<string, FileSpec>): void {
  const top = join(root, dir);
  rmSync(top, { recursive: true, force: true });
  mkdirSync(top, { recursive: true, mode: 0o755 });
  chmodSync(top, 0o755);
  for (const [rel, spec] of Object.entries(files)) {
    const p = join(top, rel);
    const s = typeof spec === 'string' ? { content: spec } : spec;
    mkdirSync(dirname(p), { recursive: true });
    if (s.link !== undefined) {
      symlinkSync(s.link, p);
      continue;
    }
    if (s.dir) mkdirSync(p, { recursive: true });
    else writeFileSync(p, s.content ?? '');
    chmodSync(p, parseInt(s.mode ?? (s.dir ? '0755' : '0644'), 8));
    chownSync(p, s.owner ? nameId(root, 'etc/passwd', s.owner) : 0, s.group ? nameId(root, 'etc/group', s.group) : 0);
  }
}

/** Replace the tool's own paths with placeholders, deep, so both tools' values compare equal. */
function normalise<T>(v: T, dir: string): T {
  const base = dir.slice(dir.lastIndexOf('/') + 1);
  const fix = (s: string): string => s.split(dir).join('<dir>').split(base).join('<dir>').replace(BACKUP, '.<backup>~');
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return fix(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [fix(k), walk(y)]));
    return x;
  };
  return walk(v) as T;
}

/** `register: name` in the case's text and controller files (their YAML is not parsed: tags such as !unsafe stay as written). */
function registerNames(spec: CaseSpec): string[] {
  const texts = [spec.tasks, spec.handlers ?? '', ...Object.values(spec.controllerFiles ?? {}).filter((t) => typeof t === 'string')];
  const names = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/^\s*(?:-\s+)?register:\s*["']?([A-Za-z_]\w*)/gm)) names.add(m[1]);
  return [...names];
}

interface CaseState {
  name: string;
  spec: CaseSpec;
  index: number;
  outcome: Partial<Record<Tool, Partial<ToolOutcome>>>;
}

export interface RawTask {
  play: string;
  task: string;
  status: TaskOutcome['status'];
  changed: boolean;
  handler: boolean;
  msg?: string | null;
}

export class Differential {
  private cases: CaseState[] = [];
  private ran = false;
  /** Runs before each tool's first run, before `paths` are restored (re-plant host state that `paths` cannot hold, such as dpkg's). */
  beforeTool?: (tool: Tool) => Promise<void>;

  constructor(
    readonly host: string,
    readonly tag: string,
    readonly modes: readonly Mode[] = MODES,
    /** More command-line arguments for both tools (a flag both spell alike, e.g. --force-handlers). */
    readonly extraArgs: readonly string[] = [],
    readonly inventory: DiffInventory = {},
  ) {}

  case(name: string, spec: CaseSpec): DifferentialCase {
    if (this.cases.some((c) => c.name === name)) throw new Error(`duplicate differential case "${name}"`);
    const c: CaseState = { name, spec, index: this.cases.length + 1, outcome: {} };
    this.cases.push(c);
    const get = (tool: Tool): ToolOutcome => {
      if (!this.ran) throw new Error('differential: run() has not been called (call it in beforeAll)');
      return c.outcome[tool] as ToolOutcome;
    };
    return {
      name,
      get ansible() {
        return get('ansible');
      },
      get nodemend() {
        return get('nodemend');
      },
    };
  }

  dirOf(c: CaseState, tool: Tool): string {
    return `/tmp/nmdiff-${this.tag}-${c.index}-${tool}`;
  }

  private playbook(tool: Tool): string {
    const plays = this.cases.map((c) => {
      const vars = { ...(c.spec.vars ?? {}), dir: this.dirOf(c, tool) };
      const regs = registerNames(c.spec);
      const dump = `{{ { ${regs.map((r) => `'${r}': ${r} | default(none)`).join(', ')} } | to_json }}`;
      const lines = [`- name: ${JSON.stringify(c.name)}`, `  hosts: ${this.host}`, `  gather_facts: ${c.spec.gatherFacts === true}`, `  vars: ${JSON.stringify(vars)}`];
      if (c.spec.play) lines.push(indent(c.spec.play, 2));
      lines.push('  tasks:', indent(c.spec.tasks, 4));
      if (c.spec.handlers) lines.push('  handlers:', indent(c.spec.handlers, 4));
      if (c.spec.imports) lines.push(dedent(c.spec.imports));
      if (c.spec.dumpInNextPlay) lines.push(`- name: ${JSON.stringify(c.name)}`, `  hosts: ${this.host}`, '  gather_facts: false', '  tasks:');
      else lines.push('  post_tasks:');
      // Tagged always so a case run under --tags/--skip-tags still reaches its dump.
      const dumpTags = c.spec.dumpTags ?? ['always'];
      lines.push(`    - name: ${JSON.stringify(DUMP)}`, ...(dumpTags.length ? [`      tags: ${JSON.stringify(dumpTags)}`] : []), '      debug:', `        msg: ${JSON.stringify(dump)}`);
      return lines.join('\n');
    });
    return plays.join('\n') + '\n';
  }

  /** Runs every case through both tools in every mode. Call once, in beforeAll. */
  async run(): Promise<void> {
    assertBuilt();
    if (this.cases.slice(0, -1).some((c) => c.spec.failsHost)) throw new Error('differential: a case that fails its host must be the last one (the host leaves later plays)');
    const root = hostRoot(this.host);
    const saved = new Map<string, Saved>();
    for (const c of this.cases) for (const p of c.spec.paths ?? []) if (!saved.has(p)) saved.set(p, save(root, p));
    const users = (): Map<number, string> => idNames(root, 'etc/passwd');
    const groups = (): Map<number, string> => idNames(root, 'etc/group');

    try {
      for (const tool of ['ansible', 'nodemend'] as Tool[]) {
        await this.beforeTool?.(tool);
        for (const s of saved.values()) restore(root, s);
        for (const c of this.cases) fill(root, this.dirOf(c, tool), c.spec.files ?? {});
        const work = workDir(`diff-${this.tag}-${tool}`);
        writeFileSync(join(work, 'playbook.yaml'), this.playbook(tool));
        for (const c of this.cases) {
          for (const [rel, text] of Object.entries(c.spec.controllerFiles ?? {})) {
            mkdirSync(dirname(join(work, rel)), { recursive: true });
            if (typeof text === 'string') writeFileSync(join(work, rel), text);
            else if ('link' in text) symlinkSync(text.link, join(work, rel));
            else mkdirSync(join(work, rel), { recursive: true });
          }
        }
        const runner = tool === 'ansible' ? new AnsibleRunner(work, this.host, this.extraArgs, this.inventory) : new NodemendRunner(work, this.host, this.extraArgs, this.inventory);
        try {
          for (const mode of this.modes) {
            const { exitCode, output, tasks } = await runner.run(mode);
            const u = users();
            const g = groups();
            for (const c of this.cases) {
              const dir = this.dirOf(c, tool);
              const mine = tasks.filter((t) => t.play === c.name);
              const dump = mine.find((t) => t.task === DUMP);
              let registered: Record<string, unknown> = {};
              if (dump && c.spec.failsHost) throw new Error(`differential: case "${c.name}" should fail its host but reached its end in ${tool} (${mode})`);
              if (dump?.msg) registered = JSON.parse(dump.msg) as Record<string, unknown>;
              const outcome = mine.filter((t) => t !== dump).map((t): TaskOutcome => ({ name: t.task, status: t.status, changed: t.changed, handler: t.handler }));
              const files: Record<string, FileState> = treeOf(root, dir, u, g);
              for (const p of c.spec.paths ?? []) files[p] = stateOf(root, p, u, g);
              const run: ToolRun = {
                exitCode,
                tasks: outcome,
                changed: Object.fromEntries(outcome.map((t) => [t.name, t.changed])),
                registered: normalise(registered, dir),
                files: normalise(files, dir),
                output,
              };
              if (!dump && !c.spec.failsHost) throw new Error(`differential: case "${c.name}" did not reach its last task in ${tool} (${mode}, exit ${exitCode}):\n${output.slice(-4000)}`);
              (c.outcome[tool] ??= {})[mode] = run;
            }
          }
        } finally {
          runner.close();
        }
      }
    } finally {
      for (const s of saved.values()) restore(root, s);
    }
    this.ran = true;
  }
}

/**
 * Documented differences (README "Choices...") a case passes to sameKeys' `allow` where it meets them.
 * COPY_CHECK: copy/template from the controller, --check of a change: nodemend registers the file it would
 * write (2.14's action: `changed` and `diff` alone). NO_UPLOAD_SRC: copy/assemble from the controller
 * register no `src` (2.14's names the temp file it uploaded). EXCEPTION: 2.14's Python traceback on a failure.
 */
export const COPY_CHECK = ['checksum', 'dest', 'md5sum', 'size', 'src'] as const;
export const NO_UPLOAD_SRC = ['src'] as const;
export const EXCEPTION = ['exception'] as const;

/**
 * Ansible's value of each of `keys` that Ansible registered, beside nodemend's, as a pair to compare
 * with toEqual: `failed` always (both tools register it on every task result, a skip aside); another
 * key only when Ansible's result has it (nodemend registers a `msg` on success too, which Ansible's
 * modules often do not). `allow`: keys left out, each a documented difference (README "Choices...").
 */
export function sameKeys(
  n: Record<string, unknown> | null | undefined,
  a: Record<string, unknown> | null | undefined,
  keys: string[],
  allow: readonly string[] = [],
): [Record<string, unknown>, Record<string, unknown>] {
  const present = keys.filter((k) => !allow.includes(k) && (k === 'failed' || (a != null && k in a)));
  return [Object.fromEntries(present.map((k) => [k, n?.[k]])), Object.fromEntries(present.map((k) => [k, a?.[k]]))];
}

/** One differential suite per test file: its fleet host and a tag that keeps its paths unique. */
export function differential(host: string, tag: string, modes: readonly Mode[] = MODES, extraArgs: readonly string[] = [], inventory: DiffInventory = {}): Differential {
  fleetHost(host);
  return new Differential(host, tag, modes, extraArgs, inventory);
}

/**
 * Both tools' inventory for the host: by default become on (Ansible: the host variable
 * `ansible_become: true`; nodemend: `connection: become: true`, the same variable to its tasks,
 * outranking a play's or task's `become:` keyword in both). `become: false` leaves it out of both;
 * `hostVars` are the host's inventory variables in both. `user: false` sets no login user (Ansible's
 * `ansible_user: ops`, nodemend's `user: ops`): both log in as the local user, or a `remote_user:` keyword's.
 */
export interface DiffInventory {
  become?: boolean;
  user?: false;
  hostVars?: Record<string, unknown>;
}

export interface Runner {
  run(mode: Mode): Promise<{ exitCode: number; output: string; tasks: RawTask[] }>;
  close(): void;
}

/** Modules whose message is the play's own text (debug's msg), not the module's wording. */
const USER_TEXT = /(^|\.)(debug|fail|assert)$/;

/** Names of the playbook's tasks that run in check mode in a real run too (`check_mode:` other than false on them or a block around them). */
function forcedCheckTasks(playbook: string): Set<string> {
  const names = new Set<string>();
  const walk = (items: unknown, forced: boolean): void => {
    if (!Array.isArray(items)) return;
    for (const t of items as Record<string, unknown>[]) {
      if (!t || typeof t !== 'object') continue;
      const f = t.check_mode === undefined ? forced : t.check_mode !== false;
      if (f && typeof t.name === 'string') names.add(t.name);
      for (const k of ['block', 'rescue', 'always']) walk(t[k], f);
    }
  };
  let plays: Record<string, unknown>[] = [];
  try {
    plays = (parseYaml(playbook) ?? []) as Record<string, unknown>[];
  } catch {
    // a playbook the yaml package cannot read: its tasks are checked as not forced
  }
  for (const play of Array.isArray(plays) ? plays : []) {
    for (const k of ['pre_tasks', 'tasks', 'post_tasks', 'handlers']) walk(play[k], play.check_mode !== undefined && play.check_mode !== false);
  }
  return names;
}

/** forcedCheckTasks of every task file of the work dir's roles (roles/NAME/tasks/*.yml): reported as "NAME : title". */
function forcedRoleTasks(work: string): Set<string> {
  const names = new Set<string>();
  const roles = join(work, 'roles');
  for (const role of existsSync(roles) ? readdirSync(roles) : []) {
    const dir = join(roles, role, 'tasks');
    for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)) : []) {
      for (const n of forcedCheckTasks(`- tasks:\n${readFileSync(join(dir, f), 'utf8').replace(/^/gm, '    ')}`)) names.add(`${role} : ${n}`);
    }
  }
  return names;
}

/**
 * An extra argument for `differential()` that neither tool gets: the run and rerun go without `--diff`
 * (a task's `diff:` keyword alone turns diff mode on), the check keeps `--check --diff`.
 */
export const NO_DIFF = '(run without --diff)';

export const modeArgs = (mode: Mode, extra: readonly string[] = []): string[] => {
  const args = [...(mode === 'check' ? ['--check', '--diff'] : extra.includes(NO_DIFF) ? [] : ['--diff']), ...extra];
  return args.filter((a) => a !== NO_DIFF);
};

export class NodemendRunner implements Runner {
  private inventory: string;
  constructor(
    private work: string,
    host: string,
    private extraArgs: readonly string[] = [],
    inv: DiffInventory = {},
  ) {
    this.inventory = writeInventory(work, [host], { become: inv.become, hostVars: inv.hostVars, user: inv.user });
  }
  async run(mode: Mode) {
    const json = join(this.work, `report-${mode}.json`);
    const r = await runCli(['run', join(this.work, 'playbook.yaml'), '-i', this.inventory, '--json', json, ...modeArgs(mode, this.extraArgs)]);
    let tasks: RawTask[] = [];
    if (existsSync(json)) {
      const report = JSON.parse(readFileSync(json, 'utf8')) as {
        hosts: Record<string, { tasks: { play: string; task: string; module: string; status: RawTask['status']; changed: boolean; handler?: true; msg?: string; item?: unknown }[] }>;
      };
      // A real run reports what it did, never what it would do (a module's done message): every module of every case.
      if (mode !== 'check') {
        const forced = new Set([...forcedCheckTasks(readFileSync(join(this.work, 'playbook.yaml'), 'utf8')), ...forcedRoleTasks(this.work)]);
        const said = Object.values(report.hosts)
          .flatMap((h) => h.tasks)
          .filter((t) => (t.status === 'ok' || t.status === 'changed') && !USER_TEXT.test(t.module) && !forced.has(t.task) && /\bwould\b/.test(t.msg ?? ''));
        if (said.length) throw new Error(`differential: nodemend's ${mode} says "would":\n${said.map((t) => `${t.task} (${t.module}): ${t.msg}`).join('\n')}`);
      }
      const merged = new Map<string, RawTask>();
      tasks = [];
      for (const h of Object.values(report.hosts)) {
        let lastKey: string | undefined;
        for (const t of h.tasks) {
          // One entry per loop item in nodemend's report; Ansible reports the task once (a later task of the same name is its own).
          const key = `${t.play}\0${t.task}\0${t.handler ? 1 : 0}`;
          const prev = t.item !== undefined && key === lastKey ? merged.get(key) : undefined;
          lastKey = key;
          if (prev) {
            prev.changed ||= t.changed;
            prev.status = aggregate(prev.status, t.status, prev.changed);
            continue;
          }
          const raw: RawTask = { play: t.play, task: t.task, status: t.status, changed: t.changed, handler: !!t.handler, msg: t.msg };
          if (t.item !== undefined) merged.set(key, raw);
          tasks.push(raw);
        }
      }
    }
    return { exitCode: r.code, output: r.stdout + r.stderr, tasks };
  }
  close(): void {}
}

/** A loop's status over its items, as Ansible reports the task: failed wins, then changed, then ok; all skipped is skipped. */
function aggregate(a: RawTask['status'], b: RawTask['status'], changed: boolean): RawTask['status'] {
  if (a === 'failed' || b === 'failed') return 'failed';
  if (a === 'skipped' && b === 'skipped') return 'skipped';
  return changed ? 'changed' : 'ok';
}

export class AnsibleRunner implements Runner {
  private env: NodeJS.ProcessEnv;
  private inventory: string;
  constructor(
    private work: string,
    host: string,
    private extraArgs: readonly string[] = [],
    inv: DiffInventory = {},
  ) {
    const f = testFleet();
    const h = fleetHost(host);
    mkdirSync(join(work, 'callback_plugins'), { recursive: true });
    writeFileSync(join(work, 'callback_plugins', 'nm_differential.py'), CALLBACK);
    this.env = {
      ...ansibleSetup(join(work, 'ansible'), 1, f.knownHosts),
      ANSIBLE_CALLBACK_PLUGINS: join(work, 'callback_plugins'),
      ANSIBLE_CALLBACKS_ENABLED: 'nm_differential',
    };
    this.inventory = join(work, 'ansible-inventory.yaml');
    const vars = {
      ansible_host: '127.0.0.1',
      ansible_port: h.port,
      ...(inv.user === false ? {} : { ansible_user: 'ops' }),
      ansible_ssh_private_key_file: f.key,
      ...(inv.become === false ? {} : { ansible_become: true }),
      ansible_python_interpreter: '/usr/bin/python3',
      ...inv.hostVars,
    };
    writeFileSync(this.inventory, JSON.stringify({ all: { hosts: { [host]: vars } } }));
  }
  run(mode: Mode): Promise<{ exitCode: number; output: string; tasks: RawTask[] }> {
    const log = join(this.work, `ansible-${mode}.jsonl`);
    return new Promise((res) => {
      execFile(
        'ansible-playbook',
        ['-i', this.inventory, join(this.work, 'playbook.yaml'), ...modeArgs(mode, this.extraArgs)],
        { cwd: this.work, env: { ...this.env, NM_DIFFERENTIAL_LOG: log }, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          const tasks = existsSync(log)
            ? readFileSync(log, 'utf8')
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l) as RawTask)
            : [];
          res({ exitCode: code, output: stdout + stderr, tasks });
        },
      );
    });
  }
  close(): void {
    stopSshMasters(join(this.work, 'ansible', 'cp'));
  }
}
