/**
 * Ansible's `random` filter (ansible/plugins/filter/core.py `rand`): `100 | random` is
 * randrange(start, end, step), `list | random` is choice(list). With `seed=` it must give
 * what Ansible gives for the same seed (roles use `random(seed=inventory_hostname)` to
 * spread cron minutes), so this is Python's own generator: MT19937 seeded as CPython 3.11's
 * random.Random(seed) does (a str seed is its UTF-8 bytes followed by their SHA-512, read as
 * one big-endian integer; version 2 seeding) and randrange/choice drawing through
 * _randbelow's getrandbits rejection loop. Without a seed: the system's CSPRNG, as Ansible
 * uses SystemRandom.
 */
import { createHash, randomInt } from 'node:crypto';
import { ExprValueError } from './errors.js';
import type { FilterDef } from './signature.js';
import { isMapping, typeName } from './values.js';

const N = 624;

/** CPython's Modules/_randommodule.c, 32-bit words. */
class MersenneTwister {
  private mt = new Uint32Array(N);
  private i = N + 1;

  constructor(key: number[]) {
    this.initGenrand(19650218);
    const mt = this.mt;
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k; k--) {
      mt[i] = ((mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) mt[i] = (Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i) >>> 0;
    this.i = N;
  }

  next32(): number {
    const mt = this.mt;
    if (this.i >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + 397) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random.getrandbits(k): 32-bit words, least significant first, the last one shifted down. */
  getrandbits(k: number): bigint {
    if (k <= 32) return BigInt(this.next32() >>> (32 - k));
    let out = 0n;
    for (let shift = 0n; k > 0; k -= 32, shift += 32n) {
      const w = this.next32() >>> (k < 32 ? 32 - k : 0);
      out |= BigInt(w) << shift;
    }
    return out;
  }

  /** random._randbelow_with_getrandbits(n). */
  below(n: bigint): bigint {
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }
}

/** random.seed(a) for an int or a str (version 2), as CPython 3.11. */
function seeded(seed: unknown): MersenneTwister {
  let n: bigint;
  if (typeof seed === 'string') {
    const bytes = Buffer.from(seed, 'utf8');
    const all = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
    n = BigInt(`0x${all.toString('hex')}`);
  } else if (typeof seed === 'boolean' || (typeof seed === 'number' && Number.isInteger(seed))) {
    n = BigInt(Number(seed));
  } else {
    throw new ExprValueError(`random: a seed must be a string or an integer, got '${typeName(seed)}'`);
  }
  if (n < 0n) n = -n;
  const key: number[] = [];
  for (; n > 0n; n >>= 32n) key.push(Number(n & 0xffffffffn));
  return new MersenneTwister(key.length ? key : [0]);
}

/** randbelow(n) of Python's Random(seed), or of the system's CSPRNG without a seed (shuffle). */
export function pythonRandom(seed: unknown): (n: number) => number {
  if (seed === undefined) return (n) => randomInt(n);
  const mt = seeded(seed);
  return (n) => Number(mt.below(BigInt(n)));
}

const integer = (v: unknown, what: string): number => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return Number(v);
  throw new ExprValueError(`random: ${what} must be an integer, got '${typeName(v)}'`);
};

export const RANDOM_FILTERS: Record<string, FilterDef> = {
  random: {
    params: ['start', 'step', 'seed'],
    fn: (end, a) => {
      const draw = (n: number): number => {
        if (a.seed === undefined || a.seed === null) return randomInt(n);
        return Number(seeded(a.seed).below(BigInt(n)));
      };
      if (typeof end === 'number' || typeof end === 'boolean') {
        const stop = integer(end, 'the end');
        const start = a.start ? integer(a.start, 'start') : 0;
        const step = a.step ? integer(a.step, 'step') : 1;
        const width = stop - start;
        const n = step > 0 ? Math.floor((width + step - 1) / step) : Math.floor((width + step + 1) / step);
        if (n <= 0) throw new ExprValueError(`random: empty range for randrange (${start}, ${stop}, ${step})`);
        return start + step * draw(n);
      }
      if (a.start || a.step) throw new ExprValueError('random: start and step can only be used with integer values');
      const items = typeof end === 'string' ? [...end] : Array.isArray(end) ? end : undefined;
      if (!items || isMapping(end)) throw new ExprValueError(`random: needs an integer or a list, got '${typeName(end)}'`);
      if (!items.length) throw new ExprValueError('random: cannot choose from an empty sequence');
      return items[draw(items.length)];
    },
  },
};
