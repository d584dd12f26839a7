/**
 * docker.yaml as a rolling change on a live cluster, on node19..node21 (the rolling area).
 *
 * There is no Kubernetes API server on these machines: test/fixtures/kubectl/kubectl stands in
 * for kubectl on the control machine's PATH (it mirrors kubectl v1.28's drain, uncordon, wait and
 * version output and exit codes, keeps cordons in files, and logs every call with a timestamp).
 * dockerd is a stand-in reporting 18.09.1, /etc/init.d/docker a stand-in (moby's sysvinit-redhat
 * script's outputs and exit codes, test/setup/docker-standins.ts) logging each start/restart with a timestamp (the hosts share the controller's clock), and the kubelet's
 * healthz is a file read through curl's file:// (a healthy node's says "ok").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS } from '../setup/fleet.js';
import { assertBuilt, workDir, writeInventory } from '../setup/cli.js';
import { onHost, plant, removeOnHost } from './playbooks-env.js';
import { cordonedNodes, expectConvergedRerun, expectOneDrainedNodeAtATime, expectStoppedAtFailedNode, kubectlCalls, resetCluster, runRolling, taskStatus, type Run } from './rolling-env.js';
import { dockerdStandIn, sysvinitDockerStandIn } from '../setup/docker-standins.js';

const NODES = [...HOSTS.rolling]; // node19, node20, node21
const [A, B, C] = NODES;
const SERVICE_LOG = '/var/log/nm-rolling-docker.log';
const RUNNING = '/var/lib/nm-rolling-docker.running';
const HEALTHZ = '/var/tmp/nm-rolling-kubelet-healthz';
const DAEMON_JSON = '/etc/docker/daemon.json';
const INIT = sysvinitDockerStandIn({ dockerd: '/usr/local/bin/dockerd', log: SERVICE_LOG, timestamps: true, pidfile: RUNNING });

const work = workDir('rolling');
const cluster = join(work, 'cluster'); // the stand-in kubectl's state and call log
let inventory: string;
let runs = 0;

const docker = (vars: Record<string, unknown> = {}, flags: string[] = [], env: Record<string, string> = {}): Promise<Run> =>
  runRolling('docker.yaml', ['-i', inventory, '-e', JSON.stringify(vars), ...flags], join(work, `run-${++runs}.json`), cluster, env);

const restarts = (host: string): number[] =>
  existsSync(onHost(host, SERVICE_LOG))
    ? readFileSync(onHost(host, SERVICE_LOG), 'utf8')
        .trim()
        .split('\n')
        .filter((l) => / (start|restart)$/.test(l))
        .map((l) => Number(l.split(' ')[0]))
    : [];

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, NODES, {
    vars: { k8s_drain: true, docker_install: false, k8s_kubelet_healthz_url: `file://${HEALTHZ}`, k8s_ready_timeout: 4 },
  });
  for (const h of NODES) {
    removeOnHost(h, '/etc/docker', SERVICE_LOG);
    plant(h, '/usr/local/bin/dockerd', dockerdStandIn('18.09.1', '4c52b90'), 0o755);
    plant(h, '/etc/init.d/docker', INIT, 0o755);
    plant(h, RUNNING, '1\n'); // docker runs: the init script's pidfile
    plant(h, HEALTHZ, 'ok');
  }
  resetCluster(cluster);
});

afterAll(() => {
  for (const h of NODES) removeOnHost(h, '/usr/local/bin/dockerd', '/etc/init.d/docker', '/etc/docker', SERVICE_LOG, RUNNING, HEALTHZ);
});

describe('docker.yaml rolls through the cluster one drained node at a time', () => {
  it('--check shows drain and uncordon on every node that will change, and calls no drain', async () => {
    const run = await docker({}, ['--check']);
    expect(run.code, run.out).toBe(0);
    for (const h of NODES) {
      expect(taskStatus(run, h, 'kubectl drain')).toBe('changed');
      expect(taskStatus(run, h, 'kubectl uncordon')).toBe('changed');
      expect(existsSync(onHost(h, DAEMON_JSON))).toBe(false);
    }
    expect(kubectlCalls(cluster)).toEqual([]); // only `kubectl version`, which reads nothing from a cluster
    expect(run.out).not.toContain('LEFT CORDONED');
  });

  it('each restart happens inside its own node’s drain..uncordon window, never two nodes drained at once', async () => {
    const run = await docker();
    expect(run.code, run.out).toBe(0);
    expectOneDrainedNodeAtATime(cluster, NODES, restarts);
  });

  it('a converged rerun drains, restarts and changes nothing; its check shows no drain', async () => {
    resetCluster(cluster);
    expectConvergedRerun(cluster, NODES, await docker(), restarts);
  });

  it('--check marks for draining exactly the node whose daemon.json drifted', async () => {
    writeFileSync(onHost(B, DAEMON_JSON), '{"drifted": true}\n');
    const run = await docker({}, ['--check']);
    expect(run.code, run.out).toBe(0);
    expect(NODES.map((h) => `${h}:${taskStatus(run, h, 'kubectl drain')}`)).toEqual([`${A}:skipped`, `${B}:changed`, `${C}:skipped`]);
  });

  it('a PodDisruptionBudget that outlasts the drain timeout: kubectl gives up, the node stays cordoned and named, nothing restarts', async () => {
    resetCluster(cluster);
    for (const h of NODES) writeFileSync(onHost(h, DAEMON_JSON), '{"drifted": true}\n');
    // 15 blocked evictions, retried every 5 s, against a 70 s drain timeout (kubectl prints it as a Go duration)
    const run = await docker({ k8s_drain_timeout: 70 }, [], { KUBECTL_STANDIN_PDB_RETRIES: '15' });
    expect(run.code, run.out).toBe(2);
    expect(kubectlCalls(cluster).map(([, verb, node]) => `${verb} ${node}`)).toEqual([`drain ${A}`]);
    expect(run.report.hosts[A].tasks.filter((t) => t.task.startsWith('kubectl drain')).map((t) => t.status)).toEqual(['failed']);
    expect(run.out).toContain(`error when evicting pods/"web-${A}" -n "default": global timeout reached: 1m10s`);
    expect(cordonedNodes(cluster)).toEqual([`${A}.cordoned`]);
    expect(run.out).toContain(`LEFT CORDONED: ${A}`);
    expect(restarts(A)).toHaveLength(1); // only the first run's
    expect(run.report.hosts[B].tasks).toEqual([]);
  });

  it('a node that fails its health gate stops the play: it stays cordoned and named, later nodes are untouched', async () => {
    resetCluster(cluster);
    for (const h of NODES) writeFileSync(onHost(h, DAEMON_JSON), '{"drifted": true}\n');
    const run = await docker({}, [], { KUBECTL_STANDIN_NOTREADY: B });
    expect(run.code, run.out).toBe(2);
    expectStoppedAtFailedNode(cluster, NODES, run);
    expect(taskStatus(run, B, 'kubectl wait')).toBe('failed');
    expect(readFileSync(onHost(C, DAEMON_JSON), 'utf8')).toBe('{"drifted": true}\n');
    expect(restarts(C)).toHaveLength(1); // only the first run's
  });
});
