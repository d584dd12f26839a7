/**
 * Users, groups, getent and pam_limits through ansible-playbook and nodemend on node29 (the
 * users differential host): same files, registered results (the documented keys) and changed
 * flags in check mode, the first run and a rerun. Where nodemend differs on purpose (README,
 * "Choices where Ansible users might expect otherwise"), the test asserts the difference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleUsers[0], 'users');

const LIMITS = [
  '# /etc/security/limits.conf',
  '#<domain>      <type>  <item>         <value>',
  '*               soft    core            0',
  '@ops   hard   nofile   4096   # raised for ops',
  'root - nproc unlimited',
  'weird line with five fields',
  '',
  'dba   soft   memlock   1024',
  'dev soft stack 8192',
  '',
].join('\n');

const limits = d.case('pam_limits: add, change, keep, use_max/use_min, comments', {
  tasks: `
    - name: change a value, the earlier comment is carried
      community.general.pam_limits: { dest: "{{ dir }}/limits.conf", domain: "@ops", limit_type: hard, limit_item: nofile, value: 65536 }
      register: l_change
    - name: already set
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: "*", limit_type: soft, limit_item: core, value: "0" }
      register: l_same
    - name: use_max keeps a larger value
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: dba, limit_type: soft, limit_item: memlock, value: 512, use_max: true }
      register: l_max_keep
    - name: use_min lowers it
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: dev, limit_type: soft, limit_item: stack, value: 4096, use_min: true }
      register: l_min
    - name: use_max keeps unlimited
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: root, limit_type: "-", limit_item: nproc, value: 100, use_max: true }
      register: l_unlimited
    - name: a new line with its own comment
      pam_limits: { dest: "{{ dir }}/limits.conf", domain: "*", limit_type: "-", limit_item: nice, value: -5, comment: hardening }
      register: l_new
    - name: a new line in a file without a final newline
      pam_limits: { dest: "{{ dir }}/nonl.conf", domain: "*", limit_type: hard, limit_item: maxlogins, value: 10 }
      register: l_nonl
    - name: a file holding an invalid line
      pam_limits: { dest: "{{ dir }}/bad.conf", domain: "*", limit_type: hard, limit_item: core, value: 0 }
      register: l_bad
      ignore_errors: true
    - name: a directory that does not exist
      pam_limits: { dest: "{{ dir }}/missing/limits.conf", domain: "*", limit_type: hard, limit_item: core, value: 0 }
      register: l_nodir
      ignore_errors: true
    - name: the system file
      pam_limits: { domain: nm_h13a, limit_type: soft, limit_item: nofile, value: 1024 }
      register: l_system
  `,
  files: { 'limits.conf': LIMITS, 'nonl.conf': '* soft core 0', 'bad.conf': '* soft nofile lots\n' },
  paths: ['/etc/security/limits.conf'],
});

const limitsNew = d.case('pam_limits: a missing file in an existing directory', {
  tasks: `
    - name: created with its line
      pam_limits: { dest: "{{ dir }}/new.conf", domain: ops, limit_type: soft, limit_item: nproc, value: 4096 }
      register: l_created
  `,
});

// A sha512-crypt hash (of "nodemend"): the module takes hashes only.
const HASH = '$6$nmsalt$45ekYzAP6fo/9pRrwoPKIUuQ/8DCw6KyA2MSCeQmBJp5TduixqUhJUJRW3JVBgNkToKDd32QZs9IvbAy/4bhF/';
const ACCOUNT_FILES = ['passwd', 'shadow', 'group', 'gshadow', 'subuid', 'subgid'].flatMap((f) => [`/etc/${f}`, `/etc/${f}-`]);
const HOMES = ['/home/nm_u1', '/home/nm_u3', '/home/nm_u4', '/home/nm_u5', '/srv/nm_h13a'];

const groups = d.case('group: add, gid, system, non_unique, remove', {
  tasks: `
    - name: add with a gid
      ansible.builtin.group: { name: nm_g1, gid: 3101 }
      register: g_add
    - name: add a system group
      group: { name: nm_gsys, system: true }
      register: g_sys
    - name: the same again
      group: { name: nm_g1, gid: "3101" }
      register: g_same
    - name: another to change
      group: { name: nm_gold, gid: 3102 }
    - name: change its gid
      group: { name: nm_gold, gid: 3103 }
      register: g_mod
    - name: a gid already taken
      group: { name: nm_gtaken, gid: 3101 }
      register: g_taken
      ignore_errors: true
    - name: the same gid with non_unique
      group: { name: nm_gdup, gid: 3101, non_unique: true }
      register: g_dup
    - name: remove one
      group: { name: nm_gold, state: absent }
      register: g_del
    - name: remove a missing one
      group: { name: nm_gnone, state: absent }
      register: g_del_none
  `,
  paths: ACCOUNT_FILES,
});

const users = d.case('user: add, modify, groups/append, lock, system, homes, remove', {
  tasks: `
    - name: a primary group
      group: { name: nm_ug, gid: 3201 }
    - name: add a user
      ansible.builtin.user: { name: nm_u1, uid: 3201, group: nm_ug, groups: [adm, audio], append: true, comment: Ops user, password: "${HASH}" }
      register: u_add
    - name: append a group and change the shell
      user: { name: nm_u1, groups: video, append: true, shell: /bin/sh }
      register: u_append
    - name: lock the password
      user: { name: nm_u1, password: "${HASH}", password_lock: true }
      register: u_lock
    - name: nothing to change
      user: { name: nm_u1, uid: 3201, group: nm_ug, groups: [adm], append: yes, comment: Ops user }
      register: u_same
    - name: a user in two groups (once)
      shell: id nm_u5 || useradd -M -G adm,audio nm_u5
      changed_when: false
      check_mode: false
    - name: groups without append drop the others
      user: { name: nm_u5, groups: [adm] }
      register: u_groups
    - name: a system user without home
      user: { name: nm_sys, system: true, create_home: no, shell: /usr/sbin/nologin }
      register: u_sys
    - name: a home whose parents are missing
      user: { name: nm_u2, home: /srv/nm_h13a/homes/nm_u2 }
      register: u_parents
    - name: a user without home
      user: { name: nm_u3, createhome: false }
    - name: its home made later
      user: { name: nm_u3 }
      register: u_home
    - name: a group named like the user
      group: { name: nm_u4 }
    - name: its user gets the default group
      user: { name: nm_u4 }
      register: u_n
    - name: remove with its home
      user: { name: nm_u2, state: absent, remove: true }
      register: u_del
    - name: remove a missing user
      user: { name: nm_none, state: absent }
      register: u_del_none
  `,
  paths: [...ACCOUNT_FILES, ...HOMES],
});

const expiry = d.case('user: password_expire_min/max through chage (create, keep, change one, unset)', {
  tasks: `
    - name: add with both
      user: { name: nm_u7, password_expire_min: 7, password_expire_max: 90 }
      register: e_add
    - name: the same again
      user: { name: nm_u7, password_expire_min: "7", password_expire_max: 90 }
      register: e_same
    - name: change the max only
      user: { name: nm_u7, password_expire_max: 60 }
      register: e_max
    - name: an existing user without them
      user: { name: nm_u7, shell: /bin/bash }
      register: e_none
    - name: an existing user gets a min
      user: { name: ops, password_expire_min: 1 }
      register: e_ops
  `,
  paths: [...ACCOUNT_FILES, '/home/nm_u7'],
});

const reset = d.case('meta: reset_connection, so the login session gets a new group', {
  tasks: `
    - name: a group for the login user
      group: { name: nm_rc }
      check_mode: false
    - name: the login user joins it
      user: { name: ops, groups: nm_rc, append: true }
      check_mode: false
    - name: the session's groups before
      command: id -Gn
      become: false
      vars: { ansible_become: false } # the inventory's become outranks the keyword (Ansible 2.14, nodemend alike)
      register: rc_before
      changed_when: false
      check_mode: false
    - meta: reset_connection
    - name: the session's groups after
      command: id -Gn
      become: false
      vars: { ansible_become: false } # the inventory's become outranks the keyword (Ansible 2.14, nodemend alike)
      register: rc_after
      changed_when: false
      check_mode: false
  `,
  paths: ACCOUNT_FILES,
});

const badGroup = d.case('user: a primary group that does not exist', {
  tasks: `
    - name: missing group
      user: { name: nm_u6, group: nm_nosuchgroup }
      register: u_nogroup
      ignore_errors: true
  `,
  paths: ACCOUNT_FILES,
});

const getent = d.case('getent: passwd with and without key, group, split, duplicates, missing keys, facts for later tasks', {
  tasks: `
    - name: one passwd entry, through the files service
      getent: { database: passwd, key: root, service: files }
      register: g_root
    - name: a later task reads the fact by the key
      debug: { msg: "{{ getent_passwd['root'][5] }} {{ getent_passwd.root | length }} {{ ansible_facts.getent_passwd.root[0] }} {{ ansible_facts['getent_passwd'] | length }}" }
      register: g_later
    - name: the whole database
      ansible.builtin.getent: database=passwd
      register: g_all
    - name: a group
      getent: { database: group, key: sudo }
      register: g_group
    - name: whitespace fields, a name seen three times holds a list
      getent: { database: ahosts, key: localhost }
      register: g_dups
    - name: split on a database that has no colon
      getent: { database: hosts, key: localhost, split: " " }
      register: g_split
    - name: a missing key, fail_key false
      getent: { database: passwd, key: nm_nosuchuser, fail_key: false }
      register: g_nokey
    - name: the fact after a missing key
      debug: { msg: "{{ getent_passwd.keys() | list | join(',') }} {{ getent_passwd['nm_nosuchuser'] is none }}" }
      register: g_nokey_fact
    - name: a missing key fails by default
      getent: { database: group, key: nm_nosuchgroup }
      register: g_nokey_fail
      ignore_errors: true
    - name: an unknown database
      getent: { database: nm_nodb }
      register: g_nodb
      ignore_errors: true
  `,
});

beforeAll(() => d.run(), 900_000);

const sameRegistered = (c: typeof limits, mode: (typeof MODES)[number], keys: string[]) => {
  expect(Object.keys(c.ansible[mode].registered).length).toBeGreaterThan(0);
  for (const [r, a] of Object.entries(c.ansible[mode].registered)) {
    const [n, x] = sameKeys(c.nodemend[mode].registered[r], a as Record<string, unknown>, keys);
    expect(n, `${r}\n${c.nodemend[mode].output}`).toEqual(x);
  }
};

const ACCOUNT_KEYS = [
  'changed',
  'failed',
  'msg',
  'rc',
  'name',
  'state',
  'uid',
  'group',
  'comment',
  'home',
  'shell',
  'groups',
  'system',
  'create_home',
  'append',
  'move_home',
  'force',
  'remove',
  'password',
  'stdout',
  'stderr',
  'gid',
];

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [groups, users, expiry], { tasks: 'tasks', registered: { keys: ACCOUNT_KEYS } });
  it('pam_limits: same files', () => {
    expect(limits.nodemend[mode].files, limits.nodemend[mode].output).toEqual(limits.ansible[mode].files);
  });
  it('pam_limits: same tasks, statuses and changed flags', () => {
    expect(limits.nodemend[mode].tasks, limits.nodemend[mode].output).toEqual(limits.ansible[mode].tasks);
    expect(limitsNew.nodemend[mode].tasks).toEqual(limitsNew.ansible[mode].tasks);
  });
  it('getent: same tasks, statuses (never changed) and registered ansible_facts, msg, failed', () => {
    expect(getent.nodemend[mode].tasks, getent.nodemend[mode].output).toEqual(getent.ansible[mode].tasks);
    sameRegistered(getent, mode, ['ansible_facts', 'changed', 'failed', 'msg']);
  });
  it('pam_limits: same registered msg, changed, failed', () => {
    sameRegistered(limits, mode, ['changed', 'failed', 'msg']);
    sameRegistered(limitsNew, mode, ['changed', 'failed', 'msg']);
  });
});

it('pam_limits: the run wrote what limits.conf(5) readers expect, the rerun changed nothing', () => {
  const f = limits.nodemend.run.files['limits.conf'];
  expect(f).toMatchObject({ type: 'file', content: expect.stringContaining('@ops\thard\tnofile\t65536\t# raised for ops\n') });
  expect(limits.nodemend.run.files['limits.conf']).toMatchObject({ content: expect.stringContaining('dev\tsoft\tstack\t4096\t#') });
  expect(limits.nodemend.run.files['/etc/security/limits.conf']).toMatchObject({ content: expect.stringMatching(/\nnm_h13a\tsoft\tnofile\t1024\n$/) });
  expect(limits.nodemend.run.registered.l_bad).toMatchObject({
    failed: true,
    msg: expect.stringContaining("Invalid configuration found in '<dir>/bad.conf'. Value of 'lots' for item 'nofile' is invalid."),
  });
  expect(limits.nodemend.run.changed).toMatchObject({ 'already set': false, 'use_max keeps a larger value': false, 'use_min lowers it': true });
  expect(limitsNew.nodemend.run.files['new.conf']).toEqual(limitsNew.ansible.run.files['new.conf']);
  expect(Object.entries(limitsNew.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([]);
  // The module's own quirk, mirrored: a line appended to a last line without a newline joins it, so it
  // is never found again and every run appends it once more (Ansible does the same, compared above).
  const again = 'a new line in a file without a final newline';
  expect(Object.entries(limits.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([[again, true]]);
  expect(limits.ansible.rerun.changed[again]).toBe(true);
  expect(limits.nodemend.run.files['nonl.conf']).toMatchObject({ content: '* soft core 0*\thard\tmaxlogins\t10\n' });
});

it('user/group: the run made what was asked, the rerun changed nothing, no hash in any output', () => {
  const etc = (c: typeof users, f: string) => (c.nodemend.run.files[f] as { content: string }).content;
  expect(etc(groups, '/etc/group')).toMatch(/^nm_g1:x:3101:$/m);
  expect(etc(groups, '/etc/group')).toMatch(/^nm_gdup:x:3101:$/m);
  expect(etc(groups, '/etc/group')).not.toMatch(/^nm_gold:/m);
  expect(groups.nodemend.run.registered.g_taken).toMatchObject({ failed: true, msg: expect.stringContaining("GID '3101' already exists") });
  expect(etc(users, '/etc/passwd')).toMatch(/^nm_u1:x:3201:3201:Ops user:\/home\/nm_u1:\/bin\/sh$/m);
  expect(etc(users, '/etc/shadow')).toContain(`nm_u1:!${HASH}:`);
  expect(etc(users, '/etc/group')).toMatch(/^adm:x:4:.*nm_u1.*$/m);
  expect(etc(users, '/etc/group')).toMatch(/^audio:x:\d+:nm_u1$/m);
  expect(users.nodemend.run.registered.u_add).toMatchObject({ password: 'NOT_LOGGING_PASSWORD', uid: 3201, group: 3201, groups: 'adm,audio' });
  expect(users.nodemend.run.files['/home/nm_u3']).toMatchObject({ type: 'dir', owner: 'nm_u3', mode: '0755' });
  // The case adds nm_u2 and removes it on every run; nothing else changes again.
  expect(Object.entries(users.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([
    ['a home whose parents are missing', true],
    ['remove with its home', true],
  ]);
  // The case adds, renumbers and removes nm_gold on every run; nothing else changes again.
  expect(Object.entries(groups.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([
    ['another to change', true],
    ['change its gid', true],
    ['remove one', true],
  ]);
  for (const mode of MODES) expect(users.nodemend[mode].output + JSON.stringify(users.nodemend[mode].registered)).not.toContain(HASH.slice(10));
});

it('user: chage set the shadow fields; the rerun changes only the max the case flips back and forth', () => {
  const shadow = (expiry.nodemend.run.files['/etc/shadow'] as { content: string }).content;
  expect(shadow).toMatch(/^nm_u7:[^:]*:\d*:7:60:/m);
  expect(shadow).toMatch(/^ops:[^:]*:\d*:1:/m);
  expect(expiry.nodemend.run.changed).toMatchObject({ 'add with both': true, 'the same again': false, 'change the max only': true, 'an existing user without them': true });
  const flips = [
    ['add with both', true],
    ['change the max only', true],
  ];
  expect(Object.entries(expiry.nodemend.rerun.changed).filter(([, v]) => v)).toEqual(flips);
  expect(Object.entries(expiry.ansible.rerun.changed).filter(([, v]) => v)).toEqual(flips);
});

it('meta reset_connection: the next task runs in a new login session that has the new group, as in Ansible', () => {
  const groupsOf = (c: typeof reset, tool: 'ansible' | 'nodemend', mode: (typeof MODES)[number], reg: string) => String(c[tool][mode].registered[reg]?.stdout).split(' ');
  for (const mode of MODES) {
    for (const reg of ['rc_before', 'rc_after']) expect(groupsOf(reset, 'nodemend', mode, reg), `${mode} ${reg}`).toEqual(groupsOf(reset, 'ansible', mode, reg));
    expect(reset.nodemend[mode].tasks).toEqual(reset.ansible[mode].tasks);
  }
  // The first mode adds the group (check_mode: false) inside a session opened before: only the reset shows it.
  expect(groupsOf(reset, 'nodemend', 'check', 'rc_before')).not.toContain('nm_rc');
  expect(groupsOf(reset, 'nodemend', 'check', 'rc_after')).toContain('nm_rc');
  expect(groupsOf(reset, 'nodemend', 'run', 'rc_before')).toContain('nm_rc');
});

it('user (documented difference): a missing primary group fails in --check too; Ansible reports changed', () => {
  expect(badGroup.ansible.check.registered.u_nogroup).toMatchObject({ changed: true });
  expect(badGroup.nodemend.check.registered.u_nogroup).toMatchObject({ failed: true, msg: 'Group nm_nosuchgroup does not exist' });
  for (const mode of ['run', 'rerun'] as const) {
    const [n, a] = sameKeys(badGroup.nodemend[mode].registered.u_nogroup, badGroup.ansible[mode].registered.u_nogroup, ACCOUNT_KEYS);
    expect(n).toEqual(a);
    expect(badGroup.nodemend[mode].tasks).toEqual(badGroup.ansible[mode].tasks);
  }
});

it('pam_limits (documented difference): check mode creates no missing file, Ansible creates it empty', () => {
  expect(limitsNew.ansible.check.files['new.conf']).toMatchObject({ type: 'file', content: '' });
  expect(limitsNew.nodemend.check.files['new.conf']).toBeUndefined();
  expect(limitsNew.nodemend.check.changed['created with its line']).toBe(true);
});

it('getent: the entries, lists for a repeated name, a null for a missing key, the messages of its exit codes', () => {
  const r = getent.nodemend.run.registered as Record<string, Record<string, unknown>>;
  expect(r.g_root.ansible_facts).toEqual({ getent_passwd: { root: ['x', '0', '0', 'root', '/root', '/bin/bash'] } });
  expect(r.g_later.msg).toBe('/bin/bash 6 x 1');
  expect((r.g_all.ansible_facts as { getent_passwd: Record<string, unknown> }).getent_passwd).toMatchObject({ root: ['x', '0', '0', 'root', '/root', '/bin/bash'], ops: expect.any(Array) });
  expect(r.g_group.ansible_facts).toEqual({ getent_group: { sudo: ['x', '27', expect.any(String)] } });
  const dups = (r.g_dups.ansible_facts as { getent_ahosts: Record<string, unknown[]> }).getent_ahosts;
  expect(Object.values(dups).some((v) => Array.isArray(v[0]))).toBe(true);
  expect(r.g_nokey).toMatchObject({ changed: false, msg: 'One or more supplied key could not be found in the database.', ansible_facts: { getent_passwd: { nm_nosuchuser: null } } });
  expect(r.g_nokey_fact.msg).toBe('nm_nosuchuser True');
  expect(r.g_nokey_fail).toMatchObject({ failed: true, msg: 'One or more supplied key could not be found in the database.' });
  expect(r.g_nodb).toMatchObject({ failed: true, msg: 'Missing arguments, or database unknown.' });
  expect(Object.values(getent.nodemend.rerun.changed).some(Boolean)).toBe(false);
});
