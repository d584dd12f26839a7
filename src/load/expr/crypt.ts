/**
 * crypt(3) password hashes for the password_hash filter, as ansible-core 2.14.18 makes them on a
 * controller without passlib (utils/encrypt.py CryptHash over Python's crypt, i.e. glibc/libxcrypt):
 * `$6$` SHA-512 and `$5$` SHA-256 (Drepper's "Unix crypt using SHA-256 and SHA-512", rounds 5000
 * unless given) and `$1$` MD5 (Kamp's md5crypt). bcrypt is not here: nodemend refuses it.
 */
import { createHash, randomInt } from 'node:crypto';
import { ExprValueError } from './errors.js';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt's base-64: `n` characters of the 24-bit group b2 b1 b0, least significant first. */
function b64From24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += B64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/** The final digest's bytes in each algorithm's own order, three at a time (the last group shorter). */
function encodeDigest(d: Buffer, groups: number[][], tail: number[]): string {
  let out = '';
  for (const [a, b, c] of groups) out += b64From24(d[a], d[b], d[c], 4);
  if (tail.length === 1) out += b64From24(0, 0, d[tail[0]], 2);
  else out += b64From24(0, d[tail[0]], d[tail[1]], 3);
  return out;
}

/** Bytes of `src` repeated to length `len`. */
function repeatTo(src: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = src[i % src.length];
  return out;
}

const SHA_ORDER: Record<'sha256' | 'sha512', { groups: number[][]; tail: number[] }> = {
  sha256: {
    groups: [
      [0, 10, 20],
      [21, 1, 11],
      [12, 22, 2],
      [3, 13, 23],
      [24, 4, 14],
      [15, 25, 5],
      [6, 16, 26],
      [27, 7, 17],
      [18, 28, 8],
      [9, 19, 29],
    ],
    tail: [31, 30],
  },
  sha512: {
    groups: [
      [0, 21, 42],
      [22, 43, 1],
      [44, 2, 23],
      [3, 24, 45],
      [25, 46, 4],
      [47, 5, 26],
      [6, 27, 48],
      [28, 49, 7],
      [50, 8, 29],
      [9, 30, 51],
      [31, 52, 10],
      [53, 11, 32],
      [12, 33, 54],
      [34, 55, 13],
      [56, 14, 35],
      [15, 36, 57],
      [37, 58, 16],
      [59, 17, 38],
      [18, 39, 60],
      [40, 61, 19],
      [62, 20, 41],
    ],
    tail: [63],
  },
};

/** Drepper's SHA-crypt; `rounds` undefined: the implicit 5000, not written into the hash. */
function shaCrypt(algo: 'sha256' | 'sha512', key: Buffer, saltText: string, rounds: number | undefined): string {
  const salt = Buffer.from(saltText.slice(0, 16), 'utf8');
  const n = rounds ?? 5000;
  const h = (): ReturnType<typeof createHash> => createHash(algo);
  const b = h().update(key).update(salt).update(key).digest();
  const a = h().update(key).update(salt);
  a.update(repeatTo(b, key.length));
  for (let len = key.length; len > 0; len >>= 1) a.update(len & 1 ? b : key);
  const da = a.digest();
  const dp = h();
  for (let i = 0; i < key.length; i++) dp.update(key);
  const p = repeatTo(dp.digest(), key.length);
  const ds = h();
  for (let i = 0; i < 16 + da[0]; i++) ds.update(salt);
  const s = repeatTo(ds.digest(), salt.length);
  let c = da;
  for (let i = 0; i < n; i++) {
    const x = h();
    x.update(i & 1 ? p : c);
    if (i % 3) x.update(s);
    if (i % 7) x.update(p);
    x.update(i & 1 ? c : p);
    c = x.digest();
  }
  const id = algo === 'sha512' ? '6' : '5';
  const { groups, tail } = SHA_ORDER[algo];
  return `$${id}$${rounds === undefined ? '' : `rounds=${n}$`}${salt.toString('utf8')}$${encodeDigest(c, groups, tail)}`;
}

/** md5crypt (`$1$`, salt up to 8 characters, 1000 rounds). */
function md5Crypt(key: Buffer, saltText: string): string {
  const salt = Buffer.from(saltText.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const md5 = (): ReturnType<typeof createHash> => createHash('md5');
  const fin = md5().update(key).update(salt).update(key).digest();
  const ctx = md5().update(key).update(magic).update(salt);
  for (let len = key.length; len > 0; len -= 16) ctx.update(fin.subarray(0, Math.min(16, len)));
  for (let i = key.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : key.subarray(0, 1));
  let d = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const x = md5();
    x.update(i & 1 ? key : d);
    if (i % 3) x.update(salt);
    if (i % 7) x.update(key);
    x.update(i & 1 ? d : key);
    d = x.digest();
  }
  const groups = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  return `$1$${salt.toString('utf8')}$${encodeDigest(d, groups, [11])}`;
}

/** What CryptHash knows per algorithm: crypt id, salt size, the rounds that mean "as implicit". */
const ALGOS: Record<string, { saltSize: number; implicitRounds?: number }> = {
  md5_crypt: { saltSize: 8 },
  sha256_crypt: { saltSize: 16, implicitRounds: 535000 },
  sha512_crypt: { saltSize: 16, implicitRounds: 656000 },
};
/** core.py get_encrypted_password's short names. */
const SHORT: Record<string, string> = { md5: 'md5_crypt', blowfish: 'bcrypt', sha256: 'sha256_crypt', sha512: 'sha512_crypt' };

const SALT_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./';

/** encrypt.py random_salt: SystemRandom choices of letters, digits, `./`. */
const randomSalt = (n: number): string => Array.from({ length: n }, () => SALT_CHARS[randomInt(SALT_CHARS.length)]).join('');

/**
 * password_hash(password, hashtype='sha512', salt=None, salt_size=None, rounds=None, ident=None) as
 * CryptHash.hash computes it: a given salt checked for crypt's characters and the algorithm's size, a
 * random one otherwise; rounds equal to passlib's implicit ones treated as not given (so crypt's 5000).
 */
export function passwordHash(password: string, hashtype: string, salt: string | undefined, saltSize: number | undefined, rounds: number | undefined): string {
  const algo = SHORT[hashtype] ?? hashtype;
  const def = ALGOS[algo];
  if (!def) throw new ExprValueError(`crypt.crypt does not support '${algo}' algorithm`);
  const s = salt || randomSalt(saltSize || def.saltSize);
  if (/[^./0-9A-Za-z]/.test(s)) throw new ExprValueError('invalid characters in salt');
  if (s.length > def.saltSize) throw new ExprValueError('invalid salt size');
  const r = rounds === def.implicitRounds ? undefined : rounds;
  // libxcrypt refuses rounds outside 1000..999999999 with its failure token, which CryptHash returns as the hash.
  if (r !== undefined && algo !== 'md5_crypt' && (r < 1000 || r > 999_999_999 || !Number.isInteger(r))) return '*0';
  const key = Buffer.from(password, 'utf8');
  if (algo === 'md5_crypt') return md5Crypt(key, s);
  return shaCrypt(algo === 'sha512_crypt' ? 'sha512' : 'sha256', key, s, r);
}
