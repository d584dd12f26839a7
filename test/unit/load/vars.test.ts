import { describe, expect, it } from 'vitest';
import { loadTree } from './load-helpers.js';

const INVENTORY = `
all:
  vars: { v: all, only_all: yes }
  connection: { user: ops, port: 2200 }
  hosts:
    h1:
    h2: { port: 22, vars: { v: host } }
  children:
    parent:
      vars: { v: parent, p: parent }
      connection: { user: parent }
      children:
        child:
          vars: { v: child }
          connection: { user: child }
          hosts:
            h1:
            h2:
    sib_a:
      vars: { s: a, v: sib_a }
      hosts:
        h3:
    sib_b:
      vars: { s: b }
      hosts:
        h3:
    early:
      children:
        deep:
          vars: { d: deep }
          hosts:
            h4:
    late:
      vars: { d: late }
      hosts:
        h4:
`;

const PLAYBOOK = `
- import_playbook: inner.yaml
  vars: { pv: import, iv: import }
`;
const INNER = `
- hosts: all
  vars_files: [vf.yaml]
  vars: { pv: play, fv: play }
  tasks: []
`;

describe('variable precedence', async () => {
  const out = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAYBOOK, 'inner.yaml': INNER, 'vf.yaml': 'fv: file\nonly_file: 1\niv: file\n' });
  const inv = out.loaded!.inventory;

  it('loads', () => {
    expect(out.errors).toEqual([]);
  });

  it.each([
    ['h1', 'v', 'child', 'child group (depth 2) beats its parent and all'],
    ['h1', 'p', 'parent', 'a parent group var reaches the child group hosts'],
    ['h1', 'only_all', true, 'all vars reach every host'],
    ['h2', 'v', 'host', 'host vars beat every group'],
    ['h3', 's', 'b', 'sibling groups at one depth: later in the file wins'],
    ['h3', 'v', 'sib_a', 'a sibling var beats all'],
    ['h4', 'd', 'deep', 'depth beats file order'],
  ] as [string, string, string | boolean, string][])('%s.%s = %j (%s)', (host, name, value) => {
    expect(inv.hosts.get(host)!.vars[name]).toEqual(value);
  });

  it.each([
    ['h1', { user: 'child', port: 2200 }],
    ['h2', { user: 'child', port: 22 }],
    ['h3', { user: 'ops', port: 2200 }],
  ])('%s connection merges the same way', (host, conn) => {
    expect(inv.hosts.get(host)!.connection).toMatchObject(conn);
  });

  it('vars_files beat play vars and import_playbook vars; import_playbook vars beat play vars (2.14 get_vars)', () => {
    expect(out.loaded!.playbook.plays[0].vars).toEqual({ fv: 'file', only_file: 1, pv: 'import', iv: 'file' });
  });

  it('lists a host once even when several groups name it, with all its groups by depth', () => {
    expect([...inv.hosts.keys()]).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(inv.hosts.get('h1')!.groups).toEqual(['all', 'parent', 'child']);
    expect(inv.hosts.get('h4')!.groups).toEqual(['all', 'early', 'late', 'deep']);
  });
});
