/**
 * Local facts (`ansible_local`): ansible-core 2.14.18's LocalFactCollector
 * (module_utils/facts/system/local.py), for setup's `fact_path` (default /etc/ansible/facts.d).
 * Each `*.fact` there (sorted, hidden files skipped, as glob.glob) is a key named after the file
 * with every `.fact` removed:
 * - the owner's execute bit set: it is run (as the play's become user, as Ansible's setup runs)
 *   and its stdout is the text; a non-zero exit stores `Failure executing fact script (PATH), rc:
 *   N, err: STDERR`; a file the kernel cannot execute (no `#!`, not ELF: errno 8) or the user may
 *   not (errno 13) fails the whole gathering, as run_command's fail_json does there;
 * - otherwise its content, stripped (unreadable or not UTF-8: empty);
 * - a dangling symlink stores `Could not stat fact (PATH): [Errno 2] ...`.
 * The text is JSON if it parses, else INI as configparser reads it (./configparser.ts), else
 * `error loading facts as JSON or ini - please check content: PATH`; each such string is also a
 * warning. A bad `%` reference in INI raises out of the collector: Ansible then returns no
 * `ansible_local` at all. A fact_path that does not exist gives `{}`. What a file holds is data:
 * its values are never rendered (facts are marked unsafe where they are read).
 */
import type { FactDef } from './types.js';
import { quote } from '../transport/quote.js';
import { IniInterpolationError, IniSyntaxError, readIni } from './configparser.js';

export const DEFAULT_FACT_PATH = '/etc/ansible/facts.d';

export interface LocalFacts {
  /** ansible_local; undefined when the collector raised (Ansible returns no ansible_local then). */
  local?: Record<string, unknown>;
  /** The warnings Ansible's setup returns (module.warn). */
  warnings: string[];
  /** An executable fact that could not be executed: the gathering fails with these result fields. */
  failure?: { msg: string; rc: number; cmd: string };
}

/**
 * One line per fact file, values base64 so any byte survives: `@f PATH`, then `@nostat`,
 * `@noexec ERRNO`, `@exec RC STDOUT STDERR` or `@file CONTENT`. Nothing when fact_path is absent.
 */
export function localFactsCommand(factPath: string): string {
  return [
    `p=${quote(factPath)}`,
    '[ -e "$p" ] || exit 0',
    't=$(mktemp -d) || exit 1',
    'trap \'rm -rf "$t"\' EXIT',
    "b() { base64 | tr -d '\\n'; }",
    'for f in "$p"/*.fact; do',
    '  [ -e "$f" ] || [ -L "$f" ] || continue',
    '  printf \'@f %s\\n\' "$(printf %s "$f" | b)"',
    '  if [ ! -e "$f" ]; then echo @nostat; continue; fi',
    '  m=$(stat -L -c %a -- "$f")',
    '  if [ $((0$m & 64)) -eq 0 ]; then',
    '    if [ -f "$f" ] && [ -r "$f" ]; then printf \'@file %s\\n\' "$(b <"$f")"; else echo \'@file \'; fi',
    '    continue',
    '  fi',
    // execve's answers before running it: a directory or no permission (EACCES), neither #! nor ELF (ENOEXEC).
    '  if [ -d "$f" ] || [ ! -x "$f" ]; then echo \'@noexec 13\'; continue; fi',
    '  if [ -r "$f" ]; then case $(head -c 4 -- "$f" | od -An -tx1 | tr -d \' \\n\') in 2321*|7f454c46) ;; *) echo \'@noexec 8\'; continue ;; esac; fi',
    '  "$f" >"$t/o" 2>"$t/e" </dev/null',
    '  printf \'@exec %s %s %s\\n\' "$?" "$(b <"$t/o")" "$(b <"$t/e")"',
    'done',
  ].join('\n');
}

const ERRNO: Record<number, string> = { 8: 'Exec format error', 13: 'Permission denied' };
const utf8 = new TextDecoder('utf-8', { fatal: true });
const b64 = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64');
const pyRepr = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A fact file's text as local.py reads it: JSON, else INI, else the error string (with a warning). */
export function parseFactText(text: string, path: string, warnings: string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return readIni(text);
    } catch (e) {
      if (!(e instanceof IniSyntaxError)) throw e;
      const msg = `error loading facts as JSON or ini - please check content: ${path}`;
      warnings.push(msg);
      return msg;
    }
  }
}

/** The command's output as the collector's result. */
export function parseLocalFacts(stdout: string): LocalFacts {
  const warnings: string[] = [];
  const files: { path: string; line: string }[] = [];
  let path: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@f ')) path = b64(line.slice(3)).toString('utf8');
    else if (path !== undefined && line.startsWith('@')) files.push({ path, line });
  }
  // Python's sorted() of glob's paths.
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const local: Record<string, unknown> = {};
  for (const { path: fn, line } of files) {
    const key = fn
      .slice(fn.lastIndexOf('/') + 1)
      .split('.fact')
      .join('');
    const [tag, ...rest] = line.split(' ');
    if (tag === '@nostat') {
      local[key] = `Could not stat fact (${fn}): [Errno 2] No such file or directory: ${pyRepr(fn)}`;
      warnings.push(local[key] as string);
      continue;
    }
    if (tag === '@noexec') {
      const errno = Number(rest[0]);
      return { warnings, failure: { msg: `[Errno ${errno}] ${ERRNO[errno]}: b${pyRepr(fn)}`, rc: errno, cmd: fn } };
    }
    let text: string;
    if (tag === '@exec') {
      const rc = Number(rest[0]);
      if (rc !== 0) {
        local[key] = `Failure executing fact script (${fn}), rc: ${rc}, err: ${b64(rest[2]).toString('utf8')}`;
        warnings.push(local[key] as string);
        continue;
      }
      text = b64(rest[1]).toString('utf8');
    } else {
      // get_file_content: a file that cannot be read or decoded is empty; its content stripped.
      try {
        text = utf8.decode(b64(rest[0])).trim();
      } catch {
        text = '';
      }
    }
    try {
      local[key] = parseFactText(text, fn, warnings);
    } catch (e) {
      // A bad %-reference raises out of the collector: no ansible_local at all, as in Ansible.
      if (e instanceof IniInterpolationError) return { warnings };
      throw e;
    }
  }
  return { local, warnings };
}

/** ansible_local as a fact value: undefined when the collector raised; a failed execution fails the reading task. */
export function ansibleLocal(facts: LocalFacts): Record<string, unknown> | undefined {
  if (facts.failure) throw new Error(facts.failure.msg);
  return facts.local;
}

export const localFacts: FactDef<LocalFacts> = {
  name: 'local',
  description: `Local facts from ${DEFAULT_FACT_PATH} (*.fact: JSON, INI or executables run as the play's become user), as Ansible's ansible_local`,
  command: localFactsCommand(DEFAULT_FACT_PATH),
  parse: (out) => parseLocalFacts(out),
  asPlayUser: true,
  everyPlay: true,
};

export default [localFacts];
