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
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { differential, MODES } from '../setup/ansible-differential.js';
import { runCli, workDir, writeInventory } from '../setup/cli.js';
import { fleetHost, hostRoot, HOSTS, onHostAsRoot, testFleet } from '../setup/fleet.js';

const HOST = HOSTS.ansibleFacts[0];

/** A command on the host as root, over ssh with the fleet's key. */
const onHost = (script: string): Promise<string> => onHostAsRoot(HOST, script);

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

const net = d.case('the network subset: interfaces, addresses, default routes', {
  tasks: `
    - name: gather the network subset
      setup: { gather_subset: ['!all', '!min', 'network'] }
      register: net
    - name: network facts as variables
      copy:
        content: "{{ ansible_default_ipv4.address | default('none') }} {{ ansible_facts.default_ipv4.interface | default('none') }} {{ ansible_all_ipv4_addresses | length }} {{ ansible_lo.ipv4.address }} {{ ansible_facts['lo'].mtu }} {{ 'lo' in ansible_interfaces }}\\n"
        dest: "{{ dir }}/net"
    - name: an interface by a computed name, through hostvars and vars (audit24 N25; cluster roles find an address so)
      copy:
        content: "{{ hostvars[inventory_hostname]['ansible_' ~ 'lo'].ipv4.address }} {{ hostvars[inventory_hostname].ansible_lo.mtu }} {{ 'ansible_lo' in hostvars[inventory_hostname] }} {{ vars['ansible_' ~ 'lo'].device }} {{ 'ansible_lo' in vars }} {{ hostvars[inventory_hostname]['ansible_nm_none'] | default('none') }} {{ vars['ansible_nm_none'] | default('none') }}\\n"
        dest: "{{ dir }}/iface"
    - name: vars holds every variable as it is written, its templates not rendered (2.14's AnsibleJ2Vars)
      copy:
        content: "{{ vars['base'] }} {{ vars['templated'] }} {{ vars.dir == dir }} {{ 'hostvars' in vars }} {{ 'vars' in vars }} {{ vars['nm_none'] | default('none') }}\\n"
        dest: "{{ dir }}/vars"
  `,
  vars: { base: 'b1', templated: '{{ base }}-x' },
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

describe.each(MODES)('network %s', (mode) => {
  it('setup network facts equal Ansible’s (interfaces as a set: Ansible’s order is a Python set’s) and read as variables', () => {
    const a = { ...net.ansible[mode].registered.net.ansible_facts };
    const n = { ...net.nodemend[mode].registered.net.ansible_facts };
    expect(a.ansible_interfaces).toContain('lo');
    expect(a.ansible_lo.ipv4.address).toBe('127.0.0.1');
    expect([...n.ansible_interfaces].sort()).toEqual([...a.ansible_interfaces].sort());
    // Ansible adds the min facts its network collector requires (distribution, platform) even with !min
    const keys = ['ansible_default_ipv4', 'ansible_default_ipv6', 'ansible_all_ipv4_addresses', 'ansible_all_ipv6_addresses', 'gather_subset', 'module_setup'];
    for (const i of a.ansible_interfaces as string[]) keys.push(`ansible_${i}`);
    delete n.ansible_interfaces;
    expect(n).toEqual(Object.fromEntries(keys.map((k) => [k, a[k]])));
    expect(net.nodemend[mode].files).toEqual(net.ansible[mode].files);
    if (mode !== 'check') expect(net.nodemend[mode].files.net).toMatchObject({ content: expect.stringMatching(/^\S+ \S+ \d+ 127\.0\.0\.1 65536 True\n$/) });
    if (mode !== 'check') expect(net.nodemend[mode].files.iface).toMatchObject({ content: '127.0.0.1 65536 True lo True none none\n' });
    if (mode !== 'check') expect(net.nodemend[mode].files.vars).toMatchObject({ content: 'b1 {{ base }}-x True True False none\n' });
  });
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

/**
 * hostvars[h].ansible_x for another host of the play (node30: its facts are only read). Ansible
 * defines them only after gathering (gather_facts: true), nodemend always (lazy facts, fetched on
 * that host when read: the README's choice); a host that cannot be reached (node29's name on a
 * closed port) fails the reading task with a message naming it, and leaves the reader reachable.
 */
describe('hostvars of another host', () => {
  const other = HOSTS.ansibleSystem[0];
  const tasks = (tool: string): string => `
  tasks:
    - name: another host's facts
      copy:
        content: "{{ hostvars['${other}'].ansible_distribution }} {{ hostvars['${other}'].ansible_facts.os_family }} {{ hostvars['${other}']['ansible_hostname'] }} {{ hostvars['${other}'].ansible_facts['distribution_major_version'] }}\\n"
        dest: /tmp/nmdiff-hostvars-${tool}
      when: inventory_hostname == '${HOST}'
      register: r1
      ignore_errors: true
    - name: an unreachable host's facts
      copy: { content: "{{ hostvars['node29'].ansible_distribution }}\\n", dest: /tmp/nmdiff-hostvars-${tool}-2 }
      when: inventory_hostname == '${HOST}'
      register: r2
      ignore_errors: true
    - name: what failed
      copy: { content: "{{ r1.msg | default('') }}|{{ r2.msg | default('') }}\\n", dest: /tmp/nmdiff-hostvars-${tool}-msg }
      when: inventory_hostname == '${HOST}'
`;
  const play = (tool: string, gather: boolean): string => `- hosts: [${HOST}, ${other}, node29]\n  gather_facts: ${gather}\n${tasks(tool)}`;
  const read = (path: string): string => {
    try {
      return readFileSync(join(hostRoot(HOST), path), 'utf8');
    } catch {
      return '<absent>';
    }
  };
  const results: Record<string, { out: string; msg: string; code: number; output: string }> = {};

  beforeAll(async () => {
    await onHost('rm -f /tmp/nmdiff-hostvars-*');
    const f = testFleet();
    const port = (h: string): number => fleetHost(h).port;
    for (const gather of [true, false]) {
      const tool = `ansible-${gather}`;
      const work = workDir(`hostvars-${tool}`);
      const env = ansibleSetup(join(work, 'ansible'), 5, f.knownHosts);
      const host = (p: number) => ({
        ansible_host: '127.0.0.1',
        ansible_port: p,
        ansible_user: 'ops',
        ansible_ssh_private_key_file: f.key,
        ansible_become: true,
        ansible_python_interpreter: '/usr/bin/python3',
      });
      writeFileSync(join(work, 'inv.json'), JSON.stringify({ all: { hosts: { [HOST]: host(port(HOST)), [other]: host(port(other)), node29: host(1) } } }));
      writeFileSync(join(work, 'play.yaml'), play(tool, gather));
      const r = await new Promise<{ code: number; output: string }>((res) =>
        execFile('ansible-playbook', ['-i', join(work, 'inv.json'), join(work, 'play.yaml')], { cwd: work, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
          res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
        ),
      );
      stopSshMasters(join(work, 'ansible', 'cp'));
      results[tool] = { ...r, out: read(`/tmp/nmdiff-hostvars-${tool}`), msg: read(`/tmp/nmdiff-hostvars-${tool}-msg`) };
    }
    const work = workDir('hostvars-nodemend');
    const inv = writeInventory(work, [HOST, other, 'node29'], { portOverride: { node29: 1 } });
    writeFileSync(join(work, 'play.yaml'), play('nodemend', false));
    const r = await runCli(['run', join(work, 'play.yaml'), '-i', inv]);
    results.nodemend = { code: r.code, output: r.stdout + r.stderr, out: read('/tmp/nmdiff-hostvars-nodemend'), msg: read('/tmp/nmdiff-hostvars-nodemend-msg') };
  }, 600_000);

  it('with gather_facts: true Ansible gives another host’s facts; nodemend gives the same values without gathering', () => {
    expect(results['ansible-true'].out).toMatch(/^Debian Debian node30 12\n$/);
    expect(results.nodemend.out, results.nodemend.output).toBe(results['ansible-true'].out);
  });

  it('with gather_facts: false Ansible has them undefined (nodemend defines them: the documented difference)', () => {
    expect(results['ansible-false'].out).toBe('<absent>');
    expect(results['ansible-false'].msg).toMatch(/has no attribute 'ansible_distribution'/);
    expect(results.nodemend.out).toMatch(/^Debian Debian node30 12\n$/);
    expect(results.nodemend.msg.split('|')[0]).not.toMatch(/has no attribute|could not be read/);
  });

  it('an unreachable host’s facts fail the reading task with a message naming the host; the reader stays reachable', () => {
    expect(results['ansible-true'].msg.split('|')[1]).toMatch(/has no attribute 'ansible_distribution'/);
    expect(results.nodemend.msg.split('|')[1]).toMatch(/^hostvars\['node29'\]: the facts of node29 could not be read: /);
    expect(results.nodemend.output).toMatch(new RegExp(`${HOST}\\s*: ok=\\d+ .*unreachable=0 `));
  });
});
