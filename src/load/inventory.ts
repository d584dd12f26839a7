/**
 * Inventory YAML → `Inventory` (format documented in inventory.example.yaml).
 *
 * Merge rule for vars and connection settings, lowest first: groups by depth
 * (`all`, then its children, then theirs; a group's depth is its longest path
 * from `all`), groups of equal depth in the order they first appear in the file
 * (later wins), then the host's own keys. A group or host defined in several
 * places is one group / host; its definitions merge, later wins.
 */
import { homedir, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isMap, type Node } from 'yaml';
import { NodemendError } from './errors.js';
import type { ConnectionSettings, Inventory, InventoryGroup, InventoryHost, Loc } from './model.js';
import type { Diag } from './diag.js';
import { inventorySchema } from './schema.js';
import { check } from './zod-errors.js';
import { checkTemplatesDeep } from './expr-check.js';
import { entries, kindOf, plain, posOf, readYaml, type YamlFile } from './yaml-source.js';
import { ownHostVars } from './vars-dirs.js';
import { expandHostRange, HostRangeError } from './host-range.js';

/** Where each host's `identity_file` is written (its own, or the group's it inherits), for load/static-checks.ts. */
export const identityLocs = new WeakMap<InventoryHost, Loc>();

interface GroupDef {
  name: string;
  order: number;
  vars: Record<string, unknown>;
  connection: ConnectionSettings;
  hosts: string[]; // direct
  children: { name: string; keyNode: Node }[];
  /** Where `identity_file` is written, if here. */
  identityAt?: Loc;
}

interface HostDef {
  name: string;
  order: number;
  settings: ConnectionSettings;
  identityAt?: Loc;
  vars: Record<string, unknown>;
  loc: Loc;
}

const CONNECTION_PATHS = ['identity_file', 'known_hosts'] as const;

export function expandPath(p: string, baseDir: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return resolve(baseDir, p);
}

export function loadInventory(absFile: string, diag: Diag): Inventory | undefined {
  const y = readYaml(absFile, diag.errors, undefined, 'inventory');
  if (!y) return undefined;
  if (y.doc.errors.length) return undefined;
  if (!isMap(y.root)) {
    diag.errors.push(new NodemendError('inventory', `inventory must be a mapping of groups (usually starting with "all:"), got ${kindOf(y.root)}`, posOf(y, y.root)));
    return undefined;
  }
  const before = diag.errors.length;
  if (!check(y, y.root, plain(y, y.root), inventorySchema, diag.errors, { what: 'inventory' }).ok) return undefined;
  const b = new Builder(y, diag);
  b.group('all', null);
  for (const e of entries(y, y.root)) {
    if (e.key !== 'all') b.child('all', e.key, e.keyNode);
    b.group(e.key, e.value);
  }
  b.findCycles();
  if (diag.errors.length > before) return undefined;
  return b.build(absFile);
}

class Builder {
  groups = new Map<string, GroupDef>();
  hosts = new Map<string, HostDef>();
  /** The groups listed under `all:`'s `children:`, in order. */
  allChildren: string[] = [];
  constructor(
    private y: YamlFile,
    private diag: Diag,
  ) {}

  private def(name: string): GroupDef {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { name, order: this.groups.size, vars: {}, connection: {}, hosts: [], children: [] }));
    return g;
  }

  child(parent: string, child: string, keyNode: Node): void {
    const g = this.def(parent);
    if (!g.children.some((c) => c.name === child)) g.children.push({ name: child, keyNode });
  }

  group(name: string, node: Node | null): void {
    const g = this.def(name);
    const y = this.y;
    for (const e of entries(y, node)) {
      if (e.key === 'vars') {
        checkTemplatesDeep(y, e.value, this.diag.errors);
        Object.assign(g.vars, plain(y, e.value) ?? {});
      } else if (e.key === 'connection') {
        Object.assign(g.connection, plain(y, e.value) ?? {});
        const id = entries(y, e.value).find((c) => c.key === 'identity_file')?.value;
        if (id) g.identityAt = posOf(y, id);
      } else if (e.key === 'hosts') {
        for (const h of entries(y, e.value)) {
          let names: string[];
          try {
            names = expandHostRange(h.key);
          } catch (err) {
            if (!(err instanceof HostRangeError)) throw err;
            this.diag.errors.push(new NodemendError('inventory', err.message, posOf(y, h.keyNode)));
            continue;
          }
          for (const name of names) {
            this.host(name, h.value, h.keyNode);
            if (!g.hosts.includes(name)) g.hosts.push(name);
          }
        }
      } else if (e.key === 'children') {
        for (const c of entries(y, e.value)) {
          this.child(name, c.key, c.keyNode);
          if (name === 'all' && !this.allChildren.includes(c.key)) this.allChildren.push(c.key);
          this.group(c.key, c.value);
        }
      }
    }
  }

  private host(name: string, node: Node | null, keyNode: Node): void {
    let h = this.hosts.get(name);
    if (!h) this.hosts.set(name, (h = { name, order: this.hosts.size, settings: {}, vars: {}, loc: posOf(this.y, keyNode) }));
    for (const e of entries(this.y, node)) {
      if (e.key === 'vars') {
        checkTemplatesDeep(this.y, e.value, this.diag.errors);
        Object.assign(h.vars, plain(this.y, e.value) ?? {});
      } else (h.settings as Record<string, unknown>)[e.key] = plain(this.y, e.value);
      if (e.key === 'identity_file' && e.value) h.identityAt = posOf(this.y, e.value);
    }
  }

  /** children must form a tree-like DAG under `all`; a cycle would make depth (and merge order) meaningless. */
  findCycles(): void {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (name: string, trail: string[]): void => {
      state.set(name, 'open');
      for (const c of this.groups.get(name)?.children ?? []) {
        if (state.get(c.name) === 'open') {
          const cycle = [...trail.slice(trail.indexOf(c.name)), name, c.name].join(' → ');
          this.diag.errors.push(new NodemendError('inventory', `group cycle: ${cycle}; a group cannot be its own descendant`, posOf(this.y, c.keyNode)));
        } else if (!state.has(c.name)) visit(c.name, [...trail, name]);
      }
      state.set(name, 'done');
    };
    visit('all', []);
  }

  build(absFile: string): Inventory {
    const depth = new Map<string, number>();
    const deepen = (name: string, d: number): void => {
      if ((depth.get(name) ?? -1) >= d) return;
      depth.set(name, d);
      for (const c of this.groups.get(name)!.children) deepen(c.name, d + 1);
    };
    deepen('all', 0);

    // A group's hosts in Ansible 2.14's order (inventory/group.py _get_hosts): the group's own hosts as
    // listed, then its children's in their listed order, then theirs, level by level (2.14 walks the
    // levels below the children in set order, which is arbitrary; nodemend takes them in listed order).
    // `all`'s children are the groups listed under it, then every other top-level group in the order it
    // first appears (2.14's reconcile_inventory), `ungrouped` first when the inventory names it.
    const explicitTop = new Set(this.allChildren);
    const hasParent = new Set([...this.groups.values()].filter((g) => g.name !== 'all').flatMap((g) => g.children.map((c) => c.name)));
    const topLevel = [
      ...(this.groups.has('ungrouped') ? ['ungrouped'] : []),
      ...this.allChildren,
      ...[...this.groups.values()].filter((g) => g.name !== 'all' && !explicitTop.has(g.name) && !hasParent.has(g.name)).map((g) => g.name),
    ].filter((n, i, a) => a.indexOf(n) === i);
    const childrenOf = (name: string): string[] => (name === 'all' ? topLevel : this.groups.get(name)!.children.map((c) => c.name));
    const members = new Map<string, string[]>();
    const membersOf = (name: string): string[] => {
      const cached = members.get(name);
      if (cached) return cached;
      const walk = [name, ...childrenOf(name)];
      const seen = new Set(walk);
      for (let level = childrenOf(name); level.length;) {
        const next: string[] = [];
        for (const c of level.flatMap(childrenOf).filter((x) => !seen.has(x))) {
          if (seen.has(c)) continue;
          seen.add(c);
          walk.push(c);
          next.push(c);
        }
        level = next;
      }
      const list = [...new Set(walk.flatMap((g) => this.groups.get(g)!.hosts))];
      // `all` holds every host, even one listed only under a group outside the walk.
      if (name === 'all') list.push(...[...this.hosts.keys()].filter((h) => !list.includes(h)));
      members.set(name, list);
      return list;
    };

    const groupOrder = [...this.groups.values()].sort((a, b) => depth.get(a.name)! - depth.get(b.name)! || a.order - b.order);
    const groups = new Map<string, InventoryGroup>();
    const dir = dirname(absFile);
    for (const g of groupOrder) {
      const connection = { ...g.connection };
      for (const k of CONNECTION_PATHS) if (connection[k]) connection[k] = expandPath(connection[k]!, dir);
      groups.set(g.name, { name: g.name, hosts: membersOf(g.name), own: [...g.hosts], children: g.children.map((c) => c.name), vars: g.vars, connection });
    }

    const localUser = userInfo().username;
    const hosts = new Map<string, InventoryHost>();
    for (const h of this.hosts.values()) {
      if (this.groups.has(h.name)) this.diag.warnings.push(`${h.loc.file}:${h.loc.line}:${h.loc.col}: "${h.name}" is both a host and a group; patterns match the group`);
      const mine = groupOrder.filter((g) => membersOf(g.name).includes(h.name));
      const vars: Record<string, unknown> = {};
      const conn: ConnectionSettings = {};
      let identityAt = h.identityAt;
      for (const g of mine) {
        Object.assign(vars, g.vars);
        Object.assign(conn, g.connection);
        if (!h.identityAt && g.identityAt) identityAt = g.identityAt;
      }
      Object.assign(vars, h.vars);
      Object.assign(conn, h.settings);
      for (const k of CONNECTION_PATHS) if (conn[k]) conn[k] = expandPath(conn[k]!, dir);
      const host: InventoryHost = {
        name: h.name,
        connection: { ...conn, host: conn.host ?? h.name, port: conn.port ?? 22, user: conn.user ?? localUser },
        ...(conn.user === undefined ? { defaultUser: true as const } : {}),
        vars,
        groups: mine.map((g) => g.name),
        loc: h.loc,
      };
      if (identityAt) identityLocs.set(host, identityAt);
      ownHostVars.set(host, h.vars);
      hosts.set(h.name, host);
    }

    // Ansible's implicit `ungrouped`: hosts that belong to no group but `all`.
    if (!groups.has('ungrouped')) {
      const lone = [...hosts.values()].filter((h) => h.groups.length === 1).map((h) => h.name);
      groups.set('ungrouped', { name: 'ungrouped', hosts: lone, children: [], vars: {} });
    }
    const groupsCreated = ['all', 'ungrouped', ...[...this.groups.keys()].filter((n) => n !== 'all' && n !== 'ungrouped')];
    return { file: this.y.file, hosts, groups, groupsCreated };
  }
}
