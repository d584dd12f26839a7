/**
 * The control machine as a host (Ansible's `connection: local`, its implicit localhost,
 * `delegate_to: localhost`, `local_action`): commands run as the invoking user, built
 * exactly as remote ones are (innerCommand: `sh -c`, timeout(1), env, cwd; sudo for
 * become), so quoting, timeouts and exit codes are the same on both sides. Each command
 * is its own process group, so a Ctrl-C in the terminal does not reach it behind the
 * runner's back and close() (the second Ctrl-C) can stop all of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, unlinkSync, writeSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BecomeSpec, ExecOptions, ExecResult, HostConnection, RemoteShell } from './types.js';
import { execResult } from './types.js';
import { BecomeError, SudoDialog, needsPassword, sudoCommand } from './become.js';
import { innerCommand } from './ssh.js';
import { FileSink } from './file-sink.js';
import type { Writable } from 'node:stream';

/** How long sudo-with-password may take to accept the password before the command is given up. */
const BECOME_TIMEOUT_MS = 30_000;

export class LocalConnection implements HostConnection {
  private readonly running = new Set<ChildProcess>();

  constructor(readonly hostName: string) {}

  exec(command: string | { toString(): string }, opts: ExecOptions = {}, become?: BecomeSpec): Promise<ExecResult> {
    const inner = innerCommand(String(command), opts);
    const sudo = become ? sudoCommand(inner, become) : undefined;
    const line = sudo ? sudo.line.text : inner.text;
    const dialog = sudo?.prompt && sudo.marker ? new SudoDialog(sudo.prompt, sudo.marker) : undefined;
    return new Promise<ExecResult>((resolve, reject) => {
      // exec: the group leader is the command line itself (timeout, env or sudo), which passes a
      // signal on to the command; a waiting outer shell would die and leave the command running.
      // stdin is a file (or /dev/null), never Node's 'pipe': that is a socket, which `/dev/stdin` cannot open
      // (install -m MODE /dev/stdin DEST, as over SSH, whose sshd gives a pipe). Only the sudo dialog talks on it.
      const stdinFd = dialog ? undefined : stdinDescriptor(opts);
      let child: ChildProcess & { stdin: Writable | null };
      try {
        child = spawn('/bin/sh', ['-c', `exec ${line}`], { detached: true, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] });
      } finally {
        if (typeof stdinFd === 'number') closeSync(stdinFd);
      }
      this.running.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const stdin = child.stdin;
      const sendStdin = (): void => {
        if (!stdin) return;
        if (opts.stdinFile !== undefined)
          createReadStream(opts.stdinFile)
            .on('error', () => stdin.end())
            .pipe(stdin);
        else if (opts.stdin !== undefined) stdin.end(opts.stdin);
        else stdin.end();
      };
      stdin?.on('error', () => {}); // a command that exits without reading its stdin
      const guard = dialog ? setTimeout(() => stdin?.end(), BECOME_TIMEOUT_MS) : undefined;
      const onEvents = (events: string[]): void => {
        for (const ev of events) {
          if (ev === 'send-password') stdin?.write(`${become!.password}\n`);
          else if (ev === 'ready') {
            clearTimeout(guard);
            sendStdin();
          } else if (ev === 'rejected') stdin?.end();
        }
      };
      let localError: Error | undefined;
      const sink = opts.stdoutFile === undefined ? undefined : new FileSink(opts.stdoutFile, child.stdout!, (e) => (localError ??= new Error(`cannot write ${opts.stdoutFile}: ${e.message}`)));
      child.stdout!.on('data', (d: Buffer) => {
        if (dialog) onEvents(dialog.onStdout(d));
        if (!sink) return dialog ? undefined : out.push(d);
        for (const b of dialog ? dialog.takeStdout() : [d]) sink.write(b);
      });
      child.stderr!.on('data', (d: Buffer) => (dialog ? onEvents(dialog.onStderr(d)) : err.push(d)));
      if (!dialog) sendStdin();
      child.on('error', (e) => {
        this.running.delete(child);
        clearTimeout(guard);
        reject(e);
      });
      child.on('close', async (code, signal) => {
        this.running.delete(child);
        clearTimeout(guard);
        await sink?.close();
        if (localError) return reject(localError);
        const rc = code ?? (signal ? 128 + ((osConstants.signals as Record<string, number>)[signal] ?? 0) : -1);
        const bytes = dialog ? dialog.result() : { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
        const stdoutBytes = bytes.stdout;
        const stderr = bytes.stderr.toString('utf8');
        if (dialog && !dialog.ready && (dialog.rejected || dialog.passwordSent || rc !== 0))
          return reject(new BecomeError(this.hostName, `sudo for user ${become!.user} on the control machine failed: ${dialog.rejected ? 'password rejected' : stderr.trim() || `rc ${rc}`}`));
        if (become && !become.password && needsPassword(rc, stderr))
          return reject(new BecomeError(this.hostName, `sudo needs a password on the control machine for ${become.user}; set become_password or -K`));
        resolve(execResult({ rc, stderr, stdoutBytes, timedOut: opts.timeoutSec !== undefined && (rc === 124 || rc === 137) }));
      });
    });
  }

  as(become: BecomeSpec | undefined): RemoteShell {
    return { hostName: this.hostName, exec: (cmd, opts) => this.exec(cmd, opts, become) };
  }

  /** Nothing to reconnect: the control machine does not reboot under us. */
  async reconnect(): Promise<void> {}

  /** Stops every command still running (their whole process groups: timeout(1), sh and children). */
  async close(): Promise<void> {
    for (const child of this.running) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * The child's stdin as a descriptor of a file it reads from the start: stdinFile itself, or stdin's bytes in a
 * new file of this user's (0600) unlinked before the child starts; 'ignore' (/dev/null) without either. A
 * stdinFile that cannot be opened gives an empty stdin, as the stream it replaces did.
 */
function stdinDescriptor(opts: ExecOptions): number | 'ignore' {
  if (opts.stdinFile !== undefined) {
    try {
      return openSync(opts.stdinFile, 'r');
    } catch {
      return 'ignore';
    }
  }
  if (opts.stdin === undefined) return 'ignore';
  const path = join(tmpdir(), `nodemend-stdin-${randomBytes(8).toString('hex')}`);
  const w = openSync(path, 'wx', 0o600);
  try {
    const bytes = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin;
    for (let at = 0; at < bytes.length;) at += writeSync(w, bytes, at);
    return openSync(path, 'r');
  } finally {
    closeSync(w);
    unlinkSync(path);
  }
}
