/**
 * assemble through ansible-playbook and nodemend on node42 (paths under /tmp/nmdiff-h22c-asm-*), as
 * ansible-core 2.14.18's modules/assemble.py (fragments on the host, the default) and
 * plugins/action/assemble.py (remote_src: false, fragments on the controller, dest written by the copy
 * module, left to the file module when unchanged) do it: the regular files of src in name order
 * (links followed, directories skipped), a newline added after a fragment without one, `regexp`
 * searched in each name, `ignore_hidden`, `delimiter` with its escapes decoded, mode and backup.
 * Compared: dest's bytes and attributes, the registered keys Ansible documents (checksum, md5sum, msg,
 * src, dest and what exit_json adds for dest), the failures' messages and the changed flags in run and
 * rerun. Under --check Ansible 2.14 skips assemble (the module and the action plugin do not support
 * check mode); nodemend predicts the run (README "Choices"): asserted.
 * In the same playbook, slurp's failures (2.14.18's modules/slurp.py: "file not found", "source is a
 * directory and must be a file", "file is not readable" as a become user, "unable to slurp file") in
 * check, run and rerun, and what it reads of a path that is not a regular file (slurp.py's open() and
 * read()): /dev/null's nothing, a fifo's bytes once a writer opens it (a writer is started in the
 * background first; the task's `timeout:` ends a wait that would otherwise never end, in both
 * tools), a unix socket's ENXIO.
 * And fetch's registered results whole, as 2.14.18's action/fetch.py registers them (with become, as
 * the harness runs: slurp reads the file): a new fetch (checksum, dest, md5sum, remote_checksum,
 * remote_md5sum, no `file`), an unchanged one (checksum, dest, file, md5sum), flat, validate_checksum
 * false, a missing file and a directory with and without fail_on_missing (its messages), in run and rerun.
 * Under --check 2.14 skips fetch ("check mode not (yet) supported for this module"); nodemend predicts
 * the run (README "Choices"): asserted.
 */
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, NO_UPLOAD_SRC, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleTargetsMore[0];
const d = differential(HOST, 'h22c-asm');

const FRAGMENTS = {
  'frag/10-b': 'b1\nb2',
  'frag/02-a': 'a1\n',
  'frag/.hidden': 'hidden\n',
  'frag/30-empty': '',
  'frag/40-c.conf': 'c\n',
  'frag/sub': { dir: true as const },
  'frag/sub/inner': 'inner\n',
  'frag/50-link': { link: '02-a' },
};

const remote = d.case('assemble on the host: order, regexp, ignore_hidden, delimiter, mode, backup, failures', {
  files: { ...FRAGMENTS, 'old.conf': 'old\n', plain: 'x\n' },
  tasks: `
    - name: all fragments
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/all.conf" }
      register: r_all
    - name: by regexp, without hidden
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/re.conf", regexp: '^[0-9]+-[a-c]', ignore_hidden: true }
      register: r_re
    - name: a delimiter with escapes
      ansible.builtin.assemble:
        src: "{{ dir }}/frag"
        dest: "{{ dir }}/delim.conf"
        delimiter: '# --\\t|\\\\n --'
        ignore_hidden: true
      register: r_delim
    - name: a mode
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/mode.conf", mode: '0640', regexp: 'a$' }
      register: r_mode
    - name: over an older file, with a backup
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/old.conf", backup: true, regexp: 'conf$' }
      register: r_backup
    - name: a missing src
      assemble: { src: "{{ dir }}/missing", dest: "{{ dir }}/never.conf" }
      register: r_missing
      ignore_errors: true
    - name: a src that is a file
      assemble: { src: "{{ dir }}/plain", dest: "{{ dir }}/never.conf" }
      register: r_file
      ignore_errors: true
  `,
});

const local = d.case('assemble from the controller (remote_src: false)', {
  controllerFiles: { 'files/parts/1-head': 'head\n', 'files/parts/2-body': 'body', 'files/parts/3-tail': 'tail\n' },
  tasks: `
    - name: controller fragments
      assemble: { src: parts, dest: "{{ dir }}/local.conf", remote_src: false, delimiter: '### part' }
      register: r_local
  `,
});

/**
 * The `diff` a controller src registers (action/assemble.py, h21i): under --diff (the harness's run and
 * rerun) the one _get_diff_data dict, also when dest holds the content already (the action compares
 * dest's sha1 with its temp file's path's, so it always runs the copy module); none with `diff: false`. Documented differences (README "Choices", as copy's): its
 * after_header names Ansible's temp file of the joined fragments, nodemend's reads "dynamically
 * generated"; a no_log task registers none.
 */
const JOINED = 'head\nbody\ntail\n';
const localDiff = d.case('assemble from the controller: the registered diff', {
  controllerFiles: { 'files/dparts/1-head': 'head\n', 'files/dparts/2-body': 'body', 'files/dparts/3-tail': 'tail\n' },
  files: { 'hparts/a': 'a\n', 'over.conf': 'old\n', 'same.conf': JOINED, 'mode.conf': { content: JOINED, mode: '0644' }, 'nodiff.conf': 'old\n' },
  tasks: `
    - name: a new dest
      assemble: { src: dparts, dest: "{{ dir }}/new.conf", remote_src: false }
      register: d_new
    - name: over another text
      assemble: { src: dparts, dest: "{{ dir }}/over.conf", remote_src: false }
      register: d_over
    - name: the same text
      assemble: { src: dparts, dest: "{{ dir }}/same.conf", remote_src: false }
      register: d_same
    - name: the same text, a mode
      assemble: { src: dparts, dest: "{{ dir }}/mode.conf", remote_src: false, mode: '0600' }
      register: d_mode
    - name: diff false
      assemble: { src: dparts, dest: "{{ dir }}/nodiff.conf", remote_src: false }
      diff: false
      register: d_nodiff
    - name: no_log
      assemble: { src: dparts, dest: "{{ dir }}/secret.conf", remote_src: false }
      no_log: true
      register: d_secret
    - name: fragments on the host register none
      assemble: { src: "{{ dir }}/hparts", dest: "{{ dir }}/host.conf" }
      register: d_host
  `,
});

/**
 * validate (h22c): on the host, modules/assemble.py runs it on its joined temp file when the sums differ,
 * registers `validation: {rc, stdout, stderr}` and fails "failed to validate: rc:N error:STDERR" leaving
 * dest as it was; from the controller the action hands it to the copy module ("failed to validate",
 * exit_status, stdout, stderr; no `validation`). Neither runs it when dest holds the content already.
 * The same-content tasks also pin what a controller src registers then: the copy module's whole result
 * (md5sum included, no `path`), never the file module's.
 */
const validate = d.case('assemble validate, on the host and from the controller', {
  controllerFiles: { 'files/vparts/1': 'x\n', 'files/vparts/2': 'y\n' },
  files: { 'frag/a': 'a\n', 'frag/b': 'b\n', 'bad.conf': 'old\n', 'same.conf': 'a\nb\n', 'cbad.conf': 'old\n', 'csame.conf': 'x\ny\n', 'cmode.conf': { content: 'x\ny\n', mode: '0644' } },
  tasks: `
    - name: host, passes
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/ok.conf", validate: 'sh -c "wc -l < %s; echo note >&2"' }
      register: v_ok
    - name: host, refused
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/bad.conf", validate: 'sh -c "echo bad >&2; exit 3" %s' }
      register: v_bad
      ignore_errors: true
    - name: host, the same content (not run)
      assemble: { src: "{{ dir }}/frag", dest: "{{ dir }}/same.conf", validate: 'false %s' }
      register: v_same
    - name: controller, passes
      assemble: { src: vparts, dest: "{{ dir }}/cok.conf", remote_src: false, validate: 'grep -q y %s' }
      register: v_cok
    - name: controller, refused
      assemble: { src: vparts, dest: "{{ dir }}/cbad.conf", remote_src: false, validate: 'sh -c "echo no; echo nay >&2; exit 2" %s' }
      register: v_cbad
      ignore_errors: true
    - name: controller, the same content (not run)
      assemble: { src: vparts, dest: "{{ dir }}/csame.conf", remote_src: false, validate: 'false %s' }
      register: v_csame
    - name: controller, the same content, another mode
      assemble: { src: vparts, dest: "{{ dir }}/cmode.conf", remote_src: false, mode: '0600' }
      register: v_cmode
  `,
});

/** slurp's failures (modules/slurp.py: open()'s errno in its words), as root and as a user who may not read. */
const slurp = d.case("slurp's failures in slurp.py's words", {
  files: { secret: { content: 's\n', mode: '0600' }, closed: { dir: true, mode: '0700' }, 'closed/f': 'f\n', open: 'o\n', sub: { dir: true } },
  tasks: `
    - name: a missing file
      slurp: { src: "{{ dir }}/missing" }
      register: s_missing
      ignore_errors: true
    - name: a directory
      slurp: { src: "{{ dir }}/sub" }
      register: s_dir
      ignore_errors: true
    - name: a file as a directory
      slurp: { src: "{{ dir }}/open/x" }
      register: s_notdir
      ignore_errors: true
    - name: a file the user may not read
      slurp: { src: "{{ dir }}/secret" }
      become_user: nobody
      register: s_unreadable
      ignore_errors: true
    - name: a file in a directory the user may not enter
      slurp: { src: "{{ dir }}/closed/f" }
      become_user: nobody
      register: s_closed
      ignore_errors: true
    - name: a file the user may read
      slurp: { src: "{{ dir }}/open" }
      become_user: nobody
      register: s_ok
    - name: a character device
      slurp: { src: /dev/null }
      register: s_devnull
    - name: a unix socket
      shell: { cmd: "[ -S sock ] || python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\\"sock\\")'", chdir: "{{ dir }}" }
      check_mode: false
      changed_when: false
    - name: a socket
      slurp: { src: "{{ dir }}/sock" }
      register: s_socket
      ignore_errors: true
    - name: a fifo and a writer that opens it in the background (given up after a minute)
      shell: { cmd: "[ -p fifo ] || mkfifo fifo; (timeout 60 sh -c 'sleep 1; printf \\"through the fifo\\\\n\\" > fifo' &) >/dev/null 2>&1 </dev/null", chdir: "{{ dir }}" }
      check_mode: false
      changed_when: false
    - name: a fifo
      slurp: { src: "{{ dir }}/fifo" }
      timeout: 30
      register: s_fifo
    - name: match and search read a result, a list, a bool as Python's str() of it
      debug:
        msg: "{{ [s_notdir is search('unable to slurp file'), s_notdir is match('unable'), ['x'] is match('x'), ['x'] is search('x'), true is search('^True$')] }}"
      register: s_tests
  `,
});

/** fetch's results; its copies land on the controller beside each tool's `{{ dir }}` path. */
const fetched = d.case("fetch's registered results in action/fetch.py's keys and words", {
  files: { f: 'fetch me\n', sub: { dir: true } },
  tasks: `
    - name: fetch a new file
      fetch: { src: "{{ dir }}/f", dest: "{{ dir }}-fetched/" }
      register: fe_new
    - name: fetch it again
      fetch: { src: "{{ dir }}/f", dest: "{{ dir }}-fetched/" }
      register: fe_same
    - name: fetch flat
      fetch: { src: "{{ dir }}/f", dest: "{{ dir }}-flat/g", flat: true, validate_checksum: false }
      register: fe_flat
    - name: a missing file
      fetch: { src: "{{ dir }}/nope", dest: "{{ dir }}-fetched/" }
      register: fe_missing
      ignore_errors: true
    - name: a missing file, fail_on_missing false
      fetch: { src: "{{ dir }}/nope", dest: "{{ dir }}-fetched/", fail_on_missing: false }
      register: fe_missing_ok
    - name: a directory
      fetch: { src: "{{ dir }}/sub", dest: "{{ dir }}-fetched/" }
      register: fe_dir
      ignore_errors: true
    - name: a directory, fail_on_missing false
      fetch: { src: "{{ dir }}/sub", dest: "{{ dir }}-fetched/", fail_on_missing: false }
      register: fe_dir_ok
  `,
});
const FETCHES = ['fe_new', 'fe_same', 'fe_flat', 'fe_missing', 'fe_missing_ok', 'fe_dir', 'fe_dir_ok'];

beforeAll(() => {
  // The controller's copies of an earlier run of this file would make its first run unchanged.
  for (const n of readdirSync('/tmp').filter((x) => /^nmdiff-h22c-asm-\d+-(ansible|nodemend)-(fetched|flat)$/.test(x))) rmSync(`/tmp/${n}`, { recursive: true, force: true });
  return d.run();
}, 900_000);

describe.each(['run', 'rerun'] as const)('fetch, %s', (mode) => {
  it('the same changed flags and statuses', () => expect(fetched.nodemend[mode].tasks, fetched.nodemend[mode].output).toEqual(fetched.ansible[mode].tasks));
  it.each(FETCHES)('%s: the same registered result, key by key', (reg) => {
    expect(fetched.nodemend[mode].registered[reg], fetched.nodemend[mode].output).toEqual(fetched.ansible[mode].registered[reg]);
  });
  // What Ansible registers, so the comparison above cannot pass on two wrong answers.
  it("Ansible: action/fetch.py's keys and messages", () => {
    const r = fetched.ansible[mode].registered;
    const sha1 = createHash('sha1').update('fetch me\n').digest('hex');
    const md5 = createHash('md5').update('fetch me\n').digest('hex');
    const dest = `<dir>-fetched/${HOST}<dir>/f`;
    if (mode === 'run') expect(r.fe_new).toEqual({ changed: true, failed: false, checksum: sha1, dest, md5sum: md5, remote_checksum: sha1, remote_md5sum: null });
    expect(r.fe_same).toEqual({ changed: false, failed: false, checksum: sha1, dest, file: '<dir>/f', md5sum: md5 });
    expect(r.fe_missing).toEqual({ changed: false, failed: true, msg: 'the remote file does not exist, not transferring, ignored' });
    expect(r.fe_missing_ok).toEqual({ changed: false, failed: false, file: '<dir>/nope', msg: 'the remote file does not exist, not transferring, ignored' });
    expect(r.fe_dir).toEqual({ changed: false, failed: true, msg: 'remote file is a directory, fetch cannot work on directories' });
    expect(r.fe_dir_ok).toEqual({ changed: false, failed: false, file: '<dir>/sub', msg: 'remote file is a directory, fetch cannot work on directories' });
  });
});

it('documented: in --check 2.14 skips fetch, nodemend predicts the run', () => {
  const [n, a] = [fetched.nodemend.check, fetched.ansible.check];
  for (const reg of FETCHES) expect(a.registered[reg], reg).toMatchObject({ skipped: true, msg: 'check mode not (yet) supported for this module' });
  expect(n.registered.fe_new).toMatchObject({ changed: true, dest: `<dir>-fetched/${HOST}<dir>/f` });
  expect(n.registered.fe_missing).toMatchObject({ failed: true, msg: 'the remote file does not exist, not transferring, ignored' });
  expect(n.changed['fetch a new file']).toBe(true);
});

describe.each(MODES)('slurp, %s', (mode) => {
  it.each(['s_missing', 's_dir', 's_notdir', 's_unreadable', 's_closed', 's_ok', 's_tests', 's_devnull', 's_socket', 's_fifo'])('%s: the same result', (reg) => {
    const [n, a] = sameKeys(slurp.nodemend[mode].registered[reg], slurp.ansible[mode].registered[reg], ['changed', 'failed', 'msg', 'content', 'encoding', 'source']);
    expect(n).toEqual(a);
  });
  it('the same changed flags', () => expect(slurp.nodemend[mode].changed).toEqual(slurp.ansible[mode].changed));
  // What Ansible reads, so the comparisons above cannot pass on two wrong answers.
  it('Ansible: /dev/null is empty, a fifo gives what its writer sent, a socket fails with ENXIO', () => {
    const r = slurp.ansible[mode].registered;
    expect(r.s_devnull).toMatchObject({ content: '', encoding: 'base64', source: '/dev/null' });
    expect(Buffer.from(r.s_fifo.content, 'base64').toString()).toBe('through the fifo\n');
    expect(r.s_socket).toMatchObject({ failed: true, msg: "unable to slurp file: [Errno 6] No such device or address: '<dir>/sock'" });
  });
});

const REMOTE_REGS = ['r_all', 'r_re', 'r_delim', 'r_mode', 'r_backup'];
const KEYS = ['changed', 'failed', 'checksum', 'md5sum', 'msg', 'src', 'dest', 'state', 'mode', 'owner', 'group', 'uid', 'gid', 'size'];

describe.each(['run', 'rerun'] as const)('%s', (mode) => {
  it('the same files', () => {
    expect(remote.nodemend[mode].files).toEqual(remote.ansible[mode].files);
    expect(local.nodemend[mode].files).toEqual(local.ansible[mode].files);
  });
  it('the same changed flags', () => {
    expect(remote.nodemend[mode].changed).toEqual(remote.ansible[mode].changed);
    expect(local.nodemend[mode].changed).toEqual(local.ansible[mode].changed);
  });
  it.each(REMOTE_REGS)('%s: the same registered keys', (reg) => {
    const [n, a] = sameKeys(remote.nodemend[mode].registered[reg], remote.ansible[mode].registered[reg], KEYS);
    expect(n).toEqual(a);
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['checksum', 'md5sum', 'msg', 'src', 'dest', 'mode', 'size']));
  });
  it("a backup where dest changed, named as nodemend names backups (README: FILE.YYYYMMDDTHHMMSS~, Ansible's FILE.PID.DATE@TIME~)", () => {
    const n = remote.nodemend[mode].registered.r_backup;
    const a = remote.ansible[mode].registered.r_backup;
    if (mode === 'rerun') return expect([n.backup_file, a.backup_file]).toEqual([undefined, undefined]);
    expect(a.backup_file).toBe('<dir>/old.conf.<backup>~');
    expect(n.backup_file).toMatch(/^<dir>\/old\.conf\.\d{8}T\d{6}~$/);
  });
  it("the failures in assemble.py's words", () => {
    for (const reg of ['r_missing', 'r_file']) {
      const [n, a] = sameKeys(remote.nodemend[mode].registered[reg], remote.ansible[mode].registered[reg], ['changed', 'failed', 'msg']);
      expect(n, reg).toEqual(a);
    }
  });
  it('controller fragments: the same registered keys', () => {
    const [nr, ar] = [local.nodemend[mode].registered.r_local, local.ansible[mode].registered.r_local];
    // README "Choices": from the controller nodemend registers no `src` (2.14's names the temp file it uploaded).
    expect(['src' in nr, 'src' in ar]).toEqual([false, true]);
    const [n, a] = sameKeys(nr, ar, ['changed', 'failed', 'checksum', 'dest', 'state', 'mode', 'owner', 'group', 'size'], NO_UPLOAD_SRC);
    expect(n).toEqual(a);
  });
});

/** A registered diff with its after_header (the temp file Ansible joined the fragments in) set aside. */
const sansSource = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null, (k, x: unknown) => (k === 'after_header' ? '<source>' : x)));
const DIFF_REGS = ['d_new', 'd_over', 'd_same', 'd_mode', 'd_nodiff', 'd_host'];

describe.each(['run', 'rerun'] as const)('the registered diff of a controller src, %s', (mode) => {
  it('the same files and changed flags', () => {
    expect(localDiff.nodemend[mode].files).toEqual(localDiff.ansible[mode].files);
    expect(localDiff.nodemend[mode].changed, localDiff.nodemend[mode].output).toEqual(localDiff.ansible[mode].changed);
  });
  it.each(DIFF_REGS)('%s: the same diff (or none)', (reg) => {
    const n = localDiff.nodemend[mode].registered[reg];
    const a = localDiff.ansible[mode].registered[reg];
    expect({ has: 'diff' in n, diff: sansSource(n.diff) }, localDiff.nodemend[mode].output).toEqual({ has: 'diff' in a, diff: sansSource(a.diff) });
  });
  // What Ansible registers, so the comparison above cannot pass on two wrong answers.
  it('Ansible: the dict in every mode, also where dest holds the content already (the action always copies); none with diff: false or on the host', () => {
    const r = localDiff.ansible[mode].registered;
    const dict = (f: string, before = JOINED) => ({ before_header: `<dir>/${f}`, before, after_header: expect.any(String), after: JOINED });
    expect('diff' in r.d_nodiff || 'diff' in r.d_host).toBe(false);
    expect(r.d_same.diff).toEqual(dict('same.conf'));
    expect(r.d_mode.diff).toEqual(dict('mode.conf'));
    if (mode === 'rerun') return expect([r.d_new.diff, r.d_over.diff]).toEqual([dict('new.conf'), dict('over.conf')]);
    expect(r.d_new.diff).toEqual({ before: '', after_header: expect.any(String), after: JOINED });
    expect(r.d_over.diff).toEqual(dict('over.conf', 'old\n'));
  });
  it("documented: a no_log task registers none (its diff is never computed) where Ansible's holds a hidden notice", () => {
    const n = localDiff.nodemend[mode].registered.d_secret;
    const a = localDiff.ansible[mode].registered.d_secret;
    expect(a.diff).toEqual({ ...(mode === 'run' ? {} : { before_header: '<dir>/secret.conf' }), before: '', after_header: expect.any(String), after: expect.stringContaining('hidden') });
    expect('diff' in n).toBe(false);
  });
  it('documented: after_header names Ansible\'s temp file; nodemend\'s reads "dynamically generated"', () => {
    if (mode === 'rerun') return;
    expect(localDiff.ansible[mode].registered.d_over.diff.after_header).toMatch(/\/ansible-local-[^/]+\/tmp[^/]+$/);
    expect(localDiff.nodemend[mode].registered.d_over.diff.after_header).toBe('dynamically generated');
  });
});

/**
 * A result less `src` where it names Ansible's upload (README "Choices": copy from the controller registers
 * no src), --diff's dict (compared above) and a `msg` Ansible's lacks (nodemend words every outcome, as for copy).
 */
const sansUpload = (r: Record<string, unknown>, other: Record<string, unknown>, controller: boolean) =>
  Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'diff' && k !== 'invocation' && !(controller && k === 'src') && !(k === 'msg' && !('msg' in other))));

describe.each(['run', 'rerun'] as const)('validate, %s', (mode) => {
  it('the same files and changed flags', () => {
    expect(validate.nodemend[mode].files).toEqual(validate.ansible[mode].files);
    expect(validate.nodemend[mode].changed, validate.nodemend[mode].output).toEqual(validate.ansible[mode].changed);
  });
  it.each(['v_ok', 'v_bad', 'v_same', 'v_cok', 'v_cbad', 'v_csame', 'v_cmode'])('%s: the same keys and values', (reg) => {
    const [ra, rn] = [validate.ansible[mode].registered[reg], validate.nodemend[mode].registered[reg]];
    const a = sansUpload(ra, rn, reg.startsWith('v_c'));
    const n = sansUpload(rn, ra, reg.startsWith('v_c'));
    expect(n, validate.nodemend[mode].output).toEqual(a);
  });
  // What 2.14 registers, so the comparison above cannot pass on two wrong answers.
  it("Ansible: assemble.py's validation and failure, copy's failure, copy's keys where nothing changed", () => {
    const r = validate.ansible[mode].registered;
    const run = mode === 'run';
    expect(r.v_bad).toMatchObject({ failed: true, msg: 'failed to validate: rc:3 error:bad\n' });
    expect(r.v_bad).not.toHaveProperty('rc');
    expect(r.v_cbad).toMatchObject({ failed: true, msg: 'failed to validate', exit_status: 2, stdout: 'no\n', stderr: 'nay\n' });
    if (run) expect(r.v_ok.validation).toEqual({ rc: 0, stdout: '2\n', stderr: 'note\n' });
    else expect(r.v_ok).not.toHaveProperty('validation');
    for (const reg of ['v_csame', 'v_cmode']) {
      expect(Object.keys(r[reg]).sort(), reg).toEqual(expect.arrayContaining(['checksum', 'md5sum', 'dest', 'src', 'mode', 'state', 'size', 'uid', 'gid', 'owner', 'group']));
      expect(r[reg], reg).not.toHaveProperty('path');
    }
    expect(r.v_cmode).toMatchObject({ changed: run, mode: '0600' });
  });
});

describe('--check', () => {
  it('validate is not run in --check: nodemend predicts the write (changed) where the run is refused; Ansible skips', () => {
    const n = validate.nodemend;
    expect(validate.ansible.check.registered.v_bad).toMatchObject({ skipped: true });
    expect(n.check.registered.v_bad).toMatchObject({ changed: true });
    expect(n.run.registered.v_bad).toMatchObject({ failed: true });
    expect(n.check.registered.v_cbad).toMatchObject({ changed: true });
    expect(n.check.files).toEqual(validate.ansible.check.files);
  });
  it('Ansible skips every assemble; nodemend predicts its run (changed as the run, nothing written)', () => {
    for (const c of [remote, local, localDiff]) {
      for (const [reg, r] of Object.entries(c.ansible.check.registered)) expect(r, reg).toMatchObject({ skipped: true });
      expect(c.nodemend.check.changed).toEqual(c.nodemend.run.changed);
      expect(c.nodemend.check.files).toEqual(c.ansible.check.files);
    }
  });
});
