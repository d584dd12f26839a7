/**
 * The variables a task sees, and expression evaluation that fetches facts on demand.
 *
 * Precedence, lowest first (Ansible 2.14's VariableManager.get_vars, the parts nodemend
 * has): role defaults (the play's static roles', then the task's own role chain) <
 * inventory vars (all < groups < host) < play vars (vars < vars_files) < role vars (the
 * play's static roles', then the task's role chain and its entry's `vars:`) < block/import
 * vars < task vars < include_vars < set_fact/registered < role params < include params
 * (include_role's and include_tasks' `vars:`) < loop item < extra vars. Facts live under `facts` (nodemend's names)
 * and `ansible_facts` / `ansible_*` (Ansible's) and are fetched only when an expression reads them.
 */
import { randomBytes } from 'node:crypto';
import type { Facts } from '../facts/types.js';
import { FACTS } from '../facts/index.js';
import { ANSIBLE_FACTS, interfaceFact, NOT_AN_INTERFACE } from '../facts/ansible.js';
import { factKeyOf, factVarOf, INJECTS_AS_VARS, markOpaque } from '../load/expr/values.js';
import { FactNeeded } from '../load/expr/index.js';
import { CommandNeeded, recordPipes, runPipeCommand, type PipesRan } from '../load/expr/lookups.js';
import { isUnsafe, markUnsafe } from '../load/expr/unsafe.js';
import { PLAIN_STR, plainStrKeys } from '../load/expr/str-class.js';
import type { HostRun } from './host-run.js';
import type { NetworkFacts } from '../facts/network.js';
import type { Inventory, InventoryHost, Play } from '../load/model.js';
import { implicitLocalhost, isImplicitLocalhost } from '../load/localhost.js';
import type { RoleScope } from './inherited.js';
import { connectionName, connectionVars, forgetConnectionVars, taskConnectionVars, type PlayHosts } from './magic-vars.js';

/** `facts.x` reads a cached fact, or throws FactNeeded so the caller fetches it and evaluates again. */
export function factsProxy(facts: Facts): Record<string, unknown> {
  const known = (p: string | symbol): p is string => typeof p === 'string' && FACTS.has(p);
  // Facts are what a host says: data, never rendered as a template.
  return markUnsafe(
    new Proxy({} as Record<string, unknown>, {
      get(_t, prop) {
        if (!known(prop)) return undefined;
        const v = facts.peek(prop);
        if (v === undefined) throw new FactNeeded(prop);
        return v;
      },
      has: (_t, prop) => known(prop),
      ownKeys: () => [...FACTS.keys()],
      getOwnPropertyDescriptor: (_t, prop) => (known(prop) ? { enumerable: true, configurable: true, writable: false, value: facts.peek(prop) } : undefined),
    }),
  ) as Record<string, unknown>;
}

/**
 * `ansible_facts.x` (and `ansible_x`): facts under Ansible's names (facts/ansible.ts), each made
 * from nodemend's lazy facts when read, FactNeeded until those are fetched; then the facts modules
 * returned on this host (getent's getent_group), by their names among the host's variables.
 */
export function ansibleFactsProxy(facts: Facts, returned: { names: ReadonlySet<string>; vars: Record<string, unknown> } = { names: new Set(), vars: {} }, otherHost?: string): Record<string, unknown> {
  // A fact a play that gathers nothing has not read (ansible_env there) is undefined, as in Ansible.
  const withheld = (p: string): boolean => ANSIBLE_FACTS.get(p)!.needs.some((n) => !facts.gathered(n));
  // A fact whose sources were read and that has no value there (no DSA host key, no /etc/machine-id)
  // is absent, as Ansible's collectors leave such keys out; one not read yet may still be there.
  const absent = (p: string): boolean => {
    const def = ANSIBLE_FACTS.get(p)!;
    return def.needs.every((n) => facts.fetched(n)) && def.value((n) => facts.peek(n)) === undefined;
  };
  const known = (p: string | symbol): p is string => typeof p === 'string' && ANSIBLE_FACTS.has(p) && !withheld(p) && !absent(p);
  const mine = (p: string | symbol): p is string => typeof p === 'string' && !ANSIBLE_FACTS.has(p) && returned.names.has(p);
  const from = otherHost === undefined ? undefined : { host: otherHost, get: (n: string) => facts.get(n) };
  const value = (name: string): unknown => {
    if (mine(name)) return returned.vars[name];
    const def = ANSIBLE_FACTS.get(name)!;
    for (const n of def.needs) if (facts.peek(n) === undefined) throw new FactNeeded(n, from);
    return def.value((n) => facts.peek(n));
  };
  // Any other name may be an interface (ansible_eth0): known once the network facts are fetched.
  const iface = (p: string | symbol): unknown => {
    if (typeof p !== 'string' || NOT_AN_INTERFACE.has(p) || ANSIBLE_FACTS.has(p)) return undefined;
    if (facts.peek('network') === undefined) throw new FactNeeded('network', from);
    return interfaceFact(p, (n) => facts.peek(n));
  };
  return markUnsafe(
    new Proxy({} as Record<string | symbol, unknown>, {
      get: (_t, prop) => (prop === INJECTS_AS_VARS ? true : known(prop) || mine(prop) ? value(prop) : iface(prop)),
      has: (_t, prop) => known(prop) || mine(prop) || iface(prop) !== undefined,
      // Interfaces only once the network facts are fetched (listing never fetches), not enumerable.
      ownKeys: () => [
        ...[...ANSIBLE_FACTS.keys()].filter(known),
        ...[...returned.names].filter(mine),
        ...Object.keys((facts.peek('network') as NetworkFacts | undefined)?.byName ?? {}).filter((n) => !ANSIBLE_FACTS.has(n) && !mine(n)),
      ],
      getOwnPropertyDescriptor: (_t, prop) =>
        known(prop) || mine(prop)
          ? { enumerable: true, configurable: true, writable: false, value: value(prop) }
          : iface(prop) !== undefined
            ? { enumerable: false, configurable: true, writable: false, value: iface(prop) }
            : undefined,
    }),
  ) as Record<string, unknown>;
}

/**
 * Run a pure evaluation, fetching each fact it asks for until it completes. Given the `scope` it renders, its
 * pipe lookups run the same way (CommandNeeded, then the render again): asynchronously, so a command on the
 * controller never stalls the other hosts' work, each call once and in order.
 */
export async function withFacts<T>(facts: Facts, fn: () => T | Promise<T>, scope?: Record<string, unknown>): Promise<T> {
  const pipes: PipesRan | undefined = scope && { ran: [], next: 0 };
  const outer = scope && recordPipes(scope, pipes);
  try {
    for (let factsFetched = 0; ;) {
      if (pipes) pipes.next = 0;
      try {
        return await fn();
      } catch (e) {
        if (e instanceof CommandNeeded && pipes) {
          pipes.ran.length = e.index;
          pipes.ran.push({ cmd: e.cmd, outcome: await runPipeCommand(e.cmd, e.cwd) });
          continue;
        }
        if (!(e instanceof FactNeeded) || factsFetched++ > FACTS.size) throw e;
        if (!e.from) await facts.get(e.fact);
        else
          await e.from.get(e.fact).catch((err: Error) => {
            // Another host's failure fails this task: it never makes this host unreachable.
            throw new Error(`hostvars['${e.from!.host}']: the facts of ${e.from!.host} could not be read: ${err.message}`);
          });
      }
    }
  } finally {
    if (scope) recordPipes(scope, outer);
  }
}

export interface ScopeParts {
  host: HostRun;
  play: Play;
  inventory: Inventory;
  /** The play's hosts, its current batch, and the hosts removed from it (run/magic-vars.ts). */
  playHosts: PlayHosts;
  /**
   * The magic variables fixed for the play (run/magic-vars.ts optionsVars, playVars): over every
   * other variable, as Ansible combines its magic variables last.
   */
  magic: Record<string, unknown>;
  /** The run's options as variables (optionsVars): hostvars[h] carries them too. */
  runVars: Record<string, unknown>;
  blockVars: Record<string, unknown>;
  taskVars: Record<string, unknown>;
  extraVars: Record<string, unknown>;
  /** The role the task runs in, and include_role's include params. */
  role?: RoleScope;
  includeParams?: Record<string, unknown>;
  /** Defaults and vars every task of the play sees: static roles', then public include_roles' once run. */
  roleExports?: { defaults: Record<string, unknown>; vars: Record<string, unknown> };
  check: boolean;
  /** Per host, the play's vars with its templated vars_files read (run/vars-files.ts); a host not there has `play.vars`. */
  hostPlayVars?: ReadonlyMap<string, Record<string, unknown>>;
  /** The play's vars as far as they are read (run/vars-files.ts, rendering a vars_files entry). */
  playVars?: Record<string, unknown>;
  /** Only what 2.14 renders a vars_files entry with: no role, block, task, include_vars or set_fact variables. */
  varsFilesOnly?: boolean;
  /** All hosts of the run, for `hostvars`. */
  hostRuns: ReadonlyMap<string, HostRun>;
}

export function hostVarsOf(h: HostRun): Record<string, unknown> {
  return { ...h.inv.vars, ...h.includedVars, ...h.runtimeVars, inventory_hostname: h.name };
}

/**
 * `hostvars[h]` as an expression reads it: h's variables, and h's facts as Ansible gives them
 * after gathering (`ansible_facts.x` and `ansible_x`), fetched lazily on h (FactNeeded names h).
 * An inventory host no play has reached yet (no HostRun) has its inventory's variables and no
 * facts, as 2.14's HostVars reads any inventory host (vars/hostvars.py) without connecting.
 */
function hostVarsEntry(inv: InventoryHost, h: HostRun | undefined, current: HostRun, p: ScopeParts): Record<string, unknown> {
  // What VariableManager.get_vars(host=h) holds with no play or task: inventory and connection
  // variables, the run's options and the host's own magic variables; not the play's, not ansible_connection.
  const vars: Record<string, unknown> = {
    ...connectionVars(inv, p.inventory.file),
    ...(h ? hostVarsOf(h) : { ...inv.vars, inventory_hostname: inv.name }),
    ...p.runVars,
    ...hostMagic(inv, p),
    playbook_dir: p.play.dir,
    ansible_version: ANSIBLE_VERSION,
    omit: OMIT,
  };
  const facts = h ? ansibleFactsProxy(h.facts, { names: h.moduleFacts, vars: h.runtimeVars }, h === current ? undefined : h.name) : (markUnsafe({}) as Record<string, unknown>);
  // Any other `ansible_` name is a gathered fact as the facts proxy knows it: a named one, or an interface (ansible_eth0).
  const fact = (p: string | symbol): string | undefined => (h && typeof p === 'string' && !(p in vars) && p.startsWith('ansible_') ? factKeyOf(p) : undefined);
  const get = (p: string | symbol): unknown => (p === 'ansible_facts' && !('ansible_facts' in vars) ? facts : fact(p) ? markUnsafe(facts[fact(p)!]) : typeof p === 'string' ? vars[p] : undefined);
  const has = (p: string | symbol): boolean => typeof p === 'string' && (p in vars || p === 'ansible_facts' || (fact(p) !== undefined && fact(p)! in facts));
  return markOpaque(
    new Proxy(vars, {
      get: (_t, p) => get(p),
      has: (_t, p) => has(p),
      ownKeys: () => [...new Set([...Object.keys(vars), 'ansible_facts', ...(h ? [...ANSIBLE_FACTS.keys()].map(factVarOf) : [])])],
      getOwnPropertyDescriptor: (_t, p) => (has(p) ? { enumerable: true, configurable: true, writable: false, value: get(p) } : undefined),
    }),
  );
}

/**
 * The hosts `hostvars` holds: every inventory host (a play's or not), the hosts of the run outside the
 * inventory (implicit localhost), and `localhost` itself, which 2.14's inventory makes on demand
 * (InventoryData.get_host) and then counts and lists. Its InventoryHost, or undefined.
 */
function hostvarsHost(name: string, p: ScopeParts): InventoryHost | undefined {
  return p.hostRuns.get(name)?.inv ?? p.inventory.hosts.get(name) ?? (isImplicitLocalhost(p.inventory, name) ? implicitLocalhostOf(p.inventory, name) : undefined);
}
function hostvarsNames(p: ScopeParts): string[] {
  return [...new Set([...p.inventory.hosts.keys(), ...p.hostRuns.keys(), 'localhost'])];
}
const implicitCache = new WeakMap<Inventory, Map<string, InventoryHost>>();
function implicitLocalhostOf(inventory: Inventory, name: string): InventoryHost {
  let m = implicitCache.get(inventory);
  if (!m) implicitCache.set(inventory, (m = new Map()));
  let h = m.get(name);
  if (!h) m.set(name, (h = implicitLocalhost(inventory, name)));
  return h;
}

/** `groups` for expressions: built once per inventory, not for every task on every host. */
const groupsCache = new WeakMap<Inventory, Record<string, string[]>>();

/** group_by / add_host changed the inventory and `host` (run/dynamic-inventory.ts): what was built from them is built again. */
export function forgetInventoryViews(inventory: Inventory, host: InventoryHost): void {
  groupsCache.delete(inventory);
  hostMagicCache.delete(host);
  forgetConnectionVars(host);
}
function groupsOf(inventory: Inventory): Record<string, string[]> {
  let groups = groupsCache.get(inventory);
  if (!groups) {
    groups = {};
    for (const g of inventory.groups.values()) groups[g.name] = g.hosts;
    groupsCache.set(inventory, groups);
  }
  return groups;
}

/**
 * `ansible_version`: the ansible-core release whose playbook language nodemend follows, in the
 * shape of 2.14's CLI.version_info() (roles compare it: `ansible_version.full is version('2.12', '>=')`).
 */
export const ANSIBLE_VERSION = Object.freeze({ string: '2.14.18', full: '2.14.18', major: 2, minor: 14, revision: 18 });

/**
 * `omit`: a module argument that renders to this token is left out, as Ansible's TaskExecutor
 * does with its per-run `__omit_place_holder__<sha1>` (remove_omit: mapping values, recursively,
 * and mappings inside lists; a list element that is the token stays).
 */
export const OMIT = `__omit_place_holder__${randomBytes(20).toString('hex')}`;

export function removeOmit(args: unknown): unknown {
  const proto = args && typeof args === 'object' ? Object.getPrototypeOf(args) : undefined;
  if (proto !== Object.prototype && proto !== null) return args;
  let removed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    if (v === OMIT) {
      removed = true;
      continue;
    }
    out[k] = Array.isArray(v) ? sameOrCopy(v, v.map(removeOmit)) : removeOmit(v);
    removed ||= out[k] !== v;
  }
  // Unchanged containers are given back as they are: a copy would lose a host value's unsafe
  // mark (a set_fact of a registered list would be rendered as a template when read again).
  return removed ? keepUnsafe(args, out) : args;
}

const sameOrCopy = (before: unknown[], after: unknown[]): unknown[] => (after.some((x, i) => x !== before[i]) ? keepUnsafe(before, after) : before);
const keepUnsafe = <T>(from: unknown, to: T): T => (isUnsafe(from) ? (markUnsafe(to) as T) : to);

/** The magic variables of one host, as its hostvars entry carries them too. */
function hostMagic(h: InventoryHost, p: ScopeParts): Record<string, unknown> {
  let own = hostMagicCache.get(h);
  // Host.get_magic_vars: group_names sorted, without 'all'.
  if (!own) hostMagicCache.set(h, (own = { group_names: h.groups.filter((g) => g !== 'all').sort(), inventory_hostname: h.name, inventory_hostname_short: h.name.split('.')[0] }));
  return { groups: groupsOf(p.inventory), ...own, ansible_check_mode: p.check };
}
const hostMagicCache = new WeakMap<InventoryHost, Record<string, unknown>>();

/** A role task's own: its name and path, and the roles that include_role / import_role it from inside a role (nearest first). */
function roleMagic(r: RoleScope): Record<string, unknown> {
  const parents = r.parents.length ? { ansible_parent_role_names: r.parents.map((x) => x.name), ansible_parent_role_paths: r.parents.map((x) => x.path) } : {};
  return { role_name: r.name, ansible_role_name: r.name, role_path: r.path, ...parents };
}

/** The variables over the play's and under extra vars: role vars, block and task vars, include_vars, set_fact, params. */
const aboveThePlay = (p: ScopeParts): Record<string, unknown> => ({
  ...p.roleExports?.vars,
  ...p.role?.vars,
  ...p.blockVars,
  ...p.taskVars,
  ...p.host.includedVars,
  ...p.host.runtimeVars,
  ...p.role?.params,
  ...p.includeParams,
});

export function buildScope(p: ScopeParts): Record<string, unknown> {
  const facts = factsProxy(p.host.facts);
  const entry = (name: string | symbol): Record<string, unknown> | undefined => {
    const inv = typeof name === 'string' ? hostvarsHost(name, p) : undefined;
    return inv && hostVarsEntry(inv, p.hostRuns.get(inv.name), p.host, p);
  };
  const hostvars = markOpaque(
    new Proxy({} as Record<string, unknown>, {
      get: (_t, name) => entry(name),
      has: (_t, name) => typeof name === 'string' && hostvarsHost(name, p) !== undefined,
      ownKeys: () => hostvarsNames(p),
      getOwnPropertyDescriptor: (_t, name) => (typeof name === 'string' && hostvarsHost(name, p) ? { enumerable: true, configurable: true, value: entry(name) } : undefined),
    }),
  );
  const { hosts, batch } = p.playHosts.current();
  const scope: Record<string | symbol, unknown> = {
    // PlayContext.update_vars: connection variables only where no other variable set them.
    ...connectionVars(p.host.inv, p.inventory.file),
    ansible_connection: connectionName(p.host.inv),
    ...taskConnectionVars(p.host.inv),
    ...p.roleExports?.defaults,
    ...p.role?.defaults,
    ...p.host.inv.vars,
    ...(p.playVars ?? p.hostPlayVars?.get(p.host.name) ?? p.play.vars),
    ...(p.varsFilesOnly ? {} : aboveThePlay(p)),
    ...p.extraVars,
    ...(p.role ? roleMagic(p.role) : {}),
    facts,
    ansible_facts: ansibleFactsProxy(p.host.facts, { names: p.host.moduleFacts, vars: p.host.runtimeVars }),
    hostvars,
    ...p.runVars,
    ...p.magic,
    ...hostMagic(p.host.inv, p),
    ansible_play_hosts_all: p.playHosts.all,
    ansible_play_hosts: hosts,
    ansible_play_batch: batch,
    play_hosts: batch,
    playbook_dir: p.play.dir,
    ansible_version: ANSIBLE_VERSION,
    omit: OMIT,
  };
  // Which variables hold a Python str, for type_debug (expr/str-class.ts): only where the holder's value won.
  const plain = new Map([...plainStrKeys(p.host.runtimeVars), ...plainStrKeys(p.extraVars)].filter(([k, r]) => scope[k] === r.value));
  if (plain.size) scope[PLAIN_STR] = plain;
  scope.vars = varsMagic(scope);
  return scope as Record<string, unknown>;
}

/**
 * `vars`: VariableManager.get_vars' copy of every variable (not `vars` itself), gathered facts under their
 * `ansible_` names too. 2.14's AnsibleJ2Vars hands this dict over as it is, so a value read through it is
 * not rendered (`vars['b']` of `b: "{{ a }}-x"` is that text): marked unsafe, it is read the same way here.
 */
function varsMagic(scope: Record<string | symbol, unknown>): Record<string, unknown> {
  const facts = scope.ansible_facts as Record<string, unknown>;
  const own = (k: string | symbol): boolean => typeof k === 'string' && k !== 'vars' && k in scope;
  const fact = (k: string | symbol): string | undefined => (typeof k === 'string' && !own(k) && k.startsWith('ansible_') ? factKeyOf(k) : undefined);
  const get = (k: string | symbol): unknown => (own(k) ? scope[k as string] : fact(k) ? facts[fact(k)!] : undefined);
  const has = (k: string | symbol): boolean => own(k) || (fact(k) !== undefined && fact(k)! in facts);
  return markUnsafe(
    markOpaque(
      new Proxy({} as Record<string, unknown>, {
        get: (_t, k) => get(k),
        has: (_t, k) => has(k),
        ownKeys: () => [...new Set([...Object.keys(scope).filter((k) => k !== 'vars'), ...Reflect.ownKeys(facts).flatMap((k) => (typeof k === 'string' ? [factVarOf(k)] : []))])],
        getOwnPropertyDescriptor: (_t, k) => (has(k) ? { enumerable: true, configurable: true, writable: false, value: get(k) } : undefined),
      }),
    ),
  ) as Record<string, unknown>;
}
