/**
 * playbooks/kpatch-route.yaml on the build hosts with the fixture kpatch source tarball
 * (test/fixtures/kpatch-src, tarred here): its stand-ins mirror kpatch v0.9.7's kpatch and
 * kpatch-build (output, exit codes, `list` by sysfs name and mod_name, a `load` that leaves
 * a loaded module of the same name alone, patch -N) and write the kernel-side state
 * (livepatch sysfs, /sys/module/<name>/srcversion) under roots given as vars. The fleet runs
 * the machine's modern kernel (which has the fix), so the "needs patch" path is forced
 * with kpatch_kernel_override host vars: node14 + node15 share 3.10.0-957.el7, node16 runs
 * 3.10.0-862.el7. The builder (a Debian fleet host) is declared an EL7 builder
 * (kpatch_builder_platform) whose EL7 prerequisites are planted under a sysroot and a
 * PATH directory of this test. The real livepatch build and load need a booted VM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostRoot } from '../setup/fleet.js';
import { plantKpatchEl7Prereqs } from '../setup/el7.js';
import { BUILDER, NODES, REPO, changedBy, changedOf, changedTasks, failures, onHost, play, resultsOf, snapshotTree, uniqueTag, writeInventory } from './playbook-builds-env.js';

const base = uniqueTag('kpatch');
const local = mkdtempSync(join(tmpdir(), 'nm-kpatch-'));
const tarball = join(local, 'kpatch-0.9.7.tar.gz');
const K957 = '3.10.0-957.el7.x86_64';
const K862 = '3.10.0-862.el7.x86_64';
const KERNEL_OF: Record<string, string> = { node14: K957, node15: K957, node16: K862 };
/** A vendor kernel no version table knows whose source already has the hunk (fixture-kernels/). */
const KFIXED = '3.10.0-957.99.1.el7.x86_64';
const vars = {
  kpatch_src_tarball: tarball,
  kpatch_prefix: `${base}/usr`,
  kpatch_src_root: `${base}/src`,
  kpatch_build_root: `${base}/build`,
  kpatch_lib_dir: `${base}/var/lib/kpatch`,
  kpatch_sysfs_root: `${base}/sys/kernel/livepatch`,
  kpatch_sysmodule_root: `${base}/sys/module`,
  // The fixture's make install bakes its state roots in (the real CLIs use /sys and /var/lib/kpatch).
  kpatch_make_args: [`LIVEPATCH_SYSFS=${base}/sys/kernel/livepatch`, `SYSMODULE=${base}/sys/module`, `KPATCH_VARDIR=${base}/var/lib/kpatch`],
  nodemend_artifacts: join(local, 'artifacts'),
  kpatch_builder_platform: 'el7',
  kpatch_el7_sysroot: `${base}-el7/root`,
  kpatch_build_path: `${base}-el7/bin`,
};
const ZERO = Object.fromEntries(NODES.map((n) => [n, 0]));
const override = (kernels: Record<string, string | undefined>) => Object.fromEntries(Object.entries(kernels).map(([h, k]) => [h, k ? { kpatch_kernel_override: k } : {}]));
let inventory: string;
const enabledFile = (h: string) => onHost(h, `${base}/sys/kernel/livepatch/livepatch_route/enabled`);
const srcversionFile = (h: string) => onHost(h, `${base}/sys/module/livepatch_route/srcversion`);
const loadedSrcversion = (h: string) => readFileSync(srcversionFile(h), 'utf8').trim();
/** Runs a tool inside a fleet host's root, as the host would (root, its own binaries). */
const onHostRun = (h: string, argv: string[]) => execFileSync('chroot', [hostRoot(h), ...argv], { encoding: 'utf8' });
const modinfo = (h: string, field: string, path: string) => onHostRun(h, ['/sbin/modinfo', '-F', field, path]).trim();
const kpatchList = (h: string) => onHostRun(h, [`${base}/usr/sbin/kpatch`, 'list']);
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
  // what an EL7 builder with every kpatch-build prerequisite has for these kernels, under a sysroot
  plantKpatchEl7Prereqs(hostRoot(BUILDER), vars.kpatch_el7_sysroot, vars.kpatch_build_path, [K957, K862, KFIXED]);
});
afterAll(() => {
  for (const n of NODES) rmSync(onHost(n, base), { recursive: true, force: true });
  rmSync(onHost(BUILDER, `${base}-el7`), { recursive: true, force: true });
  rmSync(local, { recursive: true, force: true });
});

describe('kpatch-route.yaml', () => {
  it('--check predicts the install and one build per kernel and changes nothing', async () => {
    const check = await play('kpatch-route.yaml', inventory, vars, { check: true });
    expect(failures(check)).toEqual([]);
    expect(changedBy(check, 'make install')).toEqual([...NODES].sort());
    expect(builtKernels(check)).toEqual([K862, K957]);
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
    expect(readFileSync(onHost(BUILDER, `${base}/usr/sbin/kpatch`), 'utf8')).toContain('Stand-in for kpatch v0.9.7, dynup/kpatch: kpatch/kpatch');
    // node14 + node15 share a kernel: two builds for three nodes, both on the builder.
    expect(builtKernels(run)).toEqual([K862, K957]);
    expect(readdirSync(onHost(BUILDER, `${base}/build`)).sort()).toEqual([K862, K957]);
    const patch = readFileSync(onHost(BUILDER, `${base}/build/${K957}/route.patch`), 'utf8');
    expect(patch).toContain(`Upstream fix for kernel ${K957}`);
    expect(patch).toContain('+\t\t\tfnhe->fnhe_daddr = 0;\n \t\t\tfnhe_flush_routes(fnhe);\n \t\t\tkfree_rcu(fnhe, rcu);');
    for (const n of NODES) {
      const k = KERNEL_OF[n];
      // Each node has only its own kernel's module, built for that kernel from this patch.
      expect(readdirSync(onHost(n, `${base}/var/lib/kpatch`))).toEqual([k]);
      expect(modinfo(n, 'vermagic', `${base}/var/lib/kpatch/${k}/livepatch-route.ko`)).toBe(`${k} SMP mod_unload modversions`);
      // What runs is what is installed: the loaded module's srcversion is the file's.
      expect(loadedSrcversion(n)).toBe(modinfo(n, 'srcversion', `${base}/var/lib/kpatch/${k}/livepatch-route.ko`));
      expect(readFileSync(enabledFile(n), 'utf8').trim()).toBe('1');
      // kpatch list as v0.9.7 prints it: loaded by sysfs name, installed through mod_name.
      expect(kpatchList(n)).toBe(`Loaded patch modules:\nlivepatch_route [enabled]\n\nInstalled patch modules:\nlivepatch_route (${k})\n`);
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

  it('a fresh builder while the controller holds the modules of this patch: nothing is built or fetched, and --check predicts exactly that', async () => {
    // The builder's build tree is gone (a new build VM); the controller kept the fetched modules.
    rmSync(onHost(BUILDER, `${base}/build`), { recursive: true, force: true });
    const check = await play('kpatch-route.yaml', inventory, vars, { check: true });
    expect(failures(check)).toEqual([]);
    const run = await play('kpatch-route.yaml', inventory, vars);
    expect(failures(run)).toEqual([]);
    expect(changedTasks(run)).toEqual(changedTasks(check));
    expect(builtKernels(run)).toEqual([]);
    expect(changedBy(run, 'Fetch each module to the controller')).toEqual([]);
    expect(changedBy(run, 'livepatch-route.ko (copied only when its checksum differs)')).toEqual([]);
  });

  it('verify fails on a node whose patch is not enabled, and the next run loads it again', async () => {
    writeFileSync(enabledFile('node15'), '0\n');
    const verify = await play('kpatch-route.yaml', inventory, vars, { tags: ['kpatch-verify'] });
    expect(failures(verify)).toEqual([expect.stringMatching(/^node15 livepatch_route is loaded and enabled: livepatch_route is not active on 3\.10\.0-957\.el7\.x86_64: .*enabled = '0'/)]);
    const repair = await play('kpatch-route.yaml', inventory, vars);
    expect(failures(repair)).toEqual([]);
    expect(changedBy(repair, 'kpatch load (replacing an older livepatch_route)')).toEqual(['node15']);
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
    expect(
      resultsOf(run, 'livepatch-route.ko (copied only when its checksum differs)')
        .filter((r) => r.status !== 'skipped')
        .map((r) => r.host),
    ).toEqual(['node14']);
    expect(builtKernels(run)).toEqual([]);
    expect(changedOf(run)).toEqual(ZERO);
    expect(snapshotTree([`${base}/var/lib/kpatch`])).toEqual(before);
    // One release earlier than the backport still needs it.
    const older = await play('kpatch-route.yaml', writeInventory(override({ node14: K957, node15: '3.16.69-1-amd64', node16: undefined })), vars, { check: true });
    expect(
      resultsOf(older, 'Report nodes whose kernel does not need the patch')
        .filter((r) => r.status === 'ok')
        .map((r) => r.host),
    ).toEqual(['node16']);
  });

  it('the RHEL 7.7 kernel and the stable backports need no patch; older releases of each line do', async () => {
    const check = await play('kpatch-route.yaml', writeInventory(override({ node14: K957, node15: '4.19.30-1.el7.elrepo.x86_64', node16: '3.10.0-1062.el7.x86_64' })), vars, { check: true });
    const notNeeded = resultsOf(check, 'Report nodes whose kernel does not need the patch')
      .filter((r) => r.status === 'ok')
      .map((r) => r.host);
    expect(notNeeded).toEqual(['node15', 'node16']);
    const older = await play('kpatch-route.yaml', writeInventory(override({ node14: K957, node15: '4.19.29-1.el7.elrepo.x86_64', node16: '3.10.0-957.27.2.el7.x86_64' })), vars, {
      check: true,
      tags: ['kpatch-verify'],
    });
    expect(resultsOf(older, 'Report nodes whose kernel does not need the patch').filter((r) => r.status === 'ok')).toEqual([]);
  });

  it('a changed module replaces the loaded one: the new build is what runs, and verify checks it', async () => {
    const before = Object.fromEntries(NODES.map((n) => [n, loadedSrcversion(n)]));
    // Another route.patch (its hunk header moves one line): a new build for each kernel.
    const moved = { ...vars, route_hunk_line: 1612 };
    const check = await play('kpatch-route.yaml', inventory, moved, { check: true });
    expect(failures(check)).toEqual([]);
    expect(changedBy(check, 'kpatch load (replacing an older livepatch_route)')).toEqual([...NODES].sort());
    const run = await play('kpatch-route.yaml', inventory, moved);
    expect(failures(run)).toEqual([]);
    expect(changedTasks(run)).toEqual(changedTasks(check));
    expect(builtKernels(run)).toEqual([K862, K957]);
    for (const n of NODES) {
      const now = loadedSrcversion(n);
      expect(now).not.toBe(before[n]);
      expect(now).toBe(modinfo(n, 'srcversion', `${base}/var/lib/kpatch/${KERNEL_OF[n]}/livepatch-route.ko`));
      expect(readFileSync(enabledFile(n), 'utf8').trim()).toBe('1');
    }
    const load = resultsOf(run, 'kpatch load (replacing an older livepatch_route)').find((r) => r.host === 'node16')!;
    expect(load.stdoutTail).toContain('unloading patch module: livepatch_route');
    expect(load.stdoutTail).toContain(`loading patch module: ${base}/var/lib/kpatch/${K862}/livepatch-route.ko`);
    // A plain `kpatch load` (what the kpatch service runs) would have kept the old build: verify catches that.
    writeFileSync(srcversionFile('node14'), `${before.node14}\n`);
    const verify = await play('kpatch-route.yaml', inventory, moved, { tags: ['kpatch-verify'] });
    expect(failures(verify)).toEqual([
      expect.stringMatching(new RegExp(`^node14 livepatch_route is loaded and enabled: .*loaded srcversion '${before.node14}' vs installed '${loadedSrcversion('node15')}'`)),
    ]);
    const repair = await play('kpatch-route.yaml', inventory, moved);
    expect(failures(repair)).toEqual([]);
    expect(changedBy(repair, 'kpatch load (replacing an older livepatch_route)')).toEqual(['node14']);
    expect(changedOf(await play('kpatch-route.yaml', inventory, moved))).toEqual(ZERO);
  });

  it('a kernel whose source already has the fix: patch -N does not fail the build, its nodes are reported not needing the patch', async () => {
    const inv = writeInventory(override({ node14: K957, node15: K957, node16: KFIXED }));
    const run = await play('kpatch-route.yaml', inv, vars);
    expect(failures(run)).toEqual([]);
    const build = resultsOf(run, 'kpatch-build -t vmlinux route.patch').find((r) => r.item === KFIXED)!;
    expect(build.status).toBe('changed');
    expect(build.stdoutTail).toContain(`${KFIXED}: the kernel source already contains the route fix; nothing to build`);
    const fixedDir = onHost(BUILDER, `${base}/build/${KFIXED}`);
    expect(
      readFileSync(
        join(
          fixedDir,
          readdirSync(fixedDir).find((d) => d !== 'route.patch')!,
          '.kpatch/build.log',
        ),
        'utf8',
      ),
    ).toContain('Reversed (or previously applied) patch detected!  Skipping patch.');
    const report = resultsOf(run, 'Report nodes whose kernel source already has the fix').filter((r) => r.status === 'ok');
    expect(report.map((r) => [r.host, r.msg])).toEqual([
      ['node16', `${KFIXED}: its kernel source already contains the ip_del_fnhe fix (kpatch-build's patch -N found it applied): livepatch-route not needed`],
    ]);
    expect(existsSync(onHost('node16', `${base}/var/lib/kpatch/${KFIXED}`))).toBe(false);
    expect(
      resultsOf(run, 'livepatch_route is loaded and enabled')
        .map((r) => [r.host, r.status])
        .sort(),
    ).toEqual([
      ['node14', 'ok'],
      ['node15', 'ok'],
      ['node16', 'skipped'],
    ]);
    const rerun = await play('kpatch-route.yaml', inv, vars);
    expect(failures(rerun)).toEqual([]);
    expect(changedOf(rerun)).toEqual(ZERO);
  });

  it("a builder without kpatch-build's EL7 prerequisites stops before building, naming each missing piece and how to get it", async () => {
    const K1062 = '3.10.0-693.el7.x86_64'; // nothing planted for this kernel
    const bare = { ...vars, kpatch_build_path: `${base}/no-such-bin` };
    const run = await play('kpatch-route.yaml', writeInventory(override({ node14: K957, node15: K957, node16: K1062 })), bare);
    const stop = failures(run);
    // One failure per kernel: K957 lacks only the two tools, the unplanted kernel everything.
    expect(stop).toHaveLength(2);
    const bare693 = stop.find((f) => f.includes(`for ${K1062};`))!;
    expect(bare693).toMatch(/^node14 Stop when kpatch-build would lack something: kpatch-build on node14 cannot build livepatch-route for 3\.10\.0-693\.el7\.x86_64; missing:\n {2}- /);
    for (const line of [
      `kernel-devel-${K1062}: yum install kernel-devel-${K1062}`,
      `kernel-debuginfo-${K1062} (vmlinux): enable the debuginfo repo (CentOS: yum-config-manager --enable base-debuginfo; RHEL: subscription-manager repos --enable rhel-7-server-debug-rpms), then: debuginfo-install kernel-${K1062}`,
      `kernel-debuginfo-common-x86_64-${K1062}:`,
      'yumdownloader (fetches the kernel source RPM): yum install yum-utils',
      'rpmbuild (unpacks the kernel source RPM): yum install rpm-build, then yum-builddep kernel-3.10.0-693.el7',
    ])
      expect(bare693).toContain(line);
    const tools957 = stop.find((f) => f.includes(`for ${K957};`))!;
    expect(tools957.split('\n').slice(1)).toEqual([
      '  - yumdownloader (fetches the kernel source RPM): yum install yum-utils',
      '  - rpmbuild (unpacks the kernel source RPM): yum install rpm-build, then yum-builddep kernel-3.10.0-957.el7',
    ]);
    expect(builtKernels(run)).toEqual([]);
  });

  it('a gcc other than the one that built the kernel is named as missing', async () => {
    const k = K862;
    const vmlinux = onHost(BUILDER, `${base}-el7/root/usr/lib/debug/lib/modules/${k}/vmlinux`);
    const saved = readFileSync(vmlinux);
    try {
      writeFileSync(onHost(BUILDER, `${base}-el7/comment.txt`), 'GCC: (GCC) 4.8.5 20150623 (Red Hat 4.8.5-28)\0');
      onHostRun(BUILDER, ['objcopy', '--remove-section', '.comment', '--add-section', `.comment=${base}-el7/comment.txt`, `${base}-el7/root/usr/lib/debug/lib/modules/${k}/vmlinux`]);
      const run = await play('kpatch-route.yaml', inventory, vars, { check: true });
      expect(failures(run)).toEqual([
        expect.stringContaining(`for ${k}; missing:\n  - gcc matching the kernel: ${k} was built with 'GCC: (GCC) 4.8.5 20150623 (Red Hat 4.8.5-28)', this builder's gcc is 'GCC: (Debian`),
      ]);
    } finally {
      writeFileSync(vmlinux, saved);
    }
  });

  it('a builder of another distribution is refused for EL7 kernels, naming builder and kernel', async () => {
    const run = await play('kpatch-route.yaml', inventory, { ...vars, kpatch_builder_platform: 'debian' }, { check: true });
    expect(failures(run)).toEqual(
      [K862, K957].map(
        (k) =>
          `node14 Refuse kernels this builder cannot build for: builder node14 (debian) cannot build livepatch-route for ${k}: kpatch-build needs that kernel's source RPM, kernel-debuginfo and the gcc it was built with, which only an EL7 builder (CentOS/RHEL 7) can install. Put such a host first in group builders (or set kpatch_builder).`,
      ),
    );
    // The run stops there: no node is touched without a module.
    expect(resultsOf(run, 'livepatch-route.ko (copied only when its checksum differs)')).toEqual([]);
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
