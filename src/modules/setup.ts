/**
 * setup (ansible.builtin.setup of ansible-core 2.14, modules/setup.py): returns the host's facts
 * under Ansible's `ansible_` names in `ansible_facts`, never changed. nodemend's facts are lazy
 * (`ansible_facts.x` / `ansible_x` are readable with or without this task, fetched when read),
 * so setup only fetches what its `gather_subset` and `filter` select, in one round trip, for its
 * registered result. Facts that depend on who asks (ansible_env, ansible_user_*) are read as the
 * task runs (its become applied) and replace the ones the play read, as Ansible's setup result does. Subsets: `all` (default), `min` (everything but hardware), `hardware`
 * (memory and processors), `network` (interfaces, addresses, default routes), `virtual`, a collector
 * by name (`env`, `user`), `!x` / `!all`; Ansible's other collectors (ohai, facter...) are accepted
 * and add nothing nodemend knows. `filter` takes fnmatch globs on
 * the `ansible_` names, as setup.py's filter does. `ansible_local` is read from `fact_path` with the
 * task's become (facts/local.ts: executables run as that user), replaces the host's, and its warnings
 * are the result's `warnings`; an executable fact that cannot be executed fails the task, as in
 * Ansible. `gather_timeout` is accepted and unused.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { ANSIBLE_FACTS, type AnsibleFact } from '../facts/ansible.js';
import { factIdentity } from '../facts/cache.js';
import type { NetworkFacts } from '../facts/network.js';
import { fnmatchRegExp } from '../load/fnmatch.js';
import { factVarOf } from '../load/expr/values.js';
import { localFactsCommand, parseLocalFacts } from '../facts/local.js';
import { FACTS } from '../facts/index.js';

const list = z.union([z.string().transform((s) => s.split(',').map((x) => x.trim())), z.array(z.string())]);

export const schema = z.strictObject({
  gather_subset: list.default(['all']),
  filter: list.default([]),
  gather_timeout: z.number().int().default(10),
  fact_path: z.string().default('/etc/ansible/facts.d'),
});

/**
 * The fact names a gather_subset selects: min unless `!min` (`!all` keeps it, as in Ansible), hardware,
 * network and virtual with `all` or their own name; a collector named on its own (`env`, `user`) is
 * selected by its name and dropped by `!name` unless also named, as collector.py's get_collector_names.
 */
export function subsetNames(subsets: string[]): string[] {
  const has = (s: string): boolean => subsets.includes(s);
  const chosen = (s: string): boolean => (has('all') || has(s)) && !has(`!${s}`) && !(has('!all') && !has(s));
  const min = !has('!min');
  const picked = (f: AnsibleFact): boolean => {
    if (f.collector && has(f.collector)) return true;
    if (f.collector && has(`!${f.collector}`)) return false;
    return f.subset === 'min' ? min : f.subset !== 'package_facts' && chosen(f.subset);
  };
  return [...ANSIBLE_FACTS].filter(([, f]) => picked(f)).map(([n]) => n);
}

export default defineModule({
  name: 'setup',
  pathArgs: ['fact_path'],
  description: "The host's facts under Ansible's ansible_ names (gather_subset, filter), never changed",
  schema,
  async plan(args, ctx) {
    // The filter applies to every key setup returns (gather_subset and module_setup too), as setup.py's does.
    const globs = args.filter.map(fnmatchRegExp);
    const wanted = (key: string): boolean => !globs.length || globs.some((g) => g.test(key));
    const names = subsetNames(args.gather_subset).filter((n) => wanted(factVarOf(n)));
    const warnings: string[] = [];
    // Local facts come from this task's fact_path, not the default path the lazy fact reads.
    if (names.includes('ansible_local')) {
      const res = await ctx.conn.exec(localFactsCommand(args.fact_path));
      if (res.rc !== 0) throw new ModuleFailure(`reading the local facts in ${args.fact_path} failed: ${res.stderr.trim()}`);
      const local = parseLocalFacts(res.stdout);
      if (local.failure) throw new ModuleFailure(local.failure.msg, { cmd: local.failure.cmd, rc: local.failure.rc, stdout: '', stderr: '' });
      warnings.push(...local.warnings);
      // A collector that raised returns nothing: the host keeps the ansible_local it had, as in Ansible.
      if (local.local !== undefined) ctx.facts.set('local', local);
      else names.splice(names.indexOf('ansible_local'), 1);
    }
    const needs = names.filter((n) => n !== 'ansible_local').flatMap((n) => ANSIBLE_FACTS.get(n)!.needs);
    // Facts that depend on who asks (ansible_env, ansible_user_id) are read as this task runs, its become applied.
    await ctx.facts.gatherAs(ctx.conn, needs, factIdentity(ctx.becomeUser, ctx.otherLogin));
    // The clock, uptime and free memory are this task's readings, as Ansible's setup returns its own run's.
    ctx.facts.invalidate(needs.filter((n) => FACTS.get(n)?.volatile));
    await ctx.facts.prefetch(needs);
    ctx.facts.setupGathered(names.includes('ansible_local') ? [...needs, 'local'] : needs);
    const facts: Record<string, unknown> = {};
    for (const n of names) {
      // A fact the host cannot give (no Python for ansible_python) is left out, as Ansible's collectors leave it out.
      const value = ANSIBLE_FACTS.get(n)!.value((x) => ctx.facts.peek(x));
      if (value !== undefined) facts[factVarOf(n)] = value;
    }
    // The network subset also returns each interface under its own name (ansible_eth0).
    if (subsetNames(args.gather_subset).includes('interfaces')) {
      const net = await ctx.facts.get<NetworkFacts>('network');
      for (const [name, v] of Object.entries(net.byName)) if (wanted(`ansible_${name}`)) facts[`ansible_${name}`] = v;
    }
    if (wanted('gather_subset')) facts.gather_subset = args.gather_subset;
    if (wanted('module_setup')) facts.module_setup = true;
    return { changed: false, result: { ansible_facts: facts, ...(warnings.length ? { warnings } : {}) } };
  },
});
