/**
 * lineinfile: ensure one line is present (replacing the last regexp match) or absent,
 * with Ansible's exact rules (see lib/line-edit.ts). `regexp`, `insertafter` and
 * `insertbefore` are Python-style regexes translated to JavaScript (see lib/pyregex.ts).
 * Plan = one read of the file; apply = one compare-and-swap write.
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { ATTRIBUTES_ALIAS, attributesFields } from './lib/attributes.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
import { BYTES, compilePyRegex } from './lib/pyregex.js';
import { lineAbsent, linePresent, type EditResult } from './lib/line-edit.js';
import { fileEditOptions, planTextEdit } from './lib/edit-file.js';

const regexString = z.string().superRefine((v, ctx) => {
  try {
    compilePyRegex(v, BYTES);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});
const isAnchor = (v: string | undefined) => v === undefined || v === 'EOF' || v === 'BOF';

const schema = withAliases(
  z
    .strictObject({
      path: pathArg,
      state: z.enum(['present', 'absent']).default('present'),
      regexp: regexString.optional(),
      search_string: z.string().optional(),
      line: z.union([z.string(), z.number()]).transform(String).optional(),
      insertafter: regexString.optional(),
      insertbefore: regexString.optional(),
      backrefs: boolArg.default(false),
      firstmatch: boolArg.default(false),
      create: boolArg.default(false),
      backup: boolArg.default(false),
      validate: validateArg.optional(),
      ...attrFields,
      ...attributesFields,
      ...seFields,
    })
    .superRefine((a, ctx) => {
      const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
      if (a.insertafter !== undefined && a.insertbefore !== undefined) bad('insertafter and insertbefore are mutually exclusive');
      if (a.regexp !== undefined && a.search_string !== undefined) bad('regexp and search_string are mutually exclusive');
      if (a.backrefs && a.search_string !== undefined) bad('backrefs and search_string are mutually exclusive');
      if (a.state === 'present') {
        if (a.line === undefined) bad('line is required with state=present');
        if (a.backrefs && a.regexp === undefined) bad('regexp is required with backrefs=true');
      } else if (a.line === undefined && a.regexp === undefined && a.search_string === undefined) {
        bad('one of line, search_string, or regexp is required with state=absent');
      }
    }),
  { dest: 'path', destfile: 'path', name: 'path', regex: 'regexp', value: 'line', ...ATTRIBUTES_ALIAS },
);

type Args = z.infer<typeof schema>;

/** The edit these arguments make to a file's text (exported for the Ansible parity tests). */
export function lineEdit(a: Args): (text: string) => EditResult {
  const regexp = a.regexp !== undefined ? compilePyRegex(a.regexp, BYTES) : undefined;
  // As Ansible: insertafter EOF/BOF and insertbefore BOF are anchors; any other value is a regex.
  const ins = a.insertafter ?? a.insertbefore;
  const anchor = a.insertafter !== undefined ? isAnchor(a.insertafter) : a.insertbefore === undefined || a.insertbefore === 'BOF';
  const insertRe = anchor ? undefined : compilePyRegex(ins!, BYTES);
  return (text) =>
    a.state === 'absent'
      ? lineAbsent(text, { line: a.line, regexp, searchString: a.search_string })
      : linePresent(text, {
          line: a.line!,
          regexp,
          searchString: a.search_string,
          insertafter: a.insertafter,
          insertbefore: a.insertbefore,
          insertRe,
          backrefs: a.backrefs,
          firstmatch: a.firstmatch,
        });
}

/** lineinfile.py's warning for an empty regexp or search_string (it matches every line). */
function emptySearchWarnings(a: Args): string[] {
  if (a.regexp !== '' && a.search_string !== '') return [];
  const what = a.regexp === '' ? 'regular expression' : 'search string';
  const tail = a.regexp === '' ? " If this is desired, use '^' to match every line in the file and avoid this warning." : '';
  return [`The ${what} is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending.${tail}`];
}

export default defineModule<Args>({
  name: 'lineinfile',
  pathArgs: ['path'],
  description: 'Ensure a line is in a file (replace the last regexp match, or insert), or remove matching lines',
  schema,
  async plan(a, ctx) {
    return planTextEdit(
      ctx,
      { ...fileEditOptions(a), absentOk: a.state === 'absent', backupField: 'backup', ansibleDiff: 'lines', createdMsg: (r) => r.msg, warnings: emptySearchWarnings(a) },
      lineEdit(a),
    );
  },
});
