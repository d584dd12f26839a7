/**
 * The small collectors of ansible-core 2.14.18's `min` subset that read a file or run one tool,
 * each ported from its module_utils/facts/system/*.py: dns.py (/etc/resolv.conf), lsb.py
 * (`lsb_release -a`, else /etc/lsb-release), fips.py, apparmor.py, chroot.py, caps.py
 * (`capsh --print`), ssh_pub_keys.py, and python.py. nodemend runs no Python on a host, so
 * `python` describes the interpreter Ansible would find there (its INTERPRETER_PYTHON_FALLBACK
 * order), as that interpreter reports itself; a host without Python has no `python` fact.
 */
import type { FactDef } from './types.js';

export interface DnsFacts {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  sortlist?: string[];
  options?: Record<string, string | true>;
}

/** dns.py: resolv.conf's nameserver lines accumulate; domain, search, sortlist and options: the last one wins. */
export function parseResolvConf(text: string): DnsFacts {
  const dns: DnsFacts = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith(';') || line.trim() === '') continue;
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver') (dns.nameservers ??= []).push(...rest);
    else if (key === 'domain' && rest.length) dns.domain = rest[0];
    else if (key === 'search') dns.search = rest;
    else if (key === 'sortlist') dns.sortlist = rest;
    else if (key === 'options') {
      dns.options = {};
      for (const option of rest) {
        const colon = option.indexOf(':');
        // "ndots:" gives '' there, which Python's `and ... or True` turns into True
        if (colon < 0 || option.slice(colon + 1) === '') dns.options[colon < 0 ? option : option.slice(0, colon)] = true;
        else dns.options[option.slice(0, colon)] = option.slice(colon + 1);
      }
    }
  }
  return dns;
}

export const dns: FactDef<DnsFacts> = {
  name: 'dns',
  description: "/etc/resolv.conf as Ansible's dns fact (nameservers, domain, search, sortlist, options)",
  command: 'cat /etc/resolv.conf',
  parse: (out) => parseResolvConf(out),
};

/** lsb.py: `lsb_release -a` when it is on PATH and exits 0, else /etc/lsb-release; quotes and backslashes stripped. */
export function parseLsb(out: string): Record<string, string> {
  const [bin = '', file = ''] = out.split('@file\n');
  const facts: Record<string, string> = {};
  const binRc = /^@rc (\d+)$/m.exec(bin)?.[1];
  if (bin.startsWith('@bin\n') && binRc === '0') {
    for (const line of bin.split('\n')) {
      if (!line.includes(':')) continue;
      const value = line.slice(line.indexOf(':') + 1).trim();
      if (line.includes('LSB Version:') || line.includes('Release:')) facts.release = value;
      else if (line.includes('Distributor ID:')) facts.id = value;
      else if (line.includes('Description:')) facts.description = value;
      else if (line.includes('Codename:')) facts.codename = value;
    }
  }
  if (!Object.keys(facts).length && file.startsWith('@exists\n')) {
    for (const line of file.slice('@exists\n'.length).split('\n')) {
      if (!line.includes('=')) continue;
      const value = line.slice(line.indexOf('=') + 1).trim();
      if (line.includes('DISTRIB_ID')) facts.id = value;
      else if (line.includes('DISTRIB_RELEASE')) facts.release = value;
      else if (line.includes('DISTRIB_DESCRIPTION')) facts.description = value;
      else if (line.includes('DISTRIB_CODENAME')) facts.codename = value;
    }
  }
  if (facts.release !== undefined) facts.major_release = facts.release.split('.')[0];
  for (const [k, v] of Object.entries(facts)) if (v) facts[k] = v.replace(/^['"\\]+|['"\\]+$/g, '');
  return facts;
}

export const lsb: FactDef<Record<string, string>> = {
  name: 'lsb',
  description: "lsb_release -a (else /etc/lsb-release) as Ansible's lsb fact",
  command: `if command -v lsb_release >/dev/null 2>&1; then echo @bin; lsb_release -a 2>/dev/null; echo "@rc $?"; fi
echo @file; [ -e /etc/lsb-release ] && { echo @exists; cat /etc/lsb-release; }; :`,
  parse: (out) => parseLsb(out),
};

export const fips: FactDef<boolean> = {
  name: 'fips',
  description: 'FIPS mode (/proc/sys/crypto/fips_enabled is 1)',
  command: 'cat /proc/sys/crypto/fips_enabled',
  parse: (out) => out.trim() === '1',
};

export const apparmor: FactDef<{ status: string }> = {
  name: 'apparmor',
  description: 'AppArmor enabled when /sys/kernel/security/apparmor exists',
  command: '[ -e /sys/kernel/security/apparmor ] && echo enabled || echo disabled',
  parse: (out) => ({ status: out.trim() === 'enabled' ? 'enabled' : 'disabled' }),
};

/**
 * chroot.py: `debian_chroot` set, else / is another inode or device than PID 1's root; a user who
 * cannot stat /proc/1/root falls back to "/ is not the root inode of its filesystem type".
 */
export const isChroot: FactDef<boolean> = {
  name: 'is_chroot',
  description: "Whether / is not PID 1's root (chroot.py)",
  command: `[ -n "\${debian_chroot:-}" ] && { echo true; exit 0; }
me=$(stat -c '%d %i' /) || exit 1
if one=$(stat -c '%d %i' /proc/1/root/. 2>/dev/null); then [ "$me" != "$one" ] && echo true || echo false; exit 0; fi
case $(stat -f --format=%T / 2>/dev/null) in *btrfs*) ino=256 ;; *xfs*) ino=128 ;; *) ino=2 ;; esac
[ "\${me#* }" != "$ino" ] && echo true || echo false`,
  parse: (out) => out.trim() === 'true',
  asPlayUser: true,
};

/** caps.py: `capsh --print`'s Current line ("=ep" alone: not enforced); N/A without capsh or when it fails. */
export function parseCaps(out: string): { enforced: string; caps: string[] | 'N/A' } {
  if (!/^@rc 0$/m.test(out)) return { enforced: 'N/A', caps: 'N/A' };
  let enforced = 'NA';
  let caps: string[] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('Current:')) continue;
    if (line.split(':')[1].trim() === '=ep') enforced = 'False';
    else {
      enforced = 'True';
      caps = (line.split('=')[1] ?? '').split(',').map((c) => c.trim());
    }
  }
  return { enforced, caps };
}

export const capabilities: FactDef<{ enforced: string; caps: string[] | 'N/A' }> = {
  name: 'capabilities',
  description: 'The capabilities of who asks (capsh --print)',
  command: 'command -v capsh >/dev/null 2>&1 || exit 0; capsh --print; echo "@rc $?"',
  parse: (out) => parseCaps(out),
  asPlayUser: true,
};

const SSH_ALGOS = ['dsa', 'rsa', 'ecdsa', 'ed25519'] as const;

/** ssh_pub_keys.py: the first of /etc/ssh, /etc/openssh, /etc holding any host key; per algorithm its key and type. */
export const sshHostKeys: FactDef<Record<string, string>> = {
  name: 'ssh_host_keys',
  description: "The host's SSH public host keys by algorithm (ssh_host_key_<algo>_public)",
  command: `for d in /etc/ssh /etc/openssh /etc; do found=
  for a in ${SSH_ALGOS.join(' ')}; do [ -r "$d/ssh_host_\${a}_key.pub" ] && { found=1; printf '@%s ' "$a"; head -n 1 "$d/ssh_host_\${a}_key.pub"; }; done
  [ -n "$found" ] && break; done; :`,
  parse: (out) => {
    const keys: Record<string, string> = {};
    for (const m of out.matchAll(/^@(\w+) (\S+)\s+(\S+)/gm)) {
      keys[`ssh_host_key_${m[1]}_public`] = m[3];
      keys[`ssh_host_key_${m[1]}_public_keytype`] = m[2];
    }
    return keys;
  },
};
export const SSH_HOST_KEY_FACTS = SSH_ALGOS.flatMap((a) => [`ssh_host_key_${a}_public`, `ssh_host_key_${a}_public_keytype`]);

export interface PythonFacts {
  executable: string;
  has_sslcontext: boolean;
  type: string | null;
  version: { major: number; minor: number; micro: number; releaselevel: string; serial: number };
  version_info: [number, number, number, string, number];
}

/** python.py's fact, printed by the interpreter itself (Python 2.6+ and 3). */
const PYTHON_PROBE = [
  'import sys, json',
  'try:\n from ssl import create_default_context, SSLContext\n ssl = True\nexcept ImportError:\n ssl = False',
  'try:\n t = sys.subversion[0]\nexcept AttributeError:\n t = getattr(getattr(sys, "implementation", None), "name", None)',
  'v = list(sys.version_info)',
  'print(json.dumps({"executable": sys.executable, "has_sslcontext": ssl, "type": t, "version_info": v}))',
].join('\n');

/** Ansible 2.14's INTERPRETER_PYTHON_FALLBACK order (config/base.yml), the first one present. */
const PYTHON_FALLBACK = [
  'python3.11',
  'python3.10',
  'python3.9',
  'python3.8',
  'python3.7',
  'python3.6',
  'python3.5',
  '/usr/bin/python3',
  '/usr/libexec/platform-python',
  'python2.7',
  '/usr/bin/python',
  'python',
];

/**
 * _INTERPRETER_PYTHON_DISTRO_MAP (config/base.yml) by os-release ID, or the ID's family (centos, rocky...
 * are redhat's), as executor/interpreter_discovery.py reads it: the entry of the newest version not
 * newer than VERSION_ID, else the oldest. Its interpreter is used when present, else the fallback list's first.
 */
const PYTHON_MAP =
  'redhat 6 /usr/bin/python|redhat 8 /usr/libexec/platform-python|redhat 9 /usr/bin/python3|debian 8 /usr/bin/python|debian 10 /usr/bin/python3|fedora 23 /usr/bin/python3|ubuntu 14 /usr/bin/python|ubuntu 16 /usr/bin/python3';
const REDHAT_FAMILY = 'centos|rhel|rocky|almalinux|ol|amzn|scientific|cloudlinux|virtuozzo|eurolinux';
export const PYTHON_DISCOVERY = `p=$(awk -F= -v map=${JSON.stringify(PYTHON_MAP)} '
  $1 == "ID" { id = $2 } $1 == "VERSION_ID" { v = $2 }
  END { gsub(/"/, "", id); gsub(/"/, "", v); if (id ~ /^(${REDHAT_FAMILY})$/) id = "redhat"
    n = split(map, rows, "|"); best = ""; bv = -1; old = ""; ov = 1e9
    for (i = 1; i <= n; i++) { split(rows[i], r, " "); if (r[1] != id) continue
      if (r[2] + 0 <= v + 0 && r[2] + 0 > bv) { bv = r[2] + 0; best = r[3] }
      if (r[2] + 0 < ov) { ov = r[2] + 0; old = r[3] } }
    print (best != "" ? best : old) }' /etc/os-release 2>/dev/null)
[ -n "$p" ] && [ -x "$p" ] || p=
[ -n "$p" ] || for c in ${PYTHON_FALLBACK.join(' ')}; do p=$(command -v "$c" 2>/dev/null) && break; done
[ -n "$p" ] || exit 0`;

export function parsePython(out: string): PythonFacts | undefined {
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) return undefined;
  const p = JSON.parse(line) as Omit<PythonFacts, 'version'>;
  const [major, minor, micro, releaselevel, serial] = p.version_info;
  return { executable: p.executable, has_sslcontext: p.has_sslcontext, type: p.type, version: { major, micro, minor, releaselevel, serial }, version_info: p.version_info };
}

export const python: FactDef<PythonFacts | undefined> = {
  name: 'python',
  description: 'The Python interpreter Ansible would use on the host, as it describes itself (none: undefined)',
  command: `${PYTHON_DISCOVERY}\nexec "$p" -c '${PYTHON_PROBE}'`,
  parse: (out) => parsePython(out),
};

/** platform.py: platform.architecture()'s bits of the interpreter; here the userspace's word size (getconf LONG_BIT). */
export const userspaceBits: FactDef<string | undefined> = {
  name: 'userspace_bits',
  description: "The userspace's word size, 32 or 64 (getconf LONG_BIT)",
  command: 'getconf LONG_BIT',
  parse: (out) => out.trim() || undefined,
};

/** platform.py: /var/lib/dbus/machine-id, else /etc/machine-id (none when both are missing or empty). */
export const machineId: FactDef<string | undefined> = {
  name: 'machine_id',
  description: 'The machine id (/var/lib/dbus/machine-id, else /etc/machine-id)',
  command: 'v=$(cat /var/lib/dbus/machine-id 2>/dev/null) && [ -n "$(printf %s "$v" | tr -d "[:space:]")" ] && { printf "%s\\n" "$v"; exit 0; }; cat /etc/machine-id',
  parse: (out) => out.trim() || undefined,
};

export default [dns, lsb, fips, apparmor, isChroot, capabilities, sshHostKeys, python, userspaceBits, machineId];
