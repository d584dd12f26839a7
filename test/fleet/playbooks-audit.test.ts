/**
 * audit.yaml on node11 and node12. The fleet's hosts share the machine's kernel ring buffer
 * and have no journal or systemd, so the signatures are planted in files on node11 only and
 * the audit's source commands point at them (audit_dmesg_command="cat FILE", ...), which is
 * what those vars are for. node11 also gets a stand-in dockerd 18.06.3-ce, a kubelet v1.12.8
 * without build info and a memory cgroup tree with a container charging kmem; node12 a
 * kubelet v1.14.1 with the build info kubelet-nokmem.yaml writes (nokmem: true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { N11, N12, changedOf, plant, playbookHosts, removeOnHost, runPlaybook, snapshot, taskResults, uniquePath, type PlaybookRun } from './playbooks-env.js';

const env = playbookHosts('audit');
const base = uniquePath('audit');
const vars = {
  audit_dmesg_command: `cat ${base}/dmesg.txt`,
  audit_journal_command: `cat ${base}/journal.txt`,
  audit_systemd_version_command: `cat ${base}/systemd-version.txt`,
  // the package release where the version file is planted (node11): RHEL 7.6's, before the backport
  audit_systemd_package_command: `[ -f ${base}/systemd-version.txt ] && echo 219-62.el7_6.5`,
  kmem_memory_cgroup: `${base}/memory`,
  kubelet_build_info: `${base}/kubelet.build-info.json`,
};
const DMESG = `[    1.000000] Linux version 3.10.0-957.el7.x86_64
[ 8812.112233] SLUB: Unable to allocate memory on node -1 (gfp=0x8020)
[ 9001.000001] unregister_netdevice: waiting for eth0 to become free. Usage count = 1
`;
const BINARIES = ['/usr/local/bin/dockerd', '/usr/local/bin/kubelet'];

/** The per-host audit records from the JSON report (the msg of "Fleet audit (JSON)"). */
function audits(run: PlaybookRun): Record<string, { findings: { problem: string; fix: string }[]; [k: string]: unknown }> {
  const [task] = taskResults(run, N11, 'Fleet audit (JSON)');
  return Object.fromEntries((JSON.parse(task.msg!) as { host: string }[]).map((a) => [a.host, a as never]));
}

beforeAll(() => {
  plant(N11, `${base}/dmesg.txt`, DMESG);
  plant(N11, `${base}/journal.txt`, 'Jun 01 10:00:00 node11 systemd[1]: Failed to propagate agent release message: Operation not supported\n');
  plant(N11, `${base}/systemd-version.txt`, 'systemd 219\n+PAM +AUDIT +SELINUX\n');
  plant(N11, `${base}/memory/kubepods/burstable/pod0f1e/4be1c0ffee/memory.kmem.usage_in_bytes`, '237568\n');
  plant(N11, '/usr/local/bin/dockerd', '#!/bin/sh\necho "Docker version 18.06.3-ce, build d7080c1"\n', 0o755);
  plant(N11, '/usr/local/bin/kubelet', '#!/bin/sh\necho "Kubernetes v1.12.8"\n', 0o755);
  plant(N12, '/usr/local/bin/kubelet', '#!/bin/sh\necho "Kubernetes v1.14.1"\n', 0o755);
  plant(
    N12,
    `${base}/kubelet.build-info.json`,
    JSON.stringify({ version: 'v1.14.1', tags: ['nokmem'], nokmem: true, patched_runc: false, source_sha256: 'ab'.repeat(32), built_at: '2026-12-01T00:00:00Z' }),
  );
});
afterAll(() => {
  // only what this file planted: node12's dockerd belongs to the docker test running alongside
  removeOnHost(N11, base, ...BINARIES);
  removeOnHost(N12, base, '/usr/local/bin/kubelet');
});

describe('audit.yaml', () => {
  it('finds each planted problem on exactly the host where it was planted, names the fix, and exits 0', async () => {
    const run = await runPlaybook(env, 'audit.yaml', vars);
    expect(run.code).toBe(0);
    const a = audits(run);
    // node11 runs the machine's modern kernel on a (planted) cgroup v1 memory hierarchy without
    // cgroup.memory=nokmem in its command line: kmem exposure, fixed by the grub flag alone.
    expect(a[N11].findings).toEqual([
      { problem: 'kmem accounting on (cgroup v1 without cgroup.memory=nokmem)', fix: 'grub-nokmem.yaml' },
      { problem: 'dmesg: SLUB: Unable to allocate memory on node -1', fix: 'grub-nokmem.yaml' },
      { problem: 'dmesg: unregister_netdevice waiting, route livepatch not loaded', fix: 'kpatch-route.yaml' },
      { problem: 'docker 18.06.3 < 18.09.1 (its runc enables kmem)', fix: 'docker.yaml' },
      { problem: 'kubelet v1.12.8 not built with nokmem', fix: 'kubelet-nokmem.yaml' },
      { problem: 'systemd 219-62.el7_6.5 < 242 without the cookie fix (D-Bus cookie overflow)', fix: 'upgrade systemd (EL7: 219-67 or later); systemctl daemon-reexec meanwhile' },
      { problem: 'journal: Failed to propagate agent release message', fix: 'systemctl daemon-reexec now; upgrade systemd' },
    ]);
    expect(a[N11]).toMatchObject({ dmesg: ['slub', 'netdev'], kmem: { memory_hierarchy: true, container_kmem_bytes: 237568 } });
    // node12: nothing was planted but a kubelet built with nokmem
    const problems12 = a[N12].findings.map((f) => f.problem).join('\n');
    expect(problems12).not.toMatch(/dmesg|journal|systemd|kubelet/);
    expect(a[N12]).toMatchObject({ dmesg: [], kubelet: { version: 'v1.14.1', build_info: { nokmem: true } } });
    // the table: one row per host, the fixes in the last column
    const table = taskResults(run, N11, 'Fleet audit')[0].msg!;
    const row11 = table.split('\n').find((l) => l.startsWith(N11))!;
    expect(row11).toMatch(/18\.06\.3 OLD .*v1\.12\.8 KMEM .*slub,netdev .*219 <242 SYMPTOM .*grub-nokmem\.yaml \| kpatch-route\.yaml \| docker\.yaml \| kubelet-nokmem\.yaml/);
    expect(table.split('\n').find((l) => l.startsWith(N12))).toMatch(/v1\.14\.1 nokmem .* clean /);
    expect(run.output).toContain(row11);
  });

  it("the cookie finding follows the package release: RHEL 7's systemd-219 from 219-67 has the backport", async () => {
    const fixed = await runPlaybook(env, 'audit.yaml', { ...vars, audit_systemd_package_command: 'echo 219-67.el7' }, ['--limit', N11]);
    const fixedProblems = audits(fixed)[N11].findings.map((f) => f.problem);
    expect(fixedProblems.filter((p) => p.startsWith('systemd'))).toEqual([]);
    expect(audits(fixed)[N11]).toMatchObject({ systemd: { version: '219', package: '219-67.el7' } });
  });

  it('is read-only: --check reports the same findings, nothing changed, no file touched', async () => {
    const paths = [base, '/usr/local/bin'];
    const before = [snapshot(N11, paths), snapshot(N12, paths)];
    const check = await runPlaybook(env, 'audit.yaml', vars, ['--check']);
    const run = await runPlaybook(env, 'audit.yaml', vars);
    expect(audits(check)).toEqual(audits(run));
    expect(changedOf(check)).toEqual({ [N11]: 0, [N12]: 0 });
    expect(changedOf(run)).toEqual({ [N11]: 0, [N12]: 0 });
    expect([snapshot(N11, paths), snapshot(N12, paths)]).toEqual(before);
  });
});
