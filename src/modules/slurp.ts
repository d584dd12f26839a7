/** slurp: a remote file's bytes, base64-encoded in `content` (binary-safe, one exec). Never changes anything. */
import { z } from 'zod';
import { probeFile } from '../transport/remote-file.js';
import { defineModule, ModuleFailure } from './types.js';
import { pathArg, withAliases } from './lib/args.js';
import { remote } from './lib/remote.js';

const schema = withAliases(z.strictObject({ src: pathArg }), { path: 'src' });

type Args = z.infer<typeof schema>;

export default defineModule<Args>({
  name: 'slurp',
  description: 'Read a remote file into result.content (base64)',
  schema,
  async plan(a, ctx) {
    const p = await remote(probeFile(ctx.conn, a.src, { wantContent: 'always', follow: true, largeOutput: true }));
    if (!p.exists) throw new ModuleFailure(`file not found: ${a.src}`);
    if (p.type !== 'file' || !p.content) throw new ModuleFailure(`${a.src} is not a regular file (${p.type})`);
    return { changed: false, result: { content: p.content.toString('base64'), encoding: 'base64', source: a.src } };
  },
});
