/**
 * A command's output written to a controller file as it arrives (ExecOptions.stdoutFile):
 * the source is paused while the file is behind, so memory stays at about one SSH window
 * (or pipe buffer) per transfer whatever the file's size.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

export class FileSink {
  private readonly file: WriteStream;
  private failed = false;
  private closing?: Promise<void>;

  constructor(
    path: string,
    private readonly source: Pausable,
    onError: (e: Error) => void,
  ) {
    // 'wx': the caller names a fresh temp file; never write through something already there.
    this.file = createWriteStream(path, { flags: 'wx' });
    this.file.on('error', (e) => {
      this.failed = true;
      onError(e);
      source.resume(); // keep draining the channel so the command can end
    });
    this.file.on('drain', () => source.resume());
  }

  write(chunk: Buffer): void {
    if (this.failed || this.closing || chunk.length === 0) return;
    if (!this.file.write(chunk)) this.source.pause();
  }

  /** Flush and close; resolves once the file is closed (or failed). Later writes are dropped. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      if (this.file.closed || this.failed) return resolve();
      this.file.once('close', () => resolve());
      this.file.end();
    });
    return this.closing;
  }
}
