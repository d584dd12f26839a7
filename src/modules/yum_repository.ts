/**
 * yum_repository (ansible-core 2.14.18, modules/yum_repository.py): one repository as a section
 * of a .repo ini file in `reposdir`. A port of that release's decisions: the file is read with
 * Python's configparser (lib/py-configparser.ts), the repo's section is dropped and added again
 * (at the end of the file) with every option the task sets, in sorted key order (`description`
 * is written as `name`, booleans as 1/0, baseurl and gpgkey joined with newlines, exclude and
 * includepkgs with spaces), and the whole file written back by configparser (comments are lost,
 * as in Ansible). Changed = the sorted dump of the file's sections differs, which is also the
 * diff and the registered `diff`. A file left without sections is removed. mode/owner/group
 * apply to the file when it exists afterwards. Plan = one read; apply = one write (or rm).
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { probeFile, writeFileAtomic } from '../transport/remote-file.js';
import { attrDelta, attrDiff, attrFields, describeAttrs, fixAttrsCommand, modeForWrite } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { forgetPlannedPath, planPathState } from './lib/planned-paths.js';
import { ConfigParserError, parseIni, sectionItems, writeIni, type IniData } from './lib/py-configparser.js';
import { remote, run } from './lib/remote.js';
import { defineModule, ModuleFailure, type FileDiff } from './types.js';

/** Ansible's `type: str` from YAML scalars: Python's str() of a bool is True/False. */
const str = z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)));
/** Ansible's `type: list` exactly (check_type_list): a string is split on commas as is, no trimming (`"a, b"` -> `a` and ` b`). */
const strList = z.union([z.array(str), z.string().transform((v) => v.split(',')), z.number().transform((v) => [String(v)])]);
const choice = <T extends [string, ...string[]]>(values: T) => str.pipe(z.enum(values));

/** Options the module writes to the file when set (allowed_params), by type. */
const BOOL_OPTIONS = [
  'async',
  'enabled',
  'enablegroups',
  'gpgcheck',
  'keepalive',
  'module_hotfixes',
  'protect',
  'repo_gpgcheck',
  's3_enabled',
  'skip_if_unavailable',
  'ssl_check_cert_permissions',
  'sslverify',
] as const;
const STR_OPTIONS = [
  'bandwidth',
  'cost',
  'deltarpm_metadata_percentage',
  'deltarpm_percentage',
  'gpgcakey',
  'include',
  'metadata_expire',
  'metalink',
  'mirrorlist',
  'mirrorlist_expire',
  'password',
  'priority',
  'proxy',
  'proxy_password',
  'proxy_username',
  'retries',
  'sslcacert',
  'sslclientcert',
  'sslclientkey',
  'throttle',
  'timeout',
  'ui_repoid_vars',
  'username',
] as const;
const CHOICES = {
  failovermethod: ['roundrobin', 'priority'],
  http_caching: ['all', 'packages', 'none'],
  ip_resolve: ['4', '6', 'IPv4', 'IPv6', 'whatever'],
  keepcache: ['0', '1'],
  metadata_expire_filter: ['never', 'read-only:past', 'read-only:present', 'read-only:future'],
} as const;
/** Joined with newlines (one URL a line, continuation lines in the file) or with spaces. */
const NEWLINE_LISTS = ['baseurl', 'gpgkey'] as const;
const SPACE_LISTS = ['exclude', 'includepkgs'] as const;
/** argument_spec's no_log options: their values never show in a diff or message. */
const SECRETS = ['password', 'proxy_password'] as const;

const optional = <T extends z.ZodType>(t: T) => t.optional();
const fields = {
  ...Object.fromEntries(BOOL_OPTIONS.map((k) => [k, optional(boolArg)])),
  ...Object.fromEntries(STR_OPTIONS.map((k) => [k, optional(str)])),
  ...Object.fromEntries(Object.entries(CHOICES).map(([k, v]) => [k, optional(choice(v as unknown as [string, ...string[]]))])),
  ...Object.fromEntries([...NEWLINE_LISTS, ...SPACE_LISTS].map((k) => [k, optional(strList)])),
} as unknown as Record<(typeof BOOL_OPTIONS)[number], z.ZodOptional<typeof boolArg>> &
  Record<(typeof STR_OPTIONS)[number] | keyof typeof CHOICES, z.ZodOptional<z.ZodType<string>>> &
  Record<(typeof NEWLINE_LISTS)[number] | (typeof SPACE_LISTS)[number], z.ZodOptional<typeof strList>>;

const schema = withAliases(
  z
    .strictObject({
      name: str.pipe(z.string().min(1)),
      description: str.optional(),
      file: str.optional(),
      reposdir: pathArg.default('/etc/yum.repos.d'),
      state: z.enum(['present', 'absent']).default('present'),
      params: z.record(z.string(), z.unknown()).optional(),
      ...fields,
      ...attrFields,
    })
    .superRefine((a, ctx) => {
      // main()'s checks, before any host.
      if (a.params) ctx.addIssue({ code: 'custom', message: "The params option to yum_repository was removed in Ansible 2.5 since it circumvents Ansible's option handling" });
      if (a.state === 'present' && a.baseurl === undefined && a.metalink === undefined && a.mirrorlist === undefined)
        ctx.addIssue({ code: 'custom', message: "Parameter 'baseurl', 'metalink' or 'mirrorlist' is required." });
      if (a.state === 'present' && a.description === undefined) ctx.addIssue({ code: 'custom', message: "Parameter 'description' is required." });
    }),
  { ca_cert: 'sslcacert', client_cert: 'sslclientcert', client_key: 'sslclientkey', validate_certs: 'sslverify' },
);
type Args = z.infer<typeof schema>;

/** The repo's options as YumRepo.add sets them: sorted by argument name (description sorts as `name`). */
export function repoOptions(a: Args): Map<string, string> {
  const values: Record<string, string> = {};
  if (a.description !== undefined) values.name = a.description;
  for (const k of BOOL_OPTIONS) if (a[k] !== undefined) values[k] = a[k] ? '1' : '0';
  for (const k of [...STR_OPTIONS, ...(Object.keys(CHOICES) as (keyof typeof CHOICES)[])]) if (a[k] !== undefined) values[k] = a[k];
  for (const k of NEWLINE_LISTS) if (a[k] !== undefined) values[k] = a[k].join('\n');
  for (const k of SPACE_LISTS) if (a[k] !== undefined) values[k] = a[k].join(' ');
  return new Map(
    Object.keys(values)
      .sort()
      .map((k) => [k, values[k]]),
  );
}

/** YumRepo.dump: sections sorted, each one's items (defaults included) sorted, a blank line after each. */
export function dumpRepos(data: IniData): string {
  return [...data.sections.keys()]
    .sort()
    .map(
      (s) =>
        `[${s}]\n${[...sectionItems(data, s)]
          .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
          .map(([k, v]) => `${k} = ${v}\n`)
          .join('')}\n`,
    )
    .join('');
}

/** The file after the task: the repo's section removed, and for `present` added again at the end. */
export function editRepos(data: IniData, repoid: string, options: Map<string, string> | undefined): IniData {
  const sections = new Map(data.sections);
  sections.delete(repoid);
  if (options) sections.set(repoid, options);
  return { defaults: data.defaults, sections };
}

/** Ansible masks a no_log option's value wherever it appears in a result. */
function masker(a: Args): (s: string) => string {
  const secrets = SECRETS.map((k) => a[k]).filter((v): v is string => !!v);
  return (s) => secrets.reduce((t, v) => t.split(v).join('********'), s);
}

export default defineModule<Args>({
  name: 'yum_repository',
  pathArgs: ['reposdir'],
  description: 'Add or remove a yum repository in a .repo file, as ansible.builtin.yum_repository writes it',
  schema,
  secretArgs: [...SECRETS],
  async plan(a, ctx) {
    const dest = posix.join(a.reposdir, `${a.file ?? a.name}.repo`);
    const probe = await remote(probeFile(ctx.conn, dest, { follow: true, wantContent: 'always', extra: sh`[ -d ${a.reposdir} ] && echo dir` }));
    if (probe.extra !== 'dir' && !(ctx.check && ctx.planned.dirs.has(posix.normalize(a.reposdir)))) throw new ModuleFailure(`Repo directory '${a.reposdir}' does not exist.`);
    const isFile = probe.exists && probe.type === 'file';
    if (probe.exists && !isFile && a.state === 'present') throw new ModuleFailure(`Problems handling file ${dest}.`, { details: `${dest} is a ${probe.type}` });
    let data: IniData = { defaults: new Map(), sections: new Map() };
    try {
      if (isFile) data = parseIni(probe.content!.toString('utf8'), dest);
    } catch (e) {
      if (e instanceof ConfigParserError) throw new ModuleFailure(`cannot read ${dest} as yum does (Python's configparser): ${e.message}`);
      throw e;
    }
    const after = editRepos(data, a.name, a.state === 'present' ? repoOptions(a) : undefined);
    const mask = masker(a);
    const before = dumpRepos(data);
    const afterDump = dumpRepos(after);
    const contentChanged = before !== afterDump;
    const remove = contentChanged && after.sections.size === 0;
    // Attributes apply to a file there afterwards; a file created now gets them with its write.
    const delta = isFile && !remove ? attrDelta(probe, a) : undefined;
    const changed = contentChanged || Boolean(delta?.changed);
    const result = { repo: a.name, state: a.state, diff: { before_header: dest, before: mask(before), after_header: dest, after: mask(afterDump) } };
    if (!changed) return { changed: false, msg: `repo ${a.name} ${a.state === 'present' ? 'is as wanted' : 'is not'} in ${dest}`, result };

    const what = !contentChanged
      ? describeAttrs(delta!)
      : remove
        ? `remove ${dest} (no repo left)`
        : a.state === 'absent'
          ? `remove repo ${a.name} from ${dest}`
          : `${isFile ? 'write' : 'create'} repo ${a.name} in ${dest}`;
    const diff: FileDiff[] = [];
    if (contentChanged) diff.push({ path: dest, before: mask(before), after: mask(afterDump) });
    if (delta?.changed) diff.push(attrDiff(dest, delta)!);
    if (remove) forgetPlannedPath(ctx, dest);
    else planPathState(ctx, dest, { type: 'file', mode: a.mode, owner: a.owner, group: a.group });
    const target = probe.realPath;
    return {
      changed: true,
      msg: `would ${what}`,
      done: `${what.replace(/^(write|create|remove)/, (v) => ({ write: 'wrote', create: 'created', remove: 'removed' })[v]!)}`,
      diff,
      result,
      apply: async () => {
        if (remove) await run(ctx.conn, sh`rm -f -- ${dest}`, `Cannot remove empty repo file ${dest}.`);
        else if (contentChanged)
          await remote(
            writeFileAtomic(ctx.conn, target, writeIni(after), { mode: modeForWrite(a.mode, isFile ? probe : undefined), owner: a.owner, group: a.group, expectSha: isFile ? probe.sha256 : null }),
          );
        else await run(ctx.conn, fixAttrsCommand(target, delta!)!, `cannot set attributes of ${dest}`);
      },
    };
  },
});
