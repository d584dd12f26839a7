/**
 * The `remote_user` keyword through ansible-playbook (ansible-core 2.14) and nodemend on node23
 * (paths /tmp/nmdiff-h20e-ru*-*): who a task logs in as (`whoami`), and who owns what copy writes,
 * in check mode, a run and a rerun.
 *
 * 2.14's PlayContext.set_task_and_variable_override takes the keyword (task > block > import > play)
 * and then lets the variable ansible_user outrank it; the ssh plugin logs in as the result, or as the
 * local user when neither is set. nodemend's inventory `user:` is that variable. So:
 * - an inventory without a user (`user: false`: both tools log in as the controller's user, root, which
 *   the fleet's hosts authorise): each keyword chooses the login user, templated;
 * - an inventory with `user: ops` (ansible_user: ops): the keyword changes nothing.
 * ansible_user (PlayContext.update_vars): the inventory's user, else the keyword's, else undefined; the
 * facts a play gathers describe its remote_user (its setup logs in as it).
 * Both inventories without become: the login user is who runs the task (a task's `become: true` still
 * runs it as root, over the other user's connection).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleModules[0];
const noUser = differential(HOST, 'h20e-ru', MODES, [], { become: false, user: false });
const withUser = differential(HOST, 'h20e-ruinv', MODES, [], { become: false });

/** `command: whoami` run in check mode too (not changed), its keys indented by `indent` spaces. */
const whoami = (indent: number): string => ['command: whoami', 'changed_when: false', 'check_mode: false'].join(`\n${' '.repeat(indent)}`);

const keywords = noUser.case('remote_user on a task, a block (templated) and an import; the play logs in as the local user', {
  vars: { login: 'ops' },
  tasks: `
    - name: who logs in by default
      ${whoami(6)}
      register: w_default
    - name: who logs in as the task's remote_user
      ${whoami(6)}
      remote_user: ops
      register: w_task
    - block:
        - name: who logs in as the block's remote_user
          ${whoami(10)}
          register: w_block
        - name: copy as the block's user
          copy: { content: "by ops\\n", dest: "{{ dir }}/home/owned" }
          register: c_ops
        - name: copy as the block's user, become root
          copy: { content: "by root\\n", dest: "{{ dir }}/home/rooted" }
          become: true
          register: c_root
        - name: the task's own remote_user outranks the block's
          ${whoami(10)}
          remote_user: root
          register: w_inner
      remote_user: "{{ login }}"
    - import_tasks: as-ops.yml
      remote_user: ops
    - name: after the block, the default again
      ${whoami(6)}
      register: w_after
  `,
  controllerFiles: { 'as-ops.yml': `- name: who logs in in the imported file\n  ${whoami(2)}\n  register: w_import\n` },
  files: { home: { dir: true, owner: 'ops' } },
});

const play = noUser.case("remote_user on the play: every task's login user, a task's own wins", {
  play: 'remote_user: ops',
  tasks: `
    - name: who logs in as the play's remote_user
      ${whoami(6)}
      register: p_play
    - name: who logs in as the task's remote_user over the play's
      ${whoami(6)}
      remote_user: root
      register: p_task
    - name: copy as the play's user
      copy: { content: "play\\n", dest: "{{ dir }}/home/play" }
      register: p_copy
  `,
  files: { home: { dir: true, owner: 'ops' } },
});

const outranked = withUser.case("the inventory's user outranks remote_user", {
  tasks: `
    - name: who logs in when the inventory names a user
      ${whoami(6)}
      remote_user: root
      register: i_task
    - name: copy with remote_user root, the inventory naming ops
      copy: { content: "inv\\n", dest: "{{ dir }}/home/inv" }
      remote_user: root
      register: i_copy
  `,
  files: { home: { dir: true, owner: 'ops' } },
});

/** ansible_user and ansible_ssh_user as a task reads them, and hostvars' ansible_user. */
const userVars = (indent: number): string =>
  [
    'msg:',
    '  defined: "{{ ansible_user is defined }}"',
    `  user: "{{ ansible_user | default('x') }}"`,
    `  ssh_user: "{{ ansible_ssh_user | default('x') }}"`,
    `  hostvar: "{{ hostvars[inventory_hostname].ansible_user | default('x') }}"`,
  ].join(`\n${' '.repeat(indent)}`);

const varsNoUser = noUser.case('ansible_user without an inventory user: undefined, the remote_user keyword defines it', {
  tasks: `
    - name: ansible_user with no user anywhere
      debug:
        ${userVars(8)}
      register: v_none
    - name: ansible_user under a task's remote_user
      debug:
        ${userVars(8)}
      remote_user: ops
      register: v_task
    - name: a when reads the keyword's ansible_user
      debug: { msg: ran }
      remote_user: ops
      when: ansible_user == 'ops'
      register: v_when
  `,
});

const varsWithUser = withUser.case('ansible_user and ansible_ssh_user from the inventory', {
  tasks: `
    - name: ansible_user with the inventory's user
      debug:
        ${userVars(8)}
      remote_user: root
      register: v_inv
  `,
});

const delegatedNoUser = noUser.case("ansible_user under delegate_to: the delegated host's inventory user, else the keyword", {
  tasks: `
    - name: delegated to localhost under a task's remote_user
      debug:
        ${userVars(8)}
      delegate_to: localhost
      remote_user: ops
      register: dl_task
    - name: delegated to localhost without a keyword
      debug:
        ${userVars(8)}
      delegate_to: localhost
      register: dl_none
    - name: delegated to the host itself under a task's remote_user
      debug:
        ${userVars(8)}
      delegate_to: "{{ inventory_hostname }}"
      remote_user: ops
      register: dl_self
    - name: a when under delegate_to reads the keyword's ansible_user
      debug: { msg: ran }
      delegate_to: localhost
      remote_user: ops
      when: ansible_user == 'ops'
      register: dl_when
    - name: who logs in delegated to the host itself under a task's remote_user
      ${whoami(6)}
      delegate_to: "{{ inventory_hostname }}"
      remote_user: ops
      register: dl_whoami
  `,
});

const delegatedWithUser = withUser.case("under delegate_to the host's inventory user stays ansible_user; ansible_ssh_user is the delegated login", {
  tasks: `
    - name: delegated to localhost under remote_user root
      debug:
        ${userVars(8)}
      delegate_to: localhost
      remote_user: root
      register: dw_local
    - name: delegated to the host itself under remote_user root
      debug:
        ${userVars(8)}
      delegate_to: "{{ inventory_hostname }}"
      remote_user: root
      register: dw_self
  `,
});

/** The facts that depend on who asks, and the login user. */
const whoFacts = (indent: number): string =>
  ['msg:', '  id: "{{ ansible_user_id }}"', '  dir: "{{ ansible_user_dir }}"', '  home: "{{ ansible_env.HOME }}"', '  env_user: "{{ ansible_env.USER }}"', '  user: "{{ ansible_user }}"'].join(
    `\n${' '.repeat(indent)}`,
  );

const facts = noUser.case("a play's remote_user: its facts are that user's (setup logs in as it)", {
  gatherFacts: true,
  play: 'remote_user: ops',
  tasks: `
    - name: the facts gathered as the play's remote_user
      debug:
        ${whoFacts(8)}
      register: f_play
    - name: the same facts under a task's own remote_user
      debug:
        ${whoFacts(8)}
      remote_user: root
      register: f_task
    - name: setup run as root
      setup: { gather_subset: [min] }
      remote_user: root
    - name: the facts setup read as root
      debug:
        ${whoFacts(8)}
      register: f_setup
  `,
});

beforeAll(async () => {
  await noUser.run();
  await withUser.run();
}, 900_000);

const stdout = (r: Record<string, any>, names: string[]) => Object.fromEntries(names.map((n) => [n, r[n]?.stdout]));
const COPY_KEYS = ['changed', 'dest', 'owner', 'group', 'mode', 'uid', 'gid'];
const pick = (r: Record<string, unknown> | undefined) => Object.fromEntries(COPY_KEYS.filter((k) => r !== undefined && k in r).map((k) => [k, r![k]]));

describe.each(MODES)('%s', (mode) => {
  for (const c of [keywords, play, outranked, varsNoUser, varsWithUser, facts, delegatedNoUser, delegatedWithUser]) {
    it(`${c.name}: same files`, () => expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files));
    // Ansible reports its play's fact gathering as a task (Gathering Facts); nodemend reads facts as they are needed.
    it(`${c.name}: same changed flags`, () => {
      const { 'Gathering Facts': gathering, ...ansible } = c.ansible[mode].changed;
      expect(gathering).toBe(c === facts ? false : undefined);
      expect(c.nodemend[mode].changed, c.nodemend[mode].output).toEqual(ansible);
    });
  }

  it('the same login users in both tools, as each keyword says', () => {
    const names = ['w_default', 'w_task', 'w_block', 'w_inner', 'w_import', 'w_after'];
    const want = { w_default: 'root', w_task: 'ops', w_block: 'ops', w_inner: 'root', w_import: 'ops', w_after: 'root' };
    expect(stdout(keywords.ansible[mode].registered, names)).toEqual(want);
    expect(stdout(keywords.nodemend[mode].registered, names), keywords.nodemend[mode].output).toEqual(want);
    const playWant = { p_play: 'ops', p_task: 'root' };
    expect(stdout(play.ansible[mode].registered, ['p_play', 'p_task'])).toEqual(playWant);
    expect(stdout(play.nodemend[mode].registered, ['p_play', 'p_task']), play.nodemend[mode].output).toEqual(playWant);
    expect(stdout(outranked.ansible[mode].registered, ['i_task'])).toEqual({ i_task: 'ops' });
    expect(stdout(outranked.nodemend[mode].registered, ['i_task']), outranked.nodemend[mode].output).toEqual({ i_task: 'ops' });
  });

  it('copy\'s results: the login user owns what it wrote, become\'s root what it wrote; --check as README "Choices" says', () => {
    for (const [c, regs] of [
      [keywords, ['c_ops', 'c_root']],
      [play, ['p_copy']],
      [outranked, ['i_copy']],
    ] as const) {
      for (const r of regs) {
        const [n, a] = [c.nodemend[mode].registered[r], c.ansible[mode].registered[r]];
        if (mode !== 'check') {
          expect(pick(n), r).toEqual(pick(a));
          continue;
        }
        // A controller copy in --check: Ansible's action registers changed and its diff alone, nodemend the
        // file it would write, no `msg` as 2.14's copy (no owner: who owns it shows in the run).
        expect(Object.keys(a).sort(), r).toEqual(['changed', 'diff', 'failed']);
        expect(Object.keys(n).sort(), r).toEqual(['changed', 'checksum', 'dest', 'diff', 'failed', 'md5sum', 'size']);
        const { dest, checksum } = c.ansible.run.registered[r];
        expect([a.changed, n.changed, n.dest, n.checksum], r).toEqual([true, true, dest, checksum]);
      }
    }
    if (mode === 'run') {
      expect(keywords.ansible.run.registered.c_ops).toMatchObject({ owner: 'ops', changed: true });
      expect(keywords.ansible.run.registered.c_root).toMatchObject({ owner: 'root', changed: true });
      expect(outranked.ansible.run.registered.i_copy).toMatchObject({ owner: 'ops' });
    }
  });
});

describe.each(MODES)('%s: ansible_user and the facts', (mode) => {
  const msgs = (c: typeof facts, tool: 'ansible' | 'nodemend', names: string[]) => Object.fromEntries(names.map((n) => [n, c[tool][mode].registered[n]?.msg]));
  const none = { defined: false, user: 'x', ssh_user: 'x', hostvar: 'x' };
  const ops = { defined: true, user: 'ops', ssh_user: 'ops', hostvar: 'x' };

  it('ansible_user is undefined without an inventory user; a remote_user keyword defines it (and ansible_ssh_user)', () => {
    const want = { v_none: none, v_task: ops, v_when: 'ran' };
    expect(msgs(varsNoUser, 'ansible', ['v_none', 'v_task', 'v_when'])).toEqual(want);
    expect(msgs(varsNoUser, 'nodemend', ['v_none', 'v_task', 'v_when']), varsNoUser.nodemend[mode].output).toEqual(want);
  });

  it("under delegate_to: the delegated host's inventory user, else the keyword; the host's own inventory user stays ansible_user", () => {
    const want = {
      dl_task: { defined: true, user: 'ops', ssh_user: 'ops', hostvar: 'x' },
      dl_none: none,
      dl_self: { defined: true, user: 'ops', ssh_user: 'ops', hostvar: 'x' },
      dl_when: 'ran',
    };
    expect(msgs(delegatedNoUser, 'ansible', Object.keys(want))).toEqual(want);
    expect(msgs(delegatedNoUser, 'nodemend', Object.keys(want)), delegatedNoUser.nodemend[mode].output).toEqual(want);
    expect(delegatedNoUser.nodemend[mode].registered.dl_whoami.stdout).toBe(delegatedNoUser.ansible[mode].registered.dl_whoami.stdout);
    expect(delegatedNoUser.ansible[mode].registered.dl_whoami.stdout).toBe('ops');
    const inv = { dw_local: { defined: true, user: 'ops', ssh_user: 'root', hostvar: 'ops' }, dw_self: { defined: true, user: 'ops', ssh_user: 'ops', hostvar: 'ops' } };
    expect(msgs(delegatedWithUser, 'ansible', Object.keys(inv))).toEqual(inv);
    expect(msgs(delegatedWithUser, 'nodemend', Object.keys(inv)), delegatedWithUser.nodemend[mode].output).toEqual(inv);
  });

  it("the inventory's user is ansible_user, ansible_ssh_user and hostvars' ansible_user, whatever the keyword", () => {
    const want = { v_inv: { defined: true, user: 'ops', ssh_user: 'ops', hostvar: 'ops' } };
    expect(msgs(varsWithUser, 'ansible', ['v_inv'])).toEqual(want);
    expect(msgs(varsWithUser, 'nodemend', ['v_inv']), varsWithUser.nodemend[mode].output).toEqual(want);
  });

  it("the play's remote_user is whom the gathered facts describe; a setup task's login re-reads them", () => {
    const asOps = { id: 'ops', dir: '/home/ops', home: '/home/ops', env_user: 'ops' };
    const asRoot = { id: 'root', dir: '/root', home: '/root', env_user: 'root' };
    const want = { f_play: { ...asOps, user: 'ops' }, f_task: { ...asOps, user: 'root' }, f_setup: { ...asRoot, user: 'ops' } };
    expect(msgs(facts, 'ansible', ['f_play', 'f_task', 'f_setup'])).toEqual(want);
    expect(msgs(facts, 'nodemend', ['f_play', 'f_task', 'f_setup']), facts.nodemend[mode].output).toEqual(want);
  });
});

it('the files as each login user wrote them', () => {
  for (const tool of [keywords.nodemend, keywords.ansible]) {
    expect(tool.run.files['home/owned']).toMatchObject({ content: 'by ops\n', owner: 'ops' });
    expect(tool.run.files['home/rooted']).toMatchObject({ content: 'by root\n', owner: 'root' });
  }
  for (const tool of [play.nodemend, play.ansible]) expect(tool.run.files['home/play']).toMatchObject({ owner: 'ops' });
  for (const tool of [outranked.nodemend, outranked.ansible]) expect(tool.run.files['home/inv']).toMatchObject({ owner: 'ops' });
});
