/**
 * getent (ansible.builtin.getent of ansible-core 2.14, modules/getent.py): runs
 * `getent DATABASE [KEY] [-s SERVICE]` and returns its entries as the fact `getent_DATABASE`
 * (name -> the other fields; a name seen twice holds a list of them), which later tasks read as
 * `getent_passwd['root']`, as in Ansible. Fields are split on `split`, by default ":" for passwd,
 * shadow, group and gshadow and on whitespace for the rest. getent's exit codes as the module reads
 * them: 1 "Missing arguments, or database unknown.", 2 "One or more supplied key could not be found
 * in the database." (with fail_key false not a failure: the key's value is null and msg says so),
 * 3 "Enumeration not supported on this database.", anything else "Unexpected failure!". Never
 * changed; read-only, so it runs in check mode too.
 */
import { z } from 'zod';
import { sh } from '../transport/quote.js';
import { markUnsafe } from '../load/expr/unsafe.js';
import { boolArg } from './lib/args.js';
import { defineModule, ModuleFailure } from './types.js';
import { pySplitlines } from './lib/text-lines.js';

const schema = z.strictObject({
  database: z.string().min(1, 'must not be empty'),
  key: z.union([z.string(), z.number()]).transform(String).optional(),
  service: z.string().optional(),
  split: z.string().min(1, 'must not be empty').optional(),
  fail_key: boolArg.default(true),
});
type Args = z.infer<typeof schema>;

const COLON = ['passwd', 'shadow', 'group', 'gshadow'];
const MESSAGES: Record<number, string> = {
  1: 'Missing arguments, or database unknown.',
  2: 'One or more supplied key could not be found in the database.',
  3: 'Enumeration not supported on this database.',
};

/** The fact's value: each line split (Python's str.split: on `sep`, or on runs of whitespace), keyed by its first field. */
export function getentEntries(out: string, sep: string | undefined): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  for (const line of pySplitlines(out)) {
    const record = sep === undefined ? line.split(/\s+/).filter(Boolean) : line.split(sep);
    if (!record.length) continue;
    const [name, ...rest] = record;
    const n = seen.get(name) ?? 0;
    if (n === 0) entries[name] = rest;
    else {
      if (n === 1) entries[name] = [entries[name]];
      (entries[name] as unknown[]).push(rest);
    }
    seen.set(name, n + 1);
  }
  return entries;
}

export default defineModule<Args>({
  name: 'getent',
  description: 'Entries of a name service database (passwd, group, hosts, services...) as the fact getent_DATABASE, never changed',
  schema,
  async plan(a, ctx) {
    const argv = [a.database, ...(a.key !== undefined ? [a.key] : []), ...(a.service !== undefined ? ['-s', a.service] : [])];
    const r = await ctx.conn.exec(sh`getent ${argv}`);
    const fact = `getent_${a.database}`;
    let entries: Record<string, unknown>;
    let msg: string | undefined;
    if (r.rc === 0) entries = getentEntries(r.stdout, a.split ?? (COLON.includes(a.database) ? ':' : undefined));
    else if (r.rc === 2 && !a.fail_key) {
      entries = { [a.key ?? 'null']: null };
      msg = MESSAGES[2];
    } else throw new ModuleFailure(MESSAGES[r.rc] ?? 'Unexpected failure!');
    const facts = markUnsafe({ [fact]: entries }) as Record<string, unknown>;
    ctx.setHostVars(facts, { facts: true });
    return { changed: false, msg, result: { ansible_facts: facts, ...(msg ? { msg } : {}) } };
  },
});
