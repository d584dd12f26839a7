/**
 * What every multi-host differential inventory repeats to reach the test fleet: nodemend's `connection:`
 * block (under `all:`) and Ansible's connection variables for one fleet host.
 */
import { testFleet } from './fleet.js';

/** `  connection:` and its settings, indented to sit under a nodemend inventory's `all:`. */
export function nodemendFleetConnection(): string {
  const f = testFleet();
  return `  connection:
    host: 127.0.0.1
    user: ops
    identity_file: ${JSON.stringify(f.key)}
    known_hosts: ${JSON.stringify(f.knownHosts)}
    connect_timeout: 5
`;
}

/** Ansible's host variables for the fleet host listening on `port`. */
export function ansibleFleetVars(port: number): Record<string, unknown> {
  return {
    ansible_host: '127.0.0.1',
    ansible_port: port,
    ansible_user: 'ops',
    ansible_ssh_private_key_file: testFleet().key,
    ansible_python_interpreter: '/usr/bin/python3',
  };
}
