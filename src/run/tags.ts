/**
 * Ansible's tag rules: with --tags, a task runs when it carries one of them, or
 * `always`; `all` selects everything but `never`; a task tagged `never` runs only
 * when one of its other tags (or `never`) is asked for. --skip-tags wins over all.
 */
export function tagsSelect(taskTags: readonly string[], only: readonly string[], skip: readonly string[]): boolean {
  const has = (t: string): boolean => taskTags.includes(t);
  if (skip.some((t) => has(t) || t === 'all')) return false;
  if (only.length === 0 || only.includes('all')) return !has('never') || only.some((t) => t !== 'all' && has(t));
  if (has('always')) return true;
  return only.some((t) => has(t) || (t === 'tagged' && taskTags.length > 0) || (t === 'untagged' && taskTags.length === 0));
}
