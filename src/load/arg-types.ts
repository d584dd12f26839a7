/**
 * Two of ansible-core 2.14's type checks for module arguments (module_utils/common/validation.py,
 * run by parameters.py _validate_argument_types) that nodemend's zod schemas do not make themselves:
 * - check_type_str(value, allow_conversion=True): a number or bool given to a `str` (or `path`)
 *   argument becomes Python's str() of it, silently (`owner: 0` is "0", `line: true` is "True",
 *   `line: 1.0` is "1.0"); a list's elements the same way (`elements='str'`).
 * - check_type_int: an `int` argument takes an int or a string int() reads, nothing else: a float
 *   (`timeout: 1.0`, `1.5`) or the string "1.0" fails ("argument 'timeout' is of type <class
 *   'float'> and we were unable to convert to int: <class 'float'> cannot be converted to an int").
 * A schema field is taken as `str` when it refuses the number or bool but takes its text, and as
 * `int` when it takes 2 and refuses 2.5 and text such as `u+x` (mode, 2.14's `raw`) or `1d` (find's
 * `age`, a `str`): what nodemend's schemas say of 2.14's spec types. Used at
 * load (module-args.ts, values as written) and at run time (task-runner.ts, values as rendered).
 */
import type { z } from 'zod';
import { fieldOf } from './null-args.js';
import { hasTemplate } from './expr/index.js';
import { PyFloat, toText } from './expr/values.js';

/** Python's int() of a string: optional sign and spaces, digits with single underscores between them. */
const INT_TEXT = /^\s*[-+]?\d+(_\d+)*\s*$/;

const scalarNonText = (v: unknown): boolean => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat;
const accepts = (field: z.ZodType, v: unknown): boolean => field.safeParse(v).success;

/** Text an `int` field never takes but a `raw`/`str` one holding numbers does: mode's symbols, find's age and size. */
const NOT_INT_TEXT = ['u+x', '1d', '1k'];

function isIntField(field: z.ZodType): boolean {
  return accepts(field, 2) && !accepts(field, 2.5) && !NOT_INT_TEXT.some((t) => accepts(field, t));
}

/** `args` with 2.14's conversions made, and its refusals as [key, message]. Templated strings (load time) are left for run time. */
export function ansibleArgTypes(schema: z.ZodType, args: Record<string, unknown>): { args: Record<string, unknown>; errors: [string, string][] } {
  const out: Record<string, unknown> = { ...args };
  const errors: [string, string][] = [];
  for (const [k, v] of Object.entries(args)) {
    const field = fieldOf(schema, k);
    if (!field || v === null || v === undefined) continue;
    if (isIntField(field)) {
      const cls = v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v)) ? 'float' : typeof v === 'string' && !hasTemplate(v) && !INT_TEXT.test(v) ? 'str' : undefined;
      if (cls) errors.push([k, `argument '${k}' is of type <class '${cls}'> and we were unable to convert to int: <class '${cls}'> cannot be converted to an int`]);
      continue;
    }
    if (scalarNonText(v)) {
      // An integral float reads as its text ("1.0") even where the schema would take its number.
      const text = toText(v);
      if ((v instanceof PyFloat || !accepts(field, v)) && accepts(field, text)) out[k] = text;
    } else if (Array.isArray(v) && v.some(scalarNonText) && !accepts(field, v)) {
      const texts = v.map((x) => (scalarNonText(x) ? toText(x) : x));
      if (accepts(field, texts)) out[k] = texts;
    }
  }
  return { args: out, errors };
}
