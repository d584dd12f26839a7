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
  `    - copy: { content: ${JSON.stringify(`facts={{ ${expr} | to_json }}\n`)}, dest: ${out(tool, mode, name)} }\n      check_mode: false\n`;
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

const DUMPS = ['gathered', 'security', 'same-play', 'next-play', 'no-gather', 'every-kind', 'none', 'denied', 'subsets'];
const runs: Record<string, { code: number; output: string }> = {};

async function ansible(mode: Mode): Promise<void> {
  const f = testFleet();
  const work = workDir(`localfacts-${mode}`);
  const env = ansibleSetup(join(work, 'ansible'), 1, f.knownHosts);
  const vars = { ansible_host: '127.0.0.1', ansible_port: fleetHost(HOST).port, ansible_user: 'ops', ansible_ssh_private_key_file: f.key, ansible_python_interpreter: '/usr/bin/python3' };
  writeFileSync(join(work, 'inv.json'), JSON.stringify({ all: { hosts: { [HOST]: vars } } }));
  writeFileSync(join(work, 'play.yaml'), playbook('ansible', mode));
  const args = ['-i', join(work, 'inv.json'), join(work, 'play.yaml'), ...(mode === 'check' ? ['--check'] : [])];
  runs[`ansible-${mode}`] = await new Promise((res) =>
    execFile('ansible-playbook', args, { cwd: work, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr })),
  );
  stopSshMasters(join(work, 'ansible', 'cp'));
}

async function nodemend(mode: Mode): Promise<void> {
  const f = testFleet();
  const work = workDir(`localfacts-nm-${mode}`);
  writeFileSync(
    join(work, 'inv.yaml'),
    `all:\n  connection: { host: 127.0.0.1, user: ops, identity_file: ${JSON.stringify(f.key)}, known_hosts: ${JSON.stringify(f.knownHosts)} }\n  hosts:\n    ${HOST}: { port: ${fleetHost(HOST).port} }\n`,
  );
  writeFileSync(join(work, 'play.yaml'), playbook('nodemend', mode));
  const r = await runCli(['run', join(work, 'play.yaml'), '-i', join(work, 'inv.yaml'), ...(mode === 'check' ? ['--check'] : [])]);
  runs[`nodemend-${mode}`] = { code: r.code, output: r.stdout + r.stderr };
}

function read(tool: Tool, mode: Mode, name: string): Record<string, any> {
  // "facts=" first: a content that is only a JSON object would be taken for a mapping (literal_eval)
  return JSON.parse(readFileSync(join(hostRoot(HOST), out(tool, mode, name)), 'utf8').replace(/^facts=/, '')) as Record<string, any>;
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

beforeAll(async () => {
  hadEtcAnsible = existsSync(join(root(), '/etc/ansible'));
  if (existsSync(join(root(), FACTS_D))) throw new Error(`${HOST} already has ${FACTS_D}: this suite would replace it`);
  for (const t of TOOLS) for (const m of MODES) for (const n of DUMPS) rmSync(join(root(), out(t, m, n)), { force: true });
  // Each tool starts from the same files (a run writes a .fact).
  for (const tool of TOOLS) {
    plant(DIR, FILES);
    plant(FACTS_D, DEFAULT_FILES);
    for (const m of MODES) await (tool === 'ansible' ? ansible(m) : nodemend(m));
  }
  for (const [k, r] of Object.entries(runs)) expect(r.code, `${k}:\n${r.output.slice(-3000)}`).toBe(0);
}, 600_000);

afterAll(() => {
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
