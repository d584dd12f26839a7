/**
 * The hardening modules through ansible-playbook and nodemend on node23 (the Ansible modules
 * differential host): same files, modes, registered results and changed flags in check mode,
 * the first run and a rerun. ansible.posix / community.general modules come from Debian's
 * `ansible` package.
 *
 * What a chroot fleet host cannot apply: it shares the machine's kernel, so sysctl keys are
 * reloaded and set live only for kernel.domainname (per UTS namespace: each host has its own);
 * any other key is tested with reload: false and its file asserted exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleModules[0], 'mods');

const sysctlFile = d.case('sysctl: file edits without reload', {
  tasks: `
    - name: change a value written with spaces
      ansible.posix.sysctl: { name: net.ipv4.ip_forward, value: '1', sysctl_file: "{{ dir }}/99-k8s.conf", reload: false }
      register: fwd
    - name: add a key (duplicates dropped, lines normalised on write)
      sysctl: { name: vm.max_map_count, value: 262144, sysctl_file: "{{ dir }}/99-k8s.conf", reload: no }
      register: add
    - name: already there, spaces and all
      sysctl: { name: kernel.pid_max, value: '4194304', sysctl_file: "{{ dir }}/99-k8s.conf", reload: no }
      register: same
    - name: remove one
      sysctl: { name: fs.inotify.max_user_watches, state: absent, sysctl_file: "{{ dir }}/99-k8s.conf", reload: no }
      register: gone
    - name: boolean value into a new file
      sysctl: key=net.bridge.bridge-nf-call-iptables val=yes sysctl_file={{ dir }}/new.conf reload=no
      register: new
  `,
  files: {
    '99-k8s.conf': '# kubernetes\nnet.ipv4.ip_forward = 0\n  kernel.pid_max = 4194304  \nfs.inotify.max_user_watches=8192\nnet.ipv4.ip_forward=0\n; old\n',
  },
});

const sysctlLive = d.case('sysctl: reload and sysctl_set on a per-host key', {
  tasks: `
    - name: reload a sysctl.d file
      sysctl: { name: kernel.domainname, value: "{{ dir | basename }}", sysctl_file: /etc/sysctl.d/90-nmdiff.conf }
      register: live
    - name: set live only
      sysctl: { name: kernel.domainname, value: "{{ dir | basename }}", sysctl_file: "{{ dir }}/live.conf", sysctl_set: true, reload: false }
      register: setlive
  `,
  paths: ['/etc/sysctl.d/90-nmdiff.conf'],
});

const replace = d.case('replace: regex with groups, a section, no match', {
  tasks: `
    - name: comment out swap lines
      replace: { path: "{{ dir }}/fstab", regexp: '^([^#].*\\sswap\\s.*)$', replace: '# \\1' }
      register: swap
    - name: only between markers
      ansible.builtin.replace: dest={{ dir }}/grub after='# begin' before='# end' regexp='quiet' replace='quiet nokmem'
      register: section
    - name: a section pattern that does not match (no MULTILINE there, so ^ is the file's start)
      replace: { path: "{{ dir }}/grub", after: '^# begin', regexp: 'quiet', replace: 'x' }
      register: nosection
    - name: nothing matches
      replace: { path: "{{ dir }}/fstab", regexp: 'no-such-text', replace: x }
      register: nomatch
  `,
  files: {
    fstab: 'UUID=1 / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n/dev/sdb2 none swap sw 0 0\n# /old none swap sw 0 0\n',
    grub: 'quiet\n# begin\nGRUB_CMDLINE_LINUX="quiet"\n# end\nquiet\n',
  },
});

beforeAll(() => d.run(), 900_000);

const cases = [sysctlFile, sysctlLive, replace];

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, cases, { registered: { view: (v) => ({ changed: v?.changed, failed: v?.failed ?? false }) } });
});

it('sysctl: the first run changes what it should and the rerun nothing (so the comparison is not vacuous)', () => {
  expect(sysctlFile.ansible.run.changed).toEqual({
    'change a value written with spaces': true,
    'add a key (duplicates dropped, lines normalised on write)': true,
    'already there, spaces and all': false,
    'remove one': true,
    'boolean value into a new file': true,
  });
  expect(Object.values(sysctlFile.nodemend.rerun.changed).some(Boolean)).toBe(false);
  expect(sysctlLive.nodemend.run.changed).toEqual({ 'reload a sysctl.d file': true, 'set live only': true });
  expect(sysctlLive.nodemend.rerun.changed).toEqual({ 'reload a sysctl.d file': false, 'set live only': false });
  expect(sysctlFile.nodemend.run.files['new.conf']).toMatchObject({ content: 'net.bridge.bridge-nf-call-iptables=1\n' });
});

it('replace: registered msg and changed as in Ansible, and the first run did change', () => {
  for (const mode of MODES) {
    for (const r of ['swap', 'section', 'nosection', 'nomatch']) {
      expect(replace.nodemend[mode].registered[r].msg, `${mode} ${r}`).toBe(replace.ansible[mode].registered[r].msg);
    }
  }
  expect(replace.ansible.run.changed).toEqual({
    'comment out swap lines': true,
    'only between markers': true,
    "a section pattern that does not match (no MULTILINE there, so ^ is the file's start)": false,
    'nothing matches': false,
  });
});
