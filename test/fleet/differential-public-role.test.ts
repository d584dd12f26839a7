/**
 * A public role through ansible-playbook and nodemend on node32: devsec.hardening os_hardening
 * 10.2.0 (test/fixtures/roles-public/roles/os_hardening, vendored unedited).
 *
 * Fleet hosts are chroots on this machine's kernel (src/fleet/hosts.ts), and the role writes
 * kernel parameters (net.*, kernel.kexec_load_disabled: one-way until reboot), loads modules and
 * remounts filesystems. So first: every fleet host's /proc/sys is read-only (hosts.ts), proven
 * here with the host's real procps sysctl; and on node32 sysctl, modprobe, mount and umount are
 * stand-ins (test/setup/system-standins.ts) that keep their state in table files. The sysctl
 * stand-in (procps-ng 4.0.2) is checked against the real procps 4.0.2 sysctl of the host on
 * what both can do without writing the kernel (reads, errors, --dry-run).
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, type Mode } from '../setup/ansible-differential.js';
import { hostRoot, HOSTS } from '../setup/fleet.js';
import { changed, expectCheckPredictsRun, expectSameOrder, onHost as onAnyHost, runBoth, runOf, type RoleRuns, type Tool } from '../setup/role-differential.js';
import type { CliResult } from '../setup/cli.js';
import { kernelSysctls, plantModprobeStandins, plantMountStandins, plantSysctlStandin, SYSCTL_LOG, SYSCTL_TABLE } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleRoles[0];

const onHost = (script: string): Promise<CliResult> => onAnyHost(HOST, script);

/** A POSIX shell word. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const REAL_SYSCTL = '/usr/lib/nm-real/sysctl';

describe('the shared kernel is out of reach', () => {
  it("a fleet host cannot write the machine's /proc/sys, only its own hostname and domainname", async () => {
    // Each write puts back the value already there: harmless even if the protection were missing.
    const r = await onHost(`
      sysctl=$(test -x ${REAL_SYSCTL} && echo ${REAL_SYSCTL} || echo /usr/sbin/sysctl)
      v=$(cat /proc/sys/net/ipv4/ip_forward); $sysctl -w net.ipv4.ip_forward=$v; echo "rc=$?"
      (echo "$v" > /proc/sys/net/ipv4/ip_forward) 2>&1; echo "rc=$?"
      d=$(cat /proc/sys/kernel/domainname); echo "$d" > /proc/sys/kernel/domainname; echo "rc=$?"
      grep ' /proc/sys ' /proc/self/mountinfo | cut -d' ' -f6 | cut -d, -f1`);
    expect(r.stderr).toContain('sysctl: permission denied on key "net.ipv4.ip_forward"');
    expect(r.stdout.split('\n')).toEqual(['rc=1', expect.stringContaining('Read-only file system'), 'rc=1', 'rc=0', 'ro', '']);
  });
});

describe('the procps-ng 4.0.2 sysctl stand-in answers as the real one', () => {
  const conf = '/tmp/nm-sysctl-standin.conf';
  beforeAll(async () => {
    plantSysctlStandin(hostRoot(HOST));
    const text = [
      '# comment',
      '; also a comment',
      'fs.protected_fifos = 1',
      '-no.such.key = 1',
      'kernel/domainname = nm-standin',
      'this line has no equals sign',
      'fs.protected_*=2',
      '-fs.protected_regular',
      'x',
      '',
    ].join('\n');
    expect((await onHost(`printf %s ${q(text)} > ${conf}`)).code).toBe(0);
  }, 60_000);

  // What both can run without writing a kernel parameter.
  const argvs = [
    ['-n', 'kernel.ostype'],
    ['kernel.ostype'],
    ['kernel/ostype'],
    ['-N', 'kernel.ostype'],
    ['-b', 'kernel.ostype'],
    ['-e', '-n', 'no.such.key'],
    ['no.such.key'],
    ['-n', 'no.such.key', 'other.missing'],
    ['-en', 'kernel.ostype', 'no.such.key'],
    ['-n', 'net.ipv4.ip_local_port_range'],
    ['--dry-run', 'kernel.domainname=nm-x'],
    ['--dry-run', '-w', 'net.ipv4.ip_local_port_range=1024  65000'],
    ['--dry-run', '-w', 'no.such.key=1'],
    ['--dry-run', '-e', '-w', 'no.such.key=1'],
    ['--dry-run', '-p', conf],
    ['--dry-run', '-e', '-p', conf],
    ['-p', '/no/such/file.conf'],
    ['-N', '-q', 'kernel.ostype'],
    [],
    ['-V'],
  ];
  it.each(argvs.map((a) => [a.join(' ') || '(no arguments)', a]))('sysctl %s', async (_, argv) => {
    const line = (argv as string[]).map(q).join(' ');
    const real = await onHost(`${REAL_SYSCTL} ${line}`);
    const standin = await onHost(`sysctl ${line}`);
    // Usage's full text aside: the stand-in prints its first lines only.
    if ((argv as string[]).length === 0) {
      expect(standin.code).toBe(real.code);
      expect(real.stderr).toContain(standin.stderr.trim().split('\n')[1]);
      return;
    }
    expect(standin).toEqual(real);
  });

  it('writes go to its table and read back as the kernel would show them; /proc/sys is untouched', async () => {
    const before = await onHost('cat /proc/sys/net/ipv4/ip_local_port_range');
    const w = await onHost("sysctl -w net.ipv4.ip_local_port_range='1024  65000' kernel.core_pattern=' core %p '; echo rc=$?; sysctl -n net.ipv4.ip_local_port_range kernel.core_pattern");
    expect(w.stdout).toBe('net.ipv4.ip_local_port_range = 1024  65000\nkernel.core_pattern = core %p\nrc=0\n1024\t65000\ncore %p\n');
    expect((await onHost('cat /proc/sys/net/ipv4/ip_local_port_range')).stdout).toBe(before.stdout);
    expect(readFileSync(join(hostRoot(HOST), SYSCTL_TABLE), 'utf8')).toContain('rw net.ipv4.ip_local_port_range = 1024\t65000\n');
    expect(readFileSync(join(hostRoot(HOST), SYSCTL_LOG), 'utf8')).toContain('sysctl -w net.ipv4.ip_local_port_range=1024  65000 kernel.core_pattern= core %p \n');
  });

  it('--system applies sysctl.d files in name order, then /etc/sysctl.conf, ignoring unknown keys', async () => {
    const r = await onHost(`
      mkdir -p /etc/sysctl.d /usr/lib/sysctl.d
      echo 'fs.protected_fifos = 2' > /etc/sysctl.d/90-nm.conf
      echo 'fs.protected_fifos = 0' > /usr/lib/sysctl.d/90-nm.conf
      printf 'no.such.key = 1\\nfs.protected_regular = 1\\n' > /usr/lib/sysctl.d/10-nm.conf
      sysctl --system; echo rc=$?; sysctl -n fs.protected_fifos
      rm -f /etc/sysctl.d/90-nm.conf /usr/lib/sysctl.d/90-nm.conf /usr/lib/sysctl.d/10-nm.conf`);
    const applying = r.stdout.split('\n').filter((l) => l.startsWith('* Applying'));
    expect(applying).toContain('* Applying /usr/lib/sysctl.d/10-nm.conf ...');
    expect(applying).toContain('* Applying /etc/sysctl.d/90-nm.conf ...');
    expect(applying).not.toContain('* Applying /usr/lib/sysctl.d/90-nm.conf ...');
    expect(applying.indexOf('* Applying /usr/lib/sysctl.d/10-nm.conf ...')).toBeLessThan(applying.indexOf('* Applying /etc/sysctl.d/90-nm.conf ...'));
    // Every "* Applying" line comes before the first setting, as PreloadSystem reads all files first.
    const lines = r.stdout.split('\n');
    expect(lines.findIndex((l) => !l.startsWith('* Applying'))).toBe(applying.length);
    expect(r.stdout).toContain('fs.protected_regular = 1\nfs.protected_fifos = 2\n');
    // The last setting of a key wins (the host's own 99-protect-links.conf comes later and sets it too).
    const last = [...r.stdout.matchAll(/^fs\.protected_fifos = (\d)$/gm)].pop()![1];
    expect(r.stdout).toMatch(new RegExp(`rc=0\n${last}\n$`));
    expect(r.stderr).toBe('');
  });
});

describe('set_fact with templated variable names, as the role sets its OS variables', () => {
  const d = differential(HOST, 'setfact-keys', ['run']);
  const keys = d.case('set_fact: "{{ item.key }}": "{{ item.value }}"', {
    tasks: `
      - name: one variable per item
        set_fact:
          "{{ item.key }}": "{{ item.value }}"
        with_dict: { nm_a: 1, nm_b: x }
      - name: read them back
        set_fact: { nm_both: "{{ nm_a }}-{{ nm_b }}" }
        register: both
    `,
  });
  beforeAll(() => d.run(), 600_000);
  it('sets the variables the keys name, as Ansible does', () => {
    expect(keys.nodemend.run.registered.both).toEqual(keys.ansible.run.registered.both);
    expect(keys.ansible.run.registered.both.ansible_facts).toEqual({ nm_both: '1-x' });
  });
});

// ---------------------------------------------------------------------------------------------
// os_hardening through both tools

const ROLE = resolve(import.meta.dirname, '../fixtures/roles-public/roles/os_hardening');

/** Only documented variables, each with its reason. */
const PLAY_VARS = {
  // README, "Docker support": a Kubernetes node (what nodemend hardens) forwards IPv4 traffic,
  // which the role's sysctl defaults turn off.
  sysctl_overwrite: { 'net.ipv4.ip_forward': 1 },
};

/** A regex source matching `s` literally. */
const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Ansible's result for a task its `when:` skipped carries the task's name before templating
 * (task_executor.py evaluates the condition before post_validate templates the name), where its
 * TASK banner, like nodemend's title, is templated (strategy/linear.py): the role's
 * `Configure hardened options for mount {{ mount.path }}` rows. Such a row is matched with each
 * `{{ }}` standing for some text.
 */
function titledAsBanner(row: string): unknown {
  if (!row.includes('{{') || !row.endsWith(': skipped')) return row;
  const pattern = row
    .split(/\{\{.*?\}\}/)
    .map(literal)
    .join('.+');
  return expect.stringMatching(new RegExp(`^${pattern}$`));
}

describe('devsec os_hardening 10.2.0 through ansible-playbook and nodemend on a fresh host', () => {
  let runs: RoleRuns;
  const get = (tool: Tool, mode: Mode) => runOf(runs, tool, mode);
  beforeAll(async () => {
    const sysctls = kernelSysctls();
    runs = await runBoth({
      host: HOST,
      dir: ROLE,
      name: 'os_hardening',
      vars: PLAY_VARS,
      prepare: (root) => {
        plantSysctlStandin(root, sysctls);
        plantMountStandins(root);
        plantModprobeStandins(root, release(), { dep: [], builtin: [], loaded: [] });
      },
    });
  }, 3_600_000);

  // Ansible prints one more row, as the README says: its fact gathering. The role's argument validation
  // row (meta/argument_specs.yml) is printed by both.
  it.each(['run', 'rerun'] as Mode[])('%s: the same tasks in the same order, each ok / changed / skipped / failed alike', (mode) => {
    expectSameOrder(runs, mode, { expected: titledAsBanner });
  });

  it('run: the same files changed, with the same content, mode, owner and group', () => {
    const ansible = changed(get('ansible', 'run'));
    // Not vacuous: the role's own files are among them.
    expect(Object.keys(ansible)).toEqual(expect.arrayContaining(['/etc/login.defs', '/etc/modprobe.d/dev-sec.conf', '/etc/sysctl.conf', '/etc/fstab', SYSCTL_TABLE]));
    expect(changed(get('nodemend', 'run'))).toEqual(ansible);
  });

  it("rerun: changes what Ansible's rerun changes, and nothing else", () => {
    expect(changed(get('nodemend', 'rerun'))).toEqual(changed(get('ansible', 'rerun')));
  });

  it("nodemend's check run changes nothing and predicts its run, up to a template into a directory a package would make", () => {
    // A deliberate difference (README): the check run cannot know that the auditd package it would
    // install makes /etc/audit, so the template into it fails there; Ansible's check run says changed.
    expectCheckPredictsRun(runs, { task: 'os_hardening : Configure auditd | package-08', msg: 'Destination directory /etc/audit does not exist' });
  });

  it('both tools exit alike (the handler that restarts auditd through systemd fails: a fleet host has no systemctl)', () => {
    expect(get('nodemend', 'run').exitCode).toBe(get('ansible', 'run').exitCode);
    expect(get('nodemend', 'rerun').exitCode).toBe(get('ansible', 'rerun').exitCode);
  });
});
