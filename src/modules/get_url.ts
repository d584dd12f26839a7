/**
 * get_url: download a URL ON THE HOST (curl, else wget, else python3) to `dest`.
 *
 * Plan = one exec: stat dest (and its checksum when `checksum` is given). Nothing is
 * downloaded when dest already has the checksum, or exists and `force` is false (only
 * its attributes are fixed). With `force` and no checksum, the plan downloads into a
 * temp file outside dest's directory and compares, so a re-run of an unchanged URL
 * reports no change (Ansible replaces only when the content differs).
 * Apply = one exec: download into a temp file in dest's directory, verify the checksum,
 * keep/set mode and owner, optional backup, then rename over dest (atomic).
 *
 * Differences from Ansible: when dest is a directory the file name is the URL's last
 * path segment (no Content-Disposition), so the task is idempotent like any other;
 * `checksum: <algo>:<url>` is not supported; no headers or credentials.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { parentWillExist, planFileCreation } from './lib/planned-paths.js';
import { defineModule, ModuleFailure, type ModuleContext, type Plan } from './types.js';
import { raw, sh } from '../transport/quote.js';
import { BACKUP_FN, parseStatLine, STAT_FIELDS_FORMAT, type FileProbe } from '../transport/remote-file.js';
import { SELINUX_ENABLED_FN, SELINUX_LABEL_FN, testSelinuxfs } from '../transport/selinux-label.js';
import { attrDelta, attrDiff, attrFields, describeAttrs, fixAttrsCommand, modeForWrite } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { run } from './lib/remote.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';
import { pathInfo } from './lib/path-info.js';

const ALGOS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
const HEX_LEN: Record<string, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

const checksumArg = z
  .string()
  .transform((v, zctx) => {
    const m = /^([a-z0-9]+):(.+)$/.exec(v.trim());
    if (!m || !(ALGOS as readonly string[]).includes(m[1])) {
      zctx.addIssue({ code: 'custom', message: `checksum must be <algorithm>:<hex digest> with algorithm one of ${ALGOS.join(', ')}` });
      return z.NEVER;
    }
    const hex = m[2].toLowerCase();
    if (!/^[0-9a-f]+$/.test(hex) || hex.length !== HEX_LEN[m[1]]) {
      zctx.addIssue({ code: 'custom', message: `checksum: "${m[2]}" is not a ${m[1]} hex digest (a checksum URL is not supported)` });
      return z.NEVER;
    }
    return { algo: m[1], hex };
  })
  .optional();

export const schema = withAliases(
  z.strictObject({
    url: z.string().regex(/^(https?|ftp|file):\/\/\S+$/i, 'url must be http(s)://, ftp:// or file://'),
    dest: pathArg,
    checksum: checksumArg,
    force: boolArg.default(false),
    timeout: z.coerce.number().int().positive().default(10),
    validate_certs: boolArg.default(true),
    backup: boolArg.default(false),
    ...attrFields,
    ...attributesFields,
  }),
  ATTRIBUTES_ALIAS,
);
export type GetUrlArgs = z.infer<typeof schema>;

// Fetch $url into $1 with what the host has; inputs come from shell variables, never spliced in.
export const PY_FETCH = `import shutil,ssl,sys,urllib.request
url, out, to, vc = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == '1'
try:
    ctx = None if vc else ssl._create_unverified_context()
    with urllib.request.urlopen(url, timeout=to, context=ctx) as r, open(out, 'wb') as f:
        shutil.copyfileobj(r, f)
except Exception as e:
    sys.stderr.write('Request failed: %s\\n' % e)
    sys.exit(1)`;

export const FETCH = `fetch() {
  if command -v curl >/dev/null 2>&1; then
    k=; [ "$vc" = 1 ] || k=-k
    curl -fsSL $k --connect-timeout "$to" --speed-time "$to" --speed-limit 1 -o "$1" "$url"
  elif command -v wget >/dev/null 2>&1; then
    k=; [ "$vc" = 1 ] || k=--no-check-certificate
    wget -q $k -T "$to" -O "$1" "$url"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c "$py_fetch" "$url" "$1" "$to" "$vc"
  else echo 'get_url needs curl, wget or python3 on the host' >&2; return 3
  fi
}
digest() { "$1sum" < "$2" | cut -d' ' -f1; }
`;

// Plan: where the file lands, its stat, digest (the checksum's algorithm), sha1 and md5 (the sums Ansible registers);
// with probe=1 (force) the URL's sha1, size and the temp file it went to.
const PLAN_BODY = `t=$dest; isdir=0
if [ -d "$dest" ]; then isdir=1; t="$dest/$base"; fi
echo "DIR $isdir"
if [ -d "$t" ]; then echo ISDIR; exit 0; fi
if [ -e "$t" ]; then
  echo "STAT $(stat -L -c '${STAT_FIELDS_FORMAT}' -- "$t")" || exit 2
  [ -f "$t" ] && echo "SUM $(digest "$algo" "$t") $(digest sha1 "$t") $(digest md5 "$t")"
  if [ "$probe" = 1 ]; then
    tmp=$(mktemp) || exit 5; trap 'rm -f -- "$tmp"' EXIT
    fetch "$tmp" || exit 4
    echo "NEW $(digest sha1 "$tmp") $(stat -c %s -- "$tmp")"; echo "SRC $tmp"
  fi
else
  [ -d "$(dirname -- "$t")" ] && echo ABSENT 1 || echo ABSENT 0
fi
`;

// Apply: download next to the target, verify, set attributes and the SELinux label, back up, rename.
const APPLY_BODY = `die() { rc=$1; shift; printf '%s\\n' "$*" >&2; exit "$rc"; }
${BACKUP_FN}${SELINUX_ENABLED_FN}${SELINUX_LABEL_FN}d=$(dirname -- "$t")
[ -d "$d" ] || die 3 "Destination dir $d does not exist"
tmp=$(mktemp -- "$d/.nodemend.XXXXXXXX") || die 5 "cannot create a temp file in $d"
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
fetch "$tmp" || exit 4
if [ -n "$want" ]; then
  got=$(digest "$algo" "$tmp"); [ "$got" = "$want" ] || { echo "BADSUM $got"; exit 6; }
fi
new="$(digest sha1 "$tmp") $(digest md5 "$tmp")"
if [ -e "$t" ]; then
  cur=$(stat -L -c '%a %u %g' -- "$t") || die 7 "cannot stat $t"; set -- $cur
  chown -- "$2:$3" "$tmp" 2>/dev/null || :
  chmod -- "$1" "$tmp" || die 7 "cannot chmod $tmp"
else
  chmod -- "$(printf %o $(( 0666 & ~0$(umask) )))" "$tmp" || die 7 "cannot chmod $tmp"
fi
if [ -n "$own" ]; then chown -- "$own" "$tmp" || die 8 "cannot chown $t to $own"; fi
if [ -n "$mode" ]; then chmod -- "$mode" "$tmp" || die 8 "cannot chmod $t to $mode"; fi
sl "$t" "$tmp" || die 14 "cannot set the SELinux label of $t"
b=
if [ "$backup" = 1 ] && [ -e "$t" ]; then bk "$t" || die 9 "cannot back up $t (no backup left behind)"; fi
mv -fT -- "$tmp" "$t" || die 10 "cannot rename $tmp to $t"
trap - EXIT
echo "BACKUP $b"
echo "SRC $tmp"
echo "DONE $new $(stat -c '${STAT_FIELDS_FORMAT}' -- "$t")"
`;

function lineOf(out: string, tag: string): string | undefined {
  const m = new RegExp(`^${tag} ?(.*)$`, 'm').exec(out);
  return m ? m[1] : undefined;
}

function baseName(url: string): string {
  const path = new URL(url).pathname;
  const b = decodeURIComponent(posix.basename(path));
  return b && b !== '/' ? b : 'index.html';
}

export default defineModule({
  name: 'get_url',
  pathArgs: ['dest'],
  description: 'Download a URL on the host to dest (curl/wget/python3), checksum-verified and atomic',
  schema,
  async plan(a, ctx): Promise<Plan> {
    const { plan, kept } = await planGetUrl(a, ctx);
    // get_url.py's early exit for a dest already right registers its own words when the flags change.
    const register = () => (kept ? { msg: 'file already exists but file attributes changed' } : {});
    const planned = await withAttributes(plan, ctx, typeof plan.result?.dest === 'string' ? plan.result.dest : a.dest, a.attributes, register);
    // get_url.py registers no `diff` (set_fs_attributes_if_different is given none): the plan's is shown only.
    return { ...planned, result: { ...planned.result, diff: undefined } };
  },
});

/** The download's plan; `kept`: dest is already right and no download is compared (get_url.py's checksum exit). */
async function planGetUrl(a: GetUrlArgs, ctx: ModuleContext): Promise<{ plan: Plan; kept: boolean }> {
  const algo = a.checksum?.algo ?? 'sha256';
  const vars = sh`url=${a.url}; dest=${a.dest}; base=${baseName(a.url)}; algo=${algo}; want=${a.checksum?.hex ?? ''}; to=${a.timeout}; vc=${a.validate_certs ? 1 : 0}
py_fetch=${PY_FETCH}
${raw(FETCH)}`;
  // force downloads to compare (Ansible downloads and compares sha1s), also with a checksum.
  const probe = a.force ? 1 : 0;
  const started = Date.now();
  const res = await run(ctx.conn, sh`${vars}probe=${probe}\n${raw(PLAN_BODY)}`, `cannot check ${a.dest}`).catch((e) => {
    throw e instanceof ModuleFailure && e.result.rc === 4 ? new ModuleFailure(`Request failed: ${String(e.result.stderr ?? '').trim()}`, { url: a.url, ...e.result }) : e;
  });
  const out = res.stdout;
  const target = lineOf(out, 'DIR') === '1' ? posix.join(a.dest, baseName(a.url)) : a.dest;
  if (out.includes('ISDIR')) throw new ModuleFailure(`${target} is a directory`);
  const absent = lineOf(out, 'ABSENT');
  if (absent === '0' && !parentWillExist(ctx, target, false)) throw new ModuleFailure(`Destination dir ${posix.dirname(target)} does not exist`, { dest: target });
  const statLine = lineOf(out, 'STAT');
  const current: FileProbe | undefined = statLine ? parseStatLine(target, statLine) : undefined;
  // The checksum's digest, then the sha1 and md5 Ansible registers (checksum_dest, md5sum).
  const [currentSum, currentSha1, currentMd5] = (lineOf(out, 'SUM') ?? '').split(' ');
  const base = { url: a.url, dest: target };
  // What get_url.py's result starts with (checksum_dest/_src null, elapsed 0), as each of its exits registers it.
  const elapsed = (): number => Math.floor((Date.now() - started) / 1000);
  const httpStatus = /^https?:/i.test(a.url) ? { status_code: 200 } : {};

  if (current) {
    if (current.type !== 'file') throw new ModuleFailure(`${target} exists and is not a regular file`, base);
    const [newSha1, newSize] = (lineOf(out, 'NEW') ?? '').split(' ');
    const contentOk = probe ? newSha1 === currentSha1 : a.checksum ? currentSum === a.checksum.hex : true;
    if (contentOk) {
      const delta = attrDelta(current, { mode: a.mode, owner: a.owner, group: a.group });
      // force: downloaded and compared, as Ansible's full run; a checksum that matches: its early exit, nothing
      // requested; neither: nodemend requests nothing (README "Choices"; Ansible asks If-Modified-Since).
      const result: Record<string, unknown> = probe
        ? { ...base, checksum_dest: currentSha1, checksum_src: newSha1, md5sum: currentMd5, src: lineOf(out, 'SRC'), elapsed: elapsed(), ...httpStatus }
        : a.checksum
          ? { ...base, checksum_dest: null, checksum_src: null, elapsed: 0 }
          : { ...base, elapsed: 0 };
      Object.assign(result, pathInfo(current));
      const msg = probe ? `OK (${newSize} bytes)` : 'file already exists';
      if (!delta.changed) return { kept: !probe, plan: { changed: false, msg, result: { ...result, msg } } };
      const fix = fixAttrsCommand(target, delta)!;
      // Registered as get_url.py words it (force: the download's status line); shown with what changes.
      const registered = probe ? msg : 'file already exists but file attributes changed';
      const plan: Plan = {
        changed: true,
        msg: `file already exists but file attributes changed: ${describeAttrs(delta)}`,
        diff: [attrDiff(target, delta)!],
        result,
        apply: async () => {
          await run(ctx.conn, fix, `cannot set attributes of ${target}`);
          return { msg: registered, mode: delta.mode ?? current.mode, owner: delta.owner ?? current.owner, group: delta.group ?? current.group };
        },
      };
      return { kept: !probe, plan };
    }
  }

  const owner = a.owner ? (a.group ? `${a.owner}:${a.group}` : a.owner) : a.group ? `:${a.group}` : '';
  const mode = modeForWrite(a.mode, current) ?? '';
  planFileCreation(ctx, target); // --check: a later unarchive/copy of it plans against the download
  const plan: Plan = {
    changed: true,
    msg: current ? `would download ${a.url} over ${target} (content differs)` : `would download ${a.url} to ${target}`,
    done: current ? `downloaded ${a.url} over ${target} (content differed)` : `downloaded ${a.url} to ${target}`,
    // --check requests nothing: no checksum_src (Ansible's is the sha1 of a HEAD reply's empty body).
    result: { ...base, checksum_dest: currentSha1 ?? null, checksum_src: null, elapsed: 0, ...(current ? pathInfo(current) : {}) },
    apply: async () => {
      const script = sh`${vars}t=${target}; own=${owner}; mode=${mode}; backup=${a.backup ? 1 : 0}; tsfs=${testSelinuxfs()}\n${raw(APPLY_BODY)}`;
      const r = await ctx.conn.exec(script, { timeoutSec: ctx.timeoutSec });
      if (r.rc === 6) {
        const got = lineOf(r.stdout, 'BADSUM');
        throw new ModuleFailure(`The checksum for ${target} did not match ${a.checksum!.hex}; it was ${got}.`, { ...base, checksum_src: got });
      }
      if (r.rc === 4) throw new ModuleFailure(`Request failed: ${r.stderr.trim()}`, { ...base, rc: r.rc, stderr: r.stderr });
      if (r.rc !== 0) throw new ModuleFailure(r.timedOut ? `download timed out after ${ctx.timeoutSec} seconds` : r.stderr.trim() || `rc ${r.rc}`, { ...base, rc: r.rc, stderr: r.stderr });
      const done = lineOf(r.stdout, 'DONE')!.split(' ');
      const st = parseStatLine(target, done.slice(2).join(' '));
      const backup = lineOf(r.stdout, 'BACKUP');
      return {
        ...base,
        checksum_dest: currentSha1 ?? null,
        checksum_src: done[0],
        md5sum: done[1],
        src: lineOf(r.stdout, 'SRC'),
        elapsed: elapsed(),
        ...httpStatus,
        ...pathInfo(st),
        msg: `OK (${st.size} bytes)`,
        ...(backup ? { backup_file: backup } : {}),
      };
    },
  };
  return { kept: false, plan };
}
