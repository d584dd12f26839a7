/**
 * slurp: a remote file's bytes, base64-encoded in `content` (binary-safe, one exec). Never changes
 * anything. As in Ansible the whole file is in the result (and in memory, per host, as base64):
 * a file over SLURP_MAX_BYTES is refused by the plan's stat, before its bytes are sent, so
 * --check fails the same way (fetch streams large files). At most MAX_FILE_TRANSFERS reads are
 * in flight at once (largeOutput).
 */
import { z } from 'zod';
import { probeFile } from '../transport/remote-file.js';
import { defineModule, ModuleFailure } from './types.js';
import { pathArg, withAliases } from './lib/args.js';
import { remote } from './lib/remote.js';

const schema = withAliases(z.strictObject({ src: pathArg }), { path: 'src' });

type Args = z.infer<typeof schema>;

export const SLURP_MAX_BYTES = 16 * 1024 * 1024;
const MIB = 1024 * 1024;

export default defineModule<Args>({
  name: 'slurp',
  pathArgs: ['src'],
  description: 'Read a remote file into result.content (base64)',
  schema,
  async plan(a, ctx) {
    const p = await remote(probeFile(ctx.conn, a.src, { wantContent: 'always', maxContentBytes: SLURP_MAX_BYTES, follow: true, largeOutput: true }));
    if (!p.exists) throw new ModuleFailure(`file not found: ${a.src}`);
    if (p.contentOmitted === 'too-large') {
      throw new ModuleFailure(
        `${a.src} is ${p.size} bytes, over slurp's limit of ${SLURP_MAX_BYTES / MIB} MiB (${SLURP_MAX_BYTES} bytes): slurp keeps the whole file in memory, base64-encoded, for every host; use fetch, which streams a file to the controller`,
      );
    }
    if (p.type !== 'file' || !p.content) throw new ModuleFailure(`${a.src} is not a regular file (${p.type})`);
    return { changed: false, result: { content: p.content.toString('base64'), encoding: 'base64', source: a.src } };
  },
});
