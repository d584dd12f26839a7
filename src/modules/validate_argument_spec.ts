/**
 * validate_argument_spec (ansible-core 2.14 plugins/action/validate_argument_spec.py): checks the
 * task's variables named in `argument_spec`, and `provided_arguments`, against that spec, with
 * Ansible's messages (lib/arg-spec.ts). A role with meta/argument_specs.yml runs it first
 * ("Validating arguments against arg spec 'main'", src/load/roles.ts). Controller only, never
 * changed; the converted values are not written back to the variables (as in 2.14).
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { validateArgs, type ArgSpec, type StringClass } from './lib/arg-spec.js';
import { hasTemplate } from '../load/expr/index.js';
import { UnsafeText } from '../load/expr/unsafe.js';

export const schema = z.strictObject({
  argument_spec: z.record(z.string(), z.record(z.string(), z.unknown())),
  provided_arguments: z.record(z.string(), z.unknown()).default({}),
  validate_args_context: z.record(z.string(), z.unknown()).default({}),
});

/** Which class Ansible's templar leaves a variable's strings in: YAML text stays AnsibleUnicode, a rendered template is a str. */
function stringClass(raw: unknown): StringClass {
  if (raw instanceof UnsafeText) return 'AnsibleUnsafeText';
  return typeof raw === 'string' && hasTemplate(raw) ? 'str' : 'AnsibleUnicode';
}

export default defineModule({
  name: 'validate_argument_spec',
  description: "Validate variables and arguments against an argument spec (a role's meta/argument_specs.yml)",
  schema,
  local: true,
  // The spec is data (a default may read "{{ x }}"): never rendered.
  rawArgs: ['argument_spec'],
  async plan(args, ctx) {
    const spec = args.argument_spec as ArgSpec;
    const fromVars: Record<string, unknown> = {};
    for (const name of Object.keys(spec)) if (Object.hasOwn(ctx.vars, name)) fromVars[name] = await ctx.evaluate(name);
    const params = { ...fromVars, ...args.provided_arguments };
    const classOf = (name: string): StringClass => (name in args.provided_arguments ? 'AnsibleUnicode' : stringClass(ctx.vars[name]));
    const { errors } = validateArgs(spec, params, classOf, true);
    const context = args.validate_args_context;
    if (errors.length) {
      throw new ModuleFailure(`Validation of arguments failed:\n${errors.join('\n')}`, { argument_errors: errors, argument_spec_data: spec, validate_args_context: context, changed: false });
    }
    return { changed: false, result: { msg: 'The arg spec validation passed', validate_args_context: context } };
  },
});
