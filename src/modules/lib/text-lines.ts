/**
 * Text as Ansible's line editors see it: lines that keep their terminators, the file's
 * newline style, and its trailing-newline convention.
 */

/** Split after each "\n" (Python readlines on bytes); the last line may have no terminator. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const out = text.split(/(?<=\n)/);
  return out;
}

/** Python's str.splitlines(): every line boundary it knows (\r\n, \n, \r, \v, \f, the file/group/record separators, NEL, LS, PS), no empty last line. */
// eslint-disable-next-line no-control-regex -- Python counts the file/group/record separators as line ends
const PY_LINE_END = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
export const pySplitlines = (s: string): string[] => s.split(PY_LINE_END).filter((l, i, all) => i < all.length - 1 || l !== '');

/** Remove trailing \r and \n (Python rstrip(b'\r\n')). */
export function strip(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

/** "\r\n" when the file's first line ends so, else "\n". */
export function detectEol(lines: string[]): string {
  return lines.length && lines[0].endsWith('\r\n') ? '\r\n' : '\n';
}
