/**
 * One ssh2 connection to one host, shared by every task: strict host keys,
 * a cap on concurrent channels (OpenSSH MaxSessions is 10), remote timeouts,
 * sudo (with or without password), optional jump host. Nothing here spawns a
 * local process. A command goes to the identity's persistent shell when it is
 * idle (no channel, no sudo per command: see persistent-shell.ts), else it costs
 * one channel open on the live connection.
 */
import ssh2 from 'ssh2';
import type { AuthenticationType, AuthMethod, ClientChannel, ConnectConfig, ParsedKey, PublicKeyAuthMethod, ServerHostKeyAlgorithm } from 'ssh2';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { constants as osConstants } from 'node:os';
import type { Duplex } from 'node:stream';
import type { BecomeSpec, ExecOptions, ExecResult, HostConnection, RemoteShell } from './types.js';
import { UnreachableError, execResult } from './types.js';
import { quote, sh, type Raw } from './quote.js';
import { BecomeError, SudoDialog, needsPassword, sudoCommand } from './become.js';
import { appendKnownHost, checkHostKey, fingerprint, keyTypeOf, knownHostsName, knownKeyTypes, readKnownHosts } from './known-hosts.js';
import { Semaphore } from './semaphore.js';
import { FileSink } from './file-sink.js';
import { directScriptProblem, MAX_SPOOLED_STDIN, PersistentShell, SHELL_SERVER, ShellEnded } from './persistent-shell.js';
import { traceRemote } from './trace.js';

const { Client } = ssh2;
type Ssh2Client = InstanceType<typeof Client>;

/**
 * Identity files parsed once per file version and shared by every connection (ssh2 would
 * parse the key again for each of hundreds of hosts); an unusable key fails as ssh2 says.
 */
const identities = new Map<string, { version: string; key: Promise<ParsedKey | Error> }>();

async function loadIdentity(file: string): Promise<ParsedKey | Error> {
  const st = await stat(file);
  const version = `${st.ino}:${st.size}:${st.mtimeMs}`;
  let hit = identities.get(file);
  if (!hit || hit.version !== version) {
    const key = readFile(file).then((bytes) => {
      const parsed = ssh2.utils.parseKey(bytes);
      if (parsed instanceof Error) return new Error(`Cannot parse privateKey: ${parsed.message}`);
      const k = Array.isArray(parsed) ? parsed[0] : parsed; // OpenSSH's format holds one key
      return k.getPrivatePEM() === null ? new Error('privateKey value does not contain a (valid) private key') : k;
    });
    hit = { version, key };
    identities.set(file, hit);
    key.catch(() => identities.get(file) === hit && identities.delete(file));
  }
  return hit.key;
}

/**
 * File transfers in flight at once, over all hosts: controller files streamed to a host (a large
 * copy src), host files streamed to a controller file (a large fetch), and outputs that may be a
 * whole file (largeOutput: slurp, fetch's probe). A stream holds about one SSH channel window
 * (~2 MB) in memory whatever the file's size, so a 200 MB copy or fetch over many hosts costs
 * tens of MB instead of hosts x 200 MB; the rest wait their turn.
 */
export const MAX_FILE_TRANSFERS = Math.max(1, Number(process.env.NODEMEND_MAX_TRANSFERS) || 8);
const transfers = new Semaphore(MAX_FILE_TRANSFERS);

/** Stay under OpenSSH's default MaxSessions (10) so a burst of tasks never hits "open failed". */
export const DEFAULT_MAX_CHANNELS = 8;
const DEFAULT_KNOWN_HOSTS = '~/.ssh/known_hosts';

export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  identityFile?: string;
  connectTimeoutSec?: number;
  password?: string;
  /** true = $SSH_AUTH_SOCK, or a socket path. */
  agent?: boolean | string;
  /** Default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /** Record unknown host keys instead of refusing them (a changed key is refused regardless). */
  acceptNewHostKeys?: boolean;
  keepaliveSec?: number; // default 15
  /** How long sudo-with-password may take to start the command (prompt + check); default 30. */
  becomeTimeoutSec?: number;
  maxChannels?: number; // default 8
  /** Run commands through one long-lived shell per identity (default true; NODEMEND_PERSISTENT_SHELL=0 turns it off). */
  persistentShell?: boolean;
  /** Reach the host through this (jump) connection instead of a direct TCP connection. */
  via?: SshConnection;
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/** Raised for host key problems: never worth retrying, unlike a refused connection. */
export class HostKeyError extends UnreachableError {
  override readonly name = 'HostKeyError';
}

/** The command line the login shell runs, before any sudo. `sh -c` gives every command the same shell. */
export function innerCommand(command: string, opts: ExecOptions = {}): Raw {
  let cmd = command;
  if (opts.cwd) cmd = `cd ${quote(opts.cwd)} || exit; ${cmd}`;
  let line = sh`sh -c ${cmd}`;
  if (opts.timeoutSec) line = sh`timeout -k 5 ${Math.max(1, Math.ceil(opts.timeoutSec))} ${line}`;
  if (opts.env && Object.keys(opts.env).length) {
    const assigns = Object.entries(opts.env).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${JSON.stringify(k)}`);
      return `${k}=${v}`;
    });
    line = sh`env ${assigns} ${line}`;
  }
  return line;
}

/** Kept for callers of the seed API: the full line for no become or passwordless sudo. */
export function wrapCommand(command: string, opts: ExecOptions, become?: BecomeSpec): string {
  const inner = innerCommand(command, opts);
  return become ? sudoCommand(inner, { ...become, password: undefined }).line.text : inner.text;
}

/** ssh2 reports a signal death as e.g. "SIGKILL"; shells report it as 128+N, and so do we. */
function signalRc(signal: string | undefined): number {
  const n = signal ? (osConstants.signals as Record<string, number>)[signal.startsWith('SIG') ? signal : `SIG${signal}`] : undefined;
  return n ? 128 + n : -1;
}

export class SshConnection implements HostConnection {
  private client?: Ssh2Client;
  /** Why the live connection went away; pending and later execs fail with it. */
  private lost?: string;
  private connecting?: Promise<void>;
  /** close() was called: a connect still in flight must not come back to life. */
  private closed = false;
  private readonly inflight = new Set<(e: Error) => void>();
  private readonly channels: Semaphore;
  /** Successful connects so far (the pool's stats prove reuse with it). */
  opened = 0;
  /** Persistent shells on `shellsOf` (the live client), by identity: "" = login user, else the become user. */
  private readonly shells = new Map<string, { shell?: PersistentShell }>();
  private shellsOf?: Ssh2Client;
  /**
   * Marks this connection's user commands (those run under timeout(1)) on the host, so that
   * stopCommands() finds exactly them: the first line of each one's script is a comment holding
   * it, which shows in its timeout process's command line.
   */
  private readonly marker = randomBytes(8).toString('hex');
  /** User commands in flight, and the identities (become users, '' = login) that ran any. */
  private timedInFlight = 0;
  private readonly timedAs = new Map<string, BecomeSpec | undefined>();
  /** Reads into a controller file in flight (stdoutFile: a large fetch): a second Ctrl-C ends them. */
  private readonly readsToFile = new Set<() => void>();

  constructor(readonly target: SshTarget) {
    this.channels = new Semaphore(target.maxChannels ?? DEFAULT_MAX_CHANNELS);
  }

  get hostName(): string {
    return this.target.name;
  }

  private get where(): string {
    const t = this.target;
    return `${t.user}@${t.host}:${t.port}${t.via ? ` via ${t.via.target.host}:${t.via.target.port}` : ''}`;
  }

  get connected(): boolean {
    return this.client !== undefined && this.lost === undefined;
  }

  /** Connect unless already connected; concurrent callers share one attempt. */
  connect(): Promise<void> {
    this.closed = false;
    if (this.connected) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const t = this.target;
    const knownHosts = expandHome(t.knownHosts ?? DEFAULT_KNOWN_HOSTS);
    const khName = knownHostsName(t.host, t.port);
    let hostKeyProblem: string | undefined;
    const cfg: ConnectConfig = {
      username: t.user,
      readyTimeout: (t.connectTimeoutSec ?? 10) * 1000,
      keepaliveInterval: (t.keepaliveSec ?? 15) * 1000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        this.verifyHostKey(key, knownHosts, khName).then(
          (problem) => {
            hostKeyProblem = problem;
            verify(problem === undefined);
          },
          (e: Error) => {
            hostKeyProblem = `cannot check host key against ${knownHosts}: ${e.message}`;
            verify(false);
          },
        );
      },
    };
    try {
      Object.assign(cfg, await this.authConfig());
      // Ask for the key types known_hosts already has for this host first, as OpenSSH does,
      // so a host with several keys presents one we can verify.
      const preferred = hostKeyAlgorithms(knownKeyTypes(await readKnownHosts(knownHosts), khName));
      if (preferred.length) cfg.algorithms = { serverHostKey: { remove: preferred, prepend: preferred, append: [] } };
      if (t.via) {
        await t.via.connect();
        cfg.sock = await t.via.forwardOut(t.host, t.port);
      } else {
        cfg.host = t.host;
        cfg.port = t.port;
      }
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      throw new UnreachableError(t.name, `${this.where}: ${(e as Error).message}`);
    }

    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      // The first error explains the failure; ssh2 may emit more while tearing down.
      const fail = (e: Error & { level?: string; code?: string }) => {
        if (failed) return;
        failed = true;
        client.end();
        if (hostKeyProblem) reject(new HostKeyError(t.name, hostKeyProblem));
        else reject(new UnreachableError(t.name, this.describeConnectError(e, cfg)));
      };
      client.once('ready', () => {
        // Each exec is a few small packets each way: Nagle would hold them back for an ACK.
        client.setNoDelay(true);
        client.off('error', fail);
        client.removeAllListeners('close');
        this.adopt(client);
        resolve();
      });
      client.on('error', fail);
      client.once('close', () => fail(new Error('connection closed during handshake')));
      try {
        client.connect(cfg);
      } catch (e) {
        fail(e as Error); // e.g. an encrypted private key without passphrase
      }
    });
  }

  /** From 'ready' on, any error or close means the connection is gone: fail what is pending on it. */
  private adopt(client: Ssh2Client): void {
    if (this.closed) {
      client.on('error', () => undefined);
      client.end();
      return;
    }
    this.client = client;
    this.lost = undefined;
    this.opened++;
    const onLost = (why: string) => {
      if (this.client !== client || this.lost) return;
      this.lost = why;
      const err = new UnreachableError(this.hostName, `${this.where}: connection lost (${why})`);
      for (const rejectPending of [...this.inflight]) rejectPending(err);
    };
    client.on('error', (e: Error) => onLost(e.message));
    client.on('end', () => onLost('closed by the remote side'));
    client.on('close', () => onLost('connection closed'));
  }

  private async authConfig(): Promise<Partial<ConnectConfig>> {
    const t = this.target;
    const out: Partial<ConnectConfig> = {};
    const methods: (AuthenticationType | AuthMethod)[] = [];
    let keyFile = t.identityFile && expandHome(t.identityFile);
    let agent = t.agent === true ? process.env.SSH_AUTH_SOCK : t.agent || undefined;
    if (t.agent === true && !agent) throw new UnreachableError(t.name, `${this.where}: agent: true but SSH_AUTH_SOCK is not set`);
    if (!keyFile && t.agent === undefined && t.password === undefined) {
      // Nothing configured: behave like ssh (agent if running, else the usual key files).
      agent = process.env.SSH_AUTH_SOCK || undefined;
      keyFile = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => `${homedir()}/.ssh/${f}`).find((f) => existsSync(f));
    }
    if (keyFile) {
      let key: ParsedKey | Error;
      try {
        key = await loadIdentity(keyFile);
      } catch (e) {
        throw new UnreachableError(t.name, `${this.where}: cannot read identity file ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (key instanceof Error) throw new UnreachableError(t.name, `${this.where}: ${key.message}`);
      const publickey: PublicKeyAuthMethod = { type: 'publickey', username: t.user, key };
      methods.push(publickey);
    }
    if (agent) {
      out.agent = expandHome(agent);
      methods.push('agent');
    }
    if (t.password !== undefined) {
      out.password = t.password;
      methods.push('password', 'keyboard-interactive');
      out.tryKeyboard = true;
    }
    if (!methods.length) throw new UnreachableError(t.name, `${this.where}: no identity_file, agent or password configured and none found`);
    // ssh2 takes names (using the connect config) and methods (carrying their own key) in one list.
    out.authHandler = methods as AuthMethod[];
    return out;
  }

  /** undefined = accept; otherwise the one-line reason the key is refused. */
  private async verifyHostKey(key: Buffer, file: string, name: string): Promise<string | undefined> {
    const got = `${keyTypeOf(key)} ${fingerprint(key)}`;
    const verdict = checkHostKey(await readKnownHosts(file), name, key);
    switch (verdict.kind) {
      case 'known':
        return undefined;
      case 'revoked':
        return `host key ${got} of ${name} is marked @revoked in ${file}:${verdict.entry.line}; refusing to connect`;
      case 'mismatch': {
        const exp = verdict.expected.map((e) => `${fingerprint(e.key)} (${file}:${e.line})`).join(', ');
        const lines = verdict.expected.map((e) => e.line).join(',');
        return `HOST KEY MISMATCH for ${name}: expected ${exp}, got ${got}; possible man-in-the-middle. If the host was reinstalled, remove line ${lines} of ${file}`;
      }
      case 'other-type': {
        const known = verdict.known.map((e) => `${keyTypeOf(e.key)} (${file}:${e.line})`).join(', ');
        return `host ${name} presented ${got} but ${file} only knows ${known} for it; refusing to connect`;
      }
      case 'unknown':
        if (!this.target.acceptNewHostKeys)
          return `host key for ${name} is not in ${file} (got ${got}); verify it and add it (ssh-keyscan -p ${this.target.port} ${this.target.host} >> ${file}) or opt in with acceptNewHostKeys`;
        await appendKnownHost(file, name, key);
        return undefined;
    }
  }

  private describeConnectError(e: Error & { level?: string; code?: string }, cfg: ConnectConfig): string {
    const t = this.target;
    if (e.level === 'client-authentication')
      return `${this.where}: authentication failed (tried ${(cfg.authHandler as (string | AuthMethod)[]).map((m) => (typeof m === 'string' ? m : m.type)).join(', ')})`;
    if (e.level === 'client-timeout') return `${this.where}: no SSH handshake within ${t.connectTimeoutSec ?? 10}s`;
    if (e.code === 'ECONNREFUSED') return `${this.where}: connection refused`;
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `${this.where}: cannot resolve host name ${t.host}`;
    return `${this.where}: ${e.message.split('\n')[0]}`;
  }

  /** A direct-tcpip channel to host:port as seen from this host (the jump-host hop). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    const client = this.client;
    if (!client || this.lost) return Promise.reject(new UnreachableError(this.hostName, `${this.where}: not connected`));
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err) reject(new UnreachableError(this.hostName, `${this.where}: cannot forward to ${host}:${port}: ${err.message}`));
        else resolve(stream);
      });
    });
  }

  exec(command: string | { toString(): string }, opts: ExecOptions = {}, become?: BecomeSpec): Promise<ExecResult> {
    traceRemote({ host: this.hostName, kind: 'command', as: become?.user ?? '', text: String(command) });
    if (opts.timeoutSec === undefined) {
      // Any such command may run in a persistent shell's direct mode: refused here, shell busy or not, so a test finds it.
      const problem = directScriptProblem(String(command));
      if (problem) return Promise.reject(new Error(`nodemend bug: ${problem}`));
      return this.route(String(command), opts, become);
    }
    this.timedAs.set(become?.user ?? '', become);
    this.timedInFlight++;
    return this.route(`# nodemend-cmd ${this.marker}\n${String(command)}`, opts, become).finally(() => this.timedInFlight--);
  }

  /**
   * The second Ctrl-C: stops the user commands in flight on the host. Closing the connection
   * would not (sshd leaves a command without a terminal running), so for each identity that ran
   * one, `pkill -TERM` is sent to the timeout(1) processes carrying this connection's marker;
   * timeout passes the signal to the command's whole process group (and KILLs it 5 s later).
   * Resolves with what could not be stopped within `graceMs` (then the connection is closed and
   * those commands end at their own timeout), undefined when nothing is left running.
   * Reads into a controller file (a large fetch) are ended at once: they change nothing on the
   * host, and their caller removes the part received.
   */
  async stopCommands(graceMs: number): Promise<string | undefined> {
    for (const stop of [...this.readsToFile]) stop();
    if (this.timedInFlight === 0 || !this.connected) return undefined;
    const pattern = `^timeout -k 5 [0-9]+ sh -c .*nodemend-cmd ${this.marker}`;
    const problems: string[] = [];
    await Promise.all(
      [...this.timedAs.values()].map(async (become) => {
        try {
          // pkill: 0 = signalled, 1 = none left (already done)
          const r = await this.execOnOwnChannel(sh`pkill -TERM -f ${pattern}`.text, {}, become);
          if (r.rc > 1) problems.push(`pkill as ${become?.user ?? this.target.user}: rc ${r.rc} ${r.stderr.trim()}`);
        } catch (e) {
          problems.push((e as Error).message);
        }
      }),
    );
    const end = Date.now() + graceMs;
    while (this.timedInFlight > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    if (this.timedInFlight === 0) return undefined;
    await this.close();
    return `${this.timedInFlight} command(s) still running${problems.length ? ` (${problems.join('; ')})` : ''}: they end at their own timeout`;
  }

  private route(cmd: string, opts: ExecOptions, become?: BecomeSpec): Promise<ExecResult> {
    if (opts.stdinFile !== undefined || opts.stdoutFile !== undefined || opts.largeOutput) return transfers.run(() => this.execOnOwnChannel(cmd, opts, become));
    const shell = this.shellFor(opts, become);
    if (shell) return shell.then((s) => (s && s.alive && !s.busy ? this.execOnShell(s, cmd, opts) : this.execOnOwnChannel(cmd, opts, become)));
    return this.execOnOwnChannel(cmd, opts, become);
  }

  private execOnOwnChannel(command: string, opts: ExecOptions, become?: BecomeSpec): Promise<ExecResult> {
    return this.channels.run(() => this.execOnChannel(command, opts, become));
  }

  private get persistentShells(): boolean {
    return (this.target.persistentShell ?? true) && process.env.NODEMEND_PERSISTENT_SHELL !== '0';
  }

  /**
   * The identity's persistent shell when it can take this command now (started on first use);
   * undefined sends the command over a channel of its own: the shell is busy, still starting
   * for another command, could not start (then sudo's own error shows on the channel), or the
   * command needs what a channel does better (sudo password dialog, large input or output).
   */
  private shellFor(opts: ExecOptions, become?: BecomeSpec): Promise<PersistentShell | undefined> | undefined {
    const client = this.client;
    if (!client || this.lost || !this.persistentShells || become?.password !== undefined || opts.largeOutput) return undefined;
    if (opts.stdin !== undefined && Buffer.byteLength(opts.stdin) > MAX_SPOOLED_STDIN) return undefined;
    if (this.shellsOf !== client) {
      this.shells.clear();
      this.shellsOf = client;
    }
    const key = become ? become.user : '';
    const slot = this.shells.get(key);
    if (!slot) {
      const fresh: { shell?: PersistentShell } = {};
      this.shells.set(key, fresh);
      return this.startShell(client, become).then((s) => (fresh.shell = s));
    }
    return slot.shell?.alive && !slot.shell.busy ? Promise.resolve(slot.shell) : undefined;
  }

  /** One channel for the shell's lifetime (it counts against maxChannels); undefined when it does not come up. */
  private async startShell(client: Ssh2Client, become?: BecomeSpec): Promise<PersistentShell | undefined> {
    const release = await this.channels.hold();
    try {
      if (this.client !== client || this.lost) throw new Error('connection gone');
      const server = sh`sh -c ${SHELL_SERVER}`;
      const line = become ? sudoCommand(server, become).line.text : server.text;
      const stream = await new Promise<ClientChannel>((resolve, reject) => this.openExecChannel(client, line, 0, (e, st) => (e ? reject(e) : resolve(st))));
      stream.on('close', release);
      const shell = new PersistentShell(stream, () => (this.lost ? new UnreachableError(this.hostName, `${this.where}: connection lost (${this.lost})`) : undefined));
      await shell.waitReady((this.target.becomeTimeoutSec ?? 30) * 1000);
      return shell;
    } catch {
      release();
      return undefined;
    }
  }

  private execOnShell(shell: PersistentShell, command: string, opts: ExecOptions): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const onLost = (e: Error) => {
        this.inflight.delete(onLost);
        reject(e);
      };
      this.inflight.add(onLost);
      shell.run({ command, stdin: opts.stdin, timeoutSec: opts.timeoutSec, cwd: opts.cwd, env: opts.env }).then(
        (out) => {
          this.inflight.delete(onLost);
          resolve(
            execResult({
              rc: out.rc,
              stderr: out.stderr.toString('utf8'),
              stdoutBytes: out.stdout,
              timedOut: opts.timeoutSec !== undefined && (out.rc === 124 || out.rc === 137),
            }),
          );
        },
        (e: Error) => onLost(e instanceof ShellEnded ? new Error(`${this.hostName}: ${e.message} while running a command`) : e),
      );
    });
  }

  private execOnChannel(command: string, opts: ExecOptions, become?: BecomeSpec): Promise<ExecResult> {
    const client = this.client;
    if (!client) return Promise.reject(new UnreachableError(this.hostName, `${this.where}: not connected`));
    if (this.lost) return Promise.reject(new UnreachableError(this.hostName, `${this.where}: connection lost (${this.lost})`));
    const sudo = become ? sudoCommand(innerCommand(command, opts), become) : undefined;
    const line = sudo ? sudo.line.text : innerCommand(command, opts).text;
    const dialog = sudo?.prompt && sudo.marker ? new SudoDialog(sudo.prompt, sudo.marker) : undefined;

    return new Promise<ExecResult>((resolve, reject) => {
      let settled = false;
      let sink: FileSink | undefined;
      // With stdoutFile, the caller hears of the end (a lost connection included) only once the
      // local file is closed: it may remove the file then, and no late write recreates it.
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.inflight.delete(onLost);
        if (sink) void sink.close().then(fn);
        else fn();
      };
      const onLost = (e: Error) => settle(() => reject(e));
      this.inflight.add(onLost);

      this.openExecChannel(client, line, 0, (err, stream) => {
        if (err) return settle(() => reject(err));
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let rc: number | undefined;
        let localError: Error | undefined;
        const sendStdin = () => {
          if (opts.stdinFile === undefined) return opts.stdin !== undefined ? stream.end(opts.stdin) : stream.end();
          // pipe() waits for the channel's window: memory stays at about one window per transfer.
          const file = createReadStream(opts.stdinFile);
          file.on('error', (e) => {
            localError = new Error(`${this.hostName}: cannot read ${opts.stdinFile}: ${e.message}`);
            stream.end(); // the host sees its input end early and refuses it
          });
          file.pipe(stream);
        };
        // sudo runs outside timeout(1): if it never shows our prompt (e.g. passprompt_override
        // in sudoers) it would wait for a password forever. EOF on its stdin ends it.
        let stalled = false;
        const guard = dialog
          ? setTimeout(
              () => {
                stalled = true;
                stream.end();
              },
              (this.target.becomeTimeoutSec ?? 30) * 1000,
            )
          : undefined;
        const onEvents = (events: string[]) => {
          for (const ev of events) {
            if (ev === 'send-password') stream.write(`${become!.password}\n`);
            else if (ev === 'ready') {
              clearTimeout(guard);
              sendStdin();
            } else if (ev === 'rejected') stream.end(); // EOF makes sudo give up instead of waiting for another try
          }
        };
        if (opts.stdoutFile !== undefined && !settled) {
          sink = new FileSink(opts.stdoutFile, stream, (e) => (localError ??= new Error(`${this.hostName}: cannot write ${opts.stdoutFile}: ${e.message}`)));
          const stop = () => {
            settle(() => reject(new Error(`${this.hostName}: the read was stopped (a second interrupt)`)));
            stream.close();
          };
          this.readsToFile.add(stop);
          stream.on('close', () => this.readsToFile.delete(stop));
        }
        stream.on('data', (d: Buffer) => {
          if (dialog) onEvents(dialog.onStdout(d));
          if (opts.stdoutFile === undefined) return dialog ? undefined : out.push(d);
          for (const b of dialog ? dialog.takeStdout() : [d]) sink?.write(b);
        });
        stream.stderr.on('data', (d: Buffer) => (dialog ? onEvents(dialog.onStderr(d)) : errb.push(d)));
        stream.on('exit', (code: number | null, signal?: string) => (rc = code ?? signalRc(signal)));
        stream.on('close', () => {
          clearTimeout(guard);
          if (rc === undefined && this.lost) return onLost(new UnreachableError(this.hostName, `${this.where}: connection lost (${this.lost})`));
          if (localError) return settle(() => reject(localError));
          const code = rc ?? -1;
          const bytes = dialog ? dialog.result() : { stdout: Buffer.concat(out), stderr: Buffer.concat(errb) };
          const stderr = bytes.stderr.toString('utf8');
          if (dialog && !dialog.ready && stalled)
            return settle(() =>
              reject(new BecomeError(this.hostName, `sudo on host ${this.hostName} did not start the command within ${this.target.becomeTimeoutSec ?? 30}s (its password prompt was not recognized)`)),
            );
          if (dialog && !dialog.ready && (dialog.rejected || (dialog.passwordSent && code !== 0)))
            return settle(() => reject(new BecomeError(this.hostName, `sudo password rejected for user ${become!.user} on host ${this.hostName}`)));
          if (become && !become.password && needsPassword(code, stderr))
            return settle(() => reject(new BecomeError(this.hostName, `sudo needs a password on host ${this.hostName} (user ${this.target.user}); set become_password`)));
          // The sink's open error (stdoutFile already there) can arrive after the channel closed:
          // settle runs this only once the file is closed, so it is known by then (as local.ts awaits it).
          settle(() =>
            localError
              ? reject(localError)
              : resolve(
                  execResult({
                    rc: code,
                    stderr,
                    stdoutBytes: bytes.stdout,
                    timedOut: opts.timeoutSec !== undefined && (code === 124 || code === 137),
                  }),
                ),
          );
        });
        if (!dialog) sendStdin();
      });
    });
  }

  /**
   * sshd frees a session slot a moment after the channel has closed, so an open
   * right after a close can be refused although we hold at most `maxChannels`:
   * retry that briefly (about 2 s in all) instead of failing the task.
   */
  private openExecChannel(client: Ssh2Client, line: string, attempt: number, cb: (err: Error | undefined, stream: ClientChannel) => void): void {
    if (attempt === 0) traceRemote({ host: this.hostName, kind: 'channel', text: line });
    client.exec(line, (err, stream) => {
      if (!err) return cb(undefined, stream);
      if (this.lost || this.client !== client) return cb(new UnreachableError(this.hostName, `${this.where}: connection lost (${this.lost ?? 'closed'})`), stream);
      if (attempt < 12 && /open failed/.test(err.message)) {
        setTimeout(() => this.openExecChannel(client, line, attempt + 1, cb), Math.min(10 * 2 ** attempt, 250));
        return;
      }
      cb(new Error(`${this.hostName}: cannot open a channel: ${err.message}`), stream);
    });
  }

  as(become: BecomeSpec | undefined): RemoteShell {
    return { hostName: this.hostName, exec: (cmd, opts) => this.exec(cmd, opts, become) };
  }

  /** After a reboot: drop the old connection, then retry until the deadline (host key problems fail at once). */
  async reconnect(deadline: number): Promise<void> {
    this.drop('reconnecting');
    for (;;) {
      try {
        if (this.target.via && !this.target.via.connected) await this.target.via.connect();
        return await this.connect();
      } catch (e) {
        if (e instanceof HostKeyError || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private drop(why: string): void {
    const client = this.client;
    if (!client) return;
    this.lost ??= why;
    for (const rejectPending of [...this.inflight]) rejectPending(new UnreachableError(this.hostName, `${this.where}: ${why}`));
    this.client = undefined;
    this.shells.clear(); // they end with the client
    client.end();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop('connection closed');
  }
}

/** The handshake names for a stored key type (an RSA key can sign with SHA-2). */
function hostKeyAlgorithms(types: string[]): ServerHostKeyAlgorithm[] {
  const algos: ServerHostKeyAlgorithm[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (t === 'ssh-ed25519' || t.startsWith('ecdsa-sha2-')) algos.push(t as ServerHostKeyAlgorithm);
  }
  return algos;
}
