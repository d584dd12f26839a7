/**
 * scripts/main-job.sh, the README's first command, as it runs (install skipped): its own
 * 3-host fleet (node1 builder, node2 the CentOS 7.6 node), planted by scripts/plant-fleet.sh,
 * site.yaml dry run, real run and rerun, then the verdict of scripts/main-job-report.ts.
 * The fleet is this file's own (a directory and ports of its own, next to the suite's fleet),
 * so it owns every host it changes. First the job must fail when a planted piece is left out
 * (no /etc/default/grub: the grub play changes nothing), then pass on the whole fleet with every
 * play doing its real work: docker-ce 18.06 upgraded through yum, livepatch-route.ko built,
 * installed and loaded for node2's 3.10.0-957 kernel, grub's flag on the 1160 nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { testFleet } from '../setup/fleet.js';
import { assertBuilt } from '../setup/cli.js';

const REPO = join(import.meta.dirname, '..', '..');
const K957 = '3.10.0-957.el7.x86_64';
const work = mkdtempSync(join(tmpdir(), 'nm-main-job-'));
const fleetDir = join(work, 'fleet');
const onHost = (host: string, path: string) => join(fleetDir, 'hosts', host, 'merged', path);

interface Job {
  code: number;
  out: string;
  err: string;
}

/** bash scripts/main-job.sh with HOSTS=3 on this file's fleet (its base port: the suite fleet's + 70). */
function mainJob(env: Record<string, string>): Promise<Job> {
  const basePort = testFleet().hosts[0].port - 1 + 70;
  return new Promise((done, fail) => {
    const p = spawn('bash', ['scripts/main-job.sh'], {
      cwd: REPO,
      env: { ...process.env, HOSTS: '3', FLEET_DIR: fleetDir, FLEET_PORT: String(basePort), REPORTS: join(work, 'reports'), NODEMEND_SKIP_INSTALL: '1', ...env },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', fail);
    p.on('close', (code) => done({ code: code ?? -1, out, err }));
  });
}

beforeAll(() => assertBuilt());
afterAll(async () => {
  await new Promise((done) => spawn('node', [join(REPO, 'dist/src/fleet/bin.js'), 'down', '--dir', fleetDir, '--purge'], { stdio: 'ignore' }).on('close', done));
  rmSync(work, { recursive: true, force: true });
});

describe('scripts/main-job.sh', () => {
  it('fails, naming the play, when a play makes no change on the first real run (grub file left out)', { timeout: 600_000 }, async () => {
    const job = await mainJob({ PLANT_OMIT: 'grub', PLAYBOOK: 'playbooks/grub-nokmem.yaml' });
    expect(job.out).toContain('planted the stand-ins on 3 fleet hosts');
    expect(job.out).toContain('  Boot with cgroup.memory=nokmem: predicted 0, changed 0\n');
    expect(job.err).toContain('MAIN JOB FAILED: play "Boot with cgroup.memory=nokmem" made 0 changes on the first real run');
    expect(job.code).toBe(1);
    expect(existsSync(onHost('node1', 'etc/default/grub'))).toBe(false);
  });

  it('plants the fleet, and every play of site.yaml does its real work, predicted exactly; the rerun changes nothing', { timeout: 900_000 }, async () => {
    const job = await mainJob({});
    expect(job.err).not.toContain('MAIN JOB FAILED');
    expect(job.code).toBe(0);
    expect(job.out).toMatch(/^wall times: check [0-9.]+ s, run [0-9.]+ s, rerun [0-9.]+ s$/m);
    expect(job.out).toMatch(/^check mode predicted all [0-9]+ changes exactly$/m);
    const perPlay = Object.fromEntries([...job.out.matchAll(/^ {2}(.+): predicted ([0-9]+), changed ([0-9]+)( \(read-only\))?$/gm)].map((m) => [m[1], [Number(m[2]), Number(m[3]), !!m[4]]]));
    expect(Object.keys(perPlay)).toHaveLength(11);
    for (const [play, [predicted, changed, readOnly]] of Object.entries(perPlay)) {
      expect(predicted, play).toBe(changed);
      if (!readOnly) expect(changed, play).toBeGreaterThan(0);
    }
    expect(job.out).toContain('rerun: changed=0 on all 3 hosts');
    // node2: docker-ce 18.06.3.ce upgraded to the pin through the yum stand-in
    expect(readdirSync(onHost('node2', 'var/lib/nm-standin/rpmdb')).sort()).toEqual(['containerd.io-1.2.10-3.2.el7.x86_64', 'docker-ce-18.09.9-3.el7.x86_64', 'docker-ce-cli-18.09.9-3.el7.x86_64']);
    expect(readFileSync(onHost('node2', 'usr/bin/dockerd'), 'utf8')).toContain('Docker version 18.09.9, build 039a7df');
    // node2: livepatch-route.ko built on node1 by the kpatch-build stand-in, installed and loaded
    expect(readdirSync(onHost('node2', `var/lib/kpatch/${K957}`))).toEqual(['livepatch-route.ko']);
    expect(readFileSync(onHost('node2', 'var/lib/nm-standin/sys/kernel/livepatch/livepatch_route/enabled'), 'utf8').trim()).toBe('1');
    expect(existsSync(onHost('node1', `var/lib/kpatch/${K957}`))).toBe(false);
    // the CentOS 7.9 nodes boot with the flag; node2's 957 kernel is told to upgrade first
    expect(readFileSync(onHost('node1', 'boot/grub/grub.cfg'), 'utf8')).toContain('cgroup.memory=nokmem');
    expect(existsSync(onHost('node2', 'etc/default/grub.d'))).toBe(false);
    const run = JSON.parse(readFileSync(join(work, 'reports/run.json'), 'utf8')) as { hosts: Record<string, { tasks: { task: string; msg?: string }[] }> };
    expect(run.hosts.node2.tasks.find((t) => t.task === 'Kernel too old for cgroup.memory=nokmem')?.msg).toMatch(/^UPGRADE THE KERNEL FIRST: 3\.10\.0-957\.el7\.x86_64/);
    expect(run.hosts.node2.tasks.find((t) => t.task === 'livepatch_route is loaded and enabled')?.msg).toBe(`livepatch_route enabled on ${K957}`);
  });
});
