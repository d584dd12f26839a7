/**
 * Ansible's `serial`: batch sizes as numbers or "N%" of the play's hosts; the last size repeats. A size
 * of 0 or less puts every host left in one batch (2.14's _get_serialized_batches); a percentage is at least 1.
 */
export function splitBatches<T>(hosts: readonly T[], serial: readonly (number | string)[]): T[][] {
  if (serial.length === 0 || hosts.length === 0) return [hosts.slice()];
  const sizes = serial.map((s) => (typeof s === 'number' ? s : Math.max(1, Math.floor((hosts.length * Number(String(s).replace(/%$/, ''))) / 100))));
  const out: T[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)];
    if (size <= 0) {
      out.push(hosts.slice(i));
      break;
    }
    out.push(hosts.slice(i, i + size));
    i += size;
  }
  return out;
}
