/**
 * ansible-core 2.14's path tests (plugins/test/files.py): `p is file`, `p is directory`, `p is exists`...
 * They are os.path's functions, so, as in Ansible, they look at the controller's filesystem (the
 * machine running the playbook, relative to its working directory), never at the managed host:
 * `'/etc/kubernetes' is directory` is about the controller. No `~` expansion (os.path does none).
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ExprValueError } from './errors.js';
import type { TestDef } from './signature.js';
import { typeName } from './values.js';
import { UnsafeText } from './unsafe.js';

function pathOf(v: unknown, test: string): string {
  if (v instanceof UnsafeText) return v.text;
  if (typeof v === 'string') return v;
  throw new ExprValueError(`the '${test}' test needs a path (a string), got '${typeName(v)}'`);
}

/** os.stat / os.lstat, None where Python's os.path helpers catch the OSError (missing, no access, bad name). */
function statOf(path: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return undefined;
  }
}

const pathTest = (test: string, pred: (p: string) => boolean): TestDef => ({ fn: (v) => pred(pathOf(v, test)) });

/** posixpath.ismount: a symlink is not; otherwise the parent is on another device, or is the same inode (`/`). */
function isMount(path: string): boolean {
  const s = statOf(path, false);
  if (!s || s.isSymbolicLink()) return false;
  const parent = statOf(join(path, '..'), false);
  if (!parent) return false;
  return s.dev !== parent.dev || s.ino === parent.ino;
}

const isDir = pathTest('directory', (p) => statOf(p, true)?.isDirectory() ?? false);
const isFile = pathTest('file', (p) => statOf(p, true)?.isFile() ?? false);
const isLink = pathTest('link', (p) => statOf(p, false)?.isSymbolicLink() ?? false);
const exists = pathTest('exists', (p) => statOf(p, true) !== undefined);
const linkExists = pathTest('link_exists', (p) => statOf(p, false) !== undefined);
const isAbs = pathTest('abs', (p) => p.startsWith('/'));
const isMountTest = pathTest('mount', isMount);
/** os.path.samefile: stats both and fails (the task fails) when either is missing, as Python raises. */
const sameFile: TestDef = {
  params: ['other'],
  required: 1,
  fn: (v, a) => {
    const [p, q] = [pathOf(v, 'same_file'), pathOf(a.other, 'same_file')];
    const [s, t] = [statOf(p, true), statOf(q, true)];
    const missing = !s ? p : !t ? q : undefined;
    if (missing !== undefined) throw new ExprValueError(`[Errno 2] No such file or directory: '${missing}'`);
    return s!.dev === t!.dev && s!.ino === t!.ino;
  },
};

export const FILE_TESTS: Record<string, TestDef> = {
  directory: isDir,
  is_dir: isDir,
  file: isFile,
  is_file: isFile,
  link: isLink,
  is_link: isLink,
  exists,
  link_exists: linkExists,
  abs: isAbs,
  is_abs: isAbs,
  same_file: sameFile,
  is_same_file: sameFile,
  mount: isMountTest,
  is_mount: isMountTest,
};
