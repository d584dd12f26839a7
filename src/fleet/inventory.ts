/**
 * The files `fleet up` leaves for nodemend and for plain OpenSSH: an inventory in
 * nodemend's format and a known_hosts with each host's real key.
 */
import { renameSync, writeFileSync } from 'node:fs';

export interface InventoryInput {
  key: string; // absolute path of the private key
  knownHosts: string; // absolute path
  hosts: { name: string; port: number }[];
  /** Hosts that build fixtures (the nokmem kubelet): the first one. */
  builders?: string[];
}

/** JSON strings are valid YAML double-quoted scalars: any path stays one value. */
const q = (s: string): string => JSON.stringify(s);

export function inventoryYaml(inv: InventoryInput): string {
  const names = inv.hosts.map((h) => h.name);
  const builders = inv.builders ?? names.slice(0, 1);
  const members = (list: string[]): string => `{ ${list.map((n) => `${n}: {}`).join(', ')} }`;
  return [
    '# Written by `nodemend fleet up`: the local test fleet (rewritten on every up).',
    'all:',
    `  connection: { host: 127.0.0.1, user: ops, identity_file: ${q(inv.key)}, known_hosts: ${q(inv.knownHosts)}, become: true }`,
    '  hosts:',
    ...inv.hosts.map((h) => `    ${h.name}: { port: ${h.port} }`),
    '  children:',
    `    nodes: { hosts: ${members(names)} }`,
    `    builders: { hosts: ${members(builders)} }`,
    '',
  ].join('\n');
}

/** "[127.0.0.1]:PORT type base64", the form OpenSSH (and ssh-keyscan) uses for a non-22 port. */
export function knownHostsLine(port: number, publicKey: string): string {
  const [type, blob] = publicKey.trim().split(/\s+/);
  const host = port === 22 ? '127.0.0.1' : `[127.0.0.1]:${port}`;
  return `${host} ${type} ${blob}`;
}

/** Readers (a run in progress, a test) never see a half-written file. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}
