/**
 * Users, groups, getent and pam_limits through ansible-playbook and nodemend on node29 (the
 * users differential host): same files, registered results (the documented keys) and changed
 * flags in check mode, the first run and a rerun. Where nodemend differs on purpose (README,
 * "Choices where Ansible users might expect otherwise"), the test asserts the difference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleUsers[0], 'users');

const LIMITS = [
  '# /etc/security/limits.conf',
  '#<domain>      <type>  <item>         <value>',
  '*               soft    core            0',
  '@ops   hard   nofile   4096   # raised for ops',
  'root - nproc unlimited',
  'weird line with five fields',
  '',
  'dba   soft   memlock   1024',
  'dev soft stack 8192',
  '',
].join('\n');

const limits = d.case('pam_limits: add, change, keep, use_max/use_min, comments', {
  tasks: `
    - name: change a value, the earlier comment is carried
      community.general.pam_limits: { dest: "{{ dir }}/limits.conf", domain: "@ops", limit_type: hard, limit_item: nofile, value: 65536 }
      register: l_change
    - name: already set
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: "*", limit_type: soft, limit_item: core, value: "0" }
      register: l_same
    - name: use_max keeps a larger value
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: dba, limit_type: soft, limit_item: memlock, value: 512, use_max: true }
      register: l_max_keep
    - name: use_min lowers it
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: dev, limit_type: soft, limit_item: stack, value: 4096, use_min: true }
      register: l_min
    - name: use_max keeps unlimited
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: root, limit_type: "-", limit_item: nproc, value: 100, use_max: true }
      register: l_unlimited
    - name: a new line with its own comment
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: "*", limit_type: "-", limit_item: nice, value: -5, comment: hardening }
      register: l_new
    - name: a new line in a file without a final newline
      pam_limits: { dest: "{{ dir }}/nonl.conf", domain: "*", limit_type: hard, limit_item: maxlogins, value: 10 }
      register: l_nonl
    - name: a file holding an invalid line
      pam_limits: { dest: "{{ dir }}/bad.conf", domain: "*", limit_type: hard, limit_item: core, value: 0 }
      register: l_bad
      ignore_errors: true
    - name: a directory that does not exist
      pam_limits: { dest: "{{ dir }}/missing/limits.conf", domain: "*", limit_type: hard, limit_item: core, value: 0 }
      register: l_nodir
      ignore_errors: true
    - name: the system file
      pam_limits: { domain: nm_h13a, limit_type: soft, limit_item: nofile, value: 1024 }
      register: l_system
  `,
  files: { 'limits.conf': LIMITS, 'nonl.conf': '* soft core 0', 'bad.conf': '* soft nofile lots\n' },
  paths: ['/etc/security/limits.conf'],
});

const limitsNew = d.case('pam_limits: a missing file in an existing directory', {
  tasks: `
    - name: created with its line
      pam_limits: { dest: "{{ dir }}/new.conf", domain: ops, limit_type: soft, limit_item: nproc, value: 4096 }
      register: l_created
  `,
});

beforeAll(() => d.run(), 900_000);

/** Ansible's value of each key it registered, beside nodemend's (`failed` reads false when absent). */
function sameKeys(n: Record<string, unknown> | null | undefined, a: Record<string, unknown> | null | undefined, keys: string[]): [Record<string, unknown>, Record<string, unknown>] {
  const get = (v: typeof n, k: string) => (k === 'failed' ? Boolean(v?.failed) : v?.[k]);
  const present = keys.filter((k) => k === 'failed' || (a != null && k in a));
  return [Object.fromEntries(present.map((k) => [k, get(n, k)])), Object.fromEntries(present.map((k) => [k, get(a, k)]))];
}
const sameRegistered = (c: typeof limits, mode: (typeof MODES)[number], keys: string[]) => {
  expect(Object.keys(c.ansible[mode].registered).length).toBeGreaterThan(0);
  for (const [r, a] of Object.entries(c.ansible[mode].registered)) {
    const [n, x] = sameKeys(c.nodemend[mode].registered[r], a as Record<string, unknown>, keys);
    expect(n, `${r}\n${c.nodemend[mode].output}`).toEqual(x);
  }
};

describe.each(MODES)('%s', (mode) => {
  it('pam_limits: same files', () => {
    expect(limits.nodemend[mode].files, limits.nodemend[mode].output).toEqual(limits.ansible[mode].files);
  });
  it('pam_limits: same tasks, statuses and changed flags', () => {
    expect(limits.nodemend[mode].tasks, limits.nodemend[mode].output).toEqual(limits.ansible[mode].tasks);
    expect(limitsNew.nodemend[mode].tasks).toEqual(limitsNew.ansible[mode].tasks);
  });
  it('pam_limits: same registered msg, changed, failed', () => {
    sameRegistered(limits, mode, ['changed', 'failed', 'msg']);
    sameRegistered(limitsNew, mode, ['changed', 'failed', 'msg']);
  });
});

it('pam_limits: the run wrote what limits.conf(5) readers expect, the rerun changed nothing', () => {
  const f = limits.nodemend.run.files['limits.conf'];
  expect(f).toMatchObject({ type: 'file', content: expect.stringContaining('@ops\thard\tnofile\t65536\t# raised for ops\n') });
  expect(limits.nodemend.run.files['limits.conf']).toMatchObject({ content: expect.stringContaining('dev\tsoft\tstack\t4096\t#') });
  expect(limits.nodemend.run.files['/etc/security/limits.conf']).toMatchObject({ content: expect.stringMatching(/\nnm_h13a\tsoft\tnofile\t1024\n$/) });
  expect(limits.nodemend.run.registered.l_bad).toMatchObject({
    failed: true,
    msg: expect.stringContaining("Invalid configuration found in '<dir>/bad.conf'. Value of 'lots' for item 'nofile' is invalid."),
  });
  expect(limits.nodemend.run.changed).toMatchObject({ 'already set': false, 'use_max keeps a larger value': false, 'use_min lowers it': true });
  expect(limitsNew.nodemend.run.files['new.conf']).toEqual(limitsNew.ansible.run.files['new.conf']);
  expect(Object.entries(limitsNew.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([]);
  // The module's own quirk, mirrored: a line appended to a last line without a newline joins it, so it
  // is never found again and every run appends it once more (Ansible does the same, compared above).
  const again = 'a new line in a file without a final newline';
  expect(Object.entries(limits.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([[again, true]]);
  expect(limits.ansible.rerun.changed[again]).toBe(true);
  expect(limits.nodemend.run.files['nonl.conf']).toMatchObject({ content: '* soft core 0*\thard\tmaxlogins\t10\n' });
});

it('pam_limits (documented difference): check mode creates no missing file, Ansible creates it empty', () => {
  expect(limitsNew.ansible.check.files['new.conf']).toMatchObject({ type: 'file', content: '' });
  expect(limitsNew.nodemend.check.files['new.conf']).toBeUndefined();
  expect(limitsNew.nodemend.check.changed['created with its line']).toBe(true);
});
