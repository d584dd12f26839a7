import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonReport, type JsonReport } from '../../../src/report/json.js';
import { recap, result, run, T0 } from './fixtures.js';

const sample = run({
  check: true,
  results: [
    result({
      host: 'node1',
      status: 'changed',
      check: true,
      task: 'Set grub cmdline',
      module: 'lineinfile',
      diff: [{ path: '/etc/default/grub', before: 'GRUB_CMDLINE_LINUX=""\n', after: 'GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"\n' }],
    }),
    result({ host: 'node2', status: 'failed', msg: 'exit 2', rc: 2, stdoutTail: 'building', stderrTail: 'make: *** error', durationMs: 20 }),
    result({ host: 'node1', status: 'ok', item: { name: 'kpatch', version: 1 }, durationMs: 7 }),
    // no_log: whatever reached the report, the diff must not be written.
    result({ host: 'node1', status: 'changed', censored: true, msg: 'hidden', item: { password: 's3cret' }, diff: [{ path: '/etc/secret', before: '', after: 'token\n' }] }),
    result({ host: 'node2', status: 'failed', ignored: true, isHandler: true, task: 'restart kubelet', module: 'service' }),
  ],
  recap: { node1: recap({ ok: 3, changed: 2 }), node2: recap({ failed: 1, ignored: 1 }), node3: recap({ unreachable: 1 }) },
  failedHosts: ['node2'],
  unreachableHosts: ['node3'],
});

async function writeAndRead(): Promise<{ report: JsonReport; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-json-'));
  await writeJsonReport(join(dir, 'run.json'), sample);
  return { report: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as JsonReport, dir };
}

describe('JSON report', () => {
  it('has the documented top-level shape', async () => {
    const { report, dir } = await writeAndRead();
    expect(readdirSync(dir)).toEqual(['run.json']);
    expect(report).toMatchObject({ version: 1, playbook: 'playbooks/harden.yaml', check: true, duration_ms: 12_345 });
    expect(report.started_at).toBe(new Date(T0).toISOString());
    expect(Object.keys(report.hosts)).toEqual(['node1', 'node2', 'node3']);
    expect(report.hosts.node1.recap).toEqual(recap({ ok: 3, changed: 2 }));
    expect([report.hosts.node1.status, report.hosts.node2.status, report.hosts.node3.status]).toEqual(['changed', 'failed', 'unreachable']);
    expect(report.hosts.node3.tasks).toEqual([]);
  });

  it('lists each host’s results in run order with snake_case fields', async () => {
    const { report } = await writeAndRead();
    const [grub, item, secret] = report.hosts.node1.tasks;
    expect(grub).toEqual({
      play: 'Harden nodes',
      task: 'Set grub cmdline',
      loc: 'playbooks/harden.yaml:12',
      module: 'lineinfile',
      status: 'changed',
      changed: true,
      duration_ms: 1500,
      diff: [
        {
          path: '/etc/default/grub',
          unified: '--- /etc/default/grub\tbefore\n+++ /etc/default/grub\tafter\n@@ -1,1 +1,1 @@\n-GRUB_CMDLINE_LINUX=""\n+GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"\n',
        },
      ],
    });
    expect(item).toMatchObject({ status: 'ok', changed: false, item: { name: 'kpatch', version: 1 }, duration_ms: 7 });
    expect(secret).toMatchObject({ censored: true, msg: 'hidden', item: '<hidden: no_log>' });
    expect(JSON.stringify(report)).not.toContain('s3cret');
    expect(secret).not.toHaveProperty('diff');
    expect(report.hosts.node2.tasks).toEqual([
      expect.objectContaining({ status: 'failed', msg: 'exit 2', rc: 2, stdout_tail: 'building', stderr_tail: 'make: *** error', duration_ms: 20 }),
      expect.objectContaining({ status: 'failed', ignored: true, handler: true, task: 'restart kubelet' }),
    ]);
    expect(report.hosts.node2.tasks[0]).not.toHaveProperty('item');
  });

  it('a host named like an Object member is still just a host', async () => {
    const odd = run({ results: [result({ host: 'constructor', status: 'ok' })], recap: { constructor: recap({ ok: 1 }) } });
    const dir = mkdtempSync(join(tmpdir(), 'nodemend-json-'));
    await writeJsonReport(join(dir, 'r.json'), odd);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as JsonReport;
    expect(report.hosts.constructor).toMatchObject({ status: 'ok', recap: { ok: 1 }, tasks: [{ status: 'ok' }] });
  });

  it('a failed rename leaves no temp file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodemend-json-'));
    // The target is a non-empty directory: the temp file is written, the rename fails.
    mkdirSync(join(dir, 'run.json', 'inside'), { recursive: true });
    await expect(writeJsonReport(join(dir, 'run.json'), sample)).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['run.json']);
  });
});
