/**
 * `group_vars/` and `host_vars/` beside the inventory and beside the playbook, read as Ansible
 * 2.14's host_group_vars vars plugin reads them, and merged into each host's inventory variables
 * in 2.14's order (vars/manager.py get_vars with the default VARIABLE_PRECEDENCE), lowest first:
 *
 *   the inventory's `all` vars < its other groups' vars (inventory.ts's order)
 *   < group_vars/all beside the inventory < group_vars/all beside the playbook
 *   < group_vars/GROUP beside the inventory (every group of the host) < the same beside the playbook
 *   < the host's own inventory vars < host_vars/HOST beside the inventory < beside the playbook
 *
 * Groups are taken as 2.14's sort_groups orders them: depth (longest path from `all`), then
 * `ansible_group_priority` (from the inventory's group vars, default 1), then name. Each merge
 * replaces whole top-level keys (hash_behaviour=replace).
 *
 * Files, as 2.14's DataLoader.find_vars_files: for NAME it tries `NAME`, `NAME.yml`, `NAME.yaml`,
 * `NAME.json` and reads the first that exists (only that one); a directory is read recursively,
 * its entries in sorted order, skipping names that start with `.` or end with `~`, reading files
 * with no extension or one of those three, descending into directories that have no extension.
 * An empty file adds nothing. Everything is read at load, before any host is contacted, errors at
 * their file:line:col (load/vars-file.ts, as vars_files).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { NodemendError } from './errors.js';
import type { Inventory, InventoryHost } from './model.js';
import type { Diag } from './diag.js';
import { loadVarsFile } from './vars-file.js';

/** ansible.constants YAML_FILENAME_EXTENSIONS */
export const VARS_EXTENSIONS: readonly string[] = ['.yml', '.yaml', '.json'];

function kind(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** The files 2.14 reads for `name` under `dir` (group_vars/ or host_vars/), in reading order. */
export function findVarsFiles(dir: string, name: string): string[] {
  for (const ext of ['', ...VARS_EXTENSIONS]) {
    const full = join(dir, name + ext);
    const k = kind(full);
    if (k === 'dir') return dirVarsFiles(full);
    if (k === 'file') return [full];
  }
  return [];
}

function dirVarsFiles(dir: string): string[] {
  const found: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const ext = extname(name);
    const full = join(dir, name);
    const k = kind(full);
    if (k === 'dir' && !ext) found.push(...dirVarsFiles(full));
    else if (k === 'file' && (!ext || VARS_EXTENSIONS.includes(ext))) found.push(full);
  }
  return found;
}

/** Each group's depth: its longest path from `all`. */
export function groupDepths(inventory: Inventory): Map<string, number> {
  const depth = new Map<string, number>();
  const deepen = (name: string, d: number, trail: Set<string>): void => {
    if ((depth.get(name) ?? -1) >= d || trail.has(name)) return;
    depth.set(name, d);
    trail.add(name);
    for (const c of inventory.groups.get(name)?.children ?? []) deepen(c, d + 1, trail);
    trail.delete(name);
  };
  deepen('all', 0, new Set());
  return depth;
}

/** 2.14's sort_groups: depth, ansible_group_priority, name. */
export function sortGroups(inventory: Inventory, names: string[], depth = groupDepths(inventory)): string[] {
  const priority = (g: string): number => {
    const p = Number(inventory.groups.get(g)?.vars.ansible_group_priority ?? 1);
    return Number.isFinite(p) ? p : 1;
  };
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...names].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || priority(a) - priority(b) || byName(a, b));
}

/** The variables 2.14's host_group_vars plugin gives `name` from `base`/`subdir` (group_vars or host_vars). */
class VarsDirs {
  private cache = new Map<string, Record<string, unknown> | undefined>();
  constructor(
    private bases: string[],
    private errors: NodemendError[],
  ) {}

  /** The merged files for one entity under one base dir. */
  entity(base: string, subdir: 'group_vars' | 'host_vars', name: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // 2.14 skips an entity whose name starts with the path separator ("chroot" hosts).
    if (name.startsWith('/') || kind(join(base, subdir)) !== 'dir') return out;
    for (const file of findVarsFiles(join(base, subdir), name)) {
      if (!this.cache.has(file)) this.cache.set(file, loadVarsFile(file, this.errors));
      Object.assign(out, this.cache.get(file));
    }
    return out;
  }

  /** Every base dir in turn (inventory's first, then the playbook's) for each of `names`. */
  layer(subdir: 'group_vars' | 'host_vars', names: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const base of this.bases) for (const n of names) Object.assign(out, this.entity(base, subdir, n));
    return out;
  }
}

/** The inventory variables each host had before group_vars/host_vars: its own `vars:` (for the merge order). */
export const ownHostVars = new WeakMap<object, Record<string, unknown>>();

/** What `implicitLocalhost` gives each implicit localhost name: all's vars, group_vars/all and host_vars/NAME. */
export const implicitLocalhostVars = new WeakMap<Inventory, Map<string, Record<string, unknown>>>();

/**
 * How one host's `vars` are merged again once a run changed its groups (group_by, add_host:
 * run/dynamic-inventory.ts): 2.14 merges a host's variables when a task reads them, so a group made
 * at run time brings its group_vars/ file. Set by applyVarsDirs for each inventory it loads.
 */
export const remergeHostVars = new WeakMap<Inventory, (h: InventoryHost) => void>();

/**
 * Merge group_vars/ and host_vars/ beside each of `bases` (the inventory's directory, then the
 * playbook's; a directory named twice is read once) into every host's `vars`, in 2.14's order.
 */
export function applyVarsDirs(inventory: Inventory, bases: string[], diag: Diag, localhostNames: readonly string[]): void {
  const dirs = [...new Set(bases)].filter((b) => kind(join(b, 'group_vars')) === 'dir' || kind(join(b, 'host_vars')) === 'dir');
  const vd = new VarsDirs(dirs, diag.errors);
  const allVars = (): Record<string, unknown> => inventory.groups.get('all')?.vars ?? {};
  const allFiles = vd.layer('group_vars', ['all']);
  const merge = (h: InventoryHost, depth: Map<string, number>): void => {
    const groups = h.groups.filter((g) => g !== 'all');
    const inventoryGroups: Record<string, unknown> = { ...allVars() };
    for (const g of groups) Object.assign(inventoryGroups, inventory.groups.get(g)?.vars);
    // A host in no group but `all` is in 2.14's implicit `ungrouped`, whose group_vars apply.
    if (groups.length === 0) groups.push('ungrouped');
    h.vars = {
      ...inventoryGroups,
      ...allFiles,
      ...vd.layer('group_vars', sortGroups(inventory, groups, depth)),
      ...(ownHostVars.get(h) ?? {}),
      ...vd.layer('host_vars', [h.name]),
    };
  };
  remergeHostVars.set(inventory, (h) => {
    // At run time a file read for the first time (a group the run made) that is broken fails the task that made the group.
    const before = diag.errors.length;
    merge(h, groupDepths(inventory));
    if (diag.errors.length > before) throw diag.errors.splice(before)[0];
  });
  if (dirs.length === 0) return;
  const depth = groupDepths(inventory);
  for (const h of inventory.hosts.values()) merge(h, depth);
  const local = new Map<string, Record<string, unknown>>();
  for (const name of localhostNames) if (!inventory.hosts.has(name)) local.set(name, { ...allVars(), ...allFiles, ...vd.layer('host_vars', [name]) });
  implicitLocalhostVars.set(inventory, local);
}
