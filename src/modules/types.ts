import type { NodemendError } from '../load/errors.js';
import type { Loc } from '../load/model.js';
import type { z } from 'zod';
import type { RemoteShell } from '../transport/types.js';
import type { Facts } from '../facts/types.js';
import type { PlannedPaths } from './lib/planned-paths.js';
import type { Basis } from '../plan/basis.js';
import type { JinjaOptions } from '../load/template.js';

/** A before/after pair for --diff; `path` names what changed (a file, or a pseudo path like "lines"). */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
  /** Why the content is not shown (too large, binary): printed under --diff instead of a diff. */
  note?: string;
}

/**
 * What a module would do on one host, computed by reading remote state only.
 * A check run stops here; a real run calls `apply()` when `changed` is true.
 * So check mode is exact by construction: both runs share the same plan.
 */
export interface Plan {
  changed: boolean;
  /** Why nothing is to do ("directory exists") or what will happen ("would run: make"). */
  msg?: string;
  /** What a real run reports once `apply` ran ("ran: make"); a plan that changes something words it itself. */
  done?: string;
  /** What reports print where the module registers no msg at all (debug's `var:`: 2.14's result has none). */
  shown?: string;
  diff?: FileDiff[];
  /** Fields of the registered result already known from the plan (stat, content...). */
  result?: Record<string, unknown>;
  /**
   * Remote state this plan was computed from, beyond what the file probes note by
   * themselves (plan/basis.ts): a saved plan compares it to refuse a host that drifted.
   */
  basis?: Basis;
  /**
   * Fields a check run registers when it does not apply (command's empty stdout, rc 0...), added
   * after changed_when/failed_when are judged so those keep the plan's verdict on what the real
   * run would print. Its `msg` replaces the registered one (2.14's words), while reports keep
   * printing the plan's.
   */
  checkResult?: Record<string, unknown>;
  /** Performs the change. Returns further result fields (rc, stdout...). Only called when changed and not in check mode. */
  apply?: () => Promise<Record<string, unknown> | void>;
}

/** A module failure with the fields to register (rc, stderr...). */
export class ModuleFailure extends Error {
  /**
   * @param registeredMsg the registered `msg` when it is not the message's text: fail's and assert's
   * `msg` keep their list, dict or number there, as 2.14's action plugins register them.
   */
  constructor(
    message: string,
    readonly result: Record<string, unknown> = {},
    readonly registeredMsg?: unknown,
  ) {
    super(message);
    this.name = 'ModuleFailure';
  }
}

export interface InventoryChange {
  changed: boolean;
  /** What 2.14 warns once per run about a group it made (an invalid name). */
  warning?: string;
}

export interface ModuleContext {
  /** Host name as in the inventory. */
  host: string;
  /** Commands run as the task's identity (become applied). */
  conn: RemoteShell;
  /** Commands run as the login user, whatever the task's become. */
  loginConn: RemoteShell;
  check: boolean;
  /**
   * A run whose plans are applied as soon as they are made (not --check, not a saved plan's apply, whose
   * guard compares each plan first): a plan may then do its write in the round trip of its probe.
   */
  writesInPlan?: boolean;
  /**
   * What this run read once of the task's identity on this host and keeps for its later tasks (file's
   * `id` of root: an identity whose uid is 0 keeps it): one map per host, login user and become user.
   */
  identityMemo?: Map<string, string>;
  /** --diff (or the task's `diff:`) and not no_log: a module computes its diff only then. */
  diff: boolean;
  /** The task is no_log: a module whose Ansible twin registers file texts without --diff registers none. */
  noLog?: boolean;
  facts: Facts;
  /** Every variable visible to the task (for templates). */
  vars: Record<string, unknown>;
  /** Render a template file (path already resolved) with the task's vars and `extra` (the template module's own): Handlebars for .hbs, else Jinja with `opts`. */
  renderTemplate(file: string, opts?: JinjaOptions, extra?: Record<string, unknown>): Promise<string>;
  /** Resolve a controller-side path the way Ansible does: relative to the playbook dir, then templates/ or files/. */
  resolveLocalPath(p: string, kind: 'template' | 'file' | 'vars'): string;
  /** Evaluate an expression in the task's scope (assert's `that`), fetching the facts it reads; `{{ }}` in it is templated first. */
  evaluate(expr: string): Promise<unknown>;
  /** Template a string in the task's scope as a task argument is (Ansible's Templar rules: one `{{ x }}` keeps x's value), fetching the facts it reads. */
  template(text: string): Promise<unknown>;
  /**
   * set_fact: bind host variables for the rest of the play; `facts`: a module's facts (getent), also read as
   * `ansible_facts.NAME`; `cacheable`: set_fact's, both a variable and a fact.
   */
  setHostVars(vars: Record<string, unknown>, opts?: { facts?: boolean; cacheable?: boolean }): void;
  /**
   * The run's inventory, for group_by (on the task's own host, never a delegated one) and add_host
   * (run/dynamic-inventory.ts): each says whether the inventory changed.
   */
  inventory?: {
    groupBy(key: string, parents: string[]): InventoryChange;
    addHost(name: string, groups: string[], hostVars: Record<string, unknown>): InventoryChange;
  };
  /** include_vars: bind variables below set_fact's precedence, for the rest of the run. */
  setIncludedVars(vars: Record<string, unknown>): void;
  /** The module's name as the task wrote it (`ansible.builtin.tempfile`), as Ansible's own messages quote it. */
  moduleName?: string;
  /** Remote commands are killed after this many seconds. */
  timeoutSec: number;
  /** The task's `async:` limit and `poll:` (seconds), outside check mode: command and shell run it as a job. */
  async?: { limit: number; poll: number };
  /** The user the task's commands run as (become user, else the login user): who owns what it creates. */
  identity?: string;
  /** The task's become user, undefined without become (setup reads the facts that depend on it as this user). */
  becomeUser?: string;
  /** The task's login user where it is not the inventory's (a `remote_user` keyword chose it): facts read by setup are that user's. */
  otherLogin?: string;
  /** Check mode: what earlier tasks of this run would have created (lib/planned-paths.ts). */
  planned: PlannedPaths;
  /** The reboot module re-opens the connection through this. */
  reconnect(deadline: number): Promise<void>;
  /** The run's stop (Ctrl-C, SIGTERM): a module that only waits (pause) stops waiting. */
  stop?: AbortSignal;
  /** A warning for the output only, not the registered result (Ansible's display.warning in an action plugin). */
  warn?(msg: string): void;
}

export interface ModuleDef<A = any> {
  name: string;
  /** One line for `nodemend modules` and the JSON Schema. */
  description: string;
  /** Ansible collection the module comes from (ansible.posix, community.general); default ansible.builtin. */
  collection?: string;
  /** Argument spec; unknown keys are rejected. */
  schema: z.ZodType<A>;
  /** A bare string value (`command: ls -l`) becomes this argument. */
  freeForm?: string;
  /** Arguments that are expressions, left unrendered for the module (assert's `that`). */
  rawArgs?: string[];
  /** Arguments handed over with their Python floats kept, not as text or numbers (copy's `content` list: json.dumps writes `2.0`). */
  floatArgs?: string[];
  /**
   * Its arguments are stored as variables (set_fact): each is rendered with renderStored,
   * so a value made from host output keeps its unsafe mark (src/load/expr/unsafe.ts).
   */
  storesArgs?: boolean;
  /** Arguments Ansible's argument spec marks no_log (a password hash): never shown in a title or message. */
  secretArgs?: string[];
  /**
   * Its Ansible twin registers no `msg` on success (copy, file, user...): the plan's msg and done message
   * are the report line only, and a `msg` in the plan's `result` is what it registers.
   */
  reportOnlyMsg?: boolean;
  /** Runs on the controller only (debug, set_fact, assert, fail): no connection needed. */
  local?: boolean;
  /**
   * Runs once per task, for the batch's first host only (Ansible's BYPASS_HOST_LOOP action plugins:
   * pause): only that host reports and registers; unlike run_once nothing is copied to the others.
   */
  bypassHostLoop?: boolean;
  /**
   * Arguments Ansible types as `path` (check_type_path): `$VAR` and `~` are expanded as the module
   * would on the host, in the task's user's environment, before plan (lib/expand-path.ts). A
   * function when it depends on other arguments (a `src` is the host's only with `remote_src`).
   */
  pathArgs?: readonly string[] | ((args: A) => readonly string[]);
  /**
   * Load time, before any host: check the controller files the (unrendered) arguments name,
   * pushing positioned errors (include_vars reads a static file now).
   */
  preload?(args: Record<string, unknown>, dirs: { playDir: string; roleDir?: string }, errors: NodemendError[], at: Loc): void;
  plan(args: A, ctx: ModuleContext): Promise<Plan>;
}

export function defineModule<A>(def: ModuleDef<A>): ModuleDef<A> {
  return def;
}
