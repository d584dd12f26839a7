/**
 * Shell globs as Python's fnmatch reads them (CPython 3.11 Lib/fnmatch.py, `translate`), the one
 * glob matcher of nodemend: Ansible matches host patterns (inventory/manager.py `_match_list`), find's
 * `patterns`/`excludes` and setup's `filter` with it. `*` is any run of characters, `?` one character
 * (newlines included), `[seq]` / `[!seq]` a class whose `]` right after `[` or `[!` is literal, a `[`
 * without its `]` is literal; there is no escape character, and the whole name must match.
 */

/** The class body `[...]` holds (between the brackets, `!` still in front), as a JS class. */
function classOf(body: string[]): string {
  const negated = body[0] === '!';
  const chars = negated ? body.slice(1) : body;
  // Split at the hyphens that make ranges, as fnmatch does (a hyphen first in the class is literal).
  const chunks: string[][] = [];
  let start = 0;
  for (let k = 1; k < chars.length; k++) {
    if (chars[k] !== '-') continue;
    chunks.push(chars.slice(start, k));
    start = k + 1;
    k += 2;
  }
  if (start < chars.length) chunks.push(chars.slice(start));
  else if (chunks.length)
    chunks[chunks.length - 1].push('-'); // a trailing hyphen is literal
  else chunks.push([]);
  // A range whose ends are out of order is empty: drop it (JS would reject it; Python does the same).
  for (let k = chunks.length - 1; k > 0; k--) {
    const [before, after] = [chunks[k - 1], chunks[k]];
    if (before.length && after.length && before[before.length - 1].codePointAt(0)! > after[0].codePointAt(0)!) {
      chunks[k - 1] = [...before.slice(0, -1), ...after.slice(1)];
      chunks.splice(k, 1);
    }
  }
  const escape = (c: string): string => (/[\\\][^-]/.test(c) ? `\\${c}` : c);
  const set = chunks.map((c) => c.map(escape).join('')).join('-');
  if (!set) return negated ? '[^]' : '[]'; // `[z-a]` never matches, `[!z-a]` matches any character
  return `[${negated ? '^' : ''}${set}]`;
}

/** fnmatch.translate: the whole of `pattern` as an anchored regular expression (code points, dotall). */
export function fnmatchRegExp(pattern: string): RegExp {
  const pat = Array.from(pattern);
  let re = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i + 1;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) re += '\\[';
      else {
        re += classOf(pat.slice(i + 1, j));
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 'su');
}

/** fnmatch.fnmatchcase: does `name` match the glob `pattern`. */
export const fnmatch = (name: string, pattern: string): boolean => fnmatchRegExp(pattern).test(name);
