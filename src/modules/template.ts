/**
 * template: render a file from the controller with the task's variables (Jinja, or
 * Handlebars for `.hbs`; trim_blocks / lstrip_blocks as Ansible's module), then the same plan as copy (one probe comparing sha256, one atomic write; --diff
 * shows the rendered file against the host's).
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
import { templateModuleVars } from '../load/template.js';
import { codecOf, encodeText, ENCODINGS } from './lib/text-encoding.js';
import { ATTRIBUTES_ALIAS, attributesFields, withAttributes } from './lib/attributes.js';
import { bytesSource, planPutContent, putOptions } from './lib/put-content.js';

const schema = withAliases(
  z.strictObject({
    src: pathArg,
    dest: pathArg,
    ...attrFields,
    ...attributesFields,
    ...seFields,
    backup: boolArg.default(false),
    force: boolArg.default(true),
    follow: boolArg.default(false),
    /** Octal/symbolic, or "preserve": the template file's own mode (2.14's action reads it with os.stat). */
    mode: z.union([z.literal('preserve'), attrFields.mode.unwrap()]).optional(),
    /** 2.12's comment markers (Jinja's `{#` `#}` when unset). */
    comment_start_string: z.string().min(1).optional(),
    comment_end_string: z.string().min(1).optional(),
    trim_blocks: boolArg.default(true),
    lstrip_blocks: boolArg.default(false),
    /** The action's words; its escaped spellings ("\\n") read as the characters, as 2.14 converts them. */
    newline_sequence: z
      .string()
      .default('\n')
      .transform((s) => ({ '\\n': '\n', '\\r': '\r', '\\r\\n': '\r\n' })[s] ?? s)
      .refine((s) => ['\n', '\r', '\r\n'].includes(s), { message: 'newline_sequence needs to be one of: \n, \r or \r\n' }),
    /** A Python codec name ('' is utf-8, as 2.14's `or 'utf-8'`); only the ones nodemend encodes (lib/text-encoding.ts). */
    output_encoding: z
      .string()
      .default('utf-8')
      .transform((s) => s || 'utf-8')
      .refine((s) => codecOf(s) !== undefined, { message: `output_encoding: nodemend writes ${ENCODINGS}` }),
    validate: validateArg.optional(),
  }),
  ATTRIBUTES_ALIAS,
);

type Args = z.infer<typeof schema>;

export default defineModule<Args>({
  name: 'template',
  // 2.14 registers no msg on success: the plan's words are the report line only.
  reportOnlyMsg: true,
  pathArgs: ['dest'],
  description: 'Render a Jinja (.j2, any name) or Handlebars (.hbs) template with the task variables and put it on the host (like copy)',
  schema,
  async plan(a, ctx) {
    const file = ctx.resolveLocalPath(a.src, 'template');
    if (!existsSync(file)) throw new ModuleFailure(`could not find template ${a.src} (looked at ${file})`);
    const opts = { trimBlocks: a.trim_blocks, lstripBlocks: a.lstrip_blocks, newlineSequence: a.newline_sequence, commentStart: a.comment_start_string, commentEnd: a.comment_end_string };
    const text = await ctx.renderTemplate(file, opts, templateModuleVars(a.src, file, a.dest));
    let bytes: Buffer;
    try {
      bytes = encodeText(text, a.output_encoding);
    } catch (e) {
      throw new ModuleFailure(`Unexpected failure during module execution: ${(e as Error).message}`);
    }
    // mode: preserve is the template file's mode, '0%03o' % S_IMODE(os.stat(source).st_mode).
    const mode = a.mode === 'preserve' ? `0${(statSync(file).mode & 0o7777).toString(8).padStart(3, '0')}` : a.mode;
    const plan = await planPutContent(ctx, bytesSource(bytes), {
      ...putOptions({ ...a, mode }),
      // Into a directory dest the file keeps the template's own name, suffix and all (2.14's action passes
      // the rendered file as dest/basename(src) to copy: foo.j2 lands as foo.j2).
      srcName: basename(a.src),
      diffSource: file,
      writeWithProbe: a.attributes === undefined,
    });
    // `src` where 2.14's copy module runs (the content is written); the file module it runs on an
    // unchanged content (the result's `path`) registers none.
    if (!(plan.result && 'path' in plan.result)) plan.result = { ...plan.result, src: a.src };
    return withAttributes(plan, ctx, typeof plan.result?.dest === 'string' ? plan.result.dest : a.dest, a.attributes);
  },
});
