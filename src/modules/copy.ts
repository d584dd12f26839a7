/**
 * copy: put a controller file (`src`), inline `content`, or another file on the host
 * (`remote_src`) at `dest`, with mode/owner/group. One probe to plan, one write to apply.
 * Directories as `src` are not supported (use several tasks or a loop).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { localFileWillExist } from './lib/planned-paths.js';
import { posix, basename } from 'node:path';
import { z } from 'zod';
import { probeFile } from '../transport/remote-file.js';
import { sh } from '../transport/quote.js';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
import { MAX_DIFF_BYTES } from './lib/diff.js';
import { formatMode } from './lib/mode.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';
import { bytesSource, planPutContent, putOptions, type PutSource } from './lib/put-content.js';
import { remote } from './lib/remote.js';
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

async function isVaultFile(file: string): Promise<boolean> {
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
  if (st.isDirectory()) throw new ModuleFailure(`src ${src} is a directory: copying directories is not supported`);
  // dataloader.py get_real_file's words when no vault secret is given: nodemend has no vault (README "Choices").
  if (decrypt && (await isVaultFile(file))) throw new ModuleFailure(`A vault password or secret must be specified to decrypt ${file}`);
  if (st.size <= MAX_SPOOLED_STDIN) return { ...bytesSource(await readFile(file)), mode: formatMode(st.mode) };
  // Large: never held in memory; hashed once for all hosts, streamed to each (see MAX_FILE_TRANSFERS).
  const h = await localDigests(file, `${st.ino}:${st.size}:${st.mtimeMs}`);
  return { localPath: file, sha256: h.sha256, sums: { checksum: h.sha1, md5sum: h.md5 }, size: st.size, mode: formatMode(st.mode) };
}

/** The file on the host, with the sha1 and md5 copy.py registers of it (read in the probe's exec, whatever its size). */
async function remoteSource(ctx: ModuleContext, src: string): Promise<Source> {
  const sums = sh`if [ -f ${src} ]; then sha1sum < ${src} && md5sum < ${src}; fi`;
  const p = await remote(probeFile(ctx.conn, src, { wantSha: true, wantContent: ctx.diff ? 'always' : undefined, maxContentBytes: MAX_DIFF_BYTES, follow: true, extra: sums }));
  if (!p.exists) throw new ModuleFailure(`remote src ${src} does not exist`);
  if (p.type !== 'file') throw new ModuleFailure(`remote src ${src} is not a regular file (${p.type})`);
  const [checksum, md5sum] = (p.extra ?? '').split('\n').map((l) => l.split(' ')[0]);
  if (!/^[0-9a-f]{40}$/.test(checksum ?? '') || !/^[0-9a-f]{32}$/.test(md5sum ?? '')) throw new ModuleFailure(`cannot read the checksums of remote src ${src}`);
  return { bytes: p.content, sha256: p.sha256!, size: p.size, remotePath: p.realPath, mode: p.mode, sums: { checksum, md5sum } };
}

export default defineModule<Args>({
  name: 'copy',
  pathArgs: (a: Args) => (a.remote_src ? ['src', 'dest'] : ['dest']),
  description: 'Put a controller file or inline content on the host (atomic; mode/owner/group; backup)',
  schema,
  async plan(a, ctx) {
    if (a.content === undefined && !a.remote_src && [ctx.resolveLocalPath(a.src!, 'file'), a.src!].some((f) => localFileWillExist(ctx, f))) {
      // --check: a fetch earlier in this run would (re)write src; its bytes are not known yet.
      return { changed: true, msg: `${a.dest} would be written from ${a.src} (fetched earlier in this run)`, result: { dest: a.dest, src: a.src } };
    }
    const src: Source = a.content !== undefined ? bytesSource(Buffer.from(a.content, 'utf8')) : a.remote_src ? await remoteSource(ctx, a.src!) : await localSource(ctx, a.src!, a.decrypt);
    const plan = await planPutContent(ctx, src, {
      ...putOptions(a),
      remoteSrc: a.remote_src,
      mode: a.mode === 'preserve' ? src.mode : a.mode,
      srcName: a.src !== undefined ? basename(a.remote_src ? posix.normalize(a.src) : a.src) : undefined,
    });
    if (a.src !== undefined) plan.result = { ...plan.result, src: a.src };
    return withAttributes(plan, ctx, typeof plan.result?.dest === 'string' ? plan.result.dest : a.dest, a.attributes);
  },
});
