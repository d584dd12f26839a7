/**
 * modprobe (community.general.modprobe 6.6.2) through ansible-playbook and nodemend on node30 (the
 * system-modules differential host), against the kmod 30 modprobe stand-in of
 * test/setup/system-standins.ts: a fleet host shares this machine's kernel, which has no module
 * support (no /proc/modules), so nothing is really loaded; both tools read the stand-in's table as
 * /proc/modules (how: plantModprobeStandins). Compared: registered results (name, params, state,
 * changed, and msg/rc/stderr on failure), the modprobe calls each tool made, the modules-load.d and
 * modprobe.d files and the changed flags in check mode, the first run and a rerun. Where nodemend
 * differs on purpose (Ansible 6.6.2 writes the persistence files even under --check; README,
 * "Choices where Ansible users might expect otherwise"), the test asserts the difference.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, workDir, writeInventory } from '../setup/cli.js';
import { differential, MODES, type FileState } from '../setup/ansible-differential.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { MODPROBE_LOG, MODPROBE_PYTHON, MODULES_TABLE, plantModprobeStandins } from '../setup/system-standins.js';

const HOST = HOSTS.ansibleSystem[0];
const d = differential(HOST, 'modprobe');
// The fleet host runs this machine's kernel: its `uname -r` is ours.
const DIR = `/lib/modules/${release()}`;
const LOAD_D = '/etc/modules-load.d';
const PARAMS_D = '/etc/modprobe.d';
// The directories are saved and restored whole; each file is listed too, so the results show its bytes.
const FILES = [
  ...['modules.conf', 'nf_nat.conf', 'nf_conntrack.conf'].map((f) => `${LOAD_D}/${f}`),
  ...['bonding.conf', 'bonding-extra.conf', 'nat.conf', 'nf_nat.conf', 'nf_conntrack.conf', 'xt.conf'].map((f) => `${PARAMS_D}/${f}`),
];
const PATHS = [LOAD_D, PARAMS_D, ...FILES, MODULES_TABLE, MODPROBE_LOG];
// Ansible's modprobe opens /proc/modules: this interpreter shows it the stand-in's table there.
const play = { ansible_python_interpreter: MODPROBE_PYTHON };

const loading = d.case('modprobe: load, unload, already loaded, builtin, in use, not found', {
  vars: play,
  paths: PATHS,
  tasks: `
    - name: load with a parameter
      community.general.modprobe: { name: dummy, params: "numdummies=2" }
      register: p_load
    - name: key=value arguments, the builtin name
      ansible.builtin.modprobe: name=8021q state=present
      register: p_kv
    - name: already loaded
      modprobe: { name: overlay }
      register: p_loaded
    - name: builtin counts as loaded
      modprobe: { name: loop, state: present }
      register: p_builtin
    - name: a dash in the name reads the kernel's underscore
      modprobe: { name: br-netfilter }
      register: p_dash
    - name: unload
      modprobe: { name: ip_tables, state: absent }
      register: p_unload
    - name: absent and not loaded
      modprobe: { name: veth, state: absent }
      register: p_absent
    - name: a builtin module cannot be unloaded
      modprobe: { name: loop, state: absent }
      register: p_unload_builtin
      ignore_errors: true
    - name: a module in use cannot be unloaded
      modprobe: { name: overlay, state: absent }
      register: p_in_use
      ignore_errors: true
    - name: a module the tree does not have
      modprobe: { name: nm_missing }
      register: p_missing
      ignore_errors: true
  `,
});

const persistence = d.case('modprobe: persistent present/absent in modules-load.d and modprobe.d', {
  vars: play,
  paths: PATHS,
  tasks: `
    - name: persisted with the same parameters
      modprobe: { name: bonding, params: "mode=4 miimon=100 lacp_rate=1 xmit_hash_policy=layer3+4", persistent: present }
      register: q_same
    - name: other parameters comment the old lines out
      modprobe: { name: bonding, params: "mode=1", persistent: present }
      register: q_params
    - name: loaded and persisted, no parameters where old ones were
      modprobe: { name: nf_nat, persistent: present }
      register: q_new
    - name: loaded and persisted with a parameter
      modprobe: { name: nf_conntrack, params: "hashsize=1024", persistent: present }
      register: q_new_params
    - name: builtin, its modules-load.d line commented out
      modprobe: { name: loop, persistent: absent }
      register: q_absent_builtin
    - name: unloaded and nothing left for boot
      modprobe: { name: xt_conntrack, state: absent, persistent: absent }
      register: q_absent
  `,
});

const INITIAL: Record<string, string> = {
  [`${LOAD_D}/modules.conf`]: '# /etc/modules: kernel modules to load at boot time.\nbonding\nloop # builtin anyway\nxt_conntrack\n',
  [`${PARAMS_D}/bonding.conf`]: '# bonding\noptions bonding mode=4\noptions bonding miimon=100 # fast\n',
  [`${PARAMS_D}/bonding-extra.conf`]: '# extra\noptions bonding lacp_rate=1 ; as the switch\noptions bonding xmit_hash_policy=layer3+4\n',
  [`${PARAMS_D}/nat.conf`]: 'options nf_nat old=1\n',
  [`${PARAMS_D}/xt.conf`]: 'options xt_conntrack x=1\noptions xt_conntrack a=1 b=2\n',
};

beforeAll(() => {
  const root = hostRoot(HOST);
  const ko = (p: string) => `kernel/${p}.ko`;
  plantModprobeStandins(root, release(), {
    dep: [
      'drivers/net/dummy',
      'net/8021q/8021q',
      'fs/overlayfs/overlay',
      'net/bridge/br_netfilter',
      'net/ipv4/netfilter/ip_tables',
      'drivers/net/veth',
      'drivers/net/bonding/bonding',
      'net/netfilter/nf_nat',
      'net/netfilter/nf_conntrack',
      'net/netfilter/xt_conntrack',
    ].map(ko),
    builtin: ['drivers/block/loop', 'net/unix/unix'].map(ko),
    loaded: [
      'overlay 151552 1 - Live 0x0000000000000000',
      'ip_tables 32768 0 - Live 0x0000000000000000',
      'bonding 200704 0 - Live 0x0000000000000000',
      'xt_conntrack 16384 0 - Live 0x0000000000000000',
    ],
  });
  for (const [p, text] of Object.entries(INITIAL)) writeFileSync(join(root, p), text);
  // nodemend reads the table as /proc/modules only through this (src/modules/modprobe.ts).
  process.env.NODEMEND_TEST_PROC_MODULES = MODULES_TABLE;
  return d.run();
}, 900_000);

const KEYS = ['name', 'params', 'state', 'changed', 'failed', 'msg', 'rc', 'stdout', 'stderr', 'warnings'];
const LOADING = ['p_load', 'p_kv', 'p_loaded', 'p_builtin', 'p_dash', 'p_unload', 'p_absent', 'p_unload_builtin', 'p_in_use', 'p_missing'];
const PERSISTENCE = ['q_same', 'q_params', 'q_new', 'q_new_params', 'q_absent_builtin', 'q_absent'];
/** Ansible's keys in its result; nodemend's msg is its own where Ansible's module sets none. */
function sameKeys(ansible: Record<string, unknown>, nodemend: Record<string, unknown>, except: string[] = []): void {
  const keys = KEYS.filter((k) => (k in ansible || k === 'failed') && !except.includes(k) && !(k === 'msg' && !ansible.failed));
  const get = (x: Record<string, unknown>, k: string) => (k === 'failed' ? Boolean(x?.failed) : x?.[k]);
  expect(Object.fromEntries(keys.map((k) => [k, get(nodemend, k)]))).toEqual(Object.fromEntries(keys.map((k) => [k, get(ansible, k)])));
}
/**
 * nodemend's changed flags in the run where Ansible's differ, because Ansible's --check already wrote
 * the files: its run finds the commented line commented, and the parameters of the check's last
 * bonding task, which the first one then rewrites.
 */
const RUN_AFTER_CHECK = { 'persisted with the same parameters': false, 'builtin, its modules-load.d line commented out': true };
const content = (f: FileState | undefined) => (f?.type === 'file' ? f.content : f?.type);

describe.each(MODES)('%s', (mode) => {
  it('load/unload: same registered results, changed flags and modprobe calls', () => {
    for (const r of LOADING) {
      const a = loading.ansible[mode].registered[r] as Record<string, unknown>;
      expect(a, `${r}: Ansible registered nothing`).toBeTruthy();
      sameKeys(a, loading.nodemend[mode].registered[r] as Record<string, unknown>);
    }
    expect(loading.nodemend[mode].tasks, loading.nodemend[mode].output).toEqual(loading.ansible[mode].tasks);
    expect(loading.nodemend[mode].files[MODPROBE_LOG]).toEqual(loading.ansible[mode].files[MODPROBE_LOG]);
    expect(loading.nodemend[mode].files[MODULES_TABLE]).toEqual(loading.ansible[mode].files[MODULES_TABLE]);
  });
  it('persistence: same registered results; changed flags the same but where Ansible wrote in --check', () => {
    for (const r of PERSISTENCE) {
      const a = persistence.ansible[mode].registered[r] as Record<string, unknown>;
      expect(a, `${r}: Ansible registered nothing`).toBeTruthy();
      sameKeys(a, persistence.nodemend[mode].registered[r] as Record<string, unknown>, mode === 'run' ? ['changed'] : []);
    }
    const expected = { ...persistence.ansible[mode].changed };
    if (mode === 'run') Object.assign(expected, RUN_AFTER_CHECK);
    expect(persistence.nodemend[mode].changed, persistence.nodemend[mode].output).toEqual(expected);
  });
});

describe.each(MODES)('%s', (mode) => {
  // community.general 6.6.2's modprobe registers no `diff`, --diff or not (the persistence files' changes are nodemend's output only).
  it('the same registered diff: none', () => {
    const diffs = (c: typeof loading, names: string[], tool: 'ansible' | 'nodemend') => names.map((r) => [r, 'diff' in c[tool][mode].registered[r], c[tool][mode].registered[r].diff]);
    for (const [c, names] of [
      [loading, LOADING],
      [persistence, PERSISTENCE],
    ] as const) {
      expect(diffs(c, names, 'nodemend'), c.nodemend[mode].output).toEqual(diffs(c, names, 'ansible'));
      expect(diffs(c, names, 'ansible').filter(([, has]) => has)).toEqual([]);
    }
    // A task that writes a persistence file, so nodemend had a diff to show (and, before, to register).
    if (mode === 'check') expect(persistence.nodemend.check.changed['loaded and persisted with a parameter']).toBe(true);
  });
});

describe.each(['run', 'rerun'] as const)('%s', (mode) => {
  it('persistence: the same modules-load.d and modprobe.d files, byte for byte, and calls', () => {
    for (const p of [...FILES, MODULES_TABLE, MODPROBE_LOG]) expect(persistence.nodemend[mode].files[p], p).toEqual(persistence.ansible[mode].files[p]);
  });
});

it('persistence under --check: Ansible 6.6.2 writes the files, nodemend writes nothing (its run writes what Ansible wrote)', () => {
  const a = persistence.ansible;
  const n = persistence.nodemend;
  for (const p of FILES) expect(a.check.files[p], p).toEqual(n.run.files[p]);
  for (const p of FILES) expect(content(n.check.files[p]), p).toBe(INITIAL[p] ?? 'absent');
  for (const [t, changed] of Object.entries(RUN_AFTER_CHECK)) expect(a.run.changed[t], t).toBe(!changed);
});

it('the files are the bytes modprobe.py writes (each commented file gains an empty line after every line but its last)', () => {
  const f = persistence.nodemend.run.files;
  const c = (p: string) => content(f[p]);
  const under = (dir: string, name: string) => c(`${dir}/${name}`);
  expect(under(LOAD_D, 'modules.conf')).toBe('# /etc/modules: kernel modules to load at boot time.\n\n\n\nbonding\n\n\n\n#loop # builtin anyway\n\n\n\n#xt_conntrack\n');
  expect(under(LOAD_D, 'nf_nat.conf')).toBe('nf_nat\n');
  expect(under(LOAD_D, 'nf_conntrack.conf')).toBe('nf_conntrack\n');
  expect(under(PARAMS_D, 'bonding.conf')).toBe('options bonding mode=1\n');
  expect(under(PARAMS_D, 'bonding-extra.conf')).toBe('# extra\n\n#options bonding lacp_rate=1 ; as the switch\n\n#options bonding xmit_hash_policy=layer3+4\n');
  expect(under(PARAMS_D, 'nat.conf')).toBe('#options nf_nat old=1\n');
  expect(under(PARAMS_D, 'nf_nat.conf')).toBe('\n');
  expect(under(PARAMS_D, 'nf_conntrack.conf')).toBe('options nf_conntrack hashsize=1024\n');
  expect(under(PARAMS_D, 'xt.conf')).toBe('#options xt_conntrack x=1\n\noptions xt_conntrack a=1 b=2\n');
});

it('load/unload: what the stand-in was asked and what it answered are what kmod 30 prints', () => {
  const run = loading.nodemend.run;
  const log = content(run.files[MODPROBE_LOG]);
  expect(log).toContain('modprobe dummy numdummies=2\n');
  expect(log).toContain('modprobe br-netfilter\n');
  expect(log).toContain('modprobe -r ip_tables\n');
  expect(content(loading.nodemend.check.files[MODPROBE_LOG])).toContain('modprobe -n dummy numdummies=2\n');
  expect(run.registered.p_unload_builtin).toMatchObject({ failed: true, rc: 1, msg: 'modprobe: FATAL: Module loop is builtin.\n' });
  expect(run.registered.p_in_use).toMatchObject({ failed: true, rc: 1, msg: 'modprobe: FATAL: Module overlay is in use.\n' });
  expect(run.registered.p_missing).toMatchObject({ failed: true, msg: `modprobe: FATAL: Module nm_missing not found in directory ${DIR}\n` });
  expect(run.registered.p_load).toMatchObject({ changed: true, name: 'dummy', params: 'numdummies=2', state: 'present' });
  expect(content(run.files[MODULES_TABLE])).toMatch(/^overlay .*\nbonding .*\ndummy 16384 0 - Live .*\n8021q .*\nbr_netfilter .*\nnf_nat .*\nnf_conntrack .*\n$/);
  expect(loading.nodemend.rerun.changed).toMatchObject({ 'load with a parameter': false, unload: false, "a dash in the name reads the kernel's underscore": false });
});

describe('saved plan: a persistence file changed on the host after the plan is refused, not overwritten (issue 10)', () => {
  const work = workDir('modprobe-drift');
  const env = { NODEMEND_PLAN_KEY_FILE: join(work, 'plan.key') };
  const root = () => hostRoot(HOST);
  const OPTIONS = `${PARAMS_D}/nm_drift.conf`;
  const LOADS = `${LOAD_D}/nm_drift.conf`;
  const cli = (args: string[]) => runCli(args, { cwd: work, env });
  beforeAll(() => {
    writeInventory(work, [HOST]);
    // no_log: the saved plan holds no diff to compare, only the basis (what the plan read, by sha256).
    writeFileSync(join(work, 'site.yaml'), `- hosts: all\n  tasks:\n    - name: nm_drift off for boot\n      modprobe: { name: nm_drift, state: absent, persistent: absent }\n      no_log: true\n`);
    writeFileSync(join(root(), LOADS), 'nm_drift\n');
    writeFileSync(join(root(), OPTIONS), 'options nm_drift a=1\n');
  });
  afterAll(() => {
    for (const p of [OPTIONS, LOADS]) rmSync(join(root(), p), { force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('apply refuses the host and leaves the edited file; a fresh plan then applies', async () => {
    const p = await cli(['run', 'site.yaml', '-i', 'inventory.yaml', '--check', '--plan-out', 'a.plan']);
    expect(p.code, p.stderr + p.stdout).toBe(0);
    const edited = 'options nm_drift a=1\noptions nm_drift b=2 # added after the plan\n';
    writeFileSync(join(root(), OPTIONS), edited);
    const a = await cli(['apply', 'a.plan']);
    expect(a.code, a.stderr + a.stdout).toBe(2); // a failed host
    expect(a.stdout).toContain(`REFUSED [${HOST}]`);
    expect(a.stdout).toContain(`file ${OPTIONS} changed`);
    expect(readFileSync(join(root(), OPTIONS), 'utf8')).toBe(edited);
    expect(readFileSync(join(root(), LOADS), 'utf8')).toBe('nm_drift\n');

    const q = await cli(['run', 'site.yaml', '-i', 'inventory.yaml', '--check', '--plan-out', 'b.plan']);
    expect(q.code, q.stderr + q.stdout).toBe(0);
    const b = await cli(['apply', 'b.plan']);
    expect(b.code, b.stderr + b.stdout).toBe(0);
    expect(readFileSync(join(root(), OPTIONS), 'utf8')).toBe('#options nm_drift a=1\n\n#options nm_drift b=2 # added after the plan\n');
    expect(readFileSync(join(root(), LOADS), 'utf8')).toBe('#nm_drift\n');
  });
});
