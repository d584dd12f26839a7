/**
 * test/setup/cli.ts's buildRunning, which assertBuilt waits on: a test that starts while
 * `npm run build` runs in the same checkout (tsc, then scripts/bundle.mjs) would otherwise see
 * dist/ older than src/ and fail. Processes are told apart by working directory and argv.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRunning } from '../../setup/cli.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'nm-build-running-'));
  dirs.push(d);
  return d;
};

/** A long-lived process in `cwd` whose argv is `sh -c 'sleep 60' ...args`. */
async function proc(cwd: string, args: string[]): Promise<ChildProcess> {
  const c = spawn('sh', ['-c', 'sleep 60', ...args], { cwd, stdio: 'ignore' });
  children.push(c);
  await new Promise((ok) => c.once('spawn', ok));
  return c;
}

describe('buildRunning', () => {
  it('npm run build’s shell line and the bundle step, in that checkout, while they run', async () => {
    const root = dir();
    expect(buildRunning(root)).toBe(false);
    const c = await proc(root, ['tsc -p tsconfig.json && node scripts/bundle.mjs']);
    expect(buildRunning(root)).toBe(true);
    expect(buildRunning(dir())).toBe(false);
    c.kill('SIGKILL');
    await new Promise((ok) => c.once('exit', ok));
    expect(buildRunning(root)).toBe(false);
  });

  it('the build’s tsc (-p tsconfig.json), not the typecheck’s (-p tsconfig.test.json)', async () => {
    const root = dir();
    await proc(root, ['/x/node_modules/.bin/tsc', '-p', 'tsconfig.test.json']);
    expect(buildRunning(root)).toBe(false);
    await proc(root, ['/x/node_modules/.bin/tsc', '-p', 'tsconfig.json']);
    expect(buildRunning(root)).toBe(true);
  });
});
