/**
 * Ansible differential suite for node33's APT side (its yum/rpm side belongs to another file; every
 * path here holds "nmdiff-h14a"): apt_repository and apt's `purge` through ansible-playbook 2.14 and
 * nodemend on the same host, compared on the source files (bytes, mode, owner), registered results
 * and changed flags in check mode, a run and a rerun.
 *
 * The host has no repository of ours on the internet: beforeAll builds two flat repositories on it,
 * /srv/nmdiff-h14a-repo (one package, nmdiff-h14a-fromrepo, its Packages stanza made from the .deb
 * with dpkg-deb and sha256sum) and /srv/nmdiff-h14a-repo2 (empty), so `update_cache` runs a real
 * `apt-get update` in both tools and a later `apt-cache policy` shows whether it did. Before each
 * tool the packages for `purge` are planted again (one installed, one removed with its conffile
 * kept, dpkg's "rc", one to remove without purge) and the repositories' downloaded lists deleted.
 * Ansible's apt modules need python3-apt on the host: beforeAll installs it (nodemend needs none).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { hostRoot, HOSTS, onHostAsRoot } from '../setup/fleet.js';
import { ansiblePythonApt } from '../setup/local-apt-repo.js';

const HOST = HOSTS.ansibleRepos[0];
const D = '/etc/apt/sources.list.d';
const LOCAL = 'deb [trusted=yes] file:/srv/nmdiff-h14a-repo ./';
const LOCAL2 = 'deb [trusted=yes] file:/srv/nmdiff-h14a-repo2 ./';
// Port 9 refuses at once: a source apt cannot fetch, without waiting on DNS.
const DEAD = 'http://127.0.0.1:9/nmdiff-h14a';
const DERIVED = `${D}/127_0_0_1_9_nmdiff_h14a_debian.list`;

// A fetchable source (an empty flat repository) that the removal case deletes from two files.
const RM_SOURCE = 'deb [arch=amd64 trusted=yes] file:/srv/nmdiff-h14a-repo3 ./';
/** Source files the cases start from (written before the run; `paths` puts them back for each tool). */
const PLANTED: Record<string, string> = {
  [`${D}/nmdiff-h14a-rm1.list`]: `${RM_SOURCE}\n`,
  [`${D}/nmdiff-h14a-rm2.list`]: `#kept comment\n${RM_SOURCE.replace(' ./', '    ./')}\n`,
  [`${D}/nmdiff-h14a-commented.list`]: `#deb ${DEAD}/commented bookworm main # was off\n##twice\n${LOCAL2.replace(/ /g, '   ')}\n\n`,
  [`${D}/nmdiff-h14a-commented2.list`]: `#   deb ${DEAD}/commented   bookworm main`,
  [`${D}/nmdiff-h14a-empty.list`]: '',
};

const PATHS = [
  '/etc/apt/sources.list',
  ...Object.keys(PLANTED),
  `${D}/nmdiff-h14a-local.list`,
  `${D}/nmdiff-h14a-broken.list`,
  `${D}/nmdiff-h14a-docker.list`,
  `${D}/nmdiff-h14a-elsewhere.list`,
  DERIVED,
];

const d = differential(HOST, 'aptrepo');

const local = d.case('apt_repository: a local repository added with update_cache, then known to apt', {
  tasks: `
    - name: add the local repository
      apt_repository: { repo: "${LOCAL}", filename: nmdiff-h14a-local, update_cache: true }
      register: r_local
    - name: what apt knows of its package
      shell: apt-cache policy nmdiff-h14a-fromrepo | grep -E 'Candidate|nmdiff-h14a-repo' || true
      register: r_policy
      changed_when: false
      check_mode: false
  `,
  paths: PATHS,
});

const removal = d.case('apt_repository: a source removed from two files: one file deleted, one keeps its comment', {
  tasks: `
    - name: remove it as geerlingguy.docker does (filename given, update_cache)
      apt_repository:
        repo: "${RM_SOURCE}"
        state: absent
        filename: docker
        update_cache: true
      register: r_remove
    - name: remove it again
      ansible.builtin.apt_repository: { repo: "${RM_SOURCE}", state: absent, update-cache: no }
      register: r_remove_again
  `,
  paths: PATHS,
});

const broken = d.case('apt_repository: an update that fails puts the files back and fails', {
  tasks: `
    - name: add a source apt cannot fetch
      apt_repository: { repo: "deb ${DEAD}/broken bookworm main", filename: nmdiff-h14a-broken, update_cache_retries: 2, update_cache_retry_max_delay: 1 }
      register: r_broken
      ignore_errors: true
    - name: no retries at all
      apt_repository: { repo: "deb ${DEAD}/broken bookworm main", filename: nmdiff-h14a-broken, update_cache_retries: 0 }
      register: r_noretry
      ignore_errors: true
  `,
  paths: PATHS,
});

const commented = d.case('apt_repository: a commented-out line enabled in place; every line of the file rewritten as the module writes it', {
  tasks: `
    - name: enable the commented-out source
      apt_repository: { repo: "deb   ${DEAD}/commented bookworm main", update_cache: false }
      register: r_commented
    - name: the same source again, already enabled
      apt_repository: { repo: "deb ${DEAD}/commented bookworm main", filename: nmdiff-h14a-elsewhere, update_cache: false }
      register: r_commented_again
  `,
  paths: PATHS,
});

const derived = d.case('apt_repository: derived file name, mode, a second line into the same file, deb-src removed', {
  tasks: `
    - name: add with the file name derived from the URI (credentials dropped)
      apt_repository: { repo: "deb http://u:p@127.0.0.1:9/nmdiff-h14a/debian bookworm main", mode: "0600", update_cache: false }
      register: r_derived
    - name: a deb-src line into the same derived file
      apt_repository: { repo: "deb-src ${DEAD}/debian bookworm main", update_cache: false }
      register: r_src
    - name: remove the deb-src line
      apt_repository: { repo: "deb-src   ${DEAD}/debian bookworm main", state: absent, update_cache: false }
      register: r_src_gone
    - name: the docker role's repository line, with signed-by and filename
      apt_repository:
        repo: "deb [arch=amd64 signed-by=/etc/apt/keyrings/nmdiff-h14a.asc] file:/srv/nmdiff-h14a-repo2 bookworm stable"
        state: present
        filename: nmdiff-h14a-docker
        update_cache: false
        mode: "0640"
      register: r_docker
  `,
  paths: PATHS,
});

const purge = d.case('apt purge: installed, removed with conffiles kept ("rc"), plain remove, never installed', {
  tasks: `
    - name: purge an installed package
      apt: { name: nmdiff-h14a-pa, state: absent, purge: true }
      register: p_inst
    - name: purge what a remove left
      ansible.builtin.apt: { name: nmdiff-h14a-pb, state: absent, purge: yes }
      register: p_rc
    - name: remove without purge keeps the conffile
      apt: { name: nmdiff-h14a-pc, state: absent }
      register: p_keep
    - name: purge a package that was never installed
      apt: { name: nmdiff-h14a-never, state: absent, purge: true }
      register: p_never
    - name: dpkg's view
      shell: "dpkg-query -W -f '${'$'}{db:Status-Abbrev}${'$'}{Package}\\\\n' 'nmdiff-h14a-p*' 2>/dev/null; ls /etc/nmdiff-h14a-p*.conf 2>/dev/null; true"
      register: p_state
      changed_when: false
      check_mode: false
  `,
});

const PKGS = '/tmp/nmdiff-h14a-pkgs';
/** Three conffile packages for purge and one for the local repository, built on the host with dpkg-deb. */
const BUILD = `set -e
rm -rf /srv/nmdiff-h14a-repo /srv/nmdiff-h14a-repo2 /srv/nmdiff-h14a-repo3 ${PKGS}; mkdir -p /srv/nmdiff-h14a-repo /srv/nmdiff-h14a-repo2 ${PKGS}
: > /srv/nmdiff-h14a-repo2/Packages; mkdir -p /srv/nmdiff-h14a-repo3; : > /srv/nmdiff-h14a-repo3/Packages
cd ${PKGS}
for p in nmdiff-h14a-pa nmdiff-h14a-pb nmdiff-h14a-pc nmdiff-h14a-fromrepo; do
  mkdir -p $p/DEBIAN $p/etc; echo $p > $p/etc/$p.conf; echo /etc/$p.conf > $p/DEBIAN/conffiles
  printf 'Package: %s\\nVersion: 1.0-1\\nArchitecture: all\\nMaintainer: nodemend tests <t@example.org>\\nDescription: apt purge / apt_repository test\\n' $p > $p/DEBIAN/control
  dpkg-deb --build $p >/dev/null
done
cd /srv/nmdiff-h14a-repo; f=nmdiff-h14a-fromrepo.deb; cp ${PKGS}/$f .
{ dpkg-deb -f $f; printf 'Filename: ./%s\\nSize: %s\\nSHA256: %s\\n\\n' $f $(stat -c %s $f) $(sha256sum $f | cut -d' ' -f1); } > Packages`;
const PLANT = `set -e; cd ${PKGS}
dpkg --purge nmdiff-h14a-pa nmdiff-h14a-pb nmdiff-h14a-pc >/dev/null 2>&1 || true
dpkg -i nmdiff-h14a-pa.deb nmdiff-h14a-pb.deb nmdiff-h14a-pc.deb >/dev/null; dpkg -r nmdiff-h14a-pb >/dev/null
rm -f /var/lib/apt/lists/*nmdiff-h14a* /var/cache/apt/*.bin
dpkg-query -W -f '\${db:Status-Abbrev}\${Package}\\n' 'nmdiff-h14a-p*'`;

beforeAll(async () => {
  await ansiblePythonApt(HOST);
  await onHostAsRoot(HOST, BUILD);
  const root = hostRoot(HOST);
  for (const [p, text] of Object.entries(PLANTED)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text, { mode: 0o644 });
  }
  d.beforeTool = async () => {
    expect(await onHostAsRoot(HOST, PLANT)).toBe('ii nmdiff-h14a-pa\nrc nmdiff-h14a-pb\nii nmdiff-h14a-pc\n');
  };
  await d.run();
}, 900_000);

afterAll(async () => {
  await onHostAsRoot(
    HOST,
    `dpkg --purge nmdiff-h14a-pa nmdiff-h14a-pb nmdiff-h14a-pc >/dev/null 2>&1; rm -rf /srv/nmdiff-h14a-repo /srv/nmdiff-h14a-repo2 /srv/nmdiff-h14a-repo3 ${PKGS} ${Object.keys(PLANTED).join(' ')}; rm -f /var/lib/apt/lists/*nmdiff-h14a*; true`,
  );
});

const file = (content: string, mode = '0644') => ({ type: 'file', content, mode, owner: 'root', group: 'root', nlink: 1 });
const absent = { type: 'absent' };

/** A registered diff with its pairs (one per sources file) in file order: Ansible's come in a Python set's order. */
const byFile = (diff: unknown): unknown => (Array.isArray(diff) ? [...diff].sort((x, y) => String(x.before_header + x.after_header).localeCompare(String(y.before_header + y.after_header))) : diff);

const REGISTERED: Record<string, string[]> = {
  [local.name]: ['r_local'],
  [removal.name]: ['r_remove', 'r_remove_again'],
  [broken.name]: ['r_broken', 'r_noretry'],
  [commented.name]: ['r_commented', 'r_commented_again'],
  [derived.name]: ['r_derived', 'r_src', 'r_src_gone', 'r_docker'],
};

describe.each(MODES)('%s', (mode) => {
  for (const c of [local, removal, broken, commented, derived, purge]) {
    it(`${c.name}: same files and changed flags`, () => {
      expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
      expect(c.nodemend[mode].changed).toEqual(c.ansible[mode].changed);
    });
  }
  for (const c of [local, removal, broken, commented, derived]) {
    it(`${c.name}: registered repo, state, changed, failed and the diff of each file`, () => {
      for (const r of REGISTERED[c.name]) {
        const a = c.ansible[mode].registered[r];
        const n = c.nodemend[mode].registered[r];
        const [nk, ak] = sameKeys(n, a, ['repo', 'state', 'changed', 'failed']);
        expect(nk).toEqual(ak);
        expect(a.repo ?? a.msg).toBeTruthy();
        if (a.failed) expect(n.msg).toBe(a.msg);
        else expect(byFile(n.diff)).toEqual(byFile(a.diff));
      }
    });
  }
});

describe('what each case did (the run), so that equal tools are also right', () => {
  it('update_cache made the local repository’s package known, in both tools; the check run left it unknown', () => {
    for (const tool of ['ansible', 'nodemend'] as const) {
      expect(local[tool].run.registered.r_policy.stdout).toMatch(/Candidate: 1\.0-1/);
      expect(local[tool].rerun.registered.r_policy.stdout).toMatch(/Candidate: 1\.0-1/);
      expect(local[tool].check.registered.r_policy.stdout).toBe('');
      expect(local[tool].run.files[`${D}/nmdiff-h14a-local.list`]).toEqual(file(`${LOCAL}\n`));
      expect(local[tool].rerun.changed).toEqual({ 'add the local repository': false, 'what apt knows of its package': false });
    }
  });
  it('removal: the file left without a line is deleted, the other keeps its comment, an empty .list goes too', () => {
    const n = removal.nodemend.run;
    expect(n.changed).toEqual({ 'remove it as geerlingguy.docker does (filename given, update_cache)': true, 'remove it again': false });
    expect(n.files[`${D}/nmdiff-h14a-rm1.list`]).toEqual(absent);
    expect(n.files[`${D}/nmdiff-h14a-rm2.list`]).toEqual(file('# kept comment\n'));
    // an empty .list file is deleted by any save of the module
    expect(n.files[`${D}/nmdiff-h14a-empty.list`]).toEqual(absent);
    expect(removal.nodemend.check.files[`${D}/nmdiff-h14a-empty.list`]).toEqual(file(''));
  });
  it('a failed update fails the task and leaves no file behind; retries 0 fails without trying', () => {
    for (const tool of ['ansible', 'nodemend'] as const) {
      const r = broken[tool].run;
      // python-apt's update returns false on an index it could not fetch, without a reason
      expect(r.registered.r_broken).toMatchObject({ failed: true, msg: 'Failed to update apt cache: unknown reason' });
      // 2.14's fail_json(msg=...) alone: no rc or stderr beside it.
      if (tool === 'nodemend') expect(Object.keys(r.registered.r_broken).sort()).toEqual(['changed', 'failed', 'msg']);
      expect(r.registered.r_noretry).toMatchObject({ failed: true, msg: 'Failed to update apt cache: unknown reason' });
      // in the rerun the docker line's suite has no Release file in the flat repository: python-apt names that error
      expect(broken[tool].rerun.registered.r_broken.msg).toBe("Failed to update apt cache: E:The repository 'file:/srv/nmdiff-h14a-repo2 bookworm Release' does not have a Release file.");
      expect(r.files[`${D}/nmdiff-h14a-broken.list`]).toEqual(absent);
      expect(broken[tool].check.changed).toEqual({ 'add a source apt cannot fetch': true, 'no retries at all': true });
    }
  });
  // "##twice" is re-read and re-written by each save of the module: "# #twice", then "#  # twice"
  it('the commented line is enabled where it is, in both files, each rewritten line by line, no new file', () => {
    const n = commented.nodemend.run;
    expect(n.files[`${D}/nmdiff-h14a-commented.list`]).toEqual(file(`deb ${DEAD}/commented bookworm main # was off\n#  # twice\n${LOCAL2}\n\n`));
    expect(n.files[`${D}/nmdiff-h14a-commented2.list`]).toEqual(file(`deb ${DEAD}/commented bookworm main\n`));
    expect(n.files[`${D}/nmdiff-h14a-elsewhere.list`]).toEqual(absent);
    expect(n.changed).toEqual({ 'enable the commented-out source': true, 'the same source again, already enabled': false });
  });
  it('derived file name with mode 0600, a second line appended, the docker line with signed-by into its own 0640 file', () => {
    const n = derived.nodemend.run;
    expect(n.files[DERIVED]).toEqual(file(`deb http://u:p@127.0.0.1:9/nmdiff-h14a/debian bookworm main\n`, '0600'));
    expect(n.files[`${D}/nmdiff-h14a-docker.list`]).toEqual(file('deb [arch=amd64 signed-by=/etc/apt/keyrings/nmdiff-h14a.asc] file:/srv/nmdiff-h14a-repo2 bookworm stable\n', '0640'));
    expect(derived.nodemend.rerun.changed).toEqual({
      'add with the file name derived from the URI (credentials dropped)': false,
      'a deb-src line into the same derived file': true,
      'remove the deb-src line': true,
      "the docker role's repository line, with signed-by and filename": false,
    });
  });
  it('purge: the installed and the "rc" package are purged (conffiles gone), a plain remove leaves "rc"; a rerun changes nothing', () => {
    for (const tool of ['ansible', 'nodemend'] as const) {
      expect(purge[tool].run.registered.p_state.stdout).toBe('rc nmdiff-h14a-pc\n/etc/nmdiff-h14a-pc.conf');
      expect(purge[tool].check.registered.p_state.stdout).toBe('ii nmdiff-h14a-pa\nrc nmdiff-h14a-pb\nii nmdiff-h14a-pc\n/etc/nmdiff-h14a-pa.conf\n/etc/nmdiff-h14a-pb.conf\n/etc/nmdiff-h14a-pc.conf');
      expect(purge[tool].check.changed).toMatchObject({
        'purge an installed package': true,
        'purge what a remove left': true,
        'remove without purge keeps the conffile': true,
        'purge a package that was never installed': false,
      });
      expect(Object.values(purge[tool].rerun.changed).some(Boolean)).toBe(false);
      for (const r of ['p_inst', 'p_rc', 'p_keep', 'p_never']) expect(purge.nodemend.run.registered[r].changed).toBe(purge.ansible.run.registered[r].changed);
    }
  });
});
