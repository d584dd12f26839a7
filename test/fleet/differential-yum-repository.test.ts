/**
 * yum_repository (ansible-core 2.14.18) through ansible-playbook and nodemend on node33 (the
 * repositories host, shared with the apt_repository cases: only this file's own paths, the case
 * directories and /etc/yum.repos.d/nmdiff-h14b-*.repo). The module only writes ini files, so the
 * Debian host runs it as a CentOS one would: same bytes, modes, registered results (repo, state,
 * diff) and changed flags in check mode, the first run and a rerun.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
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

beforeAll(async () => {
  // Both tools need the directory yum would have; it is left in place (other cases may use it).
  mkdirSync(join(hostRoot(HOST), 'etc/yum.repos.d'), { recursive: true });
  await d.run();
}, 900_000);

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
