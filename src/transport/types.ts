/** What modules and facts see of a host: run a shell command, get its output. */

export interface ExecOptions {
  /** Bytes fed to the command's standard input. */
  stdin?: string | Buffer;
  /** A controller file streamed to the command's standard input (never held in memory whole; a channel of its own). */
  stdinFile?: string;
  /**
   * Kill the remote command after this many seconds (enforced remotely with timeout(1)); the
   * command then runs in an `sh -c` of its own. Without it (nodemend's own scripts) it runs in a
   * subshell of the persistent shell, where `$$` and `$PPID` are that shell's: `$$` only inside a file name (exec refuses other uses).
   */
  timeoutSec?: number;
  /** Working directory on the host. */
  cwd?: string;
  /** Extra environment variables for the command. */
  env?: Record<string, string>;
  /**
   * The output may be large (a whole file, held in memory: slurp, fetch's probe): a channel of
   * its own instead of the persistent shell, which spools output on the host; counted with the
   * file transfers, so at most MAX_FILE_TRANSFERS such outputs are in memory at once.
   */
  largeOutput?: boolean;
  /**
   * Write the command's standard output to this controller file (a new file: it must not exist)
   * as it arrives, never holding it in memory (fetch of a large file); `stdout`/`stdoutBytes` are
   * then empty. The promise settles only once the file is closed, also when the connection is
   * lost. A channel of its own, counted with the other file transfers.
   */
  stdoutFile?: string;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Raw stdout, for binary payloads (slurp, fetch). */
  stdoutBytes: Buffer;
  /** True when the remote timeout(1) killed the command. */
  timedOut?: boolean;
}

/**
 * An ExecResult whose `stdout` string is decoded from `stdoutBytes` on first read (then kept).
 * A caller that wants the bytes (slurp, a probe with file content) never pays for a second,
 * utf8 copy of them: for binary output that copy was larger than the bytes themselves.
 */
export function execResult(r: { rc: number; stdoutBytes: Buffer; stderr: string; timedOut?: boolean }): ExecResult {
  let text: string | undefined;
  const res = { rc: r.rc, stderr: r.stderr, stdoutBytes: r.stdoutBytes, timedOut: r.timedOut } as ExecResult;
  Object.defineProperty(res, 'stdout', {
    enumerable: true,
    get: () => (text ??= r.stdoutBytes.toString('utf8')),
    set: (v: string) => void (text = v),
  });
  return res;
}

/** Privilege escalation as configured by play/task `become*` keys. */
export interface BecomeSpec {
  user: string; // default root
  method: 'sudo';
  /** Present only for sudo-with-password; never logged or echoed. */
  password?: string;
}

/** A command runner bound to one identity (login user, or become). */
export interface RemoteShell {
  readonly hostName: string;
  exec(command: string | { toString(): string }, opts?: ExecOptions): Promise<ExecResult>;
}

/** One live connection per host; `as()` gives the view for a task's become setting. */
export interface HostConnection extends RemoteShell {
  as(become: BecomeSpec | undefined): RemoteShell;
  /** Drop and re-open the connection (after a reboot), retrying until `deadline` (ms epoch). */
  reconnect(deadline: number): Promise<void>;
  close(): Promise<void>;
}

/** Raised when a host cannot be reached at all (connect, auth, host key); the host is marked unreachable. */
export class UnreachableError extends Error {
  constructor(
    readonly hostName: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnreachableError';
  }
}
