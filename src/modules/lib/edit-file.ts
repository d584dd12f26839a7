/**
 * The plan shared by lineinfile and blockinfile: read the file once (bytes + sha), compute
 * the edit on the controller, write it back atomically with compare-and-swap on the sha
 * that was read, so a concurrent change on the host is never clobbered. Symlinks are
 * followed (the real file is edited, as Ansible does).
 */
import { probeFile, writeFileAtomic, type FileProbe } from '../../transport/remote-file.js';
import { ModuleFailure, type FileDiff, type ModuleContext, type Plan } from '../types.js';
import { ansibleAttrPair, attrDelta, attrDiff, fileWriteOptions, fixAttrsCommand, seArgs, type AttrDelta, type WantedAttrs } from './attrs.js';
import type { SeArgs } from '../../transport/selinux-label.js';
import type { EditResult } from './line-edit.js';
import { remote, run } from './remote.js';
import { withAttributes, type AttributesRegister } from './attributes.js';
import { validationFailure } from './validate.js';
import type { Raw } from '../../transport/quote.js';

/** What to edit and how; mode/owner/group (WantedAttrs) only when the module takes them: left out, the file's own are kept. */
export interface TextEditOptions extends WantedAttrs {
  path: string;
  create: boolean;
  backup: boolean;
  /** state=absent: a missing file is simply "nothing to remove". */
  absentOk: boolean;
  /** The result field naming the backup, as the Ansible module calls it (lineinfile: always `backup`, "" if none). */
  backupField: 'backup' | 'backup_file';
  /** A read-only script run in the same exec as the file probe; its output goes to `onExtra` (sysctl's current value). */
  extra?: Raw;
  onExtra?: (out: string) => void;
  /** The failure message for a missing file without create (each Ansible module words it its own way). */
  missingMsg?: string;
  /** Ansible's `validate`: a command with %s run on the temp file before the rename. */
  validate?: string;
  /**
   * The msg a created file registers, in Ansible's words (lineinfile: the edit's "line added", blockinfile:
   * "File created"), in check mode and in the real run alike; left out, "PATH would be created" / "PATH created".
   */
  createdMsg?: (edit: EditResult) => string;
  /** Ansible's module warnings (module.warn), registered under `warnings` whatever the outcome. */
  warnings?: string[];
  /**
   * The `diff` the Ansible module registers (module.exit_json's diff=): `lines` as lineinfile and
   * blockinfile (always, before/after empty without --diff), `replace` as replace (a content change under --diff),
   * `ini` as community.general's ini_file (its single content pair, always, the texts under --diff).
   */
  ansibleDiff?: 'lines' | 'replace' | 'ini';
  /** chattr flags (attributes.ts), set after the edit as set_fs_attributes_if_different's last step. */
  attributes?: string;
}

/** A module's arguments that are Ansible's file arguments of the same names (replace has no `create`, ini_file no `validate`). */
export interface FileEditArgs extends Omit<WantedAttrs, 'se'>, SeArgs {
  path: string;
  create?: boolean;
  backup: boolean;
  validate?: string;
  attributes?: string;
}

/** The options planTextEdit takes straight from those arguments; the module adds absentOk and backupField. */
export function fileEditOptions(a: FileEditArgs): Pick<TextEditOptions, 'path' | 'create' | 'backup' | 'mode' | 'owner' | 'group' | 'se' | 'validate' | 'attributes'> {
  return { path: a.path, create: a.create ?? false, backup: a.backup, mode: a.mode, owner: a.owner, group: a.group, se: seArgs(a), validate: a.validate, attributes: a.attributes };
}

/** ansible-core 2.14's check_file_attrs (lineinfile, blockinfile, replace): the words for mode, owner, group or label changed. */
const ATTRS_CHANGED = 'ownership, perms or SE linux context changed';

export async function planTextEdit(ctx: ModuleContext, o: TextEditOptions, edit: (text: string) => EditResult): Promise<Plan> {
  const selinuxDefault = Object.values(o.se ?? {}).includes('_default');
  const probe = await remote(probeFile(ctx.conn, o.path, { follow: true, wantContent: 'always', extra: o.extra, selinuxDefault }));
  if (o.extra) o.onExtra?.(probe.extra ?? '');
  if (probe.type === 'directory') throw new ModuleFailure(`Path ${o.path} is a directory !`, { rc: 256 });
  if (probe.exists && probe.type !== 'file') throw new ModuleFailure(`${o.path} is not a regular file (${probe.type})`);
  if (!probe.exists) {
    if (o.absentOk) return { changed: false, msg: 'file not present' };
    if (!o.create) throw new ModuleFailure(o.missingMsg ?? `Destination ${o.path} does not exist !`, { rc: 257 });
  }
  let before = '';
  if (probe.exists) {
    try {
      before = new TextDecoder('utf-8', { fatal: true }).decode(probe.content);
    } catch {
      throw new ModuleFailure(`${o.path} is not UTF-8 text; refusing to edit it line by line`);
    }
  }
  const r = edit(before);
  const d = probe.exists ? attrDelta(probe, o) : undefined;
  const changed = r.changed || !probe.exists || Boolean(d?.changed);
  const created = (would: boolean) => (o.createdMsg ? o.createdMsg(r) : `${o.path} ${would ? 'would be ' : ''}created`);
  // Attributes that change are said as lineinfile/blockinfile/replace's check_file_attrs says them (the diff has the details).
  const attrs = d?.changed ? ATTRS_CHANGED : '';
  const msgs = [!probe.exists ? created(true) : r.msg, attrs].filter(Boolean);
  const extra = {
    ...(r.found !== undefined ? { found: r.found } : {}),
    ...(o.backupField === 'backup' ? { backup: '' } : {}),
    ...(o.warnings?.length ? { warnings: o.warnings } : {}),
  };
  const registered = registeredDiff(ctx, o, probe, before, r, d);
  // Unchanged: Ansible's lineinfile/blockinfile register msg "".
  if (!changed) return withAttributes({ changed: false, result: { ...extra, ...registered, msg: '' } }, ctx, o.path, o.attributes, attributesRegistered(o));

  const diff: FileDiff[] = [];
  if (r.changed || !probe.exists) diff.push({ path: o.path, before, after: r.text });
  if (d?.changed) diff.push(attrDiff(o.path, d)!);
  const target = probe.realPath;
  const plan: Plan = {
    changed: true,
    msg: msgs.join(' and '),
    done: [!probe.exists ? created(false) : r.msg, attrs].filter(Boolean).join(' and '),
    diff,
    result: { ...extra, ...registered },
    apply: async () => {
      if (!r.changed && probe.exists) {
        await run(ctx.conn, fixAttrsCommand(target, d!)!, `cannot set attributes of ${o.path}`);
        return {};
      }
      const w = await remote(
        writeFileAtomic(ctx.conn, target, r.text, {
          ...fileWriteOptions(o, probe),
          expectSha: probe.exists ? probe.sha256 : null,
          makeParents: o.create && !probe.parentExists ? true : undefined,
        }).catch((e: unknown) => {
          throw validationFailure(e, 'edit');
        }),
      );
      return w.backupFile ? { [o.backupField]: w.backupFile } : {};
    },
  };
  return withAttributes(plan, ctx, o.path, o.attributes, attributesRegistered(o));
}

/**
 * What changed flags add to the registered result: check_file_attrs' words in lineinfile, blockinfile
 * and replace's msg, and the flags in lineinfile/blockinfile's "(file attributes)" pair; ini_file
 * (set_fs_attributes_if_different without a diff) keeps do_ini's msg, which its module registers.
 */
function attributesRegistered(o: TextEditOptions): AttributesRegister | undefined {
  if (o.ansibleDiff === 'ini') return undefined;
  return (flags, result) => {
    const msg = typeof result.msg === 'string' && result.msg.includes(ATTRS_CHANGED) ? result.msg : [result.msg, ATTRS_CHANGED].filter(Boolean).join(' and ');
    if (o.ansibleDiff !== 'lines' || !Array.isArray(result.diff) || result.diff.length !== 2) return { msg };
    const [content, pair] = result.diff as [unknown, { before?: object; after?: object }];
    const attrs = { ...pair, before: { ...pair.before, attributes: flags.before }, after: { ...pair.after, attributes: flags.after } };
    return { msg, diff: [content, attrs] };
  };
}

/**
 * The `diff` key Ansible 2.14's module registers. lineinfile / blockinfile (present, absent): a list of
 * the content pair (texts only under --diff, "" otherwise) and the "(file attributes)" pair (the
 * attributes that change, mode as '0%03o', owner/group as uid/gid); in check mode on a file that
 * does not exist yet, the content pair alone. replace: the content pair under --diff when it changes.
 * ini_file: its one content pair, changed or not (attribute changes are not in it).
 */
function registeredDiff(ctx: ModuleContext, o: TextEditOptions, probe: FileProbe, before: string, r: EditResult, d: AttrDelta | undefined): { diff?: unknown } {
  // replace.py registers its pair only for a text change under --diff; an attributes-only change none (the plan's pair is shown only).
  if (o.ansibleDiff === 'replace') return { diff: ctx.diff && r.changed ? { before_header: o.path, before, after_header: o.path, after: r.text } : undefined };
  const header = (what: string) => ({ before_header: `${o.path} (${what})`, after_header: `${o.path} (${what})` });
  // do_ini reads the file as Python text (utf-8-sig, universal newlines): no BOM, LF line ends.
  if (o.ansibleDiff === 'ini') return { diff: { before: ctx.diff ? before.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n') : '', after: ctx.diff ? r.text : '', ...header('content') } };
  if (o.ansibleDiff !== 'lines') return {};
  const content = { before: ctx.diff ? before : '', after: ctx.diff ? r.text : '', ...header('content') };
  if (ctx.check && !probe.exists) return { diff: content };
  const attrs = d?.changed ? ansibleAttrPair(d, probe) : {};
  return { diff: [content, { ...attrs, ...header('file attributes') }] };
}
