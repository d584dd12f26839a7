/**
 * slurp: a remote file's bytes, base64-encoded in `content` (binary-safe, one exec). Never changes
 * anything. As in Ansible the whole file is in the result (and in memory, per host, as base64):
 * a file over SLURP_MAX_BYTES is refused by the plan's stat, before its bytes are sent, so
 * --check fails the same way (fetch streams large files). At most MAX_FILE_TRANSFERS reads are
 * in flight at once (largeOutput). A src it cannot read fails in slurp.py's words for open()'s errno
 * (found by opening src as the task's user, one more exec, on a failure only): "file not found",
 * "file is not readable", "source is a directory and must be a file", else "unable to slurp file".
 */
import { z } from 'zod';
import { probeFile, type FileProbe } from '../transport/remote-file.js';
import { sh } from '../transport/quote.js';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { pathArg, withAliases } from './lib/args.js';
import { remote } from './lib/remote.js';

const schema = withAliases(z.strictObject({ src: pathArg }), { path: 'src' });

type Args = z.infer<typeof schema>;

export const SLURP_MAX_BYTES = 16 * 1024 * 1024;
const MIB = 1024 * 1024;

/** slurp.py's message for the errno of open(src), as the task's user; undefined when src opens after all. */
async function openFailure(ctx: ModuleContext, src: string): Promise<ModuleFailure | undefined> {
  const r = await ctx.conn.exec(sh`p=${src}
if [ -d "$p" ]; then echo EISDIR; elif e=$(LC_ALL=C head -c0 -- "$p" 2>&1); then echo OK; else printf '%s\n' "$e"; fi`);
  const said = r.stdout.trim();
  if (said === 'EISDIR') return new ModuleFailure(`source is a directory and must be a file: ${src}`);
  if (said.endsWith(': Permission denied')) return new ModuleFailure(`file is not readable: ${src}`);
  if (said.endsWith(': No such file or directory')) return new ModuleFailure(`file not found: ${src}`);
  // Python's str() of the OSError: "[Errno N] strerror: 'filename'".
  if (said.endsWith(': Not a directory')) return new ModuleFailure(`unable to slurp file: [Errno 20] Not a directory: '${src}'`);
  return undefined;
}

export default defineModule<Args>({
  name: 'slurp',
  pathArgs: ['src'],
  description: 'Read a remote file into result.content (base64)',
  schema,
  async plan(a, ctx) {
    let p: FileProbe;
    try {
      p = await remote(probeFile(ctx.conn, a.src, { wantContent: 'always', maxContentBytes: SLURP_MAX_BYTES, follow: true, largeOutput: true }));
    } catch (e) {
      // A file it may stat but not read (mode 0600 of another user).
      throw (e instanceof ModuleFailure && (await openFailure(ctx, a.src))) || e;
    }
    if (!p.exists || p.type === 'directory') throw (await openFailure(ctx, a.src)) ?? new ModuleFailure(`file not found: ${a.src}`);
    if (p.contentOmitted === 'too-large') {
      throw new ModuleFailure(
        `${a.src} is ${p.size} bytes, over slurp's limit of ${SLURP_MAX_BYTES / MIB} MiB (${SLURP_MAX_BYTES} bytes): slurp keeps the whole file in memory, base64-encoded, for every host; use fetch, which streams a file to the controller`,
      );
    }
    if (p.type !== 'file' || !p.content) throw new ModuleFailure(`${a.src} is not a regular file (${p.type})`);
    return { changed: false, result: { content: p.content.toString('base64'), encoding: 'base64', source: a.src } };
  },
});
