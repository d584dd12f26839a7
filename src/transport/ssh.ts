/**
 * SEED VERSION (to be hardened by the transport work: known_hosts verification,
 * sudo with password, channel cap, keepalive, proxy_jump). The exec() contract is stable.
 */
import ssh2 from 'ssh2';
import { readFileSync } from 'node:fs';
import type { BecomeSpec, ExecOptions, ExecResult, HostConnection, RemoteShell } from './types.js';
import { UnreachableError } from './types.js';
import { quote } from './quote.js';

const { Client } = ssh2;

export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  connectTimeoutSec?: number;
}

export function wrapCommand(command: string, opts: ExecOptions, become?: BecomeSpec): string {
  let cmd = command;
  if (opts.cwd) cmd = `cd ${quote(opts.cwd)} && ${cmd}`;
  let line = `sh -c ${quote(cmd)}`;
  if (opts.timeoutSec) line = `timeout -k 5 ${Math.ceil(opts.timeoutSec)} ${line}`;
  if (opts.env) line = `env ${Object.entries(opts.env).map(([k, v]) => quote(`${k}=${v}`)).join(' ')} ${line}`;
  if (become) line = `sudo -n -H -u ${quote(become.user)} -- ${line}`;
  return line;
}

export class SshConnection implements HostConnection {
  private client?: InstanceType<typeof Client>;
  constructor(private readonly target: SshTarget) {}

  get hostName(): string {
    return this.target.name;
  }

  async connect(): Promise<void> {
    const t = this.target;
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (e: Error) => reject(new UnreachableError(t.name, `${t.host}:${t.port}: ${e.message}`)));
      client.connect({
        host: t.host,
        port: t.port,
        username: t.user,
        privateKey: t.identityFile ? readFileSync(t.identityFile) : undefined,
        readyTimeout: (t.connectTimeoutSec ?? 10) * 1000,
      });
    });
    this.client = client;
  }

  exec(command: string | { toString(): string }, opts: ExecOptions = {}, become?: BecomeSpec): Promise<ExecResult> {
    const client = this.client;
    if (!client) return Promise.reject(new UnreachableError(this.hostName, 'not connected'));
    const line = wrapCommand(String(command), opts, become);
    return new Promise((resolve, reject) => {
      client.exec(line, (err, stream) => {
        if (err) return reject(new UnreachableError(this.hostName, err.message));
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let rc = -1;
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errb.push(d));
        stream.on('exit', (code: number | null) => (rc = code ?? -1));
        stream.on('close', () => {
          const stdoutBytes = Buffer.concat(out);
          resolve({
            rc,
            stdout: stdoutBytes.toString('utf8'),
            stderr: Buffer.concat(errb).toString('utf8'),
            stdoutBytes,
            timedOut: opts.timeoutSec !== undefined && rc === 124,
          });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }

  as(become: BecomeSpec | undefined): RemoteShell {
    return { hostName: this.hostName, exec: (cmd, opts) => this.exec(cmd, opts, become) };
  }

  async reconnect(deadline: number): Promise<void> {
    this.client?.end();
    for (;;) {
      try {
        return await this.connect();
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async close(): Promise<void> {
    this.client?.end();
    this.client = undefined;
  }
}
