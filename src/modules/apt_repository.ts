/**
 * apt_repository (ansible.builtin.apt_repository, ansible-core 2.14.18): add or remove a one-line
 * APT source in sources.list / sources.list.d/*.list, then `apt-get update` (update_cache).
 *
 * Plan = one exec: apt's Dir::Etc::sourcelist / sourceparts (apt-config) and every file the module
 * reads (base64), then the module's SourcesList logic on the controller (lib/apt-sources.ts): the
 * change is "the dump of all files differs", exactly as the module decides it. Apply writes every
 * file whose bytes differ from its dump (the module rewrites all of them, so a `#deb` elsewhere
 * becomes `# deb`), deletes files left without a line, applies `mode` to the file a source was
 * appended to, and runs the cache update with the module's retries and backoff; a failed update
 * puts the files back as the module's revert does. 2.14 knows one-line sources only (deb822
 * `.sources` files are neither read nor written). Needs no python3-apt on the host (Ansible does).
 * PPAs (`ppa:`) need Launchpad's API and keyserver: refused (README "Choices").
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { noteBasis } from '../plan/basis.js';
import { raw, sh } from '../transport/quote.js';
import { writeFileAtomic } from '../transport/remote-file.js';
import { boolArg, withAliases } from './lib/args.js';
import { addSource, cloneSources, dumpSources, expandPath, readSourceFile, removeSource, repoSource, SourceIndexError, suggestFilename, type SourcesFiles } from './lib/apt-sources.js';
import { modeArg } from './lib/mode.js';
import { remote, run } from './lib/remote.js';
import { defineModule, ModuleFailure, type FileDiff, type ModuleContext } from './types.js';

export const PPA_REFUSED =
  'ppa: repositories are looked up on Launchpad (https://launchpad.net/api and keyserver.ubuntu.com), a network nodemend does not assume the hosts reach: write the deb line (deb [signed-by=KEYRING] http://ppa.launchpad.net/OWNER/PPA/ubuntu CODENAME main) and fetch its key with get_url';

const schema = withAliases(
  z.strictObject({
    repo: z
      .string()
      .min(1, "Please set argument 'repo' to a non-empty value")
      .superRefine((v, ctx) => {
        if (v.startsWith('ppa:')) ctx.addIssue({ code: 'custom', message: PPA_REFUSED });
        else {
          const r = repoSource(v);
          if ('invalid' in r)
            ctx.addIssue({ code: 'custom', message: `Invalid repository string: ${r.invalid} (a one-line "deb [options] URI suite [components]" source; ansible-core 2.14 reads no deb822)` });
        }
      }),
    state: z.enum(['present', 'absent']).default('present'),
    mode: modeArg.optional(),
    update_cache: boolArg.default(true),
    update_cache_retries: z.coerce.number().int().min(0).default(5),
    update_cache_retry_max_delay: z.coerce.number().int().min(0).default(12),
    // A name with "/" is a path as given (the module's _expand_path): only an absolute one means one place.
    filename: z
      .string()
      .min(1)
      .refine((f) => !f.includes('/') || f.startsWith('/'), 'a file name in sources.list.d, or an absolute path')
      .optional(),
    // Only used to reach Launchpad for a PPA (refused above) or to install python3-apt (not needed here).
    install_python_apt: boolArg.default(true),
    validate_certs: boolArg.default(true),
    codename: z.string().optional(),
  }),
  { 'update-cache': 'update_cache' },
);
type Args = z.infer<typeof schema>;

interface ReadFile {
  text: string;
  sha256: string;
}
interface Probe {
  sourceList: string;
  partsDir: string;
  files: Map<string, ReadFile>;
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** D <sourcelist> <sourceparts>, then F <path> =<content> per file the module loads (each base64). */
const PROBE = raw(`e() { printf '%s' "$1" | base64 -w0; }
command -v apt-config >/dev/null 2>&1 || { echo NOAPT; exit 0; }
SL=/etc/apt/sources.list SP=/etc/apt/sources.list.d/
eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d)"
SP=\${SP%/}
printf 'D %s %s\\n' "$(e "$SL")" "$(e "$SP")"
put() { if c=$(base64 -w0 < "$1" 2>/dev/null); then printf 'F %s =%s\\n' "$(e "$1")" "$c"; else printf 'F %s !\\n' "$(e "$1")"; fi; }
if [ -f "$SL" ]; then put "$SL"; fi
for f in "$SP"/*.list; do if [ -e "$f" ] || [ -L "$f" ]; then put "$f"; fi; done`);

async function probe(ctx: ModuleContext): Promise<Probe> {
  const r = await run(ctx.conn, PROBE, 'cannot read the APT sources');
  if (r.stdout.trim() === 'NOAPT') throw new ModuleFailure('Module apt_repository is not supported on target.');
  const p: Probe = { sourceList: '/etc/apt/sources.list', partsDir: '/etc/apt/sources.list.d', files: new Map() };
  for (const line of r.stdout.split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'D') {
      p.sourceList = b64(a);
      p.partsDir = b64(b);
    } else if (kind === 'F') {
      const path = b64(a);
      if (!b?.startsWith('=')) throw new ModuleFailure(`cannot read ${path}`);
      const bytes = Buffer.from(b.slice(1), 'base64');
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new ModuleFailure(`${path} is not UTF-8 text`);
      }
      p.files.set(path, { text, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
  }
  return p;
}

const sameDump = (a: Map<string, string>, b: Map<string, string>): boolean => a.size === b.size && [...a].every(([f, t]) => b.get(f) === t);

/** Ansible's backoff before retry N (0-based): 2**N + jitter, capped at max + jitter. */
export function retryDelaySec(retry: number, maxDelay: number, jitter: number): number {
  const d = 2 ** retry + jitter;
  return d > maxDelay ? maxDelay + jitter : d;
}

/**
 * The update's complaint as python-apt's FetchFailedException carries it: an index that could not be
 * fetched makes apt's update return false with no error text ("unknown reason" in the module); other
 * errors (a malformed line, a Release file missing) come as python-apt's SystemError words them: "E:text",
 * joined by ", ".
 */
export const fetchError = (stderr: string): string =>
  stderr
    .split('\n')
    .filter((l) => /^E: /.test(l) && !/^E: (Failed to fetch|Some index files failed to download)/.test(l))
    .map((l) => `E:${l.slice(3)}`)
    .join(', ');

const APT_UPDATE = raw('LC_ALL=C DEBIAN_FRONTEND=noninteractive apt-get -q -o APT::Update::Error-Mode=any update');

export default defineModule<Args>({
  name: 'apt_repository',
  description: 'Add or remove a one-line APT source (sources.list.d/*.list) and update the cache',
  // 2.14 registers changed, repo, state and diff: the plan's words are the report line only.
  reportOnlyMsg: true,
  schema,
  async plan(a, ctx) {
    const p = await probe(ctx);
    noteBasis(ctx.conn, 'apt sources', [...p.files].map(([f, r]) => `${f}:${r.sha256}`).join(' '));
    const files: SourcesFiles = new Map([...p.files].map(([f, r]) => [f, readSourceFile(r.text)]));
    const after = cloneSources(files);
    const r = repoSource(a.repo);
    if ('invalid' in r) throw new ModuleFailure(`Invalid repository string: ${r.invalid}`);
    let appendedTo: string | undefined;
    if (a.state === 'present') appendedTo = addSource(after, r.source, expandPath(suggestFilename(r.source, a.filename), p.partsDir));
    else {
      try {
        removeSource(after, r.source);
      } catch (e) {
        if (e instanceof SourceIndexError) throw new ModuleFailure(`apt_repository would fail here (${e.message}): remove the duplicate lines of ${r.source} first`);
        throw e;
      }
    }
    const dumpBefore = dumpSources(files);
    const dumpAfter = dumpSources(after);
    // apt_repository.py registers `diff: {}` unless a changed run is under --diff (below).
    const result: Record<string, unknown> = { repo: a.repo, state: a.state, diff: {} };
    if (sameDump(dumpBefore, dumpAfter)) {
      return { changed: false, msg: a.state === 'present' ? `${r.source} already enabled` : `${r.source} not listed`, result };
    }
    const names = [...new Set([...dumpBefore.keys(), ...dumpAfter.keys()])].sort();
    const touched = names.filter((f) => dumpBefore.get(f) !== dumpAfter.get(f));
    const diff: FileDiff[] = touched.map((f) => ({ path: f, before: dumpBefore.get(f) ?? '', after: dumpAfter.get(f) ?? '' }));
    // Changed under --diff: one pair per sources file, changed or not, /dev/null naming a side it is not on
    // (Ansible's order is a Python set's, any; nodemend's is sorted).
    const header = (dump: Map<string, string>, f: string) => (dump.has(f) ? f : '/dev/null');
    if (ctx.diff) {
      result.diff = names.map((f) => ({ before: dumpBefore.get(f) ?? '', after: dumpAfter.get(f) ?? '', before_header: header(dumpBefore, f), after_header: header(dumpAfter, f) }));
    }
    const verb = a.state === 'absent' ? 'remove' : appendedTo ? 'add' : 'enable';
    const where = appendedTo ?? touched.join(', ');
    const what = `${r.source} ${a.state === 'absent' ? 'from' : appendedTo ? 'to' : 'in'} ${where}`;
    const update = a.update_cache ? ', then apt-get update' : '';
    return {
      changed: true,
      msg: `would ${verb} ${what}${update}`,
      done: `${{ add: 'added', enable: 'enabled', remove: 'removed' }[verb]} ${what}${a.update_cache ? ', cache updated' : ''}`,
      diff,
      result,
      apply: async () => {
        await saveSources(ctx, p, after, appendedTo, a.mode);
        if (!a.update_cache) return {};
        const err = await updateCache(ctx, a.update_cache_retries, a.update_cache_retry_max_delay);
        if (err === undefined) return {};
        // The module's revert_sources_list: new files go, the others get their old lines back.
        for (const f of names) {
          const old = dumpBefore.get(f);
          if (old === undefined) await run(ctx.conn, sh`rm -f -- ${f}`, `cannot remove ${f}`);
          else if (dumpAfter.get(f) !== old) await remote(writeFileAtomic(ctx.conn, f, old));
        }
        // 2.14 fails with the message alone (fail_json(msg=...)): no rc or stderr registered.
        throw new ModuleFailure(`Failed to update apt cache: ${err.msg || 'unknown reason'}`);
      },
    };
  },
});

/** The module's save(): every file with a line written as dumped (unchanged bytes left alone), the rest deleted. */
async function saveSources(ctx: ModuleContext, p: Probe, after: SourcesFiles, appendedTo: string | undefined, mode: string | undefined): Promise<void> {
  const dump = dumpSources(after);
  for (const f of after.keys()) {
    const read = p.files.get(f);
    const text = dump.get(f);
    if (text === undefined) {
      if (read) await run(ctx.conn, sh`rm -f -- ${f}`, `cannot remove ${f}`);
      continue;
    }
    if (read?.text === text) continue;
    // `mode` applies to the file a source was appended to (the module's new_repos); new files get 0666 & ~umask.
    await remote(writeFileAtomic(ctx.conn, f, text, { expectSha: read ? read.sha256 : null, makeParents: true, mode: f === appendedTo ? mode : undefined }));
  }
}

/** `apt-get update` up to `retries` times with the module's backoff; the last failure's message, or undefined. */
async function updateCache(ctx: ModuleContext, retries: number, maxDelay: number): Promise<{ msg: string } | undefined> {
  const jitter = Math.floor(Math.random() * 1001) / 1000;
  let last = { msg: '' };
  for (let i = 0; i < retries; i++) {
    const r = await ctx.conn.exec(APT_UPDATE, { timeoutSec: ctx.timeoutSec });
    ctx.facts.invalidate(['packages']);
    if (r.rc === 0) return undefined;
    last = { msg: fetchError(r.stderr) };
    await new Promise((res) => setTimeout(res, retryDelaySec(i, maxDelay, jitter) * 1000));
  }
  return last;
}
