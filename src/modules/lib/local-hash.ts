/**
 * Digests of a controller file, streamed (never read whole): copy's large src (sha256), fetch's
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

/** sha256 of a controller file, once per file version (`ino:size:mtime`) however many hosts ask. */
const cached = new Map<string, { version: string; sha: Promise<string> }>();
export function localSha256(file: string, version: string): Promise<string> {
  const hit = cached.get(file);
  if (hit?.version === version) return hit.sha;
  const sha = hashFile(file, ['sha256']).then((h) => h.sha256);
  cached.set(file, { version, sha });
  sha.catch(() => cached.delete(file));
  return sha;
}
