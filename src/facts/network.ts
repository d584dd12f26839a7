/**
 * The `network` gather_subset as Ansible 2.14's LinuxNetwork collects it
 * (module_utils/facts/network/linux.py): every directory of /sys/class/net in readdir order (its
 * address, mtu, operstate, type, bridge, device, speed, flags), `ip addr show primary|secondary
 * dev D` parsed as parse_ip_output does, and the default route of each family from
 * `ip -4 route get 8.8.8.8` / `ip -6 route get 2404:6800:400a:800::1012`. One remote command;
 * the interface names come from the host and are only ever quoted there ("$d"). Not collected:
 * bonding details and ethtool's features/timestamping.
 */
import type { FactDef } from './types.js';

export interface NetworkFacts {
  interfaces: string[];
  /** By name (":" turned into "_", as Ansible does). */
  byName: Record<string, Record<string, unknown>>;
  default_ipv4: Record<string, unknown>;
  default_ipv6: Record<string, unknown>;
  all_ipv4_addresses: string[];
  all_ipv6_addresses: string[];
}

const FILES = ['address', 'mtu', 'operstate', 'type', 'speed', 'flags'];
const COMMAND = [
  'for d in $(ls -U /sys/class/net); do p=/sys/class/net/$d; [ -d "$p" ] || continue; printf "@dev %s\\n" "$d"',
  `for f in ${FILES.join(' ')}; do [ -e "$p/$f" ] && v=$(cat "$p/$f" 2>/dev/null) && printf "@%s %s\\n" "$f" "$v"; done`,
  '[ -e "$p/device/driver/module" ] && printf "@module %s\\n" "$(basename "$(readlink -f "$p/device/driver/module")")"',
  '[ -e "$p/device" ] && printf "@pciid %s\\n" "$(basename "$(readlink "$p/device")")"',
  '[ -e "$p/bridge" ] && { printf "@bridge %s\\n" "$(ls -U "$p/brif" 2>/dev/null | tr "\\n" " ")"; [ -e "$p/bridge/bridge_id" ] && printf "@bridge_id %s\\n" "$(cat "$p/bridge/bridge_id")"; [ -e "$p/bridge/stp_state" ] && printf "@stp %s\\n" "$(cat "$p/bridge/stp_state")"; }',
  'ip addr show primary dev "$d" 2>/dev/null | sed "s/^/@p /"; ip addr show secondary dev "$d" 2>/dev/null | sed "s/^/@s /"',
  'done',
  'printf "@route4 %s\\n" "$(ip -4 route get 8.8.8.8 2>/dev/null | head -n 1)"',
  'printf "@route6 %s\\n" "$(ip -6 route get 2404:6800:400a:800::1012 2>/dev/null | head -n 1)"',
].join('\n');

const TYPES: Record<string, string> = { '1': 'ether', '32': 'infiniband', '512': 'ppp', '772': 'loopback', '65534': 'tunnel' };

/** get_default_interfaces: the first line of `ip route get` when it starts with the queried address. */
function defaultRoute(line: string, queried: string): Record<string, unknown> {
  const w = line.split(/\s+/).filter(Boolean);
  const out: Record<string, unknown> = {};
  if (w[0] !== queried) return out;
  for (let i = 0; i < w.length - 1; i++) {
    if (w[i] === 'dev') out.interface = w[i + 1];
    else if (w[i] === 'src') out.address = w[i + 1];
    else if (w[i] === 'via' && w[i + 1] !== queried) out.gateway = w[i + 1];
  }
  return out;
}

const ipv4 = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const dotted = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function parseNetwork(out: string): NetworkFacts {
  const lines = out.split('\n');
  const route = (tag: string): string => lines.find((l) => l.startsWith(`@${tag} `))?.slice(tag.length + 2) ?? '';
  const def4 = defaultRoute(route('route4'), '8.8.8.8');
  const def6 = defaultRoute(route('route6'), '2404:6800:400a:800::1012');
  const ifaces: Record<string, Record<string, unknown>> = {};
  const all4: string[] = [];
  const all6: string[] = [];
  let device = '';
  let macaddress: string | undefined;
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const [tag, value] = sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)];
    const dev = ifaces[device];
    switch (tag) {
      case '@dev':
        device = value;
        ifaces[device] = { device };
        break;
      case '@address':
        macaddress = value.trim();
        if (macaddress && macaddress !== '00:00:00:00:00:00') dev.macaddress = macaddress;
        break;
      case '@mtu':
        dev.mtu = Number(value.trim());
        break;
      case '@operstate':
        dev.active = value.trim() !== 'down';
        break;
      case '@type':
        dev.type = TYPES[value.trim()] ?? 'unknown';
        break;
      case '@module':
        dev.module = value.trim();
        break;
      case '@bridge':
        dev.type = 'bridge';
        dev.interfaces = value.split(' ').filter(Boolean);
        break;
      case '@bridge_id':
        dev.id = value.trim();
        break;
      case '@stp':
        dev.stp = value.trim() === '1';
        break;
      case '@pciid':
        dev.pciid = value.trim();
        break;
      case '@speed':
        if (/^-?\d+$/.test(value.trim())) dev.speed = Number(value.trim());
        break;
      case '@flags':
        dev.promisc = (parseInt(value.trim(), 16) & 0x0100) > 0;
        break;
      case '@p':
      case '@s':
        ipLine(value, tag === '@s');
        break;
    }
  }

  /** parse_ip_output for one line of `ip addr show` (primary, or secondary). */
  function ipLine(line: string, secondary: boolean): void {
    const w = line.split(/\s+/).filter(Boolean);
    if (!w.length) return;
    if (w[0] === 'inet') {
      let [address, len] = [w[1], '32'];
      let broadcast = '';
      if (w[1].includes('/')) {
        [address, len] = w[1].split('/');
        if (w.length > 3 && w[2] === 'brd') broadcast = w[3];
      }
      const maskBits = Number(len) === 0 ? 0 : (2 ** 32 - 2 ** (32 - Number(len))) >>> 0;
      const netmask = dotted(maskBits);
      const network = dotted((ipv4(address) & maskBits) >>> 0);
      const entry = { address, broadcast, netmask, network, prefix: len };
      const iface = w[w.length - 1];
      if (iface !== device) ifaces[iface] = {};
      if (!secondary && !('ipv4' in ifaces[iface])) ifaces[iface].ipv4 = entry;
      else ((ifaces[iface].ipv4_secondaries ??= []) as unknown[]).push({ ...entry });
      if (secondary) {
        const list = (ifaces[device].ipv4_secondaries ??= []) as unknown[];
        if (device !== iface) list.push({ ...entry });
      }
      if ('address' in def4 && def4.address === address) {
        Object.assign(def4, { broadcast, netmask, network, prefix: len, macaddress, mtu: ifaces[device].mtu, type: ifaces[device].type ?? 'unknown', alias: iface });
      }
      if (!address.startsWith('127.')) all4.push(address);
    } else if (w[0] === 'inet6') {
      const [address, prefix, scope] = w[2] === 'peer' ? [w[1], w[3].split('/')[1], w[5]] : [...w[1].split('/'), w[3]];
      ((ifaces[device].ipv6 ??= []) as unknown[]).push({ address, prefix, scope });
      if ('address' in def6 && def6.address === address) {
        Object.assign(def6, { prefix, scope, macaddress, mtu: ifaces[device].mtu, type: ifaces[device].type ?? 'unknown' });
      }
      if (address !== '::1') all6.push(address);
    }
  }

  const byName: Record<string, Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(ifaces)) byName[name.replace(/:/g, '_')] = v;
  return { interfaces: Object.keys(byName), byName, default_ipv4: def4, default_ipv6: def6, all_ipv4_addresses: all4, all_ipv6_addresses: all6 };
}

export const network: FactDef<NetworkFacts> = {
  name: 'network',
  description: 'Interfaces, addresses and default routes as Ansible’s network subset (ip, /sys/class/net)',
  command: COMMAND,
  parse: (out) => parseNetwork(out),
};

export default [network];
