/**
 * `attributes` (alias `attr`) on file, copy and template through ansible-playbook and nodemend on
 * node23 (paths under /tmp/nmdiff-h19b-*), as ansible-core 2.14.18's module_utils/basic.py
 * set_attributes_if_different: the flags are `lsattr -d`'s without dashes, compared with the value as
 * a string (`=` unless it starts with `+`/`-`), chattr run when they differ and always for `-`.
 * The fleet's files sit on overlayfs over ext4: each carries `e` (extents, which chattr cannot clear),
 * and A, d, s, u, S, c, t can be set; so `Ae` settles while `+A` changes on every run, in both
 * tools. Compared: registered changed/failed/msg, the changed flags, the files and the flags
 * `lsattr -d` shows after each mode (check, run, rerun).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { COPY_CHECK, differential, EXCEPTION, MODES, NO_UPLOAD_SRC, sameKeys, type DifferentialCase } from '../setup/ansible-differential.js';
import { lsattrTask } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];
const d = differential(HOST, 'h19b-attr');

const viaFile = d.case('attributes on file: =, +, -, a directory, touch, a bad flag', {
  files: { f1: 'a\n', f2: 'b\n', d1: { dir: true } },
  tasks: `
    - name: exact flags settle
      file: { path: "{{ dir }}/f1", attributes: Ae }
      register: a_eq
    - name: plus always differs from the flags string
      file: { path: "{{ dir }}/f2", attr: "+d" }
      register: a_plus
    - name: minus always runs chattr
      ansible.builtin.file: { path: "{{ dir }}/f2", attributes: "-d" }
      register: a_minus
    - name: a directory
      file: { path: "{{ dir }}/d1", state: directory, attributes: Ae }
      register: a_dir
    - name: touch a new file with flags
      file: { path: "{{ dir }}/new", state: touch, attributes: de }
      register: a_touch
    - name: a flag chattr does not know
      file: { path: "{{ dir }}/f1", attributes: "+Q" }
      register: a_bad
      ignore_errors: true
    ${lsattrTask('f1 f2 d1 new')}
  `,
});

const viaCopy = d.case('attributes on copy and template: new, rewritten, unchanged content', {
  files: { c2: 'old\n', c3: 'z\n' },
  controllerFiles: { 'templates/t.j2': '{{ 1 + 1 }}\n' },
  tasks: `
    - name: copy a new file with exact flags
      copy: { content: "x\\n", dest: "{{ dir }}/c1", attributes: Ae }
      register: c_new
    - name: copy over a file with plus
      copy: { content: "y\\n", dest: "{{ dir }}/c2", attributes: "+A" }
      register: c_plus
    - name: copy the same content with the alias attr
      copy: { content: "z\\n", dest: "{{ dir }}/c3", attr: "+d" }
      register: c_alias
    - name: template with exact flags
      template: { src: t.j2, dest: "{{ dir }}/t1", attributes: se }
      register: t_flags
    ${lsattrTask('c1 c2 c3 t1')}
  `,
});

beforeAll(() => d.run(), 900_000);

/** The alias task: Ansible's copy action drops `attr` when the content is already right (README "Choices"). */
const ALIAS_TASK = 'copy the same content with the alias attr';
const butAlias = (changed: Record<string, boolean>) => Object.fromEntries(Object.entries(changed).filter(([k]) => k !== ALIAS_TASK));
const KEYS = ['changed', 'failed', 'msg', 'path', 'dest', 'mode', 'state'];
const FILE_REGS = ['a_eq', 'a_plus', 'a_minus', 'a_dir', 'a_touch', 'a_bad'];
const COPY_REGS = ['c_new', 'c_plus', 't_flags'];

describe.each(MODES)('%s', (mode) => {
  it.each(FILE_REGS)('file %s: the same registered keys', (reg) => {
    const [nr, ar] = [viaFile.nodemend[mode].registered[reg], viaFile.ansible[mode].registered[reg]];
    // chattr's failure: 2.14 registers its Python traceback as `exception`, nodemend none (README "Choices").
    const allow = reg === 'a_bad' && ar.failed ? EXCEPTION : [];
    for (const k of allow) expect([k in nr, k in ar], k).toEqual([false, true]);
    const [n, a] = sameKeys(nr, ar, KEYS, allow);
    expect(n).toEqual(a);
  });
  it.each(COPY_REGS)('copy/template %s: the same registered keys', (reg) => {
    const [nr, ar] = [viaCopy.nodemend[mode].registered[reg], viaCopy.ansible[mode].registered[reg]];
    // README "Choices": --check of a change from the controller registers the file nodemend would write
    // (2.14: changed and diff alone); a run's copy from the controller registers no `src` (2.14 names its upload).
    const checkOfChange = mode === 'check' && ar.changed === true;
    const allow = checkOfChange ? COPY_CHECK : ar.src !== undefined && reg !== 't_flags' ? NO_UPLOAD_SRC : [];
    if (checkOfChange) {
      expect(COPY_CHECK.filter((k) => k in ar)).toEqual([]);
      expect(nr).toMatchObject({ dest: expect.any(String), checksum: expect.any(String), md5sum: expect.any(String), size: expect.any(Number) });
    } else for (const k of allow) expect([k in nr, k in ar], k).toEqual([false, true]);
    const [n, a] = sameKeys(nr, ar, ['changed', 'failed', 'dest', 'mode', 'state'], allow);
    expect(n).toEqual(a);
  });
  it('the same changed flags and files (but the documented alias difference)', () => {
    for (const c of [viaFile, viaCopy]) {
      expect(butAlias(c.nodemend[mode].changed), c.name).toEqual(butAlias(c.ansible[mode].changed));
      expect(c.nodemend[mode].files, c.name).toEqual(c.ansible[mode].files);
    }
  });
  it('the same flags on the host afterwards', () => {
    const lines = (c: DifferentialCase, tool: 'ansible' | 'nodemend'): string[] => c[tool][mode].registered.flags.stdout_lines.filter((l: string) => !l.endsWith(' c3'));
    for (const c of [viaFile, viaCopy]) expect(lines(c, 'nodemend'), c.name).toEqual(lines(c, 'ansible'));
  });
});

describe('what the compared values are (so equal is not equal-and-wrong)', () => {
  it('run then rerun: exact flags settle, + and - change every time, a bad flag fails', () => {
    const changed = (mode: 'run' | 'rerun') => FILE_REGS.slice(0, 5).map((r) => viaFile.nodemend[mode].registered[r].changed);
    expect(changed('run')).toEqual([true, true, true, true, true]);
    expect(changed('rerun')).toEqual([false, true, true, false, true]);
    expect(viaFile.nodemend.run.registered.a_bad).toMatchObject({ failed: true, msg: 'chattr failed' });
    expect(viaCopy.nodemend.rerun.registered.c_new.changed).toBe(false);
    expect(viaCopy.nodemend.rerun.registered.c_plus.changed).toBe(true);
    expect(viaCopy.nodemend.rerun.registered.t_flags.changed).toBe(false);
  });
  it('the flags are set: A and e on the copy, s and e on the template, d and e on the touched file', () => {
    expect(viaFile.nodemend.run.registered.flags.stdout_lines).toContainEqual(expect.stringMatching(/^-+d-+e-+ new$/));
    const lines: string[] = viaCopy.nodemend.run.registered.flags.stdout_lines;
    expect(lines.find((l) => l.endsWith(' c1'))).toMatch(/^-+A-+e-+ c1$/);
    expect(lines.find((l) => l.endsWith(' c2'))).toMatch(/^-+A-+e-+ c2$/);
    expect(lines.find((l) => l.endsWith(' t1'))).toMatch(/^s-+e-+ t1$/);
  });
  it('documented: copy with the alias attr on content already right applies it (Ansible 2.14 drops attr there: ok, flags untouched)', () => {
    for (const mode of MODES) {
      expect(viaCopy.ansible[mode].changed[ALIAS_TASK], mode).toBe(false);
      expect(viaCopy.nodemend[mode].changed[ALIAS_TASK], mode).toBe(true);
    }
    const c3 = (tool: 'ansible' | 'nodemend'): string => viaCopy[tool].run.registered.flags.stdout_lines.find((l: string) => l.endsWith(' c3'));
    expect(c3('ansible')).toMatch(/^-+e-+ c3$/);
    expect(c3('nodemend')).toMatch(/^-+d-+e-+ c3$/);
  });
});
