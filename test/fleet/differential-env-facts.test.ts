/**
 * Ansible differential suite for node35 (paths /tmp/nmdiff-envfacts-*): the gathered facts of
 * the env and user collectors as ansible-playbook (Debian's ansible-core 2.14) and nodemend
 * report them on the same host, through `gather_facts: true`, `setup:` (with its gather_subset
 * and filter) and hostvars. Facts are gathered as Ansible gathers them: with the play's become
 * (root's sudo environment under `become: true`, the login user's without), a `setup:` task with
 * its own become. Each play writes what it read as JSON; both tools' files are compared whole.
 *
 * ansible_env is compared whole except what differs by nature, each asserted in its shape:
 * SSH_CLIENT / SSH_CONNECTION (the client's ephemeral port), SUDO_COMMAND (the command line sudo
 * ran: Ansible's `/bin/sh -c echo BECOME-SUCCESS-<random> ; /usr/bin/python3`, nodemend's shell
 * server) and `_` (the program the login shell started last: Ansible's /bin/sh, nodemend's sh found
 * on PATH). LANG and LC_* come from the controller, not the host: OpenSSH's client sends them
 * (Debian's /etc/ssh/ssh_config: `SendEnv LANG LC_*`, sshd's `AcceptEnv LANG LC_*`) and sudo keeps
 * LANG; ssh2 sends none. Ansible's LANG is asserted to be the controller's own.
 *
 * ansible_mounts: a fleet host's own mounts are all skipped by Ansible (no device starts with
 * `/`), so the test mounts tmpfs filesystems on node35 first (MOUNTS: sources that start with `/`,
 * hold `:/` or not, octal escapes, a bind mount, two mounts stacked on one point, one under a
 * directory only root may search) and compares the whole list, every key of every entry, exactly:
 * the sizes and inode counts move only when something writes to those filesystems, and nothing
 * does between the two tools' reads (each tool writes under /tmp and ~/.ansible, on the host's
 * overlay root, which is not in the list). Ansible lists the entries in the order its statvfs
 * workers finish, so both lists are compared sorted by mount point.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { runCli, workDir } from '../setup/cli.js';
import { fleetHost, hostRoot, HOSTS, onHostAsRoot, testFleet } from '../setup/fleet.js';

const HOST = HOSTS.ansibleEnvFacts[0];
type Tool = 'ansible' | 'nodemend';
const TOOLS: Tool[] = ['ansible', 'nodemend'];
const BY_NATURE = ['SSH_CLIENT', 'SSH_CONNECTION', 'SUDO_COMMAND', '_'];
/** Sent by the controller's OpenSSH client (SendEnv), not set on the host. */
const FORWARDED = /^(LANG|LC_\w+)$/;
const hostKeys = (env: Record<string, string>): string[] =>
  Object.keys(env)
    .filter((k) => !FORWARDED.test(k))
    .sort();

const USER_FACTS = ['user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell', 'real_user_id', 'effective_user_id', 'real_group_id', 'effective_group_id'];
const VIRTUAL_FACTS = ['virtualization_type', 'virtualization_role', 'virtualization_tech_guest', 'virtualization_tech_host'];
/** What a play read: every env and user fact, under both names, and through hostvars. */
const DUMP = `facts={{ { ${[
  "'env': ansible_env",
  "'facts_env': ansible_facts.env",
  ...USER_FACTS.map((n) => `'${n}': ansible_${n}`),
  ...USER_FACTS.map((n) => `'facts_${n}': ansible_facts['${n}']`),
  ...VIRTUAL_FACTS.map((n) => `'${n}': ansible_${n}`),
  `'hostvars_user_id': hostvars['${HOST}'].ansible_user_id`,
  `'hostvars_virtualization_type': hostvars['${HOST}'].ansible_virtualization_type`,
  `'hostvars_env_home': hostvars['${HOST}'].ansible_facts.env.HOME`,
  "'mounts': ansible_mounts",
  "'facts_mounts': ansible_facts.mounts",
  `'hostvars_mounts': hostvars['${HOST}'].ansible_mounts`,
].join(', ')} } | to_json }}\n`;

const out = (tool: Tool, name: string): string => `/tmp/nmdiff-envfacts-${tool}-${name}.json`;

/** gather_facts: true with and without become, then setup tasks (their own become, gather_subset, filter) in a play that gathers nothing. */
const playbook = (tool: Tool): string => `
- name: become
  hosts: ${HOST}
  become: true
  gather_facts: true
  tasks:
    - copy: { content: ${JSON.stringify(DUMP)}, dest: ${out(tool, 'become')} }
- name: login user
  hosts: ${HOST}
  become: false
  gather_facts: true
  tasks:
    - copy: { content: ${JSON.stringify(DUMP)}, dest: ${out(tool, 'login')} }
- name: setup tasks
  hosts: ${HOST}
  become: false
  gather_facts: false
  tasks:
    - name: env and user subsets, as root
      setup: { gather_subset: ['!all', '!min', 'env', 'user'] }
      become: true
      register: s_env
    - copy: { content: "facts={{ {'setup': s_env.ansible_facts, 'user_id': ansible_user_id, 'home': ansible_env.HOME} | to_json }}\\n", dest: ${out(tool, 'setup-become')} }
    - name: the user facts by filter, as the login user
      setup: { filter: 'ansible_user_*' }
      register: s_filter
    - copy: { content: "facts={{ {'setup': s_filter.ansible_facts, 'user_id': ansible_user_id, 'home': ansible_env.HOME} | to_json }}\\n", dest: ${out(tool, 'setup-filter')} }
    - name: a container as systemd-nspawn and docker mark one
      become: true
      block:
        - file: { path: /run/systemd, state: directory }
        - copy: { content: "systemd-nspawn\\n", dest: /run/systemd/container }
        - copy: { content: "", dest: /.dockerenv }
    - name: the virtual subset
      setup: { gather_subset: ['!all', '!min', 'virtual'] }
      register: s_virtual
    - become: true
      block:
        - file: { path: /run/systemd, state: absent }
        - file: { path: /.dockerenv, state: absent }
    - copy: { content: "facts={{ {'setup': s_virtual.ansible_facts, 'type': ansible_virtualization_type} | to_json }}\\n", dest: ${out(tool, 'setup-virtual')} }
    - name: the mounts by the hardware subset and a filter, as the login user
      setup: { gather_subset: ['!all', '!min', 'hardware'], filter: ansible_mounts }
      register: s_mounts
    - copy: { content: "facts={{ {'setup': s_mounts.ansible_facts} | to_json }}\\n", dest: ${out(tool, 'setup-mounts')} }
`;

/** The same become play as opspw, whose sudo asks for a password. */
const passwordPlaybook = (tool: Tool): string => `
- name: become with a password
  hosts: ${HOST}
  become: true
  gather_facts: true
  tasks:
    - copy: { content: ${JSON.stringify(DUMP)}, dest: ${out(tool, 'opspw')} }
`;

/** What a play that gathers nothing sees of the facts that depend on who asks. */
const NOT_GATHERED = `facts={{ { ${[
  "'env': ansible_env is defined",
  "'user_id': ansible_user_id | default('undefined')",
  "'home': ansible_env.HOME | default('undefined')",
  "'facts_user_id': ansible_facts.user_id | default('undefined')",
  "'virtualization_type': ansible_virtualization_type is defined",
  "'mounts': ansible_mounts is defined",
  `'hostvars_user_id': hostvars['${HOST}'].ansible_user_id | default('undefined')`,
].join(', ')} } | to_json }}\n`;

/**
 * gather_facts: false gathers nothing (Ansible's strategy runs no setup): before any gathering the
 * become-dependent facts are undefined, after a become play's gathering a later play without become
 * still sees root's (facts stay with the host), and a setup task in such a play sets them.
 */
const ungatheredPlaybook = (tool: Tool): string => `
- name: nothing gathered yet
  hosts: ${HOST}
  become: true
  gather_facts: false
  tasks:
    - copy: { content: ${JSON.stringify(NOT_GATHERED)}, dest: ${out(tool, 'ungathered-first')} }
- name: gathered as root
  hosts: ${HOST}
  become: true
  gather_facts: true
  tasks: []
- name: the login user, gathering nothing
  hosts: ${HOST}
  become: false
  gather_facts: false
  tasks:
    - copy: { content: ${JSON.stringify(NOT_GATHERED)}, dest: ${out(tool, 'ungathered-after-root')} }
    - setup: { gather_subset: ['!all', '!min', 'user'] }
    - copy: { content: ${JSON.stringify(NOT_GATHERED)}, dest: ${out(tool, 'ungathered-after-setup')} }
`;

const runs: Record<string, { code: number; output: string }> = {};

/** Where the test's filesystems are mounted on node35. */
const MNT = '/tmp/nmdiff-envfacts-mnt';
/** Each: the source (tmpfs takes any string), the mount point under MNT; mounted in this order. */
const MOUNTS: [string, string][] = [
  ['/nm-tmpfs', 'plain'],
  ['/nm dev\twith tab', 'with space'],
  ['nfs-like:/export', 'nfs'],
  ['nm-not-a-path', 'skipped'],
  ['/nm-lower', 'stacked'],
  ['/nm-upper', 'stacked'],
  ['/nm-private', 'private/inner'],
];
/** A POSIX shell word. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** The mounts, a file that makes the sizes non-trivial, a bind mount of a directory of the first, a private directory. */
const MOUNT_SCRIPT = [
  'set -e',
  `mkdir -p ${MNT}/bind ${MNT}/private`,
  ...MOUNTS.map(([src, at]) => `mkdir -p ${q(`${MNT}/${at}`)} && mount -t tmpfs -o size=8m ${q(src)} ${q(`${MNT}/${at}`)}`),
  `mkdir ${MNT}/plain/sub && head -c 1048576 /dev/zero > ${MNT}/plain/sub/one-mib && touch ${MNT}/plain/a ${MNT}/plain/b`,
  `mount --bind ${MNT}/plain/sub ${MNT}/bind`,
  `chmod 700 ${MNT}/private`,
].join('\n');
/** Unmount them, latest first (the stacked point twice); what was never mounted is skipped. */
const UNMOUNT_SCRIPT = [`${MNT}/bind`, ...MOUNTS.map(([, at]) => `${MNT}/${at}`).reverse()].map((p) => `umount ${q(p)} 2>/dev/null;`).join(' ') + ` rm -rf ${MNT}`;

async function ansible(tool: 'ansible', user: string, play: string, tag: string): Promise<void> {
  const f = testFleet();
  const work = workDir(`envfacts-${tag}`);
  const env = ansibleSetup(join(work, 'ansible'), 1, f.knownHosts);
  const host = { ansible_host: '127.0.0.1', ansible_port: fleetHost(HOST).port, ansible_user: user, ansible_ssh_private_key_file: f.key, ansible_python_interpreter: '/usr/bin/python3' };
  const vars = user === 'opspw' ? { ...host, ansible_become_password: 'opspw' } : host;
  writeFileSync(join(work, 'inv.json'), JSON.stringify({ all: { hosts: { [HOST]: vars } } }));
  writeFileSync(join(work, 'play.yaml'), play);
  runs[`${tool}-${tag}`] = await new Promise((res) =>
    execFile('ansible-playbook', ['-i', join(work, 'inv.json'), join(work, 'play.yaml')], { cwd: work, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
  stopSshMasters(join(work, 'ansible', 'cp'));
}

async function nodemend(user: string, play: string, tag: string): Promise<void> {
  const f = testFleet();
  const work = workDir(`envfacts-nm-${tag}`);
  const password = user === 'opspw' ? ', become_password: opspw' : '';
  writeFileSync(
    join(work, 'inv.yaml'),
    `all:\n  connection: { host: 127.0.0.1, user: ${user}, identity_file: ${JSON.stringify(f.key)}, known_hosts: ${JSON.stringify(f.knownHosts)}${password} }\n  hosts:\n    ${HOST}: { port: ${fleetHost(HOST).port} }\n`,
  );
  writeFileSync(join(work, 'play.yaml'), play);
  const r = await runCli(['run', join(work, 'play.yaml'), '-i', join(work, 'inv.yaml')]);
  runs[`nodemend-${tag}`] = { code: r.code, output: r.stdout + r.stderr };
}

function read(tool: Tool, name: string): Record<string, any> {
  // "facts=" first: a content that is only a JSON object would be taken for a mapping (Ansible's literal_eval, nodemend too)
  return JSON.parse(readFileSync(join(hostRoot(HOST), out(tool, name)), 'utf8').replace(/^facts=/, '')) as Record<string, any>;
}

beforeAll(async () => {
  for (const t of TOOLS)
    for (const n of ['become', 'login', 'setup-become', 'setup-filter', 'setup-virtual', 'setup-mounts', 'opspw', 'ungathered-first', 'ungathered-after-root', 'ungathered-after-setup'])
      rmSync(join(hostRoot(HOST), out(t, n)), { force: true });
  await onHostAsRoot(HOST, UNMOUNT_SCRIPT);
  await onHostAsRoot(HOST, MOUNT_SCRIPT);
  await ansible('ansible', 'ops', playbook('ansible'), 'ops');
  await ansible('ansible', 'opspw', passwordPlaybook('ansible'), 'opspw');
  await nodemend('ops', playbook('nodemend'), 'ops');
  await nodemend('opspw', passwordPlaybook('nodemend'), 'opspw');
  await ansible('ansible', 'ops', ungatheredPlaybook('ansible'), 'ungathered');
  await nodemend('ops', ungatheredPlaybook('nodemend'), 'ungathered');
  for (const [k, r] of Object.entries(runs)) expect(r.code, `${k}:\n${r.output.slice(-3000)}`).toBe(0);
}, 600_000);

afterAll(() => onHostAsRoot(HOST, UNMOUNT_SCRIPT), 60_000);

/** The env without the keys that differ by nature, after checking each one's shape in both tools. */
function comparableEnv(env: Record<string, string>, sudo: boolean, tool: Tool): Record<string, string> {
  const port = fleetHost(HOST).port;
  if (tool === 'ansible') expect(env.LANG).toBe(process.env.LANG);
  if (sudo) {
    expect(env.SUDO_COMMAND).toMatch(/^\/(usr\/)?bin\/sh -c /);
    expect(env).not.toHaveProperty('SSH_CLIENT');
  } else {
    expect(env.SSH_CLIENT).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ ${port}$`));
    expect(env.SSH_CONNECTION).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${port}$`));
    expect(env._).toMatch(/^\/(usr\/)?bin\/sh$/);
  }
  return Object.fromEntries(Object.entries(env).filter(([k]) => !BY_NATURE.includes(k) && !FORWARDED.test(k)));
}

type Mount = Record<string, string | number>;
/** Ansible lists the mounts in the order its workers finish: compared sorted by mount point. */
const sortedMounts = (m: Mount[]): Mount[] => [...m].sort((x, y) => String(x.mount).localeCompare(String(y.mount)));
const byMount = (d: Record<string, any>) => ({ mounts: sortedMounts(d.mounts), facts_mounts: sortedMounts(d.facts_mounts), hostvars_mounts: sortedMounts(d.hostvars_mounts) });

function expectSameDump(name: string, sudo: boolean): { a: Record<string, any>; n: Record<string, any> } {
  const a = read('ansible', name);
  const n = read('nodemend', name);
  expect(hostKeys(n.env)).toEqual(hostKeys(a.env));
  expect(comparableEnv(n.env, sudo, 'nodemend')).toEqual(comparableEnv(a.env, sudo, 'ansible'));
  // The tech lists are Python sets in Ansible: their order changes between runs.
  const sets = (d: Record<string, any>) => ({ virtualization_tech_guest: [...d.virtualization_tech_guest].sort(), virtualization_tech_host: [...d.virtualization_tech_host].sort() });
  const rest = (d: Record<string, any>) => ({ ...d, env: undefined, facts_env: undefined, ...sets(d), ...byMount(d) });
  expect(rest(n)).toEqual(rest(a));
  expect(n.facts_env).toEqual(n.env);
  return { a, n };
}

describe('gather_facts: true', () => {
  it('under become: true the facts are root’s and ansible_env is sudo’s environment, equal to Ansible’s', () => {
    const { a } = expectSameDump('become', true);
    expect(a).toMatchObject({ user_id: 'root', user_uid: 0, user_dir: '/root', real_user_id: 0, effective_user_id: 0, hostvars_user_id: 'root', hostvars_env_home: '/root' });
    expect(a.env).toMatchObject({ USER: 'root', HOME: '/root', SUDO_USER: 'ops', SUDO_UID: '1000' });
    // A chroot host on this machine: no container marker. /dev/kvm (which not every CI machine has) makes it a kvm
    // host; without it what Ansible finds depends on the machine (nodemend's equality is checked above either way).
    if (existsSync('/dev/kvm')) expect(a).toMatchObject({ virtualization_type: 'kvm', virtualization_role: 'host', virtualization_tech_guest: [], virtualization_tech_host: ['kvm'] });
    else expect(a.virtualization_tech_host).not.toContain('kvm');
  });

  it('without become they are the login user’s, equal to Ansible’s', () => {
    const { a } = expectSameDump('login', false);
    expect(a).toMatchObject({ user_id: 'ops', user_uid: 1000, user_gid: 1000, user_dir: '/home/ops', user_shell: '/bin/bash', hostvars_user_id: 'ops' });
    expect(a.env).not.toHaveProperty('SUDO_USER');
  });

  it('under become with a sudo password (opspw) too', () => {
    const { a } = expectSameDump('opspw', true);
    expect(a).toMatchObject({ user_id: 'root', hostvars_user_id: 'root' });
    expect(a.env).toMatchObject({ SUDO_USER: 'opspw' });
  });
});

describe('setup:', () => {
  it('gather_subset env and user with the task’s become: the same keys and values as Ansible’s, and later reads see them', () => {
    const a = read('ansible', 'setup-become');
    const n = read('nodemend', 'setup-become');
    expect(Object.keys(n.setup).sort()).toEqual(Object.keys(a.setup).sort());
    expect(hostKeys(n.setup.ansible_env)).toEqual(hostKeys(a.setup.ansible_env));
    expect(comparableEnv(n.setup.ansible_env, true, 'nodemend')).toEqual(comparableEnv(a.setup.ansible_env, true, 'ansible'));
    expect({ ...n.setup, ansible_env: undefined }).toEqual({ ...a.setup, ansible_env: undefined });
    expect([n.user_id, n.home]).toEqual(['root', '/root']);
    expect([a.user_id, a.home]).toEqual(['root', '/root']);
  });

  it('filter ansible_user_* as the login user: exactly the user facts Ansible returns', () => {
    const a = read('ansible', 'setup-filter');
    const n = read('nodemend', 'setup-filter');
    expect(Object.keys(a.setup).sort()).toEqual(['ansible_user_dir', 'ansible_user_gecos', 'ansible_user_gid', 'ansible_user_id', 'ansible_user_shell', 'ansible_user_uid']);
    expect(n.setup).toEqual(a.setup);
    expect(n.user_id).toBe('ops');
    expect(n).toEqual(a);
  });
});

describe('the virtual subset', () => {
  it('setup gather_subset virtual in a host marked as a container (systemd-nspawn, /.dockerenv): Ansible’s verdict', () => {
    const a = read('ansible', 'setup-virtual');
    const n = read('nodemend', 'setup-virtual');
    expect(a.setup).toMatchObject({ ansible_virtualization_type: 'systemd-nspawn', ansible_virtualization_role: 'guest' });
    expect([...a.setup.ansible_virtualization_tech_guest].sort()).toEqual(['container', 'docker', 'systemd-nspawn']);
    const sorted = (x: Record<string, any>) => ({
      ...x,
      ansible_virtualization_tech_guest: [...x.ansible_virtualization_tech_guest].sort(),
      ansible_virtualization_tech_host: [...x.ansible_virtualization_tech_host].sort(),
    });
    expect(sorted(n.setup)).toEqual(sorted(a.setup));
    expect(n.type).toBe('systemd-nspawn');
    expect(a.type).toBe('systemd-nspawn');
  });
});

describe('ansible_mounts', () => {
  const at = (p: string): string => `${MNT}/${p}`;
  const mine = (mounts: Mount[]): Mount[] => sortedMounts(mounts.filter((m) => String(m.mount).startsWith(MNT)));

  it('gathered as root: the test’s mounts as Ansible lists them (escapes decoded, the bind marked, the stacked one once), every key equal', () => {
    const { a, n } = expectSameDump('become', true);
    expect(mine(a.mounts).map((m) => [m.mount, m.device, m.fstype])).toEqual([
      [at('bind'), '/nm-tmpfs', 'tmpfs'],
      [at('nfs'), 'nfs-like:/export', 'tmpfs'],
      [at('plain'), '/nm-tmpfs', 'tmpfs'],
      [at('private/inner'), '/nm-private', 'tmpfs'],
      [at('stacked'), '/nm-upper', 'tmpfs'],
      [at('with space'), '/nm dev\twith tab', 'tmpfs'],
    ]);
    const plain = mine(a.mounts)[2];
    expect(plain).toMatchObject({ options: expect.stringMatching(/^rw,relatime,size=8192k/), block_size: 4096, block_total: 2048, uuid: 'N/A' });
    expect(plain.block_used).toBeGreaterThanOrEqual(256);
    expect(mine(a.mounts)[0].options).toMatch(/,bind$/);
    expect(mine(a.mounts)[3]).toHaveProperty('size_total', 8 << 20);
    expect(sortedMounts(n.mounts)).toEqual(sortedMounts(a.mounts));
  });

  it('gathered as the login user: no sizes for a mount point under a directory only root may search, as in Ansible', () => {
    const { a, n } = expectSameDump('login', false);
    const privateOf = (d: Record<string, any>) => mine(d.mounts).find((m) => m.mount === at('private/inner'));
    expect(privateOf(a)).toEqual({ mount: at('private/inner'), device: '/nm-private', fstype: 'tmpfs', options: expect.any(String), uuid: 'N/A' });
    expect(privateOf(n)).toEqual(privateOf(a));
  });

  it('setup gather_subset hardware, filter ansible_mounts: only the mounts, equal to Ansible’s', () => {
    const a = read('ansible', 'setup-mounts');
    const n = read('nodemend', 'setup-mounts');
    expect(Object.keys(a.setup)).toEqual(['ansible_mounts']);
    expect(Object.keys(n.setup)).toEqual(['ansible_mounts']);
    expect(mine(a.setup.ansible_mounts)).toHaveLength(6);
    expect(sortedMounts(n.setup.ansible_mounts)).toEqual(sortedMounts(a.setup.ansible_mounts));
  });
});

describe('gather_facts: false', () => {
  it('before any gathering the facts that depend on who asks are undefined, as in Ansible', () => {
    const a = read('ansible', 'ungathered-first');
    expect(a).toEqual({ env: false, user_id: 'undefined', home: 'undefined', facts_user_id: 'undefined', virtualization_type: false, mounts: false, hostvars_user_id: 'undefined' });
    expect(read('nodemend', 'ungathered-first')).toEqual(a);
  });

  it('a later play without become keeps what a become play gathered (root’s), as in Ansible', () => {
    const a = read('ansible', 'ungathered-after-root');
    expect(a).toEqual({ env: true, user_id: 'root', home: '/root', facts_user_id: 'root', virtualization_type: true, mounts: true, hostvars_user_id: 'root' });
    expect(read('nodemend', 'ungathered-after-root')).toEqual(a);
  });

  it('a setup task there gathers them as that play’s user', () => {
    const a = read('ansible', 'ungathered-after-setup');
    expect(a).toMatchObject({ user_id: 'ops', facts_user_id: 'ops', hostvars_user_id: 'ops', home: '/root' });
    expect(read('nodemend', 'ungathered-after-setup')).toEqual(a);
  });
});
