/**
 * Shared by the hardening playbook tests (audit, docker, grub, verify-kmem): run a playbook of
 * the repo through the real CLI (`nodemend run ... --json`) on the playbook hosts node11 and
 * node12 (HOSTS.playbooks), plant stand-in files on them from the controller, and snapshot
 * files to prove --check touches nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';
import type { JsonReport, JsonTask } from '../../src/report/json.js';

export const [N11, N12] = HOSTS.playbooks;
const REPO = join(import.meta.dirname, '..', '..');

export interface PlaybookRun {
  code: number;
  output: string;
  report: JsonReport;
}

/** A work dir with an inventory (group `nodes`) of both playbook hosts. */
export function playbookHosts(tag: string): { work: string; inventory: string } {
  assertBuilt();
  const work = workDir(tag);
  return { work, inventory: writeInventory(work, [N11, N12]) };
}

let runs = 0;
/** `nodemend run playbooks/<playbook> -e <vars as JSON> --json F [flags]`, with the parsed report. */
export async function runPlaybook(env: { work: string; inventory: string }, playbook: string, vars: Record<string, unknown>, flags: string[] = []): Promise<PlaybookRun> {
  const json = join(env.work, `report-${++runs}.json`);
  const r = await runCli(['run', join(REPO, 'playbooks', playbook), '-i', env.inventory, '-e', JSON.stringify(vars), '--json', json, ...flags]);
  const output = r.stdout + r.stderr;
  if (!existsSync(json)) throw new Error(`no report (exit ${r.code}):\n${output}`);
  return { code: r.code, output, report: readJson<JsonReport>(json) };
}

/** The host's results of the task with this name (one per loop item). */
export function taskResults(run: PlaybookRun, host: string, task: string): JsonTask[] {
  return (run.report.hosts[host]?.tasks ?? []).filter((t) => t.task === task);
}

/** The single status of a task on a host ("absent" when it did not run there at all). */
export function statusOf(run: PlaybookRun, host: string, task: string): string {
  const r = taskResults(run, host, task);
  return r.length ? r.map((t) => t.status).join(',') : 'absent';
}

export const changedOf = (run: PlaybookRun): Record<string, number> => Object.fromEntries(Object.entries(run.report.hosts).map(([h, x]) => [h, x.recap.changed]));

export const onHost = (host: string, path: string): string => join(hostRoot(host), path);

/** Write a file on a host (parents created), e.g. a stand-in binary with mode 0755. */
export function plant(host: string, path: string, content: string, mode = 0o644): void {
  const p = onHost(host, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

export function removeOnHost(host: string, ...paths: string[]): void {
  for (const p of paths) rmSync(onHost(host, p), { recursive: true, force: true });
}

/** A path unique to this test run, so parallel runs never collide. */
export const uniquePath = (tag: string): string => `/var/tmp/nm-${tag}-${randomBytes(4).toString('hex')}`;

/** sha256 + mode of every file (and each dir's mode) under the given paths on a host; absent paths count too. */
export function snapshot(host: string, paths: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, key: string): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      out[key] = 'absent';
      return;
    }
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out[key] = `dir ${mode}`;
      for (const e of readdirSync(p).sort()) walk(join(p, e), `${key}/${e}`);
    } else out[key] = `${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
  };
  for (const path of paths) walk(onHost(host, path), path);
  return out;
}
