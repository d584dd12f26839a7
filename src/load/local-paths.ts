import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

const SUBDIR = { template: 'templates', file: 'files', vars: 'vars' } as const;

/**
 * Controller-side files named by a task, found the way Ansible users expect:
 * absolute as is; in a role, `<role>/<templates|files|vars>/p` then `<role>/p` first (Ansible's
 * search path); else `<playbook dir>/<templates|files|vars>/p`, `<playbook dir>/p`, then the
 * project's top-level `templates/` or `files/` beside the playbooks dir.
 */
export function resolveLocalPath(playDir: string, p: string, kind: keyof typeof SUBDIR, roleDir?: string): string {
  const candidates = localPathCandidates(playDir, p, kind, roleDir);
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** Where resolveLocalPath looks, in order (the first that exists wins). */
export function localPathCandidates(playDir: string, p: string, kind: keyof typeof SUBDIR, roleDir?: string): string[] {
  if (isAbsolute(p)) return [p];
  const sub = SUBDIR[kind];
  const inRole = roleDir ? [join(roleDir, sub, p), join(roleDir, p)] : [];
  return [...inRole, join(playDir, sub, p), join(playDir, p), join(playDir, '..', sub, p), resolve(p)];
}

/**
 * Where a template's `{% include %}` / `{% import %}` look, as 2.14's template action builds Jinja's
 * searchpath: ansible_search_path (the role's dir, then the task file's dir), the playbook's dir and
 * the template's own dir, each as `<dir>/templates` then `<dir>`.
 */
export function templateSearchPath(playDir: string, templateFile: string, roleDir?: string, taskFile?: string): string[] {
  const dirs = [...(roleDir ? [roleDir] : []), ...(taskFile ? [dirname(taskFile)] : []), playDir, dirname(templateFile)];
  return dirs.flatMap((d) => [join(d, 'templates'), d]);
}
