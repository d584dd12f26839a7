import { describe, expect, it } from 'vitest';
import { expandHostRange, HostRangeError } from '../../../src/load/host-range.js';
import { loadTree } from './load-helpers.js';

// Expected lists are what 2.14's expand_hostname_range gives (python3 -c 'from ansible.plugins.inventory import expand_hostname_range as e; print(e("web[01:03]"))').
describe('inventory host ranges, as 2.14 expand_hostname_range', () => {
  it.each([
    ['web1', ['web1']],
    ['web[01:03]', ['web01', 'web02', 'web03']],
    ['web[1:3].example.com', ['web1.example.com', 'web2.example.com', 'web3.example.com']],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
    ['x[y:B]', ['xy', 'xz', 'xA', 'xB']],
    ['n[0:10:5]', ['n0', 'n5', 'n10']],
    ['n[:2]', ['n0', 'n1', 'n2']],
    ['n[3:1]', []],
    ['r[1:2]c[a:b]', ['r1ca', 'r1cb', 'r2ca', 'r2cb']],
    ['p[08:11]', ['p08', 'p09', 'p10', 'p11']],
  ])('%s', (name, want) => {
    expect(expandHostRange(name)).toEqual(want);
  });

  it.each(['w[1]', 'w[1:2:3:4]', 'w[1:]', 'w[01:100]', 'w[c:a]', 'w[1:x]', 'w[1:3:0]'])('%s is refused', (name) => {
    expect(() => expandHostRange(name)).toThrow(HostRangeError);
  });
});

describe('an inventory with host ranges', async () => {
  const good = await loadTree({
    'inventory.yaml': 'all:\n  children:\n    web:\n      hosts:\n        web[01:03]:\n          vars: { role: web }\n',
    'site.yaml': '- hosts: web\n  tasks: []\n',
  });
  it("lists every expanded host in the group, each with the entry's vars", () => {
    expect(good.errors).toEqual([]);
    const inv = good.loaded!.inventory;
    expect(inv.groups.get('web')!.hosts).toEqual(['web01', 'web02', 'web03']);
    expect(inv.hosts.get('web02')!.vars).toMatchObject({ role: 'web' });
  });

  const bad = await loadTree({
    'inventory.yaml': 'all:\n  hosts:\n    ok1: {}\n    web[01:100]: {}\n',
    'site.yaml': '- hosts: all\n  tasks: []\n',
  });
  it('a bad range fails at its file:line:col', () => {
    expect(bad.errors.join('\n')).toMatch(/inventory\.yaml:4:5: .*host range in "web\[01:100\]" must have begin and end of the same width/);
  });
});
