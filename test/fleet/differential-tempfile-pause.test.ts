/**
 * tempfile and pause through ansible-playbook and nodemend on node23 (paths under
 * /tmp/nmdiff-h20e-tmp-*). tempfile is ansible-core 2.14.18's modules/tempfile.py (mkstemp / mkdtemp:
 * prefix + 8 random characters of `a-z0-9_` + suffix, mode 0600 / 0700, always changed, skipped under --check
 * since the module does not support check mode); pause is its action plugin
 * plugins/action/pause.py, run as a CI runs it (stdin not a terminal): it waits `seconds`, not
 * at all for a bare prompt (warning so), and reads nothing. Compared: registered keys (tempfile's path by its
 * shape, what exit_json adds for it, a stat of what it made; pause's rc, stdout, stderr, delta,
 * echo, user_input and the shape of start/stop), files and changed flags in check, run and rerun.
 * The case removes what tempfile made, so the directory compares equal despite the random names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];
const d = differential(HOST, 'h20e-tmp');

const temp = d.case('tempfile: a file, a directory, the default directory', {
  files: { keep: 'k\n' },
  tasks: `
    - name: a file with a prefix and a suffix in dir
      tempfile: { path: "{{ dir }}", prefix: "nm.", suffix: ".conf" }
      register: t_file
    - name: a directory in dir
      ansible.builtin.tempfile: { state: directory, path: "{{ dir }}", suffix: build }
      register: t_dir
    - name: a file in the host's temporary directory
      tempfile: {}
      register: t_default
    - name: stat the file
      stat: { path: "{{ t_file.path }}" }
      register: s_file
      when: t_file.path is defined
    - name: stat the directory
      stat: { path: "{{ t_dir.path }}" }
      register: s_dir
      when: t_dir.path is defined
    - name: a prefix ending in X keeps its X's
      tempfile: { path: "{{ dir }}", prefix: "nm.XXX" }
      register: t_xxx
    - name: a missing directory fails
      tempfile: { path: "{{ dir }}/missing" }
      register: t_missing
      ignore_errors: true
    - name: remove what tempfile made
      file: { path: "{{ item }}", state: absent }
      loop: "{{ [t_file, t_dir, t_default, t_xxx] | selectattr('path', 'defined') | map(attribute='path') | list }}"
  `,
});

/** From the login directory (/home/ops): `../..{{ dir }}` is `dir`, reached through `..`. */
const relative = d.case('tempfile: a relative path with `..` (mkstemp makes it absolute, mkdtemp keeps it)', {
  files: { sub: { dir: true } },
  tasks: `
    - name: a file under a relative path
      tempfile: { path: "../..{{ dir }}/sub/../sub/" }
      register: t_rel_file
    - name: a directory under a relative path
      tempfile: { state: directory, path: "../..{{ dir }}/sub/../sub/" }
      register: t_rel_dir
    - name: stat the directory where it is
      stat: { path: "{{ dir }}/sub/{{ t_rel_dir.path | basename }}" }
      register: s_rel_dir
      when: t_rel_dir.path is defined
    - name: remove what tempfile made
      file: { path: "{{ dir }}/sub/{{ item | basename }}", state: absent }
      loop: "{{ [t_rel_file, t_rel_dir] | selectattr('path', 'defined') | map(attribute='path') | list }}"
  `,
});

const pause = d.case('pause: seconds, a bare prompt, minutes 0, a fraction, echo off', {
  tasks: `
    - name: one second
      pause: { seconds: 1 }
      register: p_sec
    - name: a prompt without a terminal does not wait
      ansible.builtin.pause: { prompt: "continue?" }
      register: p_prompt
    - name: minutes 0 waits a second
      pause: { minutes: 0 }
      register: p_min
    - name: a fraction is cut, echo off
      pause: { seconds: 1.7, echo: false }
      register: p_frac
  `,
});

beforeAll(() => d.run(), 900_000);

const TEMP_REGS = ['t_file', 't_dir', 't_default', 't_xxx'];
const INFO = ['changed', 'failed', 'skipped', 'msg', 'uid', 'gid', 'owner', 'group', 'mode', 'state', 'size'];
const STAT = ['isreg', 'isdir', 'mode', 'pw_name', 'gr_name'];
const PAUSE_REGS = ['p_sec', 'p_prompt', 'p_min', 'p_frac'];
const PAUSE_KEYS = ['changed', 'failed', 'rc', 'stderr', 'delta', 'echo', 'user_input'];
/**
 * stdout's seconds are measured: "Paused for 1.0 seconds" or 1.01. Compared in whole units, cut as
 * delta's int() cuts them: rounded, a loaded machine's 0.5 s late wake-up in one tool read as 2.
 */
const shape = (r: Record<string, any>) => ({
  ...r,
  stdout: String(r.stdout).replace(/\d+\.\d+/, (x) => String(Math.floor(Number(x)))),
  start: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/.test(r.start),
  stop: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/.test(r.stop),
});

describe.each(MODES)('%s', (mode) => {
  it.each(TEMP_REGS)('tempfile %s: the same keys, the same path shape', (reg) => {
    const n = temp.nodemend[mode].registered[reg];
    const a = temp.ansible[mode].registered[reg];
    const [nk, ak] = sameKeys(n, a, INFO);
    expect(nk).toEqual(ak);
    expect(n?.path === undefined).toBe(a?.path === undefined);
  });
  it('tempfile: the stats of what it made, the missing directory', () => {
    for (const reg of ['s_file', 's_dir']) {
      const n = temp.nodemend[mode].registered[reg];
      const a = temp.ansible[mode].registered[reg];
      const [ns, as] = sameKeys(n?.stat, a?.stat, STAT);
      expect(ns, reg).toEqual(as);
      const [nr, ar] = sameKeys(n, a, ['changed', 'skipped']);
      expect(nr, reg).toEqual(ar);
    }
    const [n, a] = sameKeys(temp.nodemend[mode].registered.t_missing, temp.ansible[mode].registered.t_missing, ['changed', 'failed', 'skipped']);
    expect(n).toEqual(a);
  });
  it('tempfile: the same files and changed flags', () => {
    expect(temp.nodemend[mode].files).toEqual(temp.ansible[mode].files);
    expect(temp.nodemend[mode].changed).toEqual(temp.ansible[mode].changed);
  });
  it.each(PAUSE_REGS)('pause %s: the same result', (reg) => {
    const n = pause.nodemend[mode].registered[reg];
    const a = pause.ansible[mode].registered[reg];
    const [nk, ak] = sameKeys(shape(n), shape(a), [...PAUSE_KEYS, 'stdout', 'start', 'stop']);
    expect(nk).toEqual(ak);
    expect(Object.keys(n).sort()).toEqual(Object.keys(a).sort());
  });
  it('pause: the same changed flags', () => expect(pause.nodemend[mode].changed).toEqual(pause.ansible[mode].changed));
  it("pause: a bare prompt warns that it does not wait, once, in Ansible's words", () => {
    const warning = '[WARNING]: Not waiting for response to prompt as stdin is not interactive';
    const count = (out: string) => out.split(warning).length - 1;
    expect(count(pause.ansible[mode].output), pause.ansible[mode].output).toBe(1);
    expect(count(pause.nodemend[mode].output), pause.nodemend[mode].output).toBe(1);
  });
});

/** tempfile's 8 random characters, which differ between the tools. */
const RANDOM = /\.[a-z0-9_]{8}$/;
describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [relative], {
    registered: { view: (r) => (typeof r?.path === 'string' ? { ...r, path: r.path.replace(RANDOM, '.<random>') } : r), keys: [...INFO, 'path'] },
  });
});

describe('what the compared values are (so equal is not equal-and-wrong)', () => {
  it.each(['ansible', 'nodemend'] as const)("run (%s): a 0600 file and a 0700 directory, named prefix + 8 of Python's a-z0-9_ + suffix", (tool) => {
    const r = temp[tool].run.registered;
    expect(r.t_file).toMatchObject({ changed: true, mode: '0600', state: 'file', size: 0, owner: 'root' });
    expect(r.t_file.path).toMatch(/^<dir>\/nm\.[a-z0-9_]{8}\.conf$/);
    expect(r.t_dir).toMatchObject({ changed: true, mode: '0700', state: 'directory' });
    expect(r.t_dir.path).toMatch(/^<dir>\/ansible\.[a-z0-9_]{8}build$/);
    expect(r.t_default.path).toMatch(/^\/tmp\/ansible\.[a-z0-9_]{8}$/);
    expect(r.t_xxx.path).toMatch(/^<dir>\/nm\.XXX[a-z0-9_]{8}$/);
    expect(r.s_file.stat).toMatchObject({ isreg: true, mode: '0600' });
    expect(r.t_missing).toMatchObject({ failed: true, changed: false });
    expect(r.t_missing.msg).toMatch(/^\[Errno 2\] No such file or directory: '<dir>\/missing\/ansible\.[a-z0-9_]{8}'$/);
    expect(temp[tool].run.files).toEqual({ keep: expect.objectContaining({ type: 'file', content: 'k\n' }) });
  });
  it.each(['ansible', 'nodemend'] as const)('run (%s): a relative file path made absolute with `..` collapsed, a directory path as written', (tool) => {
    const r = relative[tool].run.registered;
    expect(r.t_rel_file).toMatchObject({ changed: true, mode: '0600', state: 'file' });
    expect(r.t_rel_file.path).toMatch(/^<dir>\/sub\/ansible\.[a-z0-9_]{8}$/);
    expect(r.t_rel_dir).toMatchObject({ changed: true, mode: '0700', state: 'directory' });
    expect(r.t_rel_dir.path).toMatch(/^\.\.\/\.\.<dir>\/sub\/\.\.\/sub\/ansible\.[a-z0-9_]{8}$/);
    expect(r.s_rel_dir.stat).toMatchObject({ isdir: true, mode: '0700' });
    expect(relative[tool].run.files).toEqual({ sub: expect.objectContaining({ type: 'dir' }) });
  });
  it('check: tempfile is skipped (the module has no check mode), so is what reads its path', () => {
    const r = temp.nodemend.check.registered;
    const msg = (name: string) => ({ changed: false, failed: false, skipped: true, msg: `remote module (${name}) does not support check mode` });
    expect(r.t_file).toEqual(msg('tempfile'));
    expect(r.t_dir).toEqual(msg('ansible.builtin.tempfile'));
    expect(r.s_file).toMatchObject({ skipped: true });
  });
  it('pause waited its seconds, and not at all for a bare prompt', () => {
    const r = pause.nodemend.run.registered;
    expect(r.p_sec).toMatchObject({ changed: false, rc: 0, delta: 1, echo: true, user_input: '' });
    expect(r.p_sec.stdout).toMatch(/^Paused for 1\.\d+ seconds$/);
    expect(r.p_prompt).toMatchObject({ delta: 0, stdout: 'Paused for 0.0 minutes' });
    expect(r.p_min.stdout).toMatch(/^Paused for 0\.0\d minutes$/);
    expect(r.p_frac).toMatchObject({ delta: 1, echo: false });
  });
});
