/**
 * The second Ctrl-C stops the commands in flight ON THE HOSTS, through the real CLI on node19..21
 * (the rolling area): three drained nodes each run `sleep 300` (become root, through the
 * persistent shell); after two SIGINTs no `sleep 300` is left on any host (processes found from
 * the controller by their root directory, the host's chroot), the run ends at once with exit 130,
 * the recap names the interrupted hosts and every node the drain left cordoned, and the run
 * locks are gone. There is no API server here: test/fixtures/kubectl/kubectl (kubectl v1.28's
 * drain output and exit codes, cordons kept in files) stands in on the controller's PATH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, CLI, workDir, writeInventory } from '../setup/cli.js';

const NODES = [...HOSTS.rolling];
const REPO = resolve(import.meta.dirname, '../..');
const work = workDir('stop');
const cluster = join(work, 'cluster');
const lockName = `nm-stop-${process.pid}.lock`;
let inventory: string;

/** PIDs of `sleep 300` running on `host` (its processes are visible here; their root is its chroot). */
function sleepers(host: string): number[] {
  const root = realpathSync(hostRoot(host));
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'latin1') === 'sleep\0' + '300\0' && readlinkSync(`/proc/${d}/root`) === root) found.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, NODES, { vars: { k8s_drain: true } });
  mkdirSync(cluster, { recursive: true });
});

afterAll(() => {
  // never leave a sleeper behind, whatever failed
  for (const h of NODES) for (const pid of sleepers(h)) process.kill(pid, 'SIGKILL');
});

describe('a second Ctrl-C', () => {
  it('stops `sleep 300` on all three hosts, names the cordoned nodes, exit 130', async () => {
    const pb = join(work, 'long.yaml');
    writeFileSync(
      pb,
      `- name: long window
  hosts: nodes
  tasks:
    - include_tasks: ${join(REPO, 'playbooks/tasks/k8s-node.yaml')}
      vars: { k8s_step: drain }
    - name: long step
      command: sleep 300
    - include_tasks: ${join(REPO, 'playbooks/tasks/k8s-node.yaml')}
      vars: { k8s_step: ready }
`,
    );
    const child = spawn(process.execPath, [CLI, 'run', pb, '-i', inventory], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1', PATH: `${join(REPO, 'test/fixtures/kubectl')}:${process.env.PATH}`, KUBECTL_STANDIN_DIR: cluster, NODEMEND_RUN_LOCK_NAME: lockName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('close', res));

    await until('sleep 300 on every host', () => NODES.every((h) => sleepers(h).length === 1));
    child.kill('SIGINT');
    await until('the first SIGINT to be seen', () => stderr.includes('nodemend: SIGINT: finishing'));
    expect(NODES.map((h) => sleepers(h).length)).toEqual([1, 1, 1]); // the first one lets them run
    child.kill('SIGINT');
    const code = await exited;

    expect(code, stdout + stderr).toBe(130);
    expect(NODES.map((h) => sleepers(h))).toEqual([[], [], []]);
    expect(stderr).toContain('nodemend: SIGINT again: stopping the commands in flight');
    expect(stdout).toContain('PLAY RECAP');
    expect(stdout).toContain(`INTERRUPTED by SIGINT: stopped part-way: ${NODES.join(', ')}; not started: none`);
    for (const h of NODES) expect(stdout).toContain(`LEFT CORDONED: ${h} is drained and cordoned`);
    expect(readdirSync(join(cluster, 'nodes')).sort()).toEqual(NODES.map((h) => `${h}.cordoned`));
    // the connections stayed up to the end: each host's run lock was removed
    for (const h of NODES) {
      expect(existsSync(join(hostRoot(h), 'run', lockName))).toBe(false);
      expect(existsSync(join(hostRoot(h), 'tmp', lockName))).toBe(false);
    }
    expect(stderr).not.toContain('stays on');
  });
});
