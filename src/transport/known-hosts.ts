/**
 * OpenSSH known_hosts: parse, match a host's presented key, append a new one.
 * Strictness lives here so every connection (direct or through a jump host)
 * is checked the same way.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { open, readFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  line: number; // 1-based
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated patterns (plain), or the salt and HMAC of a hashed `|1|salt|hash` entry. */
  hosts: { kind: 'plain'; patterns: string[] } | { kind: 'hashed'; salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer; // the SSH wire-format public key blob
}

/** The name OpenSSH stores a host under: bare for port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `SHA256:<base64, unpadded>`, as `ssh-keygen -l` and OpenSSH's warnings print it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type is the first string of the wire-format blob (e.g. "ssh-ed25519"). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return n > 0 && 4 + n <= key.length ? key.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

/** Malformed lines are skipped, as OpenSSH does; they can never match. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === '' || t.startsWith('#')) continue;
    const f = t.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (f[0].startsWith('@')) {
      const m = f.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    if (f.length < 3) continue;
    const hosts = parseHostField(f[0]);
    if (!hosts) continue;
    const key = Buffer.from(f[2], 'base64');
    if (key.length === 0) continue;
    out.push({ line: i + 1, marker, hosts, keyType: f[1], key });
  }
  return out;
}

function parseHostField(field: string): KnownHostEntry['hosts'] | undefined {
  if (!field.startsWith('|')) return { kind: 'plain', patterns: field.toLowerCase().split(',').filter(Boolean) };
  const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
  if (!m) return undefined;
  return { kind: 'hashed', salt: Buffer.from(m[1], 'base64'), hash: Buffer.from(m[2], 'base64') };
}

/** OpenSSH pattern-list semantics: `*`/`?` wildcards, and any matching `!neg` pattern vetoes. */
export function hostMatches(entry: KnownHostEntry, name: string): boolean {
  const h = entry.hosts;
  if (h.kind === 'hashed') {
    const mac = createHmac('sha1', h.salt).update(name).digest();
    return mac.length === h.hash.length && timingSafeEqual(mac, h.hash);
  }
  let matched = false;
  for (const p of h.patterns) {
    const negated = p.startsWith('!');
    if (!globMatch(negated ? p.slice(1) : p, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatch(pattern: string, s: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === s;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(s);
}

export type HostKeyVerdict =
  | { kind: 'known'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  /** Same key type recorded for this host, but a different key: possible MITM, never accepted. */
  | { kind: 'mismatch'; expected: KnownHostEntry[] }
  /** The host is recorded only with other key types: refused too, the server stopped offering the known ones. */
  | { kind: 'other-type'; known: KnownHostEntry[] }
  | { kind: 'unknown' };

export function checkHostKey(entries: KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const type = keyTypeOf(key);
  const forHost = entries.filter((e) => e.marker !== 'cert-authority' && hostMatches(e, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key) && hostMatches(e, name));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => !e.marker);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { kind: 'known', entry: same };
  const sameType = plain.filter((e) => keyTypeOf(e.key) === type);
  if (sameType.length) return { kind: 'mismatch', expected: sameType };
  if (plain.length) return { kind: 'other-type', known: plain };
  return { kind: 'unknown' };
}

/** Key types this host is recorded with, so the handshake can ask for those first (as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types = entries.filter((e) => !e.marker && hostMatches(e, name)).map((e) => keyTypeOf(e.key));
  return [...new Set(types)];
}

/**
 * Parsed once per file version (inode, size, mtime) and shared: every connection reads the
 * file twice, so 200 hosts starting at once with a 200-line file would parse 80 000 lines.
 */
const parsed = new Map<string, { version: string; entries: Promise<KnownHostEntry[]> }>();

/** A missing file is an empty one: every host is then unknown. The entries are shared: do not modify them. */
export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    const st = await stat(file);
    const version = `${st.ino}:${st.size}:${st.mtimeMs}`;
    let hit = parsed.get(file);
    if (!hit || hit.version !== version) {
      // Read after the stat: a change in between only makes the next call parse again.
      hit = { version, entries: readFile(file, 'utf8').then(parseKnownHosts) };
      parsed.set(file, hit);
      hit.entries.catch(() => parsed.get(file) === hit && parsed.delete(file));
    }
    return await hit.entries;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

const appendQueues = new Map<string, Promise<unknown>>();

/**
 * Append one `name type base64` line with a single O_APPEND write: concurrent
 * writers (ours or ssh's) cannot interleave inside a line, and existing lines are
 * never rewritten. Appends to the same file from this process are serialized so
 * the "does it end with a newline" check stays true.
 */
export function appendKnownHost(file: string, name: string, key: Buffer): Promise<void> {
  const prev = appendQueues.get(file) ?? Promise.resolve();
  const next = prev
    .catch(() => undefined)
    .then(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const fh = await open(file, 'a+', 0o600);
      try {
        const { size } = await fh.stat();
        let lead = '';
        if (size > 0) {
          const last = Buffer.alloc(1);
          await fh.read(last, 0, 1, size - 1);
          if (last[0] !== 0x0a) lead = '\n';
        }
        await fh.write(`${lead}${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`);
      } finally {
        await fh.close();
      }
    });
  appendQueues.set(file, next);
  return next;
}
