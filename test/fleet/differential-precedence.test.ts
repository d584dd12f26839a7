/**
 * Ansible differential suite for variable precedence corners (node22 and node40; paths
 * /tmp/nmdiff-c23-prec-*): the same inventory and playbook through ansible-playbook (Debian's
 * ansible-core 2.14) and nodemend; each host writes what it sees to a file, compared whole.
 *
 * What 2.14 does (vars/manager.py get_vars, playbook/task.py get_include_params,
 * plugins/strategy/__init__.py get_task_hosts), and nodemend did otherwise until session 23:
 * - `vars_files` are combined over the play's `vars:` (and an import_playbook's vars), so a site's
 *   vars file overrides the play's defaults;
 * - an include_tasks' `vars:` are include params: above set_fact and above the included tasks' own
 *   `vars:`;
 * - under `run_once`, what set_fact and include_vars set is bound on every host of the batch (the
 *   register already was), also in a loop.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workDir } from '../setup/cli.js';
import { fleetHost, hostRoot } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection, playbookRunners } from '../setup/fleet-inventories.js';

const HOSTS = ['node22', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
const out = (tool: Tool, host: string): string => `/tmp/nmdiff-c23-prec-${tool}-${host}.json`;

const PLAYBOOK = `
- import_playbook: play.yml
  vars: { iv: import, ivf: import }
`;
const PLAY = `
- name: precedence
  hosts: all
  gather_facts: false
  vars_files: [vf.yml]
  vars: { vf: play, pv_only: play, iv: play, ivf: play }
  tasks:
    - set_fact: { q: fact }
    - include_tasks: inc.yml
      vars: { q: include_kw }
    - name: run_once set_fact
      set_fact: { sf_once: "from {{ inventory_hostname }}" }
      run_once: true
    - name: run_once include_vars
      include_vars: iv.yml
      run_once: true
    - name: run_once set_fact in a loop
      set_fact: { lp_once: "{{ lp_once | default([]) + [item ~ '@' ~ inventory_hostname] }}" }
      loop: [1, 2]
      run_once: true
    - name: run_once register
      command: echo "{{ inventory_hostname }}"
      register: reg_once
      changed_when: false
      run_once: true
    - name: write what this host sees
      copy:
        dest: "/tmp/nmdiff-c23-prec-{{ tool }}-{{ inventory_hostname }}.json"
        content: "{{ {'vf': vf, 'pv_only': pv_only, 'iv': iv, 'ivf': ivf, 'q': q, 'q_inside': q_inside, 'q_taskvars': q_taskvars,
          'sf_once': sf_once | default('UNDEF'), 'iv_once': iv_once | default('UNDEF'), 'lp_once': lp_once | default('UNDEF'),
          'reg_once': reg_once.stdout | default('UNDEF')} | to_json }}\\n"
`;
const INC = `
- set_fact: { q_inside: "{{ q }}" }
- name: the included task's own vars lose to the include's
  set_fact: { q_taskvars: "{{ q }}" }
  vars: { q: task_level }
`;

function nodemendInventory(): string {
  return `all:
${nodemendFleetConnection()}  hosts:
${HOSTS.map((h) => `    ${h}: { port: ${fleetHost(h).port} }`).join('\n')}
`;
}

function ansibleInventory(): string {
  const conn = (h: string): Record<string, unknown> => ansibleFleetVars(fleetHost(h).port);
  return JSON.stringify({ all: { hosts: Object.fromEntries(HOSTS.map((h) => [h, conn(h)])) } });
}

const seen: Record<Tool, Record<string, unknown>> = { ansible: {}, nodemend: {} };
const results: Partial<Record<Tool, { code: number; output: string }>> = {};

const readOut = (tool: Tool): Record<string, unknown> =>
  Object.fromEntries(HOSTS.map((h) => [h, existsSync(join(hostRoot(h), out(tool, h))) ? (JSON.parse(readFileSync(join(hostRoot(h), out(tool, h)), 'utf8')) as unknown) : undefined]));
const clean = (): void => HOSTS.forEach((h) => (['ansible', 'nodemend'] as Tool[]).forEach((t) => rmSync(join(hostRoot(h), out(t, h)), { force: true })));

beforeAll(async () => {
  const work = workDir('c23-prec');
  writeFileSync(join(work, 'site.yml'), PLAYBOOK);
  writeFileSync(join(work, 'play.yml'), PLAY);
  writeFileSync(join(work, 'inc.yml'), INC);
  writeFileSync(join(work, 'vf.yml'), 'vf: vars_files\nivf: vars_files\n');
  writeFileSync(join(work, 'iv.yml'), 'iv_once: from_include_vars\n');
  writeFileSync(join(work, 'nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'ansible-hosts.yaml'), ansibleInventory());
  clean();
  const { ansible, nodemend, stopAnsible } = playbookRunners(work, 'ansible-hosts.yaml', 2);
  results.ansible = await ansible('site.yml');
  stopAnsible();
  results.nodemend = await nodemend('site.yml');
  seen.ansible = readOut('ansible');
  seen.nodemend = readOut('nodemend');
  clean();
}, 600_000);

describe('variable precedence corners, as ansible-playbook 2.14', () => {
  it('both tools run the playbook to its end', () => {
    expect(results.ansible!.code, results.ansible!.output).toBe(0);
    expect(results.nodemend!.code, results.nodemend!.output).toBe(0);
  });

  it.each(HOSTS)('%s: both tools wrote the same file', (host) => {
    expect(seen.ansible[host]).toBeDefined();
    expect(seen.nodemend[host]).toEqual(seen.ansible[host]);
  });

  it('vars_files beat the play vars and the import_playbook vars', () => {
    expect(seen.nodemend['node40']).toMatchObject({ vf: 'vars_files', ivf: 'vars_files', iv: 'import', pv_only: 'play' });
  });

  it("an include_tasks' vars beat set_fact and the included task's own vars, inside the include only", () => {
    expect(seen.nodemend['node22']).toMatchObject({ q: 'fact', q_inside: 'include_kw', q_taskvars: 'include_kw' });
  });

  it('run_once: set_fact, include_vars and a looped set_fact reach every host of the batch, from the first', () => {
    for (const h of HOSTS) {
      expect(seen.nodemend[h]).toMatchObject({ sf_once: 'from node22', iv_once: 'from_include_vars', lp_once: ['1@node22', '2@node22'], reg_once: 'node22' });
    }
  });
});
