/**
 * Ansible differential suite for node31 (HOSTS.ansibleFacts; its /etc/ansible/facts.d is saved and
 * restored, other paths are /tmp/nmdiff-localfacts-*): local facts (`ansible_local`) as
 * ansible-playbook (Debian's ansible-core 2.14.18, module_utils/facts/system/local.py) and nodemend
 * gather them, through `gather_facts: true` (the default fact_path), `setup: fact_path` and the
 * gather_subset / filter that select them. Each play writes what it read as JSON (`check_mode:
 * false`, so --check writes it too); both tools' files are compared whole, in --check, the run and
 * the rerun. The fact files are the same bytes for both tools (one directory both read).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { runCli, workDir } from '../setup/cli.js';
import { fleetHost, hostRoot, HOSTS, testFleet } from '../setup/fleet.js';

const HOST = HOSTS.ansibleFacts[0];
const SECOND = HOSTS.ansibleSemantics2[0];
type Tool = 'ansible' | 'nodemend';
const TOOLS: Tool[] = ['ansible', 'nodemend'];
const MODES = ['check', 'run', 'rerun'] as const;
type Mode = (typeof MODES)[number];

const FACTS_D = '/etc/ansible/facts.d';
/** The fact files setup's fact_path reads: every kind local.py tells apart. */
const DIR = '/tmp/nmdiff-localfacts-dir';
const SECRET = 'the-play-secret';

const sh = (body: string): { content: string; mode: number } => ({ content: `#!/bin/sh\n${body}\n`, mode: 0o755 });
const FILES: Record<string, { content?: string; mode?: number; link?: string }> = {
  'json.fact': { content: '{"v": 1, "list": [1, "a"], "nested": {"k": null}}\n' },
  'ini.fact': { content: '[sec]\nv = 1\nKey = Upper\n; a comment\nmulti = a\n  b\n\n  c\n[DEFAULT]\nd = dd\n[sec2]\nx: %(d)s and 100%%\n' },
  'dup.fact': { content: '[a]\nk=1\nk=2\n' },
  'nosection.fact': { content: 'k=1\n' },
  'bad.fact': { content: '[a]\nnovalue\n' },
  'empty.fact': { content: '' },
  'scalar.fact': { content: '3\n' },
  'unreadable.fact': { content: '{"u": 1}', mode: 0o000 },
  'notutf8.fact': { content: '\xff\xfe{}' },
  'x.factory.fact': { content: '{"name": "every .fact is removed from the key"}' },
  '.hidden.fact': { content: '{"hidden": 1}' },
  'other.txt': { content: '{"not": "a fact"}' },
  'dangling.fact': { link: '/nonexistent-nmdiff-localfacts' },
  'exec.fact': sh('echo "{\\"user\\": \\"$(id -un)\\"}"'),
  'execini.fact': sh('printf "[x]\\ny = z\\n"'),
  'execbad.fact': sh('echo neither json nor ini'),
  'execfail.fact': sh('echo oops >&2; exit 3'),
};

/** What the default fact_path holds: a root-only executable proves it runs with the play's become. */
const DEFAULT_FILES: Record<string, { content?: string; mode?: number }> = {
  'role.fact': { content: '[general]\nversion = 1.2\nsecret = {{ secret }}\n' },
  'data.fact': { content: `{"s": "{{ secret }}", "n": 1}` },
  'rootonly.fact': { ...sh('echo "{\\"user\\": \\"$(id -un)\\"}"'), mode: 0o700 },
};

const out = (tool: Tool, mode: Mode, name: string): string => `/tmp/nmdiff-localfacts-${tool}-${mode}-${name}.json`;
const dump = (tool: Tool, mode: Mode, name: string, expr: string): string =>
  `    - copy: { content: ${JSON.stringify(`facts={{ ${expr} | to_json }}\n`)}, dest: "${out(tool, mode, name)}" }\n      check_mode: false\n`;
const keys = (r: string): string => `${r}.ansible_facts.keys() | list | sort`;

const playbook = (tool: Tool, mode: Mode): string => `
- name: gathered at play start from ${FACTS_D}, as root
  hosts: ${HOST}
  become: true
  gather_facts: true
  vars: { secret: ${SECRET} }
  tasks:
${dump(tool, mode, 'gathered', `{'local': ansible_local, 'facts_local': ansible_facts.ansible_local, 'facts_local_unprefixed': ansible_facts.local is defined, 'hostvars': hostvars['${HOST}'].ansible_local, 'data_s': ansible_local.data.s, 'role_secret': ansible_local.role.general.secret}`)}
    - set_fact: { copied: "{{ ansible_local.data.s }}" }
    - set_fact: { again: "{{ copied }} and {{ ansible_local.role.general.secret }}" }
${dump(tool, mode, 'security', `{'copied': copied, 'again': again, 'eq': copied == '{{ secret }}'}`)}
    - copy: { content: '{"added": 1}', dest: ${FACTS_D}/added.fact }
${dump(tool, mode, 'same-play', 'ansible_local.keys() | list | sort')}
- name: a later play that gathers reads the fact a task wrote
  hosts: ${HOST}
  become: true
  gather_facts: true
  tasks:
${dump(tool, mode, 'next-play', 'ansible_local.keys() | list | sort')}
- name: a play that gathers nothing keeps what was gathered
  hosts: ${HOST}
  become: false
  gather_facts: false
  tasks:
    - file: { path: ${FACTS_D}/added.fact, state: absent }
      become: true
${dump(tool, mode, 'no-gather', 'ansible_local.keys() | list | sort')}
- name: setup fact_path
  hosts: ${HOST}
  become: true
  gather_facts: false
  tasks:
    - setup: { fact_path: ${DIR}, gather_subset: ['!all', '!min', 'local'] }
      register: every_kind
${dump(tool, mode, 'every-kind', "{'result': every_kind, 'after': ansible_local}")}
    - setup: { fact_path: /tmp/nmdiff-localfacts-none, filter: ansible_local }
      register: nopath
${dump(tool, mode, 'none', "{'result': nopath, 'after': ansible_local}")}
    - name: as the login user the root-only executable cannot be run
      setup: { fact_path: ${FACTS_D}, gather_subset: ['!all', '!min', 'local'] }
      become: false
      register: denied
      ignore_errors: true
${dump(tool, mode, 'denied', "{'failed': denied.failed, 'msg': denied.msg, 'rc': denied.rc, 'cmd': denied.cmd, 'after': ansible_local}")}
- name: gather_subset and filter
  hosts: ${HOST}
  become: true
  gather_facts: false
  tasks:
    - { setup: { gather_subset: ['!all', '!min', 'local'] }, register: s_local }
    - { setup: { gather_subset: ['!all', '!min', 'local'], filter: 'ansible_l*' }, register: s_filtered }
    - { setup: { gather_subset: ['!all', '!min'] }, register: s_none }
    - { setup: { gather_subset: ['!all', '!local'], filter: 'ansible_local' }, register: s_not_local }
    - { setup: { gather_subset: ['!all'], filter: 'ansible_local' }, register: s_min }
    - { setup: { gather_subset: ['network', '!all', '!min', 'local'], filter: 'ansible_lo*' }, register: s_glob }
${dump(tool, mode, 'subsets', `{'local': ${keys('s_local')}, 'filtered': ${keys('s_filtered')}, 'none': ${keys('s_none')}, 'not_local': ${keys('s_not_local')}, 'min': ${keys('s_min')}, 'glob': ${keys('s_glob')}, 'local_value': s_local.ansible_facts.ansible_local}`)}
`;

/** What a play sees of the facts, set_fact values and module facts, each undefined as 'U'. */
const SEEN = `{'dist': ansible_distribution | default('U'), 'facts_dist': ansible_facts.distribution | default('U'), 'local': ansible_local | default('U'), 'plain': plain | default('U'), 'cached': cached | default('U'), 'facts_cached': ansible_facts.cached | default('U'), 'getent': getent_group.root | default('U'), 'facts_getent': ansible_facts.getent_group.root | default('U'), 'env': ansible_env is defined, 'hostvars_dist': hostvars['${HOST}'].ansible_distribution | default('U'), 'hostvars_local': hostvars['${HOST}'].ansible_local | default('U')}`;

/**
 * meta: clear_facts (on node31) and clear_host_errors (node31 and node40, HOSTS.ansibleSemantics2:
 * only the dumps under /tmp/nmdiff-localfacts-* are written there). Ansible 2.14's clear_facts
 * (strategy/__init__.py _execute_meta → vars/manager.py clear_facts) pops the host's fact cache:
 * gathered facts, ansible_local and getent's facts are undefined until a setup or a gathering play;
 * set_fact values live in the non-persistent cache and stay (a cacheable one, kept in both, stays
 * a variable but leaves ansible_facts). clear_host_errors pops the host from the failed hosts and
 * clears its iterator state, which stays COMPLETE: it sits out the rest of this play and is back
 * in the next one, whether it failed in this play or an earlier one.
 */
const clearPlaybook = (tool: Tool, mode: Mode): string => `
- name: clear_facts
  hosts: ${HOST}
  become: true
  gather_facts: true
  tasks:
    - set_fact: { plain: 1 }
    - set_fact: { cached: 2, cacheable: true }
    - getent: { database: group, key: root }
${dump(tool, mode, 'clear-before', SEEN)}
    - meta: clear_facts
${dump(tool, mode, 'clear-after', SEEN)}
    - setup: { gather_subset: ['!all', '!min', 'local'] }
${dump(tool, mode, 'clear-setup', SEEN)}
- name: a later play that gathers nothing
  hosts: ${HOST}
  gather_facts: false
  tasks:
${dump(tool, mode, 'clear-no-gather', SEEN)}
    - meta: clear_facts
- name: a later play that gathers
  hosts: ${HOST}
  become: true
  gather_facts: true
  tasks:
${dump(tool, mode, 'clear-gather', SEEN)}
- name: clear_host_errors
  hosts: ${HOST}:${SECOND}
  gather_facts: false
  tasks:
    - fail: { msg: boom }
      when: inventory_hostname == '${HOST}'
    - meta: clear_host_errors
${dump(tool, mode, 'errors-{{ inventory_hostname }}', "'same play'")}
- name: after clear_host_errors
  hosts: ${HOST}:${SECOND}
  gather_facts: false
  tasks:
${dump(tool, mode, 'later-{{ inventory_hostname }}', "'later play'")}
- name: a host fails in one play (not every host, or Ansible ends the playbook)
  hosts: ${HOST}:${SECOND}
  gather_facts: false
  tasks:
    - fail: { msg: boom again }
      when: inventory_hostname == '${HOST}'
- name: clear_host_errors in a later play
  hosts: ${HOST}:${SECOND}
  gather_facts: false
  tasks:
    - meta: clear_host_errors
${dump(tool, mode, 'errors2-{{ inventory_hostname }}', "'cleared in a later play'")}
- name: after clear_host_errors in a later play
  hosts: ${HOST}:${SECOND}
  gather_facts: false
  tasks:
${dump(tool, mode, 'later2-{{ inventory_hostname }}', "'later play'")}
`;

const DUMPS = [
  'clear-before',
  'clear-after',
  'clear-setup',
  'clear-no-gather',
  'clear-gather',
  ...[HOST, SECOND].flatMap((h) => ['errors', 'later', 'errors2', 'later2'].map((d) => `${d}-${h}`)),
  'gathered',
  'security',
  'same-play',
  'next-play',
  'no-gather',
  'every-kind',
  'none',
  'denied',
  'subsets',
];
const runs: Record<string, { code: number; output: string }> = {};

/** clear_host_errors needs a second real host: one nodemend run takes one run lock per host. */
const NAMES = [HOST, SECOND];

async function ansible(mode: Mode, tag: string, play: string): Promise<void> {
  const f = testFleet();
  const work = workDir(`localfacts-${tag}-${mode}`);
  const env = ansibleSetup(join(work, 'ansible'), 1, f.knownHosts);
  const vars = (n: string) => ({
    ansible_host: '127.0.0.1',
    ansible_port: fleetHost(n).port,
    ansible_user: 'ops',
    ansible_ssh_private_key_file: f.key,
    ansible_python_interpreter: '/usr/bin/python3',
  });
  writeFileSync(join(work, 'inv.json'), JSON.stringify({ all: { hosts: Object.fromEntries(NAMES.map((n) => [n, vars(n)])) } }));
  writeFileSync(join(work, 'play.yaml'), play);
  const args = ['-i', join(work, 'inv.json'), join(work, 'play.yaml'), ...(mode === 'check' ? ['--check'] : [])];
  runs[`ansible-${tag}-${mode}`] = await new Promise((res) =>
    execFile('ansible-playbook', args, { cwd: work, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr })),
  );
  stopSshMasters(join(work, 'ansible', 'cp'));
}

async function nodemend(mode: Mode, tag: string, play: string): Promise<void> {
  const f = testFleet();
  const work = workDir(`localfacts-nm-${tag}-${mode}`);
  const hosts = NAMES.map((n) => `    ${n}: { port: ${fleetHost(n).port} }\n`).join('');
  writeFileSync(
    join(work, 'inv.yaml'),
    `all:\n  connection: { host: 127.0.0.1, user: ops, identity_file: ${JSON.stringify(f.key)}, known_hosts: ${JSON.stringify(f.knownHosts)} }\n  hosts:\n${hosts}`,
  );
  writeFileSync(join(work, 'play.yaml'), play);
  const r = await runCli(['run', join(work, 'play.yaml'), '-i', join(work, 'inv.yaml'), ...(mode === 'check' ? ['--check'] : [])]);
  runs[`nodemend-${tag}-${mode}`] = { code: r.code, output: r.stdout + r.stderr };
}

function read(tool: Tool, mode: Mode, name: string, host: string = HOST): Record<string, any> {
  // "facts=" first: a content that is only a JSON object would be taken for a mapping (literal_eval)
  return JSON.parse(readFileSync(join(hostRoot(host), out(tool, mode, name)), 'utf8').replace(/^facts=/, '')) as Record<string, any>;
}

const root = (): string => hostRoot(HOST);
/** /etc/ansible as the suite found it: other suites on node31 may rely on it. */
let hadEtcAnsible = false;

function plant(dir: string, files: Record<string, { content?: string; mode?: number; link?: string }>): void {
  rmSync(join(root(), dir), { recursive: true, force: true });
  mkdirSync(join(root(), dir), { recursive: true });
  for (const [name, f] of Object.entries(files)) {
    const p = join(root(), dir, name);
    if (f.link) symlinkSync(f.link, p);
    else {
      writeFileSync(p, Buffer.from(f.content ?? '', 'latin1'));
      chmodSync(p, f.mode ?? 0o644);
    }
  }
}

const removeDumps = (): void => {
  for (const h of NAMES) for (const t of TOOLS) for (const m of MODES) for (const n of DUMPS) rmSync(join(hostRoot(h), out(t, m, n)), { force: true });
};

beforeAll(async () => {
  hadEtcAnsible = existsSync(join(root(), '/etc/ansible'));
  if (existsSync(join(root(), FACTS_D))) throw new Error(`${HOST} already has ${FACTS_D}: this suite would replace it`);
  removeDumps();
  // Each tool starts from the same files (a run writes a .fact).
  for (const tool of TOOLS) {
    plant(DIR, FILES);
    plant(FACTS_D, DEFAULT_FILES);
    for (const m of MODES) {
      await (tool === 'ansible' ? ansible : nodemend)(m, 'local', playbook(tool, m));
      await (tool === 'ansible' ? ansible : nodemend)(m, 'clear', clearPlaybook(tool, m));
    }
  }
  for (const [k, r] of Object.entries(runs)) expect(r.code, `${k}:\n${r.output.slice(-3000)}`).toBe(0);
  // clear_host_errors: both failures stay in the recap, and the exit code forgets them (0 above), in both tools.
  for (const t of TOOLS) for (const m of MODES) expect(runs[`${t}-clear-${m}`].output).toMatch(new RegExp(`${HOST}\\s*:\\s*ok=\\d+\\s+changed=\\d+\\s+unreachable=0\\s+failed=2`));
}, 600_000);

afterAll(() => {
  removeDumps();
  rmSync(join(root(), DIR), { recursive: true, force: true });
  rmSync(join(root(), hadEtcAnsible ? FACTS_D : '/etc/ansible'), { recursive: true, force: true });
});

describe.each(MODES)('local facts (%s)', (mode) => {
  it('gather_facts reads /etc/ansible/facts.d with the play’s become: the same ansible_local as Ansible, an executable run as root', () => {
    const a = read('ansible', mode, 'gathered');
    expect(read('nodemend', mode, 'gathered')).toEqual(a);
    expect(a.local.rootonly).toEqual({ user: 'root' });
    expect(a.local.role).toEqual({ general: { version: '1.2', secret: '{{ secret }}' } });
  });

  it('read once per gathering play: a .fact a task writes shows in the next play that gathers, as in Ansible', () => {
    const a = ['same-play', 'next-play', 'no-gather'].map((n) => read('ansible', mode, n));
    expect(['same-play', 'next-play', 'no-gather'].map((n) => read('nodemend', mode, n))).toEqual(a);
    const added = mode === 'check' ? [] : ['added'];
    expect(a).toEqual([['data', 'role', 'rootonly'], ['data', 'role', 'rootonly', ...added].sort(), ['data', 'role', 'rootonly', ...added].sort()]);
  });

  it('what a .fact holds is data: "{{ secret }}" stays literal through set_fact, as in Ansible', () => {
    const a = read('ansible', mode, 'security');
    expect(read('nodemend', mode, 'security')).toEqual(a);
    expect(a).toEqual({ copied: '{{ secret }}', again: '{{ secret }} and {{ secret }}', eq: true });
    expect(JSON.stringify(read('nodemend', mode, 'gathered'))).not.toContain(SECRET);
  });

  it('setup fact_path: JSON, INI (DEFAULT, continuation, interpolation), every error string and warning, executables, as Ansible', () => {
    const a = read('ansible', mode, 'every-kind');
    const n = read('nodemend', mode, 'every-kind');
    expect(n).toEqual(a);
    const local = a.result.ansible_facts.ansible_local;
    expect(local.ini).toEqual({ sec: { v: '1', key: 'Upper', multi: 'a\nb\n\nc', d: 'dd' }, sec2: { x: 'dd and 100%', d: 'dd' } });
    expect(local.dup).toBe(`error loading facts as JSON or ini - please check content: ${DIR}/dup.fact`);
    expect(local.execfail).toBe(`Failure executing fact script (${DIR}/execfail.fact), rc: 3, err: oops\n`);
    expect(Object.keys(local)).not.toContain('hidden');
    expect(a.after).toEqual(local); // setup's result replaces the host's ansible_local
  });

  it('a fact_path that does not exist gives an empty ansible_local, as Ansible', () => {
    const a = read('ansible', mode, 'none');
    expect(read('nodemend', mode, 'none')).toEqual(a);
    expect(a.result.ansible_facts).toEqual({ ansible_local: {} });
  });

  it('an executable fact the user may not run fails setup with execve’s error, as Ansible', () => {
    const a = read('ansible', mode, 'denied');
    expect(read('nodemend', mode, 'denied')).toEqual(a);
    expect(a.msg).toBe(`[Errno 13] Permission denied: b'${FACTS_D}/rootonly.fact'`);
  });

  it('gather_subset and filter select ansible_local as Ansible does', () => {
    const a = read('ansible', mode, 'subsets');
    const n = read('nodemend', mode, 'subsets');
    // ['!all'] keeps min, where Ansible has collectors nodemend does not port (date_time, python...): compared on local.
    expect({ ...n, min: undefined }).toEqual({ ...a, min: undefined });
    expect(a.min).toContain('ansible_local');
    expect(n.min).toContain('ansible_local');
    expect(a.local).toEqual(['ansible_local', 'gather_subset', 'module_setup']);
  });
});

describe.each(MODES)('meta: clear_facts and clear_host_errors (%s)', (mode) => {
  const both = (name: string) => ({ a: read('ansible', mode, name), n: read('nodemend', mode, name) });
  const U = 'U';
  /** A dump per host of NAMES, null where the host did not get there. */
  const seen = (t: Tool, dump: string) => NAMES.map((h) => (existsSync(join(hostRoot(h), out(t, mode, `${dump}-${h}`))) ? read(t, mode, `${dump}-${h}`, h) : null));

  it('before: gathered facts, ansible_local, set_fact (cacheable under ansible_facts too) and getent’s facts, as Ansible', () => {
    const { a, n } = both('clear-before');
    expect(n).toEqual(a);
    expect(a).toMatchObject({ dist: 'Debian', plain: 1, cached: 2, facts_cached: 2, getent: ['x', '0', ''], env: true, local: { data: { n: 1, s: '{{ secret }}' } } });
  });

  it('after clear_facts: facts, ansible_local, hostvars and module facts undefined, set_fact values kept, as Ansible', () => {
    const { a, n } = both('clear-after');
    expect(n).toEqual(a);
    expect(a).toEqual({ dist: U, facts_dist: U, local: U, plain: 1, cached: 2, facts_cached: U, getent: U, facts_getent: U, env: false, hostvars_dist: U, hostvars_local: U });
  });

  it('a setup task defines what it gathered again (ansible_local), nothing else, as Ansible', () => {
    const { a, n } = both('clear-setup');
    expect(n).toEqual(a);
    expect(a).toMatchObject({ dist: U, local: { data: { n: 1, s: '{{ secret }}' } } });
  });

  it('a later play: one that gathers nothing keeps what the setup gave, one that gathers defines the facts again, as Ansible', () => {
    const none = both('clear-no-gather');
    expect(none.n).toEqual(none.a);
    expect(none.a).toMatchObject({ dist: U, cached: 2, facts_cached: U });
    const gathered = both('clear-gather');
    expect(gathered.n).toEqual(gathered.a);
    expect(gathered.a).toMatchObject({ dist: 'Debian', env: true, cached: 2, facts_cached: U, getent: U, local: { data: { n: 1, s: '{{ secret }}' } } });
  });

  it('clear_host_errors: the failed host sits out the rest of its play and is back in the next one, as in Ansible', () => {
    for (const t of TOOLS) {
      expect(seen(t, 'errors'), t).toEqual([null, 'same play']);
      expect(seen(t, 'later'), t).toEqual(['later play', 'later play']);
    }
  });

  it('clear_host_errors on a host that failed in an earlier play: back in the play after, as in Ansible', () => {
    for (const t of TOOLS) {
      expect(seen(t, 'errors2'), t).toEqual([null, 'cleared in a later play']);
      expect(seen(t, 'later2'), t).toEqual(['later play', 'later play']);
    }
  });
});
