/**
 * The `diff` key `file` registers, through ansible-playbook 2.14 and nodemend on the same host
 * (node23, HOSTS.ansibleModules; paths /tmp/nmdiff-h19a-fdiff-*). Ansible 2.14's file.py builds it
 * with initial_diff (`before`/`after` = `{path}`, plus `state` when the state changes, plus
 * `path_content` when a directory is removed), then module_utils/basic.py's set_*_if_different add
 * `mode` ('0%03o'), `owner`/`group` (uid/gid) that change, update_timestamp_for_file the `mtime`/
 * `atime` that change (floats), ensure_symlink/ensure_hardlink a `src` that changes; on every run,
 * changed or not, with or without --diff; none for a path already absent or a touch of a new file in
 * --check. A time set to `now` is the module's clock: compared as a number, with the rest exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h19a-fdiff');

const NAMES = ['f_mode', 'f_owner', 'f_same', 'd_new', 'd_mode', 'l_new', 'l_change', 'l_follow', 'h_new', 'h_same', 't_pres', 't_time', 'a_dir', 'a_file', 'a_gone', 'f_nodiff'];
const files = d.case('registered diff of file: every state, changed and unchanged', {
  tasks: `
    - name: file mode
      file: { path: "{{ dir }}/f", state: file, mode: "0600" }
      register: f_mode
    - name: file owner by name
      file: { path: "{{ dir }}/g", state: file, owner: root, group: root }
      register: f_owner
    - name: file as it is
      file: { path: "{{ dir }}/g", state: file }
      register: f_same
    - name: new directory with a mode
      file: { path: "{{ dir }}/d/e", state: directory, mode: "0700" }
      register: d_new
    - name: directory mode
      file: { path: "{{ dir }}/dd", state: directory, mode: "u=rwx,go=" }
      register: d_mode
    - name: new link
      file: { path: "{{ dir }}/l", src: f, state: link }
      register: l_new
    - name: link to another src
      file: { path: "{{ dir }}/l2", src: "{{ dir }}/g", state: link }
      register: l_change
    - name: link with its target's mode
      file: { path: "{{ dir }}/l3", src: "{{ dir }}/m", state: link, mode: "0640" }
      register: l_follow
    - name: new hard link
      file: { path: "{{ dir }}/h", src: "{{ dir }}/f", state: hard }
      register: h_new
    - name: hard link there
      file: { path: "{{ dir }}/h", src: "{{ dir }}/f", state: hard }
      register: h_same
    - name: touch, times preserved
      file: { path: "{{ dir }}/g", state: touch, modification_time: preserve, access_time: preserve }
      register: t_pres
    - name: touch with a formatted time
      file: { path: "{{ dir }}/k", state: touch, modification_time: "202202081414.00", access_time: preserve }
      register: t_time
    - name: remove a directory
      file: { path: "{{ dir }}/tree", state: absent }
      register: a_dir
    - name: remove a file
      file: { path: "{{ dir }}/gone", state: absent }
      register: a_file
    - name: remove what is not there
      file: { path: "{{ dir }}/nothing", state: absent }
      register: a_gone
    - name: file mode without diff
      file: { path: "{{ dir }}/n", state: file, mode: "0600" }
      diff: false
      register: f_nodiff
    - name: touch a new file
      file: { path: "{{ dir }}/new", state: touch, mode: "0600" }
      register: t_new
    - name: touch an existing file
      file: { path: "{{ dir }}/f", state: touch }
      register: t_now
  `,
  files: {
    f: 'a\n',
    g: { content: 'g\n', owner: 'ops', group: 'ops' },
    dd: { dir: true, mode: '0755' },
    l2: { link: 'f' },
    m: { content: 'm\n', mode: '0644' },
    k: 'k\n',
    'tree/x': 'x\n',
    'tree/sub/y': 'y\n',
    'tree/sub/z': 'z\n',
    'tree/ln': { link: 'sub' },
    gone: 'gone\n',
    n: 'n\n',
  },
});

const MORE = ['peek_bin', 'peek_text', 'peek_none', 't_fmt', 't_again', 'l_nosrc_follow', 'l_empty', 'h_dir'];
const more = d.case('file: _diff_peek, times in a format, a link without src', {
  tasks: `
    - name: diff peek of a binary file
      file: { path: "{{ dir }}/bin", _diff_peek: true }
      register: peek_bin
    - name: diff peek of text
      file: { path: "{{ dir }}/f", _diff_peek: true }
      register: peek_text
    - name: diff peek of nothing
      file: { path: "{{ dir }}/nothing", _diff_peek: true }
      register: peek_none
    - name: times in other formats
      file: { path: "{{ dir }}/k", modification_time: "08 Feb 2022 14:14:30", modification_time_format: "%d %b %Y %H:%M:%S", access_time: "2022-02-08", access_time_format: "%Y-%m-%d" }
      register: t_fmt
    - name: the same times again
      file: { path: "{{ dir }}/k", modification_time: "08 feb 2022 14:14:30", modification_time_format: "%d %b %Y %H:%M:%S", access_time: "2022-02-08", access_time_format: "%Y-%m-%d" }
      register: t_again
    - name: a time that does not match its format
      file: { path: "{{ dir }}/k", modification_time: "2022", modification_time_format: "%d %b" }
      ignore_errors: true
      register: t_bad
    - name: a link over a directory without force
      file: { path: "{{ dir }}/empty", src: "{{ dir }}/f", state: link }
      ignore_errors: true
      register: l_dir
    - name: a link over a directory that is not empty
      file: { path: "{{ dir }}/full", src: "{{ dir }}/f", state: link, force: true }
      ignore_errors: true
      register: l_full
    - name: a link over an empty directory with force
      file: { path: "{{ dir }}/empty", src: "{{ dir }}/f", state: link, force: true }
      register: l_empty
    - name: a hard link whose path is a directory goes inside it
      file: { path: "{{ dir }}/hd", src: "{{ dir }}/f", state: hard }
      register: h_dir
    - name: a path that is not there
      file: { path: "{{ dir }}/ghost" }
      ignore_errors: true
      register: ghost
    - name: a link's target's mode without src
      file: { path: "{{ dir }}/l5", state: link, mode: "0600" }
      register: l_nosrc_follow
  `,
  files: { f: 'a\n', bin: 'a\u0000b', k: 'k\n', empty: { dir: true }, hd: { dir: true }, 'full/x': 'x\n', l5: { link: 'm3' }, m3: { content: 'm\n', mode: '0644' } },
});

// Its own case: Ansible's --check calls a link's own mode a change (its run does not; README "Choices").
const linkMode = d.case("file: a link's own mode (follow: false)", {
  tasks: `
    - name: a link's own mode without src
      file: { path: "{{ dir }}/l4", state: link, mode: "0600", follow: false }
      register: l_nosrc
    - name: a link's own mode with src
      file: { path: "{{ dir }}/l6", src: m, state: link, mode: "0600", follow: false }
      register: l_own
  `,
  files: { l4: { link: 'm' }, m: { content: 'm\n', mode: '0644' } },
});

beforeAll(() => d.run(), 600_000);

/** A `now` time reads as its type: the module's clock at that moment. */
const timesAsNumbers = (diff: { before: Record<string, unknown>; after: Record<string, unknown> } | undefined) => {
  if (!diff) return diff;
  const side = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'mtime' || k === 'atime' ? typeof v : v]));
  return { before: side(diff.before), after: side(diff.after) };
};

/** A seeded file's times differ between the two tools' directories: they read as their type; a time set is compared exactly. */
function seeded(x: { diff?: { before: Record<string, unknown>; after: Record<string, unknown> } }) {
  if (!x.diff) return x.diff;
  const b = x.diff.before;
  return { ...x.diff, before: { ...b, ...(b.mtime !== undefined ? { mtime: typeof b.mtime } : {}), ...(b.atime !== undefined ? { atime: typeof b.atime } : {}) } };
}

describe.each(MODES)('%s', (mode) => {
  // The registered diff (or none).
  itsSameAsAnsible(mode, [files], { tasks: 'tasks', together: true, registered: { names: NAMES, each: true, view: (r) => ({ has: 'diff' in r, diff: seeded(r) }) } });

  // The whole result but msg (nodemend's file module says what it did; Ansible's registers no msg here).
  itsSameAsAnsible(mode, [more], {
    tasks: 'tasks',
    together: true,
    registered: {
      names: MORE,
      each: true,
      view: (r) => {
        const { msg: _m, ...rest } = r;
        // A link's size is its text's length: the tools' directories differ in length ("-ansible", "-nodemend").
        const sized = (x: Record<string, unknown>) => (x.state === 'link' && String(x.src).startsWith('<dir>') ? { ...x, size: 'the length of src' } : x);
        return sized({ ...rest, diff: seeded(r) });
      },
    },
  });

  it("a time that does not match its format fails with Ansible's message", () => {
    const a = more.ansible[mode].registered;
    const n = more.nodemend[mode].registered;
    expect(a.t_bad.msg).toBe("Error while obtaining timestamp for time 2022 using format %d %b: time data '2022' does not match format '%d %b'");
    expect(n.t_bad.msg).toBe(a.t_bad.msg);
    expect(n.t_bad.failed).toBe(true);
    // ensure_file_attributes' failure names the state it found.
    const ghost = (r: Record<string, unknown>) => ({ failed: r.failed, changed: r.changed, state: r.state, msg: r.msg });
    expect(ghost(a.ghost)).toEqual({ failed: true, changed: false, state: 'absent', msg: 'file (<dir>/ghost) is absent, cannot continue' });
    expect(ghost(n.ghost)).toEqual(ghost(a.ghost));
    // ensure_symlink's refusals: no force, and force on a directory that is not empty (a link there after the run).
    if (mode === 'rerun') return;
    expect(a.l_dir.msg).toBe('refusing to convert from directory to symlink for <dir>/empty');
    expect(a.l_full.msg).toBe('the directory <dir>/full is not empty, refusing to convert it');
    expect([n.l_dir.msg, n.l_full.msg]).toEqual([a.l_dir.msg, a.l_full.msg]);
  });

  it('Ansible: _diff_peek, formatted times', () => {
    const r = more.ansible[mode].registered;
    expect([r.peek_bin.appears_binary, r.peek_text.appears_binary, r.peek_none.appears_binary]).toEqual([true, false, false]);
    // The harness's reads between the runs move the atime (relatime: it was before the mtime): only the mtime stays.
    if (mode === 'rerun') return expect(r.t_fmt.diff.after.mtime).toBeUndefined();
    expect(Object.keys(r.t_fmt.diff.after).sort()).toEqual(['atime', 'mtime', 'path']);
    // Check mode set nothing: the second task still would.
    if (mode === 'run') expect(r.t_again.diff).toEqual({ before: { path: '<dir>/k' }, after: { path: '<dir>/k' } });
    expect(r.t_again.changed).toBe(mode === 'check');
  });

  it("documented: a link's own mode (follow: false) is the same diff, and in --check no change (Ansible's check run: changed)", () => {
    const [n, a] = [linkMode.nodemend[mode], linkMode.ansible[mode]];
    expect(n.files).toEqual(a.files);
    for (const name of ['l_nosrc', 'l_own']) expect(n.registered[name].diff, n.output).toEqual(a.registered[name].diff);
    expect(a.registered.l_nosrc.diff).toEqual({ before: { path: '<dir>/l4', mode: '0777' }, after: { path: '<dir>/l4', mode: '0600' } });
    expect(n.tasks).toEqual(mode === 'check' ? a.tasks.map((t) => (t.name.includes('without src') ? { ...t, changed: false, status: 'ok' as const } : t)) : a.tasks);
  });

  it.each(['t_new', 't_now'])('%s: the same registered diff, times as numbers', (name) => {
    const n = files.nodemend[mode].registered[name];
    const a = files.ansible[mode].registered[name];
    expect({ has: 'diff' in n, diff: timesAsNumbers(n.diff) }, files.nodemend[mode].output).toEqual({ has: 'diff' in a, diff: timesAsNumbers(a.diff) });
  });

  // What Ansible registers, so the comparisons above cannot pass on two wrong answers.
  it('Ansible: initial_diff, the attributes and times that change, path_content', () => {
    const r = files.ansible[mode].registered;
    const p = (x: string) => `<dir>/${x}`;
    expect(r.f_same.diff).toEqual({ before: { path: p('g') }, after: { path: p('g') } });
    expect('diff' in r.a_gone).toBe(false);
    expect(r.t_pres.diff).toEqual({ before: { path: p('g'), state: 'file' }, after: { path: p('g'), state: 'touch' } });
    if (mode === 'check') expect('diff' in r.t_new).toBe(false);
    if (mode === 'rerun') return;
    expect(r.f_mode.diff).toEqual({ before: { path: p('f'), mode: '0644' }, after: { path: p('f'), mode: '0600' } });
    expect(r.t_time.diff.after).toEqual({ path: p('k'), state: 'touch', mtime: expect.any(Number) });
    expect(r.f_owner.diff.after).toEqual({ path: p('g'), owner: 0, group: 0 });
    expect(r.d_new.diff).toEqual(
      mode === 'check'
        ? { before: { path: p('d/e'), state: 'absent' }, after: { path: p('d/e'), state: 'directory' } }
        : { before: { path: p('d/e'), state: 'absent', mode: '0755' }, after: { path: p('d/e'), state: 'directory', mode: '0700' } },
    );
    expect(r.l_change.diff).toEqual({ before: { path: p('l2'), src: 'f' }, after: { path: p('l2'), src: p('g') } });
    expect(r.a_dir.diff.before.path_content).toEqual({ directories: expect.arrayContaining([p('tree/sub'), p('tree/ln')]), files: expect.arrayContaining([p('tree/x'), p('tree/sub/y')]) });
    expect(r.f_nodiff.diff.after).toEqual({ path: p('n'), mode: '0600' });
  });
});
