/**
 * audit.yaml on node11 and node12. The fleet's hosts share the machine's kernel ring buffer
 * and have no journal or systemd, so the signatures are planted in files and the audit's
 * source commands point at them (audit_dmesg_command="cat FILE", ...), which is what those
 * vars are for. Stand-ins, each mirroring a named release:
 * - systemctl of systemd 219 (test/fixtures/systemd-219/systemctl, redhat-plumbers/systemd-rhel7
 *   v219-78: `show kubelet -p ExecStart` with the unit's drop-ins applied), with kubeadm's
 *   kubelet.service + 10-kubeadm.conf on both hosts, and nodemend's 20-nodemend-nokmem.conf
 *   drop-in on node12 pointing systemd at /usr/local/bin/kubelet;
 * - dockerd 18.06.3-ce (`dockerd --version`, moby cmd/dockerd/docker.go) on node11, and kubelet
 *   binaries answering `--version` as v1.12.8 / v1.14.1 do (kubernetes/kubernetes
 *   pkg/version/verflag: "Kubernetes v1.14.1"): test/setup/docker-standins.ts.
 * The kmem proof runs on fake memory cgroup trees as 3.10 (verify_kernel): node11's container
 * slabinfo reads (kmem ON), node12 has no container (inconclusive).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dockerdStandIn, kubeletStandIn } from '../setup/docker-standins.js';
import { N11, N12, changedOf, onHost, plant, playbookHosts, removeOnHost, runPlaybook, snapshot, taskResults, uniquePath, type PlaybookRun } from './playbooks-env.js';

const env = playbookHosts('audit');
const base = uniquePath('audit');
const SYSTEMCTL = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'systemd-219', 'systemctl'), 'utf8');
const vars = {
  audit_dmesg_command: `cat ${base}/dmesg.txt`,
  audit_journal_command: `cat ${base}/journal.txt`,
  audit_systemd_version_command: `cat ${base}/systemd-version.txt`,
  // the package release where the version file is planted (node11): RHEL 7.6's, before the backport
  audit_systemd_package_command: `[ -f ${base}/systemd-version.txt ] && echo 219-62.el7_6.5`,
  audit_kubelet_unit_command: `${base}/systemctl show kubelet -p ExecStart`,
  kmem_memory_cgroup: `${base}/memory`,
  verify_kernel: '3.10.0-957.el7.x86_64',
  kubelet_build_info: `${base}/kubelet.build-info.json`,
};
const DMESG = `[    1.000000] Linux version 3.10.0-957.el7.x86_64
[ 8812.112233] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)
[ 8812.112240]   cache: ip6_dst_cache(0:4be1c0ffee), object size: 448, buffer size: 448, default order: 2, min order: 0
[ 9001.000001] unregister_netdevice: waiting for eth0 to become free. Usage count = 1
`;
// An ordinary container OOM (3.10's mm/memcontrol.c wording): a pod hit its limit, not the leak.
const OOM = `[ 7001.000000] Memory cgroup out of memory: Kill process 4242 (java) score 1974 or sacrifice child
[ 7001.000010] Killed process 4242 (java) total-vm:8202232kB, anon-rss:2091652kB, file-rss:0kB
`;
const CTR = 'kubepods/burstable/pod0f1e/4be1c0ffee';
// kubeadm's RPM layout (kubernetes/release rpm/kubelet.service and 10-kubeadm.conf)
const UNIT = '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n';
const KUBEADM =
  '[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n';
const NOKMEM_DROPIN = '/etc/systemd/system/kubelet.service.d/20-nodemend-nokmem.conf';
const NOKMEM_KUBELET = kubeletStandIn('v1.14.1', 'nodemend kubelet-nokmem.yaml, -tags=nokmem');
const UNIT_FILES = ['/usr/lib/systemd/system/kubelet.service', '/usr/lib/systemd/system/kubelet.service.d', '/etc/systemd/system/kubelet.service.d'];
const BINARIES = ['/usr/local/bin/dockerd', '/usr/local/bin/kubelet', '/usr/bin/kubelet'];

/** The per-host audit records from the JSON report (the msg of "Fleet audit (JSON)"). */
function audits(run: PlaybookRun): Record<string, { findings: { problem: string; fix: string }[]; [k: string]: unknown }> {
  const [task] = [N11, N12].flatMap((h) => taskResults(run, h, 'Fleet audit (JSON)'));
  return Object.fromEntries((JSON.parse(task.msg!) as { host: string }[]).map((a) => [a.host, a as never]));
}
const problems = (run: PlaybookRun, host: string): string[] => audits(run)[host].findings.map((f) => f.problem);

beforeAll(() => {
  plant(N11, `${base}/dmesg.txt`, DMESG);
  plant(N12, `${base}/dmesg.txt`, OOM);
  plant(N11, `${base}/journal.txt`, 'Jun 01 10:00:00 node11 systemd[1]: Failed to propagate agent release message: Operation not supported\n');
  plant(N11, `${base}/systemd-version.txt`, 'systemd 219\n+PAM +AUDIT +SELINUX\n');
  // kmem accounting ON for node11's container: its slabinfo reads
  plant(N11, `${base}/memory/${CTR}/memory.kmem.slabinfo`, 'slabinfo - version: 2.1\nkmalloc-64  128 128 64 64 1 : tunables 0 0 0\n');
  // and OFF in a second tree: the read fails with a real EIO (/proc/self/mem at offset 0)
  plant(N11, `${base}-off/${CTR}/memory.limit_in_bytes`, '9223372036854771712\n');
  symlinkSync('/proc/self/mem', onHost(N11, `${base}-off/${CTR}/memory.kmem.slabinfo`));
  plant(N11, '/usr/local/bin/dockerd', dockerdStandIn('18.06.3-ce', 'd7080c1'), 0o755);
  for (const h of [N11, N12]) {
    plant(h, `${base}/systemctl`, SYSTEMCTL, 0o755);
    plant(h, '/usr/lib/systemd/system/kubelet.service', UNIT);
    plant(h, '/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', KUBEADM);
  }
  plant(N11, '/usr/bin/kubelet', kubeletStandIn('v1.12.8'), 0o755);
  // node12: the RPM's kubelet (kmem), and the nokmem build that nodemend's drop-in makes systemd run
  plant(N12, '/usr/bin/kubelet', kubeletStandIn('v1.14.1'), 0o755);
  plant(N12, '/usr/local/bin/kubelet', NOKMEM_KUBELET, 0o755);
  plant(N12, NOKMEM_DROPIN, '[Service]\nExecStart=\nExecStart=/usr/local/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n');
  plant(
    N12,
    `${base}/kubelet.build-info.json`,
    JSON.stringify({
      version: 'v1.14.1',
      tags: ['nokmem'],
      nokmem: true,
      patched_runc: false,
      source_sha256: 'ab'.repeat(32),
      binary_sha256: createHash('sha256').update(NOKMEM_KUBELET).digest('hex'),
      built_at: '2026-12-01T00:00:00Z',
    }),
  );
});
afterAll(() => {
  // only what this file planted: node12's dockerd belongs to the docker test running alongside
  removeOnHost(N11, base, `${base}-off`, ...BINARIES, ...UNIT_FILES);
  removeOnHost(N12, base, '/usr/local/bin/kubelet', '/usr/bin/kubelet', ...UNIT_FILES);
});

describe('audit.yaml', () => {
  it('finds each planted problem on exactly the host where it was planted, names the fix, and exits 0', async () => {
    const run = await runPlaybook(env, 'audit.yaml', vars);
    expect(run.code).toBe(0);
    const a = audits(run);
    const fix310 = 'kubelet-nokmem.yaml, docker.yaml, grub-nokmem.yaml (nokmem needs RHEL 7 >= 3.10.0-1062)';
    expect(a[N11].findings).toEqual([
      {
        problem: `kmem accounting ON for containers (3.10 kernel (3.10.0-957.el7.x86_64): 0 of 1 containers: reading memory.kmem.slabinfo failed with Input/output error; exit 0, kmem accounting is ON for: ${CTR})`,
        fix: fix310,
      },
      { problem: 'dmesg: SLUB: Unable to allocate memory on node -1 (the kmem accounting leak, this boot)', fix: fix310 },
      { problem: 'dmesg: unregister_netdevice waiting, route livepatch not loaded', fix: 'kpatch-route.yaml' },
      { problem: 'docker 18.06.3 < 18.09.1 (its runc enables kmem)', fix: 'docker.yaml' },
      { problem: 'kubelet v1.12.8 (/usr/bin/kubelet, from systemd) is not the nokmem build', fix: 'kubelet-nokmem.yaml' },
      {
        problem: 'systemd 219-62.el7_6.5 < 242 without the cookie fix (D-Bus cookie overflow)',
        fix: 'upgrade systemd (EL7: 219-67.el7 or later; 7.6.z: 219-62.el7_6.8 or later); systemctl daemon-reexec meanwhile',
      },
      { problem: 'journal: Failed to propagate agent release message', fix: 'systemctl daemon-reexec now; upgrade systemd' },
    ]);
    expect(a[N11]).toMatchObject({ dmesg: ['slub', 'netdev'], kmem: { proof: 'fail' }, kubelet: { binary: '/usr/bin/kubelet', source: 'systemd', nokmem: false } });
    // node12: an ordinary memory-cgroup OOM in dmesg is recorded but is not the leak; no
    // container to prove kmem on (inconclusive: no finding); systemd runs the nokmem build
    expect(a[N12].findings).toEqual([]);
    expect(a[N12]).toMatchObject({
      dmesg: ['memcg_oom'],
      kmem: { proof: 'inconclusive' },
      kubelet: { version: 'v1.14.1', binary: '/usr/local/bin/kubelet', source: 'systemd', nokmem: true, build_info: { nokmem: true } },
    });
    // the table: one row per host, the fixes in the last column
    const table = taskResults(run, N11, 'Fleet audit')[0].msg!;
    const row11 = table.split('\n').find((l) => l.startsWith(N11))!;
    expect(row11).toMatch(
      / FAIL .*18\.06\.3 OLD .*v1\.12\.8 KMEM .*slub,netdev .*219 <242 SYMPTOM .*kubelet-nokmem\.yaml, docker\.yaml, grub-nokmem\.yaml .*\| kpatch-route\.yaml \| docker\.yaml \| kubelet-nokmem\.yaml/,
    );
    expect(table.split('\n').find((l) => l.startsWith(N12))).toMatch(/ inconclusive .*v1\.14\.1 nokmem .* memcg_oom /);
    expect(run.output).toContain(row11);
  });

  it('the kmem finding follows the proof: slabinfo EIO is no finding, and SLUB lines then only ask for a reboot', async () => {
    const run = await runPlaybook(env, 'audit.yaml', { ...vars, kmem_memory_cgroup: `${base}-off` }, ['--limit', N11]);
    expect(run.code).toBe(0);
    expect(audits(run)[N11]).toMatchObject({ kmem: { proof: 'pass' } });
    const kmem = audits(run)[N11].findings.filter((f) => /^(kmem accounting|dmesg: SLUB)/.test(f.problem));
    expect(kmem).toEqual([
      { problem: 'dmesg: SLUB: Unable to allocate memory on node -1 (the kmem accounting leak, this boot)', fix: 'kmem accounting is off now (proof passed): reboot to drop the leaked caches' },
    ]);
  });

  it('the kubelet is the binary systemd runs: once the nokmem drop-in is gone, the RPM kubelet is reported whatever the build record says', async () => {
    removeOnHost(N12, NOKMEM_DROPIN);
    try {
      const run = await runPlaybook(env, 'audit.yaml', vars, ['--limit', N12]);
      expect(audits(run)[N12]).toMatchObject({ kubelet: { binary: '/usr/bin/kubelet', source: 'systemd', nokmem: false, build_info: { nokmem: true } } });
      expect(problems(run, N12)).toEqual(['kubelet v1.14.1 (/usr/bin/kubelet, from systemd) is not the nokmem build']);
    } finally {
      plant(N12, NOKMEM_DROPIN, '[Service]\nExecStart=\nExecStart=/usr/local/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n');
    }
  });

  it('the cookie finding follows the package release: systemd-219 from 219-65 (7.7) or 219-62.el7_6.8 (7.6.z) has the backport', async () => {
    const cookie = async (release: string): Promise<string[]> => {
      const run = await runPlaybook(env, 'audit.yaml', { ...vars, audit_systemd_package_command: `echo ${release}` }, ['--limit', N11]);
      expect(audits(run)[N11]).toMatchObject({ systemd: { version: '219', package: release } });
      return problems(run, N11).filter((p) => p.startsWith('systemd'));
    };
    for (const fixed of ['219-67.el7', '219-65.el7', '219-62.el7_6.8', '219-62.el7_6.12', '219-78.el7_9.9']) expect(await cookie(fixed), fixed).toEqual([]);
    for (const open of ['219-64.el7', '219-62.el7_6.7', '219-62.el7', '219-57.el7_5.3'])
      expect(await cookie(open), open).toEqual([`systemd ${open} < 242 without the cookie fix (D-Bus cookie overflow)`]);
  });

  it('is read-only: --check reports the same findings, nothing changed, no file touched', async () => {
    const paths = [base, '/usr/local/bin', '/usr/bin/kubelet', ...UNIT_FILES];
    const before = [snapshot(N11, paths), snapshot(N12, paths)];
    const check = await runPlaybook(env, 'audit.yaml', vars, ['--check']);
    const run = await runPlaybook(env, 'audit.yaml', vars);
    expect(audits(check)).toEqual(audits(run));
    expect(changedOf(check)).toEqual({ [N11]: 0, [N12]: 0 });
    expect(changedOf(run)).toEqual({ [N11]: 0, [N12]: 0 });
    expect([snapshot(N11, paths), snapshot(N12, paths)]).toEqual(before);
  });
});
