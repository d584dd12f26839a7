/**
 * `file`'s modification_time / access_time where 2.14 does something a user might not expect,
 * through ansible-playbook 2.14 and nodemend on the same host (node23, HOSTS.ansibleModules; paths
 * /tmp/nmdiff-h22b-ftimes-*). 2.14's ensure_directory sets the times of the whole path after making
 * each missing level (update_timestamp_for_file), so a new directory more than one level deep fails
 * once its first level is made: a rerun makes the next. Compared: files, registered results and
 * changed flags in check, run and rerun.
 *
 * With `recurse`, 2.14's recursive_set_attributes gives the times to every entry (update_timestamp_for_file,
 * whose os.stat and os.utime follow a link: a link's final target gets them with or without `follow`,
 * and a link that leads nowhere fails the task). Without `state` on an existing link (or a file with
 * several links) ensure_symlink (ensure_hardlink) sets them on the final target (the inode); so
 * they do with `state: link` (once the link is made, on src's final target; 2.14's check run compares
 * them with what the path leads to now) and `state: hard` (the inode; a symlink replaced with follow:
 * where it led, file.py having followed it first), and `state: absent` ignores them. The
 * times are compared through a listing (`find -L`: a link reads as its target): every path is given
 * old times (1e9) once, before the first run, so a time reads `old`, `new` (a fraction: now) or a
 * whole second set.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h22b-ftimes');

/** Old times on every path of the case, once (check mode's run leaves them for the run and rerun); `more` runs first. */
const oldTimes = (more = '') => `
    - name: old times on every path, once
      shell: { cmd: "${more}touch marker && find . -exec touch -h -d @1000000000 {} +", chdir: "{{ dir }}", creates: "{{ dir }}/marker" }
      check_mode: false
      changed_when: false`;
/** The times of every path (a link: its target's), registered as \`times\`. */
const listTimes = `
    - name: the times
      shell: { cmd: "find -L . -mindepth 1 ! -name 'marker*' -printf '%P %T@ %A@\\n' | sort", chdir: "{{ dir }}" }
      check_mode: false
      changed_when: false
      failed_when: false
      register: times`;
const T = '"202202081414.00"';

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

const tree = d.case('file recurse: times on every entry, through the links', {
  tasks: `${oldTimes()}
    - name: a time with follow
      file: { path: "{{ dir }}/tree", recurse: true, modification_time: ${T}, access_time: preserve }
      register: r_follow
    - name: a time without follow
      file: { path: "{{ dir }}/plain", recurse: true, follow: false, modification_time: ${T}, access_time: preserve }
      register: r_plain
    - name: both times now
      file: { path: "{{ dir }}/nowtree", recurse: true, modification_time: now, access_time: now }
      register: r_now
    - name: one time now
      file: { path: "{{ dir }}/halfnow", recurse: true, modification_time: now }
      register: r_half
    - name: both times preserved
      file: { path: "{{ dir }}/kept", recurse: true, modification_time: preserve, access_time: preserve }
      register: r_kept
${listTimes}
  `,
  files: {
    'tree/f': 'f\n',
    'tree/sub/g': 'g\n',
    'tree/l': { link: '../tf' },
    'tree/ld': { link: '../td' },
    tf: 'tf\n',
    'td/x': 'x\n',
    'plain/f': 'f\n',
    'plain/l': { link: '../pf' },
    'plain/ld': { link: '../pd' },
    pf: 'pf\n',
    'pd/x': 'x\n',
    'nowtree/f': 'f\n',
    'nowtree/l': { link: '../nf' },
    nf: 'nf\n',
    'halfnow/f': 'f\n',
    'kept/f': 'f\n',
  },
});

const links = d.case('file without state on a link or a multi-linked file: times on the target', {
  tasks: `${oldTimes('ln h h2 && ')}
    - name: a time on a link with follow
      file: { path: "{{ dir }}/l", modification_time: ${T}, access_time: preserve }
      register: l_follow
    - name: a time on a link without follow
      file: { path: "{{ dir }}/lnf", follow: false, modification_time: ${T}, access_time: preserve }
      register: l_plain
    - name: a time on a link that leads nowhere, with follow
      file: { path: "{{ dir }}/dang", modification_time: ${T}, access_time: preserve }
      register: l_dangling
    - name: a time on a file with two links
      file: { path: "{{ dir }}/h", modification_time: ${T}, access_time: preserve }
      register: l_hard
${listTimes}
  `,
  files: { l: { link: 'lt' }, lt: 'lt\n', lnf: { link: 'lt2' }, lt2: 'lt2\n', dang: { link: 'nowhere' }, h: 'h\n' },
});

const states = d.case('file times with state link, hard and absent', {
  tasks: `${oldTimes('ln kht kh && ')}
    - name: other old times on what the replaced links led to and the replaced file
      shell: { cmd: "touch -d @1000000100 rlold shold fh && touch marker-2", chdir: "{{ dir }}", creates: "{{ dir }}/marker-2" }
      check_mode: false
      changed_when: false
    - name: a new link with a time
      file: { path: "{{ dir }}/nl", src: nlt, state: link, modification_time: ${T}, access_time: preserve }
      register: k_new
    - name: a link re-pointed with a time
      file: { path: "{{ dir }}/rl", src: rlnew, state: link, modification_time: ${T}, access_time: preserve }
      register: k_repoint
    - name: a new link without follow with a time
      file: { path: "{{ dir }}/nfl", src: nflt, state: link, follow: false, modification_time: ${T}, access_time: preserve }
      register: k_nofollow
    - name: a link kept, both times now
      file: { path: "{{ dir }}/kl", src: klt, state: link, modification_time: now, access_time: now }
      register: k_now
    - name: a link kept, times preserved
      file: { path: "{{ dir }}/kl", src: klt, state: link, modification_time: preserve, access_time: preserve }
      register: k_preserve
    - name: a new link to nothing with a time
      file: { path: "{{ dir }}/dl", src: nowhere, state: link, force: true, modification_time: ${T} }
      register: k_dangling
    - name: a new hard link with a time
      file: { path: "{{ dir }}/nh", src: "{{ dir }}/nht", state: hard, modification_time: ${T}, access_time: preserve }
      register: h_new
    - name: a file replaced by a hard link with a time
      file: { path: "{{ dir }}/fh", src: "{{ dir }}/fht", state: hard, force: true, modification_time: ${T}, access_time: preserve }
      register: h_force
    - name: a symlink replaced by a hard link with a time
      file: { path: "{{ dir }}/sh", src: "{{ dir }}/sht", state: hard, modification_time: ${T}, access_time: preserve }
      register: h_symlink
    - name: a hard link kept, both times now
      file: { path: "{{ dir }}/kh", src: "{{ dir }}/kht", state: hard, modification_time: now, access_time: now }
      register: h_now
    - name: absent with times
      file: { path: "{{ dir }}/gone", state: absent, modification_time: "not a time", access_time: now }
      register: a_absent
${listTimes}
  `,
  files: {
    nlt: 'nlt\n',
    rl: { link: 'rlold' },
    rlold: 'rlold\n',
    rlnew: 'rlnew\n',
    nflt: 'nflt\n',
    kl: { link: 'klt' },
    klt: 'klt\n',
    nht: 'nht\n',
    fh: 'fh\n',
    fht: 'fht\n',
    sh: { link: 'shold' },
    shold: 'shold\n',
    sht: 'sht\n',
    kht: 'kht\n',
    gone: 'gone\n',
  },
});

const dangling = d.case('file times over a link that leads nowhere', {
  tasks: `${oldTimes()}
    - name: recurse with a time over a tree holding a dangling link
      file: { path: "{{ dir }}/bad", recurse: true, modification_time: ${T}, access_time: preserve }
      ignore_errors: true
      register: t_tree
    - name: a time on a dangling link without follow
      file: { path: "{{ dir }}/dl", follow: false, modification_time: ${T}, access_time: preserve }
      ignore_errors: true
      register: t_link
    - name: a new link to nothing without follow with a time
      file: { path: "{{ dir }}/nd", src: nowhere, state: link, force: true, follow: false, modification_time: ${T}, access_time: preserve }
      ignore_errors: true
      register: t_new
${listTimes}
  `,
  // The tree holds the link alone: which entries 2.14's walk meets before it is readdir's order.
  files: { 'bad/gone': { link: 'nothere' }, dl: { link: 'nowhere' } },
});

beforeAll(() => d.run(), 600_000);

/** A time as float seconds: the old one set before the first run, a whole second set, or a new one (now). */
const when = (v: unknown) => {
  const n = Number(v);
  return n === 1e9 ? 'old' : Number.isInteger(n) ? `at ${n}` : 'new';
};
/**
 * The listing's lines as `path mtime atime`, read by \`when\`; a file result's diff times so too.
 * (The hosts mount with relatime: a read of an entry whose atime is not after its mtime gives it a
 * new atime, so Ansible's own answers below read the mtimes only.)
 */
function timesView(value: any, name: string) {
  if (value == null) return value;
  if (name === 'times')
    return (value.stdout_lines as string[]).map((l) =>
      l
        .split(' ')
        .map((f, i) => (i ? when(f) : f))
        .join(' '),
    );
  // A link that leads nowhere with follow: Ansible warns, nodemend skips it silently (README, `file` `state: link`).
  const r = name === 'l_dangling' || name === 'k_dangling' ? { ...value, warnings: undefined } : { ...value };
  // nodemend's own msg on a success (Ansible's file says none).
  if (!r.failed) delete r.msg;
  if (!r.diff) return r;
  const side = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, k === 'mtime' || k === 'atime' ? when(v) : v]));
  return { ...r, diff: { before: side(r.diff.before), after: side(r.diff.after) } };
}
/** Ansible's listing as `path mtime`. */
const mtimes = (r: any): string[] => (r.stdout_lines as string[]).map((l) => `${l.split(' ')[0]} ${when(l.split(' ')[1])}`);

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [tree, links, states], { registered: { view: timesView } });

  it("Ansible: state link and hard set the times on the link's final target (a replaced symlink's, with hard), absent ignores them", () => {
    const a = states.ansible[mode];
    const lines = mtimes(a.registered.times);
    const set = mode === 'check' ? 'old' : 'at 1644329640';
    expect(lines).toEqual(expect.arrayContaining([`nlt ${set}`, `rlnew ${set}`, `nflt ${set}`, `nht ${set}`, `fht ${set}`, 'rlold at 1000000100', `klt ${mode === 'check' ? 'old' : 'new'}`]));
    // The symlink's old target got the time, not the inode linked; the rerun (a hard link kept) gives it that inode.
    expect(lines).toEqual(expect.arrayContaining([`shold ${mode === 'check' ? 'at 1000000100' : set}`, `sht ${mode === 'rerun' ? set : 'old'}`]));
    expect(lines.some((l) => l.startsWith('gone '))).toBe(mode === 'check');
    expect(a.changed).toMatchObject({
      'a new link with a time': mode !== 'rerun',
      'a link re-pointed with a time': mode !== 'rerun',
      'a new link without follow with a time': mode !== 'rerun',
      'a link kept, both times now': true,
      'a link kept, times preserved': false,
      'a new link to nothing with a time': mode !== 'rerun',
      'a new hard link with a time': mode !== 'rerun',
      'a file replaced by a hard link with a time': mode !== 'rerun',
      'a symlink replaced by a hard link with a time': true,
      'a hard link kept, both times now': true,
      'absent with times': mode !== 'rerun',
    });
    // Its check run makes no link: the times compared are what the path leads to now (the old target), none for a path not there yet.
    if (mode === 'check') {
      expect(a.registered.k_repoint.diff.before).toMatchObject({ src: 'rlold', mtime: 1000000100 });
      expect(a.registered.k_new.diff.before.mtime).toBeUndefined();
    }
    if (mode === 'run') expect(a.registered.k_repoint.diff.before).toMatchObject({ src: 'rlold', mtime: 1e9 });
  });

  // What Ansible does, so the comparisons cannot pass on two wrong answers.
  it("Ansible: every entry gets the time, a link's target too (with or without follow); now changes every run", () => {
    const a = tree.ansible[mode];
    const lines = mtimes(a.registered.times);
    const set = mode === 'check' ? 'old' : 'at 1644329640';
    for (const p of ['tree/f', 'tree/sub/g', 'tree/l', 'tree/ld/x', 'tf', 'td/x', 'plain/f', 'plain/l', 'pf', 'pd']) expect(lines, p).toContain(`${p} ${set}`);
    // Without follow the linked directory itself gets the time, not its contents.
    expect(lines).toContain('pd/x old');
    expect(a.changed).toMatchObject({ 'a time with follow': mode !== 'rerun', 'a time without follow': mode !== 'rerun', 'both times now': true, 'one time now': true, 'both times preserved': false });
    if (mode !== 'check') expect(lines).toEqual(expect.arrayContaining(['nowtree/f new', 'nf new', 'halfnow/f new', 'kept/f old']));
  });

  it("Ansible: without state the link's final target gets the time, a dangling link with follow nothing", () => {
    const a = links.ansible[mode];
    const lines = mtimes(a.registered.times);
    const set = mode === 'check' ? 'old' : 'at 1644329640';
    expect(lines).toEqual(expect.arrayContaining([`lt ${set}`, `lt2 ${set}`, `h ${set}`, `h2 ${set}`, 'dang old']));
    expect(a.changed).toMatchObject({
      'a time on a link with follow': mode !== 'rerun',
      'a time on a link without follow': mode !== 'rerun',
      'a time on a link that leads nowhere, with follow': false,
      'a time on a file with two links': mode !== 'rerun',
    });
  });

  it('a dangling link below a recursed directory fails with Ansible\'s message; nodemend changes nothing first (README "Choices")', () => {
    const [n, a] = [dangling.nodemend[mode], dangling.ansible[mode]];
    const failure = { changed: false, failed: true, msg: "Error while updating modification or access time: [Errno 2] No such file or directory: b'<dir>/bad/gone'", path: '<dir>/bad/gone' };
    expect(a.registered.t_tree).toEqual(failure);
    expect(n.registered.t_tree, n.output).toEqual(failure);
    const [nl, al] = [mtimes(n.registered.times), mtimes(a.registered.times)];
    // 2.14 set the directory's own time before its walk met the link; nodemend fails before any change.
    expect(al).toContain(`bad ${mode === 'check' ? 'old' : 'at 1644329640'}`);
    expect(nl).toContain('bad old');
    expect(
      nl.filter((l) => !l.startsWith('bad ')),
      n.output,
    ).toEqual(al.filter((l) => !l.startsWith('bad ')));
    expect(n.files).toEqual(a.files);
  });

  it('a new link to nothing without follow with a time: 2.14 makes it, then fails; in --check nodemend fails too (README "Choices")', () => {
    const [n, a] = [dangling.nodemend[mode], dangling.ansible[mode]];
    const failure = { changed: false, failed: true, msg: "Error while updating modification or access time: [Errno 2] No such file or directory: b'<dir>/nd'", path: '<dir>/nd' };
    expect(n.registered.t_new, n.output).toEqual(failure);
    if (mode === 'check') expect(a.registered.t_new).toMatchObject({ changed: true, dest: '<dir>/nd', src: 'nowhere' });
    else expect(a.registered.t_new).toEqual(failure);
    expect([n.files.nd, a.files.nd]).toEqual(
      mode === 'check'
        ? [undefined, undefined]
        : [
            { type: 'link', target: 'nowhere' },
            { type: 'link', target: 'nowhere' },
          ],
    );
  });

  it('a time on a dangling link without follow fails, in --check too in nodemend (README "Choices")', () => {
    const [n, a] = [dangling.nodemend[mode], dangling.ansible[mode]];
    const failure = { changed: false, failed: true, msg: "Error while updating modification or access time: [Errno 2] No such file or directory: b'<dir>/dl'", path: '<dir>/dl' };
    expect(n.registered.t_link, n.output).toEqual(failure);
    // Ansible's check run returns before the times (the path leads nowhere).
    if (mode === 'check') expect(a.registered.t_link).toMatchObject({ changed: false });
    else expect(a.registered.t_link).toEqual(failure);
  });
});

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
