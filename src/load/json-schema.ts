/**
 * JSON Schemas for editors (yaml-language-server), built from the same zod
 * schemas the loader validates with, plus one optional key per module. "Exactly
 * one module per task" is not expressible there; the loader checks it.
 */
import { z } from 'zod';
import { acceptedModuleNames, MODULES } from '../modules/registry.js';
import { schemaAliases } from '../modules/lib/args.js';
import { blockSchema, includeSchema, importPlaybookSchema, inventorySchema, playSchema, taskKeywordShape } from './schema.js';

const OPTS = { unrepresentable: 'any', io: 'input', cycles: 'ref' } as const;

type JsonObject = { properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };

/**
 * A module's argument schema, or "anything" when it cannot be expressed in JSON Schema (transforms...).
 * Aliases are properties too (required arguments are then not marked required: either name will do);
 * a string is key=value text, or the command of a free-form module.
 */
function moduleArgSchema(schema: z.ZodType): z.ZodType {
  let args: z.ZodType = schema;
  try {
    const json = z.toJSONSchema(schema, OPTS) as JsonObject;
    const aliases = Object.entries(schemaAliases(schema));
    if (aliases.length && json.properties) {
      const props = json.properties;
      for (const [alias, real] of aliases) if (props[real]) props[alias] = props[real];
      delete json.required;
      delete json.$schema;
      args = z.unknown().meta(json);
    }
  } catch {
    args = z.record(z.string(), z.unknown());
  }
  return z.union([z.string(), args]).nullable();
}

function taskItemSchema(): z.ZodType {
  // Every name the loader accepts (copy, ansible.builtin.copy, ansible.legacy.copy, ansible.posix.sysctl,
  // systemd_service...) shares its module's one definition.
  const argsOf = new Map(
    [...MODULES.values()].map((m) => [
      m,
      moduleArgSchema(m.schema as z.ZodType)
        .meta({ description: m.description })
        .optional(),
    ]),
  );
  const moduleShape = Object.fromEntries(acceptedModuleNames().map(([n, m]) => [n, argsOf.get(m)!]));
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
