/**
 * modprobe (community.general.modprobe 6.6.2, plugins/modules/modprobe.py): load or unload a
 * kernel module, and keep it (or not) across reboots through /etc/modules-load.d/NAME.conf and
 * /etc/modprobe.d/NAME.conf. A port of that release's decisions:
 * - "loaded" is a line of /proc/modules starting with NAME (`-` read as `_`) and a space, or a
 *   line of /lib/modules/$(uname -r)/modules.builtin ending in /NAME.ko; an unreadable file fails
 *   with Python's "[Errno 2] No such file or directory: 'PATH'";
 * - present and not loaded runs `modprobe NAME PARAMS...` (PARAMS split as shlex does), absent and
 *   loaded `modprobe -r NAME`; a non-zero exit fails with modprobe's stderr as msg; a load that
 *   /proc/modules still does not show (an alias) is not a change, and warns with what
 *   `modprobe -n --first-time` says;
 * - persistent=present writes NAME + "\n" to modules-load.d unless a line ` *NAME *` (comment
 *   allowed) is in one of its files, and when the `options NAME k=v` lines of modprobe.d (one
 *   k=v each) are not exactly PARAMS' words: comments those lines out and writes one
 *   `options NAME k=v` line per word; persistent=absent comments out both kinds of lines. A file
 *   it comments is written back as the release does: its lines joined with "\n" although each
 *   kept its own, so every line but the last gains an empty line after it.
 * Check mode runs `modprobe -n` as the module does (so a missing module fails the check too) and
 * writes nothing; Ansible 6.6.2 writes the persistence files even under --check (README,
 * "Choices where Ansible users might expect otherwise").
 * Plan = one exec (the tables, the two directories' files); apply = modprobe, then the writes.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { z } from 'zod';
import { noteBasis } from '../plan/basis.js';
import { sh } from '../transport/quote.js';
import { writeFileAtomic } from '../transport/remote-file.js';
import { defineModule, ModuleFailure, type FileDiff, type ModuleContext } from './types.js';
import { shlexSplit } from './command.js';
import { remote, run } from './lib/remote.js';

export const MODULES_LOAD_DIR = '/etc/modules-load.d';
export const PARAMS_DIR = '/etc/modprobe.d';
/**
 * Where "loaded" modules are listed. The test fleet's kernel has no module support at all (no
 * /proc/modules on the machine, nothing a bind mount could cover), so the differential test
 * points this at its kmod stand-in's table; nothing else sets it (README, modprobe).
 */
export const procModules = (): string => process.env.NODEMEND_TEST_PROC_MODULES || '/proc/modules';

const schema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  state: z.enum(['present', 'absent']).default('present'),
  params: z.string().default(''),
  persistent: z.enum(['disabled', 'present', 'absent']).default('disabled'),
});
type Args = z.infer<typeof schema>;

/** One file as the probe read it: its text, or Python's errno text when it could not be read. */
interface Read {
  path: string;
  /** Where a write goes: the file a symlink points to (Python's open follows it). */
  real: string;
  text?: string;
  /** sha256 of the bytes read (with `text`): what a write of this file expects to replace. */
  sha256?: string;
  error?: string;
}

const ERRNO: Record<string, string> = { ENOENT: '[Errno 2] No such file or directory', EACCES: '[Errno 13] Permission denied', EISDIR: '[Errno 21] Is a directory' };
const pyError = (code: string, path: string): string => `${ERRNO[code] ?? ERRNO.ENOENT}: '${path}'`;
const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/**
 * One line per file: KIND PATH REALPATH =CONTENT or !ERRNO (each base64). KIND is P (/proc/modules),
 * B (modules.builtin), F (a file of one of the two directories, which are listed only with
 * `persistent`), D (a directory that cannot be listed), then U (uname -r).
 */
function probeScript(builtinDir: string, dirs: string[]): ReturnType<typeof sh> {
  return sh`e() { printf '%s' "$1" | base64 -w0; }
put() { k=$1 f=$2
  if c=$(base64 -w0 < "$f" 2>/dev/null); then printf '%s %s %s =%s\\n' "$k" "$(e "$f")" "$(e "$(readlink -f -- "$f")")" "$c"
  elif [ -d "$f" ]; then printf '%s %s - !EISDIR\\n' "$k" "$(e "$f")"
  elif [ -e "$f" ]; then printf '%s %s - !EACCES\\n' "$k" "$(e "$f")"
  else printf '%s %s - !ENOENT\\n' "$k" "$(e "$f")"; fi; }
r=$(uname -r)
put P ${procModules()}
put B ${builtinDir}"/$r/modules.builtin"
for d in ${dirs}; do
  if [ -d "$d" ] && [ -r "$d" ]; then
    for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do [ -f "$f" ] && put F "$f"; done
  else printf 'D %s - !%s\\n' "$(e "$d")" "$([ -e "$d" ] && echo ENOTDIR || echo ENOENT)"; fi
done
printf 'U %s\\n' "$(e "$r")"`;
}

interface Probe {
  proc: Read;
  builtin: Read;
  files: Read[];
  missingDirs: { path: string; code: string }[];
}

function parseProbe(out: string): Probe {
  const p: Probe = { proc: { path: '', real: '' }, builtin: { path: '', real: '' }, files: [], missingDirs: [] };
  for (const line of out.split('\n')) {
    const [kind, path, real, body] = line.split(' ');
    if (!kind || path === undefined) continue;
    if (kind === 'D') {
      p.missingDirs.push({ path: b64(path), code: body.slice(1) });
      continue;
    }
    if (kind === 'U') continue;
    const r: Read = { path: b64(path), real: real === '-' ? b64(path) : b64(real) };
    if (body?.startsWith('=')) {
      const bytes = Buffer.from(body.slice(1), 'base64');
      r.text = bytes.toString('utf8');
      r.sha256 = createHash('sha256').update(bytes).digest('hex');
    } else r.error = pyError(body?.slice(1) ?? 'ENOENT', r.path);
    if (kind === 'P') p.proc = r;
    else if (kind === 'B') p.builtin = r;
    else p.files.push(r);
  }
  return p;
}

/** Python's readlines on a file opened in text mode: universal newlines, each line keeps its "\n". */
export const pyLines = (t: string): string[] => t.replace(/\r\n?/g, '\n').match(/[^\n]*\n|[^\n]+$/g) ?? [];
const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The release's three patterns for NAME (it puts NAME in unescaped; a name is letters, digits, `_` and `-` anyway). */
export function patterns(name: string): { module: RegExp; params: RegExp; paramValue: RegExp } {
  const n = reEscape(name);
  return {
    module: new RegExp(`^ *${n} *(?:[#;][^\\n]*)?\\n?$`),
    params: new RegExp(`^options ${n} \\w+=\\S+ *(?:[#;][^\\n]*)?\\n?$`),
    paramValue: new RegExp(`^options ${n} (\\w+=\\S+) *(?:[#;][^\\n]*)?\\n?$`),
  };
}

/** Every line matching `re` commented out with "#", the lines joined as the release joins them; undefined when none matched. */
export function commentOut(text: string, re: RegExp): string | undefined {
  const lines = pyLines(text);
  let changed = false;
  const out = lines.map((l) => (re.test(l) ? ((changed = true), `#${l}`) : l));
  return changed ? out.join('\n') : undefined;
}

/** modprobe.py's module_loaded(): /proc/modules, then modules.builtin (read only when needed, as there). */
export function isLoaded(name: string, p: Pick<Probe, 'proc' | 'builtin'>): boolean {
  if (p.proc.text === undefined) throw new ModuleFailure(p.proc.error!);
  const prefix = `${name.replace(/-/g, '_')} `;
  if (pyLines(p.proc.text).some((l) => l.startsWith(prefix))) return true;
  if (p.builtin.text === undefined) throw new ModuleFailure(p.builtin.error!);
  return pyLines(p.builtin.text).some((l) => l.trimEnd().endsWith(`/${name}.ko`));
}

/** One persistence write: the new text, what the probe read there, and its sha256 (null: absent) for compare-and-swap. */
interface Write {
  text: string;
  before?: string;
  expectSha: string | null;
  path: string;
}

/** What persistent=present/absent writes, by the path written (a symlink's target). */
export function persistenceWrites(a: Args, files: Read[]): Map<string, Write> {
  const re = patterns(a.name);
  const under = (dir: string) => files.filter((f) => posix.dirname(f.path) === dir && f.text !== undefined);
  const loadFiles = under(MODULES_LOAD_DIR);
  const paramFiles = under(PARAMS_DIR);
  const persisted = loadFiles.some((f) => pyLines(f.text!).some((l) => re.module.test(l)));
  const permanent = new Set(paramFiles.flatMap((f) => pyLines(f.text!).flatMap((l) => re.paramValue.exec(l)?.[1] ?? [])));
  const wanted = new Set(a.params.split(/\s+/).filter(Boolean));
  const paramsSet = wanted.size === permanent.size && [...wanted].every((w) => permanent.has(w));
  const writes = new Map<string, Write>();
  const put = (path: string, text: string) => {
    const f = files.find((x) => x.path === path);
    const real = f?.real ?? path;
    const first = writes.get(real);
    writes.set(real, { text, before: first ? first.before : f?.text, expectSha: first ? first.expectSha : (f?.sha256 ?? null), path });
  };
  const commentIn = (list: Read[], r: RegExp) => {
    for (const f of list) {
      const t = commentOut(f.text!, r);
      if (t !== undefined) put(f.path, t);
    }
  };
  if (a.persistent === 'present' && !(persisted && paramsSet)) {
    if (!persisted) put(posix.join(MODULES_LOAD_DIR, `${a.name}.conf`), `${a.name}\n`);
    if (!paramsSet) {
      commentIn(paramFiles, re.params);
      put(
        posix.join(PARAMS_DIR, `${a.name}.conf`),
        a.params
          .split(/\s+/)
          .filter(Boolean)
          .map((p) => `options ${a.name} ${p}`)
          .join('\n') + '\n',
      );
    }
  } else if (a.persistent === 'absent' && (persisted || permanent.size)) {
    if (persisted) commentIn(loadFiles, re.module);
    if (permanent.size) commentIn(paramFiles, re.params);
  }
  return writes;
}

const modprobe = (ctx: ModuleContext, argv: string[]) => ctx.conn.exec(sh`modprobe ${argv}`);

export default defineModule<Args>({
  name: 'modprobe',
  collection: 'community.general',
  description: 'Load or unload a kernel module, persistently through modules-load.d / modprobe.d, as community.general.modprobe',
  schema,
  async plan(a, ctx) {
    const result: Record<string, unknown> = { name: a.name, params: a.params, state: a.state };
    let params: string[];
    try {
      params = shlexSplit(a.params);
    } catch (e) {
      throw new ModuleFailure((e as Error).message, { ...result, changed: false });
    }
    const dirs = a.persistent === 'disabled' ? [] : [MODULES_LOAD_DIR, PARAMS_DIR];
    const out = await run(ctx.conn, probeScript('/lib/modules', dirs), 'cannot read the module tables');
    const probe = parseProbe(out.stdout);
    const fail = (msg: string, more: Record<string, unknown> = {}) => new ModuleFailure(msg, { ...result, changed: false, ...more });
    let loaded: boolean;
    try {
      loaded = isLoaded(a.name, probe);
    } catch (e) {
      throw fail((e as Error).message);
    }
    const load = a.state === 'present' && !loaded;
    const unload = a.state === 'absent' && loaded;
    const argv = load ? [a.name, ...params] : ['-r', a.name];
    if ((load || unload) && ctx.check) {
      // The module's own dry run (`-n` where it puts it): a module kmod cannot find fails --check too.
      const r = await modprobe(ctx, load ? ['-n', ...argv] : [...argv, '-n']);
      if (r.rc !== 0) throw fail(r.stderr, { rc: r.rc, stdout: r.stdout, stderr: r.stderr });
    }
    // modprobe.py lists the directories after loading: a missing one fails the task then.
    const dirError = probe.missingDirs.length ? fail(pyError(probe.missingDirs[0].code, probe.missingDirs[0].path)) : undefined;
    if (dirError && (ctx.check || !(load || unload))) throw dirError;
    const writes = persistenceWrites(a, probe.files);
    // The plan's basis: a saved plan is refused when a file it decided from (or one it creates) moved.
    for (const f of probe.files) noteBasis(ctx.conn, `file ${f.path}`, f.sha256 ? `sha256:${f.sha256}` : 'unreadable');
    for (const w of writes.values()) if (w.expectSha === null) noteBasis(ctx.conn, `file ${w.path}`, 'absent');
    const changed = load || unload || writes.size > 0;
    const notes = [load ? `load ${a.name}` : unload ? `unload ${a.name}` : '', ...[...writes.values()].map((w) => `write ${w.path}`)].filter(Boolean);
    const diff: FileDiff[] = [...writes.values()].map((w) => ({ path: w.path, before: w.before ?? '', after: w.text }));
    if (!changed) return { changed: false, msg: `${a.name} is ${a.state === 'present' ? 'loaded' : 'not loaded'}`, result };
    return {
      changed: true,
      msg: `would ${notes.join(', ')}`,
      done: notes
        .map((n) =>
          n
            .replace(/^load/, 'loaded')
            .replace(/^unload/, 'unloaded')
            .replace(/^write/, 'wrote'),
        )
        .join(', '),
      diff,
      // community.general's modprobe registers no `diff`: the plan's is shown only.
      result: { ...result, diff: undefined },
      apply: async () => {
        const fields: Record<string, unknown> = {};
        let moduleChanged = unload;
        if (load || unload) {
          const r = await modprobe(ctx, argv);
          if (r.rc !== 0) throw fail(r.stderr, { rc: r.rc, stdout: r.stdout, stderr: r.stderr });
        }
        if (dirError) throw dirError;
        if (load) {
          // An alias (net-pf-10) loads a module of another name: /proc/modules does not show NAME.
          const after = parseProbe((await run(ctx.conn, probeScript('/lib/modules', []), 'cannot read the module tables')).stdout);
          moduleChanged = isLoaded(a.name, after);
          if (!moduleChanged) {
            const w = await modprobe(ctx, ['-n', '--first-time', a.name, ...params]);
            if (w.rc !== 0) fields.warnings = [w.stderr];
          }
        }
        for (const [real, w] of writes) {
          // Compare and swap: replace only what the plan read; a file changed since fails the task.
          await remote(writeFileAtomic(ctx.conn, real, w.text, { expectSha: w.expectSha }));
        }
        return { ...fields, changed: moduleChanged || writes.size > 0 };
      },
    };
  },
});
