/**
 * Ansible's implicit localhost: `localhost`, `127.0.0.1` or `::1` named in `hosts:`,
 * `delegate_to:` or `local_action` without an inventory entry of that name mean the
 * control machine, reached without SSH as the invoking user. Like Ansible's, it is in no
 * group (`all` does not match it, group_names is empty) but sees the `all` group's vars
 * (group_vars/all and host_vars/NAME too);
 * it takes none of `all`'s connection settings, which describe how to reach the nodes.
 * An inventory host of the same name is used as written instead.
 */
import { userInfo } from 'node:os';
import type { Inventory, InventoryHost } from './model.js';
import { implicitLocalhostVars } from './vars-dirs.js';

/** ansible.constants.LOCALHOST */
export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

export function isImplicitLocalhost(inv: Inventory, name: string): boolean {
  return LOCALHOST_NAMES.includes(name) && !inv.hosts.has(name);
}

export function implicitLocalhost(inv: Inventory, name: string): InventoryHost {
  return {
    name,
    connection: { host: name, port: 0, user: userInfo().username, local: true },
    // No ansible_user: Ansible's implicit localhost sets only its connection and interpreter.
    defaultUser: true,
    // all's vars, and group_vars/all and host_vars/NAME when those directories exist (load/vars-dirs.ts).
    vars: { ...(implicitLocalhostVars.get(inv)?.get(name) ?? inv.groups.get('all')?.vars ?? {}) },
    groups: [],
    loc: { file: inv.file },
  };
}
