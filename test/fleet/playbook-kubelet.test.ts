/**
 * playbooks/kubelet-nokmem.yaml on the build hosts: node14 builds the fixture Kubernetes
 * trees (test/fixtures/kubelet-src-*), node14..16 get the binary. The built binary itself
 * is the proof: it calls the vendored runc's EnableKernelMemoryAccounting and reports
 * whether it wrote memory.kmem.limit_in_bytes; the playbook's own proof reads the binary
 * (no linked runc kmem function may reach setKernelMemory or a file write). The trees'
 * hack/lib/version.sh mirrors kubernetes v1.12-v1.14's (git describe, -dirty); one test
 * builds from a real git checkout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ModuleHarness } from '../setup/module-harness.js';
import { kubeletStandIn } from '../setup/docker-standins.js';
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
      expect(buildInfo(n)).toMatchObject({
        version: 'v1.14.1',
        binary_version: 'v1.14.1',
        tags: ['nokmem'],
        binary_build_tags: 'nokmem',
        nokmem: true,
        kmem_writers_in_binary: [],
        patched_runc: false,
      });
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
    expect(resultsOf(rerun, 'make WHAT=cmd/kubelet')[0].msg).toMatch(/^Did not run command since '.*kubelet\.build-info\.json' exists$/);
    expect(readFileSync(onHost(BUILDER, BUILD_INFO), 'utf8')).toBe(infoBytes); // built_at only moves with a build
    const recheck = await play('kubelet-nokmem.yaml', inventory, vars('1.14'), { check: true });
    expect(changedOf(recheck)).toEqual(ZERO);
  });

  it('the same tree built without the tag reports kmem accounting on (the check above can fail)', async () => {
    const hx = await new ModuleHarness({ name: BUILDER, port: fleetHost(BUILDER).port, identityFile: testFleet().key }).open();
    try {
      const src = `${base}/src-1.14-plain`;
      const r = await hx.conn
        .as({ user: 'root', method: 'sudo' })
        .exec(`cp -r ${base}/src-1.14 ${src} && rm -rf ${src}/_output && cd ${src} && make WHAT=cmd/kubelet >/dev/null 2>&1 && ./_output/bin/kubelet --nodemend-kmem-status`);
      expect(r.stdout.trim()).toBe('kmem accounting: enabled (limit written: -1)');
    } finally {
      await hx.close();
    }
  });

  it('a >= 1.14 tree whose vendored runc ignores the nokmem tag: the proof from the binary stops the build', async () => {
    const src = `${base}/src-1.14-notag`;
    cpSync(join(REPO, 'test/fixtures/kubelet-src-1.14'), onHost(BUILDER, src), { recursive: true });
    const fs = onHost(BUILDER, `${src}/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs`);
    rmSync(join(fs, 'kmem_disabled.go'));
    writeFileSync(join(fs, 'kmem.go'), readFileSync(join(fs, 'kmem.go'), 'utf8').replace('// +build linux,!nokmem', '// +build linux'));
    const run = await play('kubelet-nokmem.yaml', inventory, { ...vars('1.14'), kubelet_src: src, kubelet_install_path: `${base}/bin-notag/kubelet` });
    const failed = failures(run);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^node14 make WHAT=cmd\/kubelet: /);
    expect(resultsOf(run, 'make WHAT=cmd/kubelet')[0].stderrTail).toContain(
      'the built kubelet still switches kmem accounting on:\ngithub.com/opencontainers/runc/libcontainer/cgroups/fs.EnableKernelMemoryAccounting(SB) calls github.com/opencontainers/runc/libcontainer/cgroups/fs.setKernelMemory(SB)',
    );
    for (const n of NODES) expect(existsSync(onHost(n, `${base}/bin-notag/kubelet`))).toBe(false);
  });

  it('refuses a build of another minor version than the node runs, naming both', async () => {
    // The nodes run the v1.14.1 kubelet installed above; the 1.12 tree would change its minor version.
    const run = await play('kubelet-nokmem.yaml', inventory, vars('1.12'), { check: true });
    // The nodes roll one at a time with a failure budget of 0: the first refusal stops the play.
    // A failed assert's report is its fail_msg, then the condition that failed (as issue 13 asks).
    const [first] = NODES;
    const reported = failures(run).sort();
    for (const f of reported) expect(f).toContain(' (assertion: (kubelet_running.stdout_lines | length) < 2 or ');
    expect(reported.map((f) => f.split(' (assertion: ')[0])).toEqual([
      `${first} The build is the minor version this node runs: ${first} runs kubelet v1.14.1 (${base}/bin/kubelet) but the build is v1.12.8: refusing to change the kubelet's minor version. Build from the node's own release branch, or upgrade the node first (kubeadm upgrade node, drained) and rebuild.`,
    ]);
    expect(run.stopped).toEqual([expect.objectContaining({ play: 'Install the nokmem kubelet on the nodes', untouched: NODES.slice(1) })]);
    expect(changedBy(run, 'kubelet binary (copied only when its checksum differs)')).toEqual([]);
  });

  it('<= 1.13: patches EnableKernelMemoryAccounting and setKernelMemory in memory.go to return nil, builds, installs; rerun changes nothing', async () => {
    const memoryGo = onHost(BUILDER, `${base}/src-1.12/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go`);
    const v12 = { ...vars('1.12'), kubelet_install_path: `${base}/bin12/kubelet` };
    const check = await play('kubelet-nokmem.yaml', inventory, v12, { check: true });
    expect(failures(check)).toEqual([]);
    expect(changedBy(check, 'Make the vendored runc kmem functions return nil (<= 1.13)')).toEqual([BUILDER]);
    expect(readFileSync(memoryGo, 'utf8')).not.toContain('return nil };');

    const run = await play('kubelet-nokmem.yaml', inventory, v12);
    expect(failures(run)).toEqual([]);
    expect(changedTasks(run)).toEqual(changedTasks(check));
    const src = readFileSync(memoryGo, 'utf8');
    expect(src).toContain('\nfunc EnableKernelMemoryAccounting(path string) error { return nil }; func enableKernelMemoryAccountingUpstream(path string) error {');
    expect(src).toContain('\nfunc setKernelMemory(path string, kernelMemoryLimit int64) error { return nil }; func setKernelMemoryUpstream(path string, kernelMemoryLimit int64) error {');
    for (const n of NODES) {
      const bin = execFileSync(onHost(n, `${base}/bin12/kubelet`), ['--version'], { encoding: 'utf8' }).trim();
      expect(bin).toBe('Kubernetes v1.12.8'); // no .git: from the tree's `version` file, passed as KUBE_GIT_VERSION
      expect(execFileSync(onHost(n, `${base}/bin12/kubelet`), ['--nodemend-kmem-status'], { encoding: 'utf8' }).trim()).toBe('kmem accounting: disabled (nokmem)');
    }
    expect(changedBy(run, 'kubelet binary (copied only when its checksum differs)')).toEqual([...NODES].sort());

    const rerun = await play('kubelet-nokmem.yaml', inventory, v12);
    expect(failures(rerun)).toEqual([]);
    expect(changedOf(rerun)).toEqual(ZERO);
    expect(readFileSync(memoryGo, 'utf8')).toBe(src);
  });

  it('a real git checkout (tag v1.12.8): the patch makes version.sh stamp v1.12.8-dirty; a second run builds, copies and restarts nothing', async () => {
    const src = `${base}/src-git`;
    const tree = onHost(BUILDER, src);
    cpSync(join(REPO, 'test/fixtures/kubelet-src-1.12'), tree, { recursive: true });
    rmSync(join(tree, 'version')); // a checkout has no such file: the version comes from git
    writeFileSync(join(tree, '.gitignore'), '/_output*/\n/.make/\n'); // as kubernetes' own .gitignore
    const git = (...a: string[]) => execFileSync('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'Kubernetes v1.12.8 (fixture)');
    git('tag', '-a', 'v1.12.8', '-m', 'v1.12.8');
    const v = { ...vars('1.12'), kubelet_src: src, kubelet_install_path: `${base}/bin-git/kubelet` };
    const check = await play('kubelet-nokmem.yaml', inventory, v, { check: true });
    expect(failures(check)).toEqual([]);
    const run = await play('kubelet-nokmem.yaml', inventory, v);
    expect(failures(run)).toEqual([]);
    expect(changedTasks(run)).toEqual(changedTasks(check));
    expect(git('status', '--porcelain').trim()).toBe('M vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go');
    for (const n of NODES) expect(execFileSync(onHost(n, `${base}/bin-git/kubelet`), ['--version'], { encoding: 'utf8' }).trim()).toBe('Kubernetes v1.12.8-dirty');
    const rerun = await play('kubelet-nokmem.yaml', inventory, v);
    expect(failures(rerun)).toEqual([]);
    expect(changedOf(rerun)).toEqual(ZERO);
    expect(resultsOf(rerun, 'make WHAT=cmd/kubelet')[0].msg).toMatch(/^Did not run command since '.*kubelet\.build-info\.json' exists$/);
    expect(resultsOf(rerun, 'report that kubelet was not restarted')).toEqual([]);
  });

  it('rollback, drop-in layout: the drop-in goes, so the service runs the distribution kubelet again', async () => {
    const dropin = onHost(BUILDER, `${base}/kubelet.service.d/20-nodemend-nokmem.conf`);
    expect(existsSync(dropin)).toBe(true);
    const back = await play('kubelet-rollback.yaml', inventory, vars('1.14'));
    expect(failures(back)).toEqual([]);
    for (const n of NODES) expect(existsSync(onHost(n, `${base}/kubelet.service.d/20-nodemend-nokmem.conf`))).toBe(false);
    expect(changedOf(await play('kubelet-rollback.yaml', inventory, vars('1.14')))).toEqual(ZERO);
  });

  it('rollback, replace layout: the kept kubelet is moved back over the nokmem one', async () => {
    const path = `${base}/bin-r/kubelet`;
    for (const n of NODES) {
      mkdirSync(onHost(n, `${base}/bin-r`), { recursive: true });
      // the node's kubelet before: a v1.14.0 binary (same minor as the build)
      writeFileSync(onHost(n, path), kubeletStandIn('v1.14.0'), { mode: 0o755 });
    }
    const v = { ...vars('1.14'), kubelet_install_path: path, kubelet_layout: 'replace', kubelet_dropin_dir: `${base}/dropin-r` };
    const run = await play('kubelet-nokmem.yaml', inventory, v);
    expect(failures(run)).toEqual([]);
    for (const n of NODES) {
      expect(execFileSync(onHost(n, path), ['--version'], { encoding: 'utf8' }).trim()).toBe('Kubernetes v1.14.1');
      expect(existsSync(onHost(n, `${base}/dropin-r`))).toBe(false);
    }
    const back = await play('kubelet-rollback.yaml', inventory, v);
    expect(failures(back)).toEqual([]);
    for (const n of NODES) {
      expect(execFileSync(onHost(n, path), ['--version'], { encoding: 'utf8' }).trim()).toBe('Kubernetes v1.14.0');
      expect(readdirSync(onHost(n, `${base}/bin-r`))).toEqual(['kubelet']);
    }
    const again = await play('kubelet-rollback.yaml', inventory, v);
    expect(failures(again).map((f) => f.split(':')[0])).toEqual(NODES.map((n) => `${n} Replace layout needs a kept kubelet`).sort());
  });
});
