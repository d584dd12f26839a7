/**
 * The stat fields ansible-core 2.14 reports for a path, from one probe (transport/remote-file.ts):
 * stat.py's format_output and find.py's statinfo compute the same keys from os.stat/os.lstat;
 * stat adds exists, path and the platform's st_blocks/st_blksize/st_rdev, and leaves pw_name /
 * gr_name out when the id has no name, where find reports "".
 */
import type { FileProbe } from '../../transport/remote-file.js';

const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;

export const isType = (rawMode: number, type: number): boolean => (rawMode & S_IFMT) === type;

/** coreutils' stat prints UNKNOWN for an id without a name. */
const named = (n: string): string | undefined => (n === 'UNKNOWN' ? undefined : n);

/** The keys find.py's statinfo and stat.py's format_output share (not the names). */
function common(p: FileProbe): Record<string, unknown> {
  const m = p.rawMode;
  const bit = (b: number): boolean => Boolean(m & b);
  return {
    mode: (m & 0o7777).toString(8).padStart(4, '0'),
    isdir: isType(m, S_IFDIR),
    ischr: isType(m, S_IFCHR),
    isblk: isType(m, S_IFBLK),
    isreg: isType(m, S_IFREG),
    isfifo: isType(m, S_IFIFO),
    islnk: isType(m, S_IFLNK),
    issock: isType(m, S_IFSOCK),
    uid: p.uid,
    gid: p.gid,
    size: p.size,
    inode: p.inode,
    dev: p.dev,
    nlink: p.nlink,
    atime: p.atime,
    mtime: p.mtime,
    ctime: p.ctime,
    wusr: bit(0o200),
    rusr: bit(0o400),
    xusr: bit(0o100),
    wgrp: bit(0o20),
    rgrp: bit(0o40),
    xgrp: bit(0o10),
    woth: bit(0o2),
    roth: bit(0o4),
    xoth: bit(0o1),
    isuid: bit(0o4000),
    isgid: bit(0o2000),
  };
}

/** find.py's statinfo: names are "" when the id has none. */
export function findStatinfo(p: FileProbe): Record<string, unknown> {
  return { ...common(p), pw_name: named(p.owner) ?? '', gr_name: named(p.group) ?? '' };
}

/** stat.py's format_output plus its pw_name / gr_name (only when the id has a name); st_flags and the BSD/macOS fields do not exist on Linux. */
export function statFormatOutput(p: FileProbe): Record<string, unknown> {
  const out: Record<string, unknown> = { exists: true, path: p.path, ...common(p), blocks: p.blocks, block_size: p.blockSize, device_type: p.rdev };
  const owner = named(p.owner);
  const group = named(p.group);
  if (owner !== undefined) out.pw_name = owner;
  if (group !== undefined) out.gr_name = group;
  return out;
}
