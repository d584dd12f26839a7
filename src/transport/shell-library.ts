/**
 * Large constant parts of nodemend's scripts (the file probe and write bodies), which a
 * persistent shell keeps as files on the host after their first use: later commands
 * carry a one-line `. FILE` instead. The server reads each command byte by byte (`read`
 * may not read past a line), ~0.6 µs of host CPU per byte: a 3 KB write script cost
 * about as much as starting a process. Commands sent over a channel of their own carry
 * the text itself; both run the same shell code.
 */

const bodies = new Map<string, number>();
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
