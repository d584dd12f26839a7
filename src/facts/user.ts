/**
 * Who the play's tasks run as: ansible-core 2.14's `env` and `user` collectors
 * (module_utils/facts/system/env.py, system/user.py). Read as the play's become user
 * (`asPlayUser`), as Ansible's setup runs with the play's become: under `become: true`
 * ansible_user_id is root and ansible_env is sudo's environment. Two facts, as two
 * collectors: a setup whose filter selects one re-reads only that one.
 *
 * env.py copies os.environ: the environment the process started with. Here that is
 * /proc/$$/environ of an `sh -c` started to run the fact command (what any command nodemend runs
 * as that user gets), NUL-separated so a value may hold newlines. user.py takes the name
 * from getpass.getuser() (the first non-empty LOGNAME, USER, LNAME, USERNAME, else the real
 * uid's passwd name), its passwd entry by that name (else by the real uid), and the ids from
 * getuid/geteuid/getgid: `effective_group_id` is getgid() there too, not getegid().
 */
import type { FactDef } from './types.js';

export interface UserFacts {
  user_id: string;
  user_uid: number;
  user_gid: number;
  user_gecos: string;
  user_dir: string;
  user_shell: string;
  real_user_id: number;
  effective_user_id: number;
  real_group_id: number;
  effective_group_id: number;
}

/** The ids, getuser()'s name, and the passwd entries by that name and by the real uid. */
const USER_COMMAND = [
  'u=${LOGNAME:-${USER:-${LNAME:-${USERNAME:-}}}}',
  'printf "@ids %s %s %s\\n" "$(id -ru)" "$(id -u)" "$(id -rg)"',
  'printf "@name %s\\n" "$u"',
  '[ -n "$u" ] && printf "@pwnam %s\\n" "$(getent passwd -- "$u" | head -n 1)"',
  'printf "@pwuid %s\\n" "$(getent passwd -- "$(id -ru)" | head -n 1)"',
].join('\n');

/** A passwd line: name:x:uid:gid:gecos:dir:shell. */
function passwd(line: string | undefined): string[] | undefined {
  const f = line?.split(':');
  return f && f.length >= 7 ? f : undefined;
}

export function parseUser(out: string): UserFacts {
  const tag = (t: string): string | undefined => new RegExp(`^@${t} (.*)$`, 'm').exec(out)?.[1];
  const [ruid, euid, rgid] = (tag('ids') ?? '').split(' ').map(Number);
  const pw = passwd(tag('pwnam')) ?? passwd(tag('pwuid')) ?? [];
  return {
    user_id: tag('name') || (pw[0] ?? ''),
    user_uid: Number(pw[2]),
    user_gid: Number(pw[3]),
    user_gecos: pw[4] ?? '',
    user_dir: pw[5] ?? '',
    user_shell: pw[6] ?? '',
    real_user_id: ruid,
    effective_user_id: euid,
    real_group_id: rgid,
    effective_group_id: rgid,
  };
}

/** NAME=value entries separated by NULs, as /proc/PID/environ holds them. */
export function parseEnviron(out: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of out.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export const environment: FactDef<Record<string, string>> = {
  name: 'environment',
  description: "The play user's environment, as Ansible's ansible_env (read as the play's become user)",
  // Its own `sh -c`: a persistent-shell command runs in a subshell of the server, whose $$ and
  // /proc/$$/environ are the server's (started by sudo, without the PWD a shell exports to the
  // processes it starts, as /bin/sh -c gives Ansible's Python).
  command: "sh -c 'cat /proc/$$/environ 2>/dev/null || env -0'",
  parse: (out) => parseEnviron(out),
  asPlayUser: true,
};

export const user: FactDef<UserFacts> = {
  name: 'user',
  description: "The play user's name, ids and passwd entry, as Ansible's user facts (read as the play's become user)",
  command: USER_COMMAND,
  parse: (out) => parseUser(out),
  asPlayUser: true,
};

export default [environment, user];
