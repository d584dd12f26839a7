import { playbookJsonSchema, inventoryJsonSchema } from '../load/json-schema.js';
import { fqcn, MODULES } from '../modules/registry.js';
import { schemaAliases } from '../modules/lib/args.js';
import { knownKeysAt } from '../load/schema.js';
import { describeArgs } from '../load/module-args.js';
import type { z } from 'zod';
import { planJsonSchema } from '../plan/model.js';

export function schemaCommand(kind: string): number {
  const schemas: Record<string, () => Record<string, unknown>> = { playbook: playbookJsonSchema, inventory: inventoryJsonSchema, plan: planJsonSchema };
  if (!Object.hasOwn(schemas, kind)) {
    process.stderr.write(`nodemend schema: expected "playbook", "inventory" or "plan", got "${kind}"\n`);
    return 1;
  }
  const schema = schemas[kind]();
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}

export function modulesCommand(): number {
  for (const m of [...MODULES.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const schema = m.schema as z.ZodType;
    const args = describeArgs(knownKeysAt(schema, []) ?? [], schemaAliases(schema));
    process.stdout.write(`${m.name.padEnd(14)} ${m.description}\n${''.padEnd(15)}${fqcn(m)}; args (aliases): ${args}\n`);
  }
  return 0;
}
