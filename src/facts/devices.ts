/**
 * `ansible_devices` and `ansible_device_links` as ansible-core 2.14.18's LinuxHardware collects
 * them (module_utils/facts/hardware/linux.py: get_device_facts, get_all_device_links,
 * get_holders, get_partition_uuid; common/text/formatters.py: bytes_to_human), from /sys/block,
 * /dev/disk/by-{id,uuid,label}, `lspci -D` and `sg_inq`, read in one remote command.
 */
import type { FactDef } from './types.js';

/** The files of a block device (or partition) directory that linux.py reads. */
const DEVICE_FILES = [
  'device/vendor',
  'device/model',
  'device/sas_address',
  'device/sas_device_handle',
  'device/serial',
  'removable',
  'queue/discard_granularity',
  'queue/rotational',
  'queue/scheduler',
  'size',
  'queue/logical_block_size',
  'queue/hw_sector_size',
  'start',
];

export interface DeviceSources {
  lspci?: string;
  sgInq: boolean;
  /** /dev/disk/by-* entry -> [its link's target, the target's realpath]. */
  links: Record<'ids' | 'uuids' | 'labels', Record<string, [string, string]>>;
  /** /sys/block/X/slaves/Y pairs. */
  slaves: [string, string][];
  blocks: Record<string, { link: string | null; entries: string[]; files: Record<string, string>; holders: Record<string, string[]>; dmNames: Record<string, string>; sgInq?: string }>;
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** `get_file_content`: the stripped text, or the default when missing, unreadable or empty. */
function content<T>(files: Record<string, string>, key: string, dflt: T): string | T {
  const v = files[key]?.trim();
  return v ? v : dflt;
}

/** bytes_to_human: the largest binary unit the size reaches, '%.2f' (round half to even, exact). */
export function bytesToHuman(bytes: bigint): string {
  const units: [string, bigint][] = ['Y', 'Z', 'E', 'P', 'T', 'G', 'M', 'K'].map((u, i) => [u + 'B', 1n << BigInt(80 - i * 10)]);
  const [suffix, limit] = units.find(([, l]) => bytes >= l) ?? ['Bytes', 1n];
  let q = (bytes * 100n) / limit;
  const r = (bytes * 100n) % limit;
  if (2n * r > limit || (2n * r === limit && q % 2n === 1n)) q += 1n;
  return `${q / 100n}.${(q % 100n).toString().padStart(2, '0')} ${suffix}`;
}

export function parseDeviceSources(out: string): DeviceSources {
  const src: DeviceSources = { sgInq: false, links: { ids: {}, uuids: {}, labels: {} }, slaves: [], blocks: {} };
  const block = (name: string): DeviceSources['blocks'][string] => (src.blocks[name] ??= { link: null, entries: [], files: {}, holders: {}, dmNames: {} });
  for (const line of out.split('\n')) {
    const [tag, ...f] = line.split('\t');
    if (tag === '@lspci') src.lspci = b64(f[0] ?? '');
    else if (tag === '@sg_inq') src.sgInq = true;
    else if (tag === '@link') src.links[f[0] as 'ids' | 'uuids' | 'labels'][f[1]] = [f[2], f[3]];
    else if (tag === '@slave') src.slaves.push([f[0], f[1]]);
    else if (tag === '@block') block(f[0]).link = f[1] === '' ? null : f[1];
    else if (tag === '@entry') block(f[0]).entries.push(f[1]);
    else if (tag === '@file') block(f[0]).files[f[1]] = b64(f[2] ?? '');
    else if (tag === '@holder') (block(f[0]).holders[f[1]] ??= []).push(f[2]);
    else if (tag === '@dmname') block(f[0]).dmNames[f[1]] = b64(f[2] ?? '');
    else if (tag === '@sginq') block(f[0]).sgInq = b64(f[1] ?? '');
  }
  return src;
}

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function byTarget(entries: Record<string, [string, string]>): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const [entry, [target]] of Object.entries(entries)) (out[basename(target)] ??= new Set()).add(entry);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** get_holders: the dm- holders by their dm name (else the folder), in directory order. */
const holders = (b: DeviceSources['blocks'][string], dir: string): string[] => (b.holders[dir] ?? []).filter((h) => h.startsWith('dm-')).map((h) => content(b.dmNames, dir ? `${dir}/${h}` : h, h));

export function deviceFacts(src: DeviceSources): { devices: Record<string, unknown>; device_links: Record<string, Record<string, string[]>> } {
  const masters: Record<string, Set<string>> = {};
  for (const [device, target] of src.slaves) (masters[target] ??= new Set()).add(device);
  const links = {
    ids: byTarget(src.links.ids),
    uuids: byTarget(src.links.uuids),
    labels: byTarget(src.links.labels),
    masters: Object.fromEntries(Object.entries(masters).map(([k, v]) => [k, [...v].sort()])),
  };
  const wwn: Record<string, string> = {};
  for (const [entry, [target]] of Object.entries(src.links.ids)) if (entry.startsWith('wwn-')) wwn[basename(target)] = entry.slice(4);
  const linksOf = (name: string): Record<string, string[]> => Object.fromEntries(Object.entries(links).map(([k, v]) => [k, v[name] ?? []]));
  const devices: Record<string, unknown> = {};
  for (const [block, b] of Object.entries(src.blocks)) {
    const sysdir = `/sys/block/${b.link ?? block}`;
    const virtual = b.link === null && b.entries.some((e) => e.includes('device')) ? 0 : 1;
    const diskname = basename(sysdir);
    const file = <T>(key: string, dflt: T, dir = ''): string | T => content(b.files, dir ? `${dir}/${key}` : key, dflt);
    const d: Record<string, unknown> = { virtual, links: linksOf(block) };
    for (const key of ['vendor', 'model', 'sas_address', 'sas_device_handle']) d[key] = file(`device/${key}`, null);
    const serial = src.sgInq ? /(?:Unit serial|Serial) number:\s+(\w+)/.exec(b.sgInq ?? '')?.[1] : file('device/serial', null);
    if (serial) d.serial = serial;
    d.removable = file('removable', null);
    d.support_discard = file('queue/discard_granularity', null);
    if (diskname in wwn) d.wwn = wwn[diskname];
    const partitions: Record<string, unknown> = {};
    for (const folder of b.entries) {
      const m = new RegExp(`(${diskname}[p]?\\d+)`).exec(folder);
      if (!m) continue;
      const part = m[1];
      const sectors = file('size', 0, part);
      const uuid = Object.entries(src.links.uuids).find(([, [, real]]) => real === `/dev/${part}`)?.[0];
      partitions[part] = {
        links: linksOf(part),
        start: file('start', 0, part),
        sectors,
        sectorsize: file('queue/logical_block_size', null, part) || file('queue/hw_sector_size', 512, part),
        size: bytesToHuman(BigInt(sectors) * 512n),
        uuid: uuid ?? null,
        holders: holders(b, part),
      };
    }
    d.partitions = partitions;
    d.rotational = file('queue/rotational', null);
    const scheduler = file('queue/scheduler', null);
    d.scheduler_mode = (scheduler !== null && /^.*?(\[(.*)\])/.exec(scheduler)?.[2]) || '';
    const sectors = file('size', null) || 0;
    d.sectors = sectors;
    d.sectorsize = file('queue/logical_block_size', null) || file('queue/hw_sector_size', 512);
    d.size = bytesToHuman(BigInt(sectors) * 512n);
    let host = '';
    const pci = /^.+\/([a-f0-9]{4}:[a-f0-9]{2}:[0|1][a-f0-9]\.[0-7])\//.exec(sysdir);
    if (pci && src.lspci) host = new RegExp(`^${pci[1].replace(/[.]/g, '\\.')}\\s(.*)$`, 'm').exec(src.lspci)?.[1] ?? '';
    d.host = host;
    d.holders = holders(b, '');
    devices[diskname] = d;
  }
  return { devices, device_links: links };
}

const FILES_ARG = DEVICE_FILES.join(' ');

/** One line per datum, tab-separated; file contents base64 (sysfs text, vendor strings). */
export const DEVICES_COMMAND = `command -v lspci >/dev/null 2>&1 && printf '@lspci\\t%s\\n' "$(lspci -D 2>/dev/null | base64 | tr -d '\\n')"
command -v sg_inq >/dev/null 2>&1 && sg=1 && echo @sg_inq
for kind in id uuid label; do
  for e in /dev/disk/by-$kind/*; do [ -L "$e" ] && printf '@link\\t%ss\\t%s\\t%s\\t%s\\n' "$kind" "\${e##*/}" "$(readlink "$e")" "$(readlink -f "$e")"; done
done
for s in /sys/block/*/slaves/*; do [ -e "$s" ] || [ -L "$s" ] || continue; t=\${s#/sys/block/}; printf '@slave\\t%s\\t%s\\n' "\${t%%/*}" "\${s##*/}"; done
files() { for f in ${FILES_ARG}; do [ -r "$1/$f" ] && printf '@file\\t%s\\t%s\\t%s\\n' "$2" "$3$f" "$(base64 "$1/$f" 2>/dev/null | tr -d '\\n')"; done
  [ -d "$1/holders" ] && for h in $(ls -f "$1/holders"); do case $h in .|..) ;; *) printf '@holder\\t%s\\t%s\\t%s\\n' "$2" "\${3%/}" "$h"
    [ -r "$1/holders/$h/dm/name" ] && printf '@dmname\\t%s\\t%s\\t%s\\n' "$2" "$3$h" "$(base64 "$1/holders/$h/dm/name" 2>/dev/null | tr -d '\\n')" ;; esac; done; :; }
for p in /sys/block/*; do
  [ -e "$p" ] || continue; b=\${p##*/}
  printf '@block\\t%s\\t%s\\n' "$b" "$(readlink "$p")"
  dir=/sys/block/$(readlink "$p" || echo "$b")
  for e in $(ls -f "$dir"); do case $e in .|..) ;; *) printf '@entry\\t%s\\t%s\\n' "$b" "$e"; case $e in *"$b"*) [ -d "$dir/$e" ] && files "$dir/$e" "$b" "$e/" ;; esac ;; esac; done
  files "$dir" "$b" ""
  [ -n "\${sg:-}" ] && printf '@sginq\\t%s\\t%s\\n' "$b" "$(sg_inq "/dev/$b" 2>/dev/null | base64 | tr -d '\\n')"
done
:`;

export const blockDevices: FactDef<DeviceSources> = {
  name: 'block_devices',
  description: '/sys/block, /dev/disk/by-* and lspci as linux.py reads them for ansible_devices',
  command: DEVICES_COMMAND,
  parse: parseDeviceSources,
};

export default [blockDevices];
