/**
 * The account databases as Ansible's user and group modules read them (Python's pwd, grp and
 * spwd, i.e. NSS: `getent`), in one exec per plan, and the account commands they run
 * (useradd/usermod/userdel, groupadd/groupmod/groupdel, or libuser's l* tools with `local`).
 */
import { sh } from '../../transport/quote.js';
import type { ExecResult, RemoteShell } from '../../transport/types.js';

export interface PasswdEntry {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}
export interface ShadowEntry {
  password: string;
  /** Days between changes, min and max (spwd's sp_min/sp_max: an empty field reads -1). */
  min: number;
  max: number;
}

/** A shadow line as spwd.getspnam gives it. */
export function parseShadow(line: string): ShadowEntry {
  const f = line.split(':');
  const days = (x: string | undefined) => (x === undefined || x === '' ? -1 : Number(x));
  return { password: f[1] ?? '', min: days(f[3]), max: days(f[4]) };
}

export function parsePasswd(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 7) return undefined;
  return { name: f[0], passwd: f[1], uid: Number(f[2]), gid: Number(f[3]), gecos: f[4], home: f[5], shell: f.slice(6).join(':') };
}
export function parseGroup(line: string): GroupEntry | undefined {
  const f = line.split(':');
  if (f.length < 4) return undefined;
  return { name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] };
}

/** What a user or group plan reads. */
export interface AccountsView {
  /** getent passwd NAME (pwd.getpwnam). */
  user?: PasswdEntry;
  /** getent shadow NAME (spwd.getspnam); absent when there is none. */
  shadow?: ShadowEntry;
  /** Every group (grp.getgrall). */
  groups: GroupEntry[];
  /** `local`: whether /etc/passwd and /etc/group hold a line for the name (as the modules test it). */
  inPasswdFile: boolean;
  inGroupFile: boolean;
  /** Whether paths the caller asked about exist (os.path.exists), and whether they are directories. */
  exists: Record<string, boolean>;
  isDir: Record<string, boolean>;
  /** Whether the home directory the passwd entry names exists (false when there is no entry). */
  homeExists: boolean;
}

const SEP = '__NODEMEND_ACCOUNTS__';

/** One exec: the name's passwd and shadow entries, every group, the local files' lines, and paths. */
export async function readAccounts(conn: RemoteShell, name: string, paths: string[] = []): Promise<AccountsView> {
  const tests = paths.map((p) => sh`if test -e ${p}; then echo 1; else echo 0; fi; if test -d ${p}; then echo 1; else echo 0; fi`);
  const script = [
    sh`getent passwd -- ${name}; echo ${SEP}; getent shadow -- ${name}; echo ${SEP}; getent group; echo ${SEP}`,
    sh`cut -d: -f1 /etc/passwd 2>/dev/null | grep -qxF -- ${name} && echo p; cut -d: -f1 /etc/group 2>/dev/null | grep -qxF -- ${name} && echo g`,
    sh`h=$(getent passwd -- ${name} | cut -d: -f6); if test -n "$h" && test -e "$h"; then echo h; fi; echo ${SEP}`,
    ...tests,
  ]
    .map((x) => x.text)
    .join('\n');
  const r: ExecResult = await conn.exec(script);
  const parts = r.stdout.split(`${SEP}\n`);
  if (parts.length < 5) throw new Error(`cannot read the account databases: ${r.stderr.trim() || `exit code ${r.rc}`}`);
  const lines = (s: string) => s.split('\n').filter(Boolean);
  const shadowLine = lines(parts[1])[0];
  const flags = lines(parts[3]);
  const answers = lines(parts[4]);
  const exists: Record<string, boolean> = {};
  const isDir: Record<string, boolean> = {};
  paths.forEach((p, i) => {
    exists[p] = answers[2 * i] === '1';
    isDir[p] = answers[2 * i + 1] === '1';
  });
  return {
    user: parsePasswd(lines(parts[0])[0] ?? ''),
    shadow: shadowLine ? parseShadow(shadowLine) : undefined,
    groups: lines(parts[2])
      .map(parseGroup)
      .filter((g): g is GroupEntry => !!g),
    inPasswdFile: flags.includes('p'),
    inGroupFile: flags.includes('g'),
    homeExists: flags.includes('h'),
    exists,
    isDir,
  };
}

/** grp.getgrgid(int(g)) first, then grp.getgrnam(g): how the user module finds a group. */
export function findGroup(groups: GroupEntry[], g: string): GroupEntry | undefined {
  if (/^\s*[-+]?\d+\s*$/.test(g)) {
    const byId = groups.find((x) => x.gid === Number(g));
    if (byId) return byId;
  }
  return groups.find((x) => x.name === g);
}

/** Run an account command (argv, every word quoted); rc, stdout and stderr as the module sees them. */
export function runArgv(conn: RemoteShell, argv: (string | number)[]): Promise<ExecResult> {
  return conn.exec(sh`${argv.map(String)}`);
}
