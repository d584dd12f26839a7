/**
 * `file`'s modification_time / access_time where 2.14 does something a user might not expect,
 * through ansible-playbook 2.14 and nodemend on the same host (node23, HOSTS.ansibleModules; paths
 * /tmp/nmdiff-h21b-ftimes-*). 2.14's ensure_directory sets the times of the whole path after making
 * each missing level (update_timestamp_for_file), so a new directory more than one level deep fails
 * once its first level is made: a rerun makes the next. Compared: files, registered results and
 * changed flags in check, run and rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h21b-ftimes');

const dirs = d.case('file: times on a new directory one and two levels deep', {
  tasks: `
    - name: a new directory two levels deep with a time
      file: { path: "{{ dir }}/n1/n2", state: directory, modification_time: "202202081414.00", access_time: preserve }
      ignore_errors: true
      register: deep
    - name: a new directory one level deep with a time
      file: { path: "{{ dir }}/one", state: directory, modification_time: "202202081414.00", access_time: preserve }
      register: shallow
  `,
});

beforeAll(() => d.run(), 600_000);

/** A time mkdir gave reads as its type; a time set is compared exactly. */
function comparable(r: Record<string, any>) {
  const { msg: _m, ...rest } = r ?? {};
  if (!rest.diff) return rest;
  const before = Object.fromEntries(Object.entries(rest.diff.before).map(([k, v]) => [k, k === 'mtime' || k === 'atime' ? typeof v : v]));
  return { ...rest, diff: { ...rest.diff, before } };
}

describe.each(MODES)('%s', (mode) => {
  it('a new directory with times: the same files, changed flags and registered results', () => {
    const [n, a] = [dirs.nodemend[mode], dirs.ansible[mode]];
    expect(n.files).toEqual(a.files);
    // Documented (README "Choices"): nodemend's --check fails where the run will; Ansible's check run says changed.
    const deepInCheck = (t: (typeof a.tasks)[number]) => mode === 'check' && t.name.includes('two levels');
    expect(n.tasks, n.output).toEqual(a.tasks.map((t) => (deepInCheck(t) ? { ...t, changed: false, status: 'failed' as const } : t)));
    if (mode !== 'check') expect(comparable(n.registered.deep), n.output).toEqual(comparable(a.registered.deep));
    expect(comparable(n.registered.shallow), n.output).toEqual(comparable(a.registered.shallow));
    if (mode !== 'rerun') expect(n.registered.deep.msg).toBe('There was an issue creating <dir>/n1 as requested: ');
  });

  // What Ansible does, so the comparisons above cannot pass on two wrong answers.
  it('Ansible: the first level is made and the task fails; a rerun makes the next', () => {
    const a = dirs.ansible[mode];
    const deep = a.registered.deep;
    if (mode === 'check') return expect([deep.changed, deep.failed]).toEqual([true, false]);
    if (mode === 'run') {
      expect(deep).toEqual({ changed: false, failed: true, msg: 'There was an issue creating <dir>/n1 as requested: ', path: '<dir>/n1/n2' });
      expect([a.files.n1?.type, a.files['n1/n2']]).toEqual(['dir', undefined]);
    }
    if (mode === 'rerun') {
      expect([deep.changed, deep.failed, deep.diff.after.mtime]).toEqual([true, false, expect.any(Number)]);
      expect(a.files['n1/n2']?.type).toBe('dir');
    }
  });
});
