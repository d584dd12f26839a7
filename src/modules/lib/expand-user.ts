/**
 * Ansible's `type='path'` arguments are expanded by AnsibleModule on the host, as the user the
 * module runs as (become applied): `~` and `~/x` from $HOME, `~user/x` from the passwd database
 * (Python's os.path.expanduser; an unknown user stays as written). So `file: path=~/.kube` under
 * become is /root/.kube. Not done here: expandvars ($VAR), which roles rarely lean on.
 */
import { sh } from '../../transport/quote.js';
import type { ModuleContext } from '../types.js';
import { run } from './remote.js';

/** The expansions, one remote call per task at most (none when no value starts with `~`). */
export async function expandUserPaths<A extends object>(ctx: Pick<ModuleContext, 'conn'>, args: A, keys: readonly (keyof A)[]): Promise<A> {
  const todo = keys.filter((k) => typeof args[k] === 'string' && (args[k] as string).startsWith('~'));
  if (!todo.length) return args;
  const paths = todo.map((k) => args[k] as string);
  const res = await run(
    ctx.conn,
    sh`for p in ${paths}; do
  case $p in
    "~"|"~/"*) p=$HOME\${p#"~"} ;;
    *) u=\${p%%/*}; h=$(getent passwd "\${u#"~"}" | cut -d: -f6); [ -n "$h" ] && p=$h\${p#"$u"} ;;
  esac
  printf '%s\\0' "$p"
done`,
    'cannot expand ~ in a path',
  );
  const out = res.stdout.split('\0');
  const expanded = { ...args };
  todo.forEach((k, i) => ((expanded as Record<keyof A, unknown>)[k] = out[i]));
  return expanded;
}
