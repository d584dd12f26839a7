/**
 * Direct SshConnections to fleet hosts for transport tests: a target per host and
 * connections that are closed after each test of the file that opened them.
 */
import { afterEach } from 'vitest';
import { SshConnection, type SshTarget } from '../../src/transport/ssh.js';
import { fleetHost, testFleet } from './fleet.js';

/** nodeN as user ops, with the fleet's key and known_hosts. */
export function fleetTarget(n: number, over: Partial<SshTarget> = {}): SshTarget {
  const f = testFleet();
  return { name: `node${n}`, host: '127.0.0.1', port: fleetHost(`node${n}`).port, user: 'ops', identityFile: f.key, knownHosts: f.knownHosts, ...over };
}

/** Call at a test file's top level: `connect` opens (and tracks) a connection; each is closed after its test. */
export function trackedConnections(): { connect: (t: SshTarget) => Promise<SshConnection>; opened: SshConnection[] } {
  const opened: SshConnection[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  const connect = async (t: SshTarget): Promise<SshConnection> => {
    const c = new SshConnection(t);
    opened.push(c);
    await c.connect();
    return c;
  };
  return { connect, opened };
}
