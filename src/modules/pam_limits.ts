/**
 * pam_limits (community.general.pam_limits, 6.6.2 as Debian's `ansible` ships it): one
 * `domain type item value` line of /etc/security/limits.conf (or `dest`), with use_max/use_min.
 * A port of that release's line rules, quirks included so a file Ansible wrote stays byte-equal:
 * a changed or new line is tab-separated, a comment found on an earlier line is carried to the
 * new line when `comment` is not given (newline and all), lines that are not four fields are kept
 * as they are, a new line is appended even to a last line without a newline, and `msg` is the
 * line it settled on. Plan = one read of the file; apply = one compare-and-swap write.
 * Differs on purpose (README, "Choices"): Ansible creates a missing file even in check mode and
 * writes a backup on every run with `backup: true`; nodemend creates nothing in check mode and
 * backs up only a file it changes. A bad `value` fails validation, before any host.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { defineModule, ModuleFailure } from './types.js';
import { boolArg, pathArg } from './lib/args.js';
import type { EditResult } from './lib/line-edit.js';
import { planTextEdit } from './lib/edit-file.js';

const ITEMS = [
  'core',
  'data',
  'fsize',
  'memlock',
  'nofile',
  'rss',
  'stack',
  'cpu',
  'nproc',
  'as',
  'maxlogins',
  'maxsyslogins',
  'priority',
  'locks',
  'sigpending',
  'msgqueue',
  'nice',
  'rtprio',
  'chroot',
] as const;
const UNLIMITED = ['unlimited', 'infinity', '-1'];

/** Python's repr of a str, as the module's %r prints it. */
const pyRepr = (s: string): string => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

/** The module's _assert_is_valid_value: its failure message, or undefined when the value is valid. */
export function invalidLimit(item: string, value: string, prefix = ''): string | undefined {
  if (item === 'nice' || item === 'priority') {
    // Python's int() takes surrounding blanks and a sign.
    const ok = /^\s*[-+]?\d+\s*$/.test(value) && Number(value) >= -20 && Number(value) <= 19;
    if (!ok)
      return `${prefix} Value of ${pyRepr(value)} for item ${pyRepr(item)} is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.`;
  } else if (!(UNLIMITED.includes(value) || /^\d+$/.test(value))) {
    return `${prefix} Value of ${pyRepr(value)} for item ${pyRepr(item)} is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details.`;
  }
  return undefined;
}

/** type='str' as Ansible converts a YAML scalar. */
const str = z.union([z.string(), z.number()]).transform(String);

const schema = z
  .strictObject({
    domain: str.pipe(z.string().min(1)),
    limit_type: z.enum(['soft', 'hard', '-']),
    limit_item: z.enum(ITEMS),
    value: str,
    use_max: boolArg.default(false),
    use_min: boolArg.default(false),
    backup: boolArg.default(false),
    dest: pathArg.default('/etc/security/limits.conf'),
    comment: str.default(''),
  })
  .superRefine((a, ctx) => {
    if (a.use_max && a.use_min) ctx.addIssue({ code: 'custom', message: 'Cannot use use_min and use_max at the same time.' });
    const bad = invalidLimit(a.limit_item, a.value);
    if (bad) ctx.addIssue({ code: 'custom', message: bad.trim(), path: ['value'] });
  });
type Args = z.infer<typeof schema>;

/** community.general 6.6.2's pam_limits loop on the file's text; msg is the line it settled on. */
export function pamLimitsEdit(a: Omit<Args, 'backup' | 'dest'>, text: string, file: string): EditResult {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const out: string[] = [];
  // The module's new_comment: taken from earlier lines when empty, prefixed with "\t#" once written.
  let comment = a.comment;
  let found = false;
  let changed = false;
  let message = '';
  let newValue = a.value;
  const limitLine = (): string => {
    if (comment) comment = `\t#${comment}`;
    return `${a.domain}\t${a.limit_type}\t${a.limit_item}\t${newValue}${comment}\n`;
  };
  for (const line of lines) {
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const squeezed = line.replace(/\s+/g, ' ').trim();
    if (!squeezed) {
      out.push(line);
      continue;
    }
    const fields = squeezed.split('#')[0].trimEnd().split(' ');
    const hash = line.indexOf('#');
    if (!comment) comment = hash < 0 ? '' : line.slice(hash + 1);
    if (fields.length !== 4) {
      out.push(line);
      continue;
    }
    const [domain, type, item, actual] = fields;
    const bad = invalidLimit(item, actual, `Invalid configuration found in '${file}'.`);
    if (bad) throw new ModuleFailure(bad);
    if (domain !== a.domain || type !== a.limit_type || item !== a.limit_item) {
      out.push(line);
      continue;
    }
    found = true;
    if (a.value === actual) {
      message = line;
      out.push(line);
      continue;
    }
    // The module means to exempt nice/priority here but tests the limit *type*: so no exemption.
    const actualUnl = UNLIMITED.includes(actual);
    const valueUnl = UNLIMITED.includes(a.value);
    if (a.use_max) newValue = actualUnl ? actual : valueUnl ? a.value : String(Math.max(Number(a.value), Number(actual)));
    if (a.use_min) newValue = actualUnl && valueUnl ? actual : actualUnl ? a.value : valueUnl ? actual : String(Math.min(Number(a.value), Number(actual)));
    if (newValue !== actual) {
      changed = true;
      message = limitLine();
      out.push(message);
    } else {
      message = line;
      out.push(line);
    }
  }
  if (!found) {
    changed = true;
    message = limitLine();
    out.push(message);
  }
  return { text: out.join(''), changed, msg: message };
}

const DIR_OK = 'dir-writable';

export default defineModule<Args>({
  name: 'pam_limits',
  collection: 'community.general',
  description: 'Set one limit (domain, type, item, value) in /etc/security/limits.conf or a limits.d file',
  schema,
  async plan(a, ctx) {
    const dir = posix.dirname(a.dest);
    let dirOk = false;
    let edit: EditResult | undefined;
    let before = '';
    const plan = await planTextEdit(
      ctx,
      {
        path: a.dest,
        create: true,
        backup: a.backup,
        backupField: 'backup_file',
        absentOk: false,
        // The module creates a missing file only in a directory that exists and is writable.
        extra: sh`if test -e ${a.dest} || { test -d ${dir} && test -w ${dir}; }; then echo ${DIR_OK}; fi`,
        onExtra: (out) => (dirOk = out.trim() === DIR_OK),
      },
      (t) => {
        before = t;
        return (edit = pamLimitsEdit(a, t, a.dest));
      },
    );
    if (!dirOk) throw new ModuleFailure(`directory ${dir} is not writable (check presence, access rights, use sudo)`);
    const msg = edit?.msg ?? '';
    // The module registers the whole file before and after on every run, --diff or not; a no_log task's
    // texts are empty (nodemend computes no diff of a no_log task: README "Choices").
    const diff = ctx.noLog ? { before: '', after: '' } : { before, after: edit?.text ?? before };
    plan.result = { ...plan.result, msg, diff };
    plan.msg = msg;
    if (plan.changed) plan.done = msg;
    return plan;
  },
});
