/**
 * A role's argument specs (Ansible 2.11+): `meta/argument_specs.yml` (`.yaml`, `.json`), else the
 * `argument_specs:` key of meta/main.yml (ansible-core 2.14 playbook/role/__init__.py
 * _get_role_argspecs). For the entry point a use runs (`tasks_from`, default `main`) the role's
 * tasks start with Ansible's task "Validating arguments against arg spec 'main'[ - short
 * description]" (_create_validation_task: validate_argument_spec, tags [always]), which checks the
 * variables the spec names when the role runs (src/modules/validate_argument_spec.ts).
 *
 * Before any host: the spec itself is checked (an unknown `type` is an error at its file:line:col),
 * and so is each role param of a `roles:` entry or dependency whose value is a literal, with
 * Ansible's message at the param's position (a templated value is checked when the role runs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'yaml';
import { z } from 'zod';
import { NodemendError } from './errors.js';
import type { Loc, Task } from './model.js';
import { hasTemplate } from './expr/index.js';
import { entryMap, plain, posOf, readYaml, type Entry, type YamlFile } from './yaml-source.js';
import { check } from './zod-errors.js';
import { TYPES, validateArgs, type ArgSpec } from '../modules/lib/arg-spec.js';

type Option = z.infer<typeof optionSchema>;
const optionSchema: z.ZodType<{
  type?: (typeof TYPES)[number];
  elements?: (typeof TYPES)[number];
  required?: boolean;
  options?: Record<string, Option> | null;
  [k: string]: unknown;
}> = z.lazy(() =>
  z.looseObject({
    type: z.enum(TYPES).optional(),
    elements: z.enum(TYPES).optional(),
    required: z.boolean().optional(),
    choices: z.array(z.unknown()).optional(),
    aliases: z.array(z.string()).optional(),
    options: z.record(z.string(), optionSchema).nullable().optional(),
  }),
);
const entryPointSchema = z.looseObject({
  short_description: z.string().optional(),
  options: z.record(z.string(), optionSchema).nullable().optional(),
});
const specsSchema = z.record(z.string(), entryPointSchema.nullable());

export interface EntryPoint {
  name: string;
  shortDescription?: string;
  options: ArgSpec;
  loc: Loc;
}

/** Entry points by name; empty without a spec. `metaMain`: meta/main.yml's file and its `argument_specs` node, if any. */
export function loadArgumentSpecs(dir: string, errors: NodemendError[], metaMain?: { y: YamlFile; node: Node | null }): Map<string, EntryPoint> {
  const out = new Map<string, EntryPoint>();
  const file = ['.yml', '.yaml', '.json'].map((ext) => join(dir, 'meta', `argument_specs${ext}`)).find((f) => existsSync(f));
  let y: YamlFile | undefined;
  let node: Node | null = null;
  if (file) {
    y = readYaml(file, errors, undefined, 'role argument specs');
    if (!y || y.doc.errors.length || y.root == null) return out;
    node = entryMap(y, y.root).get('argument_specs')?.value ?? null;
  } else if (metaMain) {
    ({ y, node } = metaMain);
  }
  if (!y || node == null) return out;
  const data = plain(y, node);
  if (!check(y, node, data, specsSchema, errors, { what: 'argument_specs' }).ok) return out;
  for (const e of entryMap(y, node).values()) {
    const ep = (data as Record<string, z.infer<typeof entryPointSchema> | null>)[e.key];
    if (!ep) continue;
    out.set(e.key, { name: e.key, shortDescription: ep.short_description, options: (ep.options ?? {}) as ArgSpec, loc: posOf(y, e.keyNode) });
  }
  return out;
}

/** Ansible's validation task for one entry point, titled and tagged as _create_validation_task makes it. */
export function validationTask(ep: EntryPoint, role: { name: string; path: string }): Task {
  const name = `Validating arguments against arg spec '${ep.name}'${ep.shortDescription !== undefined ? ` - ${ep.shortDescription}` : ''}`;
  return {
    kind: 'task',
    name,
    loc: ep.loc,
    module: 'validate_argument_spec',
    role: role.name,
    args: {
      argument_spec: ep.options,
      provided_arguments: {},
      validate_args_context: { argument_spec_name: ep.name, name: role.name, path: role.path, type: 'role' },
    },
    when: [],
    tags: ['always'],
    vars: {},
    environment: [],
    notify: [],
    retries: 0,
    delay: 5,
    listen: [],
    loop_kind: 'loop',
    loop_var: 'item',
  };
}

const literal = (v: unknown): boolean => (typeof v === 'string' ? !hasTemplate(v) : Array.isArray(v) ? v.every(literal) : v !== null && typeof v === 'object' ? Object.values(v).every(literal) : true);

/**
 * The role params of a `roles:` entry or dependency against the entry point's spec: a name the
 * spec does not have, or a literal value it refuses, is an error at the param (Ansible's message).
 */
export function checkRoleParams(ep: EntryPoint, roleName: string, y: YamlFile, params: Record<string, unknown>, entries: ReadonlyMap<string, Entry>, errors: NodemendError[]): void {
  for (const [k, v] of Object.entries(params)) {
    if (!literal(v)) continue;
    const spec: ArgSpec = Object.hasOwn(ep.options, k) ? { [k]: ep.options[k] } : {};
    const { errors: found } = validateArgs(spec, { [k]: v }, () => 'AnsibleUnicode', true);
    const e = entries.get(k);
    const at = e ? posOf(y, found.some((m) => m.startsWith(`${k}. Supported`)) ? e.keyNode : e.value) : undefined;
    for (const m of found) {
      const msg = m.startsWith(`${k}. Supported parameters include: `)
        ? `"${k}" is not an argument of role "${roleName}" (its argument spec '${ep.name}' has: ${Object.keys(ep.options).sort().join(', ')})`
        : m;
      errors.push(new NodemendError('schema', `role "${roleName}": ${msg}`, at));
    }
  }
}
