/**
 * command: run a program on the host WITHOUT a shell. The command line is split
 * the way Ansible does (Python shlex, POSIX rules) and every word is quoted, so
 * `;`, `|`, `>`, globs and `$(...)` are plain characters. Like Ansible (2.14's run_command:
 * os.path.expanduser(os.path.expandvars(word)) for each argv word), `$VAR` and a leading `~`
 * are expanded from the host's environment by src/modules/lib/expand-path.ts, the rule every
 * path argument uses; nothing else is.
 *
 * This file also holds what `shell` shares: inline `key=value` options, the
 * creates/removes check, and running + reporting (rc, stdout, start/end/delta).
 */
import { noteBasis } from '../plan/basis.js';
import { z } from 'zod';
import { posix } from 'node:path';
import { defineModule, ModuleFailure, type ModuleContext, type Plan } from './types.js';
import { fileWouldExist, parentWillExist, planFileCreation } from './lib/planned-paths.js';
import { quote, raw, sh, type Raw } from '../transport/quote.js';
import { expandPaths } from './lib/expand-path.js';

const flag = z.union([z.boolean(), z.stringbool()]);

/** Python's shlex.split (posix, no comments): what Ansible's command module does to a string. */
export function shlexSplit(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | '' = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = '';
      else if (c === '\\') {
        if (i + 1 >= s.length) throw new Error('No escaped character');
        const n = s[++i];
        // Inside double quotes only \" and \\ are escapes; other backslashes stay.
        word += n === '"' || n === '\\' ? n : `\\${n}`;
      } else word += c;
    } else if (/[ \t\r\n]/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') {
        if (i + 1 >= s.length) throw new Error('No escaped character');
        word += s[++i];
      } else word += c;
    }
  }
  if (quote) throw new Error('No closing quotation');
  if (inWord) words.push(word);
  return words;
}

/**
 * One shell word for `value`: literal text single-quoted; with `glob`, `*`, `?` and simple
 * `[abc]` classes stay active (creates/removes). Only those whitelisted shapes are emitted
 * unquoted, so no other shell syntax can slip in.
 */
export function shellWord(value: string, opts: { glob?: boolean } = {}): Raw {
  let out = '';
  let lit = '';
  const flush = (): void => {
    if (lit) out += quote(lit);
    lit = '';
  };
  let i = 0;
  while (i < value.length) {
    const g = opts.glob ? /^(?:\*|\?|\[!?[A-Za-z0-9._-]+\])/.exec(value.slice(i)) : null;
    if (g) {
      flush();
      out += g[0];
      i += g[0].length;
    } else lit += value[i++];
  }
  flush();
  return raw(out || "''");
}

/**
 * Ansible lets free-form command lines carry these options as `key=value` words
 * (`command: make install chdir=/src creates=/usr/bin/x`). Every other word stays in
 * the command. Options given as real arguments win.
 */
export function extractInlineOptions(cmd: string, keys: readonly string[]): { cmd: string; options: Record<string, string> } {
  const options: Record<string, string> = {};
  let kept = '';
  let i = 0;
  while (i < cmd.length) {
    const ws = /^\s*/.exec(cmd.slice(i))![0];
    let j = i + ws.length;
    let q = '';
    while (j < cmd.length && (q || !/\s/.test(cmd[j]))) {
      const c = cmd[j];
      if (q) {
        if (c === '\\' && q === '"') j++;
        else if (c === q) q = '';
      } else if (c === '\\') j++;
      else if (c === "'" || c === '"') q = c;
      j++;
    }
    const word = cmd.slice(i + ws.length, j);
    const m = /^([a-z_]+)=([\s\S]*)$/.exec(word);
    if (m && keys.includes(m[1])) options[m[1]] = unquoteValue(m[2]);
    else kept += ws + word;
    i = j;
  }
  return { cmd: kept.trim(), options };
}

function unquoteValue(v: string): string {
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0] ? v.slice(1, -1) : v;
}

/** Options both command and shell take, and their inline (`key=value`) spelling. */
export const commonShape = {
  creates: z.string().optional(),
  removes: z.string().optional(),
  chdir: z.string().optional(),
  stdin: z.string().optional(),
  stdin_add_newline: flag.default(true),
  strip_empty_ends: flag.default(true),
};
export const COMMON_INLINE_KEYS = ['creates', 'removes', 'chdir', 'stdin', 'stdin_add_newline', 'strip_empty_ends'] as const;

/** zod preprocess: move inline `key=value` options out of a string `cmd`. */
export function withInlineOptions(keys: readonly string[]) {
  return (input: unknown): unknown => {
    if (!input || typeof input !== 'object' || typeof (input as { cmd?: unknown }).cmd !== 'string') return input;
    const args = input as Record<string, unknown>;
    const { cmd, options } = extractInlineOptions(args.cmd as string, keys);
    return { ...options, ...args, cmd };
  };
}

interface CommonArgs {
  creates?: string;
  removes?: string;
  chdir?: string;
  stdin?: string;
  stdin_add_newline: boolean;
  strip_empty_ends: boolean;
}

const CHDIR_FAILED = '__NODEMEND_CHDIR_FAILED__';

function chdirPrefix(chdir: string | undefined): Raw {
  if (!chdir) return raw('');
  return sh`cd ${chdir} 2>/dev/null || { echo ${CHDIR_FAILED} >&2; exit 1; }
`;
}

function chdirFailure(args: CommonArgs, cmd: unknown): ModuleFailure {
  return new ModuleFailure(`Unable to change directory before execution: ${args.chdir}: no such directory or not accessible`, { cmd, rc: 1 });
}

/** Python's str.splitlines() for output that has no trailing newline left. */
function lines(s: string): string[] {
  if (s === '') return [];
  const l = s.split(/\r\n|\r|\n/);
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** Python's str(datetime) and str(timedelta), the formats Ansible registers. */
function stamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}
function delta(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms % 1000 ? `.${String((ms % 1000) * 1000).padStart(6, '0')}` : '';
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}${frac}`;
}

/**
 * The plan both modules share: `creates`/`removes` decide in one exec (in `chdir`, globs
 * allowed, as Ansible); otherwise the command would run. `program` is the shell text that
 * runs it (already quoted); `cmd` is what gets registered.
 */
export async function planCommand(args: CommonArgs, ctx: ModuleContext, program: Raw, cmd: unknown, shown: string): Promise<Plan> {
  if (args.creates || args.removes) {
    const test = (p: string): Raw => sh`set -- ${shellWord(p, { glob: true })}; { [ -e "$1" ] || [ -L "$1" ]; } && echo yes || echo no`;
    const script = sh`${chdirPrefix(args.chdir)}${args.creates ? test(args.creates) : raw('echo -')}; ${args.removes ? test(args.removes) : raw('echo -')}`;
    const res = await ctx.conn.exec(script);
    if (res.stderr.includes(CHDIR_FAILED)) {
      // --check: the directory is made by an earlier task, so nothing in it exists yet.
      if (args.chdir && parentWillExist(ctx, `${args.chdir}/x`, false)) {
        if (args.removes) return { changed: false, msg: `skipped, since ${args.removes} would not exist`, result: { cmd } };
        if (args.creates) planFileCreation(ctx, posix.isAbsolute(args.creates) ? args.creates : posix.join(args.chdir, args.creates));
        return { changed: true, msg: `would run: ${shown} (in ${args.chdir}, which an earlier task would create)`, result: { cmd } };
      }
      throw chdirFailure(args, cmd);
    }
    if (res.rc !== 0) throw new ModuleFailure(`cannot check creates/removes: ${res.stderr.trim() || `rc ${res.rc}`}`, { cmd });
    const [created, removable] = res.stdout.trim().split('\n');
    if (args.creates) noteBasis(ctx.conn, `creates ${args.creates}`, created === 'yes' ? 'exists' : 'absent');
    if (args.removes) noteBasis(ctx.conn, `removes ${args.removes}`, removable === 'yes' ? 'exists' : 'absent');
    const skipped = { rc: 0, cmd, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] };
    if (args.creates && created === 'yes') return { changed: false, msg: `skipped, since ${args.creates} exists`, result: skipped };
    // --check: an earlier task (the same creates:, a copy...) would have made it.
    const createsPath = args.creates && (args.chdir && !posix.isAbsolute(args.creates) ? posix.join(args.chdir, args.creates) : args.creates);
    if (createsPath && fileWouldExist(ctx, createsPath)) return { changed: false, msg: `skipped, since ${args.creates} would exist`, result: skipped };
    if (args.removes && removable === 'no') return { changed: false, msg: `skipped, since ${args.removes} does not exist`, result: skipped };
  }
  // In check mode later tasks may plan against what this command would create.
  if (args.creates) planFileCreation(ctx, args.chdir && !posix.isAbsolute(args.creates) ? posix.join(args.chdir, args.creates) : args.creates);
  return {
    changed: true,
    msg: `would run: ${shown}`,
    done: `ran: ${shown}`,
    result: { cmd },
    // What 2.14's command module registers when check mode stops it (r's initial values, rc 0).
    checkResult: { rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], start: null, end: null, delta: null },
    apply: () => runProgram(args, ctx, program, cmd),
  };
}

async function runProgram(args: CommonArgs, ctx: ModuleContext, program: Raw, cmd: unknown): Promise<Record<string, unknown>> {
  const stdin = args.stdin === undefined ? undefined : args.stdin + (args.stdin_add_newline ? '\n' : '');
  const start = new Date();
  const res = await ctx.conn.exec(sh`${chdirPrefix(args.chdir)}${program}`, { stdin, timeoutSec: ctx.timeoutSec });
  const end = new Date();
  if (res.rc === 1 && res.stderr.includes(CHDIR_FAILED)) throw chdirFailure(args, cmd);
  const strip = (s: string): string => (args.strip_empty_ends ? s.replace(/[\r\n]+$/, '') : s);
  const stdout = strip(res.stdout);
  const stderr = strip(res.stderr);
  const result = {
    msg: '',
    cmd,
    rc: res.rc,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    start: stamp(start),
    end: stamp(end),
    delta: delta(end.getTime() - start.getTime()),
  };
  // The command ran, so its failure registers changed=true, as Ansible's command module does.
  const { msg: _ok, ...ran } = result;
  const fields = { ...ran, changed: true };
  if (res.timedOut) throw new ModuleFailure(`command timed out after ${ctx.timeoutSec} seconds`, fields);
  if (res.rc !== 0) throw new ModuleFailure('non-zero return code', fields);
  return result;
}

export const schema = z.preprocess(
  withInlineOptions([...COMMON_INLINE_KEYS, 'expand_argument_vars']),
  z
    .strictObject({
      cmd: z.string().optional(),
      argv: z.array(z.coerce.string()).min(1).optional(),
      expand_argument_vars: flag.default(true),
      ...commonShape,
    })
    .refine((a) => !(a.cmd && a.argv), { message: 'only command or argv can be given, not both' })
    .refine((a) => (a.cmd !== undefined && a.cmd.trim() !== '') || a.argv, { message: 'no command given' }),
);

export default defineModule({
  name: 'command',
  pathArgs: ['chdir', 'creates', 'removes'],
  description: 'Run a program on the host without a shell (argv quoted word by word); creates/removes for idempotency',
  schema,
  freeForm: 'cmd',
  async plan(args, ctx) {
    let argv: string[];
    try {
      argv = args.argv ?? shlexSplit(args.cmd!);
    } catch (e) {
      throw new ModuleFailure(`cannot split the command line: ${(e as Error).message}`, { cmd: args.cmd });
    }
    const words = args.expand_argument_vars ? (await expandPaths(ctx, { argv }, ['argv'])).argv : argv;
    return planCommand(args, ctx, sh`exec ${words}`, argv, args.cmd ?? argv.map((w) => quote(w)).join(' '));
  },
});
