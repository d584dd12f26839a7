import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../../src/report/progress.js';
import type { RunEvent, TaskResult } from '../../../src/run/events.js';
import { result, run } from './fixtures.js';

const hosts = ['node1', 'node2', 'node3', 'node4'];

/** A play as the executor reports it; results arrive in completion order, not host order. */
function events(check = false): RunEvent[] {
  const r = (over: Partial<TaskResult> & Pick<TaskResult, 'host' | 'status'>): RunEvent => ({ type: 'task-result', result: result({ check, ...over }) });
  const task = (name: string, taskHosts: string[], isHandler = false): RunEvent => ({ type: 'task-start', play: 'Harden nodes', task: name, taskLoc: 'p.yaml:1', hosts: taskHosts, isHandler });
  const end = (name: string): RunEvent => ({ type: 'task-end', play: 'Harden nodes', task: name });
  const grub = { path: '/etc/default/grub', before: 'A\nGRUB_CMDLINE_LINUX=""\n', after: 'A\nGRUB_CMDLINE_LINUX="cgroup.memory=nokmem"\n' };
  return [
    { type: 'play-start', play: 'Harden nodes', hosts },
    task('Set grub', hosts),
    r({ host: 'node3', task: 'Set grub', status: 'failed', msg: 'cat failed', rc: 2, stdoutTail: 'partial', stderrTail: 'line1\nline2' }),
    r({ host: 'node1', task: 'Set grub', status: 'ok', msg: 'already set', stdoutTail: 'out1' }),
    r({ host: 'node4', task: 'Set grub', status: 'unreachable', msg: 'connect ECONNREFUSED' }),
    r({ host: 'node2', task: 'Set grub', status: 'changed', diff: [grub] }),
    end('Set grub'),
    task('Install pkgs', ['node1', 'node2']),
    r({ host: 'node2', task: 'Install pkgs', status: 'skipped', msg: 'conditional result was false' }),
    r({ host: 'node1', task: 'Install pkgs', status: 'ok', item: 'kpatch' }),
    r({ host: 'node1', task: 'Install pkgs', status: 'changed', item: { name: 'docker-ce', version: '18.09.1' } }),
    r({ host: 'node1', task: 'Install pkgs', status: 'failed', ignored: true, item: 'extra', msg: 'no such package' }),
    end('Install pkgs'),
    task('restart kubelet', ['node1'], true),
    r({ host: 'node1', task: 'restart kubelet', status: 'changed', censored: true, isHandler: true }),
    end('restart kubelet'),
    { type: 'play-end', play: 'Harden nodes' },
    { type: 'play-start', play: 'Report', hosts: ['node1', 'node2'] },
    { type: 'batch-start', play: 'Report', hosts: ['node1', 'node2', 'node5', 'node6', 'node7'], index: 0, count: 2 },
    { type: 'task-start', play: 'Report', task: 'Show', taskLoc: 'p.yaml:9', hosts: ['node1'] },
    { type: 'task-result', result: result({ host: 'node1', play: 'Report', task: 'Show', module: 'debug', status: 'ok', msg: 'kernel 4.19', check }) },
    { type: 'task-end', play: 'Report', task: 'Show' },
    { type: 'play-end', play: 'Report' },
    { type: 'run-end', result: run() },
  ];
}

async function render(opts: { verbose: number; diff: boolean; check?: boolean; env?: Record<string, string> }): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const progress = createProgress({ tty: false, verbose: opts.verbose, diff: opts.diff, out });
  // The executor hands a result its diff only in diff mode (--diff, or the task's `diff: true`): without --diff, none here.
  const inMode = (e: RunEvent): RunEvent => (opts.diff || e.type !== 'task-result' ? e : { ...e, result: { ...e.result, diff: undefined } });
  for (const e of events(opts.check)) progress.onEvent(inMode(e));
  await progress.finish();
  return text;
}

describe('plain progress (not a TTY, or CI)', () => {
  it('one line per task with host counts, then the changed and failed hosts', async () => {
    expect((await render({ verbose: 0, diff: false })).split('\n')).toEqual([
      'PLAY [Harden nodes] (4 hosts)',
      'TASK [Set grub]  [1/4 ok, 1 changed, 1 failed, 1 unreachable]',
      'changed: [node2]',
      'failed: [node3] => cat failed (rc=2)',
      '  stderr | line1',
      '  stderr | line2',
      'unreachable: [node4] => connect ECONNREFUSED',
      'TASK [Install pkgs]  [0/2 ok, 1 skipped, 1 ignored]',
      'changed: [node1] (item={"name":"docker-ce","version":"18.09.1"})',
      'failed: [node1] (item=extra) => no such package (ignored)',
      'HANDLER [restart kubelet]  [0/1 ok, 1 changed]',
      'changed: [node1]',
      '',
      'PLAY [Report] (2 hosts)',
      'BATCH 1/2 [node1, node2, node5 +2 more]',
      'TASK [Show]  [1/1 ok]',
      'ok: [node1] => kernel 4.19',
      '',
    ]);
  });

  it('--diff adds the diffs of changed results, never of no_log ones', async () => {
    const lines = (await render({ verbose: 0, diff: true })).split('\n');
    // Diffs follow the task's host lines, each distinct one once with its hosts.
    const at = lines.indexOf('--- /etc/default/grub\tbefore');
    expect(lines.slice(at - 1, at + 7)).toEqual([
      'unreachable: [node4] => connect ECONNREFUSED',
      '--- /etc/default/grub\tbefore',
      '+++ /etc/default/grub\tafter',
      '@@ -1,2 +1,2 @@',
      ' A',
      '-GRUB_CMDLINE_LINUX=""',
      '+GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"',
      '  (1 host: node2)',
    ]);
    expect(lines.slice(lines.indexOf('HANDLER [restart kubelet]  [0/1 ok, 1 changed]'), -1).slice(0, 4)).toEqual([
      'HANDLER [restart kubelet]  [0/1 ok, 1 changed]',
      'changed: [node1]',
      '  (diff hidden: no_log)',
      '  (1 host: node1)',
    ]);
  });

  it('-v adds ok and skipped hosts and output tails; check mode marks every result', async () => {
    const text = await render({ verbose: 1, diff: false, check: true });
    expect(text.split('\n').slice(1, 12)).toEqual([
      'TASK [Set grub]  [1/4 ok, 1 changed, 1 failed, 1 unreachable]',
      '(check) ok: [node1] => already set',
      '  stdout | out1',
      '(check) changed: [node2]',
      '(check) failed: [node3] => cat failed (rc=2)',
      '  stdout | partial',
      '  stderr | line1',
      '  stderr | line2',
      '(check) unreachable: [node4] => connect ECONNREFUSED',
      'TASK [Install pkgs]  [0/2 ok, 1 skipped, 1 ignored]',
      '(check) ok: [node1] (item=kpatch)',
    ]);
    expect(text).toContain('(check) skipping: [node2]\n');
  });

  it('no_log hides loop items and diffs; failures still say they failed', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const progress = createProgress({ tty: false, verbose: 1, diff: true, out });
    progress.onEvent({ type: 'task-start', play: 'Harden nodes', task: 'Set password', taskLoc: 'p.yaml:3', hosts: ['node1'] });
    const secret = { user: 'ops', password: 's3cret' };
    const censored = { task: 'Set password', censored: true, item: secret, diff: [{ path: '/etc/shadow', before: 'old', after: 's3cret' }] };
    progress.onEvent({ type: 'task-result', result: result({ host: 'node1', status: 'changed', ...censored }) });
    progress.onEvent({ type: 'task-result', result: result({ host: 'node1', status: 'failed', msg: 'hidden by no_log', ...censored }) });
    progress.onEvent({ type: 'task-end', play: 'Harden nodes', task: 'Set password' });
    await progress.finish();
    expect(text.split('\n')).toEqual([
      'TASK [Set password]  [0/1 ok, 1 failed]',
      'changed: [node1] (item=<hidden: no_log>)',
      'failed: [node1] (item=<hidden: no_log>) => hidden by no_log',
      '  (diff hidden: no_log)',
      '  (1 host: node1)',
      '',
    ]);
  });

  it('no colors when not a terminal', async () => {
    // eslint-disable-next-line no-control-regex -- no terminal escapes at all
    expect(await render({ verbose: 1, diff: true })).not.toMatch(/\x1b/);
  });
});
