/**
 * Values pushed by synchronous events, pulled by async consumers; `next()` gives
 * undefined once the queue is closed and drained.
 */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((v: T | undefined) => void)[] = [];
  private closed = false;

  push(v: T): void {
    if (this.closed) return;
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  next(): Promise<T | undefined> {
    if (this.items.length) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
