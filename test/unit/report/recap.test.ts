import { describe, expect, it } from 'vitest';
import { exitCode, formatDuration, renderRecap } from '../../../src/report/recap.js';
import { plain, recap, run } from './fixtures.js';

describe('renderRecap', () => {
  const result = run({
    recap: {
      node1: recap({ ok: 5, changed: 2, skipped: 1 }),
      'node10.example': recap({ ok: 12, changed: 0 }),
      node3: recap({ ok: 3, failed: 1 }),
      node4: recap({ unreachable: 1 }),
    },
    failedHosts: ['node3'],
    unreachableHosts: ['node4'],
  });

  it('prints one aligned line per host, the totals and the wall time', () => {
    expect(renderRecap(result, { color: false }).split('\n')).toEqual([
      '',
      'PLAY RECAP',
      'node1          : ok=5   changed=2  unreachable=0  failed=0  skipped=1  rescued=0  ignored=0',
      'node10.example : ok=12  changed=0  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0',
      'node3          : ok=3   changed=0  unreachable=0  failed=1  skipped=0  rescued=0  ignored=0',
      'node4          : ok=0   changed=0  unreachable=1  failed=0  skipped=0  rescued=0  ignored=0',
      '',
      '4 hosts: ok=20  changed=2  unreachable=1  failed=1  skipped=1  rescued=0  ignored=0  (12.3s)',
      '',
    ]);
  });

  it('matches the Ansible layout for single-digit counts', () => {
    const one = run({ recap: { node1: recap({ ok: 5, changed: 2, skipped: 1 }) }, check: true, durationMs: 125_000 });
    const lines = renderRecap(one, { color: false }).split('\n');
    expect(lines[2]).toBe('node1 : ok=5  changed=2  unreachable=0  failed=0  skipped=1  rescued=0  ignored=0');
    expect(lines[4]).toBe('1 host: ok=5  changed=2  unreachable=0  failed=0  skipped=1  rescued=0  ignored=0  (check run, 2m 05s)');
  });

  it('colors host names by their worst outcome', () => {
    const out = renderRecap(result, { color: true }).split('\n');
    const red = '\x1b[31m';
    const yellow = '\x1b[33m';
    const green = '\x1b[32m';
    expect(out[2].startsWith(`${yellow}node1`)).toBe(true);
    expect(out[3].startsWith(`${green}node10.example`)).toBe(true);
    expect(out[4].startsWith(`${red}node3`)).toBe(true);
    expect(out[5].startsWith(`${red}node4`)).toBe(true);
    expect(plain(out.join('\n'))).toBe(renderRecap(result, { color: false }));
  });

  it('a rescued host is not painted as failed', () => {
    const rescued = run({ recap: { node1: recap({ ok: 2, failed: 1, rescued: 1 }) } });
    expect(renderRecap(rescued, { color: true }).split('\n')[2].startsWith('\x1b[32mnode1')).toBe(true);
  });
});

describe('exitCode', () => {
  it('0 when every host is fine, changed or not', () => {
    expect(exitCode(run({ recap: { a: recap({ ok: 1, changed: 1 }) } }))).toBe(0);
  });
  it('2 when a host failed, even if another was unreachable', () => {
    expect(exitCode(run({ failedHosts: ['a'] }))).toBe(2);
    expect(exitCode(run({ failedHosts: ['a'], unreachableHosts: ['b'] }))).toBe(2);
  });
  it('4 when hosts were unreachable and none failed', () => {
    expect(exitCode(run({ unreachableHosts: ['b'] }))).toBe(4);
  });
  it('2 when any_errors_fatal broke the play on an unreachable host (2.14: RUN_FAILED_BREAK_PLAY)', () => {
    expect(exitCode(run({ unreachableHosts: ['b'], stopped: [{ play: 'p', reason: 'any_errors_fatal: b was unreachable', untouched: [], breaks: true }] }))).toBe(2);
    expect(exitCode(run({ unreachableHosts: ['b'], stopped: [{ play: 'p', reason: 'lost', untouched: ['c'] }] }))).toBe(4);
  });
  it('130 when the run was interrupted, whatever else happened', () => {
    expect(exitCode(run({ failedHosts: ['a'], interrupted: { signal: 'SIGINT', hosts: ['b'], notStarted: [] } }))).toBe(130);
  });
});

describe('why a run ended early', () => {
  it('names the stopped play, its untouched hosts, the interrupted hosts and the nodes left cordoned', () => {
    const r = run({
      recap: { a: recap({ ok: 1, failed: 1 }) },
      failedHosts: ['a'],
      stopped: [{ play: 'docker', reason: 'failure budget exceeded', untouched: ['b', 'c'] }],
      interrupted: { signal: 'SIGTERM', hosts: ['a'], notStarted: [] },
      cordoned: ['a'],
    });
    expect(renderRecap(r, { color: false }).split('\n').slice(-4)).toEqual([
      'STOPPED play "docker": failure budget exceeded; not touched: b, c',
      'INTERRUPTED by SIGTERM: stopped part-way: a; not started: none',
      'LEFT CORDONED: a is drained and cordoned; check it, then run "kubectl uncordon" on it',
      '',
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0s'],
    [12_345, '12.3s'],
    [59_940, '59.9s'],
    [60_000, '1m 00s'],
    [125_000, '2m 05s'],
    [3_723_000, '1h 02m 03s'],
  ])('%d ms → %s', (ms, want) => expect(formatDuration(ms)).toBe(want));
});
