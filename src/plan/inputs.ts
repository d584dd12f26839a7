/**
 * The controller files a plan was made from, each as a keyed digest: apply refuses
 * the whole plan when one of them changed (the reviewed change is not the one that
 * would run). A directory (copy of a tree) digests its names and bytes recursively.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanKey } from './keyed-digest.js';

export interface InputDigest {
  path: string;
  digest: string;
}

function contentOf(path: string): string | Buffer {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (!st.isDirectory()) return readFileSync(path);
  const parts = readdirSync(path)
    .sort()
    .map((name) => {
      const c = contentOf(join(path, name));
      return `${name}\0${c.length}\0${c.toString('base64')}`;
    });
  return `directory\0${parts.join('\0')}`;
}

export function digestInputs(paths: Iterable<string>, key: PlanKey): InputDigest[] {
  return [...new Set(paths)].sort().map((path) => ({ path, digest: key.digest(contentOf(path)) }));
}

/** Paths of the saved inputs whose digest differs now (or that are gone). */
export function changedInputs(saved: InputDigest[], key: PlanKey): string[] {
  const now = new Map(
    digestInputs(
      saved.map((i) => i.path),
      key,
    ).map((i) => [i.path, i.digest]),
  );
  return saved.filter((i) => now.get(i.path) !== i.digest).map((i) => i.path);
}
