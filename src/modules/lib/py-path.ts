/**
 * Python's posixpath.normpath (3.11), for paths a module makes the way Ansible's Python does:
 * `.` and empty components dropped, `..` taken off the component before it (never above `/`; kept
 * at the start of a relative path), exactly two leading slashes kept (POSIX leaves `//` to the
 * system), three or more read as one, and `.` for nothing left.
 */
export function pyNormpath(path: string): string {
  if (path === '') return '.';
  const slashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..' || (!slashes && !out.length) || out[out.length - 1] === '..') out.push(c);
    else if (out.length) out.pop();
  }
  return '/'.repeat(slashes) + out.join('/') || '.';
}
