/**
 * set_fact: bind host variables for the rest of the play (controller only, never
 * changed). Variables are set while planning, so a check run sees them too, as in
 * Ansible. `cacheable: true` also makes them facts (`ansible_facts.NAME`), as 2.14's strategy sets
 * both: `meta: clear_facts` then drops the fact and keeps the variable. nodemend has no fact cache
 * on disk, so nothing outlives the run.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { UnsafeText, unwrapUnsafe } from '../load/expr/unsafe.js';
import { hasTemplate } from '../load/expr/index.js';

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
  const { cacheable, ...vars } = args;
  if (Object.keys(vars).length === 0) {
    zctx.addIssue({ code: 'custom', message: 'No key/value pairs provided, at least one is required for this action to succeed' });
  }
  for (const k of Object.keys(vars)) {
    // A templated name ("{{ item }}=moo", `"{{ item.key }}": ...`) is checked once rendered, when the task runs.
    if (!NAME.test(k) && !hasTemplate(k)) {
      zctx.addIssue({
        code: 'custom',
        path: [k],
        message: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
      });
    }
  }
  // Ansible's boolean(): true, yes, on, 1 (any case) are true.
  const flag = unwrapUnsafe(cacheable);
  return {
    vars: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, ansibleValue(v)])),
    cacheable: flag === true || flag === 1 || (typeof flag === 'string' && ['true', 'yes', 'on', '1', 'y', 't'].includes(flag.toLowerCase())),
  };
});

export default defineModule({
  name: 'set_fact',
  description: 'Set host variables for the rest of the play (runs on the controller, never changed)',
  schema,
  local: true,
  storesArgs: true,
  async plan({ vars, cacheable }, ctx) {
    if (Object.keys(vars).length === 0) throw new ModuleFailure('No key/value pairs provided, at least one is required for this action to succeed');
    ctx.setHostVars(vars, { cacheable });
    return { changed: false, result: { ansible_facts: vars } };
  },
});
