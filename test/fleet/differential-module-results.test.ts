/**
 * Registered results of unarchive, replace, get_url, find, stat, file and copy through
 * ansible-playbook (Debian's ansible-core 2.14) and nodemend on node23 (the Ansible modules
 * differential host, paths /tmp/nmdiff-h18c-*): the same keys, the same values where a value
 * does not depend on the tool (a temp file's name, a duration), the same changed flags and files,
 * in check mode, the first run and a rerun. Where nodemend differs on purpose (README "Choices"),
 * the difference is asserted.
 *
 * The archive is built on the controller with GNU tar; get_url downloads from Python's own
 * http.server (python3 -m http.server on 127.0.0.1, which the fleet shares), a real server that
 * answers If-Modified-Since with 304 as Ansible's conditional request expects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differential, MODES, type Mode } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'h18c-results');
const local = mkdtempSync(join(tmpdir(), 'nm-h18c-results-'));
const ARCHIVE = join(local, 'tree.tar.gz');
const www = join(local, 'www');
const BODY = 'payload v1\n';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
/** Filled in beforeAll, before the playbooks are written. */
const web: Record<string, string> = { base: '' };

const unarchive = d.case('unarchive: fresh, extracted, list_files, creates', {
  vars: { archive: ARCHIVE },
  tasks: `
    - name: extract into an empty directory
      unarchive: { src: "{{ archive }}", dest: "{{ dir }}/out", list_files: true }
      register: u_fresh
    - name: extract into done (in --check too)
      unarchive: { src: "{{ archive }}", dest: "{{ dir }}/done" }
      check_mode: false
    - name: extract into a directory that already holds it
      unarchive: { src: "{{ archive }}", dest: "{{ dir }}/done" }
      register: u_same
    - name: creates names a path that exists
      unarchive: { src: "{{ archive }}", dest: "{{ dir }}/out", creates: "{{ dir }}/seed" }
      register: u_creates
  `,
  files: { 'out/.keep': '', done: { dir: true }, seed: 'x\n' },
});

const replace = d.case('replace: made, none, missing file', {
  tasks: `
    - name: replace a word
      replace: { path: "{{ dir }}/conf", regexp: 'quiet', replace: 'quiet splash' , backup: true }
      register: r_made
    - name: nothing matches
      replace: { path: "{{ dir }}/conf", regexp: 'absent-word', replace: x }
      register: r_none
    - name: the file is missing
      replace: { path: "{{ dir }}/missing", regexp: a, replace: b }
      register: r_missing
      ignore_errors: true
  `,
  files: { conf: 'GRUB_CMDLINE="quiet"\n' },
});

const getUrl = d.case('get_url: download, checksum, force', {
  vars: web,
  tasks: `
    - name: download
      get_url: { url: "{{ base }}/payload.txt", dest: "{{ dir }}/plain" }
      register: g_plain
    - name: download with a checksum
      get_url: { url: "{{ base }}/payload.txt", dest: "{{ dir }}/summed", checksum: "sha256:${sha256(BODY)}" }
      register: g_sum
    - name: download with force
      get_url: { url: "{{ base }}/payload.txt", dest: "{{ dir }}/forced", force: true }
      register: g_force
  `,
});

const files = d.case('find, stat, file, copy: key sets', {
  tasks: `
    - name: find
      find: { paths: "{{ dir }}", patterns: "*.conf" }
      register: k_find
    - name: stat
      stat: { path: "{{ dir }}/a.conf" }
      register: k_stat
    - name: file
      file: { path: "{{ dir }}/sub", state: directory, mode: "0750" }
      register: k_file
    - name: copy
      copy: { content: "new\\n", dest: "{{ dir }}/b.conf" }
      register: k_copy
  `,
  files: { 'a.conf': 'a\n' },
});

let server: ChildProcess | undefined;
beforeAll(async () => {
  mkdirSync(join(local, 'tree/sub'), { recursive: true });
  writeFileSync(join(local, 'tree/a.txt'), 'alpha\n');
  writeFileSync(join(local, 'tree/sub/b.txt'), 'beta\n');
  execFileSync('tar', ['-czf', ARCHIVE, '-C', join(local, 'tree'), 'a.txt', 'sub']);
  mkdirSync(www);
  writeFileSync(join(www, 'payload.txt'), BODY);
  const old = new Date('2024-01-01T00:00:00Z');
  utimesSync(join(www, 'payload.txt'), old, old);
  server = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', www, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  web.base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server!.on('exit', (code) => reject(new Error(`http.server exited ${code}: ${out}`)));
  });
  await d.run();
}, 900_000);
afterAll(() => {
  server?.kill();
  rmSync(local, { recursive: true, force: true });
});

type Result = Record<string, any> | null | undefined;
/** A result's keys, less `invocation` (Ansible's module_args echo) and a `msg` Ansible's result lacks (nodemend words every outcome). */
const keysOf = (r: Result, other: Result): string[] =>
  Object.keys(r ?? {})
    .filter((k) => k !== 'invocation' && !(k === 'msg' && !(other && 'msg' in other)))
    .sort();
/** The values of `r` less the keys whose values are by nature a tool's own (temp file names, durations). */
const values = (r: Result, own: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(r ?? {}).filter(([k]) => k !== 'invocation' && !own.includes(k)));
const registered = (c: typeof unarchive, mode: Mode, name: string): [Result, Result] => [c.nodemend[mode].registered[name], c.ansible[mode].registered[name]];

describe.each(MODES)('%s', (mode: Mode) => {
  it('same files and changed flags (unarchive in --check aside: below)', () => {
    for (const c of [unarchive, replace, getUrl, files]) {
      // Backups of either tool read FILE.<backup>~ (newest), FILE.<backup-1>~...: the harness orders them by age.
      expect(c.nodemend[mode].files, `${c.name}\n${c.nodemend[mode].output}`).toEqual(c.ansible[mode].files);
      if (!(c === unarchive && mode === 'check')) expect(c.nodemend[mode].tasks, `${c.name}\n${c.nodemend[mode].output}`).toEqual(c.ansible[mode].tasks);
    }
  });

  it('unarchive: the keys Ansible registers, dest described as add_path_info describes it', () => {
    for (const r of mode === 'check' ? ['u_creates'] : ['u_fresh', 'u_same', 'u_creates']) {
      const [n, a] = registered(unarchive, mode, r);
      expect(keysOf(n, a), r).toEqual(keysOf(a, n));
      // src: Ansible's is the temp file its action uploaded; extract_results.cmd names each tool's own paths.
      const strip = (x: Result) => ({ ...values(x, ['src', 'msg']), ...(x?.extract_results ? { extract_results: values(x.extract_results, ['cmd']) } : {}) });
      expect(strip(n), r).toEqual(strip(a));
    }
    if (mode === 'run') expect(unarchive.nodemend.run.registered.u_fresh.extract_results.cmd).toEqual(['tar', '-x', '-z', '-f', expect.stringMatching(/^\/tmp\//)]);
  });

  it("replace: every key and value, rc 0 and Ansible's diff dict included", () => {
    for (const r of ['r_made', 'r_none', 'r_missing']) {
      const [n, a] = registered(replace, mode, r);
      expect(keysOf(n, a), r).toEqual(keysOf(a, n));
      expect(values(n, ['backup_file']), r).toEqual(values(a, ['backup_file']));
      if (a?.backup_file) expect(n!.backup_file, r).toMatch(/^<dir>\/conf\.\d{8}T\d{6}(\.\d+)?~$/);
    }
  });

  it('get_url: the keys Ansible registers with the same values, sha1 sums and dest described', () => {
    const own = ['src', 'elapsed'];
    // --check requests nothing (README "Choices"): nodemend's checksum_src is null and msg its own words.
    if (mode === 'check') own.push('checksum_src', 'msg', 'warnings');
    // Without force or checksum, a rerun requests nothing either: no 304 status line.
    const differs = (r: string) => mode === 'rerun' && r === 'g_plain';
    for (const r of ['g_plain', 'g_sum', 'g_force']) {
      const [n, a] = registered(getUrl, mode, r);
      // --check: no temp file either (Ansible's src holds the HEAD reply).
      const ak = keysOf(a, n).filter((k) => k !== 'warnings' && !(differs(r) && k === 'status_code') && !(mode === 'check' && k === 'src'));
      expect(keysOf(n, a), r).toEqual(ak);
      expect(values(n, [...own, ...(differs(r) ? ['msg', 'status_code'] : [])]), r).toEqual(values(a, [...own, 'warnings', ...(differs(r) ? ['msg', 'status_code'] : [])]));
      if ('elapsed' in a!) expect(typeof n!.elapsed, r).toBe('number');
      if (mode !== 'check' && typeof a!.src === 'string') expect(n!.src, r).toEqual(expect.any(String));
    }
  });

  it('find and stat: the same keys, in results and in each file', () => {
    const [nf, af] = registered(files, mode, 'k_find');
    expect(keysOf(nf, af)).toEqual(keysOf(af, nf));
    expect(Object.keys(nf!.files[0]).sort()).toEqual(Object.keys(af!.files[0]).sort());
    const [ns, as] = registered(files, mode, 'k_stat');
    expect(keysOf(ns, as)).toEqual(keysOf(as, ns));
    expect(Object.keys(ns!.stat).sort()).toEqual(Object.keys(as!.stat).sort());
  });

  it('file and copy: the same keys, less the documented ones', () => {
    for (const r of ['k_file', 'k_copy']) {
      const [n, a] = registered(files, mode, r);
      // copy's src is Ansible's uploaded temp file (its diff is compared in differential-registered-diff); copy --check
      // from the controller registers the file it would write (README "Choices").
      const documented = (k: string) => r === 'k_copy' && (k === 'src' || (mode === 'check' && ['checksum', 'dest', 'md5sum', 'size'].includes(k)));
      expect(
        keysOf(n, a).filter((k) => !documented(k)),
        r,
      ).toEqual(keysOf(a, n).filter((k) => !documented(k)));
      expect(values(n, ['diff', 'msg', 'src']), r).toMatchObject(values(a, ['diff', 'src']));
    }
    // file's diff is Ansible's, in every mode (file.py's before/after pair).
    const [nf, af] = registered(files, mode, 'k_file');
    expect(af).toHaveProperty('diff');
    expect(nf!.diff, files.nodemend[mode].output).toEqual(af!.diff);
  });
});

it('unarchive --check: Ansible skips a tar archive, nodemend predicts the run (README "Choices")', () => {
  const [a, n] = [unarchive.ansible, unarchive.nodemend];
  for (const r of ['u_fresh', 'u_same']) {
    expect(a.check.registered[r], r).toMatchObject({ skipped: true, changed: false, msg: 'remote module (ansible.legacy.unarchive) does not support check mode when using gtar' });
  }
  const status = (t: { name: string; status: string }[]) => t.map((x) => [x.name, x.status]);
  expect(status(a.check.tasks)).toEqual([
    ['extract into an empty directory', 'skipped'],
    ['extract into done (in --check too)', 'changed'],
    ['extract into a directory that already holds it', 'skipped'],
    ['creates names a path that exists', 'skipped'],
  ]);
  // nodemend's check says what its run then did: changed for the fresh directory, unchanged for the extracted one.
  expect(status(n.check.tasks)).toEqual([
    ['extract into an empty directory', 'changed'],
    ['extract into done (in --check too)', 'changed'],
    ['extract into a directory that already holds it', 'ok'],
    ['creates names a path that exists', 'skipped'],
  ]);
  expect(status(n.run.tasks).slice(0, 1)).toEqual([['extract into an empty directory', 'changed']]);
  // Its check registers what its run registers, less what only extracting tells.
  const { extract_results: _, msg: __, ...run } = n.run.registered.u_fresh;
  expect(values(n.check.registered.u_fresh, ['msg'])).toEqual(run);
  expect(n.check.registered.u_same).toMatchObject({ changed: false, handler: 'TgzArchive', state: 'directory', dest: '<dir>/done' });
});

it('get_url: without force or checksum, nodemend requests nothing once dest exists; Ansible asks If-Modified-Since (README "Choices")', () => {
  expect(getUrl.ansible.rerun.registered.g_plain).toMatchObject({ status_code: 304, msg: 'HTTP Error 304: Not Modified', changed: false });
  expect(getUrl.nodemend.rerun.registered.g_plain).toMatchObject({ msg: 'file already exists', changed: false });
  expect(getUrl.nodemend.rerun.registered.g_plain).not.toHaveProperty('status_code');
  // With force both download again and compare sha1s: the same sums.
  expect(getUrl.nodemend.rerun.registered.g_force).toMatchObject({ checksum_src: getUrl.ansible.rerun.registered.g_force.checksum_src, status_code: 200, msg: 'OK (11 bytes)' });
});
