/**
 * File modes as users write them: octal ("0644", "644") or symbolic ("u+x,g-w", "a=rX").
 * Plans compute the resulting mode locally from the current one, so a plan knows
 * exactly what chmod will do; apply then sends the computed octal value.
 *
 * Symbolic modes follow Ansible, not chmod(1): a clause without a "who" means "a"
 * (the umask is ignored), so "+x" is "a+x".
 */
import { z } from 'zod';

const CLASS_SHIFT = { u: 6, g: 3, o: 0 } as const;
type Who = keyof typeof CLASS_SHIFT;
const SPECIAL = { u: 0o4000, g: 0o2000, o: 0o1000 } as const; // setuid, setgid, sticky

interface Clause {
  who: Who[];
  ops: { op: '+' | '-' | '='; perms: string }[];
}

export type ModeSpec = { kind: 'octal'; value: number } | { kind: 'symbolic'; clauses: Clause[]; text: string };

const OCTAL = /^0?[0-7]{3,4}$|^0o[0-7]{3,4}$/;
const CLAUSE = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/;

/**
 * Zod field for `mode`: a string, or a number. A YAML 1.2 parser reads `mode: 0644` as the
 * decimal 644, so a number whose digits are all octal is read as those octal digits.
 */
export const modeArg = z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
  const text = typeof v === 'number' ? String(v) : v.trim();
  try {
    parseMode(text);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
  return text;
});

export function parseMode(text: string): ModeSpec {
  if (OCTAL.test(text) || /^[0-7]{1,2}$/.test(text)) return { kind: 'octal', value: parseInt(text.replace(/^0o/, ''), 8) };
  const clauses: Clause[] = [];
  for (const part of text.split(',')) {
    const m = CLAUSE.exec(part);
    if (!m) throw new Error(`invalid mode "${text}": expected octal like "0644" or symbolic like "u+x,g-w"`);
    const who = (m[1] === '' || m[1].includes('a') ? ['u', 'g', 'o'] : [...new Set(m[1].split(''))]) as Who[];
    const ops = [...m[2].matchAll(/([-+=])([rwxXstugo]*)/g)].map((o) => ({ op: o[1] as '+' | '-' | '=', perms: o[2] }));
    clauses.push({ who, ops });
  }
  return { kind: 'symbolic', clauses, text };
}

/** Bits a permission string grants to one class, given the mode before this operation. */
function bitsFor(perms: string, who: Who, current: number, isDir: boolean): number {
  const shift = CLASS_SHIFT[who];
  let bits = 0;
  for (const p of perms) {
    if (p === 'r') bits |= 4 << shift;
    else if (p === 'w') bits |= 2 << shift;
    else if (p === 'x') bits |= 1 << shift;
    else if (p === 'X') {
      if (isDir || current & 0o111) bits |= 1 << shift;
    } else if (p === 's') {
      if (who !== 'o') bits |= SPECIAL[who];
    } else if (p === 't') {
      if (who === 'o') bits |= SPECIAL.o;
    } else {
      // copy another class's rwx ("g=u")
      const src = (current >> CLASS_SHIFT[p as Who]) & 7;
      bits |= src << shift;
    }
  }
  return bits;
}

/** The mode a file will have after applying `spec` to its current mode. */
export function applyMode(spec: ModeSpec, current: number, isDir: boolean): number {
  if (spec.kind === 'octal') return spec.value;
  let mode = current & 0o7777;
  for (const c of spec.clauses) {
    for (const { op, perms } of c.ops) {
      const before = mode;
      for (const who of c.who) {
        const bits = bitsFor(perms, who, before, isDir);
        if (op === '+') mode |= bits;
        else if (op === '-') mode &= ~bits;
        else {
          const classMask = (7 << CLASS_SHIFT[who]) | SPECIAL[who];
          mode = (mode & ~classMask) | bits;
        }
      }
    }
  }
  return mode;
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * What to hand chmod when the current mode is unknown (the file is being created):
 * octal as is; symbolic with explicit "who" everywhere, so chmod(1) ignores its umask as we do.
 */
export function chmodArgument(spec: ModeSpec): string {
  if (spec.kind === 'octal') return formatMode(spec.value);
  return spec.clauses.map((c) => (c.who.length === 3 ? 'a' : c.who.join('')) + c.ops.map((o) => o.op + o.perms).join('')).join(',');
}
