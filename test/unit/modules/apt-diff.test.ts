/**
 * apt's `diff` under --diff (src/modules/package.ts aptDiff), as ansible-core 2.14.18's apt.py
 * parse_diff cuts apt-get's output: after "Reading state information..." (aptitude: "Resolving
 * dependencies...") up to and including the "N upgraded, ..." line. Compared with ansible-playbook
 * on the fleet in test/fleet/differential-downgrade.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { aptDiff } from '../../../src/modules/package.js';

const INSTALL = `Reading package lists...
Building dependency tree...
Reading state information...
The following NEW packages will be installed:
  hello
0 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.
Inst hello (2.10-3 Debian:12.5/stable [amd64])
Conf hello (2.10-3 Debian:12.5/stable [amd64])
`;

describe('aptDiff (apt.py parse_diff)', () => {
  it('from after "Reading state information..." to the "upgraded" line', () => {
    expect(aptDiff(INSTALL)).toEqual({ prepared: 'The following NEW packages will be installed:\n  hello\n0 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.' });
  });
  it('aptitude’s marker; "packages upgraded"; no markers: everything (no empty last line)', () => {
    expect(aptDiff('x\nResolving dependencies...\na\n1 packages upgraded, 0 newly installed\nb\n')).toEqual({ prepared: 'a\n1 packages upgraded, 0 newly installed' });
    expect(aptDiff('one\ntwo\n')).toEqual({ prepared: 'one\ntwo' });
    expect(aptDiff('')).toEqual({ prepared: '' });
  });
});
