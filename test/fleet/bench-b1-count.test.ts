/**
 * What B1 (bench/workload.ts, the benchmark against Ansible) costs one host, counted rather
 * than timed: remote commands, SSH channels, and the bytes its persistent shell reads (one by
 * one, ~0.6 µs each), from NODEMEND_TRACE_REMOTE (src/transport/trace.ts). A change that adds
 * remote work per task fails here; raise a budget only knowingly, with its figures in
 * bench/performance-notes.md. The same tasks as B1, under a unique dir (the grub file too).
 * Host: node2 (transport's, per the table in test/setup/fleet.ts); unique paths only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANGING_TASKS, GRUB_BEFORE, writeWorkload } from '../../bench/workload.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';

const HOST = HOSTS.transport[1];
// 3 bytes longer than /srv/bench-nodemend: the byte counts are B1's within ~1 %.
const remote = `/tmp/nmdiff-h19g-${randomBytes(3).toString('hex')}`;
const work = workDir('b1-count');

/**
 * Per host and run, measured at 3a1eb8a+fix (2026-12-07): first run 20 commands, 1 channel,
 * 13.5 KB read by the shell; rerun 12, 1, 4.8 KB. 5bde532 (2026-12-02): 18/10 commands,
 * 7.5/2.6 KB (no run lock then). Budgets: those counts exactly, bytes +5 %.
 */
const BUDGET = {
  first: { commands: 20, channels: 1, shellBytes: 14_100 },
  rerun: { commands: 12, channels: 1, shellBytes: 5_000 },
};

interface Traced {
  host?: string;
  kind: 'command' | 'channel' | 'shell-input';
  bytes: number;
  head: string;
}

async function run(name: 'first' | 'rerun', playbook: string, inventory: string) {
  const trace = join(work, `trace-${name}.jsonl`);
  const json = join(work, `${name}.json`);
  const r = await runCli(['run', playbook, '-i', inventory, '--json', json], { env: { NODEMEND_TRACE_REMOTE: trace } });
  expect(r.code, r.stderr).toBe(0);
  const recap = readJson<{ hosts: Record<string, { recap: { ok: number; changed: number; failed: number } }> }>(json).hosts[HOST].recap;
  const lines = readFileSync(trace, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Traced);
  const of = (kind: Traced['kind']) => lines.filter((l) => l.kind === kind);
  return {
    recap,
    commands: of('command').length,
    channels: of('channel').length,
    shellBytes: of('shell-input').reduce((a, l) => a + l.bytes, 0),
    heads: of('command').map((l) => l.head.split('\n')[0]),
  };
}

describe('B1 per-host cost, counted', () => {
  let playbook: string;
  let inventory: string;
  beforeAll(() => {
    assertBuilt();
    mkdirSync(join(hostRoot(HOST), remote), { recursive: true });
    writeFileSync(join(hostRoot(HOST), remote, 'grub'), GRUB_BEFORE);
    playbook = writeWorkload('nodemend', join(work, 'b1'), { root: remote, grub: `${remote}/grub` });
    inventory = writeInventory(work, [HOST]);
  });
  afterAll(() => {
    rmSync(join(hostRoot(HOST), remote), { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('first run and rerun stay within the commands, channels and shell bytes B1 costs a host', async () => {
    const first = await run('first', playbook, inventory);
    expect(first.recap).toMatchObject({ ok: 10, changed: CHANGING_TASKS, failed: 0 });
    const rerun = await run('rerun', playbook, inventory);
    expect(rerun.recap).toMatchObject({ ok: 10, changed: 0, failed: 0 });
    for (const [r, b, name] of [
      [first, BUDGET.first, 'first run'],
      [rerun, BUDGET.rerun, 'rerun'],
    ] as const) {
      // The commands in the message say what was added.
      expect(r.commands, `${name}: remote commands\n${r.heads.join('\n')}`).toBeLessThanOrEqual(b.commands);
      expect(r.channels, `${name}: SSH channels`).toBeLessThanOrEqual(b.channels);
      expect(r.shellBytes, `${name}: bytes the persistent shell read`).toBeLessThanOrEqual(b.shellBytes);
    }
  });
});
