/**
 * kpatch-route.yaml decides from the kernel package's changelog whether a RedHat kernel already
 * carries the ip_del_fnhe backport. The task's own command (rendered from the playbook) runs in
 * a real shell against the stand-in rpm 4.11.3 (test/fixtures/el7/rpm: `rpm -q --changelog` in
 * rpmpopt.in's format, "package X is not installed" on stdout), then the playbook's own parse
 * and condition decide. Entries, newest first, as RHEL 7 kernel changelogs are written:
 * "* Tue Jul 02 2019 NAME <mail> [3.10.0-1062.el7]" then "- [subsystem] subject (Author) [bugs]".
 * The bug numbers and names below are illustrative; the format is rpm's.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compileTemplate, evaluateCondition } from '../../../src/load/expr/index.js';
import { playbookTask, renderSetFact } from './playbook-task.js';
import { EL7_FIXTURES, installRpm, type ChangelogEntry } from '../../setup/el7.js';

const FIX = '- [net] route: set the deleted fnhe fnhe_daddr to 0 in ip_del_fnhe to fix a race (Hangbin Liu) [1697581]';
const OTHER = (n: number) => `- [x86] kvm: illustrative entry ${n} (A Maintainer) [${1700000 + n}]`;
const entry = (day: string, release: string, lines: string[]): ChangelogEntry => ({ day, name: `Jan Stancek <jstancek@redhat.com> [${release}]`, lines });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Installs kernel-<release> with the changelog, runs the playbook's check for `kernel`, returns its stdout and verdict. */
function check(kernel: string, changelog: ChangelogEntry[] | null): { stdout: string; needed: boolean; entry: unknown; raw: string } {
  const db = mkdtempSync(join(tmpdir(), 'nm-rpmdb-'));
  dirs.push(db);
  if (changelog) installRpm(db, { name: 'kernel', version: '3.10.0', release: kernel.replace(/^3\.10\.0-/, '').replace(/\.x86_64$/, '') }, changelog);
  const env = { ...process.env, PATH: `${EL7_FIXTURES}:${process.env.PATH}`, NM_RPMDB: db, TZ: 'UTC' };
  const cmd = (playbookTask('kpatch-route.yaml', 'RedHat kernel package changelog names the backport').shell as { cmd: string }).cmd;
  const stdout = execFileSync('sh', ['-c', compileTemplate(cmd).render({ kpatch_kernel: kernel }) as string], { env, encoding: 'utf8' });
  const raw = execFileSync('sh', ['-c', `rpm -q --changelog kernel-${kernel}; exit 0`], { env, encoding: 'utf8' });
  const facts = renderSetFact('kpatch-route.yaml', 'Read the changelog entry of the backport', { kpatch_route_changelog: { stdout } });
  const when = playbookTask('kpatch-route.yaml', 'A kernel whose package changelog has the backport does not need the patch').when as string;
  const notNeeded = evaluateCondition(when, { kpatch_route_needed: true, ...facts });
  return { stdout, needed: !notNeeded, entry: facts.kpatch_route_changelog_entry, raw };
}

const K = '3.10.0-957.27.2.el7.x86_64';

describe('the kernel changelog check of kpatch-route.yaml, on rpm 4.11 output', () => {
  test('rpm prints each entry as "* day name" + its lines + an empty line, newest first', () => {
    const { raw } = check(K, [entry('2019-07-02', '3.10.0-957.27.2.el7', [FIX, OTHER(1)]), entry('2019-06-20', '3.10.0-957.27.1.el7', [OTHER(2)])]);
    expect(raw).toBe(
      '* Tue Jul 02 2019 Jan Stancek <jstancek@redhat.com> [3.10.0-957.27.2.el7]\n' +
        `${FIX}\n${OTHER(1)}\n\n` +
        '* Thu Jun 20 2019 Jan Stancek <jstancek@redhat.com> [3.10.0-957.27.1.el7]\n' +
        `${OTHER(2)}\n\n`,
    );
  });

  test('the backport in the newest entry: not needed, and the entry that carries it is named', () => {
    const r = check(K, [entry('2019-07-02', '3.10.0-957.27.2.el7', [OTHER(1), FIX]), entry('2019-06-20', '3.10.0-957.27.1.el7', [OTHER(2)])]);
    expect(r.needed).toBe(false);
    expect(r.entry).toEqual(['Tue Jul 02 2019 Jan Stancek <jstancek@redhat.com> [3.10.0-957.27.2.el7]', FIX]);
  });

  test('the backport several entries down (an older z-stream): its own entry is the one read', () => {
    const r = check(K, [
      entry('2019-07-02', '3.10.0-957.27.2.el7', [OTHER(1)]),
      entry('2019-06-20', '3.10.0-957.27.1.el7', [OTHER(2), OTHER(3)]),
      entry('2019-05-14', '3.10.0-957.21.1.el7', [OTHER(4), FIX, OTHER(5)]),
      entry('2019-04-01', '3.10.0-957.12.1.el7', [OTHER(6)]),
    ]);
    expect(r.needed).toBe(false);
    expect((r.entry as string[])[0]).toBe('Tue May 14 2019 Jan Stancek <jstancek@redhat.com> [3.10.0-957.21.1.el7]');
  });

  test('many entries, none with the fix: needed', () => {
    const r = check(K, [entry('2019-07-02', '3.10.0-957.27.2.el7', [OTHER(1), OTHER(2)]), entry('2019-06-20', '3.10.0-957.27.1.el7', [OTHER(3)])]);
    expect(r.stdout).toBe('');
    expect(r.needed).toBe(true);
    expect(r.entry).toBe(''); // regex_search's none, rendered as text as Ansible renders it ("")
  });

  test('a newer entry reverting the backport outranks it: needed', () => {
    const revert = `- [net] Revert "[net] route: set the deleted fnhe fnhe_daddr to 0 in ip_del_fnhe to fix a race" (Hangbin Liu) [1697581]`;
    expect(check(K, [entry('2019-07-02', '3.10.0-957.27.2.el7', [revert]), entry('2019-05-14', '3.10.0-957.21.1.el7', [FIX])]).needed).toBe(true);
    // ... and a backport applied again after the revert counts
    expect(check(K, [entry('2019-08-01', '3.10.0-957.27.3.el7', [FIX]), entry('2019-07-02', '3.10.0-957.27.2.el7', [revert])]).needed).toBe(false);
  });

  test('the kernel package is not installed: rpm says so on stdout (exit 1), the check finds nothing', () => {
    const r = check(K, null);
    expect(r.raw).toBe(`package kernel-${K} is not installed\n`);
    expect(r.needed).toBe(true);
  });

  test('another installed kernel with the fix does not count for this one', () => {
    const db = check('3.10.0-1062.el7.x86_64', [entry('2019-07-02', '3.10.0-1062.el7', [FIX])]);
    expect(db.needed).toBe(false);
    expect(check(K, null).needed).toBe(true);
  });
});
