/**
 * yum_repository (ansible-core 2.14.18) through ansible-playbook and nodemend on node33 (the
 * repositories host, shared with the apt_repository cases: only this file's own paths, the case
 * directories and /etc/yum.repos.d/nmdiff-h14b-*.repo). The module only writes ini files, so the
 * Debian host runs it as a CentOS one would: same bytes, modes, registered results (repo, state,
 * diff) and changed flags in check mode, the first run and a rerun.
 * rpm_key drives rpm and gpg: rpm is the rpm 4.11.3 stand-in (test/fixtures/el7/rpm, planted in
 * /usr/local/bin and removed afterwards, its database under /var/lib/nm-standin/rpmdb), gpg is
 * Debian's real gpg (installed on the host here); keys from URLs come from an HTTP server this
 * file runs on 127.0.0.1, so both tools fetch the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { EL7_FIXTURES } from '../setup/el7.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';

const HOST = HOSTS.ansibleRepos[0];
const d = differential(HOST, 'yumrepo');
const ETC_REPO = '/etc/yum.repos.d/nmdiff-h14b-etc.repo';

const repos = d.case('yum_repository: options, files, sections, absent, attributes', {
  tasks: `
    - name: a new repo with every kind of option
      yum_repository:
        name: epel
        description: "EPEL YUM repo"
        reposdir: "{{ dir }}"
        baseurl: [https://download.example.org/epel/7/x86_64/, https://mirror.example.org/epel/7/x86_64/]
        gpgkey: https://download.example.org/RPM-GPG-KEY-EPEL-7
        gpgcheck: yes
        repo_gpgcheck: false
        enabled: true
        exclude: [kernel*, docker*]
        includepkgs: "a, b"
        priority: 10
        metadata_expire: 6h
        keepcache: 0
        ip_resolve: 4
        mode: "0600"
      register: y_new
    - name: a second repo in a shared file
      ansible.builtin.yum_repository: { name: one, description: One, file: shared, reposdir: "{{ dir }}", mirrorlist: "http://m/?repo=one", enabled: no }
      register: y_shared1
    - name: a third repo in the same file
      yum_repository: { name: two, description: Two, file: shared, reposdir: "{{ dir }}", metalink: "https://m/metalink?repo=two&arch=x86_64", sslverify: false, owner: ops }
      register: y_shared2
    - name: the first repo again, changed (moves to the end)
      yum_repository: { name: one, description: One again, file: shared, reposdir: "{{ dir }}", mirrorlist: "http://m/?repo=one", async: true }
      register: y_shared1b
    - name: an existing hand-written file (comments, colons, other sections)
      yum_repository: { name: base, description: "CentOS-7 - Base", reposdir: "{{ dir }}", file: CentOS-Base, baseurl: "http://mirror.centos.org/centos/7/os/x86_64/", gpgcheck: 1, gpgkey: "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7" }
      register: y_existing
    - name: the same repo as the hand-written one (order and spacing aside)
      yum_repository: { name: updates, description: "CentOS-7 - Updates", reposdir: "{{ dir }}", file: CentOS-Base, mirrorlist: "http://mirrorlist.centos.org/?release=7&arch=x86_64&repo=updates", gpgcheck: true }
      register: y_same
    - name: a repo removed from a file with others
      yum_repository: { name: two, file: shared, reposdir: "{{ dir }}", state: absent }
      register: y_absent
    - name: the last repo removed (the file goes)
      yum_repository: { name: single, reposdir: "{{ dir }}", state: absent }
      register: y_last
    - name: absent from a file that does not exist
      yum_repository: { name: nothing, reposdir: "{{ dir }}", state: absent }
      register: y_absent_missing
    - name: only the mode differs
      yum_repository: { name: modeonly, description: M, reposdir: "{{ dir }}", baseurl: "http://m/", mode: "0640" }
      register: y_mode
    - name: a password is never shown
      yum_repository: { name: private, description: Private, reposdir: "{{ dir }}", baseurl: "https://repo/", username: u, password: s3cr3t-pw }
      register: y_secret
    - name: a repo directory that does not exist
      yum_repository: { name: nodir, description: X, reposdir: "{{ dir }}/missing", baseurl: "http://x/" }
      register: y_nodir
      ignore_errors: true
    - name: the default reposdir
      yum_repository: { name: nmdiff-h14b-etc, description: "nodemend differential", baseurl: "http://127.0.0.1/repo/" }
      register: y_etc
  `,
  files: {
    'CentOS-Base.repo':
      '# CentOS-Base.repo\n#\n[base]\nname=CentOS-$releasever - Base\nmirrorlist=http://mirrorlist.centos.org/?release=$releasever\n#baseurl=http://mirror.centos.org/centos/$releasever/os/$basearch/\ngpgcheck=1\n\n[updates]\nName: CentOS-7 - Updates\nmirrorlist = http://mirrorlist.centos.org/?release=7&arch=x86_64&repo=updates\ngpgcheck=1\n',
    'single.repo': '[single]\nname = S\nbaseurl = http://s/\n\n',
    'modeonly.repo': { content: '[modeonly]\nbaseurl = http://m/\nname = M\n\n', mode: '0644' },
  },
  paths: [ETC_REPO],
});

const KEY_A = readFileSync(join(EL7_FIXTURES, 'keys/RPM-GPG-KEY-nmtest-a'), 'utf8');
const KEY_B = readFileSync(join(EL7_FIXTURES, 'keys/RPM-GPG-KEY-nmtest-b'), 'utf8');
const KEY_B_FPR = '9054 A46B 7EEF 11A0 B5C9  DE70 A9C1 54AA C0AC 2DF9';
const RPM = '/usr/local/bin/rpm';
const keysVars: Record<string, unknown> = { keys: '' };
const keys = d.case('rpm_key: file, URL, key id, fingerprint, absent', {
  tasks: `
    - name: import from a file on the host
      rpm_key: { key: "{{ dir }}/a.asc" }
      register: k_file
    - name: the same key by its short id
      ansible.builtin.rpm_key: { key: 6bf8def3, state: present }
      register: k_id
      ignore_errors: true # in --check the key was not imported: no file to import it from
    - name: a URL key with a wrong fingerprint
      rpm_key: { key: "{{ keys }}/b.asc", fingerprint: "69803C074B03A5B992FAA0421A3412EA6BF8DEF3" }
      register: k_badfpr
      ignore_errors: true
    - name: a URL key with its fingerprint
      rpm_key: { key: "{{ keys }}/b.asc", fingerprint: "${KEY_B_FPR}" }
      register: k_url
    - name: a key id that is not imported
      rpm_key: { key: "0xDEADBEEF" }
      register: k_noid
      ignore_errors: true
    - name: neither URL, id nor file
      rpm_key: { key: "/nonexistent/RPM-GPG-KEY" }
      register: k_nofile
      ignore_errors: true
    - name: a URL that serves no key
      rpm_key: { key: "{{ keys }}/notakey" }
      register: k_notkey
      ignore_errors: true
    - name: a URL that is not there
      rpm_key: { key: "{{ keys }}/missing.asc" }
      register: k_404
      ignore_errors: true
    - name: remove by long id with 0x
      rpm_key: { key: "0x1a3412ea6bf8def3", state: absent }
      register: k_rm
    - name: remove again
      rpm_key: { key: "1A3412EA6BF8DEF3", state: absent }
      register: k_rm_again
    - name: what rpm holds
      command: rpm -q gpg-pubkey
      register: k_list
      check_mode: false
      changed_when: false
      failed_when: false
  `,
  files: { 'a.asc': KEY_A },
  paths: ['/var/lib/nm-standin/rpmdb'],
  vars: keysVars,
});

let server: Server | undefined;
let plantedRpm = false;
beforeAll(async () => {
  const root = hostRoot(HOST);
  // Both tools need the directory yum would have; it is left in place (other cases may use it).
  mkdirSync(join(root, 'etc/yum.repos.d'), { recursive: true });
  if (!existsSync(join(root, RPM))) {
    writeFileSync(join(root, RPM), readFileSync(join(EL7_FIXTURES, 'rpm')), { mode: 0o755 });
    plantedRpm = true;
  }
  // Debian's gpg, which rpm_key runs on the host (the fleet's root filesystem has only gpgv).
  const apt = 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 gpg >/dev/null';
  execFileSync('chroot', [root, 'sh', '-c', `command -v gpg >/dev/null || ${apt} 2>&1 || { apt-get update -q >/dev/null && ${apt}; }`], { stdio: 'inherit' });
  server = createServer((req, res) => {
    if (req.url === '/b.asc') res.end(KEY_B);
    else if (req.url === '/notakey') res.end('<html>not a key</html>\n');
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  keysVars.keys = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await d.run();
}, 900_000);
afterAll(async () => {
  if (plantedRpm) rmSync(join(hostRoot(HOST), RPM), { force: true });
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

const REGISTERED = ['y_new', 'y_shared1', 'y_shared2', 'y_shared1b', 'y_existing', 'y_same', 'y_absent', 'y_last', 'y_absent_missing', 'y_mode', 'y_secret', 'y_nodir', 'y_etc'];

describe.each(MODES)('%s', (mode) => {
  it('same files (bytes, mode, owner)', () => {
    expect(repos.nodemend[mode].files, repos.nodemend[mode].output).toEqual(repos.ansible[mode].files);
  });
  it('same tasks, statuses and changed flags', () => {
    expect(repos.nodemend[mode].tasks, repos.nodemend[mode].output).toEqual(repos.ansible[mode].tasks);
  });
  it('same registered repo, state, diff, changed, failed, msg', () => {
    for (const r of REGISTERED) {
      const [n, a] = sameKeys(repos.nodemend[mode].registered[r], repos.ansible[mode].registered[r], ['changed', 'failed', 'repo', 'state', 'diff', 'msg']);
      expect(n, r).toEqual(a);
    }
  });
});

it('wrote what yum_repository writes, removed what it removes; the rerun changed only the tasks that undo each other', () => {
  const run = repos.nodemend.run;
  expect(run.files['epel.repo']).toMatchObject({
    mode: '0600',
    content:
      '[epel]\nbaseurl = https://download.example.org/epel/7/x86_64/\n\thttps://mirror.example.org/epel/7/x86_64/\nenabled = 1\nexclude = kernel* docker*\ngpgcheck = 1\n' +
      'gpgkey = https://download.example.org/RPM-GPG-KEY-EPEL-7\nincludepkgs = a  b\nip_resolve = 4\nkeepcache = 0\nmetadata_expire = 6h\nname = EPEL YUM repo\npriority = 10\nrepo_gpgcheck = 0\n\n',
  });
  expect(run.files['shared.repo']).toMatchObject({ owner: 'ops', content: expect.stringMatching(/^\[one\]\nasync = 1\n/) });
  expect(repos.nodemend.check.files['single.repo']).toMatchObject({ type: 'file' });
  expect(run.files['single.repo']).toBeUndefined();
  expect(run.files['CentOS-Base.repo']).toMatchObject({ content: expect.not.stringContaining('#') });
  expect(run.files[ETC_REPO]).toMatchObject({ type: 'file', mode: '0644' });
  expect(run.changed).toMatchObject({ 'the same repo as the hand-written one (order and spacing aside)': false, 'only the mode differs': true, 'absent from a file that does not exist': false });
  expect(JSON.stringify(run.registered.y_secret)).not.toContain('s3cr3t-pw');
  expect(run.registered.y_nodir).toMatchObject({ failed: true, msg: "Repo directory '<dir>/missing' does not exist." });
  // Only the tasks that undo each other change again: repo "one" set two ways, repo "two" added then removed.
  const rerun = Object.entries(repos.nodemend.rerun.changed).filter(([, c]) => c);
  expect(rerun.map(([n]) => n)).toEqual([
    'a second repo in a shared file',
    'a third repo in the same file',
    'the first repo again, changed (moves to the end)',
    'a repo removed from a file with others',
  ]);
});

describe.each(MODES)('rpm_key %s', (mode) => {
  it('same tasks, statuses and changed flags', () => {
    expect(keys.nodemend[mode].tasks, keys.nodemend[mode].output).toEqual(keys.ansible[mode].tasks);
  });
  it('same registered changed, failed, msg; rpm holds the same keys', () => {
    for (const r of ['k_file', 'k_id', 'k_badfpr', 'k_url', 'k_noid', 'k_nofile', 'k_notkey', 'k_rm', 'k_rm_again']) {
      const [n, a] = sameKeys(keys.nodemend[mode].registered[r], keys.ansible[mode].registered[r], ['changed', 'failed', 'msg']);
      expect(n, r).toEqual(a);
    }
    expect(keys.nodemend[mode].registered.k_404.failed).toBe(keys.ansible[mode].registered.k_404.failed);
    const [n, a] = sameKeys(keys.nodemend[mode].registered.k_list, keys.ansible[mode].registered.k_list, ['rc', 'stdout']);
    expect(n).toEqual(a);
  });
});

it('rpm_key imported and removed what the module does, and named the failures as it does', () => {
  const run = keys.nodemend.run;
  expect(run.changed).toMatchObject({
    'import from a file on the host': true,
    'the same key by its short id': false,
    'a URL key with its fingerprint': true,
    'remove by long id with 0x': true,
    'remove again': false,
  });
  expect(run.registered.k_list.stdout).toBe('gpg-pubkey-c0ac2df9-6b152cb9');
  expect(keys.nodemend.check.registered.k_list.stdout).toBe('package gpg-pubkey is not installed');
  expect(run.registered.k_badfpr.msg).toBe("The specified fingerprint, '69803C074B03A5B992FAA0421A3412EA6BF8DEF3', does not match the key fingerprint '9054A46B7EEF11A0B5C9DE70A9C154AAC0AC2DF9'");
  expect(run.registered.k_noid.msg).toBe('When importing a key, a valid file must be given');
  expect(run.registered.k_404.msg).toMatch(/^failed to fetch key at http:\/\/127\.0\.0\.1:\d+\/missing\.asc , error was: /);
  // The play imports key A and removes it again: the rerun does both again, and nothing else.
  const rerun = Object.entries(keys.nodemend.rerun.changed).filter(([, c]) => c);
  expect(rerun.map(([n]) => n)).toEqual(['import from a file on the host', 'remove by long id with 0x']);
});
