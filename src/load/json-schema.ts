/**
 * JSON Schemas for editors (yaml-language-server), built from the same zod
 * schemas the loader validates with, plus one optional key per module. "Exactly
 * one module per task" is not expressible there; the loader checks it.
 */
import { z } from 'zod';
import { MODULES } from '../modules/registry.js';
import { blockSchema, includeSchema, importPlaybookSchema, inventorySchema, playSchema, taskKeywordShape } from './schema.js';

const OPTS = { unrepresentable: 'any', io: 'input', cycles: 'ref' } as const;

/** A module's argument schema, or "anything" when it cannot be expressed in JSON Schema (transforms...). */
function moduleArgSchema(schema: z.ZodType, freeForm: boolean): z.ZodType {
  let args: z.ZodType = schema;
  try {
    z.toJSONSchema(schema, OPTS);
  } catch {
    args = z.record(z.string(), z.unknown());
  }
  return freeForm ? z.union([z.string(), args]) : args.nullable();
}

function taskItemSchema(): z.ZodType {
  const moduleShape = Object.fromEntries(
    [...MODULES.values()].map((m) => [m.name, moduleArgSchema(m.schema as z.ZodType, Boolean(m.freeForm)).meta({ description: m.description }).optional()]),
  );
  const keywords = Object.fromEntries(Object.entries(taskKeywordShape).map(([k, v]) => [k, (v as z.ZodType).optional()]));
  const task = z.strictObject({ ...keywords, ...moduleShape });
  const item: z.ZodType = z.lazy(() => z.union([task, blockSchema(item), includeSchema('include_tasks'), includeSchema('import_tasks')]));
  return item;
}

export function playbookJsonSchema(): Record<string, unknown> {
  const item = taskItemSchema();
  const playbook = z.array(z.union([playSchema(item), importPlaybookSchema])).meta({ title: 'nodemend playbook' });
  return z.toJSONSchema(playbook, OPTS) as Record<string, unknown>;
}

export function inventoryJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(inventorySchema.meta({ title: 'nodemend inventory' }), OPTS) as Record<string, unknown>;
}
