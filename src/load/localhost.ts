/**
 * Ansible's implicit localhost: `localhost`, `127.0.0.1` or `::1` named in `hosts:`,
 * `delegate_to:` or `local_action` without an inventory entry of that name mean the
 * control machine, reached without SSH as the invoking user. Like Ansible's, it is in no
 * group (`all` does not match it, group_names is empty) but sees the `all` group's vars;
 * it takes none of `all`'s connection settings, which describe how to reach the nodes.
 * An inventory host of the same name is used as written instead.
 */
import { userInfo } from 'node:os';
import type { Inventory, InventoryHost } from './model.js';

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
    vars: { ...(inv.groups.get('all')?.vars ?? {}) },
    groups: [],
    loc: { file: inv.file },
  };
}
