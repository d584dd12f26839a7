/**
 * group (ansible.builtin.group, ansible-core 2.14's generic Linux class): a group present with
 * a gid, or absent, through groupadd/groupmod/groupdel (libuser's lgroupadd/lgroupmod/lgroupdel
 * with `local`, which also looks the group up in /etc/group only). Registered as the module
 * returns it: name, state, changed, stdout/stderr of the command, and system/gid when the group
 * exists; a check run that would add or delete registers `changed` alone, as Ansible exits early.
 * Plan = one exec reading the databases; apply = the command, then the group read again.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { boolArg } from './lib/args.js';
import { readAccounts, runArgv, type GroupEntry } from './lib/accounts.js';

/** type='int' as Ansible converts it ("1000" is 1000). */
export const intArg = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\s*[-+]?\d+\s*$/, 'expected an integer')
    .transform(Number),
]);

const schema = z
  .strictObject({
    name: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1)),
    state: z.enum(['present', 'absent']).default('present'),
    gid: intArg.optional(),
    system: boolArg.default(false),
    local: boolArg.default(false),
    non_unique: boolArg.default(false),
  })
  .superRefine((a, ctx) => {
    if (a.non_unique && a.gid === undefined) ctx.addIssue({ code: 'custom', message: 'non_unique is True but all of the following are missing: gid', path: ['gid'] });
  });
type Args = z.infer<typeof schema>;

/** The command's output as the module registers it: only when not empty. */
export function commandOutput(r: { stdout: string; stderr: string }): Record<string, string> {
  return { ...(r.stdout ? { stdout: r.stdout } : {}), ...(r.stderr ? { stderr: r.stderr } : {}) };
}

async function currentGroup(ctx: ModuleContext, name: string): Promise<GroupEntry | undefined> {
  return (await readAccounts(ctx.conn, name)).groups.find((g) => g.name === name);
}

export default defineModule<Args>({
  name: 'group',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  description: 'A group present (gid, system) or absent, through groupadd/groupmod/groupdel',
  schema,
  async plan(a, ctx) {
    const view = await readAccounts(ctx.conn, a.name);
    const entry = view.groups.find((g) => g.name === a.name);
    const exists = a.local ? view.inGroupFile : entry !== undefined;
    const tool = (t: string) => (a.local ? `l${t}` : t);
    const base = { name: a.name, state: a.state };
    /** The module's _local_check_gid_exists (only with local). */
    const localGidCheck = () => {
      const other = a.local && a.gid !== undefined ? view.groups.find((g) => g.gid === a.gid && g.name !== a.name) : undefined;
      if (other) throw new ModuleFailure(`GID '${a.gid}' already exists with group '${other.name}'`);
    };
    const after = async (argv: (string | number)[], what: string) => {
      const r = await runArgv(ctx.conn, argv);
      // The module's fail_json(name=..., msg=err): no rc.
      if (r.rc !== 0) throw new ModuleFailure(r.stderr, { name: a.name });
      const now = await currentGroup(ctx, a.name);
      return { ...base, ...commandOutput(r), ...(now ? { system: a.system, gid: now.gid } : {}), msg: what };
    };

    if (a.state === 'absent') {
      if (!exists) return { changed: false, msg: `group ${a.name} is absent`, result: { ...base, ...(entry ? { system: a.system, gid: entry.gid } : {}) } };
      return { changed: true, msg: `would remove group ${a.name}`, done: `removed group ${a.name}`, result: {}, apply: () => after([tool('groupdel'), a.name], `removed group ${a.name}`) };
    }
    if (!exists) {
      localGidCheck();
      const argv: (string | number)[] = [tool('groupadd')];
      if (a.gid !== undefined) argv.push('-g', a.gid, ...(a.non_unique ? ['-o'] : []));
      if (a.system) argv.push('-r');
      argv.push(a.name);
      // A later user task of this check run may name it.
      if (ctx.check) ctx.planned.groups.add(a.name);
      return { changed: true, msg: `would add group ${a.name}`, done: `added group ${a.name}`, result: {}, apply: () => after(argv, `added group ${a.name}`) };
    }
    localGidCheck();
    const current = { ...base, ...(entry ? { system: a.system, gid: entry.gid } : {}) };
    if (a.gid === undefined || entry?.gid === a.gid) return { changed: false, msg: `group ${a.name} is as wanted`, result: current };
    const argv = [tool('groupmod'), '-g', a.gid, ...(a.non_unique ? ['-o'] : []), a.name];
    const what = `gid of ${a.name} ${entry?.gid ?? '(none)'} -> ${a.gid}`;
    return { changed: true, msg: `would change ${what}`, done: `changed ${what}`, result: current, apply: () => after(argv, `changed ${what}`) };
  },
});
