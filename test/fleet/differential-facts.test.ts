/**
 * Ansible differential suite for node31 (paths /tmp/nmdiff-pkgfacts*-*): package_facts through
 * ansible-playbook and nodemend on the same host. Ansible 2.14's APT manager reads python3-apt
 * and fails without it; nodemend reads dpkg-query and apt-cache: first without python3-apt
 * (the difference the README names: Ansible fails, nodemend reports the packages), then with it
 * installed, the whole `ansible_facts.packages` dict equal in check mode, a run and a rerun,
 * with packages planted to cover the edges: one with a section and none in any apt list (origin
 * ""), one without a section, one removed with its conffile kept (`rc`: not listed).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { fleetHost, HOSTS, testFleet } from '../setup/fleet.js';

const HOST = HOSTS.ansibleFacts[0];

/** A command on the host as root, over ssh with the fleet's key. */
async function onHost(script: string): Promise<string> {
  const f = testFleet();
  const { stdout } = await promisify(execFile)('ssh', ['-p', String(fleetHost(HOST).port), '-i', f.key, '-o', `UserKnownHostsFile=${f.knownHosts}`, '-o', 'BatchMode=yes', 'root@127.0.0.1', script], {
    timeout: 300_000,
  });
  return stdout;
}

const APT_ENV = 'DEBIAN_FRONTEND=noninteractive';
const dpkgLock = '-o DPkg::Lock::Timeout=120';

/** nmlocal-a (Section: custom), nmlocal-b (no Section), nmlocal-c removed with its conffile kept: dpkg's status only, no apt list has them. */
const PLANT = `set -e; cd /tmp; rm -rf nmpf; mkdir nmpf; cd nmpf
for p in nmlocal-a nmlocal-b nmlocal-c; do
  mkdir -p $p/DEBIAN $p/etc; echo x > $p/etc/$p.conf; echo /etc/$p.conf > $p/DEBIAN/conffiles
  printf 'Package: %s\\nVersion: 2:1.0-1\\nArchitecture: all\\nMaintainer: nodemend tests <t@example.org>\\nDescription: package_facts test\\n' $p > $p/DEBIAN/control
done
echo 'Section: custom' >> nmlocal-a/DEBIAN/control
for p in nmlocal-a nmlocal-b nmlocal-c; do dpkg-deb --build $p >/dev/null; done
dpkg -i nmlocal-a.deb nmlocal-b.deb nmlocal-c.deb >/dev/null; dpkg -r nmlocal-c >/dev/null
dpkg-query -W -f '\${db:Status-Abbrev}\${Package}\\n' 'nmlocal-*'`;

const without = differential(HOST, 'pkgfacts0', ['run']);
const noLib = without.case('package_facts without python3-apt', {
  tasks: `
    - name: gather packages
      package_facts:
      register: pf
      ignore_errors: true
  `,
});

const d = differential(HOST, 'pkgfacts');
const pkg = d.case('package_facts: the packages dict, managers, strategies', {
  tasks: `
    - name: gather packages
      package_facts:
      register: pf
    - name: apt named, every manager
      ansible.builtin.package_facts: { manager: [apt], strategy: all }
      register: pf_all
    - name: auto then apt
      package_facts: { manager: "auto,apt" }
      register: pf_auto
    - name: an rpm this host has not
      package_facts: { manager: rpm }
      register: pf_rpm
      ignore_errors: true
    - name: read what it set
      copy:
        content: "{{ ansible_facts.packages['bash'][0].version }} {{ ansible_facts.packages['nmlocal-a'] | length }} {{ 'nmlocal-c' in ansible_facts.packages }}\\n"
        dest: "{{ dir }}/facts"
  `,
});

beforeAll(async () => {
  await onHost(`dpkg -s python3-apt >/dev/null 2>&1 && ${APT_ENV} apt-get remove -y -q ${dpkgLock} python3-apt >/dev/null; true`);
  expect(await onHost(PLANT)).toBe('ii nmlocal-a\nii nmlocal-b\nrc nmlocal-c\n');
  await without.run();
  await onHost(
    `${APT_ENV} apt-get install -y -q --no-install-recommends ${dpkgLock} python3-apt >/dev/null 2>&1 || { apt-get update -q >/dev/null && ${APT_ENV} apt-get install -y -q --no-install-recommends ${dpkgLock} python3-apt >/dev/null; }`,
  );
  await d.run();
}, 900_000);

it('without python3-apt Ansible fails and nodemend reports the packages (a deliberate difference)', () => {
  const a = noLib.ansible.run.registered.pf;
  const n = noLib.nodemend.run.registered.pf;
  expect(a.failed).toBe(true);
  // Ansible's list comes from a set of classes: its order changes from run to run
  const listed = (msg: string): string[] => [.../following list: \[([^\]]*)\]/.exec(msg)![1].matchAll(/'(\w+)'/g)].map((m) => m[1]).sort();
  expect(a.msg).toMatch(/^Could not detect a supported package manager from the following list: \[.*\], or the required Python library is not installed/);
  expect(listed(a.msg)).toEqual(['apk', 'apt', 'pacman', 'pkg', 'pkg_info', 'portage', 'rpm']);
  expect(n.failed).toBeFalsy();
  expect(n.changed).toBe(false);
  expect(n.ansible_facts.packages.bash[0]).toMatchObject({ name: 'bash', arch: 'amd64', category: 'shells', origin: 'Debian', source: 'apt' });
  expect(n.ansible_facts.packages['python3-apt']).toBeUndefined();
});

describe.each(MODES)('%s', (mode) => {
  it('the whole packages dict equals Ansible’s (python3-apt on the host), never changed', () => {
    const a = pkg.ansible[mode].registered;
    const n = pkg.nodemend[mode].registered;
    const packages = a.pf.ansible_facts.packages as Record<string, unknown[]>;
    expect(Object.keys(packages).length).toBeGreaterThan(100);
    expect(packages['python3-apt']).toHaveLength(1);
    expect(packages['nmlocal-a']).toEqual([{ name: 'nmlocal-a', version: '2:1.0-1', arch: 'all', category: 'custom', origin: '', source: 'apt' }]);
    expect(packages['nmlocal-b']).toEqual([{ name: 'nmlocal-b', version: '2:1.0-1', arch: 'all', category: '', origin: '', source: 'apt' }]);
    expect(packages['nmlocal-c']).toBeUndefined();
    for (const r of ['pf', 'pf_all', 'pf_auto']) {
      expect(n[r].ansible_facts, r).toEqual(a[r].ansible_facts);
      expect(n[r].changed, r).toBe(false);
    }
    expect(n.pf_rpm.failed).toBe(true);
    expect(n.pf_rpm.msg).toBe(a.pf_rpm.msg);
    expect(pkg.nodemend[mode].changed).toEqual(pkg.ansible[mode].changed);
    expect(pkg.nodemend[mode].files).toEqual(pkg.ansible[mode].files);
    if (mode !== 'check') expect(pkg.nodemend[mode].files.facts).toMatchObject({ content: expect.stringMatching(/^5\.\S+ 1 False\n$/) });
  });
});
