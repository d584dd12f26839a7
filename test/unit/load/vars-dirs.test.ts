/**
 * group_vars/ and host_vars/ (src/load/vars-dirs.ts): which files 2.14's host_group_vars plugin
 * reads, the order it merges them in, and that they are read (and their errors reported) at load.
 * test/fleet/differential-group-host-vars.test.ts compares the same with ansible-playbook.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findVarsFiles } from '../../../src/load/vars-dirs.js';
import { loadAll } from '../../../src/load/load.js';
import { implicitLocalhost } from '../../../src/load/localhost.js';
import { loadTree, writeTree } from './load-helpers.js';

const PLAY = '- hosts: all\n  gather_facts: false\n  tasks: []\n';
const rel = (dir: string, files: string[]): string[] => files.map((f) => f.slice(dir.length + 1));

describe('findVarsFiles (2.14 DataLoader.find_vars_files)', () => {
  it('reads NAME, then NAME.yml, NAME.yaml, NAME.json: only the first that exists', () => {
    const d = writeTree({ 'g/db.yml': '', 'g/db.yaml': '', 'g/db.json': '', 'g/web.json': '', 'g/web.yaml': '', 'g/app': '', 'g/app.yml': '', 'g/x.txt': '' });
    expect(rel(d, findVarsFiles(join(d, 'g'), 'db'))).toEqual(['g/db.yml']);
    expect(rel(d, findVarsFiles(join(d, 'g'), 'web'))).toEqual(['g/web.yaml']);
    expect(rel(d, findVarsFiles(join(d, 'g'), 'app'))).toEqual(['g/app']);
    expect(findVarsFiles(join(d, 'g'), 'x')).toEqual([]);
    expect(findVarsFiles(join(d, 'none'), 'db')).toEqual([]);
  });

  it('a directory NAME/ is read recursively in sorted order; hidden, backup and other extensions are skipped', () => {
    const d = writeTree({
      'g/web/b.yml': '',
      'g/web/a.yaml': '',
      'g/web/B.json': '',
      'g/web/.hidden.yml': '',
      'g/web/c.yml~': '',
      'g/web/notes.txt': '',
      'g/web/plain': '',
      'g/web/sub/z.yml': '',
      'g/web/sub/.h/q.yml': '',
      'g/web/dir.d/y.yml': '',
      'g/web.yml': '',
    });
    mkdirSync(join(d, 'g/web/empty'));
    expect(rel(d, findVarsFiles(join(d, 'g'), 'web'))).toEqual(['g/web/B.json', 'g/web/a.yaml', 'g/web/b.yml', 'g/web/plain', 'g/web/sub/z.yml']);
  });
});

const INVENTORY = `
all:
  vars: { p: inv_all, q: inv_all }
  children:
    web:
      vars: { q: inv_web, r: inv_web }
      hosts:
        h1:
        h2: { vars: { hv: inv_host, hw: inv_host } }
    dc:
      children:
        db:
          hosts:
            h2:
            h3:
  hosts:
    lone:
`;

async function varsOf(files: Record<string, string>, extraVars: string[] = []): Promise<Record<string, Record<string, unknown>>> {
  const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAY, ...files }, { extraVars });
  expect(o.errors).toEqual([]);
  return Object.fromEntries([...o.loaded!.inventory.hosts.values()].map((h) => [h.name, h.vars]));
}

describe('group_vars/ and host_vars/ merged into each host as 2.14 merges them', () => {
  it('all < groups by depth then name < host; group files above every inventory group var', async () => {
    const v = await varsOf({
      'group_vars/all.yml': 'p: gv_all\nq: gv_all\nd: gv_all\n',
      'group_vars/dc.yml': 'd: gv_dc\nn: dc\n',
      'group_vars/db.yml': 'd: gv_db\n',
      'group_vars/web.yml': 'n: web\n',
      'host_vars/h2.yml': 'hv: hv_file\n',
    });
    // the inventory's `web: vars: q` loses to group_vars/all (2.14: groups_inventory < all_plugins_inventory)
    expect(v.h1).toMatchObject({ p: 'gv_all', q: 'gv_all', r: 'inv_web', d: 'gv_all', n: 'web' });
    // h2: dc (depth 1) < web (depth 1, later by name) < db (depth 2); its host_vars file over its inventory vars
    expect(v.h2).toMatchObject({ d: 'gv_db', n: 'web', hv: 'hv_file', hw: 'inv_host' });
    expect(v.h3).toMatchObject({ d: 'gv_db', n: 'dc' });
  });

  it('beside the inventory, then beside the playbook, each layer (all, groups, host) in turn', async () => {
    const d = writeTree({
      'inv/inventory.yaml': INVENTORY,
      'inv/group_vars/all.yml': 'a: inv_all\nb: inv_all\n',
      'inv/group_vars/db.yml': 'c: inv_db\nd: inv_db\n',
      'inv/host_vars/h3.yml': 'h: inv_host\nk: inv_host\n',
      'pb/site.yaml': PLAY,
      'pb/group_vars/all/main.yml': 'a: pb_all\nc: pb_all\nd: pb_all\n',
      'pb/group_vars/dc.yaml': 'c: pb_dc\n',
      'pb/host_vars/h3/x.yml': 'h: pb_host\n',
    });
    const loaded = await loadAll({ playbook: join(d, 'pb/site.yaml'), inventory: join(d, 'inv/inventory.yaml'), onWarning: () => {} });
    // c: pb all < inv db < pb dc (every inventory-side group file before any playbook-side one, whatever the depth)
    expect(loaded.inventory.hosts.get('h3')!.vars).toMatchObject({ a: 'pb_all', b: 'inv_all', c: 'pb_dc', d: 'inv_db', h: 'pb_host', k: 'inv_host' });
    expect(loaded.inventory.hosts.get('h1')!.vars).toMatchObject({ a: 'pb_all', c: 'pb_all', d: 'pb_all' });
    expect(loaded.sources).toEqual(expect.arrayContaining([join(d, 'inv/group_vars/db.yml'), join(d, 'pb/host_vars/h3/x.yml')]));
  });

  it('a host in no group takes group_vars/ungrouped; an implicit localhost takes group_vars/all and host_vars/localhost', async () => {
    const v = await varsOf({ 'group_vars/all.yml': 'a: all\n', 'group_vars/ungrouped.yml': 'u: ungrouped\n', 'host_vars/localhost.yml': 'l: local\n' });
    expect(v.lone).toMatchObject({ a: 'all', u: 'ungrouped' });
    expect(v.h1.u).toBeUndefined();
    const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAY, 'group_vars/all.yml': 'a: all\n', 'host_vars/localhost.yml': 'l: local\n' });
    expect(implicitLocalhost(o.loaded!.inventory, 'localhost').vars).toMatchObject({ p: 'inv_all', a: 'all', l: 'local' });
    expect(implicitLocalhost(o.loaded!.inventory, '127.0.0.1').vars.l).toBeUndefined();
  });

  it('ansible_group_priority (inventory group vars) orders groups of one depth before their names', async () => {
    const inv = INVENTORY.replace('vars: { q: inv_web, r: inv_web }', 'vars: { q: inv_web, r: inv_web, ansible_group_priority: 0 }');
    const o = await loadTree({ 'inventory.yaml': inv, 'site.yaml': PLAY, 'group_vars/dc.yml': 'n: dc\n', 'group_vars/web.yml': 'n: web\n' });
    expect(o.errors).toEqual([]);
    expect(o.loaded!.inventory.hosts.get('h2')!.vars.n).toBe('dc');
  });

  it('an empty file adds nothing; a play var and -e still win over group_vars', async () => {
    const o = await loadTree(
      { 'inventory.yaml': INVENTORY, 'site.yaml': '- hosts: all\n  gather_facts: false\n  vars: { pv: play }\n  tasks: []\n', 'group_vars/all/a.yml': '', 'group_vars/all/b.yml': 'pv: gv\nx: gv\n' },
      { extraVars: ['x=extra'] },
    );
    expect(o.errors).toEqual([]);
    expect(o.loaded!.inventory.hosts.get('h1')!.vars).toMatchObject({ pv: 'gv', x: 'gv' });
    expect(o.loaded!.playbook.plays[0].vars.pv).toBe('play');
    expect(o.loaded!.extraVars.x).toBe('extra');
  });
});

describe('group_vars/ and host_vars/ at load: errors before any host is contacted', () => {
  it('bad YAML is reported at its file:line:col', async () => {
    const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAY, 'group_vars/web/main.yml': 'a: 1\nb: [1, 2\n' });
    expect(o.errors.length).toBeGreaterThan(0);
    expect(o.errors[0]).toMatch(/^group_vars\/web\/main\.yml:\d+:\d+: /);
  });

  it('a file that is not a mapping, a bad template and a !vault value are refused', async () => {
    const o = await loadTree({
      'inventory.yaml': INVENTORY,
      'site.yaml': PLAY,
      'group_vars/all.yml': '- a\n- b\n',
      'host_vars/h1.yml': 'a: "{{ x | }}"\n',
      'group_vars/db.yml': 'p: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3031\n',
    });
    expect(
      o.errors.some((e) => /^group_vars\/all\.yml:1:1: a vars file must hold a mapping/.test(e)),
      o.errors.join('\n'),
    ).toBe(true);
    expect(
      o.errors.some((e) => /^host_vars\/h1\.yml:1:\d+: /.test(e)),
      o.errors.join('\n'),
    ).toBe(true);
    expect(
      o.errors.some((e) => /^group_vars\/db\.yml:1:\d+: .*vault/.test(e)),
      o.errors.join('\n'),
    ).toBe(true);
  });

  it('a group of no host here is not read (its errors neither), as in 2.14', async () => {
    const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAY, 'group_vars/other.yml': 'a: [\n' });
    expect(o.errors).toEqual([]);
  });

  it('README Choices: an ansible_host in host_vars is a variable; nodemend still connects to connection: host', async () => {
    const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAY, 'host_vars/h1.yml': 'ansible_host: 10.9.9.9\n' });
    const h1 = o.loaded!.inventory.hosts.get('h1')!;
    expect(h1.vars.ansible_host).toBe('10.9.9.9');
    expect(h1.connection.host).toBe('h1');
  });

  it('!unsafe keeps a value from rendering', async () => {
    const o = await loadTree({ 'inventory.yaml': INVENTORY, 'site.yaml': PLAY, 'group_vars/all.yml': "u: !unsafe '{{ not_rendered }}'\n" });
    expect(o.errors).toEqual([]);
    expect(String(o.loaded!.inventory.hosts.get('h1')!.vars.u)).toBe('{{ not_rendered }}');
  });
});
