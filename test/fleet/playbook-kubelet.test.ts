/**
 * playbooks/kubelet-nokmem.yaml on the build hosts: node14 builds the fixture Kubernetes
 * trees (test/fixtures/kubelet-src-*), node14..16 get the binary. The built binary itself
 * is the proof: it calls the vendored runc's EnableKernelMemoryAccounting and reports
 * whether it wrote memory.kmem.limit_in_bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ModuleHarness } from '../setup/module-harness.js';
import { fleetHost, testFleet } from '../setup/fleet.js';
import { BUILDER, NODES, REPO, changedBy, changedOf, failures, onHost, play, resultsOf, snapshotTree, uniqueTag, writeInventory, changedTasks } from './playbook-builds-env.js';

const base = uniqueTag('kubelet');
const BUILD_INFO = '/usr/local/lib/nodemend/kubelet.build-info.json';
const artifacts = mkdtempSync(join(tmpdir(), 'nm-kubelet-art-'));
let inventory: string;
const vars = (era: string) => ({
  kubelet_src: `${base}/src-${era}`,
  kubelet_install_path: `${base}/bin/kubelet`,
  kubelet_dropin_dir: `${base}/kubelet.service.d`,
  nodemend_artifacts: artifacts,
});
const ZERO = Object.fromEntries(NODES.map((n) => [n, 0]));

/** Run the installed binary (static, linux/amd64) from the controller's view of the host. */
const kubelet = (host: string, arg: string): string => execFileSync(onHost(host, `${base}/bin/kubelet`), [arg], { encoding: 'utf8' }).trim();
const buildInfo = (host: string): Record<string, unknown> => JSON.parse(readFileSync(onHost(host, BUILD_INFO), 'utf8'));

beforeAll(() => {
  inventory = writeInventory();
  for (const era of ['1.14', '1.12']) {
    mkdirSync(onHost(BUILDER, base), { recursive: true });
    cpSync(join(REPO, 'test/fixtures', `kubelet-src-${era}`), onHost(BUILDER, `${base}/src-${era}`), { recursive: true });
  }
  for (const n of NODES) rmSync(onHost(n, BUILD_INFO), { force: true });
});
afterAll(() => {
  for (const n of NODES) {
    rmSync(onHost(n, base), { recursive: true, force: true });
    rmSync(onHost(n, BUILD_INFO), { force: true });
  }
  rmSync(artifacts, { recursive: true, force: true });
});

describe('kubelet-nokmem.yaml', () => {
  it('>= 1.14: --check touches nothing; the run builds with -tags=nokmem and installs everywhere; a rerun changes nothing', async () => {
    const watched = [base, '/usr/local/lib/nodemend'];
    const before = snapshotTree(watched);
    const check = await play('kubelet-nokmem.yaml', inventory, vars('1.14'), { check: true });
    expect(failures(check)).toEqual([]);
    expect(changedBy(check, 'make WHAT=cmd/kubelet')).toEqual([BUILDER]);
    expect(changedBy(check, 'kubelet binary (copied only when its checksum differs)')).toEqual([...NODES].sort());
    expect(snapshotTree(watched)).toEqual(before);

    const run = await play('kubelet-nokmem.yaml', inventory, vars('1.14'));
    expect(failures(run)).toEqual([]);
    // --check predicted exactly these changes, task by task and item by item
    expect(changedTasks(run)).toEqual(changedTasks(check));
    expect(changedBy(run, 'make WHAT=cmd/kubelet')).toEqual([BUILDER]);
    for (const n of NODES) {
      expect(kubelet(n, '--version')).toBe('Kubernetes v1.14.1');
      expect(kubelet(n, '--nodemend-kmem-status')).toBe('kmem accounting: disabled (nokmem)');
      expect(buildInfo(n)).toMatchObject({ version: 'v1.14.1', tags: ['nokmem'], nokmem: true, patched_runc: false });
      expect(readFileSync(onHost(n, `${base}/kubelet.service.d/20-nodemend-nokmem.conf`), 'utf8')).toContain(`\nExecStart=${base}/bin/kubelet $KUBELET_KUBECONFIG_ARGS`);
    }
    const info = buildInfo(BUILDER);
    expect(info.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.built_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // No systemd on the fleet: the handler says kubelet was NOT restarted instead of pretending.
    const restart = resultsOf(run, 'report that kubelet was not restarted');
    expect(restart.map((r) => r.host).sort()).toEqual([...NODES].sort());
    expect(restart.every((r) => r.status === 'ok' && /NOT restarted/.test(r.msg ?? ''))).toBe(true);

    const infoBytes = readFileSync(onHost(BUILDER, BUILD_INFO), 'utf8');
    const rerun = await play('kubelet-nokmem.yaml', inventory, vars('1.14'));
    expect(failures(rerun)).toEqual([]);
    expect(changedOf(rerun)).toEqual(ZERO);
    expect(resultsOf(rerun, 'make WHAT=cmd/kubelet')[0].msg).toMatch(/^skipped, since .*kubelet\.build-info\.json exists$/);
    expect(readFileSync(onHost(BUILDER, BUILD_INFO), 'utf8')).toBe(infoBytes); // built_at only moves with a build
    const recheck = await play('kubelet-nokmem.yaml', inventory, vars('1.14'), { check: true });
    expect(changedOf(recheck)).toEqual(ZERO);
  });

  it('the same tree built without the tag reports kmem accounting on (the check above can fail)', async () => {
    const hx = await new ModuleHarness({ name: BUILDER, port: fleetHost(BUILDER).port, identityFile: testFleet().key }).open();
    try {
      const src = `${base}/src-1.14-plain`;
      const r = await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`cp -r ${base}/src-1.14 ${src} && rm -rf ${src}/_output && cd ${src} && make WHAT=cmd/kubelet >/dev/null 2>&1 && ./_output/bin/kubelet --nodemend-kmem-status`);
      expect(r.stdout.trim()).toBe('kmem accounting: enabled (limit written: -1)');
    } finally {
      await hx.close();
    }
  });

  it('<= 1.13: patches EnableKernelMemoryAccounting and setKernelMemory in memory.go to return nil, builds, replaces the binary; rerun changes nothing', async () => {
    const memoryGo = onHost(BUILDER, `${base}/src-1.12/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go`);
    const check = await play('kubelet-nokmem.yaml', inventory, vars('1.12'), { check: true });
    expect(failures(check)).toEqual([]);
    expect(changedBy(check, 'Make the vendored runc kmem functions return nil (<= 1.13)')).toEqual([BUILDER]);
    expect(readFileSync(memoryGo, 'utf8')).not.toContain('return nil };');

    const run = await play('kubelet-nokmem.yaml', inventory, vars('1.12'));
    expect(failures(run)).toEqual([]);
    expect(changedTasks(run)).toEqual(changedTasks(check));
    const src = readFileSync(memoryGo, 'utf8');
    expect(src).toContain('\nfunc EnableKernelMemoryAccounting(path string) error { return nil }; func enableKernelMemoryAccountingUpstream(path string) error {');
    expect(src).toContain('\nfunc setKernelMemory(path string, kernelMemoryLimit int64) error { return nil }; func setKernelMemoryUpstream(path string, kernelMemoryLimit int64) error {');
    for (const n of NODES) {
      expect(kubelet(n, '--version')).toBe('Kubernetes v1.12.8'); // from the tree's `version` file
      expect(kubelet(n, '--nodemend-kmem-status')).toBe('kmem accounting: disabled (nokmem)');
      expect(buildInfo(n)).toMatchObject({ version: 'v1.12.8', tags: [], nokmem: true, patched_runc: true });
    }
    expect(changedBy(run, 'kubelet binary (copied only when its checksum differs)')).toEqual([...NODES].sort());
    // the 1.14 kubelet it replaced is kept beside it (backup: true), still runnable for a rollback
    for (const n of NODES) {
      const backups = readdirSync(onHost(n, `${base}/bin`)).filter((f) => /^kubelet\..+~$/.test(f));
      expect(backups).toHaveLength(1);
      expect(execFileSync(onHost(n, `${base}/bin/${backups[0]}`), ['--version'], { encoding: 'utf8' }).trim()).toBe('Kubernetes v1.14.1');
    }

    const rerun = await play('kubelet-nokmem.yaml', inventory, vars('1.12'));
    expect(failures(rerun)).toEqual([]);
    expect(changedOf(rerun)).toEqual(ZERO);
    expect(readFileSync(memoryGo, 'utf8')).toBe(src);
  });
});
