import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A report file appears complete or not at all: a CI job that picks it up while
 * the run is being killed never reads half a JSON or XML document. The temp file
 * sits in the target's directory so the rename never crosses filesystems. A missing
 * directory is created (`--json reports/run.json` in a fresh checkout).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
