/**
 * Makes the hosts of a local test fleet look like Kubernetes nodes that need nodemend's fixes, with
 * the test suite's stand-ins (each names the upstream release it mirrors), so that site.yaml does
 * its real work in scripts/main-job.sh's dry run and real run. Run through scripts/plant-fleet.sh
 * (which bundles this file); the fleet test of the main job imports it.
 *
 * Idempotent: a file is written only when absent or different, and what the playbooks fix (the
 * grub defaults file, the EL7 host's docker packages, the kpatch builder's sysroot) is planted
 * once per host, never undone on a later run. Writes only under FLEET_DIR/hosts/* /merged (the
 * fleet hosts' roots) and the kpatch source tarball FLEET_DIR/kpatch-0.9.7.tar.gz, never the
 * machine's own files. The kernel each host is judged as is set in playbooks/vars/local-fleet.yaml.
 *
 * Every host (a CentOS 7.9 node, kernel 3.10.0-1160, except the EL7_76 host below):
 * - /etc/default/grub without cgroup.memory=nokmem, and update-grub (test/fixtures/grub: Debian
 *   grub2 2.06's grub-mkconfig sourcing);
 * - /usr/bin/kubelet answering `--version` as kubelet v1.14.1 does (kubeletStandIn), the RPM
 *   layout's binary, built without nokmem;
 * - dockerd of docker-ce 18.09.9 (`--version` as moby's showVersion prints it) and moby's
 *   sysvinit-redhat /etc/init.d/docker (test/setup/docker-standins.ts): daemon.json is written
 *   and docker restarted;
 * - a memory cgroup tree for the kmem proof as a 3.10 kernel answers it for a container whose
 *   kmem accounting was never turned on: memory.kmem.slabinfo is /proc/self/mem (a real EIO).
 * The EL7_76 host (node2, a CentOS 7.6 node, kernel 3.10.0-957): docker-ce 18.06.3.ce installed
 * through the yum 3.4.3 / rpm 4.11.3 stand-ins (test/fixtures/el7, test/setup/el7.ts) with
 * Docker's repo offering 18.09.9 (docker-ce, docker-ce-cli, containerd.io with a runc built
 * with nokmem), so docker.yaml upgrades it to the pinned docker_version; its kernel needs the
 * route live patch, so kpatch-route.yaml builds livepatch-route.ko on the builder with the
 * kpatch-build v0.9.7 stand-in (test/fixtures/kpatch-src), installs and loads it.
 * The builder (node1): kpatch-build's EL7 prerequisites for that kernel under a sysroot.
 *
 * PLANT_OMIT=grub (comma-separated) leaves a piece out: the main job's fleet test uses it to see
 * the job fail when a play makes no change.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { installRpm, plantKpatchEl7Prereqs, publishRpm } from '../test/setup/el7.js';
import { dockerdStandIn, kubeletStandIn, runcStandIn, sysvinitDockerStandIn } from '../test/setup/docker-standins.js';

/** The CentOS 7.6 host (kernel 3.10.0-957, docker-ce 18.06): playbooks/vars/local-fleet.yaml names it too. */
export const EL7_76 = 'node2';
/** The kpatch builder: the first host of the fleet inventory's group `builders`. */
export const BUILDER = 'node1';
export const K957 = '3.10.0-957.el7.x86_64';
/** Where the stand-ins keep their state on a host (rpm database, yum repository, EL7 sysroot). */
const STANDIN = '/var/lib/nm-standin';
export const KPATCH_TARBALL = 'kpatch-0.9.7.tar.gz';

/** Writes TEXT at PATH under ROOT with MODE, only when absent or different (temp file + rename). */
function put(root: string, path: string, mode: number, text: string): void {
  const f = join(root, path);
  if (existsSync(f) && readFileSync(f, 'utf8') === text) return;
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(`${f}.nm-plant`, text);
  chmodSync(`${f}.nm-plant`, mode);
  renameSync(`${f}.nm-plant`, f);
}

const GRUB_DEFAULTS = `GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX="crashkernel=auto rhgb quiet"
GRUB_CMDLINE_LINUX_DEFAULT=""
`;

/** docker-ce 18.06.3.ce installed on a CentOS 7.6 node; Docker's repo with the 18.09.9 release. */
function plantEl7Docker(root: string, repo: string): void {
  for (const tool of ['yum', 'rpm']) put(root, `/usr/local/bin/${tool}`, 0o755, readFileSync(join(repo, 'test/fixtures/el7', tool), 'utf8'));
  put(root, '/etc/yum.repos.d/CentOS-Base.repo', 0o644, '[base]\nname=CentOS-$releasever - Base\nmirrorlist=http://mirrorlist.centos.org/?release=$releasever&arch=$basearch&repo=os\n');
  put(root, '/etc/init.d/docker', 0o755, sysvinitDockerStandIn({ log: '/var/log/nm-plant-docker.log', pidfile: '/var/run/docker.pid' }));
  const yumrepo = join(root, STANDIN, 'yumrepo');
  if (!existsSync(yumrepo)) {
    publishRpm(yumrepo, {
      name: 'docker-ce',
      epoch: 3,
      version: '18.09.9',
      release: '3.el7',
      requires: ['docker-ce-cli', 'containerd.io'],
      conflicts: ['docker', 'docker-common', 'docker-engine'],
      files: { '/usr/bin/dockerd': [dockerdStandIn('18.09.9', '039a7df'), 0o755] },
    });
    publishRpm(yumrepo, { name: 'docker-ce-cli', epoch: 1, version: '18.09.9', release: '3.el7', conflicts: ['docker-client'] });
    publishRpm(yumrepo, {
      name: 'containerd.io',
      version: '1.2.10',
      release: '3.2.el7',
      files: { '/usr/bin/runc': [runcStandIn('1.0.0-rc8+dev', '3e425f80a8c931f88e6d94a8c831b9d5aa481657', true), 0o755] },
    });
    // 18.06.3.ce as Docker published it (one package: docker-ce-cli was split off in 18.09).
    publishRpm(yumrepo, {
      name: 'docker-ce',
      version: '18.06.3.ce',
      release: '3.el7',
      conflicts: ['docker', 'docker-common', 'docker-engine'],
      files: { '/usr/bin/dockerd': [dockerdStandIn('18.06.3-ce', 'd7080c1'), 0o755] },
    });
  }
  // Installed once: the upgrade the docker play makes is the fix, not something to undo.
  const rpmdb = join(root, STANDIN, 'rpmdb');
  if (!existsSync(rpmdb)) {
    installRpm(rpmdb, { name: 'docker-ce', version: '18.06.3.ce', release: '3.el7' });
    put(root, '/usr/bin/dockerd', 0o755, dockerdStandIn('18.06.3-ce', 'd7080c1'));
  }
}

/** Plants every host of the fleet in DIR; returns the number of hosts planted. */
export function plantFleet(dir: string, repo: string, omit: string[] = []): number {
  const hostsDir = join(dir, 'hosts');
  let n = 0;
  for (const host of readdirSync(hostsDir).sort()) {
    const root = join(hostsDir, host, 'merged');
    if (!existsSync(join(root, 'etc'))) continue;
    if (!omit.includes('grub') && !existsSync(join(root, 'etc/default/grub'))) put(root, '/etc/default/grub', 0o644, GRUB_DEFAULTS);
    put(root, '/usr/local/sbin/update-grub', 0o755, readFileSync(join(repo, 'test/fixtures/grub/update-grub'), 'utf8'));
    put(root, '/usr/bin/kubelet', 0o755, kubeletStandIn('v1.14.1', 'the RPM binary, built without -tags=nokmem'));
    if (host === EL7_76) plantEl7Docker(root, repo);
    else {
      put(root, '/usr/local/bin/dockerd', 0o755, dockerdStandIn('18.09.9', '039a7df'));
      put(root, '/etc/init.d/docker', 0o755, sysvinitDockerStandIn({ dockerd: '/usr/local/bin/dockerd', log: '/var/log/nm-plant-docker.log', pidfile: '/var/run/docker.pid' }));
    }
    if (host === BUILDER && !existsSync(join(root, STANDIN, 'el7/root/usr/lib/debug/lib/modules', K957, 'vmlinux'))) plantKpatchEl7Prereqs(root, `${STANDIN}/el7/root`, `${STANDIN}/el7/bin`, [K957]);
    const ctr = join(root, STANDIN, 'memory/kubepods/burstable/pod0f1e2d3c/4be1c0ffee');
    mkdirSync(ctr, { recursive: true });
    if (!lstatExists(join(ctr, 'memory.kmem.slabinfo'))) symlinkSync('/proc/self/mem', join(ctr, 'memory.kmem.slabinfo'));
    n++;
  }
  // The kpatch v0.9.7 source tree fixture (test/fixtures/kpatch-src), as the release tarball's layout.
  const tarball = join(dir, KPATCH_TARBALL);
  if (!existsSync(tarball)) {
    execFileSync('tar', ['-C', join(repo, 'test/fixtures'), '-czf', `${tarball}.nm-plant`, '--transform', 's,^kpatch-src,kpatch-0.9.7,', 'kpatch-src']);
    renameSync(`${tarball}.nm-plant`, tarball);
  }
  return n;
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

// As a program (the bundle scripts/plant-fleet.sh runs): plant-fleet FLEET_DIR REPO
if (process.argv[1]?.endsWith('plant-fleet.mjs')) {
  const [dir, repo] = process.argv.slice(2);
  if (!dir || !repo) throw new Error('usage: plant-fleet.mjs FLEET_DIR REPO');
  const omit = (process.env.PLANT_OMIT ?? '').split(',').filter(Boolean);
  const n = plantFleet(resolve(dir), resolve(repo), omit);
  console.log(`planted the stand-ins on ${n} fleet hosts under ${dir}${omit.length ? ` (left out: ${omit.join(', ')})` : ''}`);
}
