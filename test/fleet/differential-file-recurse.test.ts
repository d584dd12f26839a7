/**
 * `file` with `recurse: true` over a tree with links, through ansible-playbook 2.14 and nodemend on
 * the same host (node23, HOSTS.ansibleModules; paths /tmp/nmdiff-h21b-frec-*). 2.14's file.py
 * recursive_set_attributes walks the tree (os.walk, links not entered): every link it meets gets the
 * owner and group itself (lchown) and a mode that changes nothing (no lchmod on Linux); with `follow`
 * a link that leads somewhere also gets them on its target, and a linked directory's contents are
 * walked in turn; a dangling link is only itself. Compared: files, registered results and changed
 * flags in check, run and rerun; the links' own owners through `stat` (a link's file state is its text).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h21b-frec');

const modes = d.case('file recurse with follow: a mode through the links', {
  tasks: `
    - name: a mode with follow, through links to a file, a directory and nowhere
      file: { path: "{{ dir }}/tree", mode: a-x, recurse: true, follow: true }
      register: r_follow
    - name: the same in check mode on the tree as it is now
      file: { path: "{{ dir }}/tree", mode: a-x, recurse: true, follow: true }
      check_mode: true
      register: r_again
    - name: a mode without follow leaves the links' targets
      file: { path: "{{ dir }}/plain", mode: a-x, recurse: true, follow: false }
      register: r_plain
  `,
  files: {
    tree: { dir: true, mode: '0755' },
    'tree/own': { content: 'own\n', mode: '0700' },
    'tree/l': { link: '../tf' },
    'tree/ld': { link: '../td' },
    'tree/gone': { link: 'nothere' },
    tf: { content: 'tf\n', mode: '0700' },
    td: { dir: true, mode: '0700' },
    'td/foo': { content: 'foo\n', mode: '0700' },
    // A link inside the linked directory: followed in turn.
    'td/l2': { link: '../tf2' },
    tf2: { content: 'tf2\n', mode: '0700' },
    plain: { dir: true, mode: '0755' },
    'plain/l': { link: '../pf' },
    'plain/ld': { link: '../pd' },
    pf: { content: 'pf\n', mode: '0700' },
    pd: { dir: true, mode: '0700' },
    'pd/x': { content: 'x\n', mode: '0700' },
  },
});

const OWNED = ['o_plain', 'o_follow', 's_plain_l', 's_plain_gone', 's_follow_l', 's_follow_ld', 's_follow_gone', 's_follow_in'];
const owners = d.case("file recurse: the links' own owner, and with follow their targets'", {
  tasks: `
    - name: an owner without follow
      file: { path: "{{ dir }}/a", owner: ops, recurse: true, follow: false }
      register: o_plain
    - name: an owner with follow
      file: { path: "{{ dir }}/b", owner: ops, recurse: true, follow: true }
      register: o_follow
    - name: stat a link
      stat: { path: "{{ dir }}/a/l" }
      register: s_plain_l
    - name: stat a dangling link
      stat: { path: "{{ dir }}/a/gone" }
      register: s_plain_gone
    - name: stat a followed link
      stat: { path: "{{ dir }}/b/l" }
      register: s_follow_l
    - name: stat a followed link to a directory
      stat: { path: "{{ dir }}/b/ld" }
      register: s_follow_ld
    - name: stat a dangling link with follow
      stat: { path: "{{ dir }}/b/gone" }
      register: s_follow_gone
    - name: stat a link in the linked directory
      stat: { path: "{{ dir }}/bd/in" }
      register: s_follow_in
  `,
  files: {
    a: { dir: true },
    'a/f': 'f\n',
    'a/l': { link: '../af' },
    'a/gone': { link: 'nothere' },
    af: 'af\n',
    b: { dir: true },
    'b/l': { link: '../bf' },
    'b/ld': { link: '../bd' },
    'b/gone': { link: 'nothere' },
    bf: 'bf\n',
    bd: { dir: true },
    'bd/in': { link: '../bf2' },
    bf2: 'bf2\n',
  },
});

beforeAll(() => d.run(), 600_000);

/** The parts of a registered result both tools can share (a stat's times and inode are each path's own). */
function comparable(r: Record<string, any>) {
  const { msg: _m, ...rest } = r ?? {};
  if (rest.stat) {
    const s = rest.stat;
    return { ...rest, stat: { exists: s.exists, islnk: s.islnk, pw_name: s.pw_name, gr_name: s.gr_name, uid: s.uid, mode: s.mode } };
  }
  return rest;
}

describe.each(MODES)('%s', (mode) => {
  it('a mode: the same files, changed flags and registered results', () => {
    const [n, a] = [modes.nodemend[mode], modes.ansible[mode]];
    expect(n.files).toEqual(a.files);
    for (const name of ['r_follow', 'r_plain']) expect(comparable(n.registered[name]), n.output).toEqual(comparable(a.registered[name]));
    // Documented (README "Choices"): a link's mode is never set, so nodemend's --check calls it no change; Ansible's check run does.
    expect(n.tasks, n.output).toEqual(a.tasks.map((t) => (t.name.startsWith('the same in check mode') && mode !== 'check' ? { ...t, changed: false, status: 'ok' as const } : t)));
  });

  it('an owner: the same files and changed flags', () => {
    const [n, a] = [owners.nodemend[mode], owners.ansible[mode]];
    expect(n.tasks, n.output).toEqual(a.tasks);
    expect(n.files).toEqual(a.files);
  });

  it.each(OWNED)('%s: the same registered result', (name) => {
    const [n, a] = [owners.nodemend[mode], owners.ansible[mode]];
    expect(comparable(n.registered[name]), n.output).toEqual(comparable(a.registered[name]));
  });

  // What Ansible does, so the comparisons above cannot pass on two wrong answers.
  it("Ansible: follow reaches the links' targets and a linked directory's contents, never a link's mode", () => {
    const f = modes.ansible[mode].files;
    const m = (p: string) => (f[p] as { mode: string }).mode;
    const changed = mode !== 'check';
    expect([m('tf'), m('td'), m('td/foo'), m('tf2'), m('tree/own')]).toEqual(changed ? ['0600', '0600', '0600', '0600', '0600'] : ['0700', '0700', '0700', '0700', '0700']);
    // Without follow only the tree's own entries: the links' targets keep their modes.
    expect([m('pf'), m('pd'), m('pd/x')]).toEqual(['0700', '0700', '0700']);
    const t = modes.ansible[mode].tasks;
    expect(t.find((x) => x.name.startsWith('the same in check mode'))!.changed).toBe(true);
    const r = owners.ansible[mode].registered;
    const own = (x: string) => r[x].stat.pw_name;
    if (mode === 'check') return expect(own('s_plain_l')).toBe('root');
    expect([own('s_plain_l'), own('s_plain_gone'), own('s_follow_l'), own('s_follow_ld'), own('s_follow_gone'), own('s_follow_in')]).toEqual(['ops', 'ops', 'ops', 'ops', 'ops', 'ops']);
    const o = owners.ansible[mode].files;
    const owner = (p: string) => (o[p] as { owner: string }).owner;
    expect([owner('af'), owner('bf'), owner('bd'), owner('bf2')]).toEqual(['root', 'ops', 'ops', 'ops']);
  });
});
