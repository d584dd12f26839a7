/**
 * -K/--ask-become-pass: read the sudo password once, before any host is contacted.
 * From a terminal the input is not echoed; from a pipe (CI) the first line is read.
 */
import { createInterface, type Interface } from 'node:readline';

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

export type StepAnswer = 'yes' | 'no' | 'continue';

/**
 * --step: ansible-playbook's question before each task (plugins/strategy/__init__.py
 * `_take_step`, ansible-core 2.14): "y"/"yes" runs it, "c"/"continue" runs it and stops
 * asking, anything else (Enter included: N is the default) skips it. The terminal stays in
 * cooked mode (no readline raw mode), so Ctrl-C still reaches the run as a signal; `cancel`
 * answers "no" to a question still open (the run is stopping).
 */
export class StepPrompt {
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private waiting?: (line: string | undefined) => void;
  private ended = false;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {
    this.rl = createInterface({ input, terminal: false });
    this.rl.on('line', (l) => (this.waiting ? this.take(l) : this.lines.push(l)));
    this.rl.on('close', () => {
      this.ended = true;
      this.take(undefined);
    });
  }

  /** Never more than one question at a time: the executor asks once per task, before it starts. */
  async ask(task: string): Promise<StepAnswer> {
    this.output.write(`Perform task: TASK: ${task} (N)o/(y)es/(c)ontinue: `);
    const line = this.lines.length ? this.lines.shift() : this.ended ? undefined : await new Promise<string | undefined>((r) => (this.waiting = r));
    if (line === undefined) this.output.write('\n');
    const a = (line ?? '').trim().toLowerCase();
    return a === 'y' || a === 'yes' ? 'yes' : a === 'c' || a === 'continue' ? 'continue' : 'no';
  }

  cancel(): void {
    this.take(undefined);
  }

  close(): void {
    this.rl.close();
  }

  private take(line: string | undefined): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(line as string);
  }
}
