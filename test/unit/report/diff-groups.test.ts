import { describe, expect, it } from 'vitest';
import { compactHosts, hostsLabel } from '../../../src/report/host-ranges.js';
import { groupedDiffLines } from '../../../src/report/diff-groups.js';
import { colors } from '../../../src/report/colors.js';
import { result } from './fixtures.js';

describe('compactHosts', () => {
  it('collapses runs of numbered names, keeps the given order and odd names', () => {
    expect(compactHosts(['node1', 'node2', 'node3', 'node4', 'node5', 'node7', 'db1'])).toBe('node1..node5, node7, db1');
    expect(compactHosts(['node1', 'node2'])).toBe('node1, node2');
    expect(compactHosts(['web', 'node09', 'node10'])).toBe('web, node09, node10');
    expect(hostsLabel(['a1'])).toBe('(1 host: a1)');
    expect(hostsLabel(['n1', 'n2', 'n3'])).toBe('(3 hosts: n1..n3)');
  });
});

describe('groupedDiffLines', () => {
  const diff = (after: string) => [{ path: '/etc/docker/daemon.json', before: '{}\n', after }];
  it('prints a diff shared by many hosts once with its hosts; a different one after it, marked', () => {
    const results = [
      ...['node1', 'node2', 'node3', 'node5'].map((host) => result({ host, status: 'changed', diff: diff('{"a":1}\n') })),
      result({ host: 'node4', status: 'changed', diff: diff('{"a":2}\n') }),
      result({ host: 'node6', status: 'ok' }),
    ];
    const lines = groupedDiffLines(results, colors(false));
    expect(lines.filter((l) => l.startsWith('+++ '))).toHaveLength(2);
    expect(lines[lines.indexOf('+{"a":1}') + 1]).toBe('  (4 hosts: node1..node3, node5)');
    expect(lines[lines.indexOf('+{"a":2}') + 1]).toBe('  (1 host: node4) differs from the most common change');
    expect(lines.indexOf('+{"a":1}')).toBeLessThan(lines.indexOf('+{"a":2}'));
  });
});
