/**
 * setup (ansible.builtin.setup of ansible-core 2.14, modules/setup.py): returns the host's facts
 * under Ansible's `ansible_` names in `ansible_facts`, never changed. nodemend's facts are lazy
 * (`ansible_facts.x` / `ansible_x` are readable with or without this task, fetched when read),
 * so setup only fetches what its `gather_subset` and `filter` select, in one round trip, for its
 * registered result. Subsets: `all` (default), `min` (everything but hardware), `hardware`
 * (memory and processors), `!hardware` / `!all`; Ansible's other collectors (network, virtual,
 * ohai, facter...) are accepted and add nothing nodemend knows. `filter` takes fnmatch globs on
 * the `ansible_` names, as setup.py's filter does. `fact_path` (local facts) and `gather_timeout`
 * are accepted and unused.
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { ANSIBLE_FACTS } from '../facts/ansible.js';
import { fnmatchRegExp } from '../load/fnmatch.js';

const list = z.union([z.string().transform((s) => s.split(',').map((x) => x.trim())), z.array(z.string())]);

export const schema = z.strictObject({
  gather_subset: list.default(['all']),
  filter: list.default([]),
  gather_timeout: z.number().int().default(10),
  fact_path: z.string().default('/etc/ansible/facts.d'),
});

/** The fact names a gather_subset selects: min unless `!min` (`!all` keeps it, as in Ansible), hardware with `all` or `hardware`. */
export function subsetNames(subsets: string[]): string[] {
  const has = (s: string): boolean => subsets.includes(s);
  const hardware = (has('all') || has('hardware')) && !has('!hardware') && !(has('!all') && !has('hardware'));
  const min = !has('!min');
  return [...ANSIBLE_FACTS].filter(([, f]) => (f.subset === 'hardware' ? hardware : f.subset === 'min' && min)).map(([n]) => n);
}

export default defineModule({
  name: 'setup',
  description: "The host's facts under Ansible's ansible_ names (gather_subset, filter), never changed",
  schema,
  async plan(args, ctx) {
    // The filter applies to every key setup returns (gather_subset and module_setup too), as setup.py's does.
    const globs = args.filter.map(fnmatchRegExp);
    const wanted = (key: string): boolean => !globs.length || globs.some((g) => g.test(key));
    const names = subsetNames(args.gather_subset).filter((n) => wanted(`ansible_${n}`));
    await ctx.facts.prefetch(names.flatMap((n) => ANSIBLE_FACTS.get(n)!.needs));
    const facts: Record<string, unknown> = {};
    for (const n of names) facts[`ansible_${n}`] = ANSIBLE_FACTS.get(n)!.value((x) => ctx.facts.peek(x));
    if (wanted('gather_subset')) facts.gather_subset = args.gather_subset;
    if (wanted('module_setup')) facts.module_setup = true;
    return { changed: false, result: { ansible_facts: facts } };
  },
});
