/**
 * Ansible differential suite for group_vars/ and host_vars/ (node38, node39, node40; paths
 * /tmp/nmdiff-h22i-gv-*): the same inventory and playbook through ansible-playbook (Debian's
 * ansible-core 2.14) and nodemend, every variable each host sees written by a role's copy task
 * into a file on the host, both tools' files compared whole, and each mode's PLAY RECAP (ok,
 * changed) compared in --check, run and rerun.
 *
 * The site: group_vars/ and host_vars/ beside the inventory (inv/) and beside the playbook (pb/);
 * groups `web` (node38, node39) and `dc` with its child `db` (node40, node39); a role default
 * overridden by group_vars, play vars over group_vars, `-e` over everything. Each variable tells
 * one step of 2.14's order (vars/manager.py with the default VARIABLE_PRECEDENCE) apart:
 *   p2  the inventory's `web: vars:` loses to group_vars/all (group files come after every inventory group)
 *   b   inventory group_vars/all < playbook group_vars/all
 *   c   playbook group_vars/all < inventory group_vars/db < playbook group_vars/db
 *   d   inventory db (depth 2) < playbook dc (depth 1): every inventory group file before any playbook one
 *   same_depth  dc and web at depth 1: sorted by name (web wins), though web comes first in the inventory
 *   a, f  role defaults overridden by group files; rd the role default kept
 *   only_yaml  db.yml and db.yaml: only the first found (.yml) is read
 *   w, w2..w5  group_vars/web/ a directory: sorted, hidden / backup / .txt skipped, a subdirectory
 *       without extension read (JSON inside), one with an extension skipped, a file without extension read
 *   e, h, k  host inventory vars < inventory host_vars < playbook host_vars; host_vars/node38/ a directory
 *   pv  play vars over group_vars; x  -e over group_vars
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleSetup, parseAnsibleRecap, stopSshMasters, type Recap } from '../../bench/ansible.js';
import { runCli, workDir } from '../setup/cli.js';
import { fleetHost, hostRoot, testFleet } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection } from '../setup/fleet-inventories.js';

const HOSTS = ['node38', 'node39', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
type Mode = 'check' | 'run' | 'rerun';
const MODES: Mode[] = ['check', 'run', 'rerun'];
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'h', 'k', 'p1', 'p2', 'p3', 'pv', 'x', 'rd', 'only_yaml', 'same_depth', 'w', 'w2', 'w3', 'w4', 'w5'];
const out = (tool: Tool, host: string): string => `/tmp/nmdiff-h22i-gv-${tool}-${host}.json`;

const y = (v: unknown): string => JSON.stringify(v) + '\n';
/** The site's files, relative to the work dir. */
const FILES: Record<string, string> = {
  'inv/group_vars/all.yml': y({ a: 'inv_gv_all', b: 'inv_gv_all', c: 'inv_gv_all', p1: 'inv_gv_all', p2: 'inv_gv_all', pv: 'inv_gv_all', x: 'inv_gv_all', w: 'inv_gv_all' }),
  'inv/group_vars/db.yml': 'a: inv_db\nc: inv_db\nd: inv_db\n',
  'inv/group_vars/db.yaml': 'a: inv_db_yaml\nonly_yaml: read\n',
  'inv/group_vars/dc.yml': 'same_depth: dc\nd: inv_dc\nf: inv_dc\n',
  'inv/group_vars/web/10-first.yml': 'w: first\nw2: first\nsame_depth: web\n',
  'inv/group_vars/web/20-second.yaml': '---\nw: second\n',
  'inv/group_vars/web/.hidden.yml': 'w: hidden\n',
  'inv/group_vars/web/30-backup.yml~': 'w: backup\n',
  'inv/group_vars/web/40-notes.txt': 'w: txt\n',
  'inv/group_vars/web/50-plain': 'w3: plain\n',
  'inv/group_vars/web/60-sub/1.json': y({ w4: 'json_in_subdir', w: 'sub' }),
  'inv/group_vars/web/70-x.d/y.yml': 'w5: dir_with_extension\n',
  'inv/host_vars/node40.yml': 'h: inv_hv\ne: inv_hv\n',
  'inv/host_vars/node38/main.yml': 'h: inv_hv_dir38\n',
  'pb/group_vars/all/main.yml': 'b: pb_gv_all\nc: pb_gv_all\npv: pb_gv_all\nx: pb_gv_all\n',
  'pb/group_vars/all/empty.yml': '',
  'pb/group_vars/db.yml': 'c: pb_db\n',
  'pb/group_vars/dc.yml': 'd: pb_dc\n',
  'pb/host_vars/node40.yml': 'h: pb_hv\n',
  'pb/roles/r/defaults/main.yml': 'a: role_default\nf: role_default\nrd: role_default\n',
  'pb/roles/r/tasks/main.yml': `- name: what the host sees
  debug: { msg: "{{ a }}/{{ c }}" }
  register: dbg
- name: write the variables
  copy:
    dest: "/tmp/nmdiff-h22i-gv-{{ tool }}-{{ inventory_hostname }}.json"
    content: "{{ {${NAMES.map((n) => `'${n}': ${n} | default('UNDEF')`).join(', ')}, 'dbg': dbg.msg} | to_json }}\\n"
  register: written
`,
  'pb/playbook.yaml': `- name: group and host vars
  hosts: all
  gather_facts: false
  vars: { pv: play }
  roles: [r]
`,
};

/** Ansible's values for each host, the point of each file above. */
const EXPECTED: Record<string, Record<string, string>> = {
  node38: {
    a: 'inv_gv_all',
    b: 'pb_gv_all',
    c: 'pb_gv_all',
    d: 'UNDEF',
    e: 'UNDEF',
    f: 'role_default',
    h: 'inv_hv_dir38',
    k: 'UNDEF',
    p1: 'inv_gv_all',
    p2: 'inv_gv_all',
    p3: 'inv_web',
    pv: 'play',
    x: 'extra',
    rd: 'role_default',
    only_yaml: 'UNDEF',
    same_depth: 'web',
    w: 'sub',
    w2: 'first',
    w3: 'plain',
    w4: 'json_in_subdir',
    w5: 'UNDEF',
    dbg: 'inv_gv_all/pb_gv_all',
  },
  node39: {
    a: 'inv_db',
    b: 'pb_gv_all',
    c: 'pb_db',
    d: 'pb_dc',
    e: 'UNDEF',
    f: 'inv_dc',
    h: 'UNDEF',
    k: 'UNDEF',
    p1: 'inv_gv_all',
    p2: 'inv_gv_all',
    p3: 'inv_web',
    pv: 'play',
    x: 'extra',
    rd: 'role_default',
    only_yaml: 'UNDEF',
    same_depth: 'web',
    w: 'sub',
    w2: 'first',
    w3: 'plain',
    w4: 'json_in_subdir',
    w5: 'UNDEF',
    dbg: 'inv_db/pb_db',
  },
  node40: {
    a: 'inv_db',
    b: 'pb_gv_all',
    c: 'pb_db',
    d: 'pb_dc',
    e: 'inv_hv',
    f: 'inv_dc',
    h: 'pb_hv',
    k: 'inv_host',
    p1: 'inv_gv_all',
    p2: 'inv_gv_all',
    p3: 'UNDEF',
    pv: 'play',
    x: 'extra',
    rd: 'role_default',
    only_yaml: 'UNDEF',
    same_depth: 'dc',
    w: 'inv_gv_all',
    w2: 'UNDEF',
    w3: 'UNDEF',
    w4: 'UNDEF',
    w5: 'UNDEF',
    dbg: 'inv_db/pb_db',
  },
};

const HOST40_VARS = { h: 'inv_host', e: 'inv_host', k: 'inv_host' };

/** nodemend's inventory: web listed before dc (its inventory order would put web first among depth-1 groups). */
function nodemendInventory(): string {
  const port = (h: string): number => fleetHost(h).port;
  return `all:
${nodemendFleetConnection()}  vars: { p1: inv_all, p2: inv_all }
  children:
    web:
      vars: { p2: inv_web, p3: inv_web }
      hosts:
        node38: { port: ${port('node38')} }
        node39: { port: ${port('node39')} }
    dc:
      children:
        db:
          hosts:
            node40: { port: ${port('node40')}, vars: ${JSON.stringify(HOST40_VARS)} }
            node39: { port: ${port('node39')} }
`;
}

function ansibleInventory(): string {
  const conn = (h: string): Record<string, unknown> => ansibleFleetVars(fleetHost(h).port);
  return JSON.stringify({
    all: {
      vars: { p1: 'inv_all', p2: 'inv_all' },
      children: {
        web: { vars: { p2: 'inv_web', p3: 'inv_web' }, hosts: { node38: conn('node38'), node39: conn('node39') } },
        dc: { children: { db: { hosts: { node40: { ...conn('node40'), ...HOST40_VARS }, node39: {} } } } },
      },
    },
  });
}

const recaps: Record<string, Record<string, Recap>> = {};
const outputs: Record<string, string> = {};
const seen: Record<string, Record<string, Record<string, string> | 'absent'>> = {};
let work = '';

function readOut(tool: Tool): Record<string, Record<string, string> | 'absent'> {
  const r: Record<string, Record<string, string> | 'absent'> = {};
  for (const h of HOSTS) {
    const p = join(hostRoot(h), out(tool, h));
    r[h] = existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, string>) : 'absent';
  }
  return r;
}
function clean(): void {
  for (const h of HOSTS) for (const tool of ['ansible', 'nodemend'] as Tool[]) rmSync(join(hostRoot(h), out(tool, h)), { force: true });
}
const modeArgs = (m: Mode): string[] => (m === 'check' ? ['--check'] : []);
const extra = (tool: Tool): string[] => ['-e', 'x=extra', '-e', `tool=${tool}`];

beforeAll(async () => {
  work = workDir('h22i-gv');
  for (const [rel, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(work, rel)), { recursive: true });
    writeFileSync(join(work, rel), text);
  }
  writeFileSync(join(work, 'inv/nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'inv/ansible-hosts.yaml'), ansibleInventory());
  clean();
  const env = ansibleSetup(join(work, 'ansible'), 3, testFleet().knownHosts);
  for (const mode of MODES) {
    const r = await new Promise<{ code: number; output: string }>((res) =>
      execFile(
        'ansible-playbook',
        ['-i', join(work, 'inv/ansible-hosts.yaml'), join(work, 'pb/playbook.yaml'), ...modeArgs(mode), ...extra('ansible')],
        { cwd: work, env, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
    outputs[`ansible-${mode}`] = r.output;
    recaps[`ansible-${mode}`] = parseAnsibleRecap(r.output);
    seen[`ansible-${mode}`] = readOut('ansible');
  }
  stopSshMasters(join(work, 'ansible', 'cp'));
  for (const mode of MODES) {
    const r = await runCli(['run', join(work, 'pb/playbook.yaml'), '-i', join(work, 'inv/nodemend.yaml'), ...modeArgs(mode), ...extra('nodemend')]);
    outputs[`nodemend-${mode}`] = r.stdout + r.stderr;
    recaps[`nodemend-${mode}`] = parseAnsibleRecap(r.stdout);
    seen[`nodemend-${mode}`] = readOut('nodemend');
  }
}, 600_000);

afterAll(() => {
  clean();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('group_vars/ and host_vars/ beside the inventory and the playbook, as ansible-playbook 2.14', () => {
  it.each(MODES)('%s: every host ran the play in both tools, with the same ok / changed counts', (mode) => {
    const a = recaps[`ansible-${mode}`];
    expect(Object.keys(a).sort(), outputs[`ansible-${mode}`]).toEqual([...HOSTS]);
    for (const h of HOSTS) expect(a[h].failed, outputs[`ansible-${mode}`]).toBe(0);
    const n = recaps[`nodemend-${mode}`];
    for (const h of HOSTS) {
      expect({ ok: n[h]?.ok, changed: n[h]?.changed, failed: n[h]?.failed }, outputs[`nodemend-${mode}`]).toEqual({ ok: a[h].ok, changed: a[h].changed, failed: a[h].failed });
    }
    // check predicts the write, run does it, rerun changes nothing.
    for (const h of HOSTS) expect(a[h].changed).toBe(mode === 'rerun' ? 0 : 1);
  });

  it('--check writes nothing in either tool', () => {
    for (const h of HOSTS) {
      expect(seen['ansible-check'][h]).toBe('absent');
      expect(seen['nodemend-check'][h]).toBe('absent');
    }
  });

  it.each(HOSTS)('%s sees the same variables in both tools, and they are 2.14’s', (h) => {
    expect(seen['nodemend-run'][h]).toEqual(seen['ansible-run'][h]);
    expect(seen['ansible-run'][h]).toEqual(EXPECTED[h]);
    expect(seen['nodemend-rerun'][h]).toEqual(seen['ansible-rerun'][h]);
  });
});
