/**
 * Inventory host ranges, as Ansible 2.14's YAML inventory expands a host key
 * (plugins/inventory/__init__.py expand_hostname_range): `web[01:03]` is web01, web02, web03;
 * `db-[a:c]` db-a, db-b, db-c; `n[0:10:5]` n0, n5, n10 (a step); `[:3]` starts at 0; several
 * ranges in one name expand left to right. A leading zero pads every number to the begin's width
 * (begin and end must then be as wide). Letters run through a..z then A..Z.
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export class HostRangeError extends Error {}

export function expandHostRange(name: string): string[] {
  const open = name.indexOf('[');
  if (open < 0) return [name];
  const close = name.indexOf(']', open);
  if (close < 0 || (name.indexOf('[', open + 1) !== -1 && name.indexOf('[', open + 1) < close)) {
    throw new HostRangeError(`host range in "${name}" must be [begin:end] or [begin:end:step]`);
  }
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new HostRangeError(`host range in "${name}" must be begin:end or begin:end:step`);
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  if (!end) throw new HostRangeError(`host range in "${name}" must specify an end value`);
  const step = bounds.length === 3 ? integer(bounds[2]!, name) : 1;
  if (step <= 0) throw new HostRangeError(`host range in "${name}" must have a positive step`);
  const width = beg[0] === '0' && beg.length > 1 ? beg.length : 0;
  if (width && width !== end.length) throw new HostRangeError(`host range in "${name}" must have begin and end of the same width ("${beg}", "${end}")`);
  const fill = (x: string | number): string => (width ? String(x).padStart(width, '0') : String(x));
  const seq: (string | number)[] = [];
  const [ib, ie] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
  if (ib >= 0 && ie >= 0) {
    if (ib > ie) throw new HostRangeError(`host range in "${name}" must have begin <= end`);
    for (let i = ib; i <= ie; i += step) seq.push(LETTERS[i]!);
  } else {
    const [b, e] = [integer(beg, name), integer(end, name)];
    for (let i = b; i <= e; i += step) seq.push(i);
  }
  return seq.flatMap((x) => expandHostRange(head + fill(x) + tail));
}

function integer(text: string, name: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new HostRangeError(`host range in "${name}": "${text}" is not a number or a letter`);
  return Number(text);
}
