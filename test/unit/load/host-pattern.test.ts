import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadInventory } from '../../../src/load/inventory.js';
import { matchPattern, resolveLimit } from '../../../src/load/host-pattern.js';
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
    ['k8s', ['node1', 'node2', 'node3']],
    ['workers', ['node2', 'node3']], // inventory order, not the group's listing order
    ['node1', ['node1']],
    ['ungrouped', ['solo']],
    ['node*', ['node1', 'node2', 'node3']],
    ['web*', ['web1', 'web2']],
    ['node[13]', ['node1', 'node3']],
    ['?b1', ['db1']],
    ['web:dbs', ['web1', 'web2', 'db1']],
    ['dbs,web', ['web1', 'web2', 'db1']],
    ['db1:node2', ['node2', 'db1']],
    ['k8s:!workers', ['node1']],
    ['k8s:&workers', ['node2', 'node3']],
    ['all:!k8s:!db1', ['web1', 'web2', 'solo']],
    ['!k8s:web', ['web1', 'web2']], // exclusions apply after unions, wherever they are written
    ['web:&k8s', []], // no web host is in k8s
    ['!web', ['node1', 'node2', 'node3', 'db1', 'solo']], // only exclusions: start from all
    ['&workers', ['node2', 'node3']],
    ['~node[12]', ['node1', 'node2']],
    ['~^(web|db)', ['web1', 'web2', 'db1']],
    ['~work', ['node2', 'node3']], // regex over group names too
    ['~orker', [], 'could not match supplied host pattern, ignoring: ~orker'], // anchored at the start, as Ansible's re.match
    ['~ode[12]', [], 'could not match supplied host pattern, ignoring: ~ode[12]'],
    ['~node1|db', ['node1', 'db1']], // the anchor covers every alternative
    ['k8s,!node1,&workers', ['node2', 'node3']],
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
    ['web,,db', 'bad host pattern "web,,db": empty term (terms are separated by "," or ":")'],
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
    expect([...resolveLimit(inv, `@${file}`, noWarn)]).toEqual(['node1', 'web2']);
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
