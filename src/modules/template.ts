/**
 * template: render a file from the controller with the task's variables (Jinja, or
 * Handlebars for `.hbs`; trim_blocks / lstrip_blocks as Ansible's module), then the same plan as copy (one probe comparing sha256, one atomic write; --diff
 * shows the rendered file against the host's).
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
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
    trim_blocks: boolArg.default(true),
    lstrip_blocks: boolArg.default(false),
    validate: validateArg.optional(),
  }),
  ATTRIBUTES_ALIAS,
);

type Args = z.infer<typeof schema>;

export default defineModule<Args>({
  name: 'template',
  pathArgs: ['dest'],
  description: 'Render a Jinja (.j2, any name) or Handlebars (.hbs) template with the task variables and put it on the host (like copy)',
  schema,
  async plan(a, ctx) {
    const file = ctx.resolveLocalPath(a.src, 'template');
    if (!existsSync(file)) throw new ModuleFailure(`could not find template ${a.src} (looked at ${file})`);
    const text = await ctx.renderTemplate(file, { trimBlocks: a.trim_blocks, lstripBlocks: a.lstrip_blocks });
    const plan = await planPutContent(ctx, bytesSource(Buffer.from(text, 'utf8')), {
      ...putOptions(a),
      // Into a directory dest the file keeps its name minus the template suffix (site.conf.hbs -> site.conf).
      srcName: basename(a.src).replace(/\.(j2|hbs|handlebars)$/, ''),
      diffSource: file,
      writeWithProbe: a.attributes === undefined,
    });
    plan.result = { ...plan.result, src: a.src };
    return withAttributes(plan, ctx, typeof plan.result?.dest === 'string' ? plan.result.dest : a.dest, a.attributes);
  },
});
