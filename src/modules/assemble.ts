/**
 * assemble: one file from a directory of fragments, as ansible-core 2.14's modules/assemble.py
 * (remote_src, the default: the fragments on the host) and action/assemble.py (remote_src: false: on
 * the controller, found as copy's src is): the regular files of src (links followed) in Python's
 * sorted() order of their names, only those whose name `regexp` searches, without dot files when
 * `ignore_hidden`; a newline after a fragment that does not end with one; `delimiter` (its escapes
 * decoded as codecs.escape_decode does, again at each use, as the module does) between fragments,
 * followed by a newline when it does not end with one. The fragments are read in one exec (base64
 * per name), joined here, and written as copy writes a file (lib/put-content: one probe comparing
 * sums, one atomic write, owner/group/mode/attributes as Ansible's file arguments).
 * A controller src registers, as the action plugin does, under --diff the one _get_diff_data dict (also
 * when dest holds the content already: the action always copies), no `diff` without.
 * Check mode predicts the run (nodemend's rule; Ansible 2.14 skips assemble in --check: README "Choices").
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { defineModule, ModuleFailure, type ModuleContext } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';
import { bytesSource, planPutContent, putOptions } from './lib/put-content.js';
import { compilePyRegex } from './lib/pyregex.js';
import { validateArg } from './lib/validate.js';
import { isVaultFile } from './copy.js';

const schema = withAliases(
  z.strictObject({
    src: pathArg,
    dest: pathArg,
    ...attrFields,
    ...attributesFields,
    ...seFields,
    backup: boolArg.default(false),
    delimiter: z.string().optional(),
    remote_src: boolArg.default(true),
    regexp: z.string().optional(),
    ignore_hidden: boolArg.default(false),
    /** Run on the joined file before it replaces dest (lib/validate): by the module (host fragments), or by the copy module the action runs. */
    validate: validateArg.optional(),
    /** Vault: nodemend has none, so a vault-encrypted controller fragment fails as Ansible's does without a vault password. */
    decrypt: boolArg.default(true),
  }),
  ATTRIBUTES_ALIAS,
);

type Args = z.infer<typeof schema>;

/** One fragment candidate: its name's bytes and, for a regular file, its bytes (links followed). */
interface Entry {
  name: Buffer;
  content?: Buffer;
  /** The controller file it was read from (for decrypt's check). */
  file?: string;
}

const SIMPLE_ESCAPES: Record<string, number> = { '\\': 0x5c, "'": 0x27, '"': 0x22, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** Python's codecs.escape_decode: backslash escapes of a bytes literal decoded; an unknown one stays as written. */
export function escapeDecode(input: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== 0x5c || i + 1 >= input.length) {
      if (c === 0x5c) throw new ModuleFailure('Trailing \\ in string');
      out.push(c);
      continue;
    }
    const e = String.fromCharCode(input[++i]);
    if (e in SIMPLE_ESCAPES) out.push(SIMPLE_ESCAPES[e]);
    else if (e === '\n') continue;
    else if (/[0-7]/.test(e)) {
      let v = Number(e);
      for (let k = 0; k < 2 && i + 1 < input.length && /[0-7]/.test(String.fromCharCode(input[i + 1])); k++) v = v * 8 + Number(String.fromCharCode(input[++i]));
      out.push(v & 0xff);
    } else if (e === 'x') {
      const hex = input.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new ModuleFailure(`invalid \\x escape at position ${i - 1}`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(0x5c, input[i]);
  }
  return Buffer.from(out);
}

/** assemble_from_fragments (the module's and the action plugin's, which agree): the bytes of dest. */
export function assembleFragments(entries: Entry[], o: { delimiter?: string; regexp?: string; ignoreHidden: boolean }): Buffer {
  const re = o.regexp !== undefined ? compilePyRegex(o.regexp).re : undefined;
  const parts: Buffer[] = [];
  let delimiter: Buffer = Buffer.from(o.delimiter ?? '', 'utf8');
  let delimitMe = false;
  let addNewline = false;
  // Python's sorted() of str names: code point order, which is the order of their UTF-8 bytes.
  for (const f of [...entries].sort((a, b) => Buffer.compare(a.name, b.name))) {
    const name = f.name.toString('utf8');
    if (re && !re.test(name)) continue;
    if (f.content === undefined || (o.ignoreHidden && name.startsWith('.'))) continue;
    if (addNewline) parts.push(Buffer.from('\n'));
    // `if delimiter:` in Python: unset or empty writes nothing.
    if (delimitMe && delimiter.length) {
      delimiter = escapeDecode(delimiter);
      parts.push(delimiter);
      if (delimiter.length === 0) throw new ModuleFailure('index out of range');
      if (delimiter[delimiter.length - 1] !== 10) parts.push(Buffer.from('\n'));
    }
    parts.push(f.content);
    delimitMe = true;
    addNewline = f.content.length === 0 || f.content[f.content.length - 1] !== 10;
  }
  return Buffer.concat(parts);
}

/** The fragments on the host, one exec: "base64(name) base64(content)" per entry (content for a regular file only), after the module's own checks on src. */
async function remoteEntries(ctx: ModuleContext, src: string): Promise<Entry[]> {
  const res = await ctx.conn.exec(sh`s=${src}
[ -e "$s" ] || { printf 'Source (%s) does not exist' "$s" >&2; exit 3; }
[ -d "$s" ] || { printf 'Source (%s) is not a directory' "$s" >&2; exit 3; }
for f in "$s"/* "$s"/.[!.]* "$s"/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  printf '%s' "\${f##*/}" | base64 -w0
  if [ -f "$f" ]; then printf ' '; base64 -w0 < "$f" || exit 1; fi
  printf '\n'
done`);
  // assemble.py's own words for src (rc 3); anything else as the host said it.
  if (res.rc === 3) throw new ModuleFailure(res.stderr.trim());
  if (res.rc !== 0) throw new ModuleFailure(`cannot read the fragments in ${src}: ${res.stderr.trim() || `exit code ${res.rc}`}`, { rc: res.rc, stderr: res.stderr });
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, content] = line.split(' ');
      return { name: Buffer.from(name, 'base64'), content: content === undefined ? undefined : Buffer.from(content, 'base64') };
    });
}

/** The fragments on the controller: src found as copy finds its src (role files/, the playbook's dir). */
async function localEntries(ctx: ModuleContext, src: string, decrypt: boolean): Promise<Entry[]> {
  const dir = ctx.resolveLocalPath(src, 'file');
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new ModuleFailure(st ? `Source (${dir}) is not a directory` : `Could not find or access '${src}'`);
  const names = await readdir(dir, { encoding: 'buffer' });
  return Promise.all(
    names.map(async (name) => {
      const file = join(dir, name.toString('utf8'));
      const isFile = (await stat(file).catch(() => undefined))?.isFile();
      if (!isFile) return { name };
      if (decrypt && (await isVaultFile(file))) throw new ModuleFailure(`A vault password or secret must be specified to decrypt ${file}`);
      return { name, content: await readFile(file), file };
    }),
  );
}

export default defineModule<Args>({
  name: 'assemble',
  pathArgs: (a: Args) => (a.remote_src ? ['src', 'dest'] : ['dest']),
  // 2.14 registers the module's own result: msg "OK" (remote_src), none from the copy module (a controller src).
  reportOnlyMsg: true,
  description: 'Concatenate the files of a directory (on the host, or remote_src: false on the controller) into dest',
  schema,
  async plan(a, ctx) {
    const entries = a.remote_src ? await remoteEntries(ctx, a.src) : await localEntries(ctx, a.src, a.decrypt);
    let bytes: Buffer;
    try {
      bytes = assembleFragments(entries, { delimiter: a.delimiter, regexp: a.regexp, ignoreHidden: a.ignore_hidden });
    } catch (e) {
      if (e instanceof ModuleFailure) throw e;
      throw new ModuleFailure(`Invalid Regexp (${(e as Error).message}) in "${a.regexp}"`);
    }
    // The module's result (remote_src) is dest's, as the copy module's is; the action plugin's (a controller src) is copy's.
    const plan = await planPutContent(ctx, bytesSource(bytes), {
      ...putOptions({ ...a, force: true, follow: false }),
      remoteSrc: a.remote_src,
      // The after_header of a controller src's diff: Ansible names its own temp file of the joined fragments.
      diffSource: 'dynamically generated',
      alwaysCopies: !a.remote_src,
      // A controller src hands validate to the copy module (its words); the module runs its own.
      validateStyle: a.remote_src ? 'assemble' : 'copy',
    });
    if (!a.remote_src && Array.isArray(plan.result?.diff)) {
      // action/assemble.py on a content change: `res['diff'] = diff` only when --diff made one, the
      // one _get_diff_data dict itself (copy's action registers a list); the copy module it runs, none.
      const [diff] = plan.result.diff as unknown[];
      plan.result = { ...plan.result, diff };
    }
    if (a.remote_src) {
      plan.result = { ...plan.result, src: a.src, msg: 'OK' };
      // The module's msg is "OK" after a write too (the run's report still says what was done).
      const write = plan.apply;
      if (write) plan.apply = async () => ({ ...((await write()) ?? {}), msg: 'OK' });
    }
    return withAttributes(plan, ctx, a.dest, a.attributes);
  },
});
