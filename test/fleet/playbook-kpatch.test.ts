/**
 * playbooks/kpatch-route.yaml on the build hosts with the fixture kpatch source tarball
 * (test/fixtures/kpatch-src, tarred here): its stand-in kpatch / kpatch-build keep the
 * real CLI surface and write a sysfs-like state under roots given as vars. The fleet runs
 * the machine's modern kernel (which has the fix), so the "needs patch" path is forced
 * with kpatch_kernel_override host vars: node14 + node15 share 3.10.0-957.el7, node16 runs
 * 3.10.0-1160.el7. The real livepatch build and load come with a booted VM later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILDER, NODES, REPO, changedBy, changedOf, changedTasks, failures, onHost, play, resultsOf, snapshotTree, uniqueTag, writeInventory } from './playbook-builds-env.js';

const base = uniqueTag('kpatch');
const local = mkdtempSync(join(tmpdir(), 'nm-kpatch-'));
const tarball = join(local, 'kpatch-0.9.7.tar.gz');
const K957 = '3.10.0-957.el7.x86_64';
const K1160 = '3.10.0-1160.el7.x86_64';
const KERNEL_OF: Record<string, string> = { node14: K957, node15: K957, node16: K1160 };
const vars = {
  kpatch_src_tarball: tarball,
  kpatch_prefix: `${base}/usr`,
  kpatch_src_root: `${base}/src`,
  kpatch_build_root: `${base}/build`,
  kpatch_lib_dir: `${base}/var/lib/kpatch`,
  kpatch_sysfs_root: `${base}/sys/kernel/livepatch`,
  // The fixture's make install bakes its state roots in (the real CLIs use /sys and /var/lib/kpatch).
  kpatch_make_args: [`LIVEPATCH_SYSFS=${base}/sys/kernel/livepatch`, `KPATCH_VARDIR=${base}/var/lib/kpatch`],
  nodemend_artifacts: join(local, 'artifacts'),
};
const ZERO = Object.fromEntries(NODES.map((n) => [n, 0]));
const override = (kernels: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(kernels).map(([h, k]) => [h, k ? { kpatch_kernel_override: k } : {}]));
let inventory: string;
const enabledFile = (h: string) => onHost(h, `${base}/sys/kernel/livepatch/livepatch_route/enabled`);
const moduleOf = (h: string, k: string) => onHost(h, `${base}/var/lib/kpatch/${k}/livepatch-route.ko`);
/** The kernels a build task ran for (loop items are the rendered route.patch results). */
const builtKernels = (r: Awaited<ReturnType<typeof play>>) =>
  r.results
    .filter((x) => x.task.startsWith('kpatch-build -t vmlinux route.patch') && x.status === 'changed')
    .map((x) => x.item as string) // the loop label: the kernel
    .sort();
let predicted: string[] = [];

beforeAll(() => {
  execFileSync('tar', ['-C', join(REPO, 'test/fixtures'), '-czf', tarball, '--transform', 's,^kpatch-src,kpatch-0.9.7,', 'kpatch-src']);
  inventory = writeInventory(override(KERNEL_OF));
});
afterAll(() => {
  for (const n of NODES) rmSync(onHost(n, base), { recursive: true, force: true });
  rmSync(local, { recursive: true, force: true });
});

describe('kpatch-route.yaml', () => {
  it('--check predicts the install and one build per kernel and changes nothing', async () => {
    const check = await play('kpatch-route.yaml', inventory, vars, { check: true });
    expect(failures(check)).toEqual([]);
    expect(changedBy(check, 'make install')).toEqual([...NODES].sort());
    expect(builtKernels(check)).toEqual([K1160, K957]);
    expect(changedBy(check, 'livepatch-route.ko (copied only when its checksum differs)')).toEqual([...NODES].sort());
    predicted = changedTasks(check);
    expect(snapshotTree([base])).toEqual({});
    expect(existsSync(vars.nodemend_artifacts)).toBe(false);
  });

  it('installs kpatch from the tarball, builds once per distinct kernel, installs per kernel, loads and verifies; rerun changes nothing', async () => {
    const run = await play('kpatch-route.yaml', inventory, vars);
    expect(failures(run)).toEqual([]);
    // the --check run above predicted exactly these changes, task by task and item by item
    expect(changedTasks(run)).toEqual(predicted);
    expect(changedBy(run, 'make install')).toEqual([...NODES].sort());
    expect(readFileSync(onHost(BUILDER, `${base}/usr/sbin/kpatch`), 'utf8')).toContain('Stand-in for kpatch(1) 0.9.7');
    // node14 + node15 share a kernel: two builds for three nodes, both on the builder.
    expect(builtKernels(run)).toEqual([K1160, K957]);
    expect(readdirSync(onHost(BUILDER, `${base}/build`)).sort()).toEqual([K1160, K957]);
    const patch = readFileSync(onHost(BUILDER, `${base}/build/${K957}/route.patch`), 'utf8');
    expect(patch).toContain(`Upstream fix for kernel ${K957}`);
    expect(patch).toContain('+\t\t\tfnhe->fnhe_daddr = 0;\n \t\t\tfnhe_flush_routes(fnhe);\n \t\t\tkfree_rcu(fnhe, rcu);');
    for (const n of NODES) {
      const k = KERNEL_OF[n];
      // Each node has only its own kernel's module, built for that kernel from this patch.
      expect(readdirSync(onHost(n, `${base}/var/lib/kpatch`))).toEqual([k]);
      const mod = readFileSync(moduleOf(n, k), 'utf8');
      expect(mod).toContain(`\nkernel=${k}\n`);
      expect(mod).toContain(`\npatch_sha256=${createHash('sha256').update(readFileSync(onHost(BUILDER, `${base}/build/${k}/route.patch`))).digest('hex')}\n`);
      expect(readFileSync(enabledFile(n), 'utf8').trim()).toBe('1');
    }
    const verdicts = resultsOf(run, 'livepatch_route is loaded and enabled');
    expect(verdicts.map((v) => [v.host, v.status, v.msg]).sort()).toEqual(NODES.map((n) => [n, 'ok', `livepatch_route enabled on ${KERNEL_OF[n]}`]).sort());

    const snap = snapshotTree([base]);
    const rerun = await play('kpatch-route.yaml', inventory, vars);
    expect(failures(rerun)).toEqual([]);
    expect(changedOf(rerun)).toEqual(ZERO);
    expect(resultsOf(rerun, 'make install').every((r) => r.status === 'skipped')).toBe(true);
    const recheck = await play('kpatch-route.yaml', inventory, vars, { check: true });
    expect(failures(recheck)).toEqual([]);
    expect(changedOf(recheck)).toEqual(ZERO);
    expect(snapshotTree([base])).toEqual(snap);
  });

  it('verify fails on a node whose patch is not enabled, and the next run loads it again', async () => {
    writeFileSync(enabledFile('node15'), '0\n');
    const verify = await play('kpatch-route.yaml', inventory, vars, { tags: ['kpatch-verify'] });
    expect(failures(verify)).toEqual([expect.stringMatching(/^node15 livepatch_route is loaded and enabled: livepatch_route is not active on 3\.10\.0-957\.el7\.x86_64: .*enabled = '0'/)]);
    const repair = await play('kpatch-route.yaml', inventory, vars);
    expect(failures(repair)).toEqual([]);
    expect(changedBy(repair, 'kpatch load (no systemd)')).toEqual(['node15']);
    expect(readFileSync(enabledFile('node15'), 'utf8').trim()).toBe('1');
  });

  it('a kernel that already has the fix is reported as not needing the patch and left alone', async () => {
    // node15: the 3.16 stable line has the backport from 3.16.70; node16: the fleet's real
    // (modern) kernel, >= 5.1. node14 keeps the old el7 kernel.
    const inv = writeInventory(override({ node14: K957, node15: '3.16.70-1-amd64', node16: undefined }));
    const before = snapshotTree([`${base}/var/lib/kpatch`]);
    const run = await play('kpatch-route.yaml', inv, vars);
    expect(failures(run)).toEqual([]);
    const notNeeded = resultsOf(run, 'Report nodes whose kernel does not need the patch').filter((r) => r.status === 'ok');
    expect(notNeeded.map((r) => r.host).sort()).toEqual(['node15', 'node16']);
    expect(notNeeded.find((r) => r.host === 'node15')!.msg).toBe('3.16.70-1-amd64 already contains the ip_del_fnhe fix upstream: livepatch-route not needed');
    expect(resultsOf(run, 'livepatch-route.ko (copied only when its checksum differs)').filter((r) => r.status !== 'skipped').map((r) => r.host)).toEqual(['node14']);
    expect(builtKernels(run)).toEqual([]);
    expect(changedOf(run)).toEqual(ZERO);
    expect(snapshotTree([`${base}/var/lib/kpatch`])).toEqual(before);
    // One release earlier than the backport still needs it.
    const older = await play('kpatch-route.yaml', writeInventory(override({ node14: K957, node15: '3.16.69-1-amd64', node16: undefined })), vars, { check: true });
    expect(resultsOf(older, 'Report nodes whose kernel does not need the patch').filter((r) => r.status === 'ok').map((r) => r.host)).toEqual(['node16']);
  });

  it('installs from a URL checked against its sha256; a wrong sha256 unpacks nothing', async () => {
    const server: Server = createServer((_req, res) => res.end(readFileSync(tarball)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kpatch-0.9.7.tar.gz`;
      const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
      const { kpatch_src_tarball: _path, ...rest } = vars;
      const viaUrl = { ...rest, kpatch_src_url: url, kpatch_prefix: `${base}/url-usr`, kpatch_src_root: `${base}/url-src` };
      const bad = await play('kpatch-route.yaml', inventory, { ...viaUrl, kpatch_src_sha256: '0'.repeat(64) }, { tags: ['kpatch-install'] });
      expect(resultsOf(bad, 'Download the source tarball (checksum-verified)').map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
      expect(existsSync(onHost('node16', `${base}/url-src/kpatch-0.9.7`))).toBe(false);
      const good = await play('kpatch-route.yaml', inventory, { ...viaUrl, kpatch_src_sha256: sha }, { tags: ['kpatch-install'] });
      expect(failures(good)).toEqual([]);
      expect(changedBy(good, 'make install')).toEqual([...NODES].sort());
      expect(execFileSync(onHost('node16', `${base}/url-usr/sbin/kpatch`), ['version'], { encoding: 'utf8' }).trim()).toBe('0.9.7');
    } finally {
      server.close();
    }
  });
});
