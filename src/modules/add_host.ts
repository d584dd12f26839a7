/**
 * add_host: add a host (or update one) in the run's inventory, as 2.14's action plugin
 * (plugins/action/add_host.py) and InventoryManager.add_dynamic_host do. The name is `name`, else
 * `hostname`, else `host` (`NAME:PORT` sets ansible_ssh_port); the groups `groupname`, else `groups`,
 * else `group` (a list, or names separated by commas); every other argument is a host variable (so
 * `host` and `group` are too, as in 2.14). Runs once per task, for the batch's first host (2.14's
 * BYPASS_HOST_LOOP; a loop adds one host per item), connecting to none; `changed` says whether the
 * inventory changed, in a check run too. The new host is reached through its variables mapped to
 * nodemend's connection settings (ansible_host, ansible_port, ansible_user,
 * ansible_ssh_private_key_file, ansible_password, ansible_connection local or ssh) over its groups'
 * `connection:` settings: host-key checking and every other rule are an inventory host's. A
 * connection variable nodemend does not honour (ansible_ssh_common_args...) is refused at validate.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { CONNECTION_VARS } from './lib/dynamic-inventory-args.js';
import { hasTemplate } from '../load/expr/index.js';
import { unwrapUnsafe } from '../load/expr/unsafe.js';

/** Ansible variables an added host may carry: the connection ones mapped, become (run/privilege.ts reads them), the interpreter (no Python runs on hosts). */
const KNOWN = new Set([
  ...Object.keys(CONNECTION_VARS),
  'ansible_become',
  'ansible_become_user',
  'ansible_become_password',
  'ansible_become_pass',
  'ansible_become_method',
  'ansible_become_exe',
  'ansible_become_flags',
  'ansible_sudo_user',
  'ansible_sudo_pass',
  'ansible_python_interpreter',
]);

const schema = z.record(z.string(), z.unknown()).superRefine((args, zctx) => {
  if (!['name', 'hostname', 'host'].some((k) => k in args)) zctx.addIssue({ code: 'custom', message: 'name, host or hostname needs to be provided' });
  for (const k of Object.keys(args)) {
    if (k.startsWith('ansible_') && !KNOWN.has(k) && !hasTemplate(k))
      zctx.addIssue({
        code: 'custom',
        path: [k],
        message: `nodemend does not honour ${k} for a host add_host makes; it reaches it through ${[...Object.keys(CONNECTION_VARS)].join(', ')} (local or ssh)`,
      });
  }
});

/** 2.14's parse_address(allow_ranges=False): `host:port`, `[v6]:port`; anything else is a name as given. */
function splitPort(name: string): [string, number | undefined] {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(name) ?? /^([^:[\]]+):(\d+)$/.exec(name);
  return m ? [m[1], Number(m[2])] : [name, undefined];
}

export default defineModule({
  name: 'add_host',
  description: "Add a host (and its groups and variables) to the run's inventory, for later plays (no connection)",
  schema,
  local: true,
  bypassHostLoop: true,
  async plan(raw, ctx) {
    const args: Record<string, unknown> = { ...raw };
    const given = args.name ?? args.hostname ?? args.host;
    if (given === undefined || given === null) throw new ModuleFailure('name, host or hostname needs to be provided');
    const [name, port] = splitPort(String(unwrapUnsafe(given)));
    if (port !== undefined) args.ansible_ssh_port = port;
    const groupsArg = unwrapUnsafe(args.groupname ?? args.groups ?? args.group ?? '');
    let list: unknown[];
    if (Array.isArray(groupsArg)) list = groupsArg;
    else if (typeof groupsArg === 'string') list = groupsArg ? groupsArg.split(',') : [];
    else throw new ModuleFailure('Groups must be specified as a list.');
    const groups: string[] = [];
    for (const g of list) if (!groups.includes(String(g))) groups.push(String(g).trim());
    const hostVars = Object.fromEntries(Object.entries(args).filter(([k]) => !['name', 'hostname', 'groupname', 'groups'].includes(k)));
    for (const k of Object.keys(hostVars)) if (k.startsWith('ansible_') && !KNOWN.has(k)) throw new ModuleFailure(`nodemend does not honour ${k} for a host add_host makes`);
    const conn = unwrapUnsafe(hostVars.ansible_connection);
    if (conn !== undefined && conn !== null && !['ssh', 'smart', 'local'].includes(String(conn)))
      throw new ModuleFailure(`ansible_connection: nodemend connects through ssh or local only, got ${JSON.stringify(conn)}`);
    const { changed, warning } = ctx.inventory!.addHost(name, groups, hostVars);
    if (warning) ctx.warn?.(warning);
    return { changed, shown: `host ${name}`, result: { add_host: { host_name: name, groups, host_vars: hostVars } } };
  },
});
