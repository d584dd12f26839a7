/**
 * -K/--ask-become-pass: read the sudo password once, before any host is contacted.
 * From a terminal the input is not echoed; from a pipe (CI) the first line is read.
 */
import { createInterface } from 'node:readline';

export function readSecret(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, output, terminal: Boolean(input.isTTY) });
    const rlo = rl as unknown as { _writeToOutput?: (s: string) => void };
    if (input.isTTY) {
      output.write(question);
      // Keep readline from echoing what is typed.
      rlo._writeToOutput = () => {};
    } else output.write(question);
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      if (input.isTTY) output.write('\n');
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) reject(new Error('no password given (end of input)'));
    });
  });
}
