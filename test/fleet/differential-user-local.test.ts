/**
 * `user: local: true` through ansible-playbook and nodemend on node29 (the users differential
 * host; users named nmlocal*): both tools drive libuser's tools (luseradd, lusermod, luserdel,
 * lgroupmod), here the stand-in of Debian 12's libuser 1:0.64~dfsg-1 (test/fixtures/libuser/libuser,
 * planted by test/setup/libuser-standins.ts: the fleet has no libuser). Compared on /etc/passwd,
 * shadow, group, gshadow (and their `-` backups), the homes and mail spools the tools make,
 * registered results and changed flags, in check mode, a run and a rerun.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { plantLibuserStandins, removeLibuserStandins } from '../setup/libuser-standins.js';

const HOST = HOSTS.ansibleUsers[0];
const d = differential(HOST, 'userlocal');

// A sha512-crypt hash (of "nodemend"): the module takes hashes only.
const HASH = '$6$nmsalt$45ekYzAP6fo/9pRrwoPKIUuQ/8DCw6KyA2MSCeQmBJp5TduixqUhJUJRW3JVBgNkToKDd32QZs9IvbAy/4bhF/';
const ACCOUNT_FILES = ['passwd', 'shadow', 'group', 'gshadow'].flatMap((f) => [`/etc/${f}`, `/etc/${f}-`]);
const HOMES = ['/home/nmlocal1', '/home/nmlocal2', '/home/nmlocal3', '/var/mail/nmlocal1', '/var/mail/nmlocal2', '/var/mail/nmlocal3'];

const local = d.case('user local: luseradd, lusermod, lgroupmod, luserdel', {
  tasks: `
    - name: add a local user with a uid, groups and a hash
      ansible.builtin.user: { name: nmlocal1, local: true, uid: 3401, comment: Local one, groups: [audio], password: "${HASH}", create_home: false }
      register: l_add
    - name: add one with every default (own group, home, mail spool)
      user: { name: nmlocal2, local: true }
      register: l_default
    - name: a group named like the next user
      group: { name: nmlocal3 }
    - name: its user gets -n (libuser's users group)
      user: { name: nmlocal3, local: true, shell: /bin/bash }
      register: l_n
    - name: change shell and comment
      user: { name: nmlocal1, local: true, shell: /bin/sh, comment: Changed }
      register: l_mod
    - name: append a group
      user: { name: nmlocal1, local: true, groups: video, append: true }
      register: l_append
    - name: replace the groups
      user: { name: nmlocal1, local: true, groups: [video] }
      register: l_replace
    - name: nothing to change
      user: { name: nmlocal1, local: true, uid: 3401, shell: /bin/sh, groups: [video], append: true }
      register: l_same
    - name: a primary group by name
      user: { name: nmlocal1, local: true, group: nmlocal3 }
      register: l_group
    - name: remove with home and spool
      user: { name: nmlocal2, local: true, state: absent, remove: true }
      register: l_del
    - name: remove a missing user
      user: { name: nmlocal9, local: true, state: absent }
      register: l_del_none
  `,
  paths: [...ACCOUNT_FILES, ...HOMES],
});

beforeAll(() => {
  plantLibuserStandins(hostRoot(HOST));
  return d.run();
}, 900_000);
afterAll(() => removeLibuserStandins(hostRoot(HOST)));

const KEYS = ['changed', 'failed', 'msg', 'rc', 'name', 'state', 'uid', 'group', 'comment', 'home', 'shell', 'groups', 'system', 'create_home', 'append', 'remove', 'password', 'stdout', 'stderr'];

describe.each(MODES)('%s', (mode) => {
  it('same account files, homes and spools', () => {
    expect(local.nodemend[mode].files, local.nodemend[mode].output).toEqual(local.ansible[mode].files);
  });
  it('same tasks, statuses and changed flags', () => {
    expect(local.nodemend[mode].tasks, local.nodemend[mode].output).toEqual(local.ansible[mode].tasks);
  });
  it('same registered results', () => {
    const a = local.ansible[mode].registered;
    expect(Object.keys(a).length).toBe(10);
    for (const [r, x] of Object.entries(a)) {
      const [n, y] = sameKeys(local.nodemend[mode].registered[r], x as Record<string, unknown>, KEYS);
      expect(n, r).toEqual(y);
    }
  });
});

it("the run made what libuser makes, the rerun changes what Ansible's changes", () => {
  const file = (f: string) => (local.nodemend.run.files[f] as { content: string }).content;
  expect(file('/etc/passwd')).toMatch(/^nmlocal1:x:3401:\d+:Changed:\/home\/nmlocal1:\/bin\/sh$/m);
  expect(file('/etc/passwd')).toMatch(/^nmlocal3:x:\d+:100:nmlocal3:\/home\/nmlocal3:\/bin\/bash$/m);
  expect(file('/etc/passwd')).not.toMatch(/^nmlocal2:/m);
  expect(file('/etc/shadow')).toContain(`nmlocal1:${HASH}:`);
  expect(file('/etc/group')).toMatch(/^video:x:\d+:nmlocal1$/m);
  expect(file('/etc/group')).toMatch(/^audio:x:\d+:$/m);
  expect(local.nodemend.run.files['/home/nmlocal3']).toMatchObject({ type: 'dir', mode: '0700', owner: 'nmlocal3' });
  expect(local.nodemend.run.files['/var/mail/nmlocal3']).toMatchObject({ type: 'file', mode: '0660', group: 'mail' });
  expect(local.nodemend.run.files['/home/nmlocal2']).toEqual({ type: 'absent' });
  expect(Object.entries(local.nodemend.rerun.changed).filter(([, v]) => v)).toEqual(local.ansible.rerun.tasks.filter((t) => t.changed).map((t) => [t.name, true]));
  expect(local.nodemend.rerun.changed).toMatchObject({ 'nothing to change': false, 'remove a missing user': false });
  for (const mode of MODES) expect(local.nodemend[mode].output + JSON.stringify(local.nodemend[mode].registered)).not.toContain(HASH.slice(10));
});
