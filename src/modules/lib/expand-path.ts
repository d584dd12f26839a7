/**
 * Ansible's `type='path'` arguments (ansible-core 2.14.18, module_utils/common/validation.py
 * check_type_path) are `os.path.expanduser(os.path.expandvars(value))`, computed by the module ON
 * THE HOST, in its environment: the login user's, or under become sudo's (`-H`: HOME is the become
 * user's, so `~/.kube` is /root/.kube), with the task's `environment:`. Here the host only gives
 * data (its environment, `getent passwd` lines); the expansion itself is done on the controller
 * by the same rules, so a `$(...)` or backtick in a path is never run anywhere.
 *
 *   expandvars: `$NAME` / `${NAME}` (NAME of [A-Za-z0-9_], braces: anything but `}`) replaced when
 *     set; an unset one stays as written. Replacements are not scanned again.
 *   expanduser: `~` / `~/x` from $HOME (unset: the passwd entry of the user), `~name/x` from
 *     name's passwd entry (unknown: as written), trailing slashes of the home dropped.
 */
import { sh } from '../../transport/quote.js';
import type { ModuleContext } from '../types.js';
import { run } from './remote.js';

/** posixpath.expandvars with `env` as os.environ. */
export function expandVars(path: string, env: Readonly<Record<string, string>>): string {
  if (!path.includes('$')) return path;
  return path.replace(/\$([A-Za-z0-9_]+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    return Object.hasOwn(env, key) ? env[key] : whole;
  });
}

/** The `~name` a path starts with ('' for plain `~`), or undefined when it does not start with `~`. */
export function tildeUser(path: string): string | undefined {
  if (!path.startsWith('~')) return undefined;
  const slash = path.indexOf('/', 1);
  return path.slice(1, slash < 0 ? path.length : slash);
}

/** posixpath.expanduser: `home(name)` is name's passwd home ('' = the current user's), undefined when unknown. */
export function expandUser(path: string, env: Readonly<Record<string, string>>, home: (name: string) => string | undefined): string {
  const name = tildeUser(path);
  if (name === undefined) return path;
  const dir = name === '' && Object.hasOwn(env, 'HOME') ? env.HOME : home(name);
  if (dir === undefined) return path;
  return dir.replace(/\/+$/, '') + path.slice(1 + name.length) || '/';
}

/** What the host said: its environment and the passwd homes asked for ('' = the current user). */
interface HostView {
  env: Record<string, string>;
  homes: Map<string, string | undefined>;
}

/**
 * One remote call: `env -0`, then a `getent passwd` line for the current user and for each name.
 * A line counts only when its first field is the name (getent also answers a number as a uid,
 * where Python's getpwnam does not).
 */
async function readHost(ctx: Pick<ModuleContext, 'conn'>, names: string[], withEnv: boolean): Promise<HostView> {
  const lookups = names.length ? sh`; for u in ${names}; do printf '%s\\0' "$(getent passwd -- "$u")"; done` : sh``;
  const envPart = withEnv ? sh`env -0 && ` : sh``;
  const res = await run(ctx.conn, sh`${envPart}printf '\\0%s\\0' "$(getent passwd "$(id -u)")"${lookups}`, 'cannot expand a path');
  const records = res.stdout.split('\0');
  const end = records.indexOf('');
  const env: Record<string, string> = {};
  for (const rec of records.slice(0, end)) {
    const eq = rec.indexOf('=');
    if (eq > 0) env[rec.slice(0, eq)] = rec.slice(eq + 1);
  }
  const lines = records.slice(end + 1);
  const homeOf = (line: string | undefined, name?: string): string | undefined => {
    const f = (line ?? '').split(':');
    return f.length >= 7 && (name === undefined || f[0] === name) ? f[5] : undefined;
  };
  const homes = new Map<string, string | undefined>([['', homeOf(lines[0])]]);
  names.forEach((n, i) => homes.set(n, homeOf(lines[i + 1], n)));
  return { env, homes };
}

const needsHost = (v: string): boolean => v.includes('$') || v.startsWith('~');

/**
 * `args` with each of `keys` (a string, or a list of strings) expanded as Ansible's module would on
 * the host. No remote call when no value holds `$` or starts with `~`; one otherwise (a second only
 * when a variable's value brings a `~name` not asked for first).
 */
export async function expandPaths<A extends object>(ctx: Pick<ModuleContext, 'conn'>, args: A, keys: readonly string[]): Promise<A> {
  const rec = args as Record<string, unknown>;
  const values = keys.flatMap((k) => (typeof rec[k] === 'string' ? [rec[k]] : Array.isArray(rec[k]) ? rec[k].filter((v) => typeof v === 'string') : []));
  if (!values.some(needsHost)) return args;
  const literalNames = [...new Set(values.map(tildeUser).filter((n): n is string => !!n))];
  const view = await readHost(
    ctx,
    literalNames,
    values.some((v) => v.includes('$') || v === '~' || v.startsWith('~/')),
  );
  const afterVars = values.map((v) => expandVars(v, view.env));
  const more = [...new Set(afterVars.map(tildeUser).filter((n): n is string => !!n && !view.homes.has(n)))];
  if (more.length) for (const [n, h] of (await readHost(ctx, more, false)).homes) if (n) view.homes.set(n, h);
  const expand = (v: string): string => expandUser(expandVars(v, view.env), view.env, (n) => view.homes.get(n));
  const out: Record<string, unknown> = { ...rec };
  for (const k of keys) {
    const v = rec[k];
    if (typeof v === 'string') out[k] = expand(v);
    else if (Array.isArray(v)) out[k] = v.map((x) => (typeof x === 'string' ? expand(x) : x));
  }
  return out as A;
}

/**
 * An action plugin's `_remote_expand_user` (2.14 plugins/action/__init__.py), as unarchive's action
 * applies it to `creates`: only a leading `~` (the task's user's passwd home, the become user's under
 * become) or `~name`; `$VAR` stays as written. An unknown user leaves the path as it is.
 */
export async function expandTilde(ctx: Pick<ModuleContext, 'conn'>, path: string): Promise<string> {
  const name = tildeUser(path);
  if (name === undefined) return path;
  const view = await readHost(ctx, name ? [name] : [], false);
  return expandUser(path, {}, (n) => view.homes.get(n));
}
