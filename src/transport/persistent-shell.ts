/**
 * One long-lived shell per host and identity, reading framed commands on its stdin.
 * Every exec on its own channel costs an SSH session (sshd forks a child, the login
 * shell starts) and, with become, a whole sudo run (PAM, sudoers, logging): on the
 * fleet that is ~30 ms and most of a run's CPU. Through this shell a command costs a
 * few small forks on the host and one round trip.
 *
 * Semantics kept exactly: each command runs in its own process, a subshell or an `sh` (so
 * `exit`, `cd`, traps and variables never leak into the next one), with its own stdin (the bytes given, then
 * EOF), stdout and stderr kept apart, its exit code as the shell reports it (128+N for a
 * signal), the remote `timeout -k 5 N` wrapper, and the identity, HOME, PATH and umask one
 * sudo (or the login) gives. Callers that expect very large output or send large input
 * use a channel of their own instead.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { quote } from './quote.js';
import { libraryBodies, wireText } from './shell-library.js';
import { traceRemote } from './trace.js';

/**
 * The shell side. Every command runs in a process of its own (see below); the rest is shell builtins: the
 * script arrives as a counted number of lines read with `read`, stdin (when given) is
 * spooled to a file in the private dir and must be followed by an `NMEOI` line (else the
 * input was cut short, e.g. the connection died, and the command does not run). A small
 * text input (no NUL, at most SMALL_TEXT_INPUT bytes: most file contents nodemend writes)
 * comes as counted lines, read and written by builtins like the script (`head -c`, the
 * other way, costs a process: ~1.5 ms of host CPU, as much as ~2.5 KB read byte by byte);
 * a negative count says the input does not end with a newline. Responses end with a separator line holding a random nonce
 * the controller sent at start-up, so no output can forge the framing by accident.
 *
 * Two ways to return output, chosen per command by the controller:
 * - direct (nodemend's own probe and edit scripts): stdout and stderr go straight to the
 *   channel's two streams, each followed by the separator, with no spooling and no `cat` (which
 *   cost ~2 ms of host CPU per command, most of what a probe costs). The script runs in a
 *   subshell (a fork of this shell, no exec: an `sh -c` cost the host ~1.5 ms per command) that
 *   first unsets its copies of the server's variables (SERVER_VARIABLES), so it sees what an
 *   `sh -c` would but for `$$` and `$PPID`, which are this server's: a direct script uses `$$`
 *   only inside a file name, never to signal or to read /proc (directScriptProblem).
 * - spooled (user work: anything run with a timeout, as command/shell/package/service do):
 *   `timeout -k 5 N sh -c`, output to files numbered per command, then one `cat`. A daemon
 *   the command starts and that keeps its stdout can only ever write into its own old
 *   file, never into a later command's output. No output at all: no `cat` either.
 * `NMLIB id lines` stores a library body (see shell-library.ts) as "$d/l<id>" for later
 * commands to source; it has no response.
 * The nonce lives in an unexported variable (an `sh -c` never sees it, a subshell unsets its copy)
 * and in an unlinked file open on fd 9 for `cat`, closed for every command.
 */
const SERVER_TEXT = `d=$(mktemp -d "\${TMPDIR:-/tmp}/nodemend.XXXXXXXX") || exit 1
trap 'rm -rf -- "$d"' EXIT
trap 'exit 1' HUP INT TERM PIPE
IFS= read -r nm_sep || exit 1
printf '\\n%s\\n' "$nm_sep" > "$d/sep" && exec 9< "$d/sep" && rm -f -- "$d/sep" || exit 1
nm_sep="
$nm_sep
"
printf 'NMSHELL2 %s\\n' "$d"
n=0
while read -r tag how lines ilen tmo il; do
  s=
  while [ "$lines" -gt 0 ]; do IFS= read -r l || exit 3; s="$s$l
"; lines=$((lines - 1)); done
  if [ "$tag" = NMLIB ]; then printf %s "$s" > "$d/l$how" || exit 3; continue; fi
  [ "$tag" = NMREQ ] || exit 2
  n=$((n + 1))
  if [ $((n % 64)) = 0 ]; then rm -f -- "$d"/o* "$d"/e* "$d"/i*; fi
  in=/dev/null
  # The input is followed by an end line: input cut short by a lost connection (EOF) never runs.
  if [ "$ilen" -gt 0 ]; then
    in="$d/i$n"
    if [ "\${il:-0}" = 0 ]; then head -c "$ilen" > "$in" || exit 3
    else
      x=; nl=1; if [ "$il" -lt 0 ]; then il=$((-il)); nl=; fi
      while [ "$il" -gt 0 ]; do IFS= read -r l || exit 3; x="$x$l
"; il=$((il - 1)); done
      [ -n "$nl" ] || x=\${x%?}
      printf %s "$x" > "$in" || exit 3
    fi
    IFS= read -r l && [ "$l" = NMEOI ] || exit 3
  fi
  if [ "$how" = direct ]; then
    ( eval "unset @SERVER_VARIABLES@
$s" ) < "$in" 9<&-
    rc=$?
    printf %s "$nm_sep" >&2
    printf '%sNMRES %s\\n' "$nm_sep" "$rc"
    continue
  fi
  if [ "$tmo" -gt 0 ]; then timeout -k 5 "$tmo" sh -c "$s" < "$in" > "$d/o$n" 2> "$d/e$n" 9<&-; else sh -c "$s" < "$in" > "$d/o$n" 2> "$d/e$n" 9<&-; fi
  rc=$?
  # No output at all (a touch, a mkdir): the two separators by a builtin, no cat.
  if [ -s "$d/o$n" ] || [ -s "$d/e$n" ]; then cat -- "$d/o$n" /dev/fd/9 "$d/e$n" /dev/fd/9; else printf %s%s "$nm_sep" "$nm_sep"; fi
  printf 'NMRES %s\\n' "$rc"
done
`;

/**
 * The variables a server script sets: its assignments (`name=`) and the names its `read`s fill. Lower case
 * only: the server's own are, and an upper-case one (`IFS=` before a `read`) is the environment's.
 */
export function serverVariables(script: string): string[] {
  const names = new Set<string>();
  for (const m of script.matchAll(/(?:^|[\s;(&|])([a-z_][a-z0-9_]*)=/g)) names.add(m[1]);
  for (const m of script.matchAll(/\bread -r((?: [a-z_][a-z0-9_]*)+)/g)) for (const n of m[1].trim().split(' ')) names.add(n);
  return [...names].sort();
}

/** What a direct script unsets before it runs (in its subshell, the copies of them): every variable the server sets. */
export const SERVER_VARIABLES = serverVariables(SERVER_TEXT);
export const SHELL_SERVER = SERVER_TEXT.replace('@SERVER_VARIABLES@', SERVER_VARIABLES.join(' '));

/**
 * Why a script may not run in direct mode, or undefined: a `$$` (the server's pid there, not the script's)
 * outside single quotes and comments that is not the end of a file name's word (`"$f.$$"`, `tmp-$$`), or
 * one in a /proc path. Lexed as sh does it, but for the quotes of a `$(...)` inside double quotes.
 */
export function directScriptProblem(script: string): string | undefined {
  if (!script.includes('$$')) return undefined;
  // Every command is checked: the library bodies in it (whole lines, ~6 KB with the write's) are lexed once
  // each, then only what is around them (cut out as the persistent shell sends them: a line of their own).
  let rest = script;
  for (const [body] of libraryBodies()) {
    if (!rest.includes(body)) continue;
    let problem = bodyProblems.get(body);
    if (problem === undefined) bodyProblems.set(body, (problem = lexProblem(body) ?? ''));
    if (problem) return problem;
    rest = rest.split(body).join('\n');
  }
  return rest === script || rest.includes('$$') ? lexProblem(rest) : undefined;
}

/** A library body's problem ('' for none), as directScriptProblem found it once. */
const bodyProblems = new Map<string, string>();

function lexProblem(script: string): string | undefined {
  // Char codes and the word's start index: no string built per character.
  let dq = false;
  let start = 0; // where the current word began: the word is script.slice(start, i)
  for (let i = 0; i < script.length; i++) {
    const c = script.charCodeAt(i);
    if (c === 0x5c)
      i++; // backslash: the next character is the word's
    else if (c === 0x27 && !dq) {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return undefined;
      i = end;
    } else if (c === 0x23 && !dq && i === start) {
      const nl = script.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl;
      start = nl + 1;
    } else if (!dq && isWordBreak(c)) start = i + 1;
    else if (c === 0x24 && script.charCodeAt(i + 1) === 0x24) {
      const before = script.slice(start, i).replace(/"/g, '');
      if (!/[\w.-]$/.test(before) || before.includes('/proc/')) {
        const line = script.slice(0, i).split('\n').length;
        return `\`$$\` outside a file name (line ${line}: ${script.split('\n')[line - 1].trim()}): in direct mode it is the persistent shell's pid`;
      }
      i++;
    } else if (c === 0x22) dq = !dq;
  }
  return undefined;
}

/** What ends a word outside double quotes: white space (as \\s), ; & | ( ) < >. */
const WORD_BREAKS = new Uint8Array(0x80);
for (const ch of ' \t\n\v\f\r;&|()<>') WORD_BREAKS[ch.charCodeAt(0)] = 1;
const isWordBreak = (c: number): boolean => (c < 0x80 ? WORD_BREAKS[c] === 1 : /\s/.test(String.fromCharCode(c)));

/** Follows a command's input: the server runs the command only once it has read it. */
const END_OF_INPUT = Buffer.from('NMEOI\n');

/** Inputs above this go over a channel of their own (they would be spooled on the host). */
export const MAX_SPOOLED_STDIN = 1 << 20;
/** Text inputs up to this are sent as lines the server reads itself (see SHELL_SERVER). */
export const SMALL_TEXT_INPUT = 2048;

/** The lines header field for a small text input (negative: no final newline), or 0 for `head -c`. */
export function textInputLines(stdin: Buffer): number {
  if (stdin.length === 0 || stdin.length > SMALL_TEXT_INPUT || stdin.includes(0)) return 0;
  let n = 0;
  for (const b of stdin) if (b === 0x0a) n++;
  return stdin[stdin.length - 1] === 0x0a ? n : -(n + 1);
}

export interface ShellCommand {
  command: string;
  stdin?: string | Buffer;
  /** Set for user work (command, shell, package managers, services): such a command is spooled (see SHELL_SERVER). */
  timeoutSec?: number;
  cwd?: string;
  env?: Record<string, string>;
}

export interface ShellOutput {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The script one command becomes: the same cwd and environment handling as an exec's `sh -c` line. */
export function shellScript(c: ShellCommand): string {
  let script = c.command;
  if (c.cwd) script = `cd ${quote(c.cwd)} || exit; ${script}`;
  if (c.env && Object.keys(c.env).length) {
    const exports = Object.entries(c.env).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${JSON.stringify(k)}`);
      return `export ${quote(`${k}=${v}`)}\n`;
    });
    script = exports.join('') + script;
  }
  return script;
}

/** Raised when the shell ends in the middle of a command (the command may or may not have run). */
export class ShellEnded extends Error {}

interface Pending {
  /** Output straight on the channel's two streams (else spooled: stdout, separator, stderr, separator on stdout). */
  direct: boolean;
  resolve: (o: ShellOutput) => void;
  reject: (e: Error) => void;
}

/**
 * The controller side of one server. At most one command at a time (`busy`); the caller
 * sends other commands over ordinary channels meanwhile.
 */
export class PersistentShell {
  private buf: Buffer = Buffer.alloc(0);
  /** The command's stderr so far (direct mode). */
  private errBuf: Buffer = Buffer.alloc(0);
  /** How far `buf` / `errBuf` were already searched for the separator (large outputs arrive in many packets). */
  private scanned = 0;
  private errScanned = 0;
  /** Where the current response's separators start in `buf` once found (-1 before). */
  private outEnd = -1;
  private errEnd = -1;
  private ready = false;
  private pending?: Pending;
  private started?: { resolve: () => void; reject: (e: Error) => void };
  private stderrTail = '';
  /** The server's private temp dir (from its greeting), where library bodies are kept. */
  private dir = '';
  /** Library bodies already stored on the host. */
  private readonly stored = new Set<number>();
  /** Ends every output in every response: "\n" + a nonce only this controller knows + "\n". */
  private readonly separator: Buffer;
  alive = true;

  constructor(
    private readonly stream: ClientChannel,
    /** When the channel closes: the connection's loss, if that is why (else undefined). */
    private readonly connectionLost: () => Error | undefined,
  ) {
    const nonce = randomBytes(16).toString('hex');
    this.separator = Buffer.from(`\n${nonce}\n`);
    stream.write(`${nonce}\n`);
    stream.on('data', (d: Buffer) => this.onData(d));
    stream.stderr.on('data', (d: Buffer) => this.onStderr(d));
    stream.on('close', () => this.onClose());
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Resolves once the server said hello; rejects if it exits first (e.g. sudo refused) or stays silent. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (!this.alive) return Promise.reject(new ShellEnded(this.ended()));
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => {
        this.close();
        reject(new ShellEnded('persistent shell did not start in time'));
      }, timeoutMs);
      this.started = {
        resolve: () => (clearTimeout(guard), resolve()),
        reject: (e) => (clearTimeout(guard), reject(e)),
      };
    });
  }

  run(c: ShellCommand): Promise<ShellOutput> {
    if (!this.alive || !this.ready) return Promise.reject(new ShellEnded(this.ended()));
    if (this.pending) return Promise.reject(new Error('persistent shell is busy'));
    let text = shellScript(c);
    let libs = '';
    for (const [body, id] of libraryBodies()) {
      if (!text.includes(body)) continue;
      if (!this.stored.has(id)) {
        const stored = wireText(body);
        libs += `NMLIB ${id} ${stored.split('\n').length} 0 0\n${stored}\n`;
        this.stored.add(id);
      }
      text = text.split(body).join(`. ${quote(`${this.dir}/l${id}`)}\n`);
    }
    const lines = text.split('\n').length;
    const stdin = c.stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(c.stdin) ? c.stdin : Buffer.from(c.stdin, 'utf8');
    const il = textInputLines(stdin);
    // The server reads a text input byte by byte, as it reads the script.
    traceRemote({ kind: 'shell-input', text: libs + text + (il ? stdin.toString('utf8') : '') });
    const tmo = c.timeoutSec ? Math.max(1, Math.ceil(c.timeoutSec)) : 0;
    const direct = c.timeoutSec === undefined;
    return new Promise((resolve, reject) => {
      this.pending = { direct, resolve, reject };
      const parts = [Buffer.from(`${libs}NMREQ ${direct ? 'direct' : 'spool'} ${lines} ${stdin.length} ${tmo} ${il}\n${text}\n`, 'utf8'), stdin];
      // A text input without a final newline gets one: `read` needs it to end the last line.
      if (il < 0) parts.push(Buffer.from('\n'));
      if (stdin.length) parts.push(END_OF_INPUT);
      this.stream.write(Buffer.concat(parts));
    });
  }

  close(): void {
    if (!this.alive) return;
    this.alive = false;
    this.stream.end(); // EOF: the server's read fails and it exits, removing its temp dir
    this.stream.close();
  }

  private ended(): string {
    const why = this.stderrTail.trim().split('\n').pop();
    return `persistent shell ended${why ? `: ${why}` : ''}`;
  }

  private onStderr(d: Buffer): void {
    if (!this.pending?.direct) {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-500);
      return;
    }
    this.errBuf = this.errBuf.length ? Buffer.concat([this.errBuf, d]) : d;
    this.complete();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.ready) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) return;
      const greeting = this.buf.subarray(0, nl).toString('utf8');
      if (!greeting.startsWith('NMSHELL2 /')) return this.protocolError(`unexpected greeting ${JSON.stringify(greeting.slice(0, 80))}`);
      this.dir = greeting.slice('NMSHELL2 '.length);
      this.ready = true;
      this.buf = this.buf.subarray(nl + 1);
      this.started?.resolve();
    }
    if (this.buf.length) this.complete();
  }

  /** Resolves the pending command once its whole response is in. */
  private complete(): void {
    const p = this.pending;
    if (!p) return this.protocolError(`unexpected output ${JSON.stringify(this.buf.subarray(0, 80).toString('latin1'))}`);
    const sep = this.separator;
    // Each end is searched for once, from where the last search stopped: a large output is not re-scanned per packet.
    if (this.outEnd < 0) {
      this.outEnd = this.buf.indexOf(sep, Math.max(0, this.scanned - sep.length));
      if (this.outEnd < 0) return void (this.scanned = this.buf.length);
      this.scanned = this.outEnd + sep.length;
    }
    if (!p.direct && this.errEnd < 0) {
      this.errEnd = this.buf.indexOf(sep, Math.max(this.outEnd + sep.length, this.scanned - sep.length));
      if (this.errEnd < 0) return void (this.scanned = this.buf.length);
    }
    const headerStart = (p.direct ? this.outEnd : this.errEnd) + sep.length;
    const nl = this.buf.indexOf(0x0a, headerStart);
    if (nl < 0) return;
    const m = /^NMRES (\d+)$/.exec(this.buf.subarray(headerStart, nl).toString('latin1'));
    if (!m) return this.protocolError(`unexpected output ${JSON.stringify(this.buf.subarray(headerStart, headerStart + 80).toString('latin1'))}`);
    let stderr: Buffer;
    if (p.direct) {
      const end = this.errBuf.indexOf(sep, Math.max(0, this.errScanned - sep.length));
      if (end < 0) return void (this.errScanned = this.errBuf.length);
      if (end + sep.length !== this.errBuf.length) return this.protocolError("unexpected output after a command's stderr");
      stderr = Buffer.from(this.errBuf.subarray(0, end));
    } else stderr = Buffer.from(this.buf.subarray(this.outEnd + sep.length, this.errEnd));
    const out: ShellOutput = { rc: Number(m[1]), stdout: Buffer.from(this.buf.subarray(0, this.outEnd)), stderr };
    const rest = this.buf.subarray(nl + 1);
    this.buf = Buffer.alloc(0);
    this.errBuf = Buffer.alloc(0);
    this.scanned = this.errScanned = 0;
    this.outEnd = this.errEnd = -1;
    this.pending = undefined;
    p.resolve(out);
    if (rest.length) this.protocolError(`unexpected output ${JSON.stringify(rest.subarray(0, 80).toString('latin1'))}`);
  }

  private protocolError(what: string): void {
    // Fail first: closing may report the channel's end at once, with a vaguer reason.
    this.fail(new ShellEnded(`persistent shell: ${what}`));
    this.close();
  }

  private onClose(): void {
    this.alive = false;
    this.fail(this.connectionLost() ?? new ShellEnded(this.ended()));
  }

  private fail(e: Error): void {
    this.started?.reject(e);
    this.started = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }
}
