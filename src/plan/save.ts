/**
 * Writing and reading plan files. Reading validates against the schema: a plan file
 * that is not exactly a version-1 plan is refused with the field at fault.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Loaded } from '../load/load.js';
import type { RunResult } from '../run/events.js';
import type { RunOptions } from '../run/options.js';
import { writeFileAtomic } from '../report/write-atomic.js';
import { planHosts, summarize } from './build.js';
import { digestInputs } from './inputs.js';
import { loadPlanKey, type PlanKey } from './keyed-digest.js';
import { PLAN_FORMAT, PLAN_VERSION, planFileSchema, type PlanFile } from './model.js';

export const NODEMEND_VERSION = '0.1.0';

export interface SaveInput {
  loaded: Loaded;
  flags: { inventory?: string; limit?: string };
  options: RunOptions;
  result: RunResult;
  /** Controller files the tasks read (templates, copy sources). */
  localFiles: string[];
}

/** JSON with every object's keys sorted: the same data gives the same text, whatever built it. */
function canonicalJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, y]) => [k, sort(y)]),
        )
      : Array.isArray(x)
        ? x.map(sort)
        : x;
  return JSON.stringify(sort(v));
}

/** -e values as one keyed digest: the same values in any key order give the same digest. */
export function extraVarsDigest(vars: Record<string, unknown>, key: PlanKey): string {
  return key.digest(canonicalJson(vars));
}

/** The plan's seal: a plan edited after it was saved (a status flipped to let a change through) is refused. */
export function planSeal(plan: PlanFile, key: PlanKey): string {
  const { mac: _mac, ...rest } = plan;
  return key.digest(canonicalJson(rest));
}

export function buildPlanFile(s: SaveInput, key: PlanKey, now = new Date()): PlanFile {
  const hosts = planHosts(s.result, key);
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created_at: now.toISOString(),
    nodemend: NODEMEND_VERSION,
    playbook: resolve(s.loaded.playbook.file),
    inventory: resolve(s.flags.inventory ?? '.fleet/inventory.yaml'),
    ...(s.flags.limit !== undefined ? { limit: s.flags.limit } : {}),
    tags: s.options.tags,
    skip_tags: s.options.skipTags,
    forks: s.options.forks,
    key_id: key.id,
    extra_vars: extraVarsDigest(s.loaded.extraVars, key),
    inputs: digestInputs([...s.loaded.sources, ...s.localFiles], key),
    summary: summarize(hosts),
    hosts,
    mac: '',
  };
}

export async function savePlan(file: string, s: SaveInput): Promise<PlanFile> {
  const key = loadPlanKey();
  const plan = buildPlanFile(s, key);
  plan.mac = planSeal(plan, key);
  await writeFileAtomic(file, `${JSON.stringify(plan, null, 1)}\n`);
  return plan;
}

export class PlanFileError extends Error {}

export async function readPlanFile(file: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PlanFileError(`cannot read plan ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PlanFileError(`${file} is not a plan file (not JSON: ${(e as Error).message})`);
  }
  const head = json as { format?: unknown; version?: unknown };
  if (head?.format !== PLAN_FORMAT) throw new PlanFileError(`${file} is not a nodemend plan file (format is not "${PLAN_FORMAT}")`);
  if (head.version !== PLAN_VERSION) throw new PlanFileError(`${file} is a version ${String(head.version)} plan; this nodemend reads version ${PLAN_VERSION}`);
  const parsed = planFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new PlanFileError(`${file} is not a valid plan: ${issues.join('; ')}`);
  }
  return parsed.data;
}
