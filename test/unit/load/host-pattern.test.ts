import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadInventory } from '../../../src/load/inventory.js';
import { matchPattern, orderHosts, resolveLimit } from '../../../src/load/host-pattern.js';
import { NodemendError } from '../../../src/load/errors.js';
import { newDiag } from '../../../src/load/diag.js';
import type { Inventory } from '../../../src/load/model.js';
import { writeTree } from './load-helpers.js';

const INVENTORY = `
all:
  hosts:
    node1:
    node2:
    node3:
    web1:
    web2:
    db1:
    solo:
  children:
    k8s:
      children:
        masters:
          hosts:
            node1:
        workers:
          hosts:
            node3:
            node2:
    web:
      hosts:
        web2:
        web1:
    dbs:
      hosts:
        db1:
`;

const dir = writeTree({ 'inventory.yaml': INVENTORY });
const diag = newDiag();
const inv = loadInventory(join(dir, 'inventory.yaml'), diag) as Inventory;
const POS = { file: 'site.yaml', line: 1, col: 10 };

function match(pattern: string): { hosts: string[]; warnings: string[] } {
  const warnings: string[] = [];
  return { hosts: matchPattern(inv, pattern, POS, (w) => warnings.push(w)), warnings };
}

describe('host patterns', () => {
  it('loads the test inventory', () => {
    expect(diag.errors).toEqual([]);
    expect([...inv.hosts.keys()]).toEqual(['node1', 'node2', 'node3', 'web1', 'web2', 'db1', 'solo']);
  });

  it.each([
    ['all', ['node1', 'node2', 'node3', 'web1', 'web2', 'db1', 'solo']],
    ['*', ['node1', 'node2', 'node3', 'web1', 'web2', 'db1', 'solo']],
    ['k8s', ['node1', 'node3', 'node2']], // a group's own hosts, then its children's, each as listed (2.14)
    ['workers', ['node3', 'node2']], // the group's listing order, not the inventory's
    ['node1', ['node1']],
    ['ungrouped', ['solo']],
    ['node*', ['node1', 'node2', 'node3']],
    ['web*', ['web2', 'web1']], // the group web first, then the hosts (already there)
    ['node[13]', [], 'could not match supplied host pattern, ignoring: node'], // 2.14 reads [13] as a subscript
    ['?b1', ['db1']],
    ['web:dbs', ['web2', 'web1', 'db1']],
    ['dbs,web', ['db1', 'web2', 'web1']], // the pattern's order
    ['db1:node2', ['db1', 'node2']],
    ['k8s:!workers', ['node1']],
    ['k8s:&workers', ['node3', 'node2']],
    ['all:!k8s:!db1', ['web1', 'web2', 'solo']],
    ['!k8s:web', ['web2', 'web1']], // exclusions apply after unions, wherever they are written
    ['web:&k8s', []], // no web host is in k8s
    ['!web', ['node1', 'node2', 'node3', 'db1', 'solo']], // only exclusions: start from all
    ['&workers', ['node2', 'node3']],
    ['~node[12]', ['node1', 'node2']],
    ['~^(web|db)', ['web2', 'web1', 'db1']],
    ['~work', ['node3', 'node2']], // regex over group names too
    ['~orker', [], 'could not match supplied host pattern, ignoring: ~orker'], // anchored at the start, as Ansible's re.match
    ['~ode[12]', [], 'could not match supplied host pattern, ignoring: ~ode[12]'],
    ['~node1|db', ['db1', 'node1']], // the anchor covers every alternative; groups (dbs) before hosts
    ['k8s,!node1,&workers', ['node3', 'node2']],
    ['web,,db1', ['web2', 'web1', 'db1']], // an empty term is dropped
    ['workers[0]', ['node3']],
    ['workers[-1]', ['node2']],
    ['k8s[1:]', ['node3', 'node2']],
    ['k8s[0:1]', ['node1', 'node3']], // both ends inclusive
    ['k8s[1:0]', ['node3']], // a zero end reads as no end: one host, as 2.14
    ['*[3]', ['web1']],
    ['w*[0]', ['node3']], // workers appears before web in the file
    ['web[-1:]', ['web1']], // no subscript in 2.14: a glob whose [-1:] is a character class
    ['web[0-1]', ['web2', 'web1'], 'Use [x:y] inclusive subscripts instead of [x-y] which has been removed'],
    ['~web[0]', [], 'could not match supplied host pattern, ignoring: ~web[0]'], // a regex takes no subscript
    ['nosuch[0]', [], 'could not match supplied host pattern, ignoring: nosuch'],
  ] as [string, string[], string?][])('%s', (pattern, expected, warning) => {
    const r = match(pattern);
    expect(r.hosts).toEqual(expected);
    expect(r.warnings).toEqual(warning ? [warning] : []);
  });

  it('ignores a name that matches nothing, with a warning', () => {
    expect(match('web1,nosuch')).toEqual({ hosts: ['web1'], warnings: ['could not match supplied host pattern, ignoring: nosuch'] });
    expect(match('nosuch')).toEqual({ hosts: [], warnings: ['could not match supplied host pattern, ignoring: nosuch'] });
  });

  it.each([
    ['web[2]', "No hosts matched the subscripted pattern 'web[2]'"],
    ['web[-3]', "No hosts matched the subscripted pattern 'web[-3]'"],
    ['web:!', 'bad host pattern "web:!": empty term after "!" (terms are separated by "," or ":")'],
    ['', 'bad host pattern "": empty term (terms are separated by "," or ":")'],
    ['~(web', 'bad host pattern "~(web": invalid regular expression ~(web: /(web/: Unterminated group'],
  ])('rejects %j', (pattern, message) => {
    let err: unknown;
    try {
      match(pattern);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NodemendError);
    expect((err as NodemendError).format()).toBe(`site.yaml:1:10: ${message}`);
    expect((err as NodemendError).code).toBe('host-pattern');
  });
});

describe('--limit', () => {
  const noWarn = (): void => {};
  it('is a pattern', () => {
    expect([...resolveLimit(inv, 'workers:!node3', noWarn)]).toEqual(['node2']);
  });

  it('reads @file, one name per line, comments and blanks skipped', () => {
    const file = join(dir, 'retry.txt');
    writeFileSync(file, '# failed last time\nweb2\n\nnode1\n');
    expect([...resolveLimit(inv, `@${file}`, noWarn)]).toEqual(['web2', 'node1']);
  });

  it('is an error when it matches no host at all', () => {
    const warnings: string[] = [];
    expect(() => resolveLimit(inv, 'nosuch', (w) => warnings.push(w))).toThrow('no hosts matched the limit "nosuch"');
    expect(warnings).toEqual(['could not match supplied host pattern, ignoring: nosuch']);
    expect(() => resolveLimit(inv, `@${join(dir, 'missing.txt')}`, noWarn)).toThrow(/cannot read limit file .*missing\.txt: no such file/);
  });
});

describe('the implicit localhost', () => {
  it('matches localhost, 127.0.0.1 and ::1 by name only, never through all or a glob', () => {
    expect(match('localhost').hosts).toEqual(['localhost']);
    expect(match('127.0.0.1').hosts).toEqual(['127.0.0.1']);
    expect(match('node1:localhost').hosts).toEqual(['node1', 'localhost']);
    expect(match('all').hosts).not.toContain('localhost');
    expect(match('local*').hosts).toEqual([]);
  });
});

describe("2.14's host order (ansible --list-hosts on the same inventory)", () => {
  const d2 = writeTree({
    'inventory.yaml': `
all:
  hosts:
    z9:
  children:
    a:
      children:
        b:
          hosts:
            h1:
    c:
      hosts:
        h2:
        h1:
    d:
      hosts:
        h3:
      children:
        c:
top:
  hosts:
    h4:
    h2:
`,
  });
  const inv2 = loadInventory(join(d2, 'inventory.yaml'), newDiag()) as Inventory;
  it.each([
    ['all', ['z9', 'h2', 'h1', 'h3', 'h4']], // all's own hosts, then its children's level by level; a top-level group last
    ['a', ['h1']],
    ['d', ['h3', 'h2', 'h1']], // own hosts before the children's
    ['top', ['h4', 'h2']],
    ['a,top', ['h1', 'h4', 'h2']],
    ['*[0]', ['z9']],
  ])('%s', (pattern, expected) => {
    expect(matchPattern(inv2, pattern, POS, () => {})).toEqual(expected);
  });
  it("is the groups variable's order", () => {
    expect(inv2.groups.get('d')!.hosts).toEqual(['h3', 'h2', 'h1']);
    expect(inv2.groups.get('ungrouped')!.hosts).toEqual(['z9']);
  });
});

describe('the play keyword order:', () => {
  const hosts = ['node40', 'node39', 'node38', 'a1'];
  it.each([
    [undefined, ['node40', 'node39', 'node38', 'a1']],
    ['inventory', ['node40', 'node39', 'node38', 'a1']],
    ['reverse_inventory', ['a1', 'node38', 'node39', 'node40']],
    ['sorted', ['a1', 'node38', 'node39', 'node40']],
    ['reverse_sorted', ['node40', 'node39', 'node38', 'a1']],
  ] as const)('%s', (order, expected) => {
    expect(orderHosts(hosts, order)).toEqual(expected);
  });
  it('shuffle keeps every host', () => {
    expect(orderHosts(hosts, 'shuffle').sort()).toEqual([...hosts].sort());
  });
});
