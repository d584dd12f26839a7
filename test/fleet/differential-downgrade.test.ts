/**
 * Ansible differential suite for package downgrades on node39 (every path here holds "nmdiff-h15a"):
 * apt's and package's `allow_downgrade`, `name=version` pins and `name=1.*` globs through
 * ansible-playbook 2.14 and nodemend on the same host, compared on registered results (changed,
 * failed, rc, msg, stderr, cache_updated, cache_update_time), changed flags and the version dpkg has
 * afterwards, in check mode, a run and a rerun.
 *
 * The packages are real: beforeAll builds a local flat repository on the host
 * (test/setup/local-apt-repo.ts: dummy .debs made with dpkg-deb, their Packages index written from
 * `dpkg-deb -f`) holding three versions of three packages, so both tools really install, upgrade
 * and downgrade them with apt-get. Before each tool the packages are put back: -a not installed,
 * -b at 1.0-1, -c at 2.0-1. Ansible's apt module needs python3-apt on the host (nodemend needs none).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS, onHostAsRoot } from '../setup/fleet.js';
import { ansiblePythonApt, plantLocalAptRepo, removeLocalAptRepo } from '../setup/local-apt-repo.js';

const HOST = HOSTS.ansibleDowngrade[0];
const [A, B, C] = ['nmdiff-h15a-a', 'nmdiff-h15a-b', 'nmdiff-h15a-c'];
const VERSIONS = ['1.0-1', '1.1-1', '2.0-1'];
const REPO = { dir: '/srv/nmdiff-h15a-repo', list: 'nmdiff-h15a', debs: [A, B, C].flatMap((name) => VERSIONS.map((version) => ({ name, version }))) };
const REFUSED = 'E: Packages were downgraded and -y was used without --allow-downgrades.\n';

const d = differential(HOST, 'downgrade');

const state = (pkg: string, reg: string) => `
    - name: what dpkg has of ${pkg}
      shell: "dpkg-query -W -f '\${Version}' ${pkg} 2>/dev/null || echo none"
      register: ${reg}
      changed_when: false
      check_mode: false`;

const pins = d.case('apt: a pinned install, an upgrade, a downgrade refused without allow_downgrade, allowed with it', {
  tasks: `
    - name: install 1.0-1
      apt: { name: "${A}=1.0-1" }
      register: a_install
    - name: upgrade to 1.1-1
      apt: { name: "${A}=1.1-1" }
      register: a_upgrade
    - name: 1.1-1 again
      ansible.builtin.apt: { name: "${A}=1.1-1" }
      register: a_again
    - name: back to 1.0-1 without allow_downgrade
      apt: { name: "${A}=1.0-1" }
      register: a_refused
      ignore_errors: true
    - name: back to 1.0-1 with allow_downgrade
      apt: { name: "${A}=1.0-1", allow_downgrade: true }
      register: a_down
    - name: 1.0-1 again, spelled allow-downgrades
      apt: { name: "${A}=1.0-1", allow-downgrades: yes }
      register: a_down_again
${state(A, 'a_state')}
  `,
});

const globs = d.case('apt: version globs as apt.py matches them, unknown versions and names', {
  tasks: `
    - name: 1.* with 1.0-1 installed and 1.1-1 available
      apt: { name: "${B}=1.*" }
      register: b_glob
    - name: 1.* again
      apt: { name: "${B}=1.*" }
      register: b_glob_again
    - name: a glob for an older version, allowed
      apt: { name: "${B}=1.0*", allow_downgrades: true }
      register: b_glob_down
    - name: a version no repository has
      apt: { name: "${B}=9.*" }
      register: b_none
      ignore_errors: true
    - name: a package no repository has
      apt: { name: "nmdiff-h15a-nosuch=1.0" }
      register: b_nosuch
      ignore_errors: true
${state(B, 'b_state')}
  `,
});

const pkg = d.case('package: allow_downgrade goes to apt, as in the docker role', {
  tasks: `
    - name: package downgrade, allowed
      package: { name: "${C}=1.1-1", state: present, allow_downgrade: true }
      register: c_down
    - name: the same again
      ansible.builtin.package: { name: "${C}=1.1-1", state: present, allow_downgrade: true }
      register: c_again
    - name: package downgrade, not allowed
      package: { name: "${C}=1.0-1", state: present }
      register: c_refused
      ignore_errors: true
${state(C, 'c_state')}
  `,
});

const CASES = [pins, globs, pkg];
const REGISTERED: Record<string, string[]> = {
  [pins.name]: ['a_install', 'a_upgrade', 'a_again', 'a_refused', 'a_down', 'a_down_again'],
  [globs.name]: ['b_glob', 'b_glob_again', 'b_glob_down', 'b_none', 'b_nosuch'],
  [pkg.name]: ['c_down', 'c_again', 'c_refused'],
};
const STATES: Record<string, string> = { [pins.name]: 'a_state', [globs.name]: 'b_state', [pkg.name]: 'c_state' };

const PLANT = `set -e
dpkg --purge ${A} ${B} ${C} >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get -y -q install ${B}=1.0-1 ${C}=2.0-1 >/dev/null 2>&1
dpkg-query -W -f '\${Package} \${Version}\\n' 'nmdiff-h15a-*'`;

beforeAll(async () => {
  await ansiblePythonApt(HOST);
  await plantLocalAptRepo(HOST, REPO);
  d.beforeTool = async () => {
    expect(await onHostAsRoot(HOST, PLANT)).toBe(`${B} 1.0-1\n${C} 2.0-1\n`);
  };
  await d.run();
}, 900_000);

afterAll(async () => {
  await onHostAsRoot(HOST, `dpkg --purge ${A} ${B} ${C} >/dev/null 2>&1; true`);
  await removeLocalAptRepo(HOST, REPO);
});

/** apt.py names the command it ran in msg; nodemend names its own: the words after it are apt's and compare. */
const afterCommand = (msg: unknown): string => String(msg).replace(/^'.*' failed: /s, 'failed: ');

describe.each(MODES)('%s', (mode) => {
  for (const c of CASES) {
    it(`${c.name}: same changed flags and task outcomes`, () => {
      expect(c.nodemend[mode].changed).toEqual(c.ansible[mode].changed);
      expect(c.nodemend[mode].tasks.map((t) => [t.name, t.status])).toEqual(c.ansible[mode].tasks.map((t) => [t.name, t.status]));
    });
    it(`${c.name}: registered changed, failed, rc, cache_updated, cache_update_time, stderr; a failure's msg`, () => {
      for (const r of REGISTERED[c.name]) {
        const a = c.ansible[mode].registered[r];
        const n = c.nodemend[mode].registered[r];
        expect(a, r).toBeTruthy();
        // a check run's apt-get --simulate output is Ansible's alone (README: Choices)
        const [nk, ak] = sameKeys(n, a, ['changed', 'failed', 'rc', 'cache_updated', 'cache_update_time', 'diff', ...(mode === 'check' ? [] : ['stderr'])]);
        expect(nk, r).toEqual(ak);
        if (a.failed) {
          expect(afterCommand(n.msg), r).toBe(afterCommand(a.msg));
          expect(n.stderr, r).toBe(a.stderr);
        }
      }
    });
    it(`${c.name}: dpkg has the same version afterwards`, () => {
      expect(c.nodemend[mode].registered[STATES[c.name]].stdout).toBe(c.ansible[mode].registered[STATES[c.name]].stdout);
    });
  }
});

describe('what each case did, so that equal tools are also right', () => {
  const tools = ['ansible', 'nodemend'] as const;
  it('pins: installed, upgraded, refused with apt-get’s words (rc 100), downgraded, then unchanged', () => {
    for (const t of tools) {
      const r = pins[t].run;
      expect(r.changed).toMatchObject({
        'install 1.0-1': true,
        'upgrade to 1.1-1': true,
        '1.1-1 again': false,
        'back to 1.0-1 with allow_downgrade': true,
        '1.0-1 again, spelled allow-downgrades': false,
      });
      expect(r.registered.a_refused).toMatchObject({ failed: true, changed: false, rc: 100, stderr: REFUSED });
      expect(r.registered.a_refused.msg).toMatch(new RegExp(`install '?${A}=1\\.0-1'?' failed: ${REFUSED.replace(/[.]/g, '\\.')}$`));
      expect(r.registered.a_state.stdout).toBe('1.0-1');
      expect(typeof r.registered.a_install.cache_update_time).toBe('number');
      // --diff: apt.py's parse_diff of apt-get's output (the simulation's in check mode); no diff when unchanged
      expect(Object.keys(r.registered.a_install.diff)).toEqual(['prepared']);
      expect(r.registered.a_install.diff.prepared).toMatch(new RegExp(`^The following NEW packages will be installed:\n  ${A}\n0 upgraded, 1 newly installed, 0 to remove and \\d+ not upgraded\\.$`));
      expect(r.registered.a_upgrade.diff.prepared).toMatch(new RegExp(`^The following packages will be upgraded:\n  ${A}\n1 upgraded, 0 newly installed, 0 to remove and \\d+ not upgraded\\.$`));
      expect(r.registered.a_again).not.toHaveProperty('diff');
      expect(pins[t].check.registered.a_install.diff.prepared).toMatch(
        new RegExp(`^The following NEW packages will be installed:\n  ${A}\n0 upgraded, 1 newly installed, 0 to remove and \\d+ not upgraded\\.$`),
      );
      // the check run has nothing installed: every pinned task would install; nothing is refused
      expect(pins[t].check.registered.a_state.stdout).toBe('none');
      expect(pins[t].check.registered.a_refused.failed).toBe(false);
      // the rerun starts at 1.0-1: the upgrade and the downgrade happen again, the rest is unchanged
      expect(pins[t].rerun.changed).toMatchObject({
        'install 1.0-1': false,
        'upgrade to 1.1-1': true,
        '1.1-1 again': false,
        'back to 1.0-1 with allow_downgrade': true,
        '1.0-1 again, spelled allow-downgrades': false,
      });
    }
  });
  it('globs: 1.* upgrades an installed 1.0-1 to 1.1-1, then is unchanged; 1.0* with allow_downgrades goes back', () => {
    for (const t of tools) {
      const r = globs[t].run;
      expect(r.changed).toMatchObject({ '1.* with 1.0-1 installed and 1.1-1 available': true, '1.* again': false, 'a glob for an older version, allowed': true });
      expect(r.registered.b_state.stdout).toBe('1.0-1');
      expect(r.registered.b_none).toMatchObject({ failed: true, msg: `no available installation candidate for ${B}=9.*` });
      expect(r.registered.b_nosuch).toMatchObject({ failed: true, msg: "No package matching 'nmdiff-h15a-nosuch' is available" });
    }
  });
  it('package: downgrades 2.0-1 to 1.1-1 with allow_downgrade, unchanged after, refuses 1.0-1 without it; the rerun changes nothing', () => {
    for (const t of tools) {
      expect(pkg[t].run.registered.c_state.stdout).toBe('1.1-1');
      expect(pkg[t].run.changed).toMatchObject({ 'package downgrade, allowed': true, 'the same again': false });
      expect(pkg[t].run.registered.c_refused).toMatchObject({ failed: true, rc: 100, stderr: REFUSED });
      expect(pkg[t].rerun.changed).toMatchObject({ 'package downgrade, allowed': false, 'the same again': false });
      // check mode: apt-get --simulate --allow-downgrades predicts the change, dpkg is untouched
      expect(pkg[t].check.changed['package downgrade, allowed']).toBe(true);
      expect(pkg[t].check.registered.c_state.stdout).toBe('2.0-1');
    }
  });
});
