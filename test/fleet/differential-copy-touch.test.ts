/**
 * Two silent differences of issue 13 §1, through ansible-playbook (ansible-core 2.14.18) and
 * nodemend on node23 (the Ansible modules differential host, paths /tmp/nmdiff-copytouch-*):
 * registered results, files and changed flags in check mode, a run and a rerun.
 *
 * - copy `remote_src: true`: the action plugin hands the task to the copy module itself
 *   (plugins/action/copy.py run()), which registers the source's sha1 `checksum` and md5 `md5sum`
 *   with `dest`, `src` and add_path_info's stat of dest (modules/copy.py, res_args) in every mode,
 *   changed or not. From the controller instead, --check stops in the action plugin
 *   (_copy_file: `changed` and `diff`, nothing about the file), so a role's `when: r.checksum is
 *   defined` is false there in both tools.
 * - file `state: touch` on an existing path: modification_time and access_time default to `now`
 *   for touch (keep_backward_compatibility_on_timestamps), update_timestamp_for_file then always
 *   reports a change, in --check too; so a rerun is changed again. `preserve` for both leaves the
 *   times and the task unchanged. Its result names the path `dest` (execute_touch), not `path`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'copytouch');

/** modules/copy.py's documented return keys, and add_path_info's (basic.py). */
const COPY_KEYS = ['dest', 'src', 'checksum', 'md5sum', 'backup_file', 'uid', 'gid', 'owner', 'group', 'mode', 'state', 'size', 'path'];
/** execute_touch's result and add_path_info's. */
const TOUCH_KEYS = ['dest', 'path', 'uid', 'gid', 'owner', 'group', 'mode', 'state', 'size'];

/** The documented keys a result has, with their values (a key one tool lacks shows as absent). */
const pick = (r: Record<string, unknown> | undefined, keys: string[]) => Object.fromEntries(keys.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));

const copy = d.case('copy: remote_src and check-mode results', {
  tasks: `
    - name: remote_src into a new file
      copy: { src: "{{ dir }}/src.conf", dest: "{{ dir }}/new.conf", remote_src: true }
      register: r_new
    - name: remote_src over a different file
      copy: { src: "{{ dir }}/src.conf", dest: "{{ dir }}/old.conf", remote_src: true, mode: "0640" }
      register: r_over
    - name: remote_src onto the same bytes
      copy: { src: "{{ dir }}/src.conf", dest: "{{ dir }}/same.conf", remote_src: true }
      register: r_same
    - name: content into a new file
      copy: { content: "fresh\\n", dest: "{{ dir }}/content.conf" }
      register: r_content
    - name: content over a different file
      copy: { content: "fresh\\n", dest: "{{ dir }}/old2.conf" }
      register: r_content_over
    - name: what a role's condition sees
      debug: { msg: "{{ [r_new.checksum is defined, r_content.checksum is defined] }}" }
      register: r_defined
  `,
  files: { 'src.conf': 'a=1\n', 'old.conf': 'a=0\n', 'same.conf': 'a=1\n', 'old2.conf': 'stale\n' },
});

const touch = d.case('file: state=touch on existing paths bumps the times', {
  tasks: `
    - name: age the files
      command: touch -d 2020-01-01T00:00:00 {{ dir }}/old {{ dir }}/kept {{ dir }}/sub
      changed_when: false
      check_mode: false
    - name: touch an existing file
      file: { path: "{{ dir }}/old", state: touch }
      register: t_file
    - name: touch an existing directory
      file: { path: "{{ dir }}/sub", state: touch }
      register: t_dir
    - name: touch a new file
      file: { path: "{{ dir }}/new", state: touch, mode: "0600" }
      register: t_new
    - name: touch keeping the times
      file: { path: "{{ dir }}/kept", state: touch, modification_time: preserve, access_time: preserve }
      register: t_kept
    - name: the times now
      stat: { path: "{{ dir }}/{{ item }}" }
      loop: [old, sub, kept]
      register: t_stat
  `,
  files: { old: 'x\n', kept: 'k\n', sub: { dir: true } },
});

beforeAll(() => d.run(), 900_000);

const JAN_2020 = Date.parse('2020-01-01T00:00:00Z') / 1000;

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [copy, touch]);

  it('copy: the same documented keys and values, checksum and md5sum included', () => {
    const [n, a] = [copy.nodemend[mode].registered, copy.ansible[mode].registered];
    for (const r of ['r_new', 'r_over', 'r_same']) {
      expect(pick(n[r], COPY_KEYS), r).toEqual(pick(a[r], COPY_KEYS));
    }
    // From the controller Ansible's src is its own temp file: the other keys compare.
    const noSrc = COPY_KEYS.filter((k) => k !== 'src');
    // --check from the controller: nodemend registers the file it would write (README "Choices"), Ansible nothing about it.
    if (mode !== 'check') for (const r of ['r_content', 'r_content_over']) expect(pick(n[r], noSrc), r).toEqual(pick(a[r], noSrc));
    if (mode !== 'check') expect(n.r_defined.msg).toEqual(a.r_defined.msg);
  });

  it('touch: the same documented keys and values', () => {
    const [n, a] = [touch.nodemend[mode].registered, touch.ansible[mode].registered];
    for (const r of ['t_file', 't_dir', 't_new', 't_kept']) expect(pick(n[r], TOUCH_KEYS), r).toEqual(pick(a[r], TOUCH_KEYS));
  });
});

it('copy: remote_src registers the source sums in every mode; --check from the controller: nodemend registers the file it would write, Ansible none', () => {
  // sha1sum / md5sum of src.conf's 'a=1\\n'.
  const sums = { checksum: '9dc9cfd3b38b77561ec22b49a723432e26181003', md5sum: 'd5e29449b9e66d5b4bb0d6ce48fbbcb1' };
  for (const mode of MODES) {
    for (const r of ['r_new', 'r_over', 'r_same']) {
      expect(copy.nodemend[mode].registered[r], `${mode} ${r}`).toMatchObject(sums);
      expect(copy.ansible[mode].registered[r], `${mode} ${r}`).toMatchObject(sums);
    }
  }
  // The documented difference (README "Choices"): Ansible's copy action answers --check with changed and diff alone.
  expect(copy.ansible.check.registered.r_content).not.toHaveProperty('checksum');
  expect(copy.ansible.check.registered.r_content).not.toHaveProperty('dest');
  expect(copy.ansible.check.registered.r_defined.msg).toEqual([true, false]);
  expect(copy.nodemend.check.registered.r_content).toMatchObject({ dest: expect.stringMatching(/content\.conf$/), checksum: copy.nodemend.run.registered.r_content.checksum, size: 6 });
  expect(copy.nodemend.run.registered.r_content).toHaveProperty('checksum');
  expect(copy.nodemend.check.registered.r_defined.msg).toEqual([true, true]);
  expect(copy.nodemend.run.registered.r_defined.msg).toEqual([true, true]);
  expect(copy.nodemend.run.files['new.conf']).toMatchObject({ content: 'a=1\n' });
  expect(copy.nodemend.run.files['old.conf']).toMatchObject({ content: 'a=1\n', mode: '0640' });
  expect(copy.ansible.run.changed).toMatchObject({ 'remote_src into a new file': true, 'remote_src onto the same bytes': false });
});

it('touch: changed on every run in both tools, times bumped unless preserved', () => {
  for (const tool of [touch.ansible, touch.nodemend]) {
    for (const mode of MODES) {
      expect(tool[mode].changed, mode).toMatchObject({ 'touch an existing file': true, 'touch an existing directory': true, 'touch keeping the times': false });
    }
    expect(tool.rerun.changed['touch a new file']).toBe(true);
    const [file, dir, kept] = tool.run.registered.t_stat.results.map((r: { stat: { mtime: number } }) => r.stat.mtime);
    expect(file).toBeGreaterThan(JAN_2020 + 86400);
    expect(dir).toBeGreaterThan(JAN_2020 + 86400);
    expect(kept).toBe(JAN_2020);
    const checked = tool.check.registered.t_stat.results.map((r: { stat: { mtime: number } }) => r.stat.mtime);
    expect(checked).toEqual([JAN_2020, JAN_2020, JAN_2020]);
  }
});
