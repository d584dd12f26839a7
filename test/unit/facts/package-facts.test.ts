/**
 * package_facts' parsers (src/facts/packages.ts). RPM: the manager's query run in a real shell
 * against the rpm 4.11.3 stand-in (test/fixtures/el7/rpm: `--qf` tags, EPOCH unset as "(none)"),
 * giving the fields python-rpm gives Ansible's RPM manager (epoch an int or None, one entry per
 * installed version). APT: dpkg-query + apt-cache policy output as bookworm's tools print it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PACKAGE_MANAGERS, packageFacts, parseAptPackages } from '../../../src/facts/packages.js';
import { EL7_FIXTURES, installRpm } from '../../setup/el7.js';

const db = mkdtempSync(join(tmpdir(), 'nm-rpmdb-'));
afterAll(() => rmSync(db, { recursive: true, force: true }));
const env = { ...process.env, PATH: `${EL7_FIXTURES}:${process.env.PATH}`, NM_RPMDB: db };
const sh = (script: string): string => execFileSync('sh', ['-c', script], { env, encoding: 'utf8' });

describe('rpm', () => {
  installRpm(db, { name: 'rpm', version: '4.11.3', release: '48.el7_9' });
  installRpm(db, { name: 'kernel', version: '3.10.0', release: '957.el7' });
  installRpm(db, { name: 'kernel', version: '3.10.0', release: '1160.el7' });
  installRpm(db, { name: 'docker-ce', epoch: 3, version: '18.09.9', release: '3.el7' });
  installRpm(db, { name: 'gpg-pubkey', version: 'f4a80eb5', release: '53a7ff4b', arch: '(none)' });

  it('the manager finds rpm and reads name, version, release, epoch and arch of every installed version', () => {
    const rpm = PACKAGE_MANAGERS.rpm;
    const pkgs = rpm.parse(sh(`${rpm.probe} && ${rpm.command}`));
    expect(pkgs['docker-ce']).toEqual([{ name: 'docker-ce', version: '18.09.9', release: '3.el7', epoch: 3, arch: 'x86_64', source: 'rpm' }]);
    expect(pkgs.kernel.map((k) => k.release).sort()).toEqual(['1160.el7', '957.el7']);
    expect(pkgs.kernel[0]).toMatchObject({ epoch: null, arch: 'x86_64', source: 'rpm' });
    expect(pkgs['gpg-pubkey']).toEqual([{ name: 'gpg-pubkey', version: 'f4a80eb5', release: '53a7ff4b', epoch: null, arch: null, source: 'rpm' }]);
    expect(Object.keys(pkgs).sort()).toEqual(['docker-ce', 'gpg-pubkey', 'kernel', 'rpm']);
  });

  it('the lazy fact (auto, first) takes rpm before apt', () => {
    expect(packageFacts.parse(sh(packageFacts.command), 0).rpm).toEqual([{ name: 'rpm', version: '4.11.3', release: '48.el7_9', epoch: null, arch: 'x86_64', source: 'rpm' }]);
  });
});

describe('apt', () => {
  const out = [
    'amd64',
    'installed\tbash\t5.2.15-2+b13\tamd64\tshells',
    'installed\tlibc6\t2.36-9+deb12u14\ti386\tlibs',
    'installed\tlocal-tool\t2:1.0-1\tall\t',
    'config-files\told-daemon\t1.0\tamd64\tnet',
    'not-installed\tgone\t\tamd64\t',
    'half-configured\thalf\t0.1\tamd64\tmisc',
    '__NODEMEND_APT_FILES__',
    'Package files:',
    ' 100 /var/lib/dpkg/status',
    '     release a=now',
    ' 500 http://deb.debian.org/debian bookworm/main amd64 Packages',
    '     release v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64',
    '     origin deb.debian.org',
    ' 500 http://deb.debian.org/debian bookworm/main i386 Packages',
    '     release v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=i386',
    '     origin deb.debian.org',
    'Pinned packages:',
    '__NODEMEND_APT_POLICY__',
    'bash:',
    '  Installed: 5.2.15-2+b13',
    '  Candidate: 5.2.16',
    '  Version table:',
    '     5.2.16 100',
    '        100 /var/lib/dpkg/status',
    ' *** 5.2.15-2+b13 500',
    '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
    '        100 /var/lib/dpkg/status',
    'libc6:i386:',
    '  Installed: 2.36-9+deb12u14',
    '  Candidate: 2.36-9+deb12u14',
    '  Version table:',
    ' *** 2.36-9+deb12u14 500',
    '        500 http://deb.debian.org/debian bookworm/main i386 Packages',
    '        100 /var/lib/dpkg/status',
    'local-tool:',
    '  Installed: 2:1.0-1',
    '  Candidate: 2:1.0-1',
    '  Version table:',
    ' *** 2:1.0-1 100',
    '        100 /var/lib/dpkg/status',
    '__NODEMEND_APT_SECTIONS__',
    // apt-cache show NAME=VERSION: the apt list's record wins over dpkg's status (lsb-base: misc, not oldlibs)
    'Package: bash',
    'Version: 5.2.15-2+b13',
    'Architecture: amd64',
    'Section: utils',
    '',
    'Package: libc6',
    'Version: 2.36-9+deb12u14',
    'Architecture: i386',
    'Section: libs',
    '',
    'Package: local-tool',
    'Version: 2:1.0-1',
    'Architecture: all',
    '',
    '',
  ].join('\n');

  it('lists what apt counts as installed, names another architecture name:arch, origin from the first package file, section from apt-cache show (dpkg status when apt shows none)', () => {
    expect(parseAptPackages(out)).toEqual({
      bash: [{ name: 'bash', version: '5.2.15-2+b13', arch: 'amd64', category: 'utils', origin: 'Debian', source: 'apt' }],
      'libc6:i386': [{ name: 'libc6:i386', version: '2.36-9+deb12u14', arch: 'i386', category: 'libs', origin: 'Debian', source: 'apt' }],
      'local-tool': [{ name: 'local-tool', version: '2:1.0-1', arch: 'all', category: '', origin: '', source: 'apt' }],
      half: [{ name: 'half', version: '0.1', arch: 'amd64', category: 'misc', origin: '', source: 'apt' }],
    });
  });
});
