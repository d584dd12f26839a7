/**
 * The distribution facts (src/facts/distribution.ts) against ansible-core 2.14.18's own
 * distribution.py, on release files the fleet hosts do not have. Each case runs, in a private
 * mount namespace (`unshare --mount`) whose /etc is a copy of this machine's with the case's
 * release files in place of its own, both Ansible's DistributionFactCollector (the installed
 * module_utils, its distro library as the module would import it) and nodemend's remote command
 * through `sh`; the facts must be equal, key by key. The library is either the host's
 * python3-distro 1.8.0 (Debian bookworm's) or, with that directory hidden, the distro 1.6.0 that
 * Ansible bundles (module_utils/distro/_distro.py), which is what a CentOS 7 host without
 * python-distro uses. lsb_release is the controller's (Debian's lsb-release 12.0) or hidden.
 *
 * Release files as the distributions ship them: CentOS 7.9.2009 (centos-release-7-9.2009.0.el7.centos:
 * /etc/centos-release, the redhat-release and system-release links to it, /usr/lib/os-release
 * with /etc/os-release linking to it, system-release-cpe); RHEL 7.9 (redhat-release-server-7.9:
 * "Red Hat Enterprise Linux Server release 7.9 (Maipo)"); Debian 12 (base-files 12.4+deb12u11:
 * /usr/lib/os-release, /etc/debian_version 12.11); OpenWrt 15.05.1 and 22.03.5 and Mandriva 2011.0
 * (base-files / lsb-release as shipped, described beside each), plus two Mandriva lsb-release shapes
 * that reach each branch of the parser OpenWrt and Mandriva share.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISTRIBUTION_COMMAND, distributionFacts, parseDistributionSources, parseReleaseLine, shlexAssignments } from '../../../src/facts/distribution.js';

const CENTOS_OS_RELEASE = `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"

`;
const RHEL_OS_RELEASE = `NAME="Red Hat Enterprise Linux Server"
VERSION="7.9 (Maipo)"
ID="rhel"
ID_LIKE="fedora"
VARIANT="Server"
VARIANT_ID="server"
VERSION_ID="7.9"
PRETTY_NAME="Red Hat Enterprise Linux Server 7.9 (Maipo)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:redhat:enterprise_linux:7.9:GA:server"
HOME_URL="https://www.redhat.com/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"

REDHAT_BUGZILLA_PRODUCT="Red Hat Enterprise Linux 7"
REDHAT_BUGZILLA_PRODUCT_VERSION=7.9
REDHAT_SUPPORT_PRODUCT="Red Hat Enterprise Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="7.9"
`;
const DEBIAN_OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

interface Case {
  /** /etc files (a value starting with "->" is a symlink to the rest). */
  etc: Record<string, string>;
  usrLibOsRelease: string;
  /** The distro library Ansible imports: the host's python3-distro 1.8.0, or its bundled 1.6.0. */
  distro: 'system' | 'bundled';
  lsbRelease: boolean;
}

const el7 = (release: string, name: string, extra: Record<string, string> = {}): Record<string, string> => ({
  [name]: release,
  ...(name === 'centos-release' ? { 'redhat-release': '->centos-release', 'system-release': '->centos-release' } : { 'system-release': `->${name}` }),
  'system-release-cpe': name === 'centos-release' ? 'cpe:/o:centos:centos:7\n' : 'cpe:/o:redhat:enterprise_linux:7.9:ga:server\n',
  'os-release': '->../usr/lib/os-release',
  ...extra,
});
const CENTOS_79 = el7('CentOS Linux release 7.9.2009 (Core)\n', 'centos-release');
const RHEL_79 = el7('Red Hat Enterprise Linux Server release 7.9 (Maipo)\n', 'redhat-release');
const DEBIAN_12 = { 'os-release': '->../usr/lib/os-release', debian_version: '12.11\n' };
// OpenWrt 15.05.1 (base-files of Chaos Calmer: double quotes, a codename; no os-release yet).
const OPENWRT_15 = {
  openwrt_release:
    'DISTRIB_ID="OpenWrt"\nDISTRIB_RELEASE="15.05.1"\nDISTRIB_REVISION="r48532"\nDISTRIB_CODENAME="chaos_calmer"\nDISTRIB_TARGET="ar71xx/generic"\nDISTRIB_DESCRIPTION="OpenWrt Chaos Calmer 15.05.1"\nDISTRIB_TAINTS=""\n',
  openwrt_version: 'r48532\n',
};
// OpenWrt 22.03.5 (base-files: single quotes, which distribution.py's regexes do not read; os-release).
const OPENWRT_22 = {
  openwrt_release:
    "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='22.03.5'\nDISTRIB_REVISION='r20134-5f15225c1e'\nDISTRIB_TARGET='x86/64'\nDISTRIB_ARCH='x86_64'\nDISTRIB_DESCRIPTION='OpenWrt 22.03.5 r20134-5f15225c1e'\nDISTRIB_TAINTS=''\n",
  openwrt_version: 'r20134-5f15225c1e\n',
  'os-release': '->../usr/lib/os-release',
};
const OPENWRT_22_OS_RELEASE = `NAME="OpenWrt"
VERSION="22.03.5"
ID="openwrt"
ID_LIKE="lede openwrt"
PRETTY_NAME="OpenWrt 22.03.5"
VERSION_ID="22.03.5"
HOME_URL="https://openwrt.org/"
BUG_URL="https://bugs.openwrt.org/"
SUPPORT_URL="https://forum.openwrt.org/"
BUILD_ID="r20134-5f15225c1e"
OPENWRT_BOARD="x86/64"
OPENWRT_ARCH="x86_64"
OPENWRT_TAINTS=""
OPENWRT_DEVICE_MANUFACTURER="OpenWrt"
OPENWRT_DEVICE_MANUFACTURER_URL="https://openwrt.org/"
OPENWRT_DEVICE_PRODUCT="Generic"
OPENWRT_DEVICE_REVISION="v0"
OPENWRT_RELEASE="OpenWrt 22.03.5 r20134-5f15225c1e"
`;
// Mandriva Linux 2011.0 (lsb-release and mandriva-release as it ships them: values unquoted).
const MANDRIVA_2011_LSB = 'LSB_VERSION=\nDISTRIB_ID=MandrivaLinux\nDISTRIB_RELEASE=2011.0\nDISTRIB_CODENAME=turtle\nDISTRIB_DESCRIPTION="Mandriva Linux 2011.0"\n';
const MANDRIVA_2011 = { 'lsb-release': MANDRIVA_2011_LSB, 'mandriva-release': 'Mandriva Linux release 2011.0 (turtle) for x86_64\n' };

const ANSIBLE_COLLECT = `
import json, shlex, shutil, subprocess
from ansible.module_utils.facts.system.distribution import DistributionFactCollector
class Module:
    # AnsibleModule.run_command's handling of its argument: a string is split unless use_unsafe_shell
    def run_command(self, cmd, use_unsafe_shell=False, **kw):
        if isinstance(cmd, str) and not use_unsafe_shell:
            cmd = shlex.split(cmd)
        try:
            p = subprocess.run(cmd, shell=use_unsafe_shell, capture_output=True, text=True)
        except OSError as e:
            return 127, "", str(e)
        return p.returncode, p.stdout, p.stderr
    def get_bin_path(self, name, *a, **k):
        return shutil.which(name)
    def debug(self, msg):
        pass
print(json.dumps(DistributionFactCollector().collect(module=Module())))
`;

/** Runs Ansible's collector and nodemend's command in a mount namespace with the case's release files. */
function inNamespace(c: Case): { ansible: Record<string, unknown>; nodemend: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), 'nm-distribution-'));
  try {
    mkdirSync(join(dir, 'etc'));
    mkdirSync(join(dir, 'etcfs'));
    mkdirSync(join(dir, 'empty'));
    for (const [name, v] of Object.entries(c.etc)) {
      if (v.startsWith('->')) symlinkSync(v.slice(2), join(dir, 'etc', name));
      else writeFileSync(join(dir, 'etc', name), v);
    }
    writeFileSync(join(dir, 'usr-lib-os-release'), c.usrLibOsRelease);
    writeFileSync(join(dir, 'collect.py'), ANSIBLE_COLLECT);
    const script = `set -e
S=$1
mount -t tmpfs nm-distribution "$S/etcfs"
cp -a /etc/. "$S/etcfs/"
(cd "$S/etcfs" && rm -f os-release lsb-release *-release *_release *-version *_version)
cp -a "$S/etc/." "$S/etcfs/"
mount --bind "$S/etcfs" /etc
mount --bind "$S/usr-lib-os-release" /usr/lib/os-release
${c.distro === 'bundled' ? 'mount --bind "$S/empty" /usr/lib/python3/dist-packages/distro' : ''}
${c.lsbRelease ? '' : 'mount --bind /dev/null /usr/bin/lsb_release'}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "@ansible $(PYTHONPATH=/usr/lib/python3/dist-packages /usr/bin/python3 "$S/collect.py")"
echo @nodemend
sh -c "$NM_COMMAND"`;
    const out = execFileSync('unshare', ['--mount', 'sh', '-c', script, 'sh', dir], { env: { ...process.env, NM_COMMAND: DISTRIBUTION_COMMAND }, encoding: 'utf8', timeout: 120_000 });
    const [before, after] = out.split('\n@nodemend\n');
    const ansible = JSON.parse(/^@ansible (.*)$/m.exec(before)![1]) as Record<string, unknown>;
    return { ansible, nodemend: { ...distributionFacts(parseDistributionSources(after)) } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const haveTools = process.getuid?.() === 0 && existsSync('/usr/lib/python3/dist-packages/distro') && existsSync('/usr/bin/lsb_release');

describe('distribution facts: nodemend equals ansible-core 2.14.18 on each distribution’s release files', () => {
  it('the machine has what the comparison needs (root, python3-distro, lsb_release: scripts/install.sh)', () => {
    expect(haveTools).toBe(true);
  });

  const cases: [string, Case, Record<string, unknown>][] = [
    [
      'CentOS 7.9.2009, bundled distro 1.6.0, no lsb_release',
      { etc: CENTOS_79, usrLibOsRelease: CENTOS_OS_RELEASE, distro: 'bundled', lsbRelease: false },
      {
        distribution: 'CentOS',
        distribution_version: '7.9',
        distribution_major_version: '7',
        distribution_release: 'Core',
        distribution_file_path: '/etc/redhat-release',
        distribution_file_variety: 'RedHat',
        distribution_file_parsed: true,
        os_family: 'RedHat',
      },
    ],
    [
      'CentOS 7.9.2009 with python3-distro 1.8.0',
      { etc: CENTOS_79, usrLibOsRelease: CENTOS_OS_RELEASE, distro: 'system', lsbRelease: false },
      { distribution_version: '7.9', distribution_release: 'Core' },
    ],
    [
      'RHEL 7.9, bundled distro',
      { etc: RHEL_79, usrLibOsRelease: RHEL_OS_RELEASE, distro: 'bundled', lsbRelease: false },
      { distribution: 'RedHat', distribution_version: '7.9', distribution_release: 'Maipo', distribution_file_search_string: 'Red Hat', os_family: 'RedHat' },
    ],
    [
      'Debian 12.11, bundled distro, no lsb_release (the fleet hosts)',
      { etc: DEBIAN_12, usrLibOsRelease: DEBIAN_OS_RELEASE, distro: 'bundled', lsbRelease: false },
      { distribution_version: '12', distribution_minor_version: '11' },
    ],
    [
      'Debian 12.11 with python3-distro 1.8.0 and lsb_release (this machine)',
      { etc: DEBIAN_12, usrLibOsRelease: DEBIAN_OS_RELEASE, distro: 'system', lsbRelease: true },
      { distribution: 'Debian', distribution_version: '12.11', distribution_major_version: '12', distribution_release: 'bookworm', distribution_file_path: '/etc/os-release', os_family: 'Debian' },
    ],
  ];
  // OpenWrt and Mandriva share a parser (DISTRIB_RELEASE / DISTRIB_CODENAME): each with its values read,
  // and read from nowhere (the distro library's values stay).
  cases.push(
    [
      'OpenWrt 15.05.1: version and codename from openwrt_release',
      { etc: OPENWRT_15, usrLibOsRelease: '', distro: 'bundled', lsbRelease: false },
      { distribution: 'OpenWrt', distribution_version: '15.05.1', distribution_release: 'chaos_calmer', distribution_major_version: 'NA', distribution_file_variety: 'OpenWrt', os_family: 'OpenWrt' },
    ],
    [
      'OpenWrt 22.03.5: single-quoted values are not read (version from os-release)',
      { etc: OPENWRT_22, usrLibOsRelease: OPENWRT_22_OS_RELEASE, distro: 'bundled', lsbRelease: false },
      { distribution: 'OpenWrt', distribution_version: '22.03.5', distribution_release: 'NA', distribution_file_path: '/etc/openwrt_release' },
    ],
    [
      'Mandriva 2011.0: unquoted lsb-release values are not read (the distro library reads mandriva-release)',
      { etc: MANDRIVA_2011, usrLibOsRelease: '', distro: 'bundled', lsbRelease: false },
      { distribution: 'Mandriva', distribution_version: '2011.0', distribution_release: 'turtle', distribution_file_path: '/etc/lsb-release', os_family: 'Mandrake' },
    ],
    [
      'Mandriva: an lsb-release alone, values double-quoted (the shape the parser reads)',
      { etc: { 'lsb-release': MANDRIVA_2011_LSB.replace(/=(2011.0|turtle)$/gm, '="$1"') }, usrLibOsRelease: '', distro: 'bundled', lsbRelease: false },
      { distribution: 'Mandriva', distribution_version: '2011.0', distribution_release: 'turtle', distribution_file_variety: 'Mandriva' },
    ],
    [
      'Mandriva: an lsb-release alone, unquoted: nothing read',
      { etc: { 'lsb-release': MANDRIVA_2011_LSB }, usrLibOsRelease: '', distro: 'bundled', lsbRelease: false },
      { distribution: 'Mandriva', distribution_version: 'NA', distribution_release: 'NA', distribution_file_variety: 'Mandriva' },
    ],
  );
  it.runIf(haveTools).each(cases)(
    '%s',
    (_name, c, expected) => {
      const { ansible, nodemend } = inNamespace(c);
      expect(nodemend).toEqual(ansible);
      expect(ansible).toMatchObject(expected);
    },
    120_000,
  );
});

describe('the distro library’s parsers', () => {
  it('a release file’s line read backwards: name, version, codename', () => {
    expect(parseReleaseLine('CentOS Linux release 7.9.2009 (Core)\n')).toEqual({ name: 'CentOS Linux', version_id: '7.9.2009', codename: 'Core' });
    expect(parseReleaseLine('Debian GNU/Linux 12 (bookworm)')).toEqual({ name: 'Debian GNU/Linux', version_id: '12', codename: 'bookworm' });
    expect(parseReleaseLine('\n')).toEqual({ name: '' });
    expect(parseReleaseLine('')).toEqual({});
  });

  it('os-release as shlex reads it: quotes, escapes in double quotes, comments', () => {
    expect(shlexAssignments(`ID="centos"\n# ID=x\nNAME='a "b"'\nPRETTY="a \\"q\\" \\x"\nV=1 # tail\nX=a#b\n`)).toEqual({ id: 'centos', name: 'a "b"', pretty: 'a "q" \\x', v: '1', x: 'a' });
  });
});
