/**
 * What Ansible's exit_json / fail_json add to a result that names a `path` (or `dest`):
 * module_utils/basic.py add_path_info, from lstat: uid, gid, owner, group (the number when the
 * host has no name for it), mode as '0%03o', state (link, directory, hard for a file with
 * several links, file), size, and where SELinux is enabled `secontext` (the label, lgetfilecon_raw).
 * Nothing when the path does not exist.
 */
import { parseStatLine, STAT_FIELDS_FORMAT, statFormatPrelude, type FileProbe } from '../../transport/remote-file.js';
import { sh } from '../../transport/quote.js';
import type { RemoteShell } from '../../transport/types.js';

export function pathInfo(p: FileProbe): Record<string, unknown> {
  if (!p.exists) return {};
  const state = p.type === 'link' ? 'link' : p.type === 'directory' ? 'directory' : p.nlink > 1 ? 'hard' : 'file';
  return {
    uid: p.uid,
    gid: p.gid,
    owner: p.owner === 'UNKNOWN' ? String(p.uid) : p.owner,
    group: p.group === 'UNKNOWN' ? String(p.gid) : p.group,
    mode: '0' + parseInt(p.mode, 8).toString(8).padStart(3, '0'),
    state,
    size: p.size,
    // Where SELinux is enabled (the probe read the label), as add_path_info.
    ...(p.secontext !== undefined ? { secontext: p.secontext } : {}),
  };
}

/** The stat line a script prints for `pathInfoOf` (lstat: a symlink is described, not its target). */
export const PATH_INFO_STAT = STAT_FIELDS_FORMAT;

export function pathInfoOf(path: string, statLine: string): Record<string, unknown> {
  return pathInfo(parseStatLine(path, statLine));
}

/** add_path_info for `path` as it is on the host now (one exec). */
export async function statPathInfo(conn: RemoteShell, path: string): Promise<Record<string, unknown>> {
  const res = await conn.exec(sh`${statFormatPrelude()}stat -c "$sfmt" -- ${path} 2>/dev/null || true`);
  const line = res.stdout.trim();
  return line ? pathInfoOf(path, line) : {};
}
