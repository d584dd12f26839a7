/**
 * set_fact: bind host variables for the rest of the play (controller only, never
 * changed). Variables are set while planning, so a check run sees them too, as in
 * Ansible. `cacheable` is accepted and ignored: nodemend has no fact cache on disk.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { UnsafeText } from '../load/expr/unsafe.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Ansible turns the strings true/false/yes/no given to set_fact into booleans. */
function ansibleValue(v: unknown): unknown {
  const text = v instanceof UnsafeText ? v.text : v;
  if (typeof text !== 'string') return v;
  const l = text.toLowerCase();
  if (l === 'true' || l === 'yes') return true;
  if (l === 'false' || l === 'no') return false;
  return v;
}

export const schema = z.record(z.string(), z.unknown()).transform((args, zctx) => {
  const { cacheable: _ignored, ...vars } = args;
  if (Object.keys(vars).length === 0) {
    zctx.addIssue({ code: 'custom', message: 'No key/value pairs provided, at least one is required for this action to succeed' });
  }
  for (const k of Object.keys(vars)) {
    if (!NAME.test(k)) {
      zctx.addIssue({
        code: 'custom',
        path: [k],
        message: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
      });
    }
  }
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, ansibleValue(v)]));
});

export default defineModule({
  name: 'set_fact',
  description: 'Set host variables for the rest of the play (runs on the controller, never changed)',
  schema,
  local: true,
  storesArgs: true,
  async plan(vars, ctx) {
    if (Object.keys(vars).length === 0) throw new ModuleFailure('No key/value pairs provided, at least one is required for this action to succeed');
    ctx.setHostVars(vars);
    return { changed: false, result: { ansible_facts: vars } };
  },
});
