/**
 * tempfile: a new temporary file (0600) or directory (0700), as ansible-core 2.14's
 * modules/tempfile.py (Python's mkstemp / mkdtemp): named `prefix` + 8 random characters +
 * `suffix`, in `path`, else the host's temporary directory ($TMPDIR, else /tmp). Always changed;
 * the result is `path` plus what exit_json adds for a path (uid, gid, owner, group, mode, state,
 * size). Made with mktemp on the host (one exec, every value quoted): its random part mixes
 * upper- and lowercase letters and digits, where Python's is lowercase, digits and `_`; a prefix
 * ending in X gets those X's randomized too (mktemp's template).
 * Check mode as Ansible's: the module does not support it, so the task is skipped and creates
 * nothing (registered: skipped, msg); nothing can predict the random name the run will pick.
 */
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { parseStatLine, statFormatPrelude } from '../transport/remote-file.js';
import { defineModule, ModuleFailure } from './types.js';
import { pathArg } from './lib/args.js';
import { pathInfo } from './lib/path-info.js';
import { run } from './lib/remote.js';

const schema = z.strictObject({
  state: z.enum(['file', 'directory']).default('file'),
  path: pathArg.optional(),
  prefix: z.string().default('ansible.'),
  suffix: z.string().default(''),
});

type Args = z.infer<typeof schema>;

/** basic.py _check_arguments' result for a module without check mode support (its name as the task wrote it). */
export const NO_CHECK_MODE = (name: string) => ({ skipped: true, msg: `remote module (${name}) does not support check mode` });

export default defineModule<Args>({
  name: 'tempfile',
  pathArgs: ['path'],
  description: 'Create a temporary file or directory (result.path)',
  schema,
  async plan(a, ctx) {
    if (ctx.check) return { changed: false, result: NO_CHECK_MODE(ctx.moduleName ?? 'tempfile') };
    const what = a.state === 'directory' ? 'directory' : 'file';
    return {
      changed: true,
      apply: async () => {
        const dir = a.path === undefined ? '--tmpdir' : `--tmpdir=${a.path}`;
        const flags = [...(a.state === 'directory' ? ['-d'] : []), dir, `--suffix=${a.suffix}`];
        const res = await run(
          ctx.conn,
          sh`${statFormatPrelude()}p=$(mktemp ${flags} -- ${a.prefix + 'XXXXXXXX'}) && printf '%s\\n' "$p" && stat -c "$sfmt" -- "$p"`,
          `cannot create a temporary ${what}`,
        );
        const lines = res.stdout.replace(/\n$/, '').split('\n');
        const stat = lines.pop() ?? '';
        const path = lines.join('\n');
        if (!path) throw new ModuleFailure(`cannot create a temporary ${what}: mktemp printed no path`);
        return { path, ...pathInfo(parseStatLine(path, stat)) };
      },
    };
  },
});
