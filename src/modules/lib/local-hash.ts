/**
 * Digests of a controller file, streamed (never read whole): copy's large src (sha256, and its
 * sha1 and md5 for the registered `checksum` and `md5sum`), fetch's
 * local copy and the temp file it fetched into (sha1 and md5, Ansible's fetch `checksum` and
 * `md5sum`). One read however many digests are asked for.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ModuleFailure } from '../types.js';

export type Digest = 'sha256' | 'sha1' | 'md5';

/** The file's digests (hex) and its length in bytes, in one streamed read. */
export function hashFile<D extends Digest>(file: string, digests: readonly D[]): Promise<Record<D, string> & { size: number }> {
  return new Promise((resolve, reject) => {
    const hashes = digests.map((d) => createHash(d));
    let size = 0;
    createReadStream(file)
      .on('data', (chunk) => {
        size += chunk.length;
        for (const h of hashes) h.update(chunk);
      })
      .on('error', (e) => reject(new ModuleFailure(`cannot read ${file}: ${e.message}`)))
      .on('end', () => resolve(Object.assign(Object.fromEntries(digests.map((d, i) => [d, hashes[i].digest('hex')])) as Record<D, string>, { size })));
  });
}

/** A controller file's sha256 (what the host compares) and Ansible's sha1 `checksum` and md5 `md5sum` of it. */
export type SourceDigests = Record<'sha256' | 'sha1' | 'md5', string>;

/** The digests of a controller file, in one read per file version (`ino:size:mtime`) however many hosts ask. */
const cached = new Map<string, { version: string; digests: Promise<SourceDigests> }>();
export function localDigests(file: string, version: string): Promise<SourceDigests> {
  const hit = cached.get(file);
  if (hit?.version === version) return hit.digests;
  const digests = hashFile(file, ['sha256', 'sha1', 'md5']).then(({ sha256, sha1, md5 }) => ({ sha256, sha1, md5 }));
  cached.set(file, { version, digests });
  digests.catch(() => cached.delete(file));
  return digests;
}
