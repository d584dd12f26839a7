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

/** Remove trailing \r and \n (Python rstrip(b'\r\n')). */
export function strip(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

/** "\r\n" when the file's first line ends so, else "\n". */
export function detectEol(lines: string[]): string {
  return lines.length && lines[0].endsWith('\r\n') ? '\r\n' : '\n';
}

/**
 * Ansible always ends what it writes with a newline; nodemend keeps a file that had no
 * final newline without one (so an edit does not also change the file's last byte).
 */
export function keepFinalNewlineConvention(original: string, result: string, eol: string): string {
  if (original === '' || original.endsWith('\n')) return result;
  if (result.endsWith(eol)) return result.slice(0, -eol.length);
  if (result.endsWith('\n')) return result.slice(0, -1);
  return result;
}
