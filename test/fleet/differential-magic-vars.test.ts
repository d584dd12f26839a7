/**
 * Ansible's magic and connection variables through ansible-playbook 2.14.18 and nodemend, value by
 * value, on two hosts (node22 and node40, unique /tmp paths only). Ansible's definitions:
 * vars/manager.py _get_magic_variables (play, role and host lists), utils/vars.py load_options_vars
 * (--check, --diff, --forks, --tags, --skip-tags, -v), playbook/play_context.py update_vars
 * (ansible_host/port/user/connection where nothing else set them), inventory/data.py (inventory_file,
 * inventory_dir) and playbook/role_include.py (ansible_parent_role_names/_paths).
 *
 * One playbook, run twice by each tool (plain, and --check --diff -vv --tags --skip-tags): play one
 * has `serial: 1`, a role with a meta dependency and an include_role inside the role; play two fails
 * node22 so node40 sees it removed from ansible_play_hosts (not from ansible_play_hosts_all). Each
 * dump site set_facts every variable (`| default('UNDEF')`) and writes it as JSON to a file per host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { fleetHost, hostRoot, HOSTS, testFleet } from '../setup/fleet.js';
import { assertBuilt, runCli, workDir } from '../setup/cli.js';

const HOSTS_USED = [HOSTS.ansibleSemantics[0], HOSTS.ansibleSemantics2[0]];
const [FIRST, SECOND] = HOSTS_USED;
type Tool = 'ansible' | 'nodemend';
type Run = 'plain' | 'flags';
const RUNS: Record<Run, string[]> = {
  plain: ['--forks', '7'],
  flags: ['--check', '--diff', '-vv', '--tags', 'dump,other', '--skip-tags', 'never_me', '--forks', '3'],
};

/** Every variable of the brief, plus the ones 2.14 sets beside them. */
const NAMES = [
  'ansible_play_batch',
  'ansible_play_hosts',
  'ansible_play_hosts_all',
  'play_hosts',
  'ansible_play_name',
  'ansible_diff_mode',
  'ansible_forks',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_check_mode',
  'role_names',
  'ansible_role_names',
  'ansible_play_role_names',
  'ansible_dependent_role_names',
  'role_name',
  'ansible_role_name',
  'role_path',
  'ansible_parent_role_names',
  'ansible_parent_role_paths',
  'inventory_dir',
  'inventory_file',
  'ansible_inventory_sources',
  'ansible_host',
  'ansible_port',
  'ansible_user',
  'ansible_become',
  'ansible_connection',
  'playbook_dir',
  'groups',
  'group_names',
  'inventory_hostname',
  'inventory_hostname_short',
  'ansible_version',
];
/** Set in both tools' hostvars[h] (2.14: inventory, connection and per-run variables; not the play's). */
const HOSTVAR_NAMES = NAMES.filter((n) => n !== 'ansible_config_file');
/** Python sets in Ansible (list(set(...)); cli/playbook.py makes --tags / --skip-tags sets too): their order is arbitrary there. */
const UNORDERED = new Set(['ansible_role_names', 'ansible_dependent_role_names', 'ansible_run_tags', 'ansible_skip_tags']);

const dumpExpr = (): string => {
  const vars = [...NAMES, 'ansible_config_file'].map((n) => `'${n}': ${n} | default('UNDEF')`);
  const hv = HOSTVAR_NAMES.map((n) => `'${n}': hostvars[inventory_hostname]['${n}'] | default('UNDEF')`);
  const re = `^(${[...NAMES, 'ansible_config_file', 'hostvars', 'omit'].join('|')})$`;
  return `{{ { ${vars.join(', ')}, 'omit_is_token': omit is string and omit.startswith('__omit_place_holder__'), 'other_port': hostvars['${SECOND}'].ansible_port, 'other_has_play_name': 'ansible_play_name' in hostvars['${SECOND}'], 'varnames': lookup('varnames', '${re}'), 'hostvars': { ${hv.join(', ')} } } }}`;
};

/** A dump site: set_fact (so the values are the task's in check mode too), then a file written in every mode. */
const dumpTasks = (site: string, indent: string): string =>
  [
    `- name: ${site} values`,
    `  set_fact: { magic_${site}: "${dumpExpr().replace(/"/g, '\\"')}" }`,
    `  tags: [dump]`,
    `- name: ${site} file`,
    `  copy: { content: "{{ magic_${site} | to_json }}", dest: "{{ out }}-{{ inventory_hostname }}-${site}.json" }`,
    `  check_mode: false`,
    `  tags: [dump]`,
  ]
    .map((l) => indent + l)
    .join('\n');

const FILES: Record<string, string> = {
  'roles/base/tasks/main.yml': dumpTasks('dependency', '') + '\n',
  'roles/top/meta/main.yml': 'dependencies: [base]\n',
  'roles/top/tasks/main.yml': dumpTasks('role', '') + '\n- name: include inner\n  include_role: { name: inner }\n  tags: [dump]\n',
  'roles/inner/tasks/main.yml': dumpTasks('included', '') + '\n',
  'playbook.yaml': `- name: magic one
  hosts: nodes
  gather_facts: false
  serial: 1
  roles:
    - { role: top, tags: [dump] }
  tasks:
${dumpTasks('play', '    ')}
- name: magic two
  hosts: nodes
  gather_facts: false
  tasks:
    - name: node22 leaves the play
      fail: { msg: removed }
      when: inventory_hostname == '${FIRST}'
      tags: [dump]
${dumpTasks('after', '    ')}
`,
};

const SITES_FIRST = ['dependency', 'role', 'included', 'play'];
const SITES_SECOND = [...SITES_FIRST, 'after'];

type Dump = Record<string, any>;
const dumps: Record<Tool, Record<Run, Record<string, Dump>>> = { ansible: { plain: {}, flags: {} }, nodemend: { plain: {}, flags: {} } };
const outputs: Record<string, string> = {};
const works: Partial<Record<Tool, string>> = {};

function writeTree(work: string): void {
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(work, rel)), { recursive: true });
    writeFileSync(join(work, rel), text);
  }
}

function ansibleInventory(work: string): void {
  const f = testFleet();
  const common = { ansible_host: '127.0.0.1', ansible_user: 'ops', ansible_ssh_private_key_file: f.key, ansible_become: true, ansible_python_interpreter: '/usr/bin/python3' };
  const hosts = Object.fromEntries(HOSTS_USED.map((h) => [h, { ansible_port: fleetHost(h).port }]));
  writeFileSync(join(work, 'inventory.yaml'), JSON.stringify({ all: { vars: common, children: { nodes: { hosts } } } }));
}

function nodemendInventory(work: string): void {
  const f = testFleet();
  const hosts = HOSTS_USED.map((h) => `        ${h}: { port: ${fleetHost(h).port} }`);
  const text = [
    'all:',
    `  connection: { host: 127.0.0.1, user: ops, identity_file: ${JSON.stringify(f.key)}, known_hosts: ${JSON.stringify(f.knownHosts)}, become: true }`,
    '  children:',
    '    nodes:',
    '      hosts:',
    ...hosts,
  ];
  writeFileSync(join(work, 'inventory.yaml'), text.join('\n') + '\n');
}

const outPrefix = (tool: Tool, run: Run): string => `/tmp/nm-magic-h16c-${tool}-${run}`;

function runAnsible(work: string, args: string[]): Promise<string> {
  const env = ansibleSetup(join(work, 'ansible'), 1, testFleet().knownHosts);
  return new Promise((res) => {
    execFile('ansible-playbook', ['-i', join(work, 'inventory.yaml'), join(work, 'playbook.yaml'), ...args], { cwd: work, env, maxBuffer: 64 << 20 }, (_e, stdout, stderr) => res(stdout + stderr));
  });
}

/** Each tool's work directory reads `<work>`: the values that name it then compare equal. */
function readDump(tool: Tool, run: Run, host: string, site: string): Dump | undefined {
  const file = join(hostRoot(host), `${outPrefix(tool, run)}-${host}-${site}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8').split(works[tool]!).join('<work>')) as Dump;
}

function clean(): void {
  for (const tool of ['ansible', 'nodemend'] as Tool[])
    for (const run of Object.keys(RUNS) as Run[])
      for (const host of HOSTS_USED) for (const site of SITES_SECOND) rmSync(join(hostRoot(host), `${outPrefix(tool, run)}-${host}-${site}.json`), { force: true });
}

beforeAll(async () => {
  assertBuilt();
  clean();
  for (const tool of ['ansible', 'nodemend'] as Tool[]) {
    const work = workDir(`magic-vars-${tool}`);
    works[tool] = work;
    writeTree(work);
    if (tool === 'ansible') ansibleInventory(work);
    else nodemendInventory(work);
    for (const run of Object.keys(RUNS) as Run[]) {
      const args = [...RUNS[run], '-e', `out=${outPrefix(tool, run)}`];
      outputs[`${tool} ${run}`] =
        tool === 'ansible' ? await runAnsible(work, args) : await runCli(['run', join(work, 'playbook.yaml'), '-i', join(work, 'inventory.yaml'), ...args]).then((r) => r.stdout + r.stderr);
      for (const host of HOSTS_USED)
        for (const site of host === FIRST ? SITES_FIRST : SITES_SECOND) {
          const d = readDump(tool, run, host, site);
          if (!d) throw new Error(`${tool} (${run}) wrote no ${site} dump on ${host}:\n${outputs[`${tool} ${run}`].slice(-4000)}`);
          dumps[tool][run][`${host} ${site}`] = d;
        }
    }
  }
  if (works.ansible) stopSshMasters(join(works.ansible, 'ansible', 'cp'));
}, 600_000);

afterAll(() => clean());

/** A dump with Ansible's unordered lists sorted and varnames as a sorted list. */
function comparable(d: Dump): Dump {
  const sorted = (x: Dump): Dump => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, UNORDERED.has(k) && Array.isArray(v) ? [...(v as string[])].sort() : v]));
  const out: Dump = { ...sorted(d), hostvars: sorted(d.hostvars as Dump), varnames: String(d.varnames).split(',').sort() };
  delete out.ansible_config_file;
  return out;
}

const SITES = [...SITES_FIRST.flatMap((s) => HOSTS_USED.map((h) => `${h} ${s}`)), `${SECOND} after`];

describe.each(Object.keys(RUNS) as Run[])('magic variables, %s run', (run) => {
  it.each(SITES)('every variable as Ansible gives it: %s', (site) => {
    const a = dumps.ansible[run][site];
    const n = dumps.nodemend[run][site];
    for (const k of NAMES) expect({ [k]: comparable(n)[k] }, `${site} ${k}`).toEqual({ [k]: comparable(a)[k] });
    expect(comparable(n)).toEqual(comparable(a));
  });

  it('the values a role relies on, spelled out (so equal-but-undefined cannot pass)', () => {
    const first = dumps.nodemend[run][`${FIRST} role`];
    const after = dumps.nodemend[run][`${SECOND} after`];
    expect(first.ansible_play_batch).toEqual([FIRST]);
    expect(first.play_hosts).toEqual([FIRST]);
    expect(first.ansible_play_hosts_all).toEqual(HOSTS_USED);
    expect(after.ansible_play_hosts).toEqual([SECOND]);
    expect(after.ansible_play_hosts_all).toEqual(HOSTS_USED);
    expect(first.role_name).toBe('top');
    expect(first.ansible_play_role_names).toEqual(['top']);
    expect(first.ansible_dependent_role_names).toEqual(['base']);
    expect(dumps.nodemend[run][`${FIRST} included`].ansible_parent_role_names).toEqual(['top']);
    expect(dumps.nodemend[run][`${FIRST} play`].role_name).toBe('UNDEF');
    expect(first.ansible_port).toBe(fleetHost(FIRST).port);
    expect(first.other_port).toBe(fleetHost(SECOND).port);
    expect(first.inventory_file).toBe('<work>/inventory.yaml');
    expect(first.ansible_connection).toBe('ssh');
    expect(first.ansible_check_mode).toBe(run === 'flags');
    expect(first.ansible_diff_mode).toBe(run === 'flags');
    expect(first.ansible_verbosity).toBe(run === 'flags' ? 2 : 0);
    expect(first.ansible_forks).toBe(run === 'flags' ? 3 : 7);
    expect(first.ansible_run_tags).toEqual(run === 'flags' ? ['dump', 'other'] : ['all']);
    expect(first.ansible_skip_tags).toEqual(run === 'flags' ? ['never_me'] : []);
    expect(first.hostvars.ansible_play_name).toBe('UNDEF');
    expect(first.other_has_play_name).toBe(false);
  });

  it('ansible_config_file: the ansible.cfg Ansible read; null in nodemend, which reads none (README "Choices")', () => {
    expect(dumps.ansible[run][`${FIRST} play`].ansible_config_file).toBe('<work>/ansible/ansible.cfg');
    expect(dumps.nodemend[run][`${FIRST} play`].ansible_config_file).toBeNull();
  });
});
