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

const EXEC_FAILED = '__NODEMEND_EXEC_FAILED__';
const STRERROR: Record<string, string> = { '2': 'No such file or directory', '8': 'Exec format error', '13': 'Permission denied', '20': 'Not a directory' };

/**
 * command runs its argv with Popen (execvp, no shell): a program that cannot be executed fails with the
 * OSError's errno as rc and nothing run (module_utils/basic.py run_command). The same search in sh, in the
 * script's own directory and PATH, before `exec`: the first candidate that exists and is executable runs;
 * else the first error that is not ENOENT/ENOTDIR (EACCES: a directory or no x bit), else ENOENT
 * (a path whose parent is not a directory: ENOTDIR). The one found must be a format the kernel execs
 * (`#!` or ELF; execve's ENOEXEC, 8, otherwise: sh's `exec` would run such a file as a shell script,
 * Popen fails; a file we may not read is left to exec). Printed as a marker on stderr, exit 1.
 */
function execCheck(arg0: string): Raw {
  // Builtins only, no subshell: each command pays for no extra process (dd|tr in $( ) cost four per
  // command on every host). dash's `read` drops NUL bytes, so the first line of an ELF still starts
  // with its magic; it reads one byte per syscall, up to the first newline (~4 KB into an ELF).
  return sh`nm_fmt() { nm_e=0; if [ -r "$1" ]; then nm_l=; IFS= read -r nm_l < "$1"; case $nm_l in ('#!'*|'\x7fELF'*) ;; (*) nm_e=8 ;; esac; fi; }
p=${arg0}; case $p in
(*/*) if [ -d "$p" ]; then nm_e=13; elif [ -e "$p" ]; then if [ -x "$p" ]; then nm_fmt "$p"; else nm_e=13; fi; elif [ -e "\${p%/*}" ] && ! [ -d "\${p%/*}" ]; then nm_e=20; else nm_e=2; fi ;;
(*) nm_e=2; set -f; IFS=:; for d in \${PATH-/bin:/usr/bin}; do f=\${d:+$d/}$p; if [ -d "$f" ] || { [ -e "$f" ] && ! [ -x "$f" ]; }; then if [ $nm_e = 2 ]; then nm_e=13; fi; elif [ -e "$f" ]; then nm_e=0; break; fi; done; unset IFS; set +f; if [ $nm_e = 0 ]; then nm_fmt "$f"; fi ;;
esac
[ "$nm_e" = 0 ] || { echo ${EXEC_FAILED}"$nm_e" >&2; exit 1; }
`;
}

/** Python's repr() of the UTF-8 bytes of `s` (b'...'), as an OSError names its file. */
export function pyBytesRepr(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  const q = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (String.fromCharCode(b) === q) out += `\\${q}`;
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `b${q}${out}${q}`;
}

/**
 * run_command's printable command line (_clean_args): each word shell-quoted as shlex.quote does, a
 * `--password=x` word's value and the word after a bare `--password`/`-pass`... masked (PASSWD_ARG_RE).
 */
export function cleanArgs(argv: readonly string[]): string {
  let masked = false;
  const words = argv.map((a) => {
    if (masked) {
      masked = false;
      return '********';
    }
    if (/^-{0,2}pass-?(word|wd)?/.test(a)) {
      const i = a.indexOf('=');
      if (i > -1) return `${a.slice(0, i)}=********`;
      masked = true;
    }
    return a;
  });
  return words.map((w) => quote(w)).join(' ');
}

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
 * A command that creates/removes skips: the result 2.14's command module registers (modules/command.py:
 * "Did not run" / "Would not run" in check mode, the old `stdout` line, rc 0, no times); `shown` is
 * nodemend's report line when it differs from Ansible's wording ("would exist": an earlier task makes it).
 */
function skipPlan(ctx: ModuleContext, cmd: unknown, path: string, state: 'exists' | 'does not exist', shown: string = state): Plan {
  const stdout = `skipped, since ${path} ${state}`;
  return {
    changed: false,
    msg: `skipped, since ${path} ${shown}`,
    result: {
      msg: `${ctx.check ? 'Would' : 'Did'} not run command since '${path}' ${state}`,
      cmd,
      rc: 0,
      stdout,
      stderr: '',
      stdout_lines: [stdout],
      stderr_lines: [],
      start: null,
      end: null,
      delta: null,
    },
  };
}

/**
 * The plan both modules share: `creates`/`removes` decide in one exec (in `chdir`, globs
 * allowed, as Ansible); otherwise the command would run. `program` is the shell text that
 * runs it (already quoted); `cmd` is what gets registered.
 */
export async function planCommand(args: CommonArgs, ctx: ModuleContext, program: Raw, cmd: unknown, shown: string, argv?: readonly string[]): Promise<Plan> {
  if (args.creates || args.removes) {
    const test = (p: string): Raw => sh`set -- ${shellWord(p, { glob: true })}; { [ -e "$1" ] || [ -L "$1" ]; } && echo yes || echo no`;
    const script = sh`${chdirPrefix(args.chdir)}${args.creates ? test(args.creates) : raw('echo -')}; ${args.removes ? test(args.removes) : raw('echo -')}`;
    const res = await ctx.conn.exec(script);
    if (res.stderr.includes(CHDIR_FAILED)) {
      // --check: the directory is made by an earlier task, so nothing in it exists yet.
      if (args.chdir && parentWillExist(ctx, `${args.chdir}/x`, false)) {
        if (args.removes) return skipPlan(ctx, cmd, args.removes, 'does not exist', 'would not exist');
        if (args.creates) planFileCreation(ctx, posix.isAbsolute(args.creates) ? args.creates : posix.join(args.chdir, args.creates));
        return { changed: true, msg: `would run: ${shown} (in ${args.chdir}, which an earlier task would create)`, result: { cmd } };
      }
      throw chdirFailure(args, cmd);
    }
    if (res.rc !== 0) throw new ModuleFailure(`cannot check creates/removes: ${res.stderr.trim() || `rc ${res.rc}`}`, { cmd });
    const [created, removable] = res.stdout.trim().split('\n');
    if (args.creates) noteBasis(ctx.conn, `creates ${args.creates}`, created === 'yes' ? 'exists' : 'absent');
    if (args.removes) noteBasis(ctx.conn, `removes ${args.removes}`, removable === 'yes' ? 'exists' : 'absent');
    if (args.creates && created === 'yes') return skipPlan(ctx, cmd, args.creates, 'exists');
    // --check: an earlier task (the same creates:, a copy...) would have made it.
    const createsPath = args.creates && (args.chdir && !posix.isAbsolute(args.creates) ? posix.join(args.chdir, args.creates) : args.creates);
    if (createsPath && fileWouldExist(ctx, createsPath)) return skipPlan(ctx, cmd, args.creates!, 'exists', 'would exist');
    if (args.removes && removable === 'no') return skipPlan(ctx, cmd, args.removes, 'does not exist');
  }
  // In check mode later tasks may plan against what this command would create.
  if (args.creates) planFileCreation(ctx, args.chdir && !posix.isAbsolute(args.creates) ? posix.join(args.chdir, args.creates) : args.creates);
  return {
    changed: true,
    msg: `would run: ${shown}`,
    done: `ran: ${shown}`,
    result: { cmd },
    // What 2.14's command module registers when check mode stops it (r's initial values, rc 0, its msg).
    checkResult: { msg: 'Command would have run if not in check mode', rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [], start: null, end: null, delta: null },
    apply: () => runProgram(args, ctx, program, cmd, argv),
  };
}

async function runProgram(args: CommonArgs, ctx: ModuleContext, program: Raw, cmd: unknown, argv?: readonly string[]): Promise<Record<string, unknown>> {
  const stdin = args.stdin === undefined ? undefined : args.stdin + (args.stdin_add_newline ? '\n' : '');
  const start = new Date();
  const res = await ctx.conn.exec(sh`${chdirPrefix(args.chdir)}${program}`, { stdin, timeoutSec: ctx.timeoutSec });
  const end = new Date();
  if (res.rc === 1 && res.stderr.includes(CHDIR_FAILED)) throw chdirFailure(args, cmd);
  const execFailed = res.rc === 1 && new RegExp(`^${EXEC_FAILED}(\\d+)$`, 'm').exec(res.stderr);
  if (execFailed && argv) {
    // Nothing ran: 2.14 fails with the OSError (rc = errno, unchanged, no times, cmd the quoted line).
    const errno = execFailed[1];
    throw new ModuleFailure(`[Errno ${errno}] ${STRERROR[errno] ?? 'Unknown error'}: ${pyBytesRepr(argv[0])}`, {
      changed: false,
      cmd: cleanArgs(argv),
      rc: Number(errno),
      stdout: '',
      stderr: '',
      stdout_lines: [],
      stderr_lines: [],
    });
  }
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
    return planCommand(args, ctx, sh`${execCheck(words[0])}exec ${words}`, argv, args.cmd ?? argv.map((w) => quote(w)).join(' '), words);
  },
});
