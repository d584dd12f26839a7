/**
 * ansible.posix.selinux (1.5.4) and the `selinux` facts (ansible-core 2.14.18) through
 * ansible-playbook and nodemend on node34. The fleet's hosts run this machine's kernel, which has
 * no SELinux (and its state must never be touched), so the enabled states run against the libselinux
 * 3.4 stand-ins of test/setup/system-standins.ts: a selinuxfs directory of files, getenforce and
 * setenforce, and for Ansible a python3 whose `selinux` (python3-selinux) and
 * ansible.module_utils.compat.selinux (the facts' ctypes wrapper of libselinux.so.1) read that
 * directory; Ansible's module and fact collector themselves run unmodified. nodemend reads the same
 * directory (NODEMEND_TEST_SELINUXFS, where a real host has its selinuxfs) and runs the stand-in
 * setenforce. So what is proven here is the module's and the fact's logic against a faithful
 * reading of libselinux 3.4, not a real SELinux kernel (README, selinux).
 * Each group of cases starts from its own host state (a mode in the selinuxfs, /etc/selinux/config)
 * and compares registered results, files and changed flags in check mode, a run and a rerun.
 * The last group is the host as it is (no stand-in: Debian's libselinux1, no python3-selinux, no
 * selinuxfs): the facts must match Ansible's, and the module's one deliberate difference (Ansible
 * fails without the Python library, nodemend needs none) is asserted. The facts of every other
 * fleet host are compared with Ansible's gathered ones, unmodified.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { differential, MODES, sameKeys, type Differential } from '../setup/ansible-differential.js';
import { runCli, workDir, writeInventory } from '../setup/cli.js';
import { fleetHost, HOSTS, hostRoot, STOPPED_BY_TESTS, testFleet } from '../setup/fleet.js';
import { plantMountStandins, plantSelinuxStandins, SELINUX_PYTHON, SELINUXFS, setSelinuxfs } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleSelinux[0];
const CONFIG = '/etc/selinux/config';
const PATHS = ['/etc/selinux', `${SELINUXFS}/enforce`];
/** RHEL 7's grub2 config (CentOS 7.9 layout: a kernel and a rescue entry, linux16 lines), grubby's file. */
const EL7_GRUB = readFileSync(join(__dirname, '..', 'fixtures', 'grubby', 'grub.cfg'), 'utf8');
const GRUB_CFG = '/boot/grub2/grub.cfg';
const GRUBBY = '/usr/sbin/grubby';

/** grubby 8.28 (test/fixtures/grubby/grubby) and RHEL 7's /etc/grub2.cfg -> ../boot/grub2/grub.cfg. */
function plantGrubby(root: string, cfg: string | undefined): void {
  for (const p of [GRUBBY, '/etc/grub2.cfg', GRUB_CFG]) rmSync(join(root, p), { force: true });
  if (cfg === undefined) return;
  copyFileSync(join(__dirname, '..', 'fixtures', 'grubby', 'grubby'), join(root, GRUBBY));
  chmodSync(join(root, GRUBBY), 0o755);
  mkdirSync(join(root, dirname(GRUB_CFG)), { recursive: true });
  writeFileSync(join(root, GRUB_CFG), cfg, { mode: 0o644 });
  symlinkSync('../boot/grub2/grub.cfg', join(root, '/etc/grub2.cfg'));
}

const FILE_CONTEXTS = '/etc/selinux/targeted/contexts/files/file_contexts';
/** The policy's defaults for the label cases (file_contexts(5): regex, optional file type, context). */
const FILE_CONTEXTS_TEXT = [
  '# nodemend differential test',
  '/tmp/nmdiff-[^/]+(/.*)?\tsystem_u:object_r:tmp_t:s0',
  '/tmp/nmdiff-[^/]+/.*\\.conf\t--\tsystem_u:object_r:etc_t:s0',
  '/tmp/nmdiff-[^/]+/none\\.conf\t<<none>>',
  '/tmp/nmdiff-[^/]+/[^/]+\\.sh\t--\tsystem_u:object_r:bin_t:s0',
  '/tmp/nmdiff-[^/]+/other\\.txt\t-d\tsystem_u:object_r:usr_t:s0',
  '',
].join('\n');
const KEYS = ['changed', 'msg', 'configfile', 'policy', 'state', 'reboot_required', 'warnings', 'details'];
const standin = { ansible_python_interpreter: SELINUX_PYTHON };
const FACT_TASK = `
    - name: facts
      setup: { filter: "ansible_selinux*" }
      register: f`;

/** A Red Hat style /etc/selinux/config: comments, the two settings. */
const RH_CONFIG = (state: string) =>
  `# This file controls the state of SELinux on the system.\n# SELINUX= can take one of these three values:\n#     enforcing - SELinux security policy is enforced.\nSELINUX=${state}\n# SELINUXTYPE= can take one of these three values:\nSELINUXTYPE=targeted\n`;

interface Group {
  d: Differential;
  /** The stand-in selinuxfs' enforce (null: none, SELinux off), or no stand-in at all. */
  mode: 0 | 1 | null | 'host';
  config?: string;
  /** /boot/grub2/grub.cfg for the grubby stand-in; without it the host has no grubby. */
  grub?: string;
}
const groups: Group[] = [];
function group(tag: string, mode: Group['mode'], config?: string, grub?: string): Differential {
  const d = differential(HOST, tag);
  groups.push({ d, mode, config, grub });
  return d;
}

// 1. An enforcing host (config: enforcing, targeted): config file edits, failures.
const enforcing = group('selinux1', 1, RH_CONFIG('enforcing'));
const edits = enforcing.case('selinux: config file rewrites on an enforcing host', {
  vars: standin,
  paths: PATHS,
  files: {
    crlf: 'SELINUX=permissive\r\nSELINUXTYPE=targeted\r\n# last\r\nSELINUX=disabled',
    two: '  SELINUX=disabled\nSELINUX=permissive # old\nSELINUXTYPE= targeted \n\nSELINUX=x\n',
    none: '# nothing set here\nSELINUXTYPE=targeted',
    nopolicy: 'SELINUX=enforcing\n',
    same: 'SELINUX=enforcing\nSELINUXTYPE=targeted\n',
  },
  tasks: `${FACT_TASK}
    - name: CRLF lines, no final newline, two SELINUX lines
      ansible.posix.selinux: { state: enforcing, policy: targeted, configfile: "{{ dir }}/crlf" }
      register: s_crlf
    - name: an indented line is not a setting; every SELINUX= line is replaced
      selinux: { state: enforcing, policy: targeted, conf: "{{ dir }}/two" }
      register: s_two
    - name: no SELINUX line is appended
      ansible.builtin.selinux: { state: enforcing, policy: targeted, file: "{{ dir }}/none" }
      register: s_none
    - name: no SELINUXTYPE line is appended
      selinux: { state: enforcing, policy: targeted, configfile: "{{ dir }}/nopolicy" }
      register: s_nopolicy
    - name: already as asked
      selinux: { state: enforcing, policy: targeted, configfile: "{{ dir }}/same" }
      register: s_same
  `,
});
const failures = enforcing.case('selinux: failures', {
  vars: standin,
  paths: PATHS,
  files: { c: 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' },
  tasks: `
    - name: no such config file
      selinux: { state: enforcing, policy: targeted, configfile: "{{ dir }}/missing" }
      register: e_missing
      ignore_errors: true
    - name: a policy is required
      selinux: { state: permissive, configfile: "{{ dir }}/c" }
      register: e_policy
      ignore_errors: true
    - name: update_kernel_param without grubby
      selinux: { state: enforcing, policy: targeted, update_kernel_param: true, configfile: "{{ dir }}/c" }
      register: e_grubby
      ignore_errors: true
  `,
});
// Labels: a replaced file keeps its label and a new one gets its path's default (FILE_CONTEXTS),
// as Ansible's atomic_move does; check mode labels nothing. The files are labelled first as a
// policy would have (chcon, real coreutils: this kernel lets root set security.selinux).
const LABELS = `
    - name: label the files as a policy would
      command: chcon system_u:object_r:etc_t:s0 {{ dir }}/kept.conf {{ dir }}/lines.conf
      changed_when: false
      check_mode: false
    - name: rewrite a labelled file
      copy: { content: "new\\n", dest: "{{ dir }}/kept.conf" }
    - name: edit a labelled file
      lineinfile: { path: "{{ dir }}/lines.conf", line: added }
    - name: a new file with a default label
      copy: { content: "x\\n", dest: "{{ dir }}/new.conf" }
    - name: a new script, another default
      template: { src: run.sh.j2, dest: "{{ dir }}/run.sh", mode: "0755" }
    - name: a new file the policy leaves unlabelled
      copy: { content: "x\\n", dest: "{{ dir }}/none.conf" }
    - name: a new file no entry matches
      copy: { content: "x\\n", dest: "{{ dir }}/other.txt" }
    - name: labels
      shell: cd {{ dir }} && for f in kept.conf lines.conf new.conf run.sh none.conf other.txt; do if [ -e "$f" ]; then ls -Zd -- "$f"; else echo "- $f"; fi; done
      register: labels
      changed_when: false
      check_mode: false
  `;
const LABEL_FILES = { 'kept.conf': 'old\n', 'lines.conf': 'a\n' };
const labels = enforcing.case('selinux: atomic writes keep labels on an enforcing host', {
  vars: standin,
  files: LABEL_FILES,
  controllerFiles: { 'templates/run.sh.j2': '#!/bin/sh\necho {{ dir | basename }}\n' },
  tasks: LABELS,
});

// The SELinux file arguments (seuser, serole, setype, selevel: ansible-core 2.14.18's
// load_file_common_arguments and set_context_if_different) on every module that takes them. The
// files are labelled first as a policy would have (chcon, real coreutils); `_default` is the
// policy's default (FILE_CONTEXTS: `.conf` files etc_t, none.conf <<none>>); MLS is on (the
// stand-in's selinuxfs `mls` 1), so selevel counts. The same tasks run with SELinux enabled,
// permissive, off (the stand-ins without a selinuxfs) and on the host as it is.
const SE_FILES = {
  'a.conf': 'a\n',
  'def.conf': 'd\n',
  'none.conf': 'n\n',
  'same.conf': 's\n',
  'copied.conf': 'old\n',
  'samecopy.conf': 'same\n',
  'lines.conf': 'a\n',
  'only.conf': 'a\n',
  'block.conf': 'a\n',
  'repl.conf': 'a = 1\n',
  'ini.conf': '[s]\nk = 1\n',
  d: { dir: true as const },
};
const SE_NAMES = ['a.conf', 'def.conf', 'none.conf', 'same.conf', 'copied.conf', 'samecopy.conf', 'new.conf', 'run.sh', 'lines.conf', 'only.conf', 'block.conf', 'repl.conf', 'ini.conf', 'd', 'nd'];
const SE_TASKS = `
    - name: label the files as a policy would (once; the rerun finds them as the run left them)
      shell: cd {{ dir }} && chcon system_u:object_r:etc_t:s0 a.conf same.conf copied.conf samecopy.conf lines.conf only.conf block.conf repl.conf ini.conf d && chcon system_u:object_r:usr_t:s0 def.conf none.conf && touch labelled
      args: { creates: "{{ dir }}/labelled" }
      changed_when: false
      check_mode: false
    - name: setype on a file
      file: { path: "{{ dir }}/a.conf", setype: bin_t }
      register: se_type
    - name: _default user and type
      file: { path: "{{ dir }}/def.conf", seuser: _default, setype: _default }
      register: se_def
    - name: _default where the policy has none keeps the label
      file: { path: "{{ dir }}/none.conf", setype: _default }
      register: se_none
    - name: already so
      file: { path: "{{ dir }}/same.conf", seuser: system_u, serole: object_r, setype: etc_t, selevel: s0 }
      register: se_same
    - name: a directory's user, role and level
      file: { path: "{{ dir }}/d", state: directory, seuser: unconfined_u, serole: object_r, selevel: "s0:c1" }
      register: se_dir
    - name: a new directory with a whole context
      file: { path: "{{ dir }}/nd", state: directory, seuser: system_u, serole: object_r, setype: var_t, selevel: s0 }
      register: se_newdir
    - name: copy new content and a type
      copy: { content: "new\\n", dest: "{{ dir }}/copied.conf", setype: usr_t }
      register: se_copy
    - name: copy the same content, another level
      copy: { content: "same\\n", dest: "{{ dir }}/samecopy.conf", selevel: "s0:c2" }
      register: se_samecopy
    - name: copy a new file with a type
      copy: { content: "x\\n", dest: "{{ dir }}/new.conf", setype: bin_t }
      register: se_newcopy
    - name: template a new script with a level
      template: { src: run.sh.j2, dest: "{{ dir }}/run.sh", mode: "0755", selevel: "s0:c3" }
      register: se_template
    - name: lineinfile adds a line and a type
      lineinfile: { path: "{{ dir }}/lines.conf", line: added, setype: usr_t }
      register: se_lines
    - name: lineinfile, only the type
      lineinfile: { path: "{{ dir }}/only.conf", line: a, setype: var_t }
      register: se_only
    - name: blockinfile
      blockinfile: { path: "{{ dir }}/block.conf", block: b, setype: usr_t }
      register: se_block
    - name: replace
      replace: { path: "{{ dir }}/repl.conf", regexp: "1", replace: "2", setype: usr_t }
      register: se_replace
    - name: ini_file
      ini_file: { path: "{{ dir }}/ini.conf", section: s, option: k, value: "2", setype: usr_t }
      register: se_ini
    - name: labels
      shell: cd {{ dir }} && for f in ${SE_NAMES.join(' ')}; do if [ -e "$f" ]; then ls -Zd -- "$f"; else echo "- $f"; fi; done
      register: se_labels
      changed_when: false
      check_mode: false
  `;
const SE_REGS = ['se_type', 'se_def', 'se_none', 'se_same', 'se_dir', 'se_newdir', 'se_copy', 'se_samecopy', 'se_newcopy', 'se_template', 'se_lines', 'se_only', 'se_block', 'se_replace', 'se_ini'];
const SE_KEYS = ['changed', 'msg', 'path', 'dest', 'state', 'mode', 'owner', 'group', 'uid', 'gid', 'secontext', 'failed'];
const seCase = (d: Differential, what: string) =>
  d.case(`selinux file arguments: ${what}`, {
    vars: standin,
    files: SE_FILES,
    controllerFiles: { 'templates/run.sh.j2': '#!/bin/sh\necho {{ dir | basename }}\n' },
    tasks: SE_TASKS,
  });
const seEnforcing = seCase(enforcing, 'enforcing');
// ansible.posix.mount puts the old fstab back after a failed mount (write_fstab, in place: the
// label stays); nodemend's rollback is an atomic write, which keeps the label too (util-linux
// 2.38.1 mount stand-in of test/setup/system-standins.ts: /dev/nm-missing fails).
const fstabLabel = enforcing.case('selinux: a failed mount puts the fstab back with its label', {
  vars: standin,
  files: { fstab: 'proc /proc proc defaults 0 0\n' },
  tasks: `
    - name: label the fstab as a policy would
      command: chcon system_u:object_r:etc_t:s0 {{ dir }}/fstab
      changed_when: false
      check_mode: false
    - name: a mount that fails
      mount: { path: "{{ dir }}/mnt", src: /dev/nm-missing, fstype: ext4, state: mounted, fstab: "{{ dir }}/fstab" }
      register: m_failed
      ignore_errors: true
    - name: the fstab's label
      command: ls -Z {{ dir }}/fstab
      register: m_label
      changed_when: false
      check_mode: false
  `,
});

// 1b. The same host, made permissive (a group of its own: the rerun of group 1 keeps enforcing).
const toPermissive = group('selinux1b', 1, RH_CONFIG('enforcing')).case('selinux: enforcing to permissive, runtime and config', {
  vars: standin,
  paths: PATHS,
  tasks: `
    - name: permissive
      ansible.posix.selinux: { policy: targeted, state: permissive }
      register: s_permissive
    - name: mode now
      command: getenforce
      register: s_mode
      changed_when: false
      check_mode: false
  `,
});

// 2. A policy the host does not have: Ansible's --check says changed, its run fails; nodemend fails both.
const policy = group('selinux2', 1, RH_CONFIG('enforcing'));
const missingPolicy = policy.case('selinux: a policy that is not installed', {
  vars: standin,
  paths: PATHS,
  tasks: `
    - name: mls
      selinux: { policy: mls, state: enforcing }
      register: p_mls
      ignore_errors: true
  `,
});
const otherPolicy = policy.case('selinux: another installed policy', {
  vars: standin,
  paths: PATHS,
  tasks: `
    - name: minimum
      selinux: { policy: minimum, state: enforcing }
      register: p_min
  `,
});

// 3. Enforcing to disabled: permissive now, disabled at the next boot.
// The first kernel has `selinux=1`, which grubby's --args selinux=0 replaces in place (same key).
const disabling = group('selinux3', 1, RH_CONFIG('enforcing'), EL7_GRUB.replace('rhgb quiet LANG', 'rhgb selinux=1 quiet LANG'));
const toDisabled = disabling.case('selinux: enforcing host disabled', {
  vars: standin,
  paths: PATHS,
  tasks: `
    - name: disabled
      selinux: { state: disabled }
      register: s_off
    - name: mode now
      command: getenforce
      register: s_mode
      changed_when: false
      check_mode: false
  `,
});

const kernelOff = disabling.case('selinux: update_kernel_param adds selinux=0 through grubby', {
  vars: standin,
  paths: [...PATHS, GRUB_CFG],
  tasks: `
    - name: disabled in the kernel too
      selinux: { state: disabled, update_kernel_param: true }
      register: k_off
    - name: kernels now
      command: grubby --info=ALL
      register: k_info
      changed_when: false
      check_mode: false
  `,
});

// 4. SELinux off (no selinuxfs), config disabled: enabling needs a reboot; the facts say disabled.
// Only the first kernel has selinux=0: the kernels are inconsistent until --remove-args takes it out.
const off = group(
  'selinux4',
  null,
  RH_CONFIG('disabled'),
  EL7_GRUB.replace(
    'centos-root ro crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG',
    'centos-root ro selinux=0 crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG',
  ),
);
const enabling = off.case('selinux: enabling on a host booted without SELinux', {
  vars: standin,
  paths: PATHS,
  tasks: `${FACT_TASK}
    - name: enforcing
      selinux: { policy: targeted, state: enforcing }
      register: s_on
  `,
});

const kernelOn = off.case('selinux: update_kernel_param removes selinux=0 through grubby', {
  vars: standin,
  paths: [...PATHS, GRUB_CFG],
  tasks: `
    - name: enforcing in the kernel too
      selinux: { policy: targeted, state: enforcing, update_kernel_param: true }
      register: k_on
    - name: kernels now
      command: grubby --info=ALL
      register: k_info
      changed_when: false
      check_mode: false
  `,
});
const seOff = seCase(off, 'SELinux disabled (ignored)');
const labelsOff = off.case('selinux: with SELinux disabled writes label nothing', {
  vars: standin,
  files: LABEL_FILES,
  controllerFiles: { 'templates/run.sh.j2': '#!/bin/sh\necho {{ dir | basename }}\n' },
  tasks: LABELS,
});

// 5. A permissive host whose config says enforcing: the facts' mode and config_mode differ.
const permissive = group('selinux5', 0, RH_CONFIG('enforcing').replace('SELINUXTYPE=targeted', '  selinuxtype = x\nSELINUXTYPE=default  '));
const permissiveFacts = permissive.case('selinux: facts of a permissive host', {
  vars: standin,
  paths: PATHS,
  tasks: FACT_TASK,
});

// 5b. A permissive host with the targeted policy: the file arguments apply as when enforcing.
const sePermissive = seCase(group('selinux5b', 0, RH_CONFIG('permissive')), 'permissive');

// 6. The host as it is: no stand-in on Ansible's side, no selinuxfs for nodemend.
const asIs = group('selinux6', 'host');
const hostCase = asIs.case('selinux: the fleet host as it is (libselinux1, no python3-selinux, no selinuxfs)', {
  files: { config: 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' },
  tasks: `${FACT_TASK}
    - name: disabled
      selinux: { state: disabled, configfile: "{{ dir }}/config" }
      register: s_host
      ignore_errors: true
  `,
});

const seAsIs = seCase(asIs, 'the host as it is (ignored)');

beforeAll(async () => {
  const root = hostRoot(HOST);
  plantSelinuxStandins(root, null);
  plantMountStandins(root);
  for (const g of groups) {
    plantGrubby(root, g.grub);
    rmSync(join(root, '/etc/selinux/config'), { force: true });
    for (const p of ['targeted', 'minimum']) rmSync(join(root, '/etc/selinux', p), { recursive: true, force: true });
    if (g.mode === 'host') {
      setSelinuxfs(root, null);
      delete process.env.NODEMEND_TEST_SELINUXFS;
    } else {
      setSelinuxfs(root, g.mode);
      // The policies the host has (set_config_policy checks /etc/selinux/NAME/policy).
      for (const p of ['targeted', 'minimum']) mkdirSync(join(root, '/etc/selinux', p, 'policy'), { recursive: true });
      mkdirSync(join(root, dirname(FILE_CONTEXTS)), { recursive: true });
      writeFileSync(join(root, FILE_CONTEXTS), FILE_CONTEXTS_TEXT);
      if (g.config !== undefined) writeFileSync(join(root, CONFIG), g.config);
      process.env.NODEMEND_TEST_SELINUXFS = SELINUXFS;
    }
    await g.d.run();
  }
}, 1_500_000);

afterAll(() => {
  delete process.env.NODEMEND_TEST_SELINUXFS;
  const root = hostRoot(HOST);
  setSelinuxfs(root, null);
  rmSync(join(root, CONFIG), { force: true });
  plantGrubby(root, undefined);
});

const reg = (c: { ansible: any; nodemend: any }, mode: (typeof MODES)[number], name: string) => sameKeys(c.nodemend[mode].registered[name], c.ansible[mode].registered[name], KEYS);

describe('selinux module: same result as ansible.posix.selinux', () => {
  const plain = [
    [edits, ['s_crlf', 's_two', 's_none', 's_nopolicy', 's_same']],
    [failures, ['e_missing', 'e_policy', 'e_grubby']],
    [toPermissive, ['s_permissive']],
    [otherPolicy, ['p_min']],
    [toDisabled, ['s_off']],
    [enabling, ['s_on']],
    [kernelOff, ['k_off']],
    [kernelOn, ['k_on']],
  ] as const;
  for (const [c, names] of plain) {
    for (const mode of MODES) {
      it(`${c.name}: ${mode}: registered results, files, changed flags`, () => {
        for (const n of names) {
          const [mine, theirs] = reg(c, mode, n);
          expect(mine, n).toEqual(theirs);
        }
        expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
        expect(c.nodemend[mode].changed).toEqual(c.ansible[mode].changed);
      });
    }
  }

  // ansible.posix's selinux registers no `diff`, --diff or not (the config's change is nodemend's output only).
  it.each(MODES)('%s: the same registered diff: none', (mode) => {
    const diffs = (tool: 'ansible' | 'nodemend') => plain.flatMap(([c, names]) => names.map((n) => [n, 'diff' in (c[tool][mode].registered[n] ?? {})]));
    expect(diffs('nodemend')).toEqual(diffs('ansible'));
    expect(diffs('ansible').filter(([, has]) => has)).toEqual([]);
    // A config rewrite changed (so nodemend had a diff to show, and before, to register).
    if (mode !== 'rerun') expect(Object.entries(edits.nodemend[mode].changed).some(([task, changed]) => task !== 'facts' && changed)).toBe(true);
  });

  it("the config rewrites are the release's: CRLF and the missing final newline gone, lines appended", () => {
    const files = edits.ansible.run.files as Record<string, { content: string }>;
    expect(files.crlf.content).toBe('SELINUX=enforcing\nSELINUXTYPE=targeted\n# last\nSELINUX=enforcing\n');
    expect(files.two.content).toBe('  SELINUX=disabled\nSELINUX=enforcing\nSELINUXTYPE= targeted \n\nSELINUX=enforcing\n');
    expect(files.none.content).toBe('# nothing set here\nSELINUXTYPE=targeted\nSELINUX=enforcing\n');
    expect(files.same.content).toBe('SELINUX=enforcing\nSELINUXTYPE=targeted\n');
    expect(edits.nodemend.run.registered.s_none.msg).toBe("Config SELinux state changed from 'None' to 'enforcing'");
  });

  it('enforcing to permissive: setenforce ran, both messages, the rerun changes nothing', () => {
    expect(toPermissive.ansible.run.registered.s_mode.stdout).toBe('Permissive');
    expect(toPermissive.nodemend.run.registered.s_mode.stdout).toBe('Permissive');
    expect(toPermissive.nodemend.check.registered.s_mode.stdout).toBe('Enforcing');
    expect(toPermissive.nodemend.run.registered.s_permissive.msg).toBe("SELinux state changed from 'enforcing' to 'permissive', Config SELinux state changed from 'enforcing' to 'permissive'");
    expect(toPermissive.nodemend.rerun.changed.permissive).toBe(false);
    expect(toPermissive.nodemend.run.files[CONFIG]).toEqual(toPermissive.ansible.run.files[CONFIG]);
  });

  it('enforcing to disabled: permissive now, a reboot required, a warning each run', () => {
    const r = toDisabled.nodemend.run.registered.s_off;
    expect(r.reboot_required).toBe(true);
    expect(r.warnings).toEqual(["SELinux state temporarily changed from 'enforcing' to 'permissive'. State change will take effect next reboot."]);
    expect(toDisabled.nodemend.rerun.registered.s_off.warnings).toEqual(['SELinux state change will take effect next reboot']);
    expect(toDisabled.nodemend.run.registered.s_mode.stdout).toBe('Permissive');
  });

  it('a host booted without SELinux: a reboot is required, only the config changes', () => {
    expect(enabling.nodemend.run.registered.s_on.reboot_required).toBe(true);
    expect(enabling.nodemend.run.registered.s_on.msg).toBe("Config SELinux state changed from 'disabled' to 'enforcing'");
    expect(enabling.nodemend.rerun.changed.enforcing).toBe(false);
  });

  it('another policy: --check is a bare changed as in Ansible, the run rewrites SELINUXTYPE', () => {
    expect(otherPolicy.ansible.check.registered.p_min).not.toHaveProperty('msg');
    expect(otherPolicy.nodemend.check.changed.minimum).toBe(true);
    expect(otherPolicy.nodemend.run.files[CONFIG]).toEqual(otherPolicy.ansible.run.files[CONFIG]);
  });

  it('a policy that is not installed: Ansible --check says changed and its run fails; nodemend fails both (documented)', () => {
    expect(missingPolicy.ansible.check.tasks[0].status).toBe('changed');
    expect(missingPolicy.nodemend.check.tasks[0].status).toBe('failed');
    for (const mode of ['run', 'rerun'] as const) {
      const [mine, theirs] = reg(missingPolicy, mode, 'p_mls');
      expect(mine).toEqual(theirs);
      expect(missingPolicy.nodemend[mode].registered.p_mls.msg).toBe('Policy mls does not exist in /etc/selinux/');
    }
    expect(missingPolicy.nodemend.check.registered.p_mls.msg).toBe('Policy mls does not exist in /etc/selinux/');
  });
});

describe('SELinux file arguments: as ansible-core 2.14.18 applies them', () => {
  for (const c of [seEnforcing, sePermissive, seOff, seAsIs]) {
    for (const mode of MODES) {
      it(`${c.name}: ${mode}: registered results, labels, files, changed flags`, () => {
        for (const n of SE_REGS) {
          const [mine, theirs] = sameKeys(c.nodemend[mode].registered[n], c.ansible[mode].registered[n], SE_KEYS);
          expect(mine, n).toEqual(theirs);
        }
        expect(c.nodemend[mode].registered.se_labels.stdout).toBe(c.ansible[mode].registered.se_labels.stdout);
        expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
        expect(c.nodemend[mode].changed).toEqual(c.ansible[mode].changed);
      });
    }
  }

  it('enabled: what ls -Z says after the run, and the rerun changes nothing', () => {
    const after = [
      'system_u:object_r:bin_t:s0 a.conf',
      'system_u:object_r:etc_t:s0 def.conf',
      'system_u:object_r:usr_t:s0 none.conf',
      'system_u:object_r:etc_t:s0 same.conf',
      'system_u:object_r:usr_t:s0 copied.conf',
      'system_u:object_r:etc_t:s0:c2 samecopy.conf',
      'system_u:object_r:bin_t:s0 new.conf',
      'system_u:object_r:bin_t:s0:c3 run.sh',
      'system_u:object_r:usr_t:s0 lines.conf',
      'system_u:object_r:var_t:s0 only.conf',
      'system_u:object_r:usr_t:s0 block.conf',
      'system_u:object_r:usr_t:s0 repl.conf',
      'system_u:object_r:usr_t:s0 ini.conf',
      'unconfined_u:object_r:etc_t:s0:c1 d',
      'system_u:object_r:var_t:s0 nd',
    ].join('\n');
    for (const c of [seEnforcing, sePermissive]) {
      expect(c.nodemend.run.registered.se_labels.stdout).toBe(after);
      expect(c.nodemend.rerun.registered.se_labels.stdout).toBe(after);
      expect(Object.entries(c.nodemend.rerun.changed).filter(([, v]) => v)).toEqual([]);
      expect(c.nodemend.run.registered.se_type.secontext).toBe('system_u:object_r:bin_t:s0');
      expect(c.nodemend.check.registered.se_type.secontext).toBe('system_u:object_r:etc_t:s0');
      expect(c.nodemend.check.changed).toMatchObject({ 'setype on a file': true, 'already so': false, '_default where the policy has none keeps the label': false });
    }
  });

  it('mount: the fstab a failed mount wrote is put back whole, with its label', () => {
    for (const mode of MODES) {
      expect(fstabLabel.nodemend[mode].registered.m_label.stdout).toBe(fstabLabel.ansible[mode].registered.m_label.stdout);
      expect(fstabLabel.nodemend[mode].files).toEqual(fstabLabel.ansible[mode].files);
    }
    expect(fstabLabel.nodemend.run.registered.m_failed.failed).toBe(true);
    expect(fstabLabel.nodemend.run.registered.m_label.stdout).toMatch(/^system_u:object_r:etc_t:s0 \S+\/fstab$/);
  });

  it('disabled: the arguments are ignored, no secontext, nothing relabelled', () => {
    for (const c of [seOff, seAsIs]) {
      for (const n of SE_REGS) expect(c.nodemend.run.registered[n], n).not.toHaveProperty('secontext');
      expect(c.nodemend.run.changed['setype on a file']).toBe(false);
      expect(c.nodemend.run.registered.se_labels.stdout).toContain('system_u:object_r:etc_t:s0 a.conf');
    }
  });
});

describe('update_kernel_param through the grubby 8.28 stand-in', () => {
  const el7 = EL7_GRUB.split('\n');
  const kernelLine = (text: string, n: number) => text.split('\n').filter((l) => l.startsWith('\tlinux16 '))[n];
  const grubAfter = (c: typeof kernelOff) => (c.nodemend.run.files[GRUB_CFG] as { content: string }).content;

  it('disabled: selinux=1 replaced in place, selinux=0 appended to the rescue kernel, nothing else touched', () => {
    expect(kernelOff.nodemend.run.registered.k_off.msg).toBe("Kernel SELinux state changed from 'enabled' to 'disabled'");
    const after = grubAfter(kernelOff);
    expect(kernelLine(after, 0)).toBe(kernelLine(EL7_GRUB, 0).replace('rhgb quiet', 'rhgb selinux=0 quiet'));
    expect(kernelLine(after, 1)).toBe(`${kernelLine(EL7_GRUB, 1)} selinux=0`);
    expect(after.split('\n').filter((l, i) => l !== el7[i]).length).toBe(2);
    expect(kernelOff.nodemend.run.registered.k_info.stdout).toMatch(/^args=".* rhgb selinux=0 quiet LANG=en_US.UTF-8"$/m);
    expect((kernelOff.nodemend.check.files[GRUB_CFG] as { content: string }).content).toBe(EL7_GRUB.replace('rhgb quiet LANG', 'rhgb selinux=1 quiet LANG'));
    expect(kernelOff.nodemend.rerun.changed['disabled in the kernel too']).toBe(false);
  });

  it('enforcing: inconsistent kernels; selinux=0 removed with its space, the result is the stock line', () => {
    expect(kernelOn.nodemend.run.registered.k_on.msg).toBe("Kernel SELinux state changed from '<inconsistent>' to 'enabled'");
    expect(grubAfter(kernelOn)).toBe(EL7_GRUB);
    expect(kernelOn.nodemend.check.registered.k_info.stdout).toContain('args="ro selinux=0 crashkernel=auto');
    expect(kernelOn.nodemend.rerun.changed['enforcing in the kernel too']).toBe(false);
  });
});

describe('atomic writes keep SELinux labels as Ansible does', () => {
  for (const c of [labels, labelsOff]) {
    for (const mode of MODES) {
      it(`${c.name}: ${mode}: labels, files, changed flags`, () => {
        expect(c.nodemend[mode].registered.labels.stdout).toBe(c.ansible[mode].registered.labels.stdout);
        expect(c.nodemend[mode].files).toEqual(c.ansible[mode].files);
        expect(c.nodemend[mode].changed).toEqual(c.ansible[mode].changed);
      });
    }
  }

  it('enabled: a replaced file keeps its label, a new one gets the last matching entry (mode 0: of any file type), <<none>> nothing', () => {
    const run = [
      'system_u:object_r:etc_t:s0 kept.conf',
      'system_u:object_r:etc_t:s0 lines.conf',
      'system_u:object_r:etc_t:s0 new.conf',
      'system_u:object_r:bin_t:s0 run.sh',
      '? none.conf',
      'system_u:object_r:usr_t:s0 other.txt',
    ].join('\n');
    expect(labels.nodemend.run.registered.labels.stdout).toBe(run);
    expect(labels.nodemend.rerun.registered.labels.stdout).toBe(run);
    expect(labels.nodemend.check.registered.labels.stdout).toBe(
      ['system_u:object_r:etc_t:s0 kept.conf', 'system_u:object_r:etc_t:s0 lines.conf', '- new.conf', '- run.sh', '- none.conf', '- other.txt'].join('\n'),
    );
    expect(labels.nodemend.check.changed).toMatchObject({ 'rewrite a labelled file': true, 'a new file with a default label': true });
    expect(labels.nodemend.rerun.changed['rewrite a labelled file']).toBe(false);
  });

  it('disabled: no label is read or set, so a replaced file has none, as in Ansible', () => {
    expect(labelsOff.nodemend.run.registered.labels.stdout).toBe(['kept.conf', 'lines.conf', 'new.conf', 'run.sh', 'none.conf', 'other.txt'].map((f) => `? ${f}`).join('\n'));
  });
});

describe('selinux facts: same as Ansible gathers them', () => {
  for (const c of [edits, enabling, permissiveFacts, hostCase]) {
    for (const mode of MODES) {
      it(`${c.name}: ${mode}`, () => {
        expect(c.nodemend[mode].registered.f.ansible_facts).toEqual(c.ansible[mode].registered.f.ansible_facts);
      });
    }
  }

  it('what the stand-ins make the facts say', () => {
    expect(edits.nodemend.check.registered.f.ansible_facts.ansible_selinux).toEqual({ status: 'enabled', policyvers: 33, config_mode: 'enforcing', mode: 'enforcing', type: 'targeted' });
    expect(permissiveFacts.nodemend.run.registered.f.ansible_facts.ansible_selinux).toEqual({ status: 'enabled', policyvers: 33, config_mode: 'enforcing', mode: 'permissive', type: 'default' });
    expect(enabling.nodemend.check.registered.f.ansible_facts.ansible_selinux).toEqual({ status: 'disabled' });
    expect(hostCase.nodemend.run.registered.f.ansible_facts).toEqual({ ansible_selinux: { status: 'disabled' }, ansible_selinux_python_present: true });
  });
});

describe('the host as it is: no Python library needed (documented difference)', () => {
  it('Ansible fails for want of python3-selinux; nodemend rewrites the config', () => {
    for (const mode of MODES) {
      expect(hostCase.ansible[mode].registered.s_host.failed).toBe(true);
      expect(hostCase.ansible[mode].registered.s_host.msg).toContain('libselinux-python');
      expect(hostCase.nodemend[mode].registered.s_host.failed).toBe(false);
    }
    expect(hostCase.nodemend.run.registered.s_host.msg).toBe("Config SELinux state changed from 'enforcing' to 'disabled'");
    expect((hostCase.nodemend.run.files.config as { content: string }).content).toBe('SELINUX=disabled\nSELINUXTYPE=targeted\n');
    expect(hostCase.nodemend.rerun.changed.disabled).toBe(false);
  });
});

describe('selinux facts on every other fleet host, unmodified', () => {
  const hosts = (): string[] =>
    testFleet()
      .hosts.map((h) => h.name)
      .filter((h) => h !== HOST && !STOPPED_BY_TESTS.includes(h));
  let ansible: Record<string, unknown> = {};
  let nodemend: Record<string, unknown> = {};
  beforeAll(async () => {
    delete process.env.NODEMEND_TEST_SELINUXFS;
    const work = workDir('selinux-facts-all');
    const names = hosts();
    const f = testFleet();
    // Ansible: the setup module on each host, one JSON file per host (--tree).
    const inv = join(work, 'ansible-inventory.yaml');
    const vars = (h: string) => ({ ansible_host: '127.0.0.1', ansible_port: fleetHost(h).port, ansible_user: 'ops', ansible_ssh_private_key_file: f.key, ansible_become: true });
    writeFileSync(inv, JSON.stringify({ all: { hosts: Object.fromEntries(names.map((h) => [h, vars(h)])) } }));
    const env = ansibleSetup(join(work, 'ansible'), 10, f.knownHosts);
    const tree = join(work, 'tree');
    try {
      await promisify(execFile)('ansible', ['all', '-i', inv, '-m', 'setup', '-a', 'filter=ansible_selinux*', '--tree', tree], { env, cwd: work, maxBuffer: 64 << 20, timeout: 600_000 });
    } finally {
      stopSshMasters(join(work, 'ansible', 'cp'));
    }
    ansible = Object.fromEntries(names.map((h) => [h, (JSON.parse(readFileSync(join(tree, h), 'utf8')) as { ansible_facts: unknown }).ansible_facts]));
    // nodemend: the same facts through a debug of both names.
    writeFileSync(
      join(work, 'facts.yaml'),
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: selinux facts\n      debug:\n        msg: "{{ {'ansible_selinux': ansible_selinux, 'ansible_selinux_python_present': ansible_facts.selinux_python_present} | to_json }}"\n`,
    );
    const json = join(work, 'report.json');
    const r = await runCli(['run', join(work, 'facts.yaml'), '-i', writeInventory(work, names), '--json', json]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { hosts: Record<string, { tasks: { msg: string }[] }> };
    nodemend = Object.fromEntries(names.map((h) => [h, JSON.parse(report.hosts[h].tasks[0].msg) as unknown]));
  }, 900_000);

  it('ansible_selinux and ansible_selinux_python_present equal on every host', () => {
    expect(Object.keys(ansible).length).toBeGreaterThan(20);
    expect(nodemend).toEqual(ansible);
  });
});
