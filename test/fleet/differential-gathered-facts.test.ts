/**
 * Ansible differential suite for the gathered facts nodemend added after the audit of issue 13
 * (src/facts/clock.ts, system.ts, hardware.ts): ansible_date_time, uptime_seconds, loadavg,
 * memory_mb, swapfree_mb, dns, lsb, python/python_version, fips, apparmor, is_chroot,
 * system_capabilities, ssh host keys, the DMI ids, processor lists, userspace bits, proc_cmdline,
 * compared with ansible-playbook 2.14's `setup` on the same host, value by value, in check mode, a
 * run and a rerun, under both a full gather and `gather_subset` selections.
 *
 * Runs on node39 (the downgrade area's host, which this file's author owns) because it plants
 * /etc/lsb-release and a richer /etc/resolv.conf (search, domain, sortlist, options) so that lsb.py
 * and dns.py have something to parse; both are put back afterwards.
 *
 * Values that move between two readings are compared by type and tolerance, not equality: the
 * clock (date_time's epoch within 900 s of Ansible's: the two tools run one after the other,
 * each for three modes), uptime_seconds (within 900 s), loadavg (three numbers >= 0), free
 * memory (memory_mb's totals equal, each `used` = total - free in both tools).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { readFileSync } from 'node:fs';
import { HOSTS, hostRoot, onHostAsRoot } from '../setup/fleet.js';

const HOST = HOSTS.ansibleDowngrade[0];
const d = differential(HOST, 'gathered');

/** Setup's keys nodemend leaves out on purpose (README "Choices"). */
const NOT_GATHERED = ['ansible_devices', 'ansible_device_links', 'ansible_lvm', 'ansible_fibre_channel_wwn', 'ansible_hostnqn', 'ansible_iscsi_iqn'];
/** Keys whose values move between two readings (compared below by type and tolerance). */
const MOVING = ['ansible_date_time', 'ansible_uptime_seconds', 'ansible_loadavg', 'ansible_memfree_mb', 'ansible_memory_mb'];
/** Keys compared elsewhere, which differ by nature (differential-env-facts: the environment; differential-facts: the order of interfaces). */
const ELSEWHERE = ['ansible_env', 'ansible_interfaces'];
const NEW = [
  'ansible_dns',
  'ansible_lsb',
  'ansible_python',
  'ansible_python_version',
  'ansible_swapfree_mb',
  'ansible_fips',
  'ansible_apparmor',
  'ansible_is_chroot',
  'ansible_system_capabilities',
  'ansible_system_capabilities_enforced',
  'ansible_ssh_host_key_ed25519_public',
  'ansible_ssh_host_key_ed25519_public_keytype',
  'ansible_bios_vendor',
  'ansible_form_factor',
  'ansible_product_name',
  'ansible_system_vendor',
  'ansible_processor',
  'ansible_processor_nproc',
  'ansible_processor_threads_per_core',
  'ansible_userspace_bits',
  'ansible_userspace_architecture',
  'ansible_proc_cmdline',
];

const gather = d.case('setup: every fact Ansible gathers, by value', {
  tasks: `
    - name: gather everything
      setup:
      register: all_facts
    - name: the min subset
      setup: { gather_subset: ['!all', 'min'] }
      register: min_facts
    - name: hardware alone
      setup: { gather_subset: ['!all', '!min', 'hardware'], filter: ['ansible_memory_mb', 'ansible_uptime_seconds', 'ansible_swap*', 'ansible_processor*'] }
      register: hw_facts
    - name: collectors by name
      setup: { gather_subset: ['!all', '!min', 'date_time', 'dns', 'lsb', 'python', 'loadavg'] }
      register: named_facts
  `,
});

const vars = d.case('the new facts as variables', {
  tasks: `
    - name: facts in a file
      copy:
        dest: "{{ dir }}/facts"
        content: |
          dns {{ ansible_dns.nameservers | join(',') }} {{ ansible_dns.search | join(',') }} {{ ansible_dns.options.ndots }} {{ ansible_dns.options.rotate }}
          lsb {{ ansible_lsb.id }} {{ ansible_lsb.major_release }} {{ ansible_lsb.codename }} {{ ansible_facts.lsb.description }}
          python {{ ansible_python.version.major }} {{ ansible_python_version is version('3', '>=') }} {{ ansible_python.executable }}
          memory {{ ansible_memory_mb.real.total }} {{ ansible_swapfree_mb }} {{ ansible_memory_mb.swap.total }}
          clock {{ ansible_date_time.tz }} {{ ansible_date_time.tz_offset }} {{ ansible_date_time.year | int > 2000 }} {{ ansible_uptime_seconds is number }}
          caps {{ ansible_system_capabilities_enforced }} {{ ansible_fips }} {{ ansible_apparmor.status }} {{ ansible_is_chroot }}
`,
});

const RESOLV = `# planted by differential-gathered-facts
nameserver 10.255.255.53
nameserver 10.255.255.54 10.255.255.55
domain nmdiff-gathered.test
search nmdiff-gathered.test example.test
sortlist 130.155.160.0/255.255.240.0 130.155.0.0
; a comment
options ndots:2 timeout:3 rotate edns0
`;
const LSB = `DISTRIB_ID=Debian
DISTRIB_RELEASE=12.15
DISTRIB_CODENAME=bookworm
DISTRIB_DESCRIPTION="Debian GNU/Linux 12 (bookworm)"
`;

/**
 * The distribution facts (src/facts/distribution.ts: distribution.py's release-file walk and its
 * distro library) on node31, the setup area's host, read-only: compared key by key, no tolerance.
 * Other distributions' release files: test/unit/facts/distribution.test.ts (Ansible's own
 * collector in a mount namespace).
 */
const FACTS_HOST = HOSTS.ansibleFacts[0];
const dist = differential(FACTS_HOST, 'distribution');
const DISTRIBUTION_KEYS = [
  'ansible_distribution',
  'ansible_distribution_version',
  'ansible_distribution_major_version',
  'ansible_distribution_minor_version',
  'ansible_distribution_release',
  'ansible_distribution_file_path',
  'ansible_distribution_file_variety',
  'ansible_distribution_file_parsed',
  'ansible_os_family',
];
const distCase = dist.case('the distribution facts, gathered and as variables', {
  tasks: `
    - name: the distribution collector
      setup: { gather_subset: ['!all', '!min', 'distribution'] }
      register: dist_facts
    - name: distribution facts in a file
      copy:
        dest: "{{ dir }}/distribution"
        content: |
          ${DISTRIBUTION_KEYS.map((k) => `{{ ${k} }}`).join(' ')}
          {{ ansible_facts.distribution_version is version('12', '>=') }} {{ ansible_facts.distribution_file_variety }}
`,
});

beforeAll(async () => {
  await dist.run();
}, 900_000);

describe.each(MODES)('distribution facts on %s', (mode) => {
  it('setup’s distribution collector returns Ansible’s keys and values, exactly', () => {
    const an = distCase.ansible[mode].registered.dist_facts.ansible_facts;
    expect(distCase.nodemend[mode].registered.dist_facts.ansible_facts).toEqual(an);
    // the fleet's Debian without lsb_release or python3-distro: os-release's 12, debian_version's minor
    const minor = /^\d+\.(\d+)/.exec(readFileSync(`${hostRoot(FACTS_HOST)}/etc/debian_version`, 'utf8'))![1];
    expect(an).toMatchObject({
      ansible_distribution: 'Debian',
      ansible_distribution_version: '12',
      ansible_distribution_minor_version: minor,
      ansible_distribution_file_path: '/etc/os-release',
      ansible_distribution_file_variety: 'Debian',
      ansible_distribution_file_parsed: true,
      ansible_os_family: 'Debian',
    });
    expect(
      Object.keys(an)
        .filter((k) => k.startsWith('ansible_'))
        .sort(),
    ).toEqual([...DISTRIBUTION_KEYS].sort());
  });

  it('as variables, the same text', () => {
    expect(distCase.nodemend[mode].files).toEqual(distCase.ansible[mode].files);
    if (mode !== 'check')
      expect(distCase.nodemend[mode].files.distribution).toMatchObject({ content: expect.stringMatching(/^Debian 12 12 \d+ bookworm \/etc\/os-release Debian True Debian\nTrue Debian\n$/) });
    expect(distCase.nodemend[mode].changed).toEqual(distCase.ansible[mode].changed);
  });
});

beforeAll(async () => {
  await onHostAsRoot(HOST, `cp -p /etc/resolv.conf /etc/resolv.conf.nmdiff-gathered && printf '%s' '${RESOLV}' > /etc/resolv.conf && printf '%s' '${LSB}' > /etc/lsb-release`);
  await d.run();
}, 900_000);

afterAll(async () => {
  await onHostAsRoot(HOST, 'mv /etc/resolv.conf.nmdiff-gathered /etc/resolv.conf; rm -f /etc/lsb-release');
});

type Facts = Record<string, any>;
const without = (f: Facts, keys: string[]): Facts => Object.fromEntries(Object.entries(f).filter(([k]) => !keys.includes(k)));
/** The interfaces by name (ansible_eth0...) are compared in differential-facts; here only that both have them. */
const ifaceKeys = (f: Facts): string[] => ((f.ansible_interfaces as string[] | undefined) ?? []).map((i) => `ansible_${i.replace(/-/g, '_')}`);

describe.each(MODES)('%s', (mode) => {
  const a = (reg: string): Facts => gather.ansible[mode].registered[reg].ansible_facts;
  const n = (reg: string): Facts => gather.nodemend[mode].registered[reg].ansible_facts;

  it('a full gather has every key of Ansible’s but the ones left out on purpose, and no other', () => {
    const want = Object.keys(a('all_facts')).filter((k) => !NOT_GATHERED.includes(k));
    expect(Object.keys(n('all_facts')).sort()).toEqual(want.sort());
    for (const k of NEW) expect(n('all_facts'), k).toHaveProperty(k);
  });

  it('every value that does not move is Ansible’s', () => {
    const skip = [...NOT_GATHERED, ...MOVING, ...ELSEWHERE, ...ifaceKeys(a('all_facts'))];
    expect(without(n('all_facts'), skip)).toEqual(without(a('all_facts'), skip));
    // the planted files, parsed alike (dns.py / lsb.py)
    expect(n('all_facts').ansible_dns).toEqual({
      nameservers: ['10.255.255.53', '10.255.255.54', '10.255.255.55'],
      domain: 'nmdiff-gathered.test',
      search: ['nmdiff-gathered.test', 'example.test'],
      sortlist: ['130.155.160.0/255.255.240.0', '130.155.0.0'],
      options: { ndots: '2', timeout: '3', rotate: true, edns0: true },
    });
    expect(n('all_facts').ansible_lsb).toEqual({ id: 'Debian', release: '12.15', major_release: '12', codename: 'bookworm', description: 'Debian GNU/Linux 12 (bookworm)' });
    expect(n('all_facts').ansible_python).toMatchObject({ executable: '/usr/bin/python3', type: 'cpython', version: { major: 3 } });
  });

  it('the moving values: same keys and types, within tolerance', () => {
    const [an, nn] = [a('all_facts'), n('all_facts')];
    expect(Object.keys(nn.ansible_date_time).sort()).toEqual(Object.keys(an.ansible_date_time).sort());
    for (const [k, v] of Object.entries(an.ansible_date_time)) expect(typeof nn.ansible_date_time[k], k).toBe(typeof v);
    const dt = nn.ansible_date_time as Record<string, string>;
    expect(Math.abs(Number(dt.epoch) - Number(an.ansible_date_time.epoch))).toBeLessThan(900);
    expect(dt.epoch_int).toBe(dt.epoch);
    // one timestamp, rendered alike: local fields agree with each other and with the UTC ones (the fleet's zone is UTC)
    expect(dt.date).toBe(`${dt.year}-${dt.month}-${dt.day}`);
    expect(dt.iso8601).toBe(`${dt.date}T${dt.time}Z`);
    expect(dt.iso8601_micro).toMatch(new RegExp(`^${dt.date}T${dt.time}\\.\\d{6}Z$`));
    expect(dt.iso8601_basic).toMatch(new RegExp(`^${dt.iso8601_basic_short}\\d{6}$`));
    for (const k of ['tz', 'tz_dst', 'tz_offset', 'weekday', 'weekday_number', 'weeknumber']) {
      if (dt.date === an.ansible_date_time.date) expect(dt[k], k).toBe(an.ansible_date_time[k]);
    }
    expect(Number.isInteger(nn.ansible_uptime_seconds)).toBe(true);
    expect(Math.abs(nn.ansible_uptime_seconds - an.ansible_uptime_seconds)).toBeLessThan(900);
    expect(Object.keys(nn.ansible_loadavg).sort()).toEqual(['15m', '1m', '5m']);
    for (const v of Object.values(nn.ansible_loadavg)) expect(v).toBeGreaterThanOrEqual(0);
    const [am, nm] = [an.ansible_memory_mb, nn.ansible_memory_mb];
    expect(Object.keys(nm).sort()).toEqual(Object.keys(am).sort());
    expect(nm.real.total).toBe(am.real.total);
    expect(nm.swap.total).toBe(am.swap.total);
    for (const m of [am, nm]) {
      expect(m.real.used).toBe(m.real.total - m.real.free);
      expect(m.nocache.used).toBe(m.real.total - m.nocache.free);
      expect(m.swap.used).toBe(m.swap.total - m.swap.free);
    }
    expect(nn.ansible_memfree_mb).toBe(nm.real.free);
  });

  it('gather_subset selects the same collectors, and a setup reads the clock again', () => {
    for (const reg of ['min_facts', 'hw_facts', 'named_facts']) {
      const want = Object.keys(a(reg)).filter((k) => !NOT_GATHERED.includes(k));
      expect(Object.keys(n(reg)).sort(), reg).toEqual(want.sort());
    }
    expect(n('min_facts')).toHaveProperty('ansible_date_time');
    expect(n('min_facts')).not.toHaveProperty('ansible_memory_mb');
    expect(n('min_facts')).not.toHaveProperty('ansible_loadavg');
    expect(n('hw_facts').ansible_memory_mb.real.total).toBe(a('hw_facts').ansible_memory_mb.real.total);
    expect(n('named_facts').ansible_dns).toEqual(a('named_facts').ansible_dns);
    expect(n('named_facts').ansible_python).toEqual(a('named_facts').ansible_python);
    // the fourth setup's clock is its own reading, not the first one's
    expect(n('named_facts').ansible_date_time.iso8601_basic > n('all_facts').ansible_date_time.iso8601_basic).toBe(true);
    expect(gather.nodemend[mode].changed).toEqual(gather.ansible[mode].changed);
  });

  it('as variables, the same text', () => {
    expect(vars.nodemend[mode].files).toEqual(vars.ansible[mode].files);
    if (mode !== 'check') {
      expect(vars.nodemend[mode].files.facts).toMatchObject({
        content: expect.stringMatching(
          /^dns 10\.255\.255\.53,10\.255\.255\.54,10\.255\.255\.55 nmdiff-gathered\.test,example\.test 2 True\nlsb Debian 12 bookworm Debian GNU\/Linux 12 \(bookworm\)\npython 3 True \/usr\/bin\/python3\n/,
        ),
      });
    }
    expect(vars.nodemend[mode].changed).toEqual(vars.ansible[mode].changed);
  });
});
