/**
 * Fault suite, dead lock holders (src/run/run-lock.ts): a lock whose run is gone (its
 * controller SIGKILLed: the SSH session the lock names has ended; another boot id; the pid now
 * another process) is broken by the next run, which names the dead run; a live holder still
 * refuses; two runs finding one stale lock never both take the host. The real lock
 * (/run/nodemend.lock) on node17 (HOSTS.faults), which the other fault files never lock under.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostRoot } from '../setup/fleet.js';
import { CLI, assertBuilt, runCli, workDir, writeInventory, type CliResult } from '../setup/cli.js';
import { FAULT_HOSTS, FaultCounts, rootShell } from './faults-env.js';
import { quote, sh } from '../../src/transport/quote.js';
import { lockPaths, takeCommand } from '../../src/run/run-lock.js';
import type { SshConnection } from '../../src/transport/ssh.js';

const HOST = FAULT_HOSTS[0];
const dir = `/tmp/nm-fault-stale-${randomBytes(4).toString('hex')}`;
const counts = new FaultCounts('dead lock holders');
const REAL_LOCK = { NODEMEND_RUN_LOCK_NAME: '' };
let w: string;
let inv: string;
let root: SshConnection;
/** The host's boot id and the start time of its pid 1 (a process that is surely alive). */
let bootId: string;
let initStart: string;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: REAL_LOCK });

async function lock(): Promise<string | null> {
  const r = await root.exec('cat /run/nodemend.lock 2>/dev/null || echo NOLOCK');
  return r.stdout === 'NOLOCK\n' ? null : r.stdout.trim();
}
async function waitForLock(): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const l = await lock();
    if (l !== null) return l;
    if (Date.now() > deadline) throw new Error('no run lock appeared');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const plant = (line: string) => root.exec(sh`printf '%s\n' ${line} > /run/nodemend.lock`);

/** A playbook whose one task waits (on the host) until `go` exists. */
function waitingPlaybook(go: string): string {
  const p = join(w, `wait-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(p, `- hosts: nodes\n  tasks:\n    - shell: "while [ ! -e ${go} ]; do sleep 0.1; done"\n      timeout: 120\n`);
  return p;
}

beforeAll(async () => {
  assertBuilt();
  w = workDir('fault-stale');
  inv = writeInventory(w, [HOST]);
  root = await rootShell(HOST);
  await root.exec('rm -f /run/nodemend.lock /tmp/nodemend.lock');
  mkdirSync(join(hostRoot(HOST), dir), { recursive: true });
  writeFileSync(join(w, 'touch.yaml'), `- hosts: nodes\n  tasks:\n    - copy: { content: "hello\\n", dest: ${dir}/hello }\n`);
  bootId = (await root.exec('cat /proc/sys/kernel/random/boot_id')).stdout.trim();
  initStart = (await root.exec("sed 's/.*) //' /proc/1/stat | cut -d' ' -f20")).stdout.trim();
  expect(bootId).toMatch(/^[0-9a-f-]{36}$/);
  expect(initStart).toMatch(/^\d+$/);
});
afterAll(async () => {
  writeFileSync(join(hostRoot(HOST), dir, 'go'), ''); // ends what a killed run left waiting
  await root.exec('rm -f /run/nodemend.lock');
  await root.close();
  rmSync(join(hostRoot(HOST), dir), { recursive: true, force: true });
  rmSync(w, { recursive: true, force: true });
  counts.print();
});

describe('dead lock holders', () => {
  it('a live run refuses the next one (its session still open); SIGKILLed, its lock is broken by the next run, which names it', async () => {
    counts.cases++;
    const go = `${dir}/go-kill`;
    const child = spawn(process.execPath, [CLI, 'run', waitingPlaybook(go), '-i', inv], { env: { ...process.env, ...REAL_LOCK, CI: 'true', NO_COLOR: '1' }, stdio: 'ignore' });
    const exited = new Promise<void>((res) => child.on('close', () => res()));
    try {
      const held = await waitForLock();
      const m = /^run=(\S+) started=(\S+) pid=(\d+) controller=(\S+) boot=(\S+) hpid=(\d+) hstart=(\d+)$/.exec(held);
      expect(m, held).not.toBeNull();
      const [, id, started, pid, controller, boot, hpid] = m!;
      expect(boot).toBe(bootId);
      expect(Number(pid)).toBe(child.pid);

      const refused = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stdout + refused.stderr).toContain(`is locked by another nodemend run: run ${id} (started ${started}`);
      expect(refused.stdout + refused.stderr).toContain(`its SSH session on the host (pid ${hpid}) is still open`);

      child.kill('SIGKILL');
      counts.faults++;
      await exited;
      expect(await lock()).toBe(held); // a killed controller cannot remove its lock
      const next = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.stderr).toContain(`broke the stale lock on ${HOST} of run ${id} (started ${started}, pid ${pid} on controller ${controller}): its SSH session on the host (pid ${hpid}) ended`);
      expect((await root.exec(sh`cat ${`${dir}/hello`}`)).stdout).toBe('hello\n');
      expect(await lock()).toBeNull();
    } finally {
      child.kill('SIGKILL');
      writeFileSync(join(hostRoot(HOST), go), '');
    }
  });

  it('a lock taken before the host booted again (another boot id) is broken; one whose pid is now another process too', async () => {
    counts.cases++;
    const otherBoot = '00000000-0000-4000-8000-000000000000';
    await plant(`run=20261205T200000Z-b00700 started=2026-12-05T20:00:00.000Z pid=4242 controller=ctl-b boot=${otherBoot} hpid=1 hstart=${initStart}`);
    const r = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `broke the stale lock on ${HOST} of run 20261205T200000Z-b00700 (started 2026-12-05T20:00:00.000Z, pid 4242 on controller ctl-b): the host booted since (boot id ${otherBoot}, now ${bootId})`,
    );
    expect(await lock()).toBeNull();

    counts.cases++;
    await plant(`run=20261205T200000Z-9e0000 started=2026-12-05T20:00:00.000Z pid=4243 controller=ctl-c boot=${bootId} hpid=1 hstart=${Number(initStart) + 1}`);
    const reused = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
    expect(reused.code, reused.stdout + reused.stderr).toBe(0);
    expect(reused.stderr).toContain(
      `broke the stale lock on ${HOST} of run 20261205T200000Z-9e0000 (started 2026-12-05T20:00:00.000Z, pid 4243 on controller ctl-c): its SSH session on the host (pid 1) ended; that pid is now another process`,
    );
  });

  it('a lock whose host-side holder is alive (same boot, same process) is refused, not broken', async () => {
    counts.cases++;
    const live = `run=20261205T200000Z-a11ve0 started=2026-12-05T20:00:00.000Z pid=4244 controller=ctl-d boot=${bootId} hpid=1 hstart=${initStart}`;
    await plant(live);
    const r = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain('is locked by another nodemend run: run 20261205T200000Z-a11ve0');
    expect(r.stdout + r.stderr).toContain('its SSH session on the host (pid 1) is still open');
    expect(r.stderr).not.toContain('broke');
    expect(await lock()).toBe(live);
    await root.exec('rm -f /run/nodemend.lock');
  });

  it('two runs that find one stale lock at once: exactly one takes the host, the other is refused naming it (3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      counts.cases++;
      await plant(`run=20261205T200000Z-dead0${round} started=2026-12-05T20:00:00.000Z pid=4245 controller=ctl-e boot=${bootId} hpid=4194000 hstart=1`);
      const go = `${dir}/go-race-${round}`;
      const pb = waitingPlaybook(go);
      const runs = [cli(['run', pb, '-i', inv]), cli(['run', pb, '-i', inv])];
      // The loser ends at once; the winner waits for `go`, so it cannot finish first.
      const first = await Promise.race(runs.map((p, i) => p.then((r) => ({ r, i }))));
      const holder = await lock();
      writeFileSync(join(hostRoot(HOST), go), '');
      const second = await runs[1 - first.i];
      expect(first.r.code, first.r.stdout + first.r.stderr).toBe(2);
      const winnerId = /^run=(\S+) /.exec(holder ?? '')?.[1];
      expect(winnerId, String(holder)).toBeDefined();
      expect(first.r.stdout + first.r.stderr).toContain(`is locked by another nodemend run: run ${winnerId} `);
      expect(first.r.stderr).not.toContain('broke the stale lock');
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stderr).toContain(`broke the stale lock on ${HOST} of run 20261205T200000Z-dead0${round} `);
      expect(await lock()).toBeNull();
    }
  });

  it('on the host, 8 takers started at once on one stale lock (10 rounds): exactly one holds it each round', async () => {
    const paths = lockPaths(`nm-race-${randomBytes(3).toString('hex')}.lock`);
    const takers = 8;
    let broke = 0;
    for (let round = 0; round < 10; round++) {
      counts.cases++;
      counts.faults++;
      await root.exec(sh`printf '%s\n' ${`run=20261205T200000Z-dead9${round} started=2026-12-05T20:00:00.000Z pid=1 controller=ctl-f boot=${bootId} hpid=4194000 hstart=1`} > ${paths[0]}`);
      const starts = Array.from({ length: takers }, (_, i) => `sh -c ${quote(takeCommand(`run=racer-${i} started=x pid=${i} controller=c`, paths).text)} > ${dir}/taker-${i} 2>&1 &`);
      const r = await root.exec(`${starts.join('\n')}\nwait; cat ${dir}/taker-*; rm -f ${dir}/taker-*`);
      const oks = r.stdout.split('\n').filter((l) => l.startsWith('NMLOCK ok '));
      broke += r.stdout.split('\n').filter((l) => l.startsWith('NMLOCK stale ')).length;
      expect(oks, r.stdout + r.stderr).toHaveLength(1);
      expect(
        r.stdout.split('\n').filter((l) => l.startsWith('NMLOCK held ')),
        r.stdout,
      ).toHaveLength(takers - 1);
      await root.exec(sh`rm -f ${paths[0]} ${paths[1]}`);
    }
    expect(broke).toBe(10); // each stale lock broken once, by the taker that then held the host
  });

  it('a run whose connection is re-opened (reboot) stamps its lock with the new SSH session: the next run is refused, not let in', async () => {
    counts.cases++;
    const go = `${dir}/go-reconnect`;
    const boot = `${dir}/boot`;
    writeFileSync(join(hostRoot(HOST), boot), 'first\n');
    // The "reboot" writes a new boot id and ends the run's own SSH session (the one its lock names).
    const rebootCommand = `echo second > ${boot}; kill $(sed -n 's/.* hpid=\\([0-9]*\\) .*/\\1/p' /run/nodemend.lock)`;
    const pb = join(w, 'reconnect.yaml');
    writeFileSync(
      pb,
      `- hosts: nodes\n  tasks:\n    - reboot: { boot_time_command: ${JSON.stringify(`cat ${boot}`)}, reboot_command: ${JSON.stringify(rebootCommand)}, reboot_timeout: 90 }\n` +
        `    - shell: "while [ ! -e ${go} ]; do sleep 0.1; done"\n      timeout: 120\n`,
    );
    const child = spawn(process.execPath, [CLI, 'run', pb, '-i', inv], { env: { ...process.env, ...REAL_LOCK, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    try {
      const hpid = (l: string | null): string | undefined => / hpid=(\d+) /.exec(l ?? '')?.[1];
      const first = await waitForLock();
      const deadline = Date.now() + 40_000;
      let now = first;
      while (hpid(now) === hpid(first)) {
        if (Date.now() > deadline) throw new Error(`the lock was never stamped again: ${now}\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
        now = (await lock()) ?? '';
      }
      expect(now.split(' ').slice(0, 4)).toEqual(first.split(' ').slice(0, 4)); // the same run
      const refused = await cli(['run', join(w, 'touch.yaml'), '-i', inv]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stdout + refused.stderr).toContain(`its SSH session on the host (pid ${hpid(now)}) is still open`);
      writeFileSync(join(hostRoot(HOST), go), '');
      expect(await exited, out).toBe(0);
      expect(await lock()).toBeNull();
    } finally {
      child.kill('SIGKILL');
      writeFileSync(join(hostRoot(HOST), go), '');
    }
  });
});
