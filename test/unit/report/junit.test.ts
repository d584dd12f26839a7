import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJunitReport, writeJunitReport } from '../../../src/report/junit.js';
import { escapeAttr, escapeText } from '../../../src/report/xml.js';
import { all, parseXml } from './mini-xml.js';
import { recap, result, run } from './fixtures.js';

const hosts = ['node1', 'node2', 'node3', 'node4'];
const sample = run({
  results: [
    result({ host: 'node1', status: 'ok', task: 'Read grub', durationMs: 250 }),
    result({ host: 'node2', status: 'changed', task: 'Read grub', durationMs: 1250 }),
    result({ host: 'node3', status: 'failed', task: 'Read grub', msg: 'grub.cfg missing', rc: 2, stderrTail: 'cat: /boot/grub/grub.cfg: No such file' }),
    result({ host: 'node4', status: 'unreachable', task: 'Read grub', msg: 'connect ECONNREFUSED 127.0.0.1:22504' }),
    result({ host: 'node1', status: 'skipped', task: 'Build kpatch', msg: 'conditional result was false' }),
    result({ host: 'node2', status: 'ok', task: 'Build kpatch', item: 'a' }),
    result({ host: 'node2', status: 'failed', task: 'Build kpatch', item: 'b', msg: 'make failed', rc: 2, stderrTail: 'error: x' }),
    result({ host: 'node2', status: 'failed', task: 'Build kpatch', item: 'c', msg: 'make failed too', rc: 1 }),
    result({ host: 'node1', status: 'failed', ignored: true, task: 'Probe', msg: 'no such unit' }),
    result({ host: 'node1', status: 'changed', task: 'restart kubelet', isHandler: true }),
  ],
  recap: Object.fromEntries(hosts.map((h) => [h, recap()])),
  failedHosts: ['node2', 'node3'],
  unreachableHosts: ['node4'],
});

describe('JUnit report', () => {
  const doc = parseXml(buildJunitReport(sample));
  const suites = all(doc, 'testsuite');
  const suite = (h: string) => suites.find((s) => s.attrs.name === h)!;
  const cases = (h: string) => all(suite(h), 'testcase');

  it('one suite per host, one case per host and task, loop items folded', () => {
    expect(doc.name).toBe('testsuites');
    expect(suites.map((s) => s.attrs.name)).toEqual(hosts);
    expect(cases('node1').map((c) => c.attrs.name)).toEqual(['Harden nodes / Read grub', 'Harden nodes / Build kpatch', 'Harden nodes / Probe', 'Harden nodes / handler: restart kubelet']);
    expect(cases('node2').map((c) => c.attrs.name)).toEqual(['Harden nodes / Read grub', 'Harden nodes / Build kpatch']);
    expect(all(doc, 'testcase').every((c) => hosts.includes(c.attrs.classname))).toBe(true);
  });

  it('counts per suite and in total', () => {
    const counts = (el: (typeof suites)[0]) => [el.attrs.tests, el.attrs.failures, el.attrs.errors, el.attrs.skipped].map(Number);
    expect(counts(suite('node1'))).toEqual([4, 0, 0, 1]);
    expect(counts(suite('node2'))).toEqual([2, 1, 0, 0]);
    expect(counts(suite('node3'))).toEqual([1, 1, 0, 0]);
    expect(counts(suite('node4'))).toEqual([1, 0, 1, 0]);
    expect(counts(doc)).toEqual([8, 2, 1, 1]);
    expect(suite('node2').attrs.time).toBe('5.750'); // 1.25 + three items of 1.5
    expect(cases('node2')[1].attrs.time).toBe('4.500');
  });

  it('failures carry message, rc and stderr tail; unreachable is an error; skipped is skipped', () => {
    const failure = all(cases('node3')[0], 'failure')[0];
    expect(failure.attrs.message).toBe('grub.cfg missing');
    expect(failure.text).toBe('grub.cfg missing\nrc: 2\nstderr:\ncat: /boot/grub/grub.cfg: No such file');
    const looped = all(cases('node2')[1], 'failure')[0];
    expect(looped.text).toBe('[item=b] make failed\nrc: 2\nstderr:\nerror: x\n\n[item=c] make failed too\nrc: 1');
    expect(all(cases('node4')[0], 'error')[0].attrs).toMatchObject({ type: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:22504' });
    expect(all(cases('node1')[1], 'skipped')).toHaveLength(1);
    const ignored = cases('node1')[2];
    expect(all(ignored, 'failure')).toHaveLength(0);
    expect(all(ignored, 'system-out')[0].text).toBe('ignored: no such unit');
  });

  it('survives hostile output: markup, quotes, control characters, color codes', () => {
    const nasty = 'a <b> & "c" \'d\' ]]> \x00\x07\x1b[31mred\x1b[0m\x1b \ud800 end\tTAB\nline2';
    const xml = buildJunitReport(
      run({
        results: [result({ host: 'h<&>"', task: 'T "x" <y>', status: 'failed', msg: nasty, stderrTail: nasty })],
        recap: { 'h<&>"': recap({ failed: 1 }) },
        failedHosts: ['h<&>"'],
      }),
    );
    const parsed = parseXml(xml);
    const tc = all(parsed, 'testcase')[0];
    expect(tc.attrs.classname).toBe('h<&>"');
    expect(tc.attrs.name).toBe('Harden nodes / T "x" <y>');
    const expected = 'a <b> & "c" \'d\' ]]> \\x00\\x07red\\x1b \ufffd end\tTAB\nline2';
    const failure = all(tc, 'failure')[0];
    expect(failure.attrs.message).toBe(expected);
    expect(failure.text).toBe(`${expected}\nstderr:\n${expected}`);
  });

  it('no_log items stay hidden in failure bodies', () => {
    const xml = buildJunitReport(
      run({
        results: [result({ host: 'a', status: 'failed', censored: true, item: { password: 's3cret' }, msg: 'hidden by no_log' })],
        recap: { a: recap({ failed: 1 }) },
        failedHosts: ['a'],
      }),
    );
    expect(xml).not.toContain('s3cret');
    expect(all(parseXml(xml), 'failure')[0].text).toBe('[item=<hidden: no_log>] hidden by no_log');
  });

  it('escapers: entities, and whitespace kept in attributes', () => {
    expect(escapeText('<a & b>')).toBe('&lt;a &amp; b&gt;');
    expect(escapeAttr('"x"\n\t\'y\'')).toBe('&quot;x&quot;&#10;&#9;&apos;y&apos;');
  });

  it('the test parser itself rejects broken XML', () => {
    expect(() => parseXml('<a>\x01</a>')).toThrow(/not allowed/);
    expect(() => parseXml('<a>x & y</a>')).toThrow(/bare/);
    expect(() => parseXml('<a><b></a>')).toThrow(/closes/);
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml('<a b="<"/>')).toThrow(/raw/);
    expect(() => parseXml('<a>&#1;</a>')).toThrow(/forbidden/);
  });

  it('is written atomically: complete file, no temp left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodemend-junit-'));
    const file = join(dir, 'report.xml');
    await writeJunitReport(file, sample);
    await writeJunitReport(file, sample); // replacing an existing report works the same way
    expect(readdirSync(dir)).toEqual(['report.xml']);
    expect(all(parseXml(readFileSync(file, 'utf8')), 'testcase')).toHaveLength(8);
  });
});
