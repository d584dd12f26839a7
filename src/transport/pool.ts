/**
 * One connection per inventory host, opened on first use and shared by every
 * task on that host. Jump hosts are connections too: an inventory host named in
 * `proxy_jump` is reused as is, a `user@host:port` jump is shared by all the
 * hosts behind it.
 */
import type { InventoryHost } from '../load/model.js';
import type { HostConnection } from './types.js';
import { UnreachableError } from './types.js';
import { SshConnection, type SshTarget } from './ssh.js';
import { Semaphore } from './semaphore.js';
import { LocalConnection } from './local.js';

/**
 * Handshakes in flight at once. Each costs both ends a burst of CPU (key exchange, sshd's
 * re-exec, auth): 200 started together on a small machine made some exceed the connect
 * timeout although every host was fine. A bounded number keeps each one quick.
 */
export const DEFAULT_MAX_HANDSHAKES = 64;

export interface PoolOptions {
  acceptNewHostKeys?: boolean;
  /** known_hosts for hosts that do not set `known_hosts` (default ~/.ssh/known_hosts). */
  knownHostsDefault?: string;
  /** Resolves a `proxy_jump` that names another inventory host. */
  resolveHost?: (name: string) => InventoryHost | undefined;
  maxChannelsPerHost?: number;
  /** Default DEFAULT_MAX_HANDSHAKES. */
  maxHandshakes?: number;
}

export interface JumpSpec {
  user?: string;
  host: string;
  port: number;
}

/** `[user@]host[:port]`, host possibly `[v6]`; undefined when it is not of that form. */
export function parseJump(spec: string): JumpSpec | undefined {
  const m = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) return undefined;
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) return undefined;
  return { user: m[1], host: m[2].replace(/^\[|\]$/g, ''), port };
}

export class ConnectionPool {
  private readonly hosts = new Map<string, Promise<SshConnection>>();
  private readonly jumps = new Map<string, Promise<SshConnection>>();
  private readonly all = new Map<string, SshConnection[]>(); // stats key -> every connection made for it

  private readonly handshakes: Semaphore;
  /** The control machine: one for every name that means it (localhost, 127.0.0.1, local: true hosts). */
  private local?: LocalConnection;

  constructor(private readonly opts: PoolOptions = {}) {
    this.handshakes = new Semaphore(opts.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES);
  }

  /** The host's connection as its inventory user, or (a task's `remote_user`) as `user`: one per host and user, same key, known_hosts and jump. */
  get(host: InventoryHost, user = host.connection.user): Promise<HostConnection> {
    if (host.connection.local) return Promise.resolve((this.local ??= new LocalConnection('localhost')));
    if (user === host.connection.user) return this.connectionFor(host, []);
    return this.connectionFor({ ...host, name: `${host.name} as ${user}`, connection: { ...host.connection, user } }, [], host.name);
  }

  /** `hostName`: the host's own name (known_hosts, messages) when `host.name` is a per-user key. */
  private connectionFor(host: InventoryHost, chain: string[], hostName = host.name): Promise<SshConnection> {
    let p = this.hosts.get(host.name);
    if (!p) {
      p = this.open(host, chain, hostName);
      this.hosts.set(host.name, p);
      // A failed attempt is not cached: a later get() (e.g. a new play) tries again.
      p.catch(() => this.hosts.get(host.name) === p && this.hosts.delete(host.name));
    }
    return p;
  }

  private async open(host: InventoryHost, chain: string[], hostName: string): Promise<SshConnection> {
    let via: SshConnection | undefined;
    if (host.connection.proxy_jump) {
      try {
        via = await this.jumpFor(host, chain);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new UnreachableError(host.name, `jump host ${host.connection.proxy_jump} unreachable: ${why}`);
      }
    }
    const conn = this.track(host.name, new SshConnection({ ...this.targetFor(host), name: hostName, via }));
    await this.handshakes.run(() => conn.connect());
    return conn;
  }

  private targetFor(host: InventoryHost): SshTarget {
    const c = host.connection;
    return {
      name: host.name,
      host: c.host,
      port: c.port,
      user: c.user,
      identityFile: c.identity_file,
      password: c.password,
      agent: c.agent,
      knownHosts: c.known_hosts ?? this.opts.knownHostsDefault,
      acceptNewHostKeys: this.opts.acceptNewHostKeys,
      connectTimeoutSec: c.connect_timeout,
      maxChannels: this.opts.maxChannelsPerHost,
    };
  }

  private async jumpFor(host: InventoryHost, chain: string[]): Promise<SshConnection> {
    const spec = host.connection.proxy_jump!;
    const named = this.opts.resolveHost?.(spec);
    if (named) {
      if (chain.includes(named.name) || named.name === host.name) throw new UnreachableError(host.name, `proxy_jump loop: ${[...chain, host.name, named.name].join(' -> ')}`);
      return this.connectionFor(named, [...chain, host.name]);
    }
    const j = parseJump(spec);
    if (!j) throw new UnreachableError(host.name, `proxy_jump ${JSON.stringify(spec)} is neither an inventory host nor user@host:port`);
    // Same credentials and known_hosts as the target, as ssh -J does by default.
    const base = this.targetFor(host);
    const user = j.user ?? base.user;
    const key = `${user}@${j.host}:${j.port}`;
    let p = this.jumps.get(key);
    if (!p) {
      const conn = this.track(`jump ${key}`, new SshConnection({ ...base, name: `jump ${key}`, host: j.host, port: j.port, user }));
      p = this.handshakes.run(() => conn.connect()).then(() => conn);
      this.jumps.set(key, p);
      p.catch(() => this.jumps.get(key) === p && this.jumps.delete(key));
    }
    return p;
  }

  private track(key: string, conn: SshConnection): SshConnection {
    this.all.set(key, [...(this.all.get(key) ?? []), conn]);
    return conn;
  }

  /** Connections opened so far, per inventory host (and per `jump user@host:port`): reuse keeps these at 1. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, cs] of this.all) out[k] = cs.reduce((n, c) => n + c.opened, 0);
    return out;
  }

  /**
   * The second Ctrl-C: the user commands in flight are stopped on every host (SshConnection's
   * stopCommands; commands on the control machine are killed), connections stay open so the
   * tasks end with their commands' results and the run locks can be removed. Returns, per
   * host, what could not be stopped (that host's connection is closed instead).
   */
  async stopCommands(graceMs = 10_000): Promise<Map<string, string>> {
    await this.local?.close();
    const left = new Map<string, string>();
    await Promise.all(
      [...this.all.values()].flat().map(async (c) => {
        const why = await c.stopCommands(graceMs).catch((e: Error) => e.message);
        if (why) left.set(c.hostName, why);
      }),
    );
    return left;
  }

  async closeAll(): Promise<void> {
    const conns = [...this.all.values()].flat();
    await this.local?.close();
    this.hosts.clear();
    this.jumps.clear();
    // Targets first: their channels ride on the jump connections.
    await Promise.all(conns.filter((c) => c.target.via).map((c) => c.close()));
    await Promise.all(conns.filter((c) => !c.target.via).map((c) => c.close()));
  }
}
