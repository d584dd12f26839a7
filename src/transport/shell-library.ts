/**
 * Large constant parts of nodemend's scripts (the file probe and write bodies), which a
 * persistent shell keeps as files on the host after their first use: later commands
 * carry a one-line `. FILE` instead. The server reads each command byte by byte (`read`
 * may not read past a line), ~0.6 µs of host CPU per byte: a 3 KB write script cost
 * about as much as starting a process. Commands sent over a channel of their own carry
 * the text itself; both run the same shell code.
 */

const bodies = new Map<string, number>();
const wire = new Map<string, string>();
/** `bodies` longest first (one may contain another); bodies are registered at module load, looked up per command. */
let longestFirst: [string, number][] = [];

/** Registers `text` as a library body and returns it unchanged. It must be whole shell lines (end with "\n"). */
export function shellLibrary(text: string): string {
  if (!text.endsWith('\n')) throw new Error('a shell library body must end with a newline');
  if (!bodies.has(text)) {
    bodies.set(text, bodies.size + 1);
    longestFirst = [...bodies].sort((a, b) => b[0].length - a[0].length);
  }
  return text;
}

/** The registered bodies, longest first, with their ids. */
export function libraryBodies(): readonly [string, number][] {
  return longestFirst;
}

/**
 * What a persistent shell stores for `body`: the body without its comment lines (a line whose first
 * non-blank character is `#` outside any quote), which the server would read byte by byte for nothing.
 * A body with a here-document (`<<` outside quotes) is sent whole.
 */
export function wireText(body: string): string {
  let w = wire.get(body);
  if (w === undefined) wire.set(body, (w = stripCommentLines(body)));
  return w;
}

/** Exported for tests: `text` without its whole-line comments, or unchanged when it has a here-document. */
export function stripCommentLines(text: string): string {
  const kept: string[] = [];
  let quote: "'" | '"' | undefined;
  for (const line of text.split('\n')) {
    if (quote === undefined && /^[ \t]*#/.test(line)) continue;
    kept.push(line);
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote === "'") {
        if (c === "'") quote = undefined;
      } else if (c === '\\') i++;
      else if (quote === '"') {
        if (c === '"') quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '<' && line[i + 1] === '<') return text;
      // A comment after code: the rest of the line is not shell (its quotes are not quotes).
      else if (c === '#' && (i === 0 || /[ \t;&|()]/.test(line[i - 1]))) break;
    }
  }
  return kept.join('\n');
}
