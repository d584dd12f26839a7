/**
 * Hardware facts of ansible-core 2.14.18's module_utils/facts/hardware/linux.py that nodemend
 * reads without Python: get_memory_facts' `memory_mb` (from the meminfo fact) and get_dmi_facts
 * (/sys/devices/virtual/dmi/id, else `dmidecode -s`). Not gathered: get_device_facts'
 * `devices`/`device_links` and get_lvm_facts' `lvm` (see README "Choices").
 */
import type { FactDef } from './types.js';

/** get_dmi_facts' keys and the sysfs file (under /sys/devices/virtual/dmi/id) / dmidecode -s keyword of each. */
const DMI: Record<string, [string, string]> = {
  bios_date: ['bios_date', 'bios-release-date'],
  bios_vendor: ['bios_vendor', 'bios-vendor'],
  bios_version: ['bios_version', 'bios-version'],
  board_asset_tag: ['board_asset_tag', 'baseboard-asset-tag'],
  board_name: ['board_name', 'baseboard-product-name'],
  board_serial: ['board_serial', 'baseboard-serial-number'],
  board_vendor: ['board_vendor', 'baseboard-manufacturer'],
  board_version: ['board_version', 'baseboard-version'],
  chassis_asset_tag: ['chassis_asset_tag', 'chassis-asset-tag'],
  chassis_serial: ['chassis_serial', 'chassis-serial-number'],
  chassis_vendor: ['chassis_vendor', 'chassis-manufacturer'],
  chassis_version: ['chassis_version', 'chassis-version'],
  form_factor: ['chassis_type', 'chassis-type'],
  product_name: ['product_name', 'system-product-name'],
  product_serial: ['product_serial', 'system-serial-number'],
  product_uuid: ['product_uuid', 'system-uuid'],
  product_version: ['product_version', 'system-version'],
  system_vendor: ['sys_vendor', 'system-manufacturer'],
};
export const DMI_FACTS = Object.keys(DMI);

/** The SMBIOS chassis types (DSP0134 3.2.0), as linux.py's FORM_FACTOR list. */
const FORM_FACTOR = [
  'Unknown', 'Other', 'Unknown', 'Desktop', 'Low Profile Desktop', 'Pizza Box', 'Mini Tower', 'Tower', 'Portable', 'Laptop', 'Notebook', 'Hand Held',
  'Docking Station', 'All In One', 'Sub Notebook', 'Space-saving', 'Lunch Box', 'Main Server Chassis', 'Expansion Chassis', 'Sub Chassis',
  'Bus Expansion Chassis', 'Peripheral Chassis', 'RAID Chassis', 'Rack Mount Chassis', 'Sealed-case PC', 'Multi-system', 'CompactPCI', 'AdvancedTCA',
  'Blade', 'Blade Enclosure', 'Tablet', 'Convertible', 'Detachable', 'IoT Gateway', 'Embedded PC', 'Mini PC', 'Stick PC',
]; // prettier-ignore

/**
 * One line per key: `@key sys VALUE` (sysfs, read when product_name exists), `@key none` (an unreadable
 * sysfs file), or `@key dmi RC VALUE` (dmidecode -s, only without sysfs and with dmidecode).
 */
const DMI_COMMAND = `d=/sys/devices/virtual/dmi/id
if [ -e "$d/product_name" ]; then
${Object.entries(DMI)
  .map(([k, [file]]) => `  if v=$(cat "$d/${file}" 2>/dev/null); then printf '@${k} sys %s\\n' "$v"; else echo '@${k} none'; fi`)
  .join('\n')}
elif command -v dmidecode >/dev/null 2>&1; then
${Object.entries(DMI)
  .map(([k, [, kw]]) => `  v=$(dmidecode -s ${kw} 2>/dev/null); printf '@${k} dmi %s %s\\n' "$?" "$(printf '%s' "$v" | grep -v '^#' | tr -d '\\n')"`)
  .join('\n')}
fi; :`;

/** get_file_content strips the value; a form factor is the name of its chassis type number. */
export function parseDmi(out: string): Record<string, string> {
  const r: Record<string, string> = Object.fromEntries(DMI_FACTS.map((k) => [k, 'NA']));
  for (const line of out.split('\n')) {
    const m = /^@(\w+) (sys|none|dmi)(?: (.*))?$/.exec(line);
    if (!m || !(m[1] in DMI)) continue;
    let value: string | undefined;
    if (m[2] === 'sys')
      value = (m[3] ?? '').trim() || undefined; // get_file_content: empty is no content
    else if (m[2] === 'dmi') {
      // linux.py: rc 0 gives the output, its comment lines dropped and the rest joined, else NA
      const [rc, ...rest] = (m[3] ?? '').split(' ');
      value = rc === '0' ? rest.join(' ') : undefined;
    }
    if (value === undefined) continue;
    if (m[1] !== 'form_factor' || m[2] === 'dmi') r[m[1]] = value;
    else r.form_factor = FORM_FACTOR[Number.parseInt(value, 10)] ?? `unknown (${value})`;
  }
  return r;
}

export const dmi: FactDef<Record<string, string>> = {
  name: 'dmi',
  description: 'The DMI/SMBIOS ids (bios, board, chassis, product, vendor) from sysfs, else dmidecode',
  command: DMI_COMMAND,
  parse: (out) => parseDmi(out),
  asPlayUser: true,
};

type Mb = number | null;
export interface MemoryMb {
  real: { total: Mb; used: Mb; free: Mb };
  nocache: { free: Mb; used: Mb };
  swap: { total: Mb; free: Mb; used: Mb; cached: Mb };
}

/** get_memory_facts' `memory_mb`: MiB (kB // 1024) of meminfo's fields, null where a field is missing. */
export function memoryMb(kb: Record<string, number>): MemoryMb {
  const mb = (field: string): Mb => (kb[field] === undefined ? null : Math.floor(kb[field] / 1024));
  const diff = (a: Mb, b: Mb): Mb => (a === null || b === null ? null : a - b);
  const [total, free, buffers, cached] = [mb('MemTotal'), mb('MemFree'), mb('Buffers'), mb('Cached')];
  const nocacheFree = cached === null || free === null || buffers === null ? null : cached + free + buffers;
  const [swapTotal, swapFree] = [mb('SwapTotal'), mb('SwapFree')];
  return {
    real: { total, used: diff(total, free), free },
    nocache: { free: nocacheFree, used: diff(total, nocacheFree) },
    swap: { total: swapTotal, free: swapFree, used: diff(swapTotal, swapFree), cached: mb('SwapCached') },
  };
}

export default [dmi];
