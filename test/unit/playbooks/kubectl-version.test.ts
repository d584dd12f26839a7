/**
 * tasks/k8s-node.yaml picks drain's emptyDir flag from `kubectl version --client -o json`, as
 * kubectl prints it (kubernetes/kubectl pkg/cmd/version/version.go: {"clientVersion": {...}} and,
 * from v1.24, "kustomizeVersion"; staging/src/k8s.io/apimachinery/pkg/version/types.go Info's
 * fields). --delete-emptydir-data exists from v1.20 (--delete-local-data before: unknown flag
 * errors either way), and vendor builds report a minor such as "21+" (EKS).
 */
import { describe, expect, test } from 'vitest';
import { compileTemplate } from '../../../src/load/expr/index.js';
import { playbookTask } from './playbook-task.js';

const info = (minor: string, gitVersion: string, kustomize: boolean) =>
  JSON.stringify(
    {
      clientVersion: {
        major: '1',
        minor,
        gitVersion,
        gitCommit: 'bae2c62678db2b5053817bc97181fcc2e8388103',
        gitTreeState: 'clean',
        buildDate: '2023-11-15T16:58:22Z',
        goVersion: 'go1.20.11',
        compiler: 'gc',
        platform: 'linux/amd64',
      },
      ...(kustomize ? { kustomizeVersion: 'v5.0.4-0.20230601165947-6ce0bf390ce3' } : {}),
    },
    null,
    2,
  ) + '\n';

const drainArgv = (stdout: string): unknown => {
  const argv = (playbookTask('tasks/k8s-node.yaml', 'kubectl drain {{ k8s_node }}').command as { argv: string }).argv;
  return compileTemplate(argv).render({ k8s_kubectl: ['kubectl'], k8s_node: 'node7', k8s_kubectl_version: { stdout }, k8s_drain_timeout: 300 });
};

describe('kubectl drain flags by the client version k8s-node.yaml reads', () => {
  test.each([
    ['28', 'v1.28.4', true, '--delete-emptydir-data'],
    ['20', 'v1.20.0', false, '--delete-emptydir-data'],
    ['21+', 'v1.21.2-13+d2965f0db10712', false, '--delete-emptydir-data'], // EKS
    ['19', 'v1.19.16', false, '--delete-local-data'],
    ['14', 'v1.14.1', false, '--delete-local-data'],
  ])('minor %j (%s) -> %s', (minor, git, kustomize, flag) => {
    expect(drainArgv(info(minor, git, kustomize))).toEqual(['kubectl', 'drain', 'node7', '--ignore-daemonsets', flag, '--timeout=300s']);
  });
});
