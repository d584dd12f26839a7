/**
 * The saved plan file (`run --check --plan-out FILE`), version 1: what a maintenance
 * window will do, per host and task, and what it was computed from. `apply` reads it
 * back through `planFileSchema`, so a hand-edited or truncated file is refused with
 * the field at fault. `nodemend schema plan` prints this schema as JSON Schema.
 *
 * No secret enters it: no_log tasks keep only their status (their basis is keyed
 * digests, their items hidden), -e values and input files appear only as keyed
 * digests (plan/keyed-digest.ts), become passwords never (nothing of the inventory is
 * copied, only its digest).
 */
import { z } from 'zod';
import { resolve } from 'node:path';

export const PLAN_FORMAT = 'nodemend-plan';
export const PLAN_VERSION = 1;

const status = z.enum(['ok', 'changed', 'failed', 'skipped', 'unreachable']);

export const planTaskSchema = z.strictObject({
  play: z.string(),
  task: z.string().meta({ description: 'display name (task name, or module and first argument)' }),
  loc: z.string().meta({ description: 'file:line of the task in the playbook or task file' }),
  module: z.string(),
  handler: z.literal(true).optional(),
  item: z.unknown().optional().meta({ description: 'the loop item as reports show it ("<hidden: no_log>" when censored)' }),
  status: status.meta({ description: 'predicted: "changed" means the window will change it' }),
  msg: z.string().optional(),
  censored: z.literal(true).optional().meta({ description: 'no_log: msg, diff and item withheld, basis keyed' }),
  diff: z.array(z.strictObject({ path: z.string(), unified: z.string() })).optional(),
  basis: z.record(z.string(), z.string()).meta({
    description: 'remote state the prediction was computed from: "file /x" -> "file 0644 root:root size N sha256:…", "package p" -> version, "creates /x" -> exists|absent',
  }),
});

export const planHostSchema = z.strictObject({
  status: z.enum(['planned', 'failed', 'unreachable']).meta({ description: 'only "planned" hosts can be applied' }),
  msg: z.string().optional(),
  tasks: z.array(planTaskSchema),
});

export const planSummarySchema = z.strictObject({
  hosts: z.number().int(),
  hosts_changing: z.number().int(),
  tasks_changing: z.number().int().meta({ description: 'changed task results over all hosts' }),
  restarts: z.number().int(),
  reboots: z.number().int(),
  drains: z.number().int(),
});

export const planFileSchema = z
  .strictObject({
    format: z.literal(PLAN_FORMAT),
    version: z.literal(PLAN_VERSION),
    created_at: z.string().meta({ description: 'ISO 8601 UTC; apply refuses a plan older than --max-age' }),
    nodemend: z.string(),
    playbook: z.string().meta({ description: 'absolute path of the playbook' }),
    inventory: z.string().meta({ description: 'absolute path of the inventory' }),
    limit: z.string().optional(),
    tags: z.array(z.string()),
    skip_tags: z.array(z.string()),
    forks: z.number().int(),
    key_id: z.string().meta({ description: 'which controller key made the keyed digests (apply must hold the same key)' }),
    extra_vars: z.string().meta({ description: 'keyed digest of the -e values (apply must be given the same)' }),
    inputs: z.array(z.strictObject({ path: z.string(), digest: z.string() })).meta({
      description: 'every controller file the plan read: playbook, includes, vars files, inventory, templates, copied files',
    }),
    summary: planSummarySchema,
    hosts: z.record(z.string(), planHostSchema),
    mac: z.string().meta({ description: 'keyed digest of everything else: apply refuses a plan edited after it was saved' }),
  })
  .meta({ title: 'nodemend plan file' });

export type PlanFile = z.infer<typeof planFileSchema>;
export type PlanHost = z.infer<typeof planHostSchema>;
export type PlanTask = z.infer<typeof planTaskSchema>;
export type PlanSummary = z.infer<typeof planSummarySchema>;

export function planJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(planFileSchema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
}

/** A task's identity across the saved plan and a re-plan: same play, place, handler-ness and item. */
export function taskIdentity(t: Pick<PlanTask, 'play' | 'loc' | 'handler' | 'item'>): string {
  return JSON.stringify([t.play, t.loc, t.handler ?? false, t.item ?? null]);
}

/** "site.yaml:6" (relative to the working directory) -> "/abs/site.yaml:6": apply may run from elsewhere. */
export function absoluteLoc(loc: string): string {
  const m = /^(.*):(\d+)$/.exec(loc);
  return m ? `${resolve(m[1])}:${m[2]}` : loc;
}
