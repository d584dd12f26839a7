/**
 * user (ansible.builtin.user, ansible-core 2.14's generic Linux class): an account present or
 * absent through useradd/usermod/userdel (libuser's luseradd/lusermod/luserdel + lgroupmod with
 * `local`, which looks the user up in /etc/passwd only). The same decisions as the module's
 * create_user_useradd / modify_user_usermod / remove_user_userdel: which flags each option adds,
 * `-N` when a group named like the user exists, `-G` with every wanted group (`-a` with append),
 * `-L`/`-U` for password_lock, the hash compared without its leading `!`, and a missing home
 * directory made from /etc/skel with login.defs' UMASK. `usermod -a` is assumed (shadow-utils has
 * had it since 4.0.something; the module asks `usermod --help`).
 * `password` is a hash and never shown: messages name what changes, the result says
 * NOT_LOGGING_PASSWORD as Ansible's does. password_expire_min/max run `chage -m/-M` last, only for the
 * values that differ from the shadow entry's (set_password_expire; 2.14 has no password_expire_warn,
 * and registers neither value although its docs list them). A check run that would add or remove the user registers
 * `changed` alone, as the module exits early. Plan = one exec; apply = the command, the home
 * directory if missing, then the entry read again.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { defineModule, ModuleFailure } from './types.js';
import { boolArg, withAliases } from './lib/args.js';
import { findGroup, readAccounts, runArgv, type AccountsView, type PasswdEntry, type ShadowEntry } from './lib/accounts.js';
import { commandOutput, intArg } from './group.js';
import { run } from './lib/remote.js';

const str = z.union([z.string(), z.number()]).transform(String);
/** type='list' of str: a YAML list, or a comma-separated string split as Ansible does (no strip). */
const listArg = z.union([z.array(str), z.string().transform((s) => s.split(','))]);

const schema = withAliases(
  z.strictObject({
    name: str.pipe(z.string().min(1)),
    state: z.enum(['present', 'absent']).default('present'),
    uid: intArg.optional(),
    non_unique: boolArg.default(false),
    group: str.optional(),
    groups: listArg.nullable().optional(),
    comment: str.optional(),
    home: z.string().min(1).optional(),
    shell: z.string().optional(),
    password: z.string().optional(),
    force: boolArg.default(false),
    remove: boolArg.default(false),
    create_home: boolArg.default(true),
    skeleton: z.string().optional(),
    system: boolArg.default(false),
    move_home: boolArg.default(false),
    append: boolArg.default(false),
    update_password: z.enum(['always', 'on_create']).default('always'),
    password_lock: boolArg.optional(),
    local: boolArg.optional(),
    password_expire_min: intArg.optional(),
    password_expire_max: intArg.optional(),
  }),
  { user: 'name', createhome: 'create_home' },
);
type Args = z.infer<typeof schema>;

/** The module's user_info: the passwd entry with the shadow hash when the passwd field is "x" (or empty). */
function userInfo(view: AccountsView): PasswdEntry | undefined {
  const u = view.user;
  if (!u) return undefined;
  return u.passwd.length <= 1 ? { ...u, passwd: view.shadow?.password ?? '' } : u;
}

/** set_password_expire: `chage` with -m/-M for the values that differ from the shadow entry, or undefined. */
function chageArgv(a: Args, shadow: ShadowEntry | undefined): (string | number)[] | undefined {
  if (!shadow) return undefined;
  const argv: (string | number)[] = ['chage'];
  if (a.password_expire_min !== undefined && a.password_expire_min !== shadow.min) argv.push('-m', a.password_expire_min);
  if (a.password_expire_max !== undefined && a.password_expire_max !== shadow.max) argv.push('-M', a.password_expire_max);
  return argv.length > 1 ? [...argv, a.name] : undefined;
}

/** The module's create_homedir + chown_homedir, as one script: skel copied (or an empty dir), login.defs' UMASK, owner. */
function makeHome(home: string, skeleton: string | undefined, uid: number, gid: number) {
  const skel = skeleton ?? '/etc/skel';
  return sh`if ! test -e ${home}; then
  if test -e ${skel}; then mkdir -p -- ${posix.dirname(home)} && cp -RP --preserve=mode,timestamps -- ${skel} ${home} || exit 1
  else mkdir -p -- ${home} || exit 1; fi
  for u in $(sed -n 's/^UMASK[[:space:]]\\{1,\\}\\([0-9]\\{1,\\}\\)[[:space:]]*$/\\1/p' /etc/login.defs 2>/dev/null); do chmod "$(printf '%o' $((0777 & ~0$u)))" ${home} || exit 1; done
fi
chown -R ${`${uid}:${gid}`} ${home}`;
}

export default defineModule<Args>({
  name: 'user',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  pathArgs: ['home'],
  description: 'A user account present (uid, group, groups, shell, home, password hash, lock) or absent, through useradd/usermod/userdel',
  schema,
  secretArgs: ['password'],
  async plan(a, ctx) {
    const parent = a.home !== undefined ? posix.dirname(a.home) : undefined;
    const paths = [a.home, parent].filter((p): p is string => p !== undefined);
    const view = await readAccounts(ctx.conn, a.name, paths);
    const info = userInfo(view);
    const exists = a.local ? view.inPasswdFile : info !== undefined;
    const tool = (t: string) => (a.local ? `l${t}` : t);
    const groupsText = a.groups === null || a.groups === undefined ? undefined : a.groups.join(',');
    const base = { name: a.name, state: a.state };
    const secret = a.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {};
    const fail = (r: { stderr: string; rc: number }) => new ModuleFailure(r.stderr, { name: a.name, rc: r.rc });
    /** A group that exists, or that an earlier task of this check run would add (its gid unknown: -1). */
    const lookup = (g: string) => findGroup(view.groups, g) ?? (ctx.check && ctx.planned.groups.has(g) ? { name: g, gid: -1, members: [] } : undefined);
    /** get_groups_set: the wanted groups, each of which must exist. */
    const wantedGroups = (): string[] => {
      const out: string[] = [];
      for (const g of (groupsText ?? '').split(',').filter(Boolean)) {
        const n = g.trim();
        if (!lookup(n)) throw new ModuleFailure(`Group ${n} does not exist`);
        if (!out.includes(n)) out.push(n);
      }
      return out;
    };
    const primary = () => {
      if (a.group === undefined) return undefined;
      const g = lookup(a.group);
      if (!g) throw new ModuleFailure(`Group ${a.group} does not exist`);
      return g;
    };
    /** What the module registers about a present user (from the entry read after the change). */
    const described = (u: PasswdEntry | undefined) =>
      u ? { uid: u.uid, group: u.gid, comment: u.gecos, home: u.home, shell: u.shell, ...(groupsText !== undefined ? { groups: groupsText } : {}) } : {};
    /** Apply's tail: the entry read again, a missing home directory made, then chage (changed either way). */
    const finish = async (extra: Record<string, unknown>, msg: string) => {
      let view = await readAccounts(ctx.conn, a.name);
      let now = userInfo(view);
      const home = a.home ?? now?.home;
      if (now && home && a.create_home) {
        const r = await ctx.conn.exec(sh`test -e ${home}`);
        if (r.rc !== 0) {
          await run(ctx.conn, makeHome(home, a.skeleton, now.uid, now.gid), `cannot create the home directory ${home}`);
          view = await readAccounts(ctx.conn, a.name);
          now = userInfo(view);
        }
      }
      const chage = now ? chageArgv(a, view.shadow) : undefined;
      if (chage) {
        const r = await runArgv(ctx.conn, chage);
        if (r.rc !== 0) throw fail(r);
      }
      return { ...base, ...extra, ...secret, ...described(now), msg };
    };

    if (a.state === 'absent') {
      if (!exists) return { changed: false, msg: `user ${a.name} is absent`, result: base };
      const argv = [tool('userdel'), ...(a.force && !a.local ? ['-f'] : []), ...(a.remove ? ['-r'] : []), a.name];
      return {
        changed: true,
        msg: `would remove user ${a.name}`,
        done: `removed user ${a.name}`,
        result: {},
        apply: async () => {
          const r = await runArgv(ctx.conn, argv);
          if (r.rc !== 0) throw fail(r);
          return { ...base, force: a.force, remove: a.remove, ...commandOutput(r), msg: `removed user ${a.name}` };
        },
      };
    }

    if (!exists) {
      const argv: (string | number)[] = [tool('useradd')];
      if (a.uid !== undefined) argv.push('-u', a.uid, ...(a.non_unique ? ['-o'] : []));
      const g = primary();
      if (g) argv.push('-g', a.group!);
      else if (lookup(a.name)) argv.push(a.local ? '-n' : '-N');
      const groups = groupsText ? wantedGroups() : [];
      if (groups.length && !a.local) argv.push('-G', groups.join(','));
      if (a.comment !== undefined) argv.push('-c', a.comment);
      const needsParents = a.home !== undefined && a.create_home && !view.isDir[parent!];
      if (a.home !== undefined) argv.push('-d', a.home);
      if (a.shell !== undefined) argv.push('-s', a.shell);
      if (a.password !== undefined) argv.push('-p', a.password_lock ? `!${a.password}` : a.password);
      if (a.create_home) {
        if (!a.local) argv.push('-m');
        if (a.skeleton !== undefined) argv.push('-k', a.skeleton);
      } else argv.push('-M');
      if (a.system) argv.push('-r');
      argv.push(a.name);
      return {
        changed: true,
        msg: `would add user ${a.name}`,
        done: `added user ${a.name}`,
        result: {},
        apply: async () => {
          // useradd cannot make a home's missing parents: the module makes the home first, then owns it.
          if (needsParents) await run(ctx.conn, makeHome(a.home!, a.skeleton, 0, 0), `cannot create the home directory ${a.home}`);
          const r = await runArgv(ctx.conn, argv);
          if (r.rc !== 0) throw fail(r);
          let out = commandOutput(r);
          for (const grp of a.local ? groups : []) {
            const m = await runArgv(ctx.conn, ['lgroupmod', '-M', a.name, grp]);
            out = { stdout: (out.stdout ?? '') + m.stdout, stderr: (out.stderr ?? '') + m.stderr };
            if (m.rc !== 0) throw fail(m);
          }
          if (needsParents) {
            const u = userInfo(await readAccounts(ctx.conn, a.name));
            if (u) await run(ctx.conn, sh`chown -R ${`${u.uid}:${u.gid}`} ${a.home!}`, `cannot chown ${a.home}`);
          }
          return finish({ system: a.system, create_home: a.create_home, ...out }, `added user ${a.name}`);
        },
      };
    }

    // modify_user_usermod
    const u = info!;
    const argv: (string | number)[] = [tool('usermod')];
    const what: string[] = [];
    if (a.uid !== undefined && u.uid !== a.uid) {
      argv.push('-u', a.uid, ...(a.non_unique ? ['-o'] : []));
      what.push(`uid ${u.uid} -> ${a.uid}`);
    }
    const g = primary();
    if (g && u.gid !== g.gid) {
      argv.push('-g', g.gid);
      what.push(`group ${u.gid} -> ${g.gid}`);
    }
    let addGroups: string[] = [];
    let delGroups: string[] = [];
    if (groupsText !== undefined) {
      const current = view.groups.filter((x) => x.members.includes(a.name)).map((x) => x.name);
      let need = false;
      let wanted: string[] = [];
      if (groupsText === '') need = current.length > 0 && !a.append;
      else {
        wanted = wantedGroups();
        const diff = [...current.filter((x) => !wanted.includes(x)), ...wanted.filter((x) => !current.includes(x))];
        if (diff.length) {
          if (a.append) {
            if (wanted.some((x) => diff.includes(x))) {
              argv.push('-a');
              need = true;
            }
          } else need = true;
        }
      }
      if (need) {
        addGroups = wanted.filter((x) => !current.includes(x));
        delGroups = a.append ? [] : current.filter((x) => !wanted.includes(x));
        if (!a.local) argv.push('-G', wanted.join(','));
        what.push(`groups ${current.join(',') || '(none)'} -> ${a.append ? [...current, ...addGroups].join(',') : wanted.join(',') || '(none)'}`);
      }
    }
    if (a.comment !== undefined && u.gecos !== a.comment) {
      argv.push('-c', a.comment);
      what.push('comment');
    }
    if (a.home !== undefined && u.home !== a.home) {
      argv.push('-d', a.home, ...(a.move_home ? ['-m'] : []));
      what.push(`home ${u.home} -> ${a.home}`);
    }
    if (a.shell !== undefined && u.shell !== a.shell) {
      argv.push('-s', a.shell);
      what.push(`shell ${u.shell} -> ${a.shell}`);
    }
    if (a.password_lock === true && !u.passwd.startsWith('!')) {
      argv.push('-L');
      what.push('password locked');
    } else if (a.password_lock === false && u.passwd.startsWith('!')) {
      argv.push('-U');
      what.push('password unlocked');
    }
    const strip = (s: string) => s.replace(/^!+/, '');
    let flags = argv;
    if (a.update_password === 'always' && a.password !== undefined && strip(u.passwd) !== strip(a.password)) {
      flags = argv.filter((x) => x !== '-U' && x !== '-L');
      flags.push('-p', a.password_lock ? `!${a.password}` : a.password);
      what.push('password');
    }
    const runUsermod = flags.length > 1;
    const lgroupmod = a.local && (addGroups.length > 0 || delGroups.length > 0);
    const home = a.home ?? u.home;
    const homeMissing = a.create_home && !(a.home !== undefined ? view.exists[a.home] : view.homeExists);
    if (homeMissing) what.push(`home directory ${home} created`);
    const chage = chageArgv(a, view.shadow);
    if (chage) {
      if (a.password_expire_min !== undefined && chage.includes('-m')) what.push(`password_expire_min ${view.shadow!.min} -> ${a.password_expire_min}`);
      if (a.password_expire_max !== undefined && chage.includes('-M')) what.push(`password_expire_max ${view.shadow!.max} -> ${a.password_expire_max}`);
    }
    const changed = runUsermod || lgroupmod || homeMissing || chage !== undefined;
    const result = { ...base, append: a.append, move_home: a.move_home, ...secret, ...described(u) };
    if (!changed) return { changed: false, msg: `user ${a.name} is as wanted`, result };
    const msg = `user ${a.name}: ${what.join(', ')}`;
    return {
      changed: true,
      msg: `would change ${msg}`,
      done: `changed ${msg}`,
      result,
      apply: async () => {
        let out: Record<string, string> = {};
        if (runUsermod) {
          const r = await runArgv(ctx.conn, [...flags, a.name]);
          if (r.rc !== 0) throw fail(r);
          out = commandOutput(r);
        }
        for (const [flag, list] of [
          ['-M', addGroups],
          ['-m', delGroups],
        ] as const) {
          for (const grp of lgroupmod ? list : []) {
            const r = await runArgv(ctx.conn, ['lgroupmod', flag, a.name, grp]);
            if (r.rc !== 0) throw fail(r);
          }
        }
        return finish({ append: a.append, move_home: a.move_home, ...out }, `changed ${msg}`);
      },
    };
  },
});
