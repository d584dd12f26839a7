/**
 * The docker playbooks' parsers of tool output, held against the exact lines the releases print:
 *   - tasks/docker-version.yaml "Parse the docker version": `dockerd --version` (moby
 *     cmd/dockerd/docker.go showVersion: "Docker version %s, build %s"), docker-ce 18.09.9,
 *     18.06.3-ce, CentOS extras' docker 1.13.1 (build "7f2769b/1.13.1"); or the package
 *     manager's version (rpm %{VERSION}; dpkg ${Version} with epoch and Debian suffix).
 *   - tasks/docker-runc.yaml "Parse runc's version and build": the probe's lines around
 *     `runc --version` (opencontainers/runc main.go: "runc version V", "commit: C",
 *     "spec: 1.0.1-dev", from rc93 also "go: ..." and "libseccomp: ...").
 */
import { describe, expect, test } from 'vitest';
import { renderSetFact } from './playbook-task.js';

const dockerVersion = (stdout: string) => renderSetFact('tasks/docker-version.yaml', 'Parse the docker version', { docker_version_probe: { stdout } }).docker_installed_version;

describe('docker version as docker-version.yaml reads it', () => {
  test.each([
    ['Docker version 18.09.9, build 039a7df\n', '18.09.9'],
    ['Docker version 18.06.3-ce, build d7080c1\n', '18.06.3'],
    ['Docker version 1.13.1, build 7f2769b/1.13.1\n', '1.13.1'],
    ['Docker version 20.10.24, build 5d6db84\n', '20.10.24'],
    ['18.09.9\n', '18.09.9'], // rpm -q --qf '%{VERSION}\n' docker-ce
    ['5:18.09.1~3-0~debian-stretch\n', '18.09.1'], // dpkg-query ${Version}: epoch and suffix dropped
    ['18.09.1+dfsg1-7.1+deb10u3\n', '18.09.1'], // Debian's docker.io
    ['', ''],
  ])('%j -> %j', (stdout, version) => {
    expect(dockerVersion(stdout)).toBe(version);
  });
});

const runc = (stdout: string) => renderSetFact('tasks/docker-runc.yaml', "Parse runc's version and build", { docker_runc_probe: { stdout } });

describe("runc's version and build as docker-runc.yaml reads them", () => {
  test('containerd.io 1.2.10 (runc 1.0.0-rc8+dev), built with nokmem', () => {
    const out = 'path=/usr/bin/runc\nrunc version 1.0.0-rc8+dev\ncommit: 3e425f80a8c931f88e6d94a8c831b9d5aa481657\nspec: 1.0.1-dev\nnokmem=yes\ncontainerd.io=1.2.10-3.2.el7\n';
    expect(runc(out)).toEqual({ docker_runc_path: '/usr/bin/runc', docker_runc_version: '1.0.0-rc8+dev', docker_runc_nokmem: true, docker_containerd_version: '1.2.10-3.2.el7' });
  });
  test('runc 1.0.0-rc95 (five lines, with go and libseccomp), without the tag', () => {
    const out =
      'path=/usr/bin/runc\nrunc version 1.0.0-rc95\ncommit: b9ee9c6314599f1b4a7f497e1f1f856fe433d3b7\nspec: 1.0.2-dev\ngo: go1.13.15\nlibseccomp: 2.3.1\nnokmem=no\ncontainerd.io=1.4.6-3.1.el7\n';
    expect(runc(out)).toMatchObject({ docker_runc_version: '1.0.0-rc95', docker_runc_nokmem: false, docker_containerd_version: '1.4.6-3.1.el7' });
  });
  test('a runc built without a version (make without VERSION): read as no version', () => {
    const out = 'path=/usr/local/bin/runc\nrunc version spec: 1.0.1-dev\nnokmem=no\ncontainerd.io=\n';
    expect(runc(out)).toMatchObject({ docker_runc_path: '/usr/local/bin/runc', docker_runc_version: '', docker_containerd_version: '' });
  });
  test('no runc on PATH', () => {
    expect(runc('path=\n')).toMatchObject({ docker_runc_path: '', docker_runc_version: '', docker_runc_nokmem: false });
  });
});
