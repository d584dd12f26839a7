/**
 * vitest globalSetup: one fleet of real hosts for the whole run, only when a
 * selected test file is under test/fleet/ (unit-only runs need no root and start
 * nothing). Hosts start fresh every run and are torn down at the end; test files
 * reach them through test/setup/fleet.ts.
 */
import type { TestProject } from 'vitest/node';
import type {} from './fleet.js'; // its ProvidedContext declaration types provide()
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../../src/fleet/fleet.js';
import { isAlive, sleep } from '../../src/fleet/proc.js';

export const TEST_FLEET_DIR = '/tmp/nodemend-test-fleet';
export const TEST_FLEET_BASE_PORT = 22500;
/** node1..node44: each area of the suite owns some (table in test/setup/fleet.ts). */
export const TEST_FLEET_SIZE = 44;

/** The test files this run will execute, the way vitest itself selects them from the CLI filters. */
async function fleetTestsSelected(project: TestProject): Promise<boolean> {
  // NODEMEND_TEST_FLEET_DIR: tests use a fleet started by hand (parallel sessions each run their own).
  if (process.env.NODEMEND_NO_FLEET || process.env.NODEMEND_TEST_FLEET_DIR) return false;
  // Filters like "test/fleet/x.test.ts:12" (file:line) select the file; drop the line.
  const patterns = ((project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern ?? []).map((f) => f.replace(/:\d+$/, ''));
  try {
    const { testFiles } = await project.globTestFiles(patterns);
    return testFiles.some((f) => f.replaceAll('\\', '/').includes('/test/fleet/'));
  } catch {
    return true; // can't tell: better a fleet too many than fleet tests without hosts
  }
}

/**
 * Two vitest runs at once (several people or agents on one machine) would wipe
 * each other's hosts: the fixed dir and ports are held by one run at a time, the
 * others wait. A lock whose process is gone (a killed run) is taken over.
 */
const LOCK = `${TEST_FLEET_DIR}.lock`;

async function acquireLock(log: (line: string) => void): Promise<void> {
  let told = false;
  for (;;) {
    try {
      writeFileSync(LOCK, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(LOCK, 'utf8').trim());
    } catch {
      continue; // released between our two calls
    }
    if (!holder || !isAlive(holder)) {
      rmSync(LOCK, { force: true });
      continue;
    }
    if (!told) log(`waiting for the test fleet: another test run (pid ${holder}) is using it`);
    told = true;
    await sleep(1000);
  }
}

const releaseLock = (): void => {
  try {
    if (Number(readFileSync(LOCK, 'utf8').trim()) === process.pid) rmSync(LOCK, { force: true });
  } catch {
    /* not ours, or gone */
  }
};

/**
 * Scratch files of every test (os.tmpdir(), also in the CLI processes tests start) go to
 * one directory per run, removed at the end, so runs leave nothing behind in /tmp.
 */
function privateTmpdir(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'nodemend-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const removeTmp = privateTmpdir();
  if (!(await fleetTestsSelected(project))) {
    project.provide('nodemendFleet', null);
    return async () => removeTmp();
  }
  const log = (line: string): void => void process.stderr.write(`[fleet] ${line}\n`);
  await acquireLock(log);
  try {
    const info = await up(TEST_FLEET_SIZE, { dir: TEST_FLEET_DIR, basePort: TEST_FLEET_BASE_PORT, fresh: true, log });
    project.provide('nodemendFleet', info);
  } catch (e) {
    await down({ dir: TEST_FLEET_DIR }).catch(() => {});
    releaseLock();
    throw e;
  }
  return async () => {
    try {
      await down({ dir: TEST_FLEET_DIR });
    } finally {
      releaseLock();
      removeTmp();
    }
  };
}
