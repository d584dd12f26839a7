/**
 * run/dynamic-inventory.ts (group_by, add_host) and the load side of a changing inventory: a later
 * play's pattern resolved at its start, the warning deferred to then, add_host's connection variables
 * checked at validate. test/fleet/differential-dynamic-inventory.test.ts compares runs with ansible-playbook.
 */
import { describe, expect, it } from 'vitest';
import { addDynamicGroup, addDynamicHost, inventoryChanges } from '../../../src/run/dynamic-inventory.js';
import { loadTree } from '../load/load-helpers.js';

const INVENTORY = `all:
  connection: { user: ops, known_hosts: /k/known_hosts }
  vars: { everyone: 1 }
  hosts:
    lone:
  children:
    web:
      connection: { port: 2200 }
      vars: { web_var: w }
      hosts:
        node1:
        node2:
`;

const PLAYS = `- hosts: web
  gather_facts: false
  tasks:
    - group_by: { key: made }
- hosts: made:also_made
  gather_facts: false
  tasks: []
`;

async function loaded(playbook = PLAYS, files: Record<string, string> = {}) {
  const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': playbook, ...files });
  expect(o.errors).toEqual([]);
  return { ...o, loaded: o.loaded! };
}

describe('a pattern only the run can match', () => {
  it('is no error and no warning at load; resolved when its play starts, warning then for what still matches nothing', async () => {
    const { loaded: l, warnings } = await loaded();
    expect(warnings).toEqual([]);
    expect(l.hostsByPlay).toEqual([['node1', 'node2'], []]);
    expect(l.hostsAtStart?.(0, () => undefined)).toBeUndefined();
    const said: string[] = [];
    expect(l.hostsAtStart?.(1, (m) => said.push(m))).toEqual([]);
    expect(said).toEqual(['could not match supplied host pattern, ignoring: made', 'could not match supplied host pattern, ignoring: also_made']);
    expect(addDynamicGroup(l.inventory, 'node2', 'made', ['all'])).toEqual({ changed: true });
    said.length = 0;
    expect(l.hostsAtStart?.(1, (m) => said.push(m))).toEqual(['node2']);
    expect(said).toEqual(['could not match supplied host pattern, ignoring: also_made']);
  });

  it('without group_by or add_host every play keeps the hosts load resolved, warnings at load', async () => {
    const { loaded: l, warnings } = await loaded(PLAYS.replace('group_by: { key: made }', 'debug: { msg: hi }'));
    expect(l.hostsAtStart).toBeUndefined();
    expect(warnings.join('\n')).toContain('could not match supplied host pattern, ignoring: made');
  });

  it("add_host's Ansible connection variables nodemend does not honour are refused at validate", async () => {
    const o = await loadTree({
      'inventory.yaml': INVENTORY,
      'site.yaml': '- hosts: web\n  gather_facts: false\n  tasks:\n    - add_host: { name: x, ansible_ssh_common_args: "-o ProxyCommand=y" }\n',
    });
    expect(o.errors.join('\n')).toMatch(/site\.yaml:4:.*ansible_ssh_common_args.*nodemend does not honour/);
  });
});

describe('group_by', () => {
  it('a new group under all (or its parents): the host in it and above it, out of ungrouped; changed only when something changed', async () => {
    const { loaded: l } = await loaded();
    const inv = l.inventory;
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['lone']);
    expect(addDynamicGroup(inv, 'lone', 'kind-a', ['top'])).toEqual({ changed: true, warning: expect.stringContaining('Invalid characters') });
    expect(inv.groups.get('ungrouped')!.hosts).toEqual([]);
    expect(inv.groups.get('top')!.hosts).toEqual(['lone']);
    expect(inv.groups.get('all')!.children).toContain('top');
    expect(inv.hosts.get('lone')!.groups).toEqual(['all', 'top', 'kind-a']);
    expect(addDynamicGroup(inv, 'lone', 'kind-a', ['top'])).toEqual({ changed: false });
    // The warning is said once per run, as 2.14's display.
    expect(addDynamicGroup(inv, 'node1', 'kind-b', ['all'])).toEqual({ changed: true });
    expect(inventoryChanges(inv)).toBeGreaterThan(0);
  });

  it("a group's vars file applies once a host joins it", async () => {
    const { loaded: l } = await loaded(PLAYS, { 'group_vars/made.yml': 'from_file: made\n' });
    expect(l.inventory.hosts.get('node1')!.vars.from_file).toBeUndefined();
    addDynamicGroup(l.inventory, 'node1', 'made', ['all']);
    expect(l.inventory.hosts.get('node1')!.vars).toMatchObject({ from_file: 'made', web_var: 'w', everyone: 1 });
  });
});

describe('add_host', () => {
  it("a new host: in all (and ungrouped without groups), its groups' connection settings under its own variables", async () => {
    const { loaded: l } = await loaded();
    const inv = l.inventory;
    expect(addDynamicHost(inv, 'fresh', [], { ansible_host: '10.0.0.9', ansible_port: 2222, x: 1 })).toEqual({ changed: true });
    const fresh = inv.hosts.get('fresh')!;
    expect(fresh.connection).toMatchObject({ host: '10.0.0.9', port: 2222, user: 'ops', known_hosts: '/k/known_hosts' });
    expect(fresh.groups).toEqual(['all', 'ungrouped']);
    expect(fresh.vars).toMatchObject({ everyone: 1, x: 1, ansible_host: '10.0.0.9' });
    expect(inv.groups.get('all')!.hosts).toContain('fresh');
    // Into web: web's port (its own ansible_port wins), out of ungrouped; the same again changes nothing.
    expect(addDynamicHost(inv, 'second', ['web'], { ansible_ssh_user: 'admin' })).toEqual({ changed: true });
    expect(inv.hosts.get('second')!.connection).toMatchObject({ host: 'second', port: 2200, user: 'admin' });
    expect(inv.hosts.get('second')!.vars).toMatchObject({ web_var: 'w' });
    expect(inv.groups.get('web')!.hosts).toEqual(['node1', 'node2', 'second']);
    expect(addDynamicHost(inv, 'second', ['web'], { ansible_ssh_user: 'admin' })).toEqual({ changed: false });
    expect(addDynamicHost(inv, 'fresh', ['web'], {})).toEqual({ changed: true });
    expect(inv.groups.get('ungrouped')!.hosts).toEqual(['lone']);
  });
});
