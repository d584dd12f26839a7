/**
 * tempfile: a new temporary file (0600) or directory (0700), as ansible-core 2.14's
 * modules/tempfile.py (Python's mkstemp / mkdtemp): named `prefix` + 8 random characters of
 * Python's tempfile._RandomNameSequence (`a-z0-9_`) + `suffix`, in `path`, else the host's temporary
 * directory (gettempdir: $TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp, the first writable
 * directory). Always changed; the result is `path` plus what exit_json adds for a path (uid, gid,
 * owner, group, mode, state, size).
 * The names are drawn here and the path is created on the host in one exec, every value quoted,
 * never over anything: a directory by mkdir, a file by a hard link (`ln -T`, which fails on any
 * existing name) to a file mktemp made beside it, whose name is then removed. A name taken is
 * skipped for the next one, as Python's loop does.
 * Check mode as Ansible's: the module does not support it, so the task is skipped and creates
 * nothing (registered: skipped, msg); nothing can predict the random name the run will pick.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { raw, sh } from '../transport/quote.js';
import { parseStatLine, statFormatPrelude } from '../transport/remote-file.js';
import { defineModule, ModuleFailure } from './types.js';
import { pathArg } from './lib/args.js';
import { pathInfo } from './lib/path-info.js';
import { pyNormpath } from './lib/py-path.js';

const schema = z.strictObject({
  state: z.enum(['file', 'directory']).default('file'),
  path: pathArg.optional(),
  prefix: z.string().default('ansible.'),
  suffix: z.string().default(''),
});

type Args = z.infer<typeof schema>;

/** Python's tempfile._RandomNameSequence.characters: each name is 8 of them. */
export const RANDOM_NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';
/** How many names one exec tries before giving up (Python tries TMP_MAX, 10000; 37^8 names make a second rare). */
const TRIES = 16;

export function randomName(): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += RANDOM_NAME_CHARS[randomInt(RANDOM_NAME_CHARS.length)];
  return out;
}

/**
 * Where the names go, as shell text, as Python 3.11 names them: mkstemp (a file) joins them to
 * os.path.abspath(path) (normpath of the working directory, os.getcwd's physical one, and `path`: `..`
 * collapsed); mkdtemp (a directory) to `path` as written, relative or not. No `path`: gettempdir's choice.
 */
function dirScript(path: string | undefined, state: Args['state']): ReturnType<typeof sh> {
  if (path === undefined) {
    return sh`for d in "\${TMPDIR-}" "\${TEMP-}" "\${TMP-}" /tmp /var/tmp /usr/tmp "$PWD"; do [ -n "$d" ] && [ -d "$d" ] && [ -w "$d" ] && break; done
case $d in /*) ;; *) d="$PWD/$d" ;; esac`;
  }
  if (state === 'directory') return sh`d=${path}`;
  const norm = pyNormpath(path);
  if (norm.startsWith('/')) return sh`d=${norm}`;
  // Relative: each leading `..` takes a component off the working directory (never above /).
  const parts = norm === '.' ? [] : norm.split('/');
  const up = parts.findIndex((c) => c !== '..');
  const climb = up < 0 ? parts.length : up;
  const rest = parts.slice(climb).join('/');
  return sh`d=$(pwd -P)${raw('; d=${d%/*}'.repeat(climb))}
${rest ? sh`d="\${d%/}"/${rest}` : raw('d=${d:-/}')}`;
}

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
        const names = Array.from({ length: TRIES }, () => a.prefix + randomName() + a.suffix);
        // One name: made (ok), taken (next), or the reason it cannot be made.
        const make =
          a.state === 'directory'
            ? raw(`if e=$( (umask 077 && mkdir -- "$p") 2>&1 ); then ok=1; break; fi`)
            : raw(`t=$(mktemp -- "$d/.tempfile.XXXXXXXXXX" 2>&1) || { printf '%s\\n' "$t" >&2; exit 1; }
  if e=$(ln -T -- "$t" "$p" 2>&1); then rm -f -- "$t"; ok=1; break; fi
  rm -f -- "$t"`);
        const res = await ctx.conn.exec(
          sh`${statFormatPrelude()}${dirScript(a.path, a.state)}
case $d in */) d=\${d%/} ;; esac
# Python's own words where its open / mkdir would fail for the directory itself.
[ -e "\${d:-/}" ] || { printf "[Errno 2] No such file or directory: '%s'\\n" "$d/"${names[0]} >&2; exit 1; }
[ -d "\${d:-/}" ] || { printf "[Errno 20] Not a directory: '%s'\\n" "$d/"${names[0]} >&2; exit 1; }
ok=
for n in ${names}; do
  p="$d/$n"
  ${make}
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then printf '%s\n' "$e" >&2; exit 1; fi
done
[ -n "$ok" ] || { echo 'No usable temporary file name found' >&2; exit 1; }
printf '%s\n' "$p" && stat -c "$sfmt" -- "$p"`,
        );
        const err = res.stderr.trim();
        if (res.rc !== 0) throw new ModuleFailure(err.startsWith('[Errno ') ? err : `cannot create a temporary ${what}: ${err || `exit code ${res.rc}`}`);
        const lines = res.stdout.replace(/\n$/, '').split('\n');
        const stat = lines.pop() ?? '';
        const path = lines.join('\n');
        if (!path) throw new ModuleFailure(`cannot create a temporary ${what}: the host printed no path`);
        return { path, ...pathInfo(parseStatLine(path, stat)) };
      },
    };
  },
});
