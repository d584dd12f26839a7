/**
 * slurp: a remote file's bytes, base64-encoded in `content` (binary-safe, one exec). Never changes
 * anything. As in Ansible the whole file is in the result (and in memory, per host, as base64):
 * a file over SLURP_MAX_BYTES is refused by the plan's stat, before its bytes are sent, so
 * --check fails the same way (fetch streams large files). At most MAX_FILE_TRANSFERS reads are
 * in flight at once (largeOutput). A src it cannot read fails in slurp.py's words for open()'s errno
 * (found by opening src as the task's user, one more exec, on a failure only): "file not found",
 * "file is not readable", "source is a directory and must be a file", else "unable to slurp file".
 * A device, a fifo or a socket is read as Python reads it (readOther), in one more exec.
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

/** Linux's errno of a strerror(3) text GNU head prints, for Python's str() of the OSError. */
const ERRNO: Record<string, number> = {
  'Operation not permitted': 1,
  'Input/output error': 5,
  'No such device or address': 6,
  'Resource temporarily unavailable': 11,
  'Device or resource busy': 16,
  'No such device': 19,
  'Not a directory': 20,
  'Invalid argument': 22,
  'File name too long': 36,
  'Too many levels of symbolic links': 40,
  'Operation not supported': 95,
  'No medium found': 123,
};

/**
 * slurp.py's message for an OSError of open(src) or read(), from GNU head's ("head: cannot open 'x'
 * for reading: No such device or address", "head: error reading 'x': ..."): its own words for
 * ENOENT, EACCES and EISDIR, else "unable to slurp file: " and Python's str() of the error (the
 * file name only for open's).
 */
export function slurpFailure(src: string, headStderr: string): ModuleFailure | undefined {
  const m = /head: (cannot open|error reading) .*: ([^:\n]+)\s*$/.exec(headStderr);
  if (!m) return undefined;
  const why = m[2];
  if (why === 'Permission denied') return new ModuleFailure(`file is not readable: ${src}`);
  if (why === 'No such file or directory') return new ModuleFailure(`file not found: ${src}`);
  if (why === 'Is a directory') return new ModuleFailure(`source is a directory and must be a file: ${src}`);
  const errno = ERRNO[why];
  if (errno === undefined) return new ModuleFailure(`unable to slurp file: ${headStderr.trim()}`);
  return new ModuleFailure(`unable to slurp file: [Errno ${errno}] ${why}${m[1] === 'cannot open' ? `: '${src}'` : ''}`);
}

/** slurp.py's message for the errno of open(src), as the task's user; undefined when src opens after all. */
async function openFailure(ctx: ModuleContext, src: string): Promise<ModuleFailure | undefined> {
  const r = await ctx.conn.exec(sh`p=${src}
if [ -d "$p" ]; then echo EISDIR; else LC_ALL=C head -c0 -- "$p"; fi`);
  if (r.stdout.trim() === 'EISDIR') return new ModuleFailure(`source is a directory and must be a file: ${src}`);
  return r.rc === 0 ? undefined : slurpFailure(src, r.stderr);
}

const tooLarge = (src: string, size: string) =>
  new ModuleFailure(
    `${src} is ${size}, over slurp's limit of ${SLURP_MAX_BYTES / MIB} MiB (${SLURP_MAX_BYTES} bytes): slurp keeps the whole file in memory, base64-encoded, for every host; use fetch, which streams a file to the controller`,
  );

/**
 * A path that is not a regular file (a device, a fifo, a socket), read as slurp.py's open() and
 * read() do: until end of file (a fifo waits for a writer, as Python's open() does; the task's
 * `timeout:` ends the wait), at most SLURP_MAX_BYTES (a device that never ends, /dev/zero, fails at
 * the limit where Ansible reads until it runs out of memory).
 */
async function readOther(ctx: ModuleContext, src: string): Promise<Buffer> {
  const r = await ctx.conn.exec(sh`LC_ALL=C head -c ${String(SLURP_MAX_BYTES + 1)} -- ${src}`, { largeOutput: true });
  if (r.rc !== 0) throw slurpFailure(src, r.stderr) ?? new ModuleFailure(`unable to slurp file: ${r.stderr.trim() || `head exited ${r.rc}`}`);
  if (r.stdoutBytes.length > SLURP_MAX_BYTES) throw tooLarge(src, `more than ${SLURP_MAX_BYTES} bytes`);
  return r.stdoutBytes;
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
    if (p.contentOmitted === 'too-large') throw tooLarge(a.src, `${p.size} bytes`);
    const content = p.type === 'file' && p.content ? p.content : await readOther(ctx, a.src);
    return { changed: false, result: { content: content.toString('base64'), encoding: 'base64', source: a.src } };
  },
});
