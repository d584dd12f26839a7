/**
 * `module_defaults` (play, block, task) as ansible-core 2.14 reads and applies it. Loading
 * (playbook/base.py _load_module_defaults): a mapping or a list of them, keys static; a module name
 * resolves to its collection name, so `file` and `ansible.builtin.file` are one key, and a name that
 * resolves to no module fails ("Could not resolve action X in module_defaults"); `group/NAME` keys
 * name action groups, and no module nodemend has is in one (ansible_builtin_runtime.yml lists only
 * `testgroup`), so they apply to none. Applying (executor/module_common.py
 * get_action_args_with_defaults, at run time): the mappings outer first, the later one replacing
 * a module's whole entry; its arguments (templated) under the task's own.
 */
import { isMap, isSeq, type Node } from 'yaml';
import type { z } from 'zod';
import { NodemendError } from './errors.js';
import type { ModuleDefaults } from './model.js';
import { entries, posOf, plain, type Entry, type YamlFile } from './yaml-source.js';
import { findModule } from '../modules/registry.js';
import { schemaAliases } from '../modules/lib/args.js';

/** The keyword's mappings with module keys resolved to nodemend's module names; unknown names reported. */
export function moduleDefaultsOf(y: YamlFile, entry: Entry | undefined, errors: NodemendError[]): ModuleDefaults[] | undefined {
  if (!entry) return undefined;
  const maps: Node[] = isSeq(entry.value) ? (entry.value.items as Node[]) : [entry.value as Node];
  const out: ModuleDefaults[] = [];
  for (const m of maps) {
    if (!isMap(m)) continue; // the schema reports the shape
    const one: ModuleDefaults = {};
    for (const e of entries(y, m)) {
      const value = (plain(y, e.value) ?? {}) as Record<string, unknown>;
      if (e.key.startsWith('group/')) {
        one[e.key] = value;
        continue;
      }
      const def = findModule(e.key);
      if (!def) {
        errors.push(new NodemendError('schema', `Could not resolve action ${e.key} in module_defaults (no nodemend module has that name)`, posOf(y, e.keyNode)));
        continue;
      }
      one[def.name] = value;
    }
    out.push(one);
  }
  return out;
}

/** A task's arguments with its module's defaults under them (aliases renamed as the task's are). */
export function withModuleDefaults(module: string, schema: z.ZodType, list: readonly ModuleDefaults[] | undefined, args: Record<string, unknown>): Record<string, unknown> {
  if (!list?.length) return args;
  const merged: ModuleDefaults = Object.assign({}, ...list) as ModuleDefaults;
  const own = merged[module];
  if (!own) return args;
  const aliases = schemaAliases(schema);
  const defaults = Object.fromEntries(Object.entries(own).map(([k, v]) => [Object.hasOwn(aliases, k) ? aliases[k] : k, v]));
  return { ...defaults, ...args };
}
