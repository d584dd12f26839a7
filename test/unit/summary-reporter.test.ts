/**
 * The closing "N passed, N failed" line CI reads counts failed hooks and files that
 * fail to load: run vitest on test/fixtures/reporter (a failing beforeAll, a failing
 * afterAll in a suite, a file that throws while loading, one passing file) and read
 * the last line it prints.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

test('failed hooks and files count as failures in the closing line', () => {
  // The child must not think it is a worker of this run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/fixtures/reporter/vitest.config.ts'], {
    cwd: ROOT,
    env: { ...env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const lines = r.stdout.trim().split('\n');
  expect(lines.at(-1), r.stdout + r.stderr).toBe('2 passed, 3 failed, 2 skipped');
  expect(r.status).toBe(1);
});
