import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/report/progress.js';
import { TaskTally } from '../../../src/report/task-tally.js';
import { colors } from '../../../src/report/colors.js';
import type { RunEvent } from '../../../src/run/events.js';
import { plain, result, run } from './fixtures.js';

/** What a terminal would receive: every write, in order. */
class FakeTty extends Writable {
  readonly isTTY = true;
  columns = 120;
  rows = 40;
  readonly chunks: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
}

const HOSTS = Array.from({ length: 200 }, (_, i) => `node${i + 1}`);
const TASKS = ['Gather kernel', 'Set grub cmdline', 'Install kpatch'];

/** A 200-host play: every host ok, except two changed and one failed per task. */
function fleetEvents(): RunEvent[] {
  const ev: RunEvent[] = [{ type: 'play-start', play: 'Harden nodes', hosts: HOSTS }];
  for (const task of TASKS) {
    ev.push({ type: 'task-start', play: 'Harden nodes', task, taskLoc: 'p.yaml:1', hosts: HOSTS });
    for (const host of HOSTS) {
      const n = Number(host.slice(4));
      const status = n === 7 ? 'failed' : n === 3 || n === 150 ? 'changed' : 'ok';
      ev.push({ type: 'task-result', result: result({ host, task, status, msg: status === 'failed' ? 'boom' : undefined }) });
    }
    ev.push({ type: 'task-end', play: 'Harden nodes', task });
  }
  ev.push({ type: 'play-end', play: 'Harden nodes' }, { type: 'run-end', result: run() });
  return ev;
}

describe('live tree view (TTY)', () => {
  it('draws one summary row per task for 200 hosts, then the changed/failed details', async () => {
    const tty = new FakeTty();
    const progress = createProgress({ tty: true, verbose: 0, diff: false, out: tty, err: tty, color: false });
    for (const e of fleetEvents()) {
      progress.onEvent(e);
      // Let listr pick up new rows between events, as it would between real SSH round trips.
      await new Promise((r) => setImmediate(r));
    }
    await progress.finish();

    const chunks = tty.chunks.map(plain);
    // listr's last full render of the tree is written once when the view ends.
    const finalTree = chunks.filter((c) => c.includes('Harden nodes (200 hosts)')).at(-1)!;
    const rows = finalTree.split('\n').filter((l) => l.trim());
    expect(rows).toHaveLength(1 + TASKS.length);
    expect(rows[0]).toMatch(/Harden nodes \(200 hosts\)/);
    TASKS.forEach((task, i) => expect(rows[i + 1]).toMatch(new RegExp(`^ +\\S+ ${task}  \\[197/200 ok, 2 changed, 1 failed\\]`)));
    expect(finalTree).not.toMatch(/node\d/); // never a row per host

    // After the view: the hosts worth reading, per task, in host order.
    const all = chunks.join('').split('\n');
    const details = all.slice(all.indexOf(`TASK [${TASKS[0]}]  [197/200 ok, 2 changed, 1 failed]`));
    expect(details).toEqual([...TASKS.flatMap((t) => [`TASK [${t}]  [197/200 ok, 2 changed, 1 failed]`, 'changed: [node3]', 'failed: [node7] => boom', 'changed: [node150]']), '']);
  });

  it('a run with no play draws nothing', async () => {
    const tty = new FakeTty();
    const progress = createProgress({ tty: true, verbose: 0, diff: false, out: tty, err: tty, color: false });
    progress.onEvent({ type: 'run-end', result: run() });
    await progress.finish();
    expect(tty.chunks).toEqual([]);
  });
});

describe('task row title', () => {
  it('summarizes 200 hosts in one compact count', () => {
    const tally = new TaskTally(HOSTS);
    const c = colors(false);
    expect(tally.format(c)).toBe('[0/200 ok]');
    HOSTS.slice(0, 150).forEach((host) => tally.add(result({ host, status: 'ok' })));
    tally.add(result({ host: 'node151', status: 'changed' }));
    tally.add(result({ host: 'node152', status: 'unreachable' }));
    tally.add(result({ host: 'node153', status: 'skipped' }));
    expect(tally.format(c)).toBe('[150/200 ok, 1 changed, 1 unreachable, 1 skipped]');
    expect(tally.failed).toBe(true);
  });

  it('a looped task counts each host once, by its worst item', () => {
    const tally = new TaskTally(['a', 'b']);
    tally.add(result({ host: 'a', status: 'ok', item: 1 }));
    tally.add(result({ host: 'a', status: 'changed', item: 2 }));
    tally.add(result({ host: 'a', status: 'ok', item: 3 }));
    tally.add(result({ host: 'b', status: 'skipped', item: 1 }));
    tally.add(result({ host: 'b', status: 'ok', item: 2 }));
    expect(tally.format(colors(false))).toBe('[1/2 ok, 1 changed]');
    expect(tally.failed).toBe(false);
  });

  it('colors counts by kind when asked', () => {
    const tally = new TaskTally(['a', 'b']);
    tally.add(result({ host: 'a', status: 'ok' }));
    tally.add(result({ host: 'b', status: 'failed' }));
    expect(tally.format(colors(true))).toBe('[\x1b[32m1/2 ok\x1b[39m, \x1b[31m1 failed\x1b[39m]');
  });
});
