import { describe, expect, test } from 'vitest';
import { compareVersions, versionMatches } from '../../../src/load/version-compare.js';

describe('compareVersions', () => {
  test.each([
    // RHEL 7 kernels: 957 (7.6) < 1062 (7.7); updates of one release sort after it
    ['3.10.0-957.el7.x86_64', '3.10.0-1062', -1],
    ['3.10.0-957.el7.x86_64', '3.10.0-1062.el7.x86_64', -1],
    ['3.10.0-1062.el7.x86_64', '3.10.0-957.el7.x86_64', 1],
    ['3.10.0-957.1.3.el7.x86_64', '3.10.0-957.el7.x86_64', 1], // a number beats letters (rpm)
    ['3.10.0-957.21.3.el7.x86_64', '3.10.0-957.5.1.el7.x86_64', 1],
    ['3.10.0-957.el7.x86_64', '3.10.0-957.el7.x86_64', 0],
    ['3.10.0-1160.el7', '3.10.0-1062.18.1.el7', 1],
    ['3.10.0-862.el7', '3.10', 1],
    ['3.10', '3.9', 1], // numeric, not lexical
    ['4.19.0-16-amd64', '3.10.0-1062', 1],
    // docker-ce package versions (Debian): ~ sorts before everything, even the end
    ['18.09.1', '18.09.0~3-0~debian', 1],
    ['18.09.0~3-0~debian', '18.09.1', -1],
    ['18.09.1~3-0~debian-stretch', '18.09.1', -1],
    ['18.09.1~3-0~debian-stretch', '18.09.1~2-0~debian-stretch', 1],
    ['18.09.1~beta', '18.09.1~rc', -1],
    ['1.0~', '1.0', -1],
    ['1.0~', '1.0~~', 1],
    ['18.06.1~ce~3-0~debian', '18.09.1', -1],
    // epochs
    ['5:24.0.7-1~debian.12~bookworm', '5:18.09.1~3-0~debian-stretch', 1],
    ['5:18.09.1~3-0~debian-stretch', '18.09.1', 1], // epoch 5 > no epoch (0)
    ['1:1.0', '2.0', 1],
    ['0:2.0', '2.0', 0],
    ['10:1', '9:99', 1],
    // leading v ignored (kubernetes)
    ['v1.14.1', '1.13.12', 1],
    ['v1.14.1', '1.14.1', 0],
    ['V1.14.1', 'v1.14.2', -1],
    ['1.13.12', 'v1.14.1', -1],
    ['1.14.10', '1.14.9', 1],
    // more runs is newer; letters sort by ASCII; separators only separate
    ['1.0', '1.0.0', -1],
    ['1.0a', '1.0', 1],
    ['1.0a', '1.0b', -1],
    ['1.0.1-00', '1.0.1', 1],
    ['1.0-1', '1.0.1', 0],
    ['1_2', '1.2', 0],
    ['2.0.0-rc1', '2.0.0-rc2', -1],
    // long numbers compare exactly
    ['1.20190101123456789', '1.20190101123456788', 1],
    ['1.007', '1.7', 0],
    ['', '0', -1],
    ['', '', 0],
  ] as [string, string, number][])('%s vs %s -> %i', (a, b, want) => {
    expect(compareVersions(a, b)).toBe(want);
    expect(compareVersions(b, a)).toBe(-want || 0);
  });
});

describe('versionMatches', () => {
  test.each([
    ['3.10.0-957.el7.x86_64', '<', '3.10.0-1062', true],
    ['3.10.0-957.el7.x86_64', 'lt', '3.10.0-1062', true],
    ['3.10.0-957.el7.x86_64', '<=', '3.10.0-957.el7.x86_64', true],
    ['3.10.0-957.el7.x86_64', 'le', '3.10.0-862', false],
    ['18.09.1', '>=', '18.09.1', true],
    ['18.09.1~3-0~debian', 'ge', '18.09.1', false],
    ['18.09.2', '>', '18.09.1', true],
    ['18.09.1', 'gt', '18.09.1', false],
    ['v1.14.1', '==', '1.14.1', true],
    ['v1.14.1', 'eq', '1.14.0', false],
    ['v1.14.1', '=', '1.14.1', true],
    ['1.13.12', '!=', '1.14.1', true],
    ['1.13.12', 'ne', '1.13.12', false],
    ['1.13.12', '<>', '1.13.12', false],
  ] as [string, string, string, boolean][])('%s %s %s', (a, op, b, want) => {
    expect(versionMatches(a, op, b)).toBe(want);
  });

  test('an unknown operator is an error listing the valid ones', () => {
    expect(() => versionMatches('1', '=>', '2')).toThrow('unknown version operator "=>" (expected one of < lt <= le > gt >= ge == = eq != <> ne)');
  });
});
