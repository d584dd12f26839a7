/**
 * docker.yaml on node12 (node11 holds the audit test's planted docker). The fleet has no
 * docker and no systemd: a stand-in `dockerd` prints a release's `--version` (test/setup/docker-standins.ts),
 * and a stand-in /etc/init.d/docker (moby's sysvinit-redhat script's outputs and exit codes) records
 * every start/restart the service module asks for (the handler's real path on a sysvinit host).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { dockerdStandIn, sysvinitDockerStandIn } from '../setup/docker-standins.js';
import { N12, changedOf, onHost, plant, playbookHosts, removeOnHost, runPlaybook, snapshot, statusOf, taskResults } from './playbooks-env.js';

const env = playbookHosts('docker');
const SERVICE_LOG = '/var/log/nm-test-docker-service.log';
const FILES = ['/etc/docker', SERVICE_LOG];
const INIT = sysvinitDockerStandIn({ dockerd: '/usr/local/bin/dockerd', log: SERVICE_LOG, pidfile: '/var/lib/nm-test-docker.running' });
const only = ['--limit', N12];
// Real runs never install: if the stand-in dockerd went missing, docker.yaml would otherwise
// install the real docker.io from Debian's mirror. Only --check runs exercise the install path.
const noInstall = { docker_install: 'false', k8s_drain: false };
// No Kubernetes cluster here: no kubectl drain around the restart (rolling-docker.test.ts proves that part).
const noDrain = { k8s_drain: false };
// Real releases' build commits (18.09.10 is hypothetical: it proves 18.09.10 > 18.09.9 as versions).
const BUILD: Record<string, string> = { '18.09.1': '4c52b90', '18.06.3-ce': 'd7080c1', '18.09.10': '0000000' };
const setVersion = (v: string): void => plant(N12, '/usr/local/bin/dockerd', dockerdStandIn(v, BUILD[v]), 0o755);
const serviceLog = (): string[] => (existsSync(onHost(N12, SERVICE_LOG)) ? readFileSync(onHost(N12, SERVICE_LOG), 'utf8').trim().split('\n') : []);

beforeAll(() => {
  plant(N12, '/etc/init.d/docker', INIT, 0o755);
  removeOnHost(N12, '/etc/docker', SERVICE_LOG, '/var/lib/nm-test-docker.running');
  setVersion('18.09.1');
});
afterAll(() => {
  removeOnHost(N12, '/usr/local/bin/dockerd', '/etc/init.d/docker', '/etc/docker', SERVICE_LOG, '/var/lib/nm-test-docker.running');
});

describe('docker.yaml', () => {
  it('--check predicts daemon.json and the restart, and writes nothing', async () => {
    const before = snapshot(N12, FILES);
    const run = await runPlaybook(env, 'docker.yaml', noDrain, [...only, '--check', '--diff']);
    expect(run.code).toBe(0);
    expect(statusOf(run, N12, 'Install or upgrade docker')).toBe('skipped');
    expect(statusOf(run, N12, 'Render daemon.json')).toBe('changed');
    expect(taskResults(run, N12, 'Render daemon.json')[0].diff?.[0].unified).toContain('+  "exec-opts": [\n+    "native.cgroupdriver=systemd"\n+  ],');
    expect(statusOf(run, N12, 'restart docker')).toBe('changed');
    expect(snapshot(N12, FILES)).toEqual(before);
  });

  it('a real run renders daemon.json and starts docker through the handler once; the rerun changes and restarts nothing', async () => {
    const run = await runPlaybook(env, 'docker.yaml', noInstall, only);
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(onHost(N12, '/etc/docker/daemon.json'), 'utf8'))).toEqual({
      'exec-opts': ['native.cgroupdriver=systemd'],
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '100m', 'max-file': '3' },
      'storage-driver': 'overlay2',
    });
    expect(serviceLog()).toEqual(['start']); // docker was not running: the service module starts it
    const rerun = await runPlaybook(env, 'docker.yaml', noInstall, only);
    expect(changedOf(rerun)).toEqual({ [N12]: 0 });
    expect(statusOf(rerun, N12, 'restart docker')).toBe('absent');
    expect(serviceLog()).toEqual(['start']);
  });

  it('a changed setting rewrites daemon.json (diff) and restarts the running docker', async () => {
    const vars = { ...noInstall, docker_cgroup_driver: 'cgroupfs', docker_daemon_extra: { 'live-restore': true } };
    const run = await runPlaybook(env, 'docker.yaml', vars, [...only, '--diff']);
    expect(run.code).toBe(0);
    const diff = taskResults(run, N12, 'Render daemon.json')[0].diff?.[0].unified ?? '';
    expect(diff).toContain('-    "native.cgroupdriver=systemd"');
    expect(diff).toContain('+    "native.cgroupdriver=cgroupfs"');
    expect(JSON.parse(readFileSync(onHost(N12, '/etc/docker/daemon.json'), 'utf8'))['live-restore']).toBe(true);
    // the replaced file is kept beside it (backup: true)
    const backups = readdirSync(onHost(N12, '/etc/docker')).filter((f) => /^daemon\.json\..+~$/.test(f));
    expect(backups).toHaveLength(1);
    expect(JSON.parse(readFileSync(onHost(N12, `/etc/docker/${backups[0]}`), 'utf8'))['exec-opts']).toEqual(['native.cgroupdriver=systemd']);
    expect(serviceLog()).toEqual(['start', 'restart']);
    expect(changedOf(await runPlaybook(env, 'docker.yaml', vars, only))).toEqual({ [N12]: 0 });
  });

  it("daemon.json is merged: the admin's keys and other exec-opts stay, only the managed keys change", async () => {
    const admin = {
      'data-root': '/data/docker',
      'registry-mirrors': ['https://mirror.example'],
      'insecure-registries': ['10.0.0.5:5000'],
      bip: '172.26.0.1/16',
      'exec-opts': ['native.umask=normal', 'native.cgroupdriver=cgroupfs'],
      'log-driver': 'journald',
    };
    writeFileSync(onHost(N12, '/etc/docker/daemon.json'), JSON.stringify(admin, null, 2) + '\n');
    const vars = { ...noInstall, docker_cgroup_driver: 'cgroupfs' };
    const run = await runPlaybook(env, 'docker.yaml', vars, only);
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(onHost(N12, '/etc/docker/daemon.json'), 'utf8'))).toEqual({
      'data-root': '/data/docker',
      'registry-mirrors': ['https://mirror.example'],
      'insecure-registries': ['10.0.0.5:5000'],
      bip: '172.26.0.1/16',
      'exec-opts': ['native.umask=normal', 'native.cgroupdriver=cgroupfs'],
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '100m', 'max-file': '3' },
      'storage-driver': 'overlay2',
    });
    expect(changedOf(await runPlaybook(env, 'docker.yaml', vars, only))).toEqual({ [N12]: 0 });
  });

  it("the cgroup driver never leaves the kubelet's: a disagreement stops the host with both named, daemon.json untouched", async () => {
    const kubeletConfig = '/var/tmp/nm-docker-kubelet-config.yaml';
    plant(N12, kubeletConfig, 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\n');
    try {
      const before = snapshot(N12, FILES);
      const vars = { ...noInstall, docker_cgroup_driver: 'systemd', docker_kubelet_config: kubeletConfig, docker_kubelet_flag_files: [] };
      const run = await runPlaybook(env, 'docker.yaml', vars, only);
      expect(run.code).toBe(2);
      // fail_msg, then the condition that failed (a failed assert names it, as issue 13 asks)
      expect(taskResults(run, N12, "Docker's cgroup driver stays the kubelet's")[0].msg).toBe(
        `the kubelet on ${N12} uses the cgroupfs cgroup driver (${kubeletConfig}) but docker_cgroup_driver is systemd: nodemend will not switch docker away from the kubelet's driver. Set docker_cgroup_driver=cgroupfs, or move kubelet and docker to systemd together (drained).` +
          ` (assertion: docker_kubelet_cgroup_driver == '' or docker_kubelet_cgroup_driver == docker_cgroup_driver)`,
      );
      expect(snapshot(N12, FILES)).toEqual(before);
      // kubeadm's flags file outranks the config file, as in kubelet itself
      const flags = '/var/tmp/nm-docker-kubeadm-flags.env';
      plant(N12, flags, 'KUBELET_KUBEADM_ARGS="--cgroup-driver=systemd --network-plugin=cni"\n');
      const agree = await runPlaybook(env, 'docker.yaml', { ...vars, docker_kubelet_flag_files: [flags] }, [...only, '--check']);
      expect(agree.code).toBe(0);
      expect(taskResults(agree, N12, "Docker's cgroup driver stays the kubelet's")[0].msg).toBe('cgroup driver systemd (the same as the kubelet)');
      removeOnHost(N12, flags);
    } finally {
      removeOnHost(N12, kubeletConfig);
    }
  });

  it('versions compare as versions: 18.09.10 is new enough, 18.06.3-ce gets the package upgrade planned, or fails without docker_install', async () => {
    setVersion('18.09.10');
    const newer = await runPlaybook(env, 'docker.yaml', noDrain, [...only, '--check']);
    expect(statusOf(newer, N12, 'Install or upgrade docker')).toBe('skipped');

    setVersion('18.06.3-ce');
    const old = await runPlaybook(env, 'docker.yaml', noDrain, [...only, '--check']);
    expect(old.code).toBe(0);
    expect(statusOf(old, N12, 'Install or upgrade docker')).toBe('changed');
    expect(taskResults(old, N12, 'Install or upgrade docker')[0].msg).toMatch(/docker\.io/);

    const before = snapshot(N12, FILES);
    const refused = await runPlaybook(env, 'docker.yaml', noInstall, only);
    expect(refused.code).toBe(2);
    expect(statusOf(refused, N12, 'Install or upgrade docker')).toBe('skipped');
    expect(taskResults(refused, N12, 'Docker is new enough')[0].msg).toMatch(/docker 18\.06\.3 is older than 18\.09\.1 \(docker_install is false\)/);
    expect(snapshot(N12, FILES)).toEqual(before);
  });
});
