/**
 * The stand-in cluster of the rolling tests (node19..node21): there is no Kubernetes API server on
 * these machines, so test/fixtures/kubectl/kubectl (kubectl v1.28's drain, uncordon, wait and
 * version output and exit codes) stands in on the controller's PATH, keeps cordons as files under
 * its state dir and logs every call there with a timestamp. The assertions both rolling tests
 * make on those calls (one drained node at a time; a stop at the first failed node) are here too.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { readJson, runCli } from '../setup/cli.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const KUBECTL_DIR = join(REPO, 'test/fixtures/kubectl');

/** The environment that puts the stand-in first on PATH with its state in `cluster`. */
export const kubectlEnv = (cluster: string, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: `${KUBECTL_DIR}:${process.env.PATH}`,
  KUBECTL_STANDIN_DIR: cluster,
  ...extra,
});

/** One `nodemend run` of a rolling playbook: its exit code, its output and its --json report. */
export interface Run {
  code: number;
  out: string;
  report: JsonReport;
}

/** Runs `playbook` (under playbooks/) with `args`, the stand-in kubectl of `cluster` first on PATH; the report goes to `json`. */
export async function runRolling(playbook: string, args: string[], json: string, cluster: string, env: Record<string, string> = {}): Promise<Run> {
  const r = await runCli(['run', join(REPO, 'playbooks', playbook), ...args, '--json', json], { env: kubectlEnv(cluster, env) });
  const out = r.stdout + r.stderr;
  if (!existsSync(json)) throw new Error(`no report (exit ${r.code}):\n${out}`);
  return { code: r.code, out, report: readJson<JsonReport>(json) };
}

/** kubectl calls since the last reset, `version` left out, as [ms, verb, node]. */
export function kubectlCalls(cluster: string): [number, string, string][] {
  const log = join(cluster, 'calls.log');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((w) => w[1] !== 'version')
    .map((w) => [Number(w[0]), w[1], (w[2] ?? '').replace(/^--for=condition=Ready$/, w[3]?.replace('node/', '') ?? '')]);
}

/** Nodes the stand-in holds cordoned ("node20.cordoned"). */
export function cordonedNodes(cluster: string): string[] {
  const d = join(cluster, 'nodes');
  return existsSync(d) ? readdirSync(d).sort() : [];
}

export function resetCluster(cluster: string): void {
  rmSync(cluster, { recursive: true, force: true });
  mkdirSync(cluster, { recursive: true });
}

/** tasks/k8s-node.yaml's steps the tests read: the drain include's, then the ready include's. */
const DRAIN_STEPS = ['kubectl drain'];
const READY_STEPS = ['kubelet healthz', 'kubectl wait', 'kubectl uncordon'];

/**
 * Status of the task whose name starts with `task` on a host. tasks/k8s-node.yaml is included
 * twice (k8s_step drain, then ready; each include reports all its tasks), so each of its steps
 * reports twice: a drain step's status is the first, a ready step's the second. Where the
 * includes' when: is false they are skipped alone, as in Ansible (none of their steps reports):
 * such a step reads "skipped". Any other task must report once.
 */
export function taskStatus(run: Pick<Run, 'report'>, host: string, task: string): string {
  const tasks = run.report.hosts[host]?.tasks ?? [];
  const all = tasks.filter((t) => t.task.startsWith(task)).map((t) => t.status);
  const ready = READY_STEPS.some((s) => task.startsWith(s));
  const step = ready || DRAIN_STEPS.some((s) => task.startsWith(s));
  if (step && all.length === 0) {
    expect(
      tasks.filter((t) => t.module === 'include_tasks' && t.status === 'skipped'),
      `${host}: ${task}`,
    ).not.toHaveLength(0);
    return 'skipped';
  }
  expect(all, `${host}: ${task}`).toHaveLength(step ? 2 : 1);
  return ready ? all[1] : all[0];
}

/**
 * A converged rerun of a rolling play: it succeeded, changed nothing on any node, drained none
 * (the drain step skipped), added no disruptive event (each node still has only the first run's
 * one, from `eventsOf`), and made no kubectl call but `version`.
 */
export function expectConvergedRerun(cluster: string, nodes: string[], run: Run, eventsOf: (node: string) => number[]): void {
  expect(run.code, run.out).toBe(0);
  for (const h of nodes) {
    expect(run.report.hosts[h].recap.changed, h).toBe(0);
    expect(taskStatus(run, h, 'kubectl drain')).toBe('skipped');
    expect(eventsOf(h), h).toHaveLength(1);
  }
  expect(kubectlCalls(cluster)).toEqual([]);
}

/**
 * The drained roll as the stand-in cluster saw it: for each node in order `drain`, `wait` (Ready)
 * and `uncordon`, the previous node uncordoned before the next one is drained (never two drained
 * at once), and each node's one disruptive event (a docker restart, a reboot: epoch ms from
 * `eventsOf`) inside its own drain..wait window (the health gate comes after it).
 */
export function expectOneDrainedNodeAtATime(cluster: string, nodes: string[], eventsOf: (node: string) => number[]): void {
  const calls = kubectlCalls(cluster);
  expect(calls.map(([, verb, node]) => `${verb} ${node}`)).toEqual(nodes.flatMap((n) => [`drain ${n}`, `wait ${n}`, `uncordon ${n}`]));
  for (const [i, node] of nodes.entries()) {
    const [drained, ready, uncordoned] = [calls[i * 3][0], calls[i * 3 + 1][0], calls[i * 3 + 2][0]];
    const events = eventsOf(node);
    expect(events, node).toHaveLength(1);
    expect(events[0]).toBeGreaterThanOrEqual(drained);
    expect(events[0]).toBeLessThanOrEqual(ready);
    expect(ready).toBeLessThanOrEqual(uncordoned);
    if (i > 0) expect(drained).toBeGreaterThanOrEqual(calls[i * 3 - 1][0]);
  }
  expect(cordonedNodes(cluster)).toEqual([]);
}

/**
 * A roll over [ok, failed, untouched] that stopped at `failed`'s health gate: the first node went
 * through, the failed one was drained and never uncordoned (left cordoned, named in the output),
 * the play stopped on its failure budget, and the last node was never started.
 */
export function expectStoppedAtFailedNode(cluster: string, [ok, failed, untouched]: string[], run: Run): void {
  expect(kubectlCalls(cluster).map(([, verb, node]) => `${verb} ${node}`)).toEqual([`drain ${ok}`, `wait ${ok}`, `uncordon ${ok}`, `drain ${failed}`, `wait ${failed}`]);
  expect(cordonedNodes(cluster)).toEqual([`${failed}.cordoned`]);
  expect(run.out).toContain(`LEFT CORDONED: ${failed}`);
  expect(run.out).toMatch(new RegExp(`STOPPED play .*failure budget exceeded.*not touched: ${untouched}`));
  expect(run.report.hosts[untouched].tasks).toEqual([]);
}
