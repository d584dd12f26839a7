/**
 * command's argv expansion, through ansible-playbook and nodemend on node23 (paths under
 * /tmp/nmdiff-h18f-*). ansible-core 2.14.18's command module passes its words to
 * module_utils/basic.py run_command, which (use_unsafe_shell false, expand_user_and_vars true)
 * gives each word os.path.expanduser(os.path.expandvars(word)) in the module's environment (sudo's
 * under become: HOME=/root; the task's `environment:` included) and runs it without a shell. nodemend
 * expands with the same rule as its path arguments (src/modules/lib/expand-path.ts). Compared: the
 * printed words (stdout), the registered `cmd` (the words as written, before expansion), rc and
 * changed flags in run and rerun; in check mode the documented difference (Ansible skips, nodemend
 * predicts the run). Globs and `$(...)` stay literal: nothing runs them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, sameKeys, type DifferentialCase } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];
const d = differential(HOST, 'h18f-argv');

const words = d.case('command words: $VAR, ${VAR}, unset, ~, ~user, $(...), globs', {
  play: `environment: { NM_H18F_V: "v a l", NM_H18F_TILDE: "~ops/t", NM_H18F_EVIL: "$(touch {{ dir }}/pwned-var)" }`,
  tasks: `
    - name: a command line
      command: >-
        printf '[%s]\\n' $NM_H18F_V a\${NM_H18F_V}b $NM_H18F_UNSET \${NM_H18F_UNSET} \${HOME}/x ~ ~ops ~ops/x
        ~nm-h18f-nouser/x a~ops $NM_H18F_TILDE/y '$(touch {{ dir }}/pwned)' '\`touch {{ dir }}/pwned-tick\`'
        $NM_H18F_EVIL /etc/host* '*' '$1'
      register: c_line
    - name: an argv list
      command: { argv: [printf, "[%s]\\n", "$NM_H18F_V", "~", "~ops", "$NM_H18F_TILDE", "$(id)", "{{ dir }}/*"] }
      register: c_argv
    - name: in chdir, the words expand the same
      command: { cmd: "printf '[%s]' ~/x $NM_H18F_V", chdir: "{{ dir }}" }
      register: c_chdir
  `,
});

beforeAll(() => d.run(), 900_000);

const REGS = ['c_line', 'c_argv', 'c_chdir'];
const KEYS = ['stdout', 'stdout_lines', 'cmd', 'rc', 'changed'];

describe.each(['run', 'rerun'] as const)('%s', (mode) => {
  it.each(REGS)('%s: the same words printed, the same cmd, rc and changed', (reg) => {
    const [n, a] = sameKeys(words.nodemend[mode].registered[reg], words.ansible[mode].registered[reg], KEYS);
    expect(n).toEqual(a);
  });
  it('the same files (nothing a word names was run) and changed flags', () => {
    expect(words.nodemend[mode].files).toEqual(words.ansible[mode].files);
    expect(words.nodemend[mode].changed).toEqual(words.ansible[mode].changed);
  });
});

describe('what the compared values are (so equal is not equal-and-wrong)', () => {
  const out = (c: DifferentialCase, reg: string): string[] => c.nodemend.run.registered[reg].stdout_lines;
  it('variables and ~ expanded once; unset, unknown users, $(...), backticks and globs literal', () => {
    expect(out(words, 'c_line')).toEqual([
      '[v a l]',
      '[av a lb]',
      '[$NM_H18F_UNSET]',
      '[${NM_H18F_UNSET}]',
      '[/root/x]',
      '[/root]',
      '[/home/ops]',
      '[/home/ops/x]',
      '[~nm-h18f-nouser/x]',
      '[a~ops]',
      '[/home/ops/t/y]',
      '[$(touch <dir>/pwned)]',
      '[`touch <dir>/pwned-tick`]',
      '[$(touch <dir>/pwned-var)]',
      '[/etc/host*]',
      '[*]',
      '[$1]',
    ]);
    expect(out(words, 'c_argv')).toEqual(['[v a l]', '[/root]', '[/home/ops]', '[/home/ops/t]', '[$(id)]', '[<dir>/*]']);
    expect(words.nodemend.run.registered.c_chdir.stdout).toBe('[/root/x][v a l]');
    expect(words.nodemend.run.registered.c_argv.cmd).toEqual(['printf', '[%s]\n', '$NM_H18F_V', '~', '~ops', '$NM_H18F_TILDE', '$(id)', '<dir>/*']);
  });
  it('nothing ran a substitution: the case directory stays empty in every mode', () => {
    for (const mode of ['check', 'run', 'rerun'] as const) expect(words.nodemend[mode].files, mode).toEqual({});
  });
  it('check: Ansible skips command; nodemend predicts each run (exact check mode, documented)', () => {
    for (const reg of REGS) expect(words.ansible.check.registered[reg], reg).toMatchObject({ changed: false, skipped: true });
    expect(words.nodemend.check.changed).toEqual({ 'a command line': true, 'an argv list': true, 'in chdir, the words expand the same': true });
  });
});
