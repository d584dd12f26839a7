/**
 * The distribution facts as ansible-core 2.14.18 computes them on Linux
 * (module_utils/facts/system/distribution.py: DistributionFiles and Distribution;
 * module_utils/common/sys_info.py: get_distribution, _version, _codename), from the files and
 * tools they read, fetched in one remote command. sys_info.py asks the `distro` library, which is
 * the host's own `distro` package when its Python can import one (ansible's module_utils/distro
 * prefers it), else the copy Ansible bundles (distro 1.6.0). The two differ where it shows: from
 * 1.7 on, a Debian-like host's /etc/debian_version is a version candidate (Debian 12 with
 * python3-distro 1.8.0 says `12.11`, without it `12`), and 1.8 reads the os-release codename from
 * VERSION first. Ported for Linux hosts: uname's data source is empty there (distro drops "Linux").
 */
import type { FactDef } from './types.js';
import { PYTHON_DISCOVERY } from './system.js';

export interface DistributionSources {
  /** Path -> content of each file read (regular, readable); absent paths are not keys. */
  files: Record<string, string>;
  /** `lsb_release -a` output when it ran and exited 0. */
  lsb?: string;
  /** The host Python's own `distro` version ('' none: Ansible's bundled 1.6.0 is used). */
  systemDistro: string;
}

export interface DistributionFacts {
  distribution: string;
  distribution_version: string;
  distribution_release: string;
  distribution_major_version: string;
  distribution_minor_version?: string;
  distribution_file_path?: string;
  distribution_file_variety?: string;
  distribution_file_parsed?: boolean;
  distribution_file_search_string?: string;
  os_family: string;
}

/** distribution.py's OSDIST_LIST, in its order (the first file that parses wins). */
const OSDIST_LIST: { path: string; name: string; allowEmpty?: true }[] = [
  { path: '/etc/altlinux-release', name: 'Altlinux' },
  { path: '/etc/oracle-release', name: 'OracleLinux' },
  { path: '/etc/slackware-version', name: 'Slackware' },
  { path: '/etc/centos-release', name: 'CentOS' },
  { path: '/etc/redhat-release', name: 'RedHat' },
  { path: '/etc/vmware-release', name: 'VMwareESX', allowEmpty: true },
  { path: '/etc/openwrt_release', name: 'OpenWrt' },
  { path: '/etc/os-release', name: 'Amazon' },
  { path: '/etc/system-release', name: 'Amazon' },
  { path: '/etc/alpine-release', name: 'Alpine' },
  { path: '/etc/arch-release', name: 'Archlinux', allowEmpty: true },
  { path: '/etc/os-release', name: 'Archlinux' },
  { path: '/etc/os-release', name: 'SUSE' },
  { path: '/etc/SuSE-release', name: 'SUSE' },
  { path: '/etc/gentoo-release', name: 'Gentoo' },
  { path: '/etc/os-release', name: 'Debian' },
  { path: '/etc/lsb-release', name: 'Debian' },
  { path: '/etc/lsb-release', name: 'Mandriva' },
  { path: '/etc/sourcemage-release', name: 'SMGL' },
  { path: '/usr/lib/os-release', name: 'ClearLinux' },
  { path: '/etc/coreos/update.conf', name: 'Coreos' },
  { path: '/etc/os-release', name: 'Flatcar' },
  { path: '/etc/os-release', name: 'NA' },
];
const SEARCH_STRING: Record<string, string> = { OracleLinux: 'Oracle Linux', RedHat: 'Red Hat', Altlinux: 'ALT', SMGL: 'Source Mage GNU/Linux' };
const OS_RELEASE_ALIAS: Record<string, string> = { Archlinux: 'Arch Linux' };

/** Distribution.OS_FAMILY_MAP, inverted. */
const OS_FAMILY: Record<string, string> = Object.fromEntries(
  Object.entries({
    RedHat:
      'RedHat|RHEL|Fedora|CentOS|Scientific|SLC|Ascendos|CloudLinux|PSBM|OracleLinux|OVS|OEL|Amazon|Virtuozzo|XenServer|Alibaba|EulerOS|openEuler|AlmaLinux|Rocky|TencentOS|EuroLinux|Kylin Linux Advanced Server',
    Debian: 'Debian|Ubuntu|Raspbian|Neon|KDE neon|Linux Mint|SteamOS|Devuan|Kali|Cumulus Linux|Pop!_OS|Parrot|Pardus GNU/Linux|Uos|Deepin|OSMC',
    Suse: 'SuSE|SLES|SLED|openSUSE|openSUSE Tumbleweed|SLES_SAP|SUSE_LINUX|openSUSE Leap',
    Archlinux: 'Archlinux|Antergos|Manjaro',
    Mandrake: 'Mandrake|Mandriva',
    Slackware: 'Slackware',
    Altlinux: 'Altlinux',
    SGML: 'SGML',
    Gentoo: 'Gentoo|Funtoo',
    Alpine: 'Alpine',
    ClearLinux: 'Clear Linux OS|Clear Linux Mix',
  }).flatMap(([family, names]) => names.split('|').map((n) => [n, family])),
);

// ---- the distro library (bundled 1.6.0, or the host's own) ----

/** os-release as distro reads it: shlex (POSIX mode, whitespace split) tokens `key=value`, keys lower-cased. */
export function shlexAssignments(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  let token: string | null = null;
  let i = 0;
  const end = (): void => {
    if (token !== null) {
      const eq = token.indexOf('=');
      if (eq >= 0) props[token.slice(0, eq).toLowerCase()] = token.slice(eq + 1);
    }
    token = null;
  };
  while (i < text.length) {
    const c = text[i++];
    if (/\s/.test(c)) end();
    else if (c === '#') {
      end();
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === "'") {
      token ??= '';
      while (i < text.length && text[i] !== "'") token += text[i++];
      i++;
    } else if (c === '"') {
      token ??= '';
      while (i < text.length && text[i] !== '"') {
        // inside double quotes a backslash escapes only `"` and `\`
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
        token += text[i++];
      }
      i++;
    } else if (c === '\\') {
      token = (token ?? '') + (text[i] ?? '');
      i++;
    } else token = (token ?? '') + c;
  }
  end();
  return props;
}

function osReleaseInfo(text: string | undefined, lib: number): Record<string, string> {
  if (text === undefined) return {};
  const props = shlexAssignments(text);
  if (lib >= 1.8) {
    const m = props.version !== undefined ? /\((\D+)\)|,\s*(\D+)/.exec(props.version) : null;
    if (m) props.codename = props.release_codename = m[1] ?? m[2];
    if ('version_codename' in props) props.codename = props.version_codename;
    else if ('ubuntu_codename' in props) props.codename = props.ubuntu_codename;
  } else if ('version_codename' in props) props.codename = props.version_codename;
  else if ('ubuntu_codename' in props) props.codename = props.ubuntu_codename;
  else if ('version' in props) {
    const m = /(\(\D+\))|,(\s+)?\D+/.exec(props.version);
    if (m)
      props.codename = m[0]
        .replace(/^[()]+|[()]+$/g, '')
        .replace(/^,+|,+$/g, '')
        .trim();
  }
  return props;
}

function lsbReleaseInfo(out: string | undefined): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of (out ?? '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon >= 0) props[line.slice(0, colon).replace(/ /g, '_').toLowerCase()] = line.slice(colon + 1).trim();
  }
  return props;
}

/** _parse_distro_release_content: "CentOS Linux release 7.9.2009 (Core)" read backwards. */
export function parseReleaseLine(line: string): Record<string, string> {
  const rev = [...line.trim()].reverse().join('');
  const m = /^(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)/.exec(rev);
  const back = (s: string): string => [...s].reverse().join('');
  if (m) return { name: back(m[3]), ...(m[2] ? { version_id: back(m[2]) } : {}), ...(m[1] ? { codename: back(m[1]) } : {}) };
  return line ? { name: line.trim() } : {};
}

const RELEASE_BASENAME = /^([\p{L}\p{N}_]+)[-_](release|version)$/u;
const RELEASE_IGNORE = new Set(['debian_version', 'lsb-release', 'oem-release', 'os-release', 'system-release', 'plesk-release', 'iredmail-release']);

/** The first /etc/*-release or *-version file (sorted as Python sorts) whose first line parses. */
function distroReleaseInfo(files: Record<string, string>): Record<string, string> {
  const names = Object.keys(files)
    .filter((p) => /^\/etc\/[^/]+$/.test(p))
    .map((p) => p.slice('/etc/'.length))
    .filter((b) => !RELEASE_IGNORE.has(b))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const base of names) {
    const m = RELEASE_BASENAME.exec(base);
    if (!m) continue;
    const text = files[`/etc/${base}`];
    const nl = text.indexOf('\n');
    const info = parseReleaseLine(nl >= 0 ? text.slice(0, nl + 1) : text);
    if (!('name' in info)) continue;
    info.id = info.name.toLowerCase().includes('cloudlinux') ? 'cloudlinux' : m[1];
    return info;
  }
  return {};
}

class Distro {
  readonly os: Record<string, string>;
  readonly lsb: Record<string, string>;
  readonly release: Record<string, string>;
  constructor(
    private readonly src: DistributionSources,
    /** The distro library's version as a number (1.6 bundled, 1.8 Debian bookworm's python3-distro). */
    private readonly lib: number,
  ) {
    const etc = src.files['/etc/os-release'] !== undefined || src.files['/usr/lib/os-release'] === undefined;
    this.os = osReleaseInfo(etc ? src.files['/etc/os-release'] : src.files['/usr/lib/os-release'], lib);
    this.lsb = lsbReleaseInfo(src.lsb);
    this.release = distroReleaseInfo(src.files);
  }
  id(): string {
    const norm = (id: string, table: Record<string, string>): string => {
      const n = id.toLowerCase().replace(/ /g, '_');
      return table[n] ?? n;
    };
    if (this.os.id) return norm(this.os.id, { ol: 'oracle', 'opensuse-leap': 'opensuse' });
    if (this.lsb.distributor_id)
      return norm(this.lsb.distributor_id, {
        enterpriseenterpriseas: 'oracle',
        enterpriseenterpriseserver: 'oracle',
        redhatenterpriseworkstation: 'rhel',
        redhatenterpriseserver: 'rhel',
        redhatenterprisecomputenode: 'rhel',
      });
    if (this.release.id) return norm(this.release.id, { redhat: 'rhel' });
    return '';
  }
  version(best: boolean): string {
    const versions = [
      this.os.version_id ?? '',
      this.lsb.release ?? '',
      this.release.version_id ?? '',
      parseReleaseLine(this.os.pretty_name ?? '').version_id ?? '',
      parseReleaseLine(this.lsb.description ?? '').version_id ?? '',
    ];
    // distro 1.7+: a Debian-like host's /etc/debian_version (its first line) is the last candidate
    if (this.lib >= 1.7 && (this.id() === 'debian' || (this.os.id_like ?? '').split(/\s+/).includes('debian'))) {
      versions.push((this.src.files['/etc/debian_version'] ?? '').split('\n')[0].trimEnd());
    }
    const dots = (v: string): number => v.split('.').length - 1;
    let version = '';
    for (const v of versions) {
      if (best ? dots(v) > dots(version) || version === '' : v !== '' && version === '') version = v;
    }
    return version;
  }
  codename(): string {
    if ('codename' in this.os) return this.os.codename;
    return this.lsb.codename || this.release.codename || '';
  }
}

const distroOf = (src: DistributionSources): Distro => new Distro(src, src.systemDistro ? Number(/^(\d+\.\d+)/.exec(src.systemDistro)?.[1] ?? '0') : 1.6);

// ---- sys_info.py ----

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

/** get_distribution: distro.id() capitalized, Amzn and Rhel renamed. */
function distroName(src: DistributionSources): string {
  const name = capitalize(distroOf(src).id());
  return name === 'Amzn' ? 'Amazon' : name === 'Rhel' ? 'Redhat' : name || 'OtherLinux';
}

function guess(src: DistributionSources, d: Distro): Pick<DistributionFacts, 'distribution' | 'distribution_version' | 'distribution_release' | 'distribution_major_version'> {
  const name = distroName(src);
  let version = d.version(false);
  const id = d.id();
  if (id === 'centos') version = d.version(true).split('.').slice(0, 2).join('.');
  if (id === 'debian') version = d.version(true);
  let codename: string | undefined = d.os.version_codename ?? d.os.ubuntu_codename;
  if (codename === undefined && id === 'ubuntu') codename = d.lsb.codename;
  if (codename === undefined) codename = d.codename() || undefined;
  const distribution_version = version || 'NA';
  return { distribution: name, distribution_version, distribution_release: codename ?? 'NA', distribution_major_version: distribution_version.split('.')[0] || 'NA' };
}

// ---- distribution.py's file parsers ----

type Parsed = [boolean, Partial<DistributionFacts>];
type Parser = (data: string, path: string, facts: DistributionFacts, src: DistributionSources) => Parsed;

const group = (re: RegExp, data: string): string | undefined => re.exec(data)?.[1];

/**
 * parse_distribution_file_OpenWrt and _Mandriva: the file counts when it names the distribution;
 * version and codename only from double-quoted DISTRIB_RELEASE / DISTRIB_CODENAME.
 */
const distribRelease =
  (name: string): Parser =>
  (data) => {
    if (!data.includes(name)) return [false, {}];
    const v = group(/DISTRIB_RELEASE="(.*)"/, data);
    const r = group(/DISTRIB_CODENAME="(.*)"/, data);
    return [true, { distribution: name, ...(v !== undefined ? { distribution_version: v } : {}), ...(r !== undefined ? { distribution_release: r } : {}) }];
  };

const PARSERS: Record<string, Parser> = {
  Slackware: (data) => {
    if (!data.includes('Slackware')) return [false, {}];
    const v = /\w+[.]\w+\+?/.exec(data)?.[0];
    return [true, { distribution: 'Slackware', ...(v ? { distribution_version: v } : {}) }];
  },
  Amazon: (data, path) => {
    if (!data.includes('Amazon')) return [false, {}];
    const facts: Partial<DistributionFacts> = { distribution: 'Amazon' };
    if (path === '/etc/os-release') {
      const v = group(/VERSION_ID="(.*)"/, data);
      if (v !== undefined) {
        const parts = v.split('.');
        // Python unpacks exactly two parts; more raise, as they would there
        if (parts.length > 2) throw new Error(`distribution.py cannot unpack Amazon VERSION_ID ${v}`);
        Object.assign(facts, { distribution_version: v, distribution_major_version: parts[0], distribution_minor_version: parts[1] ?? 'NA' });
      }
    } else facts.distribution_version = data.split(/\s+/).find((n) => /^\d+$/.test(n)) ?? 'NA';
    return [true, facts];
  },
  OpenWrt: distribRelease('OpenWrt'),
  Alpine: (data) => [true, { distribution: 'Alpine', distribution_version: data }],
  Debian: (data, path, facts, src) => {
    const f: Partial<DistributionFacts> = {};
    const codenameAndVersion = (): void => {
      const r = group(/VERSION_CODENAME="?([^"]+)"?/, data);
      if (r !== undefined) f.distribution_release = r;
      const v = group(/VERSION_ID="(.*)"/, data);
      if (v !== undefined) Object.assign(f, { distribution_version: v, distribution_major_version: v.split('.')[0] });
    };
    if (data.includes('Debian') || data.includes('Raspbian')) {
      f.distribution = 'Debian';
      const r = group(/PRETTY_NAME=[^(]+ \(?([^)]+?)\)/, data);
      if (r !== undefined) f.distribution_release = r;
      // Its last resort (dpkg's tzdata Provides when the release is NA) never answers: run_command
      // splits "dpkg --status tzdata|grep Provides|cut -f2 -d'-'" into dpkg's arguments, dpkg exits 2.
      for (const line of (src.files['/etc/debian_version'] ?? '').split('\n')) {
        const m = /(\d+)\.(\d+)/.exec(line.trim());
        if (m) f.distribution_minor_version = m[2];
      }
    } else if (data.includes('Ubuntu')) f.distribution = 'Ubuntu';
    else if (data.includes('SteamOS')) f.distribution = 'SteamOS';
    else if ((path === '/etc/lsb-release' || path === '/etc/os-release') && (data.includes('Kali') || data.includes('Parrot'))) {
      f.distribution = data.includes('Kali') ? 'Kali' : 'Parrot';
      const r = group(/DISTRIB_RELEASE=(.*)/, data);
      if (r !== undefined) f.distribution_release = r;
    } else if (data.includes('Devuan')) {
      f.distribution = 'Devuan';
      const r = group(/PRETTY_NAME="?[^("]+ \(?([^) "]+)\)?/, data);
      if (r !== undefined) f.distribution_release = r;
      const v = group(/VERSION_ID="(.*)"/, data);
      if (v !== undefined) Object.assign(f, { distribution_version: v, distribution_major_version: v });
    } else if (data.includes('Mint')) {
      f.distribution = 'Linux Mint';
      const v = group(/VERSION_ID="(.*)"/, data);
      if (v !== undefined) Object.assign(f, { distribution_version: v, distribution_major_version: v.split('.')[0] });
    } else if (data.includes('UOS') || data.includes('Uos') || data.includes('uos')) {
      f.distribution = 'Uos';
      codenameAndVersion();
    } else if (data.includes('Deepin') || data.includes('deepin')) {
      f.distribution = 'Deepin';
      codenameAndVersion();
    } else return [false, f];
    return [true, f];
  },
  Mandriva: distribRelease('Mandriva'),
  NA: (data, _path, facts) => {
    const f: Partial<DistributionFacts> = {};
    for (const line of data.split('\n')) {
      const name = /^NAME=(.*)/.exec(line);
      if (name) f.distribution = name[1].replace(/^"+|"+$/g, '');
      const version = /^VERSION=(.*)/.exec(line);
      if (version && facts.distribution_version === 'NA') f.distribution_version = version[1].replace(/^"+|"+$/g, '');
    }
    return [true, f];
  },
  SUSE: (data, path) => (data.toLowerCase().includes('suse') ? unported('SUSE', path) : [false, {}]),
  // distribution.py has no parse_distribution_file_Gentoo: getattr fails, the file does not parse
  Gentoo: () => [false, {}],
  Coreos: (data, _path, _facts, src) => {
    if (distroName(src).toLowerCase() !== 'coreos' || !data) return [false, {}];
    const r = group(/^GROUP=(.*)/, data);
    return [true, r !== undefined ? { distribution_release: r.replace(/^"+|"+$/g, '') } : {}];
  },
  Flatcar: (data, _path, _facts, src) => {
    if (distroName(src).toLowerCase() !== 'flatcar' || !data) return [false, {}];
    const v = group(/VERSION=(.*)/, data)?.replace(/^"+|"+$/g, '');
    return [true, v !== undefined ? { distribution_major_version: v.split('.')[0], distribution_version: v } : {}];
  },
  ClearLinux: (data) => {
    const f: Partial<DistributionFacts> = {};
    const name = group(/NAME="(.*)"/, data);
    if (name !== undefined) {
      if (!name.includes('Clear Linux')) return [false, f];
      f.distribution = name;
    }
    const v = group(/VERSION_ID=(.*)/, data);
    if (v !== undefined) Object.assign(f, { distribution_major_version: v, distribution_version: v });
    const r = group(/ID=(.*)/, data);
    if (r !== undefined) f.distribution_release = r;
    return [true, f];
  },
  CentOS: (data) => {
    if (data.includes('CentOS Stream')) return [true, { distribution_release: 'Stream' }];
    if (data.includes('TencentOS Server')) return [true, { distribution: 'TencentOS' }];
    return [false, {}];
  },
};

/** SUSE's parser (os-release and SuSE-release branches, SLES_SAP) is not ported: a SUSE host fails instead of differing. */
function unported(name: string, path: string): never {
  throw new Error(`distribution facts: ${path} names a ${name} host, whose parser (distribution.py parse_distribution_file_${name}) nodemend does not port`);
}

const STRIP_QUOTES = /^['"\\]+|['"\\]+$/g;

/** DistributionFiles.process_dist_files + Distribution.get_distribution_facts, for Linux. */
export function distributionFacts(src: DistributionSources): DistributionFacts {
  const facts: DistributionFacts = { ...guess(src, distroOf(src)), os_family: '' };
  for (const { path, name, allowEmpty } of OSDIST_LIST) {
    const raw = src.files[path];
    // _file_exists: present, and not empty unless allowed
    if (raw === undefined || (!allowEmpty && Buffer.byteLength(raw) === 0)) continue;
    if (allowEmpty) {
      Object.assign(facts, { distribution: name, distribution_file_path: path, distribution_file_variety: name });
      break;
    }
    const data = raw.trim().replace(STRIP_QUOTES, '');
    let parsed: Parsed;
    if (name in SEARCH_STRING) {
      parsed = data.includes(SEARCH_STRING[name]) ? [true, { distribution: name, distribution_file_search_string: SEARCH_STRING[name] }] : [true, { distribution: data.split(/\s+/)[0] }];
    } else if (name in OS_RELEASE_ALIAS) parsed = data.includes(OS_RELEASE_ALIAS[name]) ? [true, { distribution: name }] : [false, {}];
    else if (PARSERS[name]) parsed = PARSERS[name](data, path, facts, src);
    else unported(name, path);
    if (parsed[0]) {
      Object.assign(facts, { distribution: name, distribution_file_path: path, distribution_file_variety: name, distribution_file_parsed: true }, parsed[1]);
      break;
    }
  }
  facts.os_family = OS_FAMILY[facts.distribution] ?? facts.distribution;
  return facts;
}

/** Every file distribution.py or distro may read, base64 (`@file PATH`), then lsb_release and the host Python's distro. */
const FILES = [...new Set([...OSDIST_LIST.map((d) => d.path), '/etc/debian_version'])];
const DISTRO_PROBE = [
  'import types',
  'try:\n import distro\n ok = isinstance(getattr(distro, "id", None), types.FunctionType)\n print("@distro " + (getattr(distro, "__version__", "0") if ok else ""))',
  'except ImportError:\n print("@distro ")',
].join('\n');

export const DISTRIBUTION_COMMAND = `f64() { [ -f "$1" ] && [ -r "$1" ] && { echo "@file $1"; head -c 65536 "$1" | base64 | tr -d '\\n'; echo; }; :; }
for f in ${FILES.join(' ')} /etc/*[-_]release /etc/*[-_]version; do f64 "$f"; done
if command -v lsb_release >/dev/null 2>&1 && out=$(lsb_release -a 2>/dev/null); then echo @lsb; printf '%s\\n' "$out" | base64 | tr -d '\\n'; echo; fi
(
${PYTHON_DISCOVERY}
"$p" -c '${DISTRO_PROBE}' 2>/dev/null
)
:`;

export function parseDistributionSources(out: string): DistributionSources {
  const src: DistributionSources = { files: {}, systemDistro: '' };
  const lines = out.split('\n');
  const next = (i: number): string => Buffer.from(lines[i + 1] ?? '', 'base64').toString('utf8');
  lines.forEach((line, i) => {
    if (line.startsWith('@file ')) src.files[line.slice('@file '.length)] = next(i);
    else if (line === '@lsb') src.lsb = next(i);
    else if (line.startsWith('@distro ')) src.systemDistro = line.slice('@distro '.length).trim();
  });
  return src;
}

export const distributionSources: FactDef<DistributionSources> = {
  name: 'distribution_sources',
  description: "The files, lsb_release and distro library Ansible's distribution facts read",
  command: DISTRIBUTION_COMMAND,
  parse: parseDistributionSources,
};

export default [distributionSources];
