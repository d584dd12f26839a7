import type { InventoryHost } from '../load/model.js';
import type { HostRecap } from './events.js';
import type { BecomeSpec, HostConnection, RemoteShell } from '../transport/types.js';
import { FactCache, factIdentity } from '../facts/cache.js';
import { emptyPlannedPaths, type PlannedPaths } from '../modules/lib/planned-paths.js';

/** Bumped whenever a host fails, becomes unreachable or ends its play (or stops being so): run/magic-vars.ts rebuilds its host lists only then. */
let generation = 0;
export const hostStateGeneration = (): number => generation;

/** Everything the executor tracks about one host during a run. */
export class HostRun {
  /** set_fact values and registered results: they outlive the play, like Ansible's. */
  readonly runtimeVars: Record<string, unknown> = {};
  /** include_vars values: below set_fact, above task vars, for the rest of the run (as Ansible's vars cache). */
  readonly includedVars: Record<string, unknown> = {};
  /** Which of runtimeVars a module returned as facts (getent_group): also `ansible_facts.NAME`, as in Ansible. */
  readonly moduleFacts = new Set<string>();
  /** Which of moduleFacts a `set_fact` with `cacheable: true` set: a variable too, so `meta: clear_facts` keeps it as one. */
  readonly cacheableFacts = new Set<string>();
  /** Which of runtimeVars a no_log task set (name → that task): the run journal never keeps them (run/journal.ts). */
  readonly noLogVars = new Map<string, string>();
  /** Which of includedVars a no_log include_vars set (name → that task). */
  readonly noLogIncludedVars = new Map<string, string>();
  /** Names notified since the last flush (task-runner.ts); a flush turns them into notifiedHandlers. */
  readonly notified = new Set<string>();
  /** The handlers notified here and not yet run in this play (executor.ts runHandlers). */
  readonly notifiedHandlers = new Set<object>();
  /** Check mode: what earlier tasks would have created here (see modules/lib/planned-paths.ts). */
  readonly planned: PlannedPaths;
  readonly recap: HostRecap = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
  /** The last task that failed here (not ignored): a rescue sees it as ansible_failed_task / ansible_failed_result. */
  lastFailure?: { task: Record<string, unknown>; result: unknown };
  private state = { failed: false, unreachable: false, ended: false };
  unreachableMsg?: string;
  readonly facts: FactCache;
  /**
   * The become of the last play that gathered facts: facts that depend on who asks (ansible_env,
   * ansible_user_id) are read as it, as Ansible's gathering at that play's start read them.
   */
  private playBecome?: BecomeSpec;
  /** The login user of that play (its `remote_user`, where the inventory names no user): Ansible's setup logs in as it. */
  private playLogin?: string;

  constructor(
    readonly inv: InventoryHost,
    /** Connects on first use; shared by every task on this host. */
    readonly connect: () => Promise<HostConnection>,
    /** The controller's files a check run would have fetched, shared by all hosts. */
    plannedLocal = new Set<string>(),
    /** Connects as another login user (a task's `remote_user`) on first use. */
    private readonly connectUser: (user: string) => Promise<HostConnection> = () => connect(),
  ) {
    this.planned = emptyPlannedPaths(plannedLocal);
    // Facts are read as the login user: no sudo round trip for /proc and /etc/os-release.
    const lazyShell: RemoteShell = {
      hostName: inv.name,
      exec: async (cmd, opts) => (await this.connect()).exec(cmd, opts),
    };
    // ansible_env and the user facts: as the play's become user, as Ansible's setup runs at play start.
    const playUserShell: RemoteShell = {
      hostName: inv.name,
      exec: async (cmd, opts) => (await this.connectAs(this.playLogin ?? inv.connection.user)).as(this.playBecome).exec(cmd, opts),
    };
    this.facts = new FactCache(lazyShell, undefined, playUserShell);
  }

  /** The connection as `user` (the inventory's: the shared one). */
  connectAs(user: string): Promise<HostConnection> {
    return user === this.inv.connection.user ? this.connect() : this.connectUser(user);
  }

  /**
   * A play starts on this host with `become` (its play keyword, else the inventory's) and `login`
   * (its remote_user, else the inventory's user), gathering facts or not.
   */
  startPlay(become: BecomeSpec | undefined, gathers = true, login = this.inv.connection.user): void {
    // Ansible gathers nothing: the facts stay as the last gathering play read them.
    if (!gathers) return this.facts.skipGathering();
    this.playBecome = become;
    this.playLogin = login;
    this.facts.useIdentity(factIdentity(become?.user, login === this.inv.connection.user ? undefined : login));
  }

  /** include_vars: as setVars, below set_fact's precedence (no_log names kept apart: a set_fact of the same name does not clear them). */
  setIncludedVars(vars: Record<string, unknown>, noLogTask: string | undefined): void {
    Object.assign(this.includedVars, vars);
    for (const k of Object.keys(vars)) {
      if (noLogTask) this.noLogIncludedVars.set(k, noLogTask);
      else this.noLogIncludedVars.delete(k);
    }
  }

  /**
   * set_fact / register / a module's facts (`asFacts`) / set_fact's `cacheable` (both a variable
   * and a fact): `noLogTask` names the task when it was no_log.
   */
  setVars(vars: Record<string, unknown>, noLogTask: string | undefined, asFacts = false, cacheable = false): void {
    Object.assign(this.runtimeVars, vars);
    for (const k of Object.keys(vars)) {
      if (asFacts || cacheable) this.moduleFacts.add(k);
      else this.moduleFacts.delete(k);
      if (cacheable) this.cacheableFacts.add(k);
      else this.cacheableFacts.delete(k);
      if (noLogTask) this.noLogVars.set(k, noLogTask);
      else this.noLogVars.delete(k);
    }
  }

  /**
   * `meta: clear_facts` (vars/manager.py clear_facts drops the host's fact cache): gathered facts are
   * undefined under Ansible's names until gathered again, a module's facts (getent_passwd) are gone,
   * and a cacheable set_fact stays a variable but leaves `ansible_facts`.
   */
  clearFacts(): void {
    for (const k of this.moduleFacts) {
      if (this.cacheableFacts.has(k)) continue;
      delete this.runtimeVars[k];
      this.noLogVars.delete(k);
    }
    this.moduleFacts.clear();
    this.cacheableFacts.clear();
    this.facts.clear();
  }

  get name(): string {
    return this.inv.name;
  }

  get failed(): boolean {
    return this.state.failed;
  }
  set failed(v: boolean) {
    this.setState('failed', v);
  }
  get unreachable(): boolean {
    return this.state.unreachable;
  }
  set unreachable(v: boolean) {
    this.setState('unreachable', v);
  }
  /** meta: end_host (or clear_host_errors on a failed host): done with this play, not failed. */
  get ended(): boolean {
    return this.state.ended;
  }
  set ended(v: boolean) {
    this.setState('ended', v);
  }
  private setState(k: 'failed' | 'unreachable' | 'ended', v: boolean): void {
    if (this.state[k] !== v) generation++;
    this.state[k] = v;
  }

  get alive(): boolean {
    return !this.failed && !this.unreachable && !this.ended;
  }
}
