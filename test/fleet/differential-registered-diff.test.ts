/**
 * The `diff` key file-editing modules register, through ansible-playbook 2.14 and nodemend on the
 * same host (node23, HOSTS.ansibleModules; paths /tmp/nmdiff-h18b-diff-*). Ansible 2.14's modules
 * (lineinfile.py present/absent, blockinfile.py, replace.py; module_utils/basic.py
 * set_*_if_different fill the attributes pair): lineinfile and blockinfile register `diff` on every
 * run, changed or not, as `[{before, after, before_header: "PATH (content)", after_header}, {before_header:
 * "PATH (file attributes)", after_header, before/after: the attributes that change}]`, the texts
 * only under --diff ("" with `diff: false`), and in check mode on a file not yet there the content pair alone;
 * replace registers `{before_header: PATH, before, after_header: PATH, after}` when it changes the
 * text under --diff, nothing otherwise. Documented differences (README "Choices"): an owner or group
 * given by name reads as that name in the attributes pair (Ansible's is the uid/gid), and a no_log
 * task's pair has empty texts (nodemend never computes a no_log task's diff). The harness runs
 * check as --check --diff, run and rerun with --diff.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h18b-diff');

const SAME = ['li_create', 'li_add', 'li_same', 'li_mode', 'li_nodiff', 'li_absent', 'bi_add', 'bi_owner', 'rep', 'rep_same'];
const edits = d.case('registered diff of lineinfile, blockinfile and replace: changed, unchanged, attributes, diff: false', {
  tasks: `
    - name: lineinfile creates
      lineinfile: { path: "{{ dir }}/new", line: a, create: true }
      register: li_create
    - name: lineinfile adds
      lineinfile: { path: "{{ dir }}/f", line: b }
      register: li_add
    - name: lineinfile finds
      lineinfile: { path: "{{ dir }}/f", line: a }
      register: li_same
    - name: lineinfile mode
      lineinfile: { path: "{{ dir }}/f", line: a, mode: "0600" }
      register: li_mode
    - name: lineinfile diff false
      lineinfile: { path: "{{ dir }}/f", line: a }
      diff: false
      register: li_nodiff
    - name: lineinfile absent, nothing matches
      lineinfile: { path: "{{ dir }}/f", regexp: "^zzz", state: absent }
      register: li_absent
    - name: blockinfile adds
      blockinfile: { path: "{{ dir }}/g", block: x }
      register: bi_add
    - name: blockinfile owner by id
      blockinfile: { path: "{{ dir }}/g", block: x, owner: "0" }
      register: bi_owner
    - name: replace changes
      replace: { path: "{{ dir }}/h", regexp: "o", replace: "0" }
      register: rep
    - name: replace finds nothing
      replace: { path: "{{ dir }}/h", regexp: "zzz", replace: "0" }
      register: rep_same
    - name: blockinfile owner by name
      blockinfile: { path: "{{ dir }}/k", block: x, owner: root }
      register: bi_named
    - name: lineinfile no_log
      lineinfile: { path: "{{ dir }}/s", line: secret }
      no_log: true
      register: li_secret
  `,
  files: { f: 'a\n', g: { content: 'y\n', owner: 'ops' }, h: 'foo\n', k: { content: 'y\n', owner: 'ops' }, s: 'x\n' },
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  it('the same changed flags and files', () => {
    expect(edits.nodemend[mode].tasks, edits.nodemend[mode].output).toEqual(edits.ansible[mode].tasks);
    expect(edits.nodemend[mode].files).toEqual(edits.ansible[mode].files);
  });

  it.each(SAME)('%s: the same registered diff (or none)', (name) => {
    const n = edits.nodemend[mode].registered[name];
    const a = edits.ansible[mode].registered[name];
    expect({ has: 'diff' in n, diff: n.diff }, edits.nodemend[mode].output).toEqual({ has: 'diff' in a, diff: a.diff });
  });

  // What Ansible registers, so the comparison above cannot pass on two wrong answers.
  it('Ansible: lineinfile registers both pairs changed or not; the texts only under --diff; replace only when it changes', () => {
    const r = edits.ansible[mode].registered;
    const pair = (what: string, path: string) => ({ before_header: `<dir>/${path} (${what})`, after_header: `<dir>/${path} (${what})` });
    expect(r.li_create.diff).toEqual(
      mode === 'check' ? { before: '', after: 'a\n', ...pair('content', 'new') } : [{ before: mode === 'run' ? '' : 'a\n', after: 'a\n', ...pair('content', 'new') }, pair('file attributes', 'new')],
    );
    expect(r.li_nodiff.diff).toEqual([{ before: '', after: '', ...pair('content', 'f') }, pair('file attributes', 'f')]);
    if (mode !== 'rerun') {
      expect(r.li_mode.diff[1]).toEqual({ before: { mode: '0644' }, after: { mode: '0600' }, ...pair('file attributes', 'f') });
      expect(r.bi_owner.diff[1]).toMatchObject({ before: { owner: expect.any(Number) }, after: { owner: 0 } });
      expect(r.rep.diff).toEqual({ before_header: '<dir>/h', before: 'foo\n', after_header: '<dir>/h', after: 'f00\n' });
    }
    expect('diff' in r.rep_same).toBe(false);
  });

  it('documented: an owner given by name reads as the name, where Ansible has its uid', () => {
    const n = edits.nodemend[mode].registered.bi_named.diff;
    const a = edits.ansible[mode].registered.bi_named.diff;
    if (mode === 'rerun') return expect(n).toEqual(a);
    expect(a[1].after).toEqual({ owner: 0 });
    expect(n[1].after).toEqual({ owner: 'root' });
    expect({ ...n[1], after: a[1].after }).toEqual(a[1]);
    expect(n[0]).toEqual(a[0]);
  });

  it('documented: a no_log task registers its pair with empty texts, where Ansible shows the file', () => {
    const n = edits.nodemend[mode].registered.li_secret.diff;
    const a = edits.ansible[mode].registered.li_secret.diff;
    expect(a[0].after).toContain('secret');
    expect(n).toEqual([{ ...a[0], before: '', after: '' }, a[1]]);
  });
});
