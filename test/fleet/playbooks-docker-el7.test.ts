/**
 * docker.yaml's EL7 path (docker_os_family=RedHat) on node6 (HOSTS.exec: package work). The fleet
 * is Debian, so yum 3.4.3 and rpm 4.11.3 are stand-ins (test/fixtures/el7, in /usr/local/bin of
 * this host only) over a repository and an rpm database of files: installing a package writes
 * its files (docker-ce: /usr/bin/dockerd, containerd.io: /usr/bin/runc), as the real RPMs do.
 * The node starts as a CentOS 7 node with the distro's docker 1.13.1 (docker, docker-client,
 * docker-common), which conflicts with docker-ce as in the real repos. No systemd on the fleet:
 * a stand-in /etc/init.d/docker (moby's sysvinit-redhat script, whose exec is /usr/bin/dockerd)
 * records the start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS } from '../setup/fleet.js';
import { assertBuilt, workDir, writeInventory } from '../setup/cli.js';
import { EL7_FIXTURES, installRpm, publishRpm } from '../setup/el7.js';
import { dockerdStandIn, runcStandIn, sysvinitDockerStandIn } from '../setup/docker-standins.js';
import { changedOf, onHost, plant, removeOnHost, runPlaybook, snapshot, statusOf, taskResults } from './playbooks-env.js';

const NODE = HOSTS.exec[1];
const DB = '/var/lib/nm-standin/rpmdb';
const REPO = '/var/lib/nm-standin/yumrepo';
const SERVICE_LOG = '/var/log/nm-test-docker-el7-service.log';
const REPO_FILE = '/etc/yum.repos.d/docker-ce.repo';
const STANDINS = ['/usr/local/bin/yum', '/usr/local/bin/rpm'];
const FILES = ['/etc/docker', REPO_FILE, SERVICE_LOG, DB, '/usr/bin/dockerd', '/usr/bin/runc'];
const CLEAN = [...STANDINS, ...FILES, '/var/lib/nm-standin', '/etc/yum.repos.d', '/etc/init.d/docker', '/var/lib/nm-test-docker-el7.running'];
const INIT = sysvinitDockerStandIn({ log: SERVICE_LOG, pidfile: '/var/lib/nm-test-docker-el7.running' });
const el7 = { docker_os_family: 'RedHat', k8s_drain: false };
const serviceLog = (): string[] => (existsSync(onHost(NODE, SERVICE_LOG)) ? readFileSync(onHost(NODE, SERVICE_LOG), 'utf8').trim().split('\n') : []);
let env: { work: string; inventory: string };

/** The distro's docker 1.13.1 (CentOS 7 extras), installed; docker-ce's repo as Docker publishes it. */
function plantNode(runcNokmem = true, runcVersion = '1.0.0-rc8+dev'): void {
  removeOnHost(NODE, ...CLEAN);
  for (const s of STANDINS) plant(NODE, s, readFileSync(join(EL7_FIXTURES, s.split('/').pop()!), 'utf8'), 0o755);
  plant(NODE, '/etc/init.d/docker', INIT, 0o755);
  plant(NODE, '/etc/yum.repos.d/CentOS-Base.repo', '[base]\nname=CentOS-$releasever - Base\nmirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=os\n'); // yum's directory
  const db = onHost(NODE, DB);
  const distro = { epoch: 2, version: '1.13.1', release: '103.git7f2769b.el7.centos' };
  for (const name of ['docker', 'docker-client', 'docker-common']) installRpm(db, { name, ...distro });
  plant(NODE, '/usr/bin/dockerd', dockerdStandIn('1.13.1', '7f2769b/1.13.1'), 0o755);
  const repo = onHost(NODE, REPO);
  for (const [v, commit] of [
    ['18.06.3.ce', 'd7080c1'],
    ['18.09.9', '039a7df'],
  ]) {
    const ce = v.startsWith('18.09');
    publishRpm(repo, {
      name: 'docker-ce',
      epoch: 3,
      version: v,
      release: '3.el7',
      requires: ce ? ['docker-ce-cli', 'containerd.io'] : [],
      conflicts: ['docker', 'docker-common', 'docker-engine'],
      files: { '/usr/bin/dockerd': [dockerdStandIn(v.replace('.ce', '-ce'), commit), 0o755] },
    });
    if (ce) publishRpm(repo, { name: 'docker-ce-cli', epoch: 1, version: v, release: '3.el7', conflicts: ['docker-client'] });
  }
  publishRpm(repo, {
    name: 'containerd.io',
    version: '1.2.10',
    release: '3.2.el7',
    files: { '/usr/bin/runc': [runcStandIn(runcVersion, '3e425f80a8c931f88e6d94a8c831b9d5aa481657', runcNokmem), 0o755] },
  });
}

beforeAll(() => {
  assertBuilt();
  const work = workDir('docker-el7');
  env = { work, inventory: writeInventory(work, [NODE]) };
});
afterAll(() => removeOnHost(NODE, ...CLEAN));

/** NVRAs in the stand-in rpm database. */
const rpmNames = (): string[] =>
  existsSync(onHost(NODE, DB))
    ? readdirSync(onHost(NODE, DB))
        .filter((f) => !f.endsWith('.changelog'))
        .sort()
    : [];

describe('docker.yaml on EL7 (stand-in yum 3.4.3 / rpm 4.11.3)', () => {
  it('a pin below 18.09.1 (or latest) is refused before anything changes', async () => {
    plantNode();
    const before = snapshot(NODE, FILES);
    for (const pin of ['18.06.3', 'latest']) {
      const run = await runPlaybook(env, 'docker.yaml', { ...el7, docker_version: pin });
      expect(run.code).toBe(2);
      expect(taskResults(run, NODE, 'The pinned docker-ce has the kmem fix')[0].msg).toMatch(new RegExp(`^docker_version ${pin} is not a docker-ce version of 18\\.09\\.1 or later`));
      expect(statusOf(run, NODE, 'Install or upgrade docker')).toBe('absent');
    }
    expect(snapshot(NODE, FILES)).toEqual(before);
  });

  it('--check predicts the repo, the removal of the distro packages, the pinned install and the restart; writes nothing', async () => {
    plantNode();
    const before = snapshot(NODE, FILES);
    const run = await runPlaybook(env, 'docker.yaml', el7, ['--check']);
    expect(run.code).toBe(0);
    expect(statusOf(run, NODE, 'docker-ce yum repository')).toBe('changed');
    expect(taskResults(run, NODE, "Remove the distro's docker packages first")[0].msg).toBe(
      'would remove docker 2:1.13.1-103.git7f2769b.el7.centos, remove docker-client 2:1.13.1-103.git7f2769b.el7.centos, remove docker-common 2:1.13.1-103.git7f2769b.el7.centos',
    );
    expect(taskResults(run, NODE, 'Install or upgrade docker')[0].msg).toBe('would install docker-ce-18.09.9, install docker-ce-cli-18.09.9, install containerd.io');
    expect(statusOf(run, NODE, 'restart docker')).toBe('changed');
    expect(snapshot(NODE, FILES)).toEqual(before);
  });

  it("a real run writes Docker's repo file, removes the distro docker, installs the pin, checks runc, starts docker; the rerun changes nothing", async () => {
    plantNode();
    const run = await runPlaybook(env, 'docker.yaml', el7);
    expect(run.code).toBe(0);
    const repo = readFileSync(onHost(NODE, REPO_FILE), 'utf8');
    expect(
      repo.startsWith(
        '[docker-ce-stable]\nname=Docker CE Stable - $basearch\nbaseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable\nenabled=1\ngpgcheck=1\ngpgkey=https://download.docker.com/linux/centos/gpg\n\n[docker-ce-stable-debuginfo]\n',
      ),
    ).toBe(true);
    expect(repo.match(/^\[[^\]]+\]$/gm)).toEqual(['stable', 'test', 'nightly'].flatMap((c) => [`[docker-ce-${c}]`, `[docker-ce-${c}-debuginfo]`, `[docker-ce-${c}-source]`]));
    expect(repo.match(/^enabled=1$/gm)).toHaveLength(1);
    expect(rpmNames()).toEqual(['containerd.io-1.2.10-3.2.el7.x86_64', 'docker-ce-18.09.9-3.el7.x86_64', 'docker-ce-cli-18.09.9-3.el7.x86_64']);
    expect(taskResults(run, NODE, 'Install or upgrade docker')[0].msg).toMatch(/installed docker-ce-18\.09\.9/);
    expect(taskResults(run, NODE, 'runc does not turn on kernel memory accounting')[0].msg).toBe('runc 1.0.0-rc8+dev (containerd.io 1.2.10-3.2.el7) built with nokmem');
    expect(serviceLog()).toEqual(['start']);
    const rerun = await runPlaybook(env, 'docker.yaml', el7);
    expect(changedOf(rerun)).toEqual({ [NODE]: 0 });
    expect(serviceLog()).toEqual(['start']);
  });

  it("without removing the distro packages yum refuses docker-ce (the stand-in's conflict), so the order matters", async () => {
    plantNode();
    const run = await runPlaybook(env, 'docker.yaml', { ...el7, docker_conflicting_packages: ['docker-engine'] });
    expect(run.code).toBe(2);
    expect(taskResults(run, NODE, 'Install or upgrade docker')[0].msg).toMatch(/^yum failed: .*You could try running: rpm -Va --nofiles --nodigest$/);
    expect(taskResults(run, NODE, 'Install or upgrade docker')[0].stderr_tail).toMatch(/^Error: docker-ce conflicts with 2:docker-1\.13\.1-103\.git7f2769b\.el7\.centos\.x86_64$/m);
  });

  it('a containerd.io whose runc was built without nokmem fails the node, naming it; runc >= 1.0.0-rc94 passes without the tag', async () => {
    plantNode(false);
    const run = await runPlaybook(env, 'docker.yaml', el7);
    expect(run.code).toBe(2);
    expect(taskResults(run, NODE, 'runc does not turn on kernel memory accounting')[0].msg).toMatch(
      /^runc 1\.0\.0-rc8\+dev at \/usr\/bin\/runc \(containerd\.io 1\.2\.10-3\.2\.el7\) was built without the nokmem tag and is older than 1\.0\.0-rc94/,
    );
    expect(serviceLog()).toEqual([]); // stopped before docker restarts
    plantNode(false, '1.0.0-rc95');
    const newer = await runPlaybook(env, 'docker.yaml', el7);
    expect(newer.code).toBe(0);
    expect(taskResults(newer, NODE, 'runc does not turn on kernel memory accounting')[0].msg).toBe('runc 1.0.0-rc95 (containerd.io 1.2.10-3.2.el7) ignores kernel memory limits (>= 1.0.0-rc94)');
  });
});
