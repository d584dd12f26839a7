/**
 * blockinfile: a block of lines between marker lines ("# BEGIN ANSIBLE MANAGED BLOCK" ...,
 * Ansible's default, so a block Ansible wrote is updated in place),
 * inserted, replaced in place, or removed, with Ansible's rules (see lib/block-edit.ts).
 * Plan = one read of the file; apply = one compare-and-swap write.
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { ATTRIBUTES_ALIAS, attributesFields } from './lib/attributes.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import { validateArg } from './lib/validate.js';
import { BYTES, compilePyRegex } from './lib/pyregex.js';
import { editBlock } from './lib/block-edit.js';
import type { EditResult } from './lib/line-edit.js';
import { fileEditOptions, planTextEdit } from './lib/edit-file.js';

const regexString = z.string().superRefine((v, ctx) => {
  try {
    compilePyRegex(v, BYTES);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const schema = withAliases(
  z
    .strictObject({
      path: pathArg,
      state: z.enum(['present', 'absent']).default('present'),
      block: z.string().default(''),
      marker: z.string().default('# {mark} ANSIBLE MANAGED BLOCK'),
      marker_begin: z.string().default('BEGIN'),
      marker_end: z.string().default('END'),
      insertafter: regexString.optional(),
      insertbefore: regexString.optional(),
      create: boolArg.default(false),
      backup: boolArg.default(false),
      prepend_newline: boolArg.default(false),
      append_newline: boolArg.default(false),
      validate: validateArg.optional(),
      ...attrFields,
      ...attributesFields,
      ...seFields,
    })
    .superRefine((a, ctx) => {
      if (a.insertafter !== undefined && a.insertbefore !== undefined) ctx.addIssue({ code: 'custom', message: 'insertafter and insertbefore are mutually exclusive' });
      if (!a.marker.includes('{mark}')) ctx.addIssue({ code: 'custom', message: 'marker must contain {mark}' });
      if (a.marker_begin === a.marker_end) ctx.addIssue({ code: 'custom', message: 'marker_begin and marker_end must differ' });
    }),
  { dest: 'path', destfile: 'path', name: 'path', content: 'block', ...ATTRIBUTES_ALIAS },
);

type Args = z.infer<typeof schema>;

/** The edit these arguments make to a file's text (exported for the Ansible parity tests). */
export function blockEdit(a: Args): (text: string) => EditResult {
  // As Ansible: only insertafter=EOF / insertbefore=BOF are anchors; any other value is a regex.
  const ins = a.insertafter ?? a.insertbefore;
  const anchor = a.insertafter === 'EOF' || a.insertbefore === 'BOF' || ins === undefined;
  const insertRe = anchor ? undefined : compilePyRegex(ins, BYTES);
  return (text) =>
    editBlock(text, {
      present: a.state === 'present',
      block: a.block,
      marker: a.marker,
      markerBegin: a.marker_begin,
      markerEnd: a.marker_end,
      insertafter: a.insertafter,
      insertbefore: a.insertbefore,
      insertRe,
      prependNewline: a.prepend_newline,
      appendNewline: a.append_newline,
    });
}

export default defineModule<Args>({
  name: 'blockinfile',
  pathArgs: ['path'],
  description: 'Insert, update or remove a block of lines between marker lines',
  schema,
  async plan(a, ctx) {
    return planTextEdit(ctx, { ...fileEditOptions(a), absentOk: a.state === 'absent', backupField: 'backup_file', ansibleDiff: 'lines', createdMsg: () => 'File created' }, blockEdit(a));
  },
});
