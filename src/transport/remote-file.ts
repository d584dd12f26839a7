/**
 * The atomic remote-file layer every file-writing module uses: read a file's
 * state (and, only when needed, its bytes) in one exec, write one in one exec.
 *
 * Reads are binary-safe: the remote script prints ONE header line made only of
 * numbers, names and hex, then the raw file bytes until end of output, so no
 * file content can be mistaken for framing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { sh, raw, type Raw } from './quote.js';
import { UnreachableError, type ExecOptions, type ExecResult, type RemoteShell } from './types.js';
import { shellLibrary } from './shell-library.js';
import { textInputLines } from './persistent-shell.js';
import { noteBasis, probeFingerprint } from '../plan/basis.js';
import { parseSelinuxInfo, SELINUX_ENABLED_FN, SELINUX_LABEL_FN, SELINUX_PROBE_SH, testSelinuxfs, type SelinuxInfo } from './selinux-label.js';

export type FileType = 'file' | 'directory' | 'link' | 'other' | 'absent';

export interface FileProbe {
  /** The path as asked. */
  path: string;
  exists: boolean;
  type: FileType;
  /** Permission bits as 4 octal digits ("0644", "4755"); "" when absent. */
  mode: string;
  owner: string;
  group: string;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, as Python's os.stat gives them (a float: seconds + nanoseconds * 1e-9). */
  mtime: number;
  atime: number;
  ctime: number;
  inode: number;
  nlink: number;
  /** st_mode whole (type bits included); 0 when absent. */
  rawMode: number;
  /** st_dev, st_blocks (512-byte units), st_blksize, st_rdev (glibc's makedev of the device's major/minor). */
  dev: number;
  blocks: number;
  blockSize: number;
  rdev: number;
  /** Regular files only, when asked (wantSha / compareSha / content fetched); of the bytes sent when content came. */
  sha256?: string;
  /** What sha256sum said on the host (before the bytes were read): compare with `sha256` to detect a file changing mid-read. */
  remoteSha256?: string;
  /** With `checksum: 'sha1'`, instead of the two above (fetch reports sha1, as Ansible's does). */
  sha1?: string;
  remoteSha1?: string;
  /** `readlink` of `path` when `path` itself is a symlink (even when followed). */
  linkTarget?: string;
  /** When `path` is a symlink, the fully resolved path (what a write must replace to keep the link); else `path`. */
  realPath: string;
  content?: Buffer;
  /** Why content was asked for but not sent. */
  contentOmitted?: 'too-large' | 'same' | 'not-a-file';
  /** Whether the directory that would hold `path` exists (decides create vs fail). */
  parentExists: boolean;
  /** Output of `ProbeOptions.extra` (trailing newlines removed). */
  extra?: string;
  /** Where SELinux is enabled: the label (stat's %C, "?" for none), as add_path_info's `secontext`. */
  secontext?: string;
  /** Where SELinux is enabled (probeFile only): the policy's MLS flag and, when asked, the path's default label. */
  selinux?: SelinuxInfo;
}

export interface ProbeOptions {
  /** Compute sha256 remotely for a regular file. */
  wantSha?: boolean;
  /** The checksum the caller wants; implies wantSha. With wantContent 'if-different', bytes come only on mismatch. */
  compareSha?: string;
  /** The checksum wantSha/compareSha mean: sha256 (default) or sha1 (fetch, as Ansible's `checksum`). */
  checksum?: 'sha256' | 'sha1';
  wantContent?: 'always' | 'if-different';
  /** Do not send content larger than this (diffs of huge files are useless). */
  maxContentBytes?: number;
  /** Describe the symlink's target instead of the link (lineinfile, blockinfile, copy follow=true). */
  follow?: boolean;
  /**
   * A further read-only script run in the same exec (e.g. a recursive listing); its stdout
   * comes back as `extra`. Lets a module keep its whole plan to one round trip.
   */
  extra?: Raw;
  /** The content may be a whole large file (fetch, slurp): stream it over a channel of its own. */
  largeOutput?: boolean;
  /** Where SELinux is enabled, also read the path's default label (matchpathcon: a task's `_default`). */
  selinuxDefault?: boolean;
}

export interface WriteOptions {
  /** Octal ("0644") or symbolic with explicit who ("u+x,g-w"), applied on top of the kept/default mode. */
  mode?: string;
  owner?: string;
  group?: string;
  /** Keep the current file as `<path>.<YYYYmmddTHHMMSS>~` (Ansible-like). */
  backup?: boolean;
  /**
   * Compare-and-swap: the sha256 the file had when it was read, or null for "it did not exist".
   * The write fails if the file changed meanwhile, so an edit never clobbers a concurrent change.
   */
  expectSha?: string | null;
  /** mkdir -p the parent directory first (lineinfile/blockinfile create=true). */
  makeParents?: boolean;
  /** Copy this remote file instead of reading `content` from stdin (copy remote_src). */
  sourcePath?: string;
  /** What `sourcePath` held when it was planned: the copy is verified against it before the rename. */
  sourceSha256?: string;
  sourceSize?: number;
  /** With `sourcePath`: the new file gets its access and modification times (shutil.copystat, copy2). */
  keepTimes?: boolean;
  /** A command (shell text, words quoted) that must pass on the temp file "$t" before the rename (the modules' `validate:`). */
  validate?: Raw;
  /** Where SELinux is enabled, chcon's arguments (before the path) for the label's parts the task sets (selinux-label.ts chconArgs). */
  chcon?: string[];
}

export interface WriteResult {
  /** The file as written (stat of the final path). */
  stat: FileProbe;
  /** sha256 of the bytes written. */
  sha256: string;
  backupFile?: string;
  /** With `validate`: what the command printed when it passed (the write script's output before its own last line). */
  validated?: { stdout: string; stderr: string };
}

/** A remote file operation failed; `result` holds the fields a module registers. */
export class RemoteFileError extends Error {
  constructor(
    message: string,
    readonly result: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RemoteFileError';
  }
}

/** Exit code of the write script when the compare-and-swap check failed. */
export const RC_CHANGED_SINCE_READ = 75;
/** Exit code of the write script when `validate` refused the temp file. */
const RC_VALIDATE_FAILED = 13;

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The fields read from `stat`, in order: raw mode in hex, ids, size, whole-second times, inode,
 * links, names (never contain spaces), device, blocks, I/O block size, the device type's major and
 * minor (hex), then the three times as text (the only fields with spaces, so last), whose fraction
 * is the nanoseconds: plain directives that old coreutils (RHEL 7 ships 8.22) has too, no
 * precision (%.9Y) or %r, which this code has not checked there.
 */
export const STAT_DIRECTIVES: readonly string[] = ['%f', '%u', '%g', '%s', '%Y', '%X', '%Z', '%i', '%h', '%U', '%G', '%d', '%b', '%o', '%t', '%T', '%x', '%y', '%z'];
const STAT_FORMAT = STAT_DIRECTIVES.join(' ');
/** Fields before the time texts. */
const STAT_NUMBERED = 16;
/**
 * Shell: `$sfmt` is STAT_FORMAT, with the SELinux label (%C) as a last field where SELinux is enabled
 * (needs `seon`). A file without a label prints "?" there and makes stat exit 1 (the line is whole):
 * callers take a non-empty line as the answer.
 */
const STAT_SFMT = `sfmt='${STAT_FORMAT}'; seon && sfmt="$sfmt %C"\n`;
/** Words of a space-split `stat -c "$sfmt"` line with the label: the numbered fields, three time texts of three words, the label. */
const LABELLED_WORDS = STAT_NUMBERED + 9 + 1;

/** Shell function dn PATH: dirname(1) without a process (a fork+exec costs the host ~1 ms); result in $r. */
export const DIRNAME_FN = `dn() { r=$1; case $r in *[!/]*) ;; '') r=.; return ;; *) r=/; return ;; esac
  r=\${r%"\${r##*[!/]}"}; case $r in */*) r=\${r%/*}; r=\${r%"\${r##*[!/]}"}; [ -n "$r" ] || r=/ ;; *) r=. ;; esac; }
`;

// Shell prelude: C locale (byte semantics); hex() so paths of any bytes survive the header line
// (called through hx(), which leaves "-" for an empty value without a subshell); dn().
const PRELUDE = shellLibrary(`LC_ALL=C; export LC_ALL
hex() { printf %s "$1" | od -An -vtx1 | tr -d ' \\n'; }
hx() { if [ -n "$1" ]; then r=$(hex "$1"); else r=-; fi; }
${DIRNAME_FN}${SELINUX_ENABLED_FN}${STAT_SFMT}`);

function typeOf(rawMode: number): FileType {
  switch ((rawMode >> 12) & 0xf) {
    case 0x8:
      return 'file';
    case 0x4:
      return 'directory';
    case 0xa:
      return 'link';
    default:
      return 'other';
  }
}

function unhex(h: string | undefined): string | undefined {
  if (!h || h === '-') return undefined;
  return Buffer.from(h, 'hex').toString('utf8');
}

function absentProbe(path: string, realPath: string, parentExists: boolean, linkTarget?: string): FileProbe {
  return {
    path,
    exists: false,
    type: 'absent',
    mode: '',
    owner: '',
    group: '',
    uid: -1,
    gid: -1,
    size: 0,
    mtime: 0,
    atime: 0,
    ctime: 0,
    inode: 0,
    nlink: 0,
    rawMode: 0,
    dev: 0,
    blocks: 0,
    blockSize: 0,
    rdev: 0,
    linkTarget,
    realPath,
    parentExists,
  };
}

/** st_atime and friends as Python computes them: the whole seconds plus nanoseconds * 1e-9, in doubles. */
export function pyTime(secs: string, nanos: string | undefined): number {
  return Number(secs) + Number((nanos ?? '0').padEnd(9, '0').slice(0, 9)) * 1e-9;
}

/** glibc's makedev: st_rdev from the major and minor numbers. */
function makedev(major: number, minor: number): number {
  return (minor & 0xff) + (major & 0xfff) * 2 ** 8 + Math.floor(minor / 2 ** 8) * 2 ** 20 + Math.floor(major / 2 ** 12) * 2 ** 44;
}

/**
 * Parse the fields of STAT_DIRECTIVES into a probe: split on spaces (a `stat -c` line: each time
 * text is then three words) or on NULs (`--printf` with "\0": one field each); the time texts are
 * read from the rest either way.
 */
export function fromStat(path: string, f: readonly string[], realPath = path, linkTarget?: string): FileProbe {
  const rawMode = parseInt(f[0], 16);
  // The label, where SELinux is enabled, follows the time texts (space-split lines only).
  const label = f.length === LABELLED_WORDS ? f[LABELLED_WORDS - 1] : undefined;
  const fractions = [
    ...f
      .slice(STAT_NUMBERED, label !== undefined ? -1 : undefined)
      .join(' ')
      .matchAll(/\d\d:\d\d:\d\d(?:\.(\d+))?/g),
  ].map((m) => m[1]);
  if (f.length < STAT_NUMBERED + 3 || Number.isNaN(rawMode) || fractions.length !== 3) throw new RemoteFileError(`${path}: unexpected stat output "${f.join(' ')}"`);
  return {
    path,
    exists: true,
    type: typeOf(rawMode),
    mode: (rawMode & 0o7777).toString(8).padStart(4, '0'),
    uid: Number(f[1]),
    gid: Number(f[2]),
    size: Number(f[3]),
    mtime: pyTime(f[4], fractions[1]),
    atime: pyTime(f[5], fractions[0]),
    ctime: pyTime(f[6], fractions[2]),
    inode: Number(f[7]),
    nlink: Number(f[8]),
    owner: f[9],
    group: f[10],
    rawMode,
    dev: Number(f[11]),
    blocks: Number(f[12]),
    blockSize: Number(f[13]),
    rdev: makedev(parseInt(f[14], 16), parseInt(f[15], 16)),
    linkTarget,
    realPath,
    parentExists: true,
    ...(label !== undefined ? { secontext: label } : {}),
  };
}

function failure(what: string, path: string, res: ExecResult): RemoteFileError {
  const detail = res.stderr.trim() || `exit code ${res.rc}`;
  return new RemoteFileError(`${what} ${path}: ${detail}`, { rc: res.rc, stderr: res.stderr });
}

/**
 * One exec: does `path` exist, what is it (mode, owner, size, times), optionally its
 * sha256 and its bytes ('if-different' sends them only when the sha differs from compareSha).
 */
export async function probeFile(shell: RemoteShell, path: string, opts: ProbeOptions = {}): Promise<FileProbe> {
  const probe = await probeFileOnce(shell, path, opts);
  // A planning run keeps what each plan read (plan/basis.ts): a saved plan names the file that drifted.
  noteBasis(shell, `file ${path}`, probeFingerprint(probe));
  return probe;
}

async function probeFileOnce(shell: RemoteShell, path: string, opts: ProbeOptions): Promise<FileProbe> {
  // Bytes that always come are hashed here (see below): a sha256sum on the host would only cost a process.
  const wantSha = opts.wantSha || opts.compareSha !== undefined || opts.wantContent === 'if-different' || (opts.wantContent === 'always' && opts.maxContentBytes !== undefined);
  const contentMode = opts.wantContent ?? 'none';
  // The extra script runs first in its own subshell; its output is length-prefixed.
  const extra = opts.extra
    ? sh`x=$(${opts.extra}
); printf 'NMEXTRA %d\n%s' "\${#x}" "$x"
`
    : raw('');
  const algo = opts.checksum ?? 'sha256';
  const script = sh`p=${path}; follow=${opts.follow ? 1 : 0}; wantsha=${wantSha ? 1 : 0}; sumcmd=${algo === 'sha1' ? 'sha1sum' : 'sha256sum'}; cmp=${opts.compareSha ?? ''}; want=${contentMode}; max=${opts.maxContentBytes ?? -1}; tsfs=${testSelinuxfs()}; sedef=${opts.selinuxDefault ? 1 : 0}
${raw(PRELUDE)}${extra}${raw(PROBE_BODY)}`;
  const res = await shell.exec(script, opts.largeOutput ? { largeOutput: true } : {});
  if (res.rc !== 0) throw failure('cannot read', path, res);
  let buf = res.stdoutBytes;
  let extraOut: string | undefined;
  if (opts.extra) {
    const m = /^NMEXTRA (\d+)\n/.exec(buf.subarray(0, 32).toString('latin1'));
    if (!m) throw new RemoteFileError(`cannot read ${path}: unexpected probe output`, { stdout: res.stdout, stderr: res.stderr });
    const start = m[0].length;
    extraOut = buf.subarray(start, start + Number(m[1])).toString('utf8');
    buf = buf.subarray(start + Number(m[1]));
  }
  const nl = buf.indexOf(0x0a);
  const header = (nl < 0 ? buf : buf.subarray(0, nl)).toString('utf8').trim().split(' ');
  if (header[0] !== 'NMPROBE1') throw new RemoteFileError(`cannot read ${path}: unexpected probe output`, { stdout: res.stdout, stderr: res.stderr });
  const probe = parseProbeHeader(path, header, algo);
  probe.extra = extraOut;
  if (!probe.exists) return probe;
  const flag = header[5];
  if (flag === 'C') {
    probe.content = Buffer.from(buf.subarray(nl + 1));
    // The bytes are the truth: the file may have changed between stat and cat.
    if (algo === 'sha1') probe.sha1 = createHash('sha1').update(probe.content).digest('hex');
    else probe.sha256 = sha256(probe.content);
    probe.size = probe.content.length;
  } else if (flag === 'L') probe.contentOmitted = 'too-large';
  else if (flag === 'S') probe.contentOmitted = 'same';
  else if (flag === 'N' && contentMode !== 'none') probe.contentOmitted = 'not-a-file';
  return probe;
}

/** PROBE_BODY's header line, split on spaces: the probe without content. */
function parseProbeHeader(path: string, header: string[], algo: 'sha256' | 'sha1'): FileProbe {
  const linkTarget = unhex(header[2]);
  const realPath = unhex(header[3]) ?? path;
  if (header[1] === 'absent') return { ...absentProbe(path, realPath, header[4] === '1', linkTarget), ...selinuxOf(header[5]) };
  const [, , , , sha, , sei, ...statFields] = header;
  const probe = fromStat(path, statFields, realPath, linkTarget);
  Object.assign(probe, selinuxOf(sei));
  if (sha !== '-' && algo === 'sha1') probe.sha1 = probe.remoteSha1 = sha;
  else if (sha !== '-') probe.sha256 = probe.remoteSha256 = sha;
  return probe;
}

function selinuxOf(word: string | undefined): Pick<FileProbe, 'selinux'> {
  const selinux = parseSelinuxInfo(word);
  return selinux ? { selinux } : {};
}

/** Files up to this many bytes are read by the probe's shell itself (PROBE_BODY). */
const SMALL_READ = 2048;

// $q is what gets described: the path itself, or with follow its resolved target.
const PROBE_BODY = shellLibrary(`lt=; [ -L "$p" ] && lt=$(readlink -- "$p")
q=$p; rp=
if [ -n "$lt" ]; then rp=$(readlink -f -- "$p") || rp=; [ "$follow" = 1 ] && [ -n "$rp" ] && q=$rp; fi
hx "$lt"; hlt=$r; hx "$rp"; hrp=$r
${SELINUX_PROBE_SH}if [ ! -e "$q" ] && [ ! -L "$q" ]; then
  dn "$q"; pe=0; [ -d "$r" ] && pe=1
  printf 'NMPROBE1 absent %s %s %s %s\\n' "$hlt" "$hrp" "$pe" "$sei"; exit 0
fi
st=$(stat -c "$sfmt" -- "$q" 2>/dev/null) || [ -n "$st" ] || { stat -c "$sfmt" -- "$q"; exit 2; }
sha=-; flag=N
if [ -f "$q" ] && [ ! -L "$q" ]; then
  if [ "$wantsha" = 1 ]; then sha=$($sumcmd < "$q") || exit 3; sha=\${sha%% *}; fi
  if [ "$want" = always ] || { [ "$want" = if-different ] && [ "$sha" != "$cmp" ]; }; then
    set -- $st
    if [ "$max" -ge 0 ] && [ "$4" -gt "$max" ]; then flag=L; else flag=C; fi
  elif [ "$want" = if-different ]; then flag=S
  fi
fi
printf 'NMPROBE1 present %s %s %s %s %s %s\\n' "$hlt" "$hrp" "$sha" "$flag" "$sei" "$st"
# A small file's bytes come by builtins (a \`cat\` costs the host ~1.5 ms, about what reading 2 KB
# byte by byte does): \`read\` drops NUL bytes, so a text of another length than the file's goes by cat.
if [ "$flag" = C ]; then
  set -- $st
  if [ "$4" -le ${SMALL_READ} ]; then x=; while IFS= read -r l; do x="$x$l
"; done < "$q"; x="$x$l"; if [ "\${#x}" = "$4" ]; then printf %s "$x"; exit 0; fi; fi
  exec cat -- "$q"
fi
`);

/** A controller file sent as a write's content without holding it in memory (copy of a large src). */
export interface LocalFileContent {
  localPath: string;
  size: number;
  sha256: string;
}

/**
 * One exec: write `content` to `path` atomically (temp file in the same directory,
 * attributes set on the temp, then rename). Keeps the existing file's mode and owner
 * unless given (as Ansible does); new files get 0666 & ~umask. Where SELinux is enabled the
 * file keeps its label, a new one gets its path's default (selinux-label.ts).
 *
 * The host checks the temp file's length against what the controller sent before the
 * rename, and its sha256 where the bytes come from a file (one on the controller may change
 * while it is streamed; a `src` on the host while it is copied): input cut short (a lost connection or a killed controller ends the
 * input early, and `cat` takes that for the end of the file) or a short write on a full
 * disk removes the temp file and keeps the old destination. The temp file is removed on
 * any failure or signal; one left by a host crash (`.nodemend.*` in the same directory)
 * is removed by a later write into that directory once it is an hour old.
 */
export async function writeFileAtomic(shell: RemoteShell, path: string, content: Buffer | string | LocalFileContent, opts: WriteOptions = {}): Promise<WriteResult> {
  const w = writeScript(path, content, opts);
  let res: ExecResult;
  try {
    res = await shell.exec(sh`${w.vars}${raw(PRELUDE)}${raw(WRITE_BODY)}`, w.stdin);
  } catch (e) {
    throw interruptedWrite(e, path, w.size, w.sum);
  }
  return writeOutcome(res, path, opts.validate !== undefined);
}

/**
 * Shell for a probe's `extra` (PRELUDE is defined there): where nothing is at `path` and its directory
 * exists, write an empty file as writeFileAtomic does (`expectSha: null`), in a subshell; prints
 * `@@write` with the write's stdout, `@@writerc` with its exit status and `@@writeerr` with its stderr
 * (writtenInProbe reads them). A run's `file: state=touch` thus makes a new file in its probe's round trip.
 */
export function emptyFileWriteScript(path: string, opts: Omit<WriteOptions, 'expectSha' | 'sourcePath' | 'makeParents' | 'validate'>): Raw {
  const ws = writeScript(path, '', { ...opts, expectSha: null });
  return sh`if [ ! -e ${path} ] && [ ! -L ${path} ] && dn ${path} && [ -d "$r" ]; then echo @@write; { e=$( { ( ${ws.vars}${raw(WRITE_BODY)}) </dev/null 3>&-; } 2>&1 1>&3); r=$?; } 3>&1; printf '@@writerc\n%s\n@@writeerr\n%s\n' "$r" "$e"; fi`;
}

/** What emptyFileWriteScript's write did, from its sections: undefined when it wrote nothing; else the write's result, or the error writeFileAtomic would have thrown. */
export function writtenInProbe(path: string, ex: Record<string, string[]>): { result: WriteResult } | { error: unknown } | undefined {
  const rc = ex.writerc?.[0];
  if (rc === undefined) return undefined;
  const stderr = (ex.writeerr ?? []).map((l) => `${l}\n`).join('');
  try {
    return { result: writeOutcome({ rc: Number(rc), stdout: (ex.write ?? []).join('\n'), stderr, stdoutBytes: Buffer.alloc(0) }, path, false) };
  } catch (error) {
    return { error };
  }
}

/** The write's variables and functions (WRITE_BODY's input), its stdin, and the length and sha256 the host checks. */
function writeScript(path: string, content: Buffer | string | LocalFileContent, opts: WriteOptions): { vars: Raw; stdin: ExecOptions; size?: number; sum?: string } {
  const local = typeof content === 'object' && !Buffer.isBuffer(content) ? content : undefined;
  const data = local ? undefined : typeof content === 'string' ? Buffer.from(content, 'utf8') : (content as Buffer);
  const size = local ? local.size : opts.sourcePath !== undefined ? opts.sourceSize : data!.length;
  const sum = local ? local.sha256 : opts.sourcePath !== undefined ? opts.sourceSha256 : sha256(data!);
  const owner = opts.owner ? (opts.group ? `${opts.owner}:${opts.group}` : opts.owner) : opts.group ? `:${opts.group}` : '';
  const expect = opts.expectSha === undefined ? '' : opts.expectSha === null ? 'absent' : opts.expectSha;
  const tmp = `.nodemend.${randomBytes(8).toString('hex')}`;
  // install(1) can create, fill and chmod the temp file in one process when the mode is plain octal.
  const installable = opts.sourcePath === undefined && opts.mode !== undefined && /^[0-7]+$/.test(opts.mode) && parseInt(opts.mode, 8) <= 0o777;
  // Bytes held in memory here go on stdin as they are: the host checks their length only (WRITE_BODY).
  const inMemory = data !== undefined && opts.sourcePath === undefined;
  // Small text (no NUL) is written by the shell's builtins, which read it as cheaply as `cat` would start.
  const text = inMemory && textInputLines(data!) !== 0;
  const vars = sh`p=${path}; d=${posix.dirname(path)}; t=${posix.join(posix.dirname(path), tmp)}; mkp=${opts.makeParents ? 1 : 0}; expect=${expect}; own=${owner}; mode=${opts.mode ?? ''}; backup=${opts.backup ? 1 : 0}; src=${opts.sourcePath ?? ''}; kt=${opts.keepTimes ? 1 : 0}; inst=${installable ? 1 : 0}; len=${size ?? ''}; sum=${sum ?? ''}; hash=${inMemory ? 0 : 1}; txt=${text ? 1 : 0}; val=${opts.validate ? 1 : 0}; tsfs=${testSelinuxfs()}
vd() { ${opts.validate ?? raw(':')}
}
sx() { ${opts.chcon?.length ? sh`chcon ${opts.chcon} "$t"` : raw(':')}
}
`;
  const stdin = local ? { stdinFile: local.localPath } : data !== undefined && opts.sourcePath === undefined ? { stdin: data } : {};
  return { vars, stdin, size, sum };
}

/** What WRITE_BODY's exit code and last line say: the file as written, or why not. */
function writeOutcome(res: ExecResult, path: string, validate: boolean): WriteResult {
  if (res.rc === RC_CHANGED_SINCE_READ) {
    throw new RemoteFileError(`${path} changed on the host since it was read; not overwriting (run again)`, { rc: res.rc, stderr: res.stderr });
  }
  if (res.rc === RC_VALIDATE_FAILED) {
    const m = /\n?NMVALIDATE (\d+)\n$/.exec(res.stderr);
    const stderr = m ? res.stderr.slice(0, m.index) : res.stderr;
    throw new RemoteFileError(`${path}: validate failed (rc ${m?.[1] ?? '?'}); left as it was`, { validate_rc: Number(m?.[1] ?? -1), stdout: res.stdout, stderr });
  }
  if (res.rc !== 0) throw failure('cannot write', path, res);
  // The script's own last line; a validate command's output comes before it (with or without a final newline).
  const at = res.stdout.lastIndexOf('NMWRITE1 ');
  const header = res.stdout.slice(at).trim().split(' ');
  if (at < 0 || header[0] !== 'NMWRITE1') throw new RemoteFileError(`cannot write ${path}: unexpected output`, { stdout: res.stdout, stderr: res.stderr });
  const backupFile = unhex(header[1]);
  const stat = fromStat(path, header.slice(3), path);
  stat.sha256 = header[2];
  return { stat, sha256: stat.sha256, backupFile, ...(validate ? { validated: { stdout: res.stdout.slice(0, at), stderr: res.stderr } } : {}) };
}

/**
 * The connection went away (or the shell ended) during a write: say what the host has. The
 * rename is the last step after the host verified the temp file, so the destination is
 * either untouched or the complete new file; which one cannot be known from here.
 */
function interruptedWrite(e: unknown, path: string, size: number | undefined, sum: string | undefined): unknown {
  if (!(e instanceof Error) || e instanceof RemoteFileError) return e;
  const what = `${path}: the write of ${size ?? '?'} bytes (sha256 ${(sum ?? '?').slice(0, 16)}...) was interrupted; the host keeps either the old file or the complete new one, never a part of it (the host verifies length and sha256 before the rename), and removes its temp file`;
  if (e instanceof UnreachableError) return new UnreachableError(e.hostName, `${e.message}; ${what}`);
  e.message = `${e.message}; ${what}`;
  return e;
}

/**
 * Shell function bk PATH: keep PATH as "PATH.<timestamp>~" (in $b), complete or not at all.
 * A hard link costs no space and cannot be partial (the write replaces PATH by a rename, so the
 * old inode stays intact under the backup name); where links are impossible (a symlink, a
 * filesystem without them) a copy goes to a temp name and is renamed only once it compares equal.
 */
export const BACKUP_FN = `bk() { b="$1.$(date +%Y%m%dT%H%M%S)~"; [ -e "$b" ] && b="$1.$(date +%Y%m%dT%H%M%S).$$~"
  if [ ! -L "$1" ] && ln -- "$1" "$b" 2>/dev/null; then return 0; fi
  bt="$b.nodemend-tmp"
  if cp -p -- "$1" "$bt" && cmp -s -- "$1" "$bt" && mv -fT -- "$bt" "$b"; then return 0; fi
  rm -f -- "$bt"; b=; return 1; }
`;

const WRITE_BODY = shellLibrary(`die() { rc=$1; shift; printf '%s\\n' "$*" >&2; exit "$rc"; }
${BACKUP_FN}${SELINUX_LABEL_FN}if [ -d "$p" ] && [ ! -L "$p" ]; then die 3 "$p is a directory"; fi
if [ "$mkp" = 1 ] && [ ! -d "$d" ]; then mkdir -p -- "$d" || die 3 "cannot create directory $d"; fi
[ -d "$d" ] || die 3 "destination directory $d does not exist"
# Temp files of writes that a host crash cut off: the glob costs no process when there are none.
for o in "$d"/.nodemend.*; do [ -e "$o" ] && find "$d" -maxdepth 1 -name '.nodemend.*' -type f -mmin +60 -delete 2>/dev/null; break; done
if [ -n "$expect" ]; then
  # Compare and swap under a lock on the directory (held until this script ends), so two
  # writers of one file (two runs, --ignore-lock) cannot both pass the check and one lose its edit.
  { exec 8< "$d" && flock -w 120 8; } || die 4 "cannot lock $d for the write of $p"
  if [ -e "$p" ]; then cur=$(sha256sum < "$p") || die 4 "cannot read $p"; cur=\${cur%% *}; else cur=absent; fi
  [ "$cur" = "$expect" ] || die ${RC_CHANGED_SINCE_READ} "$p changed since it was read"
fi
# The temp file (random name from the controller) is created by the shell itself, exclusively
# (noclobber is O_EXCL: an existing file or symlink there fails, as with mktemp), with the mode
# any new file gets (0666 & ~umask): no mktemp and no chmod to the default.
set -C; { printf '' > "$t"; } 2>/dev/null || die 5 "cannot create a temp file in $d"; set +C
trap 'rm -f -- "$t"' EXIT
trap 'exit 1' HUP INT TERM PIPE
# Keep the existing file's owner and mode, except what the task sets anyway (an owner:group, an octal mode).
keepown=1; case $own in ?*:?*) keepown= ;; esac
keepmode=1; case $mode in [0-7]*) case $mode in *[!0-7]*) ;; *) keepmode= ;; esac ;; esac
# Each process costs the host ~1.5 ms: install(1) writes a file whose owner is not kept and chmods
# it in one (else cat + chmod); small text goes through read/printf (builtins, no NUL in it: the
# last line's bytes stay in $l when it has no newline); empty content needs no cat at all.
if [ -n "$src" ]; then cat -- "$src" > "$t" || die 6 "cannot copy $src"
  if [ "$kt" = 1 ]; then touch -r "$src" -- "$t" || die 6 "cannot copy the times of $src"; fi
elif [ "$inst" = 1 ] && { [ -z "$keepown" ] || [ ! -e "$p" ]; }; then install -m "$mode" /dev/stdin "$t" || die 6 "cannot write $t"; mode=
elif [ "$txt" = 1 ]; then { while IFS= read -r l; do printf '%s\n' "$l"; done; printf %s "$l"; } > "$t" || die 6 "cannot write $t"
elif [ "$len" != 0 ]; then cat > "$t" || die 6 "cannot write $t"; fi
if [ -e "$p" ] && [ -n "$keepown$keepmode" ]; then
  # Keeping the owner is best effort (as Ansible: EPERM ignored); chown before chmod, it clears setuid.
  # Both already this user's and this group's (the usual root:root): a chown would change nothing.
  if [ -n "$keepown" ] && ! { [ -O "$p" ] && [ -G "$p" ] && [ -O "$t" ] && [ -G "$t" ]; }; then chown --reference="$p" -- "$t" 2>/dev/null || :; fi
  if [ -n "$keepmode" ]; then chmod --reference="$p" -- "$t" || die 7 "cannot chmod $t"; fi
fi
if [ -n "$own" ]; then chown -- "$own" "$t" || die 8 "cannot chown $p to $own"; fi
if [ -n "$mode" ]; then chmod -- "$mode" "$t" || die 8 "cannot chmod $p to $mode"; fi
# SELinux: the label $p has (or its default), on the temp file before the rename (selinux-label.ts).
# Then the parts of it the task sets (Ansible's seuser/serole/setype/selevel), where SELinux is enabled.
sl "$p" "$t" || die 14 "cannot set the SELinux label of $p"
if seon; then sx || die 14 "invalid selinux context for $p"; fi
# Verify before anything is replaced: the length (the stat the result needs anyway) and the sha256.
st=$(stat -c "$sfmt" -- "$t" 2>/dev/null) || [ -n "$st" ] || die 11 "cannot stat $t"
set -- $st
[ -z "$len" ] || [ "$4" = "$len" ] || die 12 "only $4 of $len bytes reached $t (input cut short or disk full); $p left as it was"
# Bytes from the controller's memory (hash=0) come over SSH, which delivers them intact or not
# at all: a complete length is the check, and $sum their sha256 (a sha256sum costs ~1.5 ms).
# A controller file (it may change while streamed) or a host file (src) is hashed here.
sha=-
if [ "$4" = 0 ] && [ -n "$len" ]; then sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
elif [ "$hash" = 0 ] && [ -n "$len" ] && [ -n "$sum" ]; then sha=$sum
else sha=$(sha256sum < "$t") || die 11 "cannot read $t"; sha=\${sha%% *}; fi
[ -z "$sum" ] || [ "$sha" = "$sum" ] || die 12 "$t has sha256 $sha, not the $sum sent (input damaged or $src changed while copied); $p left as it was"
# validate: the task's check on the complete temp file; a refusal leaves $p as it was.
if [ "$val" = 1 ]; then vd < /dev/null; vrc=$?; [ "$vrc" = 0 ] || { printf '\\nNMVALIDATE %s\\n' "$vrc" >&2; exit ${RC_VALIDATE_FAILED}; }; fi
b=
if [ "$backup" = 1 ] && [ -e "$p" ]; then bk "$p" || die 9 "cannot back up $p (no backup left behind)"; fi
mv -fT -- "$t" "$p" || die 10 "cannot rename $t to $p"
trap - EXIT
hx "$b"; printf 'NMWRITE1 %s %s %s\\n' "$r" "$sha" "$st"
`);

/** probeAndWrite's write: the content, the write's options, and whether a regular file already there may be replaced. */
export interface WriteIfDifferent {
  content: Buffer;
  /** As writeFileAtomic's; `expectSha` is the probe's (what the file held when the same script read it). */
  opts: Omit<WriteOptions, 'expectSha' | 'sourcePath' | 'sourceSha256' | 'sourceSize' | 'keepTimes'>;
  /** false: write only when nothing is at the path (copy's force: false). */
  replace: boolean;
}

/** What probeAndWrite did: the probe (the file before), and the write's outcome when the host wrote. */
export interface ProbedWrite {
  probe: FileProbe;
  /** Present when the host attempted the write: its result, or the error writeFileAtomic would have thrown. */
  written?: { result: WriteResult } | { error: unknown };
}

/**
 * One exec for a file that is probed and then, most often, written: probe `path` as probeFile does
 * (compareSha = the content's sha256, no content back), and in the same script, when the answer is
 * one the caller's plan certainly writes on (no symlink at `path`; nothing there and its directory
 * present, or a regular file whose sha256 differs and `replace`), write the content as writeFileAtomic
 * does, compare-and-swap against the sha256 just read. Anything else (a symlink, a directory, a
 * missing parent, the same content) is left to the caller, with the probe, as before: the host
 * writes only where the caller's plan would. Not for check mode, saved plans, or --diff.
 */
export async function probeAndWrite(
  shell: RemoteShell,
  path: string,
  opts: Omit<ProbeOptions, 'compareSha' | 'wantContent' | 'extra' | 'largeOutput' | 'checksum'>,
  w: WriteIfDifferent,
): Promise<ProbedWrite> {
  const sum = sha256(w.content);
  // No `expectSha` here: WIF_BODY sets $expect from the probe's answer.
  const ws = writeScript(path, w.content, w.opts);
  const script = sh`follow=${opts.follow ? 1 : 0}; wantsha=1; sumcmd=sha256sum; cmp=${sum}; want=none; max=-1; sedef=${opts.selinuxDefault ? 1 : 0}; repl=${w.replace ? 1 : 0}
${ws.vars}${raw(PRELUDE)}pr=$(
${raw(PROBE_BODY)}) || { r=$?; printf '%s\n' "$pr" >&2; exit "$r"; }
${raw(WIF_BODY)}${raw(WRITE_BODY)}`;
  let res: ExecResult;
  try {
    res = await shell.exec(script, ws.stdin);
  } catch (e) {
    throw interruptedWrite(e, path, ws.size, ws.sum);
  }
  const lines = res.stdout.split('\n');
  if (!lines[0].startsWith('NMPROBE1 ')) throw failure('cannot read', path, res);
  const probe = parseProbeHeader(path, lines[0].split(' '), 'sha256');
  noteBasis(shell, `file ${path}`, probeFingerprint(probe));
  if (lines[1] !== 'NMWIF') {
    if (res.rc !== 0) throw failure('cannot read', path, res);
    return { probe };
  }
  try {
    return { probe, written: { result: writeOutcome({ ...res, stdout: lines.slice(2).join('\n') }, path, w.opts.validate !== undefined) } };
  } catch (error) {
    return { probe, written: { error } };
  }
}

// After the probe ($pr, its header line): print it, then go on to the write (WRITE_BODY) only when the
// caller's plan writes on this answer: fields as probeAndWrite's parser reads them, 8 = st_mode in hex.
const WIF_BODY = shellLibrary(`printf '%s\\n' "$pr"
set -f; set -- $pr; set +f
case $2 in
  absent) [ "$3" = - ] && [ "$5" = 1 ] || exit 0; expect=absent ;;
  present) [ "$3" = - ] && [ "$repl" = 1 ] && [ "$5" != "$cmp" ] || exit 0; case $8 in 8???) ;; *) exit 0 ;; esac; expect=$5 ;;
  *) exit 0 ;;
esac
echo NMWIF
`);

/** For callers that build their own scripts around the same stat fields. */
export const STAT_FIELDS_FORMAT: string = STAT_FORMAT;
/** Shell defining `$sfmt`, STAT_FIELDS_FORMAT with the SELinux label where SELinux is enabled: `stat -c "$sfmt"`. */
export const statFormatPrelude = (): Raw => sh`tsfs=${testSelinuxfs()}
${raw(SELINUX_ENABLED_FN + STAT_SFMT)}`;
export function parseStatLine(path: string, line: string): FileProbe {
  return fromStat(path, line.trim().split(' '), path);
}
