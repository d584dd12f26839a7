/**
 * Local process helpers for the fleet tool. System tools are always run with an
 * argument array (never a shell line), so paths and names can't become syntax.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';

export class FleetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetError';
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Feed the input (if any) and close stdin so no tool waits on it; a tool that exits first must not crash us (EPIPE). */
function closeStdin(stdin: Writable | null, input?: string): void {
  if (!stdin) return;
  stdin.on('error', () => {});
  if (input !== undefined) stdin.end(input);
  else stdin.end();
}

/** Run a tool; a non-zero exit rejects with its stderr in the message. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim() || err.message;
        reject(new FleetError(`${cmd} ${args.join(' ')}: ${detail}`));
      } else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
    closeStdin(child.stdin, opts.input);
  });
}

/** Like run(), but resolves with the exit code instead of rejecting. */
export function tryRun(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult & { code: number }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    closeStdin(child.stdin);
  });
}

/** Alive and not a zombie: a killed host whose parent has not reaped it yet counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Direct children of a process (Linux /proc/PID/task/PID/children). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The PID namespace a process lives in, as "pid:[inode]"; undefined when it is gone. */
export function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Every live process in a PID namespace (seen from the controller). */
export function processesInNamespace(ns: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pidNamespace(pid) === ns && isAlive(pid)) out.push(pid);
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns a value, or throw `onTimeout()` after `ms`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, onTimeout: () => Error, stepMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw onTimeout();
    await sleep(stepMs);
  }
}
