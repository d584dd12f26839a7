import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Controller-side files named by a task, found the way Ansible users expect:
 * absolute as is; else `<playbook dir>/<templates|files>/p`, `<playbook dir>/p`,
 * then the project's top-level `templates/` or `files/` beside the playbooks dir.
 */
export function resolveLocalPath(playDir: string, p: string, kind: 'template' | 'file'): string {
  const candidates = localPathCandidates(playDir, p, kind);
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** Where resolveLocalPath looks, in order (the first that exists wins). */
export function localPathCandidates(playDir: string, p: string, kind: 'template' | 'file'): string[] {
  if (isAbsolute(p)) return [p];
  const sub = kind === 'template' ? 'templates' : 'files';
  return [join(playDir, sub, p), join(playDir, p), join(playDir, '..', sub, p), resolve(p)];
}
