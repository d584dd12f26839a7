/**
 * lineinfile and copy through ansible-playbook and nodemend on the same host (node23):
 * same files, modes, registered results and changed flags in check mode, the first run and a rerun.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'lines');

const insert = d.case('lineinfile inserts after a regexp and replaces a match', {
  tasks: `
    - name: replace the port line
      lineinfile: { path: "{{ dir }}/sshd_config", regexp: '^#?Port ', line: Port 2222 }
      register: port
    - name: insert after the marker
      lineinfile: { path: "{{ dir }}/sshd_config", insertafter: '^# extra', line: PermitRootLogin no, mode: '0600' }
      register: root
    - name: already present
      lineinfile: { path: "{{ dir }}/sshd_config", line: UsePAM yes }
      register: pam
  `,
  files: { sshd_config: '#Port 22\nUsePAM yes\n# extra\nX11Forwarding no\n' },
});

const create = d.case('copy creates a file with content and mode', {
  tasks: `
    - name: write
      copy: { content: "a=1\\n", dest: "{{ dir }}/sub.conf", mode: '0640' }
      register: w
  `,
});

const syntax = d.case('Ansible argument syntax: aliases, key=value, collection names, no arguments', {
  tasks: `
    - name: key=value with aliases
      ansible.builtin.lineinfile: dest={{ dir }}/kv.conf line="a = 1" create=yes mode=0640
      register: kv
    - name: blockinfile content alias
      blockinfile: { name: "{{ dir }}/kv.conf", content: "b = 2", marker: "# {mark} X", create: true }
      register: blk
    - name: stat free-form
      ansible.legacy.stat: path={{ dir }}/kv.conf get_checksum=no
      register: st
    - name: debug without arguments
      debug:
  `,
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [insert, create, syntax]);
});

it('registered results carry the documented keys with the same values', () => {
  for (const mode of MODES) {
    for (const r of ['port', 'root', 'pam']) {
      const a = insert.ansible[mode].registered[r];
      const n = insert.nodemend[mode].registered[r];
      expect(n.changed, `${mode} ${r}`).toBe(a.changed);
      // msg is left out: Ansible's texts ('' when unchanged, "line added and ownership, perms or SE linux
      // context changed") are issue 13's section 1 (result fields), not this suite's.
    }
    const a = create.ansible[mode].registered.w;
    const n = create.nodemend[mode].registered.w;
    // checksum (sha1 in Ansible) and md5sum are issue 13's section 1 (result fields under Ansible's names).
    for (const k of ['changed', 'dest', 'mode', 'owner', 'group', 'size', 'state'] as const) {
      if (k in a) expect(n[k], `${mode} copy ${k}`).toEqual(a[k]);
    }
  }
});

it('key=value and aliases register the same results as in Ansible', () => {
  for (const mode of MODES) {
    const a = syntax.ansible[mode].registered;
    const n = syntax.nodemend[mode].registered;
    for (const k of ['exists', 'isreg', 'mode', 'pw_name', 'gr_name', 'size'] as const) expect(n.st.stat[k], `${mode} stat.${k}`).toEqual(a.st.stat[k]);
    expect('checksum' in n.st.stat, `${mode}: get_checksum=no`).toBe('checksum' in a.st.stat);
    expect([n.kv.changed, n.blk.changed], mode).toEqual([a.kv.changed, a.blk.changed]);
  }
});
