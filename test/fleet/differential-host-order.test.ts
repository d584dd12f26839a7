/**
 * Ansible differential suite for host order and subscript host patterns (node38, node39, node40;
 * paths /tmp/nmdiff-h22k-ho-*): the same inventory and playbook through ansible-playbook (Debian's
 * ansible-core 2.14) and nodemend. Every play writes, on each host that runs it, a file naming the
 * host and what it sees (groups, the play's hosts, the batch); both tools' files are compared whole.
 *
 * The inventory lists web (node38, node39) before db (node40, node39): node39 sits in both, so a
 * group's own order (db: node40, node39) and the inventory's first appearance (node39 before node40)
 * differ. 2.14 (inventory/manager.py, inventory/group.py) keeps the group's and the pattern's order:
 * groups['db'] is [node40, node39], `hosts: db,node38` is node40, node39, node38, run_once runs on
 * the first of those, serial batches take them in that order, and `order:` reorders them.
 * Subscripts: web[0], web[-1], db[1:], db[0:1] (both ends inclusive), node*[2]; an index past the
 * end fails the playbook in both.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workDir } from '../setup/cli.js';
import { fleetHost, hostRoot } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection, playbookRunners } from '../setup/fleet-inventories.js';

const HOSTS = ['node38', 'node39', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
const TAGS = ['groups', 'once_db', 'once_dbnode38', 'web0', 'webm1', 'db1_', 'db0_1', 'node_2', 'serial', 'serial_once', 'sorted_once', 'reverse_once'];
const out = (tool: Tool, tag: string, host: string): string => `/tmp/nmdiff-h22k-ho-${tool}-${tag}-${host}.json`;

const write = (tag: string, content: string, extra = ''): string => `
    - name: write ${tag}
      copy:
        dest: "/tmp/nmdiff-h22k-ho-{{ tool }}-${tag}-{{ inventory_hostname }}.json"
        content: "{{ ${content} | to_json }}\\n"${extra}`;
const seenByHost = "{'h': inventory_hostname, 'play': ansible_play_hosts_all, 'batch': ansible_play_batch}";

const PLAYBOOK = `
- name: groups
  hosts: all
  gather_facts: false
  tasks:${write('groups', "{'h': inventory_hostname, 'db': groups['db'], 'web': groups['web'], 'all': groups['all'], 'db0': groups['db'][0], 'play': ansible_play_hosts_all}")}
- name: run_once over db
  hosts: db
  gather_facts: false
  tasks:${write('once_db', seenByHost, '\n      run_once: true')}
- name: run_once over db,node38
  hosts: db,node38
  gather_facts: false
  tasks:${write('once_dbnode38', seenByHost, '\n      run_once: true')}
- name: web[0]
  hosts: web[0]
  gather_facts: false
  tasks:${write('web0', seenByHost)}
- name: web[-1]
  hosts: web[-1]
  gather_facts: false
  tasks:${write('webm1', seenByHost)}
- name: db[1:]
  hosts: db[1:]
  gather_facts: false
  tasks:${write('db1_', seenByHost)}
- name: db[0:1]
  hosts: db[0:1]
  gather_facts: false
  tasks:${write('db0_1', seenByHost)}
- name: node*[2]
  hosts: node*[2]
  gather_facts: false
  tasks:${write('node_2', seenByHost)}
- name: serial 2 over db,node38
  hosts: db,node38
  serial: 2
  gather_facts: false
  tasks:${write('serial', seenByHost)}${write('serial_once', seenByHost, '\n      run_once: true')}
- name: order sorted
  hosts: db,node38
  order: sorted
  gather_facts: false
  tasks:${write('sorted_once', seenByHost, '\n      run_once: true')}
- name: order reverse_inventory
  hosts: db,node38
  order: reverse_inventory
  gather_facts: false
  tasks:${write('reverse_once', seenByHost, '\n      run_once: true')}
`;

const PAST_END = `
- name: past the end
  hosts: web[5]
  gather_facts: false
  tasks: [{ name: never, debug: { msg: never } }]
`;

function nodemendInventory(): string {
  const port = (h: string): number => fleetHost(h).port;
  return `all:
${nodemendFleetConnection()}  children:
    web:
      hosts:
        node38: { port: ${port('node38')} }
        node39: { port: ${port('node39')} }
    db:
      hosts:
        node40: { port: ${port('node40')} }
        node39: {}
`;
}

function ansibleInventory(): string {
  const conn = (h: string): Record<string, unknown> => ansibleFleetVars(fleetHost(h).port);
  return JSON.stringify({ all: { children: { web: { hosts: { node38: conn('node38'), node39: conn('node39') } }, db: { hosts: { node40: conn('node40'), node39: {} } } } } });
}

type Seen = Record<string, Record<string, unknown>>; // tag → host → what it wrote
const seen: Record<Tool, Seen> = { ansible: {}, nodemend: {} };
const results: Record<string, { code: number; output: string }> = {};

function readOut(tool: Tool): Seen {
  const r: Seen = {};
  for (const tag of TAGS) {
    r[tag] = {};
    for (const h of HOSTS) {
      const p = join(hostRoot(h), out(tool, tag, h));
      if (existsSync(p)) r[tag]![h] = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    }
  }
  return r;
}
function clean(): void {
  for (const h of HOSTS) for (const tool of ['ansible', 'nodemend'] as Tool[]) for (const tag of TAGS) rmSync(join(hostRoot(h), out(tool, tag, h)), { force: true });
}

beforeAll(async () => {
  const work = workDir('h22k-ho');
  writeFileSync(join(work, 'playbook.yaml'), PLAYBOOK);
  writeFileSync(join(work, 'past-end.yaml'), PAST_END);
  writeFileSync(join(work, 'nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'ansible-hosts.yaml'), ansibleInventory());
  clean();
  const { ansible, nodemend, stopAnsible } = playbookRunners(work, 'ansible-hosts.yaml', 3);
  results['ansible'] = await ansible('playbook.yaml');
  results['ansible-past-end'] = await ansible('past-end.yaml');
  stopAnsible();
  results['nodemend'] = await nodemend('playbook.yaml');
  results['nodemend-past-end'] = await nodemend('past-end.yaml');
  seen.ansible = readOut('ansible');
  seen.nodemend = readOut('nodemend');
  clean();
}, 600_000);

describe('host order and subscript patterns, as ansible-playbook 2.14', () => {
  it('both tools run the playbook to its end', () => {
    expect(results['ansible']!.code, results['ansible']!.output).toBe(0);
    expect(results['nodemend']!.code, results['nodemend']!.output).toBe(0);
  });

  it.each(TAGS)('%s: the same hosts wrote the same file', (tag) => {
    expect(seen.nodemend[tag]).toEqual(seen.ansible[tag]);
    expect(Object.keys(seen.ansible[tag]!).length).toBeGreaterThan(0);
  });

  it("groups keep their own listing order: groups['db'] is node40, node39", () => {
    expect(seen.ansible['groups']!['node38']).toMatchObject({ db: ['node40', 'node39'], web: ['node38', 'node39'], db0: 'node40' });
    expect(seen.nodemend['groups']!['node38']).toMatchObject({ db: ['node40', 'node39'], db0: 'node40' });
  });

  it("run_once runs on the pattern's first host (node40), and serial batches follow the pattern", () => {
    expect(Object.keys(seen.nodemend['once_db']!)).toEqual(['node40']);
    expect(Object.keys(seen.nodemend['once_dbnode38']!)).toEqual(['node40']);
    expect(seen.nodemend['serial']!['node40']).toMatchObject({ batch: ['node40', 'node39'] });
    expect(seen.nodemend['serial']!['node38']).toMatchObject({ batch: ['node38'] });
    expect(Object.keys(seen.nodemend['serial_once']!).sort()).toEqual(['node38', 'node40']);
    expect(Object.keys(seen.nodemend['sorted_once']!)).toEqual(['node38']);
    expect(Object.keys(seen.nodemend['reverse_once']!)).toEqual(['node38']);
    // order: orders the batch; ansible_play_hosts_all keeps the pattern's order (2.14's strategy _set_hosts_cache)
    expect(seen.nodemend['sorted_once']!['node38']).toMatchObject({ play: ['node40', 'node39', 'node38'], batch: ['node38', 'node39', 'node40'] });
  });

  it('subscripts select as 2.14: web[0] node38, web[-1] node39, db[1:] node39, db[0:1] both, node*[2] node40', () => {
    const hosts = (tag: string): string[] => Object.keys(seen.nodemend[tag]!).sort();
    expect([hosts('web0'), hosts('webm1'), hosts('db1_'), hosts('db0_1'), hosts('node_2')]).toEqual([['node38'], ['node39'], ['node39'], ['node39', 'node40'], ['node40']]);
  });

  it('an index past the group end fails the playbook in both, naming the pattern', () => {
    expect(results['ansible-past-end']!.code).not.toBe(0);
    expect(results['ansible-past-end']!.output).toContain("No hosts matched the subscripted pattern 'web[5]'");
    expect(results['nodemend-past-end']!.code).not.toBe(0);
    expect(results['nodemend-past-end']!.output).toContain("No hosts matched the subscripted pattern 'web[5]'");
  });
});
