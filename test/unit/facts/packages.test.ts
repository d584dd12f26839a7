import { describe, expect, it } from 'vitest';
import { parsePackageList } from '../../../src/facts/packages.js';

describe('packages fact parser', () => {
  it('keeps installed dpkg packages only, with the full Debian version', () => {
    const out = ['openssh-server\t1:9.2p1-2+deb12u3\tii ', 'docker.io\t20.10.24+dfsg1-1+b3\trc ', 'sudo\t1.9.13p3-1+deb12u1\tii ', ''].join('\n');
    expect(parsePackageList(out)).toEqual({ 'openssh-server': '1:9.2p1-2+deb12u3', sudo: '1.9.13p3-1+deb12u1' });
  });
  it('reads rpm lines (version-release) and keeps the first of a multi-version package', () => {
    const out = 'kernel\t3.10.0-957.el7\tii\nkernel\t3.10.0-1160.el7\tii\ndocker-ce\t18.09.1-3.el7\tii\n';
    expect(parsePackageList(out)).toEqual({ kernel: '3.10.0-957.el7', 'docker-ce': '18.09.1-3.el7' });
  });
  it('an empty database gives an empty map', () => {
    expect(parsePackageList('')).toEqual({});
  });
});
