/**
 * One long-lived shell per host and identity, reading framed commands on its stdin.
 * Every exec on its own channel costs an SSH session (sshd forks a child, the login
 * shell starts) and, with become, a whole sudo run (PAM, sudoers, logging): on the
 * fleet that is ~30 ms and most of a run's CPU. Through this shell a command costs a
 * few small forks on the host and one round trip.
 *
 * Semantics kept exactly: each command runs in its own `sh` (so `exit`, `cd`, traps and
 * variables never leak into the next one), with its own stdin (the bytes given, then
 * EOF), stdout and stderr kept apart, its exit code as the shell reports it (128+N for a
 * signal), the remote `timeout -k 5 N` wrapper, and the identity, HOME, PATH and umask one
 * sudo (or the login) gives. Output is spooled to files in a private temp dir (0700) and
 * sent with its length, so no output can be mistaken for framing; callers that expect
 * very large output or send large input use a channel of their own instead.
 */
import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { quote } from './quote.js';

/**
 * The shell side. Per command it costs one `sh` (the command's own) and one `cat` (the
 * output); everything else is shell builtins: the script arrives as a counted number of
 * lines read with `read`, and stdout/stderr are delimited by a separator line holding a
 * random nonce the controller sent at start-up (kept only in an unlinked file open on fd
 * 9, which commands do not inherit), so no output can forge the framing by accident.
 * Each command gets new output files (numbered): a background job of an earlier command
 * still holding its old ones open can never write into a later command's output.
 */
export const SHELL_SERVER = `d=$(mktemp -d "\${TMPDIR:-/tmp}/nodemend.XXXXXXXX") || exit 1
trap 'rm -rf -- "$d"' EXIT
trap 'exit 1' HUP INT TERM PIPE
IFS= read -r nonce || exit 1
printf '\\n%s\\n' "$nonce" > "$d/sep" && exec 9< "$d/sep" && rm -f -- "$d/sep" || exit 1
nonce=
echo NMSHELL1
n=0
while read -r tag lines ilen tmo; do
  [ "$tag" = NMREQ ] || exit 2
  s=
  while [ "$lines" -gt 0 ]; do IFS= read -r l || exit 3; s="$s$l
"; lines=$((lines - 1)); done
  n=$((n + 1))
  if [ $((n % 64)) = 0 ]; then rm -f -- "$d"/o* "$d"/e* "$d"/i*; fi
  in=/dev/null
  if [ "$ilen" -gt 0 ]; then in="$d/i$n"; head -c "$ilen" > "$in" || exit 3; fi
  if [ "$tmo" -gt 0 ]; then timeout -k 5 "$tmo" sh -c "$s" < "$in" > "$d/o$n" 2> "$d/e$n" 9<&-; else sh -c "$s" < "$in" > "$d/o$n" 2> "$d/e$n" 9<&-; fi
  printf 'NMRES %s\\n' "$?"
  cat -- "$d/o$n" /dev/fd/9 "$d/e$n" /dev/fd/9
done
`;

/** Inputs above this go over a channel of their own (they would be spooled on the host). */
export const MAX_SPOOLED_STDIN = 1 << 20;

export interface ShellCommand {
  command: string;
  stdin?: string | Buffer;
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
  resolve: (o: ShellOutput) => void;
  reject: (e: Error) => void;
}

/**
 * The controller side of one server. At most one command at a time (`busy`); the caller
 * sends other commands over ordinary channels meanwhile.
 */
export class PersistentShell {
  private buf: Buffer = Buffer.alloc(0);
  /** How far the current response's stdout was already searched for the separator. */
  private scanned = 0;
  private ready = false;
  private pending?: Pending;
  private started?: { resolve: () => void; reject: (e: Error) => void };
  private stderrTail = '';
  /** Ends stdout and then stderr in every response: "\n" + a nonce only this controller knows + "\n". */
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
    stream.stderr.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-500)));
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
    const text = shellScript(c);
    const lines = text.split('\n').length;
    const stdin = c.stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(c.stdin) ? c.stdin : Buffer.from(c.stdin, 'utf8');
    const tmo = c.timeoutSec ? Math.max(1, Math.ceil(c.timeoutSec)) : 0;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.stream.write(Buffer.concat([Buffer.from(`NMREQ ${lines} ${stdin.length} ${tmo}\n${text}\n`, 'utf8'), stdin]));
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

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) return;
      const header = this.buf.subarray(0, nl).toString('latin1');
      if (!this.ready) {
        if (header !== 'NMSHELL1') return this.protocolError(`unexpected greeting ${JSON.stringify(header.slice(0, 80))}`);
        this.ready = true;
        this.buf = this.buf.subarray(nl + 1);
        this.started?.resolve();
        continue;
      }
      const m = /^NMRES (\d+)$/.exec(header);
      if (!m || !this.pending) return this.protocolError(`unexpected output ${JSON.stringify(header.slice(0, 80))}`);
      // Only the first bytes of a large output are re-scanned as more arrive: the search starts where the last one stopped.
      const outEnd = this.buf.indexOf(this.separator, Math.max(nl + 1, this.scanned - this.separator.length));
      if (outEnd < 0) return void (this.scanned = this.buf.length);
      const errStart = outEnd + this.separator.length;
      const errEnd = this.buf.indexOf(this.separator, errStart);
      if (errEnd < 0) return;
      this.scanned = 0;
      const out: ShellOutput = {
        rc: Number(m[1]),
        stdout: Buffer.from(this.buf.subarray(nl + 1, outEnd)),
        stderr: Buffer.from(this.buf.subarray(errStart, errEnd)),
      };
      this.buf = this.buf.subarray(errEnd + this.separator.length);
      const p = this.pending;
      this.pending = undefined;
      p.resolve(out);
    }
  }

  private protocolError(what: string): void {
    const e = new ShellEnded(`persistent shell: ${what}`);
    this.close();
    this.fail(e);
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
