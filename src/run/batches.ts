/** Ansible's `serial`: batch sizes as numbers or "N%" of the play's hosts; the last size repeats. */
export function splitBatches<T>(hosts: readonly T[], serial: readonly (number | string)[]): T[][] {
  if (serial.length === 0 || hosts.length === 0) return [hosts.slice()];
  const sizes = serial
    .map((s) => {
      if (typeof s === 'number') return s;
      const pct = Number(String(s).replace(/%$/, ''));
      return Math.floor((hosts.length * pct) / 100);
    })
    .map((n) => Math.max(1, n));
  const out: T[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)];
    out.push(hosts.slice(i, i + size));
    i += size;
  }
  return out;
}
