/**
 * `file` without `state`, through ansible-playbook 2.14 and nodemend on the same host (node23,
 * HOSTS.ansibleModules; paths /tmp/nmdiff-h20a-fnostate-*). 2.14's file.py additional_parameter_handling
 * takes the path's own state (get_state: link, directory, hard for a file with several links, file),
 * or for a path not there `directory` with `recurse` and `file` without; then `recurse` needs
 * `directory` and `src` needs `link` or `hard`. Compared: files, registered results and changed flags
 * in check, run and rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h20a-fnostate');

const NAMES = ['rec_owner', 'rec_new', 'link_mode', 'link_src', 'hard_made', 'hard_mode', 'file_mode', 'dir_mode', 'src_file', 'rec_file', 'ghost'];
const c = d.case('file without state: the path decides', {
  tasks: `
    - name: recurse without state on a directory
      file: { path: "{{ dir }}/tree", owner: ops, recurse: true }
      register: rec_owner
    - name: recurse without state on a path not there
      file: { path: "{{ dir }}/newtree/sub", mode: "0750", recurse: true }
      register: rec_new
    - name: a link's target's mode without state
      file: { path: "{{ dir }}/l", mode: "0600" }
      register: link_mode
    - name: a link pointed elsewhere without state
      file: { path: "{{ dir }}/l2", src: "{{ dir }}/m" }
      register: link_src
    - name: a second link to a file
      file: { path: "{{ dir }}/h2", src: "{{ dir }}/h1", state: hard }
      register: hard_made
    - name: a file with two links without state
      file: { path: "{{ dir }}/h1", mode: "0640" }
      ignore_errors: true
      register: hard_mode
    - name: a file without state
      file: { path: "{{ dir }}/f", mode: "0600" }
      register: file_mode
    - name: a directory without state
      file: { path: "{{ dir }}/dd", mode: "0700" }
      register: dir_mode
    - name: src without state on a file
      file: { path: "{{ dir }}/g", src: "{{ dir }}/m" }
      ignore_errors: true
      register: src_file
    - name: recurse without state on a file
      file: { path: "{{ dir }}/g", recurse: true }
      ignore_errors: true
      register: rec_file
    - name: a path not there without state
      file: { path: "{{ dir }}/ghost" }
      ignore_errors: true
      register: ghost
  `,
  files: {
    'tree/x': 'x\n',
    'tree/sub/y': 'y\n',
    l: { link: 'm' },
    l2: { link: 'f' },
    m: { content: 'm\n', mode: '0644' },
    f: 'f\n',
    // Its own file for the refusals: in --check nodemend's failure describes a path as the run's earlier tasks leave it.
    g: 'g\n',
    h1: { content: 'h\n', mode: '0644' },
    dd: { dir: true, mode: '0755' },
  },
});

const TIMES = ['d_time', 'd_now'];
const dirTimes = d.case('file: times on a directory the task creates', {
  tasks: `
    - name: a new directory with a formatted mtime
      file: { path: "{{ dir }}/dt", state: directory, modification_time: "202202081414.00", access_time: preserve }
      register: d_time
    - name: a new directory with both times now
      file: { path: "{{ dir }}/dn", state: directory, modification_time: now, access_time: now }
      register: d_now
  `,
});

const WARNED = ['w_missing', 'w_ids', 'w_exist'];
const warned = d.case('file in --check: warnings for an owner or group the host lacks', {
  tasks: `
    - name: a missing owner and group by name
      file: { path: "{{ dir }}/w", owner: nm_h20a_nobody, group: nm_h20a_nogroup }
      check_mode: true
      ignore_errors: true
      register: w_missing
    - name: a missing owner and group by id
      file: { path: "{{ dir }}/w", owner: "111118", group: "111119", state: touch }
      check_mode: true
      ignore_errors: true
      register: w_ids
    - name: an owner and group there
      file: { path: "{{ dir }}/w", owner: root, group: "0", state: touch }
      check_mode: true
      register: w_exist
  `,
});

const LINKS = ['l_retarget', 'l_over_file', 'l_new'];
const linkCheck = d.case("file: a link's attributes in --check, against what the path leads to now", {
  tasks: `
    - name: a link pointed at another file, with a mode
      file: { path: "{{ dir }}/l7", src: n7, state: link, mode: "0640" }
      register: l_retarget
    - name: a file replaced by a link, with a mode
      file: { path: "{{ dir }}/f7", src: n7, state: link, mode: "0604", force: true }
      register: l_over_file
    - name: a new link, with an owner
      file: { path: "{{ dir }}/new7", src: m7, state: link, owner: ops }
      register: l_new
  `,
  files: { l7: { link: 'm7' }, m7: { content: 'm\n', mode: '0644' }, n7: { content: 'n\n', mode: '0600' }, f7: { content: 'f\n', mode: '0660' } },
});

beforeAll(() => d.run(), 600_000);

/** A seeded path's times differ between the tools' directories: they read as their type. */
function comparable(r: Record<string, any>) {
  const { msg: _m, ...rest } = r ?? {};
  const side = (o: Record<string, unknown> | undefined) => o && Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'mtime' || k === 'atime' ? typeof v : v]));
  // A link's size is its text's length: the tools' directories differ in length ("-ansible", "-nodemend").
  const sized = rest.state === 'link' && String(rest.src).startsWith('<dir>') ? { ...rest, size: 'the length of src' } : rest;
  return rest.diff ? { ...sized, diff: { before: side(rest.diff.before), after: side(rest.diff.after) } } : sized;
}

describe.each(MODES)('%s', (mode) => {
  it('the same changed flags and files', () => {
    expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
  });

  it.each(NAMES)('%s: the same registered result', (name) => {
    const n = c.nodemend[mode].registered[name];
    const a = c.ansible[mode].registered[name];
    expect(comparable(n), c.nodemend[mode].output).toEqual(comparable(a));
  });

  it("the refusals in Ansible's words", () => {
    const [a, n] = [c.ansible[mode].registered, c.nodemend[mode].registered];
    expect(a.src_file.msg).toBe("src option requires state to be 'link' or 'hard'");
    expect(a.rec_file.msg).toBe("recurse option requires state to be 'directory'");
    expect([n.src_file.msg, n.rec_file.msg, n.ghost.msg]).toEqual([a.src_file.msg, a.rec_file.msg, a.ghost.msg]);
  });

  it.each(TIMES)("%s: times on a new directory in the registered diff (a time mkdir gave or the module's clock: a number)", (name) => {
    const [n, a] = [dirTimes.nodemend[mode], dirTimes.ansible[mode]];
    expect(n.tasks, n.output).toEqual(a.tasks);
    expect(n.files).toEqual(a.files);
    const shape = (r: Record<string, any>) => {
      const side = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'atime' || (k === 'mtime' && (o === r.diff.before || name === 'd_now')) ? typeof v : v]));
      return { ...r, msg: undefined, diff: { before: side(r.diff.before), after: side(r.diff.after) } };
    };
    expect(shape(n.registered[name]), n.output).toEqual(shape(a.registered[name]));
    if (mode === 'run') expect(Object.keys(a.registered[name].diff.after).sort()).toEqual(name === 'd_now' ? ['atime', 'mtime', 'path', 'state'] : ['mtime', 'path', 'state']);
  });

  it.each(WARNED)("%s: check_owner_exists' warnings, in the result or the failure", (name) => {
    const [n, a] = [warned.nodemend[mode], warned.ansible[mode]];
    expect(n.tasks, n.output).toEqual(a.tasks);
    expect(comparable(n.registered[name]), n.output).toEqual(comparable(a.registered[name]));
    const w = a.registered;
    expect(w.w_missing.warnings).toEqual([
      'failed to look up user nm_h20a_nobody. Create user up to this point in real play',
      'failed to look up group nm_h20a_nogroup. Create group up to this point in real play',
    ]);
    expect(w.w_ids.warnings).toEqual([
      'failed to look up user with uid 111118. Create user up to this point in real play',
      'failed to look up group with gid 111119. Create group up to this point in real play',
    ]);
    expect(w.w_exist.warnings).toBeUndefined();
  });

  it.each(LINKS)("%s: a link's registered diff", (name) => {
    const [n, a] = [linkCheck.nodemend[mode], linkCheck.ansible[mode]];
    expect(n.tasks, n.output).toEqual(a.tasks);
    expect(n.files).toEqual(a.files);
    expect(n.registered[name].diff, n.output).toEqual(a.registered[name].diff);
    if (mode === 'check' && name === 'l_retarget') expect(a.registered[name].diff.before.mode).toBe('0644');
    if (mode === 'run' && name === 'l_retarget') expect(a.registered[name].diff.before.mode).toBe('0600');
  });

  // What Ansible registers, so the comparisons above cannot pass on two wrong answers.
  it('Ansible: the state each path had', () => {
    const r = c.ansible[mode].registered;
    expect([r.rec_owner.state, r.link_mode.state, r.file_mode.state, r.dir_mode.state]).toEqual(['directory', 'link', 'file', 'directory']);
    expect(r.rec_owner.changed).toBe(mode !== 'rerun');
    if (mode === 'check')
      expect(r.rec_new).toEqual(expect.objectContaining({ changed: true, diff: { before: { path: '<dir>/newtree/sub', state: 'absent' }, after: { path: '<dir>/newtree/sub', state: 'directory' } } }));
    if (mode !== 'check') expect([r.hard_mode.state, r.hard_mode.src]).toEqual(['hard', null]);
  });
});
