/**
 * Ansible's magic and connection variables (ansible-core 2.14.18: vars/manager.py
 * _get_magic_variables and utils/vars.py load_options_vars; playbook/play_context.py update_vars;
 * inventory/data.py for inventory_file / inventory_dir). Built once per play and per batch; only
 * the host lists that drop failed hosts are recomputed, and only after a host's state changed.
 * run/scope.ts puts them in each task's scope.
 */
import { dirname, resolve } from 'node:path';
import type { Inventory, InventoryHost, Play, RoleCall, TaskNode } from '../load/model.js';
import type { RunOptions } from './options.js';
import { hostStateGeneration, type HostRun } from './host-run.js';

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** The run's options as load_options_vars names them (a magic variable: nothing overrides it). */
export function optionsVars(options: Pick<RunOptions, 'diff' | 'forks' | 'tags' | 'skipTags' | 'verbose'>, inventory: Inventory): Record<string, unknown> {
  return {
    ansible_diff_mode: options.diff,
    ansible_forks: options.forks,
    // ansible-playbook's --tags default is ['all'] (cli/arguments/option_helpers.py), --skip-tags' [];
    // cli/playbook.py keeps each tag once.
    ansible_run_tags: options.tags.length ? unique(options.tags) : ['all'],
    ansible_skip_tags: unique(options.skipTags),
    ansible_verbosity: options.verbose,
    ansible_inventory_sources: [resolve(inventory.file)],
    // C.CONFIG_FILE: None when no ansible.cfg was found. nodemend reads none (README "Choices").
    ansible_config_file: null,
  };
}

/** The role names a play knows: Play.roles is its `roles:` entries, then each import_role as it was loaded. */
function playRoles(play: Play): RoleCall[] {
  const out: RoleCall[] = [];
  const walk = (nodes: TaskNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'block') [n.block, n.rescue, n.always].forEach(walk);
      else if (n.kind === 'include' && !n.dynamic) walk(n.tasks);
      else if (n.kind === 'role' && (n.how === 'play' || n.how === 'import')) {
        out.push(n);
        walk(n.role.tasks);
      }
    }
  };
  walk(play.tasks);
  return out;
}

/** Role.get_all_dependencies: each dependency's own dependencies first, then it. */
function allDependencies(call: RoleCall): string[] {
  return call.role.dependencies.flatMap((d) => [...allDependencies(d), d.role.name]);
}

/** The play's own magic variables: its name and the role names (Ansible's are sets: order is not kept there, here it is play order). */
export function playVars(play: Play): Record<string, unknown> {
  const roles = playRoles(play);
  const played = roles.map((r) => r.role.name);
  const dependent = unique(roles.flatMap(allDependencies));
  return {
    ansible_play_name: play.name,
    ansible_play_role_names: played,
    role_names: played,
    ansible_dependent_role_names: dependent,
    ansible_role_names: unique([...played, ...dependent]),
  };
}

/**
 * A public include_role adds its role to the play's roles when it is loaded (2.14's
 * IncludeRole.get_block_list: `if self.statically_loaded or self.public: myplay.roles.append(...)`),
 * so the role names of every later task of the play name it too; a private one adds nothing.
 * New lists each time: a value that captured the old one keeps it.
 */
export function addIncludedRole(magic: Record<string, unknown>, call: RoleCall): void {
  const played = [...(magic.ansible_play_role_names as string[]), call.role.name];
  const dependent = unique([...(magic.ansible_dependent_role_names as string[]), ...allDependencies(call)]);
  Object.assign(magic, { ansible_play_role_names: played, role_names: played, ansible_dependent_role_names: dependent, ansible_role_names: unique([...played, ...dependent]) });
}

/**
 * The hosts of the play and of the current batch, without the hosts removed from the play
 * (Play._removed_hosts: failed and not rescued, unreachable, meta end_host): ansible_play_hosts,
 * ansible_play_batch and play_hosts (which 2.14 sets to the batch, not the play's hosts).
 */
export class PlayHosts {
  private seen = -1;
  private lists?: { hosts: string[]; batch: string[] };
  batch: string[] = [];

  constructor(
    readonly all: string[],
    private hostRuns: ReadonlyMap<string, HostRun>,
  ) {}

  /** A new batch starts (serial): its hosts. */
  startBatch(hosts: string[]): void {
    this.batch = hosts;
    this.seen = -1;
  }

  current(): { hosts: string[]; batch: string[] } {
    if (!this.lists || this.seen !== hostStateGeneration()) {
      const kept = (n: string): boolean => this.hostRuns.get(n)?.alive ?? true;
      this.lists = { hosts: this.all.filter(kept), batch: this.batch.filter(kept) };
      this.seen = hostStateGeneration();
    }
    return this.lists;
  }
}

/** What Ansible's inventory and PlayContext give a host: nodemend's `connection:` keys under Ansible's names. */
export function connectionVars(h: InventoryHost, inventoryFile: string): Record<string, unknown> {
  let vars = connectionCache.get(h);
  if (!vars) connectionCache.set(h, (vars = makeConnectionVars(h, inventoryFile)));
  return vars;
}
const connectionCache = new WeakMap<InventoryHost, Record<string, unknown>>();
export const forgetConnectionVars = (h: InventoryHost): boolean => connectionCache.delete(h);

/** Hosts add_host made (run/dynamic-inventory.ts): their inventory_file and inventory_dir are None, as 2.14's (no source). */
export const addedHosts = new WeakSet<InventoryHost>();

function makeConnectionVars(h: InventoryHost, inventoryFile: string): Record<string, unknown> {
  const c = h.connection;
  const file = resolve(inventoryFile);
  // A host add_host made has no inventory source (2.14 sets both to None); its connection variables are the ones add_host gave (its vars).
  if (addedHosts.has(h)) return { inventory_file: null, inventory_dir: null };
  return {
    inventory_file: file,
    inventory_dir: dirname(file),
    ansible_host: c.host,
    ansible_port: c.port,
    // Only where the inventory names the user: unset, Ansible's ansible_user is undefined (a task's
    // remote_user keyword defines it, run/task-runner.ts).
    ...(h.defaultUser ? {} : { ansible_user: c.user }),
    ...(c.become !== undefined ? { ansible_become: c.become } : {}),
    ...(c.become_user !== undefined ? { ansible_become_user: c.become_user } : {}),
  };
}

/**
 * What PlayContext.update_vars adds to a task's variables (not to hostvars) beside ansible_connection:
 * ansible_ssh_user, the login user's other name, where the inventory names the user.
 */
export const taskConnectionVars = (h: InventoryHost): Record<string, unknown> => (h.defaultUser ? {} : { ansible_ssh_user: h.connection.user });

/** PlayContext.connection as update_vars adds it to a task's variables (not to hostvars). */
export const connectionName = (h: InventoryHost): string => (h.connection.local ? 'local' : 'ssh');
