/**
 * sudo, with or without a password. The password travels only on the channel's
 * stdin, after sudo's own (unique) prompt shows up on stderr; a marker echoed
 * by the escalated shell tells us sudo is done and the command's stdin may flow.
 */
import { randomBytes } from 'node:crypto';
import type { BecomeSpec } from './types.js';
import { sh, type Raw } from './quote.js';

export class BecomeError extends Error {
  constructor(
    readonly hostName: string,
    message: string,
  ) {
    super(message);
    this.name = 'BecomeError';
  }
}

export interface SudoCommand {
  line: Raw;
  /** Set for sudo-with-password: what to watch for on stderr and stdout. */
  prompt?: string;
  marker?: string;
}

/**
 * `inner` is already shell syntax (the wrapped command line). `nonce` is
 * injectable for tests; each command gets a fresh one so neither the prompt nor
 * the marker can be forged by earlier output.
 */
export function sudoCommand(inner: Raw, become: BecomeSpec, nonce = randomBytes(8).toString('hex')): SudoCommand {
  if (become.password === undefined) return { line: sh`sudo -n -H -u ${become.user} -- ${inner}` };
  const prompt = `[nodemend-sudo-${nonce}] `;
  const marker = `NODEMEND-BECOME-OK-${nonce}`;
  const script = `echo ${marker}; exec ${inner.text}`;
  return { line: sh`sudo -S -p ${prompt} -H -u ${become.user} -- sh -c ${script}`, prompt, marker };
}

/** What `sudo -n` prints when the rule needs a password. */
export function needsPassword(rc: number, stderr: string): boolean {
  return rc === 1 && /^sudo: (a password is required|a terminal is required)/m.test(stderr);
}

export type DialogEvent = 'send-password' | 'rejected' | 'ready';

/**
 * The conversation with `sudo -S -p PROMPT`: pure, fed with the channel's bytes.
 * Before the marker, stderr is sudo's own (prompt, lecture): it is held back and
 * only surfaces if sudo fails. After the marker both streams are the command's
 * and pass through unchanged.
 */
export class SudoDialog {
  private outHeld = Buffer.alloc(0);
  private errHeld = '';
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  passwordSent = false;
  ready = false;
  rejected = false;

  constructor(
    private readonly prompt: string,
    private readonly marker: string,
  ) {}

  onStderr(chunk: Buffer): DialogEvent[] {
    if (this.ready || this.rejected) {
      if (this.ready) this.err.push(chunk);
      return [];
    }
    this.errHeld += chunk.toString('latin1'); // latin1 keeps bytes 1:1 until we hand them back
    const events: DialogEvent[] = [];
    for (;;) {
      const at = this.errHeld.indexOf(this.prompt);
      if (at < 0) break;
      this.errHeld = this.errHeld.slice(0, at) + this.errHeld.slice(at + this.prompt.length);
      if (this.passwordSent) return this.reject(events); // asked again: the password was wrong
      this.passwordSent = true;
      events.push('send-password');
    }
    if (this.passwordSent && this.errHeld.includes('Sorry, try again.')) return this.reject(events);
    return events;
  }

  onStdout(chunk: Buffer): DialogEvent[] {
    if (this.ready) {
      this.out.push(chunk);
      return [];
    }
    this.outHeld = Buffer.concat([this.outHeld, chunk]);
    const want = Buffer.from(`${this.marker}\n`);
    if (this.outHeld.length < want.length) {
      if (want.subarray(0, this.outHeld.length).equals(this.outHeld)) return [];
    } else if (this.outHeld.subarray(0, want.length).equals(want)) {
      this.ready = true;
      this.out.push(this.outHeld.subarray(want.length));
      this.outHeld = Buffer.alloc(0);
      this.errHeld = '';
      return ['ready'];
    }
    // Not our marker: sudo itself never writes to stdout, so pass it through untouched.
    this.ready = true;
    this.out.push(this.outHeld);
    this.err.push(Buffer.from(this.errHeld, 'latin1'));
    return ['ready'];
  }

  private reject(events: DialogEvent[]): DialogEvent[] {
    this.rejected = true;
    return [...events, 'rejected'];
  }

  /** The command's stdout held so far (after the marker), handed over and forgotten: for output streamed to a file. */
  takeStdout(): Buffer[] {
    return this.ready ? this.out.splice(0) : [];
  }

  /** The command's own output (prompt, marker and sudo's chatter removed), or sudo's if it never ran it. */
  result(): { stdout: Buffer; stderr: Buffer } {
    const err = this.ready ? this.err : [Buffer.from(this.errHeld, 'latin1')];
    const out = this.ready ? this.out : [this.outHeld];
    return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
  }
}
