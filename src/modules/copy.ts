/**
 * copy: put a controller file (`src`), inline `content`, or another file on the host
 * (`remote_src`) at `dest`, with mode/owner/group. One probe to plan, one write to apply.
 * A controller directory as `src` is copied as 2.14's action plugin does it (planDirectoryCopy).
 */
import { statSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { localFileWillExist } from './lib/planned-paths.js';
import { posix, basename } from 'node:path';
import { z } from 'zod';
import { probeFile, writeFileAtomic, type FileProbe } from '../transport/remote-file.js';
import { raw, sh } from '../transport/quote.js';
import { defineModule, ModuleFailure, type ModuleContext, type Plan } from './types.js';
import fileModule from './file.js';
import { parseRemoteTree, planTreeSync, remoteTreeListing, resolveIn, walkCopyTree, type CopyTree, type RemoteEntry } from './lib/copy-tree.js';
import { parentWillExist, planDirectoryCreation, plannedProbe, scratchPlannedPaths } from './lib/planned-paths.js';
import { assertOwnersExist, attrDelta, attrFields, modeForWrite, sameGroup, sameUser, seArgs, seFields } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
import { MAX_DIFF_BYTES } from './lib/diff.js';
import { formatMode } from './lib/mode.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';
import { bytesSource, KEPT_BY_FORCE, planPutContent, putOptions, type PutSource } from './lib/put-content.js';
import { remote, run } from './lib/remote.js';
import { pathInfo } from './lib/path-info.js';
import { localDigests } from './lib/local-hash.js';
import { MAX_SPOOLED_STDIN } from '../transport/persistent-shell.js';
import { pyJson } from '../load/expr/filters-format.js';
import { pyStr } from '../load/expr/values.js';

/**
 * The bytes `content` stands for, as 2.14's action/copy.py writes them: a dict or list (a YAML
 * mapping, `"{{ mydict }}"`, `from_json`) as json.dumps gives it (", " and ": ", keys in their
 * order, non-ASCII escaped, no final newline), anything else as Python's str() (`True`, `42`).
 */
function contentText(v: unknown): string {
  return typeof v === 'object' && v !== null ? pyJson(v) : pyStr(v);
}

const schema = withAliases(
  z
    .strictObject({
      src: pathArg.optional(),
      content: z
        .union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
        .transform(contentText)
        .optional(),
      dest: pathArg,
      ...attrFields,
      ...attributesFields,
      ...seFields,
      /** Octal/symbolic, or "preserve": the mode src has. */
      mode: z.union([z.literal('preserve'), attrFields.mode.unwrap()]).optional(),
      backup: boolArg.default(false),
      force: boolArg.default(true),
      remote_src: boolArg.default(false),
      follow: boolArg.default(false),
      validate: validateArg.optional(),
      /** A recursive copy: the mode of the directories it makes (action/copy.py passes it to the file module). */
      directory_mode: attrFields.mode.unwrap().optional(),
      /** A controller src: follow the symbolic links in it (unset: the action plugin's default, true), or copy them as links; remote_src: see planTreeSync (unset is not true there). */
      local_follow: boolArg.optional(),
      /** Vault: nodemend has none, so a vault-encrypted src fails as Ansible's does without a vault password; false copies its bytes as they are. */
      decrypt: boolArg.default(true),
    })
    // action/copy.py's words (ansible-core's copy target asserts them).
    .refine((a) => a.src !== undefined || a.content !== undefined, { message: 'src (or content) is required' })
    .refine((a) => a.src === undefined || a.content === undefined, { message: 'src and content are mutually exclusive' })
    .refine((a) => !(a.remote_src && a.src === undefined), { message: 'remote_src needs src' })
    .refine((a) => !(a.mode === 'preserve' && a.src === undefined), { message: 'mode: preserve needs src' }),
  ATTRIBUTES_ALIAS,
);

type Args = z.infer<typeof schema>;

/** A source, with the mode it has (for mode: preserve). */
type Source = PutSource & { mode?: string };

/** 2.14's parsing/vault is_encrypted_file on the header's bytes: a vault file starts with `$ANSIBLE_VAULT`. */
const VAULT_HEADER = Buffer.from('$ANSIBLE_VAULT');

export async function isVaultFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(VAULT_HEADER.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(VAULT_HEADER);
  } finally {
    await fh.close();
  }
}

async function localSource(ctx: ModuleContext, src: string, decrypt: boolean): Promise<Source> {
  const file = ctx.resolveLocalPath(src, 'file');
  const st = await stat(file).catch(() => {
    throw new ModuleFailure(`could not find src ${src} (looked at ${file})`);
  });
  return localFileSource(file, st, decrypt);
}

async function localFileSource(file: string, st: Stats, decrypt: boolean): Promise<Source> {
  // dataloader.py get_real_file's words when no vault secret is given: nodemend has no vault (README "Choices").
  if (decrypt && (await isVaultFile(file))) throw new ModuleFailure(`A vault password or secret must be specified to decrypt ${file}`);
  if (st.size <= MAX_SPOOLED_STDIN) return { ...bytesSource(await readFile(file)), mode: formatMode(st.mode) };
  // Large: never held in memory; hashed once for all hosts, streamed to each (see MAX_FILE_TRANSFERS).
  const h = await localDigests(file, `${st.ino}:${st.size}:${st.mtimeMs}`);
  return { localPath: file, sha256: h.sha256, sums: { checksum: h.sha1, md5sum: h.md5 }, size: st.size, mode: formatMode(st.mode) };
}

/** The file on the host, with the sha1 and md5 copy.py registers of it (read in the probe's exec, whatever its size). */
async function remoteSource(ctx: ModuleContext, src: string): Promise<Source | 'directory'> {
  const sums = sh`if [ -f ${src} ]; then sha1sum < ${src} && md5sum < ${src}; fi`;
  const p = await remote(probeFile(ctx.conn, src, { wantSha: true, wantContent: ctx.diff ? 'always' : undefined, maxContentBytes: MAX_DIFF_BYTES, follow: true, extra: sums }));
  // modules/copy.py's words (the copy target's src_remote_file_is_not_file.yml asserts "not a file").
  if (!p.exists) throw new ModuleFailure(`Source ${src} not found`);
  if (p.type === 'directory') return 'directory';
  // copy.py's words for a src neither a file nor a directory (/dev/null, a fifo): fail_json's msg.
  if (p.type !== 'file') throw new ModuleFailure(`Cannot copy invalid source '${src}': not a file`);
  const [checksum, md5sum] = (p.extra ?? '').split('\n').map((l) => l.split(' ')[0]);
  if (!/^[0-9a-f]{40}$/.test(checksum ?? '') || !/^[0-9a-f]{32}$/.test(md5sum ?? '')) throw new ModuleFailure(`cannot read the checksums of remote src ${src}`);
  return { bytes: p.content, sha256: p.sha256!, size: p.size, remotePath: p.realPath, mode: p.mode, sums: { checksum, md5sum } };
}

/** One module run of a recursive copy, as the action plugin makes it. */
interface Step {
  plan: Plan;
  /** The file module's path, or the file copy writes: the result names it `dest`. */
  path: string;
  /** Registered as the task's result when the copy has one file (the last module the action plugin ran). */
  order: number;
}

/** What the file module is given for a directory or a link of a recursive copy (_create_remote_file_args). */
function fileArgs(a: Args, extra: Record<string, unknown>): Parameters<typeof fileModule.plan>[0] {
  const given = { owner: a.owner, group: a.group, attributes: a.attributes, ...seArgs(a), ...extra };
  return fileModule.schema.parse(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)));
}

/**
 * src a controller directory, as 2.14's action plugin copies it (plugins/action/copy.py run()): dest is a
 * directory; each file of the walk (lib/copy-tree.ts) is copied as one file, each directory of the walk
 * is made (or given its attributes) by the file module with `directory_mode`, owner and group, each link
 * by the file module (state: link, force); `attributes` go to each of them. The directories above the walk's entries (dest, and
 * dest/<dir> for `src: dir`) are made with those attributes only when missing, as the copy module makes
 * a file's parents. Registered: with exactly one file, the result of the last module run (files, then
 * directories, then links); otherwise dest (with its "/"), src and changed.
 */
async function planDirectoryCopy(ctx: ModuleContext, a: Args, top: string): Promise<Plan> {
  const trailing = a.src!.endsWith('/');
  let tree: CopyTree;
  try {
    tree = walkCopyTree(top, trailing, a.local_follow ?? true);
  } catch (e) {
    throw new ModuleFailure((e as Error).message);
  }
  const dest = a.dest.endsWith('/') ? a.dest : `${a.dest}/`;
  const at = (rel: string): string => (rel === '' ? dest : posix.join(dest, rel));
  const steps: Step[] = [];
  let order = 0;

  // The deepest directory above the entries that the walk does not list: made (with the levels above it) only if missing.
  const walked = new Set(tree.directories.map(([, rel]) => rel));
  const entries = [...tree.files, ...tree.directories, ...tree.symlinks].map(([, rel]) => rel);
  const above = entries.length ? (trailing ? '' : posix.basename(top)) : undefined;
  const dirMode = a.directory_mode;
  if (above !== undefined && !walked.has(above)) {
    const p = plannedProbe(ctx, await remote(probeFile(ctx.conn, at(above), { follow: true })));
    if (!p.exists) steps.push({ plan: await fileModule.plan(fileArgs(a, { path: at(above), state: 'directory', mode: dirMode }), ctx), path: at(above), order: -1 });
  }
  // Applied before the files (they may go into these), though the action plugin runs them after: same end state.
  const dirSteps: Step[] = [];
  for (const [, rel] of tree.directories) {
    dirSteps.push({ plan: await fileModule.plan(fileArgs(a, { path: at(rel), state: 'directory', mode: dirMode }), ctx), path: at(rel), order: 0 });
  }
  steps.push(...dirSteps);
  const follow = tree.directories.length ? false : a.follow;
  for (const [file, rel] of tree.files) {
    const src = await localFileSource(file, await stat(file), a.decrypt);
    const plan = await planPutContent(ctx, src, {
      ...putOptions({ ...a, follow }),
      dest: `${at(posix.dirname(rel) === '.' ? '' : posix.dirname(rel)).replace(/\/?$/, '/')}`,
      mode: a.mode === 'preserve' ? src.mode : a.mode,
      srcName: posix.basename(rel),
      // _get_diff_data's after_header: the controller file (source_full).
      diffSource: file,
    });
    // force: false and the file there: the action plugin runs no module for it.
    const kept = plan.msg === KEPT_BY_FORCE;
    steps.push({ plan: kept ? plan : await withAttributes(plan, ctx, at(rel), a.attributes), path: at(rel), order: kept ? -1 : order++ });
  }
  for (const s of dirSteps) s.order = order++;
  // In a run, a link's directory may only exist once the steps above are applied: plan it as --check would, knowing that.
  const linkCtx: ModuleContext = ctx.check ? ctx : { ...ctx, check: true, planned: scratchPlannedPaths(ctx.planned) };
  if (!ctx.check) for (const rel of [...walked, above ?? '']) planDirectoryCreation(linkCtx, at(rel));
  for (const [target, rel] of tree.symlinks) {
    const args = fileArgs(a, { path: at(rel), src: target, state: 'link', force: true, mode: a.mode === 'preserve' ? undefined : a.mode, ...(tree.directories.length ? { follow: false } : {}) });
    steps.push({ plan: await fileModule.plan(args, linkCtx), path: at(rel), order: order++ });
  }

  const changed = steps.filter((s) => s.plan.changed);
  const shownSrc = trailing ? `${top.replace(/\/+$/, '')}/` : top;
  const last = tree.files.length === 1 && order > 0 ? steps.reduce((m, s) => (s.order > m.order ? s : m)) : undefined;
  const lastResult = (s: Step, r: Record<string, unknown> | void): Record<string, unknown> => {
    const res = { ...s.plan.result, ...(r ?? {}) };
    return 'dest' in res ? res : { ...res, dest: res.path ?? s.path };
  };
  const diff = changed.flatMap((s) => s.plan.diff ?? []);
  return {
    changed: changed.length > 0,
    msg: changed.length ? changed.map((s) => s.plan.msg).join('; ') : `${entries.length} entries already as wanted`,
    done: changed.map((s) => s.plan.done ?? s.plan.msg).join('; '),
    diff: diff.length ? diff : undefined,
    // Registered: the last module's `diff` (none if it had none); otherwise none, as the action's own result has none.
    result: last ? { diff: undefined, ...lastResult(last, undefined) } : { dest, src: shownSrc, diff: undefined },
    apply: async () => {
      let lastApplied: Record<string, unknown> | void = undefined;
      for (const s of changed) {
        const r = await s.plan.apply?.();
        if (s === last) lastApplied = r;
      }
      return last ? lastResult(last, lastApplied) : undefined;
    },
  };
}

const ownerOf = (a: Args): string => (a.owner !== undefined ? (a.group !== undefined ? `${a.owner}:${a.group}` : a.owner) : a.group !== undefined ? `:${a.group}` : '');

/**
 * local_follow: true with a remote src: each link to a directory is copied as the directory it leads to
 * (2.14's copytree(symlinks=False) walks through it; copy_left_only copytrees it; dircmp compares it as a
 * directory): the link's entry becomes that directory's listing, links inside it followed in turn. A
 * link that leads to one of its own ancestors (2.14 recurses until the path is too long and fails) stays
 * a link, and planTreeSync refuses it.
 */
async function followLinkedDirectories(ctx: ModuleContext, src: string, tree: Map<string, RemoteEntry>): Promise<void> {
  const todo = [...tree].filter(([, e]) => e.type === 'l' && e.ttype === 'd').map(([rel]) => rel);
  while (todo.length) {
    const rel = todo.shift()!;
    const at = posix.join(src, rel);
    const [real = '', parent = ''] = (await run(ctx.conn, sh`readlink -f -- ${at} ${posix.dirname(at)}`, `cannot resolve ${at}`)).stdout.split('\n');
    if (real === '' || parent === real || parent.startsWith(real === '/' ? '/' : `${real}/`)) continue;
    const sub = parseRemoteTree((await run(ctx.conn, remoteTreeListing(at), `cannot list ${at}`)).stdout);
    if (!sub.size) continue;
    for (const [r, e] of sub) {
      const full = r === '' ? rel : posix.join(rel, r);
      tree.set(full, e);
      if (r !== '' && e.type === 'l' && e.ttype === 'd') todo.push(full);
    }
  }
}

/**
 * remote_src with a directory, as 2.14's copy module does it on the host (main(), its remote_src
 * branches). `src/` with dest a directory: src's contents go into dest; `src` with dest a directory: into
 * dest/<src's name> (copied whole when missing); `src/` with dest missing: dest becomes a copy of src;
 * `src` with dest missing: dest/<src's name> is made and filled. Into an existing directory only what
 * differs is written (names src alone has, files whose bytes differ, with src's mode); owner and group
 * are then given to everything in the target, mode (and, by the caller, attributes) to the path the
 * result names. Each file is an atomic write from src; what copytree makes keeps src's times. Links
 * inside src as planTreeSync says, by local_follow (true, false, or not given: each differs in 2.14).
 */
async function planRemoteDirectoryCopy(ctx: ModuleContext, a: Args): Promise<Plan> {
  const src = a.src!;
  const listing = async (root: string) => {
    const t = parseRemoteTree((await run(ctx.conn, remoteTreeListing(root), `cannot list ${root}`)).stdout);
    return t.size ? t : null;
  };
  const srcTree = (await listing(src))!;
  if (a.local_follow === true) await followLinkedDirectories(ctx, src, srcTree);
  const odd = [...srcTree].filter(([, e]) => e.type !== 'f' && e.type !== 'd' && e.type !== 'l');
  if (odd.length) throw new ModuleFailure(`remote src ${src} holds ${odd.map(([r]) => r).join(', ')}, not regular files, directories or links: nodemend does not copy those with remote_src`);
  const destProbe = plannedProbe(ctx, await remote(probeFile(ctx.conn, a.dest, { follow: true })));
  let destIsDir = destProbe.type === 'directory';
  /** dest made by this task (`dest/` missing): empty, with the attributes the file module gives it. */
  let madeDest = false;
  const steps: { run: () => Promise<unknown> }[] = [];
  if (destProbe.exists && !destIsDir) throw new ModuleFailure(`dest ${a.dest} exists and is not a directory: remote_src copies a directory only into one`);
  if (!destProbe.exists && a.dest.endsWith('/')) {
    // The module makes dest (with directory_mode, owner, group) and goes on; --check stops there.
    if (ctx.check) return { changed: true, msg: `dest directory ${a.dest} would be created`, result: { src, msg: `dest directory ${a.dest.replace(/\/+$/, '')} would be created` } };
    const mk = await fileModule.plan(fileArgs(a, { path: a.dest, state: 'directory', mode: a.directory_mode }), ctx);
    steps.push({ run: async () => mk.apply?.() });
    destIsDir = madeDest = true;
  } else if (!destProbe.exists && !parentWillExist(ctx, destProbe.realPath, destProbe.parentExists)) {
    throw new ModuleFailure(`Destination directory ${posix.dirname(a.dest)} does not exist`);
  }
  const slash = src.endsWith('/');
  const name = posix.basename(src);
  const dest = a.dest;
  // The target the files go to, and the path the result names (modules/copy.py's `dest` at its exit).
  const target = slash ? dest : posix.join(dest, name);
  const named = destIsDir ? (slash ? (dest.endsWith('/') ? dest : `${dest}/`) : posix.join(dest, name)) : dest;
  const emptyDest = new Map<string, RemoteEntry>([['', { type: 'd', mode: '', uid: -1, gid: -1, owner: '', group: '', size: 0 }]]);
  const targetTree = madeDest && slash ? emptyDest : destIsDir ? await listing(target) : null;
  // Links to directories outside both trees that the walk goes through: listed as it asks, then planned again.
  const listings: Map<string, RemoteEntry>[] = [srcTree, ...(targetTree ? [targetTree] : [])];
  let sync = planTreeSync(srcTree, targetTree, !destIsDir && !slash ? 'default' : 'src', a.local_follow, resolveIn(listings));
  for (let pass = 0; sync.need.length && pass < 20; pass++) {
    for (const real of sync.need) listings.push((await listing(real)) ?? new Map([['', { type: 'd', mode: '', uid: -1, gid: -1, owner: '', group: '', size: 0, real }]]));
    sync = planTreeSync(srcTree, targetTree, !destIsDir && !slash ? 'default' : 'src', a.local_follow, resolveIn(listings));
  }
  if (sync.need.length) throw new ModuleFailure(`remote src ${src}: links lead to more directories than nodemend lists (${sync.need.join(', ')})`);
  if (sync.refused.length) {
    const why = a.local_follow === true ? 'links to nothing, or to a directory that holds them, with local_follow: true' : 'a link where dest has a file, or a file where dest has a link';
    throw new ModuleFailure(`remote src ${src}: ${sync.refused.join(', ')}: not copied by nodemend (${why}; 2.14 fails on or follows these)`);
  }
  const at = (rel: string): string => (rel === '' ? target : posix.join(target, rel));
  const timed = new Set(sync.timed);
  // Owner and group over the whole target (chown_recursive); in --check only what exists counts.
  const own = { owner: a.owner, group: a.group };
  const ownerOff = [...(madeDest ? [] : (targetTree?.values() ?? []))].some((e) => (own.owner !== undefined && !sameUser(own.owner, e)) || (own.group !== undefined && !sameGroup(own.group, e)));
  const namedProbe = plannedProbe(ctx, await remote(probeFile(ctx.conn, named, { follow: true })));
  // mode: preserve is src's mode (the module reads it with os.stat), given to the named path as any mode.
  const mode = a.mode === 'preserve' ? srcTree.get('')!.mode : a.mode;
  const modeDelta = mode !== undefined && namedProbe.exists ? attrDelta(namedProbe, { mode }) : undefined;
  const changed = steps.length > 0 || sync.mkdirs.length > 0 || sync.files.length > 0 || sync.links.length > 0 || sync.skipped.length > 0 || ownerOff || (modeDelta?.changed ?? false);
  if (ctx.check && (own.owner ?? own.group) !== undefined && changed) await assertOwnersExist(ctx.conn, own.owner, own.group);
  const result = (p: FileProbe) => ({ dest: named, src, md5sum: null, checksum: null, ...pathInfo(p) });
  const what = `${sync.files.length} files, ${sync.mkdirs.length} directories, ${sync.links.length} links from ${src} into ${target}${sync.skipped.length ? ` (${sync.skipped.join(', ')} left out: links only src has, local_follow not given, as 2.14)` : ''}`;
  return {
    changed,
    msg: changed ? `${what} would be copied` : `${target} already holds what ${src} holds`,
    done: `${what} copied`,
    result: result(namedProbe),
    apply: async () => {
      for (const s of steps) await s.run();
      if (sync.mkdirs.length) {
        const mk = sync.mkdirs.map(([rel, mode]) => sh`mkdir -p -- ${at(rel)}${raw(mode !== undefined ? sh` && chmod -- ${`0${mode}`} ${at(rel)}`.text : '')}`.text);
        await run(ctx.conn, raw(mk.join(' && ')), `cannot make the directories under ${target}`);
      }
      if (sync.links.length) {
        const ln = sync.links.map(([rel, text]) => sh`ln -s -- ${text} ${at(rel)}`.text);
        await run(ctx.conn, raw(ln.join(' && ')), `cannot make the links under ${target}`);
      }
      for (const [rel, e, mode, before] of sync.files) {
        await remote(
          writeFileAtomic(ctx.conn, at(rel), '', {
            sourcePath: posix.join(src, rel),
            sourceSha256: e.sha256,
            sourceSize: e.size,
            expectSha: before ?? null,
            mode,
            keepTimes: timed.has(rel),
          }),
        );
      }
      // copytree's copystat on each directory it made (paths below src's links too), once filled: deepest first, so a parent's is not disturbed.
      const made = new Set(sync.mkdirs.map(([rel]) => rel));
      const dirTimes = sync.timed.filter((rel) => made.has(rel)).reverse();
      if (dirTimes.length) {
        const t = dirTimes.map((rel) => sh`touch -r ${posix.join(src, rel)} -- ${at(rel)}`.text);
        await run(ctx.conn, raw(t.join(' && ')), `cannot copy the times of the directories under ${src}`);
      }
      if ((own.owner ?? own.group) !== undefined) await run(ctx.conn, sh`chown -R -- ${ownerOf(a)} ${target}`, `cannot set the owner of ${target}`);
      if (mode !== undefined) await run(ctx.conn, sh`chmod -- ${modeForWrite(mode, undefined)!} ${named}`, `cannot set the mode of ${named}`);
      return result(await remote(probeFile(ctx.conn, named, { follow: true })));
    },
  };
}

export default defineModule<Args>({
  name: 'copy',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  floatArgs: ['content'],
  pathArgs: (a: Args) => (a.remote_src ? ['src', 'dest'] : ['dest']),
  description: 'Put a controller file or inline content on the host (atomic; mode/owner/group; backup)',
  schema,
  async plan(a, ctx) {
    if (a.content === undefined && !a.remote_src && [ctx.resolveLocalPath(a.src!, 'file'), a.src!].some((f) => localFileWillExist(ctx, f))) {
      // --check: a fetch earlier in this run would (re)write src; its bytes are not known yet.
      return { changed: true, msg: `${a.dest} would be written from ${a.src} (fetched earlier in this run)`, result: { dest: a.dest, src: a.src } };
    }
    if (a.content === undefined && !a.remote_src && statSync(ctx.resolveLocalPath(a.src!, 'file'), { throwIfNoEntry: false })?.isDirectory()) {
      return planDirectoryCopy(ctx, a, ctx.resolveLocalPath(a.src!, 'file'));
    }
    const source = a.content !== undefined ? bytesSource(Buffer.from(a.content, 'utf8')) : a.remote_src ? await remoteSource(ctx, a.src!) : await localSource(ctx, a.src!, a.decrypt);
    if (source === 'directory') {
      // The copy module sets them (as mode) on the path its result names.
      const plan = await planRemoteDirectoryCopy(ctx, a);
      return withAttributes(plan, ctx, typeof plan.result?.dest === 'string' ? plan.result.dest : a.dest, a.attributes);
    }
    const src: Source = source;
    const plan = await planPutContent(ctx, src, {
      ...putOptions(a),
      remoteSrc: a.remote_src,
      mode: a.mode === 'preserve' ? src.mode : a.mode,
      srcName: a.src !== undefined ? basename(a.remote_src ? posix.normalize(a.src) : a.src) : undefined,
      diffSource: a.content !== undefined ? 'dynamically generated' : a.remote_src ? undefined : ctx.resolveLocalPath(a.src!, 'file'),
      writeWithProbe: a.attributes === undefined,
    });
    if (a.src !== undefined) plan.result = { ...plan.result, src: a.src };
    return withAttributes(plan, ctx, typeof plan.result?.dest === 'string' ? plan.result.dest : a.dest, a.attributes);
  },
});
