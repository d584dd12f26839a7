/**
 * replace: every match of a Python regex in a file replaced (ansible.builtin.replace), optionally
 * only in the section after `after` and/or before `before`. A port of Ansible 2.14's replace.py:
 * the regexp is MULTILINE, the section pattern DOTALL (`after(?P<subsection>.*?)before`), a
 * section pattern that does not match changes nothing, msg is "N replacements made".
 * Plan = one read of the file; apply = one compare-and-swap write (lib/edit-file.ts).
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { ATTRIBUTES_ALIAS, attributesFields } from './lib/attributes.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
import { compilePyRegex, expandTemplate } from './lib/pyregex.js';
import type { EditResult } from './lib/line-edit.js';
import { fileEditOptions, planTextEdit } from './lib/edit-file.js';

/** The pattern with Python flags added the way re.compile(pattern, flags) would. */
function withFlags(pattern: string, flags: string): RegExp {
  const lead = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  const full = lead ? `(?${lead[1]}${flags})${pattern.slice(lead[0].length)}` : `(?${flags})${pattern}`;
  return compilePyRegex(full).re;
}
const regexString = z.string().superRefine((v, ctx) => {
  try {
    withFlags(v, 'm');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const schema = withAliases(
  z.strictObject({
    path: pathArg,
    regexp: regexString,
    replace: z.union([z.string(), z.number()]).transform(String).default(''),
    after: z.string().optional(),
    before: z.string().optional(),
    backup: boolArg.default(false),
    validate: validateArg.optional(),
    ...attrFields,
    ...attributesFields,
    ...seFields,
  }),
  { dest: 'path', destfile: 'path', name: 'path', ...ATTRIBUTES_ALIAS },
);
type Args = z.infer<typeof schema>;

/** Ansible's replace on a file's text. */
export function replaceEdit(a: Pick<Args, 'regexp' | 'replace' | 'after' | 'before'>, text: string): EditResult {
  let start = 0;
  let end = text.length;
  if (a.after || a.before) {
    const pattern = a.after && a.before ? `${a.after}(?P<subsection>.*?)${a.before}` : a.after ? `${a.after}(?P<subsection>.*)` : `(?P<subsection>.*)${a.before}`;
    const re = withFlags(pattern, 's');
    const m = new RegExp(re.source, `${re.flags}d`).exec(text);
    if (!m?.indices?.groups?.subsection) return { text, changed: false, msg: `Pattern for before/after params did not match the given file: ${pattern}` };
    [start, end] = m.indices.groups.subsection;
  }
  const section = text.slice(start, end);
  const re = withFlags(a.regexp, 'm');
  let n = 0;
  const replaced = section.replace(new RegExp(re.source, `${re.flags}g`), (...args) => {
    n++;
    const groups = typeof args[args.length - 1] === 'object' ? (args[args.length - 1] as Record<string, string>) : undefined;
    const end = groups ? args.length - 3 : args.length - 2;
    const m = Object.assign(args.slice(0, end) as unknown as RegExpExecArray, { groups });
    return expandTemplate(a.replace, m);
  });
  if (n === 0 || replaced === section) return { text, changed: false, msg: '' };
  return { text: text.slice(0, start) + replaced + text.slice(end), changed: true, msg: `${n} replacements made` };
}

export default defineModule<Args>({
  name: 'replace',
  pathArgs: ['path'],
  description: 'Replace every match of a regex in a file (optionally between after/before), atomically',
  schema,
  async plan(a, ctx) {
    let edit: EditResult | undefined;
    const plan = await planTextEdit(
      ctx,
      { ...fileEditOptions(a), backupField: 'backup_file', absentOk: false, missingMsg: `Path ${a.path} does not exist !`, ansibleDiff: 'replace' },
      (text) => (edit = replaceEdit(a, text)),
    );
    // Unchanged, Ansible registers its reason ("Pattern for before/after params did not match...") or "".
    if (!plan.changed && edit) plan.result = { ...plan.result, msg: edit.msg };
    // replace.py starts its result as dict(rc=0): every success registers rc 0.
    plan.result = { ...plan.result, rc: 0 };
    return plan;
  },
});
