/**
 * The stand-in cluster of the rolling tests (node19..node21): there is no Kubernetes API server on
 * these machines, so test/fixtures/kubectl/kubectl (kubectl v1.28's drain, uncordon, wait and
 * version output and exit codes) stands in on the controller's PATH, keeps cordons as files under
 * its state dir and logs every call there with a timestamp.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const KUBECTL_DIR = join(REPO, 'test/fixtures/kubectl');

/** The environment that puts the stand-in first on PATH with its state in `cluster`. */
export const kubectlEnv = (cluster: string, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: `${KUBECTL_DIR}:${process.env.PATH}`,
  KUBECTL_STANDIN_DIR: cluster,
  ...extra,
});

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
