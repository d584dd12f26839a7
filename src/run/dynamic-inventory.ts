/**
 * The run's inventory as group_by and add_host change it, as 2.14's InventoryManager
 * add_dynamic_group / add_dynamic_host and InventoryData.reconcile_inventory do: a new group is a
 * child of `all` unless given parents; a host with a group besides `all` leaves `ungrouped`, one
 * with none joins it. Each returns whether the inventory changed (the task's `changed`). Later
 * plays resolve their `hosts:` against it (run/executor.ts); `groups`, `group_names` and
 * `hostvars` read it (run/scope.ts), and a host's variables are merged again with its new groups'
 * group_vars/ files (load/vars-dirs.ts).
 */
import type { InventoryChange } from '../modules/types.js';
import type { ConnectionSettings, Inventory, InventoryGroup, InventoryHost } from '../load/model.js';
import { groupDepths, ownHostVars, remergeHostVars } from '../load/vars-dirs.js';
import { forgetInventoryViews } from './scope.js';
import { addedHosts } from './magic-vars.js';
import { CONNECTION_VARS } from '../modules/lib/dynamic-inventory-args.js';
import { homedir, userInfo } from 'node:os';

/** How many changes the run made to each inventory: 0 keeps every play's hosts as load resolved them. */
const changes = new WeakMap<Inventory, number>();
export const inventoryChanges = (inv: Inventory): number => changes.get(inv) ?? 0;

function group(inv: Inventory, name: string, made: string[] = []): InventoryGroup {
  let g = inv.groups.get(name);
  if (!g) {
    g = { name, hosts: [], own: [], children: [], vars: {} };
    inv.groups.set(name, g);
    inv.groupsCreated?.push(name);
    made.push(name);
  }
  return g;
}

/** ansible.constants INVALID_VARIABLE_NAMES (`^[\d\W]|[^\w]`, Python's Unicode \w). */
const INVALID = /^[^\p{L}\p{N}_]|^\p{N}|[^\p{L}\p{N}_]/u;
const warned = new WeakSet<Inventory>();

/** 2.14's to_safe_group_name (TRANSFORM_INVALID_GROUP_CHARS=never) keeps a new group's name and warns; its display says it once. */
function nameWarning(inv: Inventory, made: string[]): { warning?: string } {
  if (warned.has(inv) || !made.some((g) => INVALID.test(g))) return {};
  warned.add(inv);
  return { warning: 'Invalid characters were found in group names but not replaced, use -vvvv to see details' };
}

const parentsOf = (inv: Inventory, name: string): string[] => [...inv.groups.values()].filter((g) => g.children.includes(name)).map((g) => g.name);

/** `name` and every group above it. */
function ancestry(inv: Inventory, name: string): string[] {
  const out = [name];
  for (let i = 0; i < out.length; i++) for (const p of parentsOf(inv, out[i])) if (!out.includes(p)) out.push(p);
  return out;
}

/** 2.14's Group.get_hosts lists a group's own hosts before its children's: a host it gets goes after its own. */
function addOwn(g: InventoryGroup, host: string): void {
  const own = (g.own ??= []);
  const at = own.length ? g.hosts.indexOf(own[own.length - 1]) + 1 : 0;
  own.push(host);
  g.hosts = g.hosts.filter((h) => h !== host);
  g.hosts.splice(at, 0, host);
}

/** A host joins a group: the group and every group above it list it, and the host names them all (`all` first). */
function join(inv: Inventory, host: InventoryHost, name: string): boolean {
  const g = group(inv, name);
  if (g.hosts.includes(host.name) && host.groups.includes(name)) return false;
  if (!g.own?.includes(host.name)) addOwn(g, host.name);
  for (const a of ancestry(inv, name)) {
    const ag = inv.groups.get(a)!;
    if (!ag.hosts.includes(host.name)) ag.hosts.push(host.name);
    if (!host.groups.includes(a)) host.groups.push(a);
  }
  return true;
}

/** reconcile_inventory: parentless groups under `all`; `ungrouped` holds exactly the hosts in no other group. */
function reconcile(inv: Inventory, touched: InventoryHost): void {
  const all = group(inv, 'all');
  for (const g of inv.groups.values()) if (g.name !== 'all' && !parentsOf(inv, g.name).length) all.children.push(g.name);
  const ungrouped = group(inv, 'ungrouped');
  const others = touched.groups.filter((g) => g !== 'all' && g !== 'ungrouped');
  if (others.length) {
    ungrouped.hosts = ungrouped.hosts.filter((h) => h !== touched.name);
    touched.groups = touched.groups.filter((g) => g !== 'ungrouped');
  } else if (!touched.groups.includes('ungrouped')) {
    ungrouped.hosts.push(touched.name);
    touched.groups.push('ungrouped');
  }
  // Ordered as inventory.ts orders a host's groups (by depth): the order its group vars merge in.
  const depth = groupDepths(inv);
  touched.groups = [...touched.groups].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0));
  remergeHostVars.get(inv)?.(touched);
  forgetInventoryViews(inv, touched);
  changes.set(inv, inventoryChanges(inv) + 1);
}

/** group_by on `hostName`: the group `key` (under `parents`, made as needed) gets the host. */
export function addDynamicGroup(inv: Inventory, hostName: string, key: string, parents: string[]): InventoryChange {
  const host = inv.hosts.get(hostName);
  if (!host) throw new Error(`${hostName} cannot be matched in inventory`);
  let changed = false;
  const touched = new Set([host]);
  const made: string[] = [];
  group(inv, key, made);
  for (const p of parents) {
    if (!inv.groups.has(p)) changed = true;
    const pg = group(inv, p, made);
    if (p !== key && !pg.children.includes(key)) {
      pg.children.push(key);
      changed = true;
      // The group's hosts now belong to the parent (and above) too.
      for (const h of inv.groups.get(key)!.hosts) if (join(inv, inv.hosts.get(h)!, p)) touched.add(inv.hosts.get(h)!);
    }
  }
  if (join(inv, host, key)) changed = true;
  if (changed) touched.forEach((h) => reconcile(inv, h));
  return { changed, ...nameWarning(inv, made) };
}

function connectionOf(inv: Inventory, groups: string[], vars: Record<string, unknown>): InventoryHost['connection'] & { defaultUser?: true } {
  const conn: ConnectionSettings = {};
  const depth = groupDepths(inv);
  const mine = [...new Set(groups.flatMap((g) => ancestry(inv, g)))].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0));
  for (const g of mine) Object.assign(conn, inv.groups.get(g)?.connection);
  for (const [k, v] of Object.entries(vars)) {
    const key = CONNECTION_VARS[k];
    if (!key || v === undefined || v === null) continue;
    if (key === 'local') conn.local = v === 'local';
    else if (key === 'port') conn.port = Number(v);
    else if (key === 'identity_file') conn.identity_file = String(v).replace(/^~(?=\/|$)/, homedir());
    else (conn as Record<string, unknown>)[key] = String(v);
  }
  return { ...conn, host: conn.host ?? '', port: conn.port ?? 22, user: conn.user ?? userInfo().username, ...(conn.user === undefined ? { defaultUser: true as const } : {}) };
}

/** add_host: the host (made if new, added to `all`), its variables merged over its old ones, and its groups. */
export function addDynamicHost(inv: Inventory, name: string, groups: string[], hostVars: Record<string, unknown>): InventoryChange {
  let changed = false;
  const made: string[] = [];
  let host = inv.hosts.get(name);
  if (!host) {
    host = { name, connection: { host: name, port: 22, user: '' }, vars: {}, groups: ['all'], loc: { file: inv.file } };
    inv.hosts.set(name, host);
    addedHosts.add(host);
    addOwn(group(inv, 'all'), name);
    ownHostVars.set(host, {});
    changed = true;
  }
  const own = ownHostVars.get(host) ?? {};
  const merged = { ...own, ...hostVars };
  if (JSON.stringify(merged) !== JSON.stringify(own)) {
    ownHostVars.set(host, merged);
    changed = true;
  }
  for (const g of groups) {
    if (!inv.groups.has(g)) changed = true;
    group(inv, g, made);
    if (join(inv, host, g)) changed = true;
  }
  if (!changed) return { changed, ...nameWarning(inv, made) };
  if (addedHosts.has(host)) {
    const { defaultUser, ...connection } = connectionOf(inv, host.groups, ownHostVars.get(host)!);
    host.connection = { ...connection, host: connection.host || name };
    if (defaultUser) host.defaultUser = true;
    else delete host.defaultUser;
  }
  // Without group_vars/ files the host's variables are its groups' and its own (remergeHostVars does both when set).
  if (!remergeHostVars.has(inv)) host.vars = { ...host.vars, ...ownHostVars.get(host) };
  reconcile(inv, host);
  return { changed, ...nameWarning(inv, made) };
}
