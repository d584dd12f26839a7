/**
 * ini_file (community.general.ini_file, 6.6.2 as Debian's `ansible` ships it): an option in a
 * section of an INI file, present (one or several values) or absent, or a whole section absent.
 * A port of that release's do_ini decisions, byte for byte: the file is read as Python reads text
 * (BOM dropped, CRLF and CR become LF), `option = value` (or `option=value` with no_extra_spaces),
 * a commented-out `#option` line is reused, new options go after the section's last non-blank,
 * non-comment line, a missing section is appended, and a new or empty file starts with an empty
 * line (as Ansible writes it). Plan = one read of the file; apply = one compare-and-swap write.
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { attrFields, seFields } from './lib/attrs.js';
import { ATTRIBUTES_ALIAS, attributesFields } from './lib/attributes.js';
import { boolArg, pathArg, withAliases } from './lib/args.js';
import type { EditResult } from './lib/line-edit.js';
import { fileEditOptions, planTextEdit } from './lib/edit-file.js';
import { statPathInfo } from './lib/path-info.js';

// type='str' in community.general 6.6.2: Python's str() of a number or bool (`True`, not `true`).
const text = z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)));

const schema = withAliases(
  z
    .strictObject({
      path: pathArg,
      section: z.string().nullable().optional(),
      option: z.string().optional(),
      value: text.optional(),
      values: z.array(text).optional(),
      backup: boolArg.default(false),
      state: z.enum(['present', 'absent']).default('present'),
      exclusive: boolArg.default(true),
      no_extra_spaces: boolArg.default(false),
      allow_no_value: boolArg.default(false),
      create: boolArg.default(true),
      ...attrFields,
      ...attributesFields,
      ...seFields,
    })
    .superRefine((a, ctx) => {
      if (a.value !== undefined && a.values !== undefined) ctx.addIssue({ code: 'custom', message: 'parameters are mutually exclusive: value|values' });
      if (a.state === 'present' && !a.allow_no_value && a.value === undefined && !a.values?.length)
        ctx.addIssue({ code: 'custom', message: "Parameter 'value(s)' must be defined if state=present and allow_no_value=False." });
    }),
  { dest: 'path', ...ATTRIBUTES_ALIAS },
);
type Args = z.infer<typeof schema>;

/** The section name ini_file uses when none is given: a line no real file has. */
const FAKE = 'ad01e11446efb704fcdbdb21f2c43757423d91c5';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
/** Python's re.match of ini_file's patterns on a line that keeps its "\n" (`$` also matches before it). */
const matchOpt = (option: string, line: string, commented: boolean) => new RegExp(`^${commented ? '[#;]?' : ''}( |\\t)*(${esc(option)})( |\\t)*(=|(?=\\n?$))( |\\t)*([^\\n]*)`).exec(line);
const BLANK_OR_COMMENT = /^[ \t]*([#;][^\n]*)?\n?$/;

/** Python's readlines after io.open(..., encoding='utf-8-sig'): lines keep their "\n". */
function readLines(t: string): string[] {
  const s = t.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  return s === '' ? [] : (s.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

/** community.general 6.6.2's do_ini on a file's text. */
export function iniEdit(a: Pick<Args, 'section' | 'option' | 'value' | 'values' | 'state' | 'exclusive' | 'no_extra_spaces' | 'allow_no_value'>, original: string): EditResult {
  const values: string[] = [];
  for (const v of a.value !== undefined ? [a.value] : (a.values ?? [])) if (!values.includes(v)) values.push(v);
  const option = a.option;
  let lines = readLines(original);
  let changed = false;
  if (!lines.length) lines.push('\n');
  if (!lines[lines.length - 1].endsWith('\n')) {
    lines[lines.length - 1] += '\n';
    changed = true;
  }
  lines = [`[${FAKE}]`, ...lines, '['];
  const section = a.section || FAKE;
  const fmt = (o: string, v: string) => (a.no_extra_spaces ? `${o}=${v}\n` : `${o} = ${v}\n`);
  let within = false;
  let start = 0;
  let end = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith(`[${section}]`)) {
      within = true;
      start = i;
    } else if (lines[i].startsWith('[') && within) {
      end = i;
      break;
    }
  }
  const before = lines.slice(0, start);
  let sec = lines.slice(start, end);
  const after = lines.slice(end);
  let touched = sec.map(() => false);
  let msg = 'OK';
  let noValuePresent = false;
  const update = (i: number, line: string) => {
    if (sec[i] !== line) {
      changed = true;
      msg = 'option changed';
    }
    sec[i] = line;
    touched[i] = true;
  };

  if (a.state === 'present' && option) {
    for (let i = 0; i < sec.length; i++) {
      const m = matchOpt(option, sec[i], true);
      if (!m) continue;
      if (values.length && values.includes(m[6])) {
        if (!m[6] && a.allow_no_value) {
          update(i, `${option}\n`);
          noValuePresent = true;
        } else update(i, fmt(option, m[6]));
        values.splice(values.indexOf(m[6]), 1);
      } else if (!values.length && a.allow_no_value) {
        update(i, `${option}\n`);
        noValuePresent = true;
        break;
      }
    }
  }
  if (a.state === 'present' && a.exclusive && !a.allow_no_value) {
    if (values.length) {
      for (let i = 0; i < sec.length; i++) {
        if (!touched[i] && option !== undefined && matchOpt(option, sec[i], true)) {
          update(i, fmt(option, values.shift()!));
          if (!values.length) break;
        }
      }
    }
    for (let i = sec.length - 1; i > 0; i--) {
      if (!touched[i] && option !== undefined && matchOpt(option, sec[i], true)) {
        sec.splice(i, 1);
        touched.splice(i, 1);
        changed = true;
        msg = 'option changed';
      }
    }
  }
  if (a.state === 'present') {
    for (let i = sec.length; i > 0; i--) {
      if (BLANK_OR_COMMENT.test(sec[i - 1])) continue;
      if (option && values.length) {
        sec.splice(i, 0, ...values.map((v) => fmt(option, v)));
        msg = 'option added';
        changed = true;
      } else if (option && !values.length && a.allow_no_value && !noValuePresent) {
        sec.splice(i, 0, `${option}\n`);
        msg = 'option added';
        changed = true;
      }
      break;
    }
  }
  if (a.state === 'absent') {
    if (option) {
      const keep = a.exclusive
        ? sec.filter((l) => !matchOpt(option, l, false))
        : values.length
          ? sec.filter((l) => {
              const m = matchOpt(option, l, false);
              return !(m && values.includes(m[6]));
            })
          : sec;
      if (keep.length !== sec.length) {
        changed = true;
        msg = 'option changed';
        sec = keep;
      }
    } else if (sec.length) {
      sec = [];
      msg = 'section removed';
      changed = true;
    }
  }
  touched = [];
  let out = [...before, ...sec, ...after].slice(1, -1);
  if (!within && a.state === 'present') {
    out = [...out, `[${section}]\n`];
    msg = 'section and option added';
    if (option && values.length) out.push(...values.map((v) => fmt(option, v)));
    else if (option && a.allow_no_value) out.push(`${option}\n`);
    else msg = 'only section added';
    changed = true;
  }
  return { text: out.join(''), changed, msg };
}

export default defineModule<Args>({
  name: 'ini_file',
  pathArgs: ['path'],
  collection: 'community.general',
  description: 'Set or remove an option (or a section) in an INI file, as community.general.ini_file writes it',
  schema,
  async plan(a, ctx) {
    let edit: EditResult | undefined;
    const plan = await planTextEdit(
      ctx,
      { ...fileEditOptions(a), backupField: 'backup_file', ansibleDiff: 'ini', absentOk: a.state === 'absent' && a.create, missingMsg: `Destination ${a.path} does not exist!` },
      (t) => (edit = iniEdit(a, t)),
    );
    // Ansible registers do_ini's msg ("OK", "option added", ...) and the path.
    const msg = edit?.msg ?? 'OK';
    plan.result = { ...plan.result, path: a.path, msg };
    // Only attributes to change: nodemend's own words ("mode 0644 -> 0600"); else do_ini's. Registered: do_ini's.
    if (!plan.changed || !edit || edit.changed || !plan.msg) {
      plan.msg = msg;
      if (plan.changed) plan.done = msg;
    }
    // The module's exit_json names `path`, so Ansible adds the file's stat (add_path_info): after the write in a real run.
    const apply = plan.apply;
    if (apply && !ctx.check) plan.apply = async () => ({ ...(await apply()), msg, ...(await statPathInfo(ctx.conn, a.path)) });
    else plan.result = { ...plan.result, ...(await statPathInfo(ctx.conn, a.path)) };
    return plan;
  },
});
