/**
 * Host lists short enough to read: runs of numbered names collapse
 * ("node1..node5, node7, db2"), in the order given (inventory order).
 */
export function compactHosts(names: readonly string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < names.length) {
    const m = /^(.*?)(\d+)$/.exec(names[i]);
    let j = i;
    if (m) {
      // Extend while the next name has the same prefix and the next number (same digit count: node09, node10 do not mix).
      while (j + 1 < names.length) {
        const n = /^(.*?)(\d+)$/.exec(names[j + 1]);
        const prev = /^(.*?)(\d+)$/.exec(names[j])!;
        if (!n || n[1] !== m[1] || Number(n[2]) !== Number(prev[2]) + 1 || (n[2].startsWith('0') && n[2].length !== prev[2].length)) break;
        j++;
      }
    }
    parts.push(j > i + 1 ? `${names[i]}..${names[j]}` : j === i + 1 ? `${names[i]}, ${names[j]}` : names[i]);
    i = j + 1;
  }
  return parts.join(', ');
}

/** "(5 hosts: node1..node5)", "(1 host: node7)". */
export function hostsLabel(names: readonly string[]): string {
  return `(${names.length} host${names.length === 1 ? '' : 's'}: ${compactHosts(names)})`;
}
