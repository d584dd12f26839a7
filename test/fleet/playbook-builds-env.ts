/**
 * Where the kubelet and kpatch playbook tests run: the suite fleet's build hosts
 * (HOSTS.builds = node14..16), node14 the builder and all three nodes, through the real
 * loader, executor and SSH pool (in-process, so no stale dist/). Every test file works
 * under its own /tmp/nm-<tag>-<random> paths on the hosts, so the two files can run at once.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { loadAll } from '../../src/load/load.js';
import { ConnectionPool } from '../../src/transport/pool.js';
import { runPlaybook } from '../../src/run/executor.js';
import { DEFAULT_OPTIONS } from '../../src/run/options.js';
import type { RunResult } from '../../src/run/events.js';
import { HOSTS, fleetHost, hostRoot, testFleet } from '../setup/fleet.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const BUILDER = HOSTS.builds[0];
export const NODES = [...HOSTS.builds];

export function uniqueTag(tag: string): string {
  return `/tmp/nm-${tag}-${randomBytes(4).toString('hex')}`;
}

/** An inventory of the build hosts: builders = node14, nodes = node14..16, optional host vars. */
export function writeInventory(hostVars: Record<string, Record<string, unknown>> = {}): string {
  const f = testFleet();
  const hosts = NODES.map((n) => `    ${n}: { port: ${fleetHost(n).port}, vars: ${JSON.stringify(hostVars[n] ?? {})} }`).join('\n');
  const text = `all:
  connection: { host: 127.0.0.1, user: ops, identity_file: ${JSON.stringify(f.key)}, known_hosts: ${JSON.stringify(f.knownHosts)}, become: true }
  hosts:
${hosts}
  children:
    builders: { hosts: { ${BUILDER}: {} } }
    nodes: { hosts: { ${NODES.map((n) => `${n}: {}`).join(', ')} } }
`;
  const dir = mkdtempSync(join(tmpdir(), 'nm-builds-inv-'));
  writeFileSync(join(dir, 'inventory.yaml'), text);
  return join(dir, 'inventory.yaml');
}

/** Run a playbook of the repo against the inventory, as `nodemend run` does. */
export async function play(playbook: string, inventory: string, extraVars: Record<string, unknown>, opts: { check?: boolean; tags?: string[] } = {}): Promise<RunResult> {
  const loaded = await loadAll({ playbook: join(REPO, 'playbooks', playbook), inventory, extraVars: [JSON.stringify(extraVars)], tags: opts.tags ?? [], skipTags: [] });
  const pool = new ConnectionPool({ acceptNewHostKeys: false, resolveHost: (n) => loaded.inventory.hosts.get(n) });
  try {
    return await runPlaybook({
      playbook: loaded.playbook,
      inventory: loaded.inventory,
      hostsByPlay: loaded.hostsByPlay,
      options: { ...DEFAULT_OPTIONS, check: Boolean(opts.check), diff: true, tags: opts.tags ?? [], extraVars: loaded.extraVars },
      connect: (host) => pool.get(host),
    });
  } finally {
    await pool.closeAll();
  }
}

export const changedOf = (r: RunResult): Record<string, number> => Object.fromEntries(Object.entries(r.recap).map(([h, c]) => [h, c.changed]));
export const failedOf = (r: RunResult): Record<string, number> => Object.fromEntries(Object.entries(r.recap).map(([h, c]) => [h, c.failed]));
/** Failures with their messages, for an assertion that explains itself. */
export const failures = (r: RunResult): string[] => r.results.filter((x) => x.status === 'failed' && !x.ignored).map((x) => `${x.host} ${x.task}: ${x.msg}`);
/** Hosts that got a changed (or would-change) result from the task with this name. */
export const changedBy = (r: RunResult, task: string): string[] => [...new Set(r.results.filter((x) => x.task === task && x.status === 'changed').map((x) => x.host))].sort();
export const resultsOf = (r: RunResult, task: string) => r.results.filter((x) => x.task === task);
/** Every changed result as "host task [item]": a check run must predict exactly the real run's. */
export const changedTasks = (r: RunResult): string[] =>
  r.results
    .filter((x) => x.status === 'changed')
    .map((x) => `${x.host} ${x.task}${x.item === undefined ? '' : ` [${JSON.stringify(x.item)}]`}`)
    .sort();

/** The host's file at a remote path, from the controller. */
export const onHost = (host: string, path: string): string => join(hostRoot(host), path);

/** Every file under a remote dir on every build host: path → sha of bytes + mode + mtime (what --check must not touch). */
export function snapshotTree(paths: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (host: string, root: string, p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    const key = `${host}:${relative(root, p)}`;
    if (st.isDirectory()) {
      out[key] = `dir ${st.mode} ${st.mtimeMs}`;
      for (const e of readdirSync(p)) walk(host, root, join(p, e));
    } else out[key] = `${st.mode} ${st.mtimeMs} ${readFileSync(p).toString('base64')}`;
  };
  for (const host of NODES) for (const path of paths) walk(host, hostRoot(host), onHost(host, path));
  return out;
}
