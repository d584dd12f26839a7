/**
 * Whether a task (its own tags and those it inherits) runs under --tags `only` and --skip-tags
 * `skip`, as 2.14's Taggable.evaluate_tags decides it. A task with no tags counts as tagged
 * `untagged`; no --tags means `all`. Selection: `always` runs; `all` runs all but `never`; a
 * shared tag runs (so `never` plus an asked-for tag); `tagged` runs the tagged but `never`.
 * Skipping then: `all` skips all but `always` (unless `always` is skipped too); a shared tag
 * skips (so `untagged` skips the untagged); `tagged` skips the tagged, `always` ones too.
 */
export function tagsSelect(taskTags: readonly string[], only: readonly string[], skip: readonly string[]): boolean {
  const tags = new Set(taskTags.length ? taskTags : ['untagged']);
  const untagged = tags.size === 1 && tags.has('untagged');
  const shares = (list: readonly string[]): boolean => list.some((t) => tags.has(t));
  const asked = only.length ? only : ['all'];
  const selected = tags.has('always') || (asked.includes('all') && !tags.has('never')) || shares(asked) || (asked.includes('tagged') && !untagged && !tags.has('never'));
  if (!selected) return false;
  if (skip.includes('all')) return tags.has('always') && !skip.includes('always');
  return !shares(skip) && !(skip.includes('tagged') && !untagged);
}
