import { describe, it, expect } from 'vitest';
import { Semaphore } from '../../../src/transport/semaphore.js';
import { parseJump } from '../../../src/transport/pool.js';

describe('Semaphore', () => {
  it('never lets more than `limit` run at once, and runs everything in FIFO order', async () => {
    const s = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const jobs = Array.from({ length: 10 }, (_, i) =>
      s.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
        return i;
      }),
    );
    // Release holders one by one until all jobs are done.
    while (started.length < 10 || gates.length) {
      await new Promise((r) => setImmediate(r));
      expect(s.inUse).toBeLessThanOrEqual(3);
      gates.shift()?.();
    }
    expect(await Promise.all(jobs)).toEqual([...Array(10).keys()]);
    expect(peak).toBe(3);
    expect(started).toEqual([...Array(10).keys()]);
    expect(s.inUse).toBe(0);
  });

  it('frees the slot when the job throws', async () => {
    const s = new Semaphore(1);
    await expect(s.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await s.run(async () => 'next')).toBe('next');
    expect(s.inUse).toBe(0);
  });
});

describe('parseJump', () => {
  it('reads user@host:port with defaults', () => {
    expect(parseJump('ops@bastion:2222')).toEqual({ user: 'ops', host: 'bastion', port: 2222 });
    expect(parseJump('bastion')).toEqual({ user: undefined, host: 'bastion', port: 22 });
    expect(parseJump('root@[fe80::1]:22')).toEqual({ user: 'root', host: 'fe80::1', port: 22 });
  });
  it('refuses what it cannot read', () => {
    expect(parseJump('a@b:c')).toBeUndefined();
    expect(parseJump('host:70000')).toBeUndefined();
    expect(parseJump('two words')).toBeUndefined();
  });
});
