/**
 * The validated, position-carrying form of inventories and playbooks: what
 * `load/` produces and `run/` consumes. Expressions stay strings here; they are
 * compiled (and syntax-checked) at load time by load/playbook.ts.
 */
import type { NodemendError, SourcePos } from './errors.js';
import type { EntryPoint } from './role-argspec.js';
import type { PlayVarsFiles } from './vars-files.js';

/** `loop:`, or the lookup named by a `with_<kind>:` keyword (run/loops.ts builds its items). */
export const WITH_LOOKUPS = [
  'items',
  'list',
  'dict',
  'together',
  'sequence',
  'nested',
  'subelements',
  'first_found',
  'flattened',
  'community.general.flattened',
  'pipe',
  'file',
  'env',
  'fileglob',
  'indexed_items',
  'inventory_hostnames',
  'lines',
] as const;
export type LoopKind = 'loop' | (typeof WITH_LOOKUPS)[number];

export type Loc = Required<Pick<SourcePos, 'file'>> & SourcePos;

// ---------------------------------------------------------------- inventory

/** How to reach and log in to a host. Set on a host, or as `connection:` on a group (host wins). */
export interface ConnectionSettings {
  host?: string; // address; defaults to the inventory name
  port?: number; // default 22
  user?: string; // default: the local user
  identity_file?: string;
  password?: string;
  agent?: boolean | string; // true = $SSH_AUTH_SOCK
  known_hosts?: string; // default ~/.ssh/known_hosts
  proxy_jump?: string; // "user@host:port" or another inventory host name
  connect_timeout?: number; // seconds, default 10
  become?: boolean;
  become_user?: string;
  become_password?: string;
  /** Run on the control machine, no SSH (the implicit localhost, or `local: true`). */
  local?: boolean;
}

export interface InventoryHost {
  name: string;
  connection: Required<Pick<ConnectionSettings, 'host' | 'port' | 'user'>> & ConnectionSettings;
  /**
   * The inventory sets no `user:` (it is the local user): a `remote_user` keyword may choose the login
   * user, and `ansible_user` is undefined unless that keyword sets it (Ansible's PlayContext.update_vars).
   */
  defaultUser?: true;
  /** all vars < parent group vars < child group vars < group_vars/ files < host vars < host_vars/ files (load/vars-dirs.ts). */
  vars: Record<string, unknown>;
  /** Every group the host belongs to, directly or through children ("all" included). */
  groups: string[];
  loc: Loc;
}

export interface InventoryGroup {
  name: string;
  hosts: string[]; // direct and through children, in Ansible 2.14's order (load/inventory.ts)
  /** The hosts listed under the group itself (they come first in `hosts`): where add_host puts a host (run/dynamic-inventory.ts). */
  own?: string[];
  children: string[];
  vars: Record<string, unknown>;
  /** Its `connection:` settings (paths expanded): a host add_host makes in the group takes them (run/dynamic-inventory.ts). */
  connection?: ConnectionSettings;
}

export interface Inventory {
  file: string;
  hosts: Map<string, InventoryHost>; // insertion = inventory order
  groups: Map<string, InventoryGroup>;
  /** Group names in the order 2.14 creates them (all, ungrouped, then as they first appear): the order host patterns try groups in. */
  groupsCreated?: string[];
}

// ---------------------------------------------------------------- playbook

/** A boolean keyword: a literal, or a "{{ }}" template rendered on each host when the task runs (run/keywords.ts). */
export type BoolKeyword = boolean | string;

/** One `environment:` entry: a mapping (values templated) or a "{{ }}" giving one. */
export type EnvEntry = Record<string, unknown> | string;

/**
 * Keys shared by tasks, blocks and includes; a block's (or import's) value is inherited by
 * the tasks inside unless they set their own (run/inherited.ts). `when` etc. are raw
 * expression strings (no {{ }}).
 */
export interface TaskCommon {
  name?: string;
  loc: Loc;
  when: string[];
  tags: string[];
  /** `vars:` (a list of mappings already merged in order). */
  vars: Record<string, unknown>;
  become?: BoolKeyword;
  become_user?: string;
  ignore_errors?: BoolKeyword;
  /** An unreachable host stays in the play: its task counts ok and ignored (2.14's strategy). */
  ignore_unreachable?: BoolKeyword;
  no_log?: BoolKeyword;
  /** `local`: run on the control machine (Ansible's connection: local). */
  connection?: 'local' | 'ssh';
  /** The SSH login user (a template); the inventory's `user:` outranks it (run/login-user.ts). */
  remote_user?: string;
  /** Applied in order (play, blocks, task): a later entry wins per variable. */
  environment: EnvEntry[];
  notify?: string[];
  check_mode?: BoolKeyword; // false: run for real even under --check; true: only plan, even in a real run (as Ansible)
  /** true: the task reports (and registers) its diff without --diff; false: never, even with --diff (as Ansible). */
  diff?: BoolKeyword;
  run_once?: BoolKeyword;
  /** A task's or block's own any_errors_fatal (the play's is Play.any_errors_fatal): inherited as Ansible's FieldAttribute. */
  any_errors_fatal?: boolean;
  delegate_to?: string;
  /** With delegate_to: the facts the task sets go to the delegated host (2.14's strategy get_delegated_hosts). */
  delegate_facts?: boolean;
  timeout?: number; // seconds; remote commands are killed after it
  /** At most this many hosts run the task at once (2.14's `throttle`; 0 or unset: forks). */
  throttle?: number;
  /** `module_defaults`, keys resolved to module names (run/module-defaults.ts), outer first. */
  module_defaults?: ModuleDefaults[];
}

/** One `module_defaults` mapping: module name (or `group/NAME`) → its default arguments. */
export type ModuleDefaults = Record<string, Record<string, unknown>>;

/** A task's loop, from `loop:` / `with_<kind>:` and `loop_control` (tasks and include_tasks). */
export interface LoopSpec {
  loop?: unknown; // list, or a "{{ expr }}" string
  /** `loop:` or the lookup of a `with_<kind>:` keyword that turns the value into items (run/loops.ts). */
  loop_kind: LoopKind;
  loop_var: string; // default "item"
  index_var?: string;
  extended_loop?: boolean;
  /** loop_control.extended_allitems: false leaves `allitems` out of ansible_loop. */
  extended_allitems?: boolean;
  /** loop_control.pause: seconds between items. */
  loop_pause?: number;
  loop_label?: string;
}

export interface Task extends TaskCommon, LoopSpec {
  kind: 'task';
  module: string;
  /** The module's name as written when it is not `module` (`ansible.builtin.copy`): Ansible's messages quote it. */
  moduleAs?: string;
  /** The role whose files hold this task: reports title it `ROLE : NAME`, as Ansible does. */
  role?: string;
  /** Module arguments, templates unrendered; a free-form string already moved to its named arg. */
  args: Record<string, unknown>;
  register?: string;
  notify: string[];
  changed_when?: string[];
  failed_when?: string[];
  until?: string[];
  retries: number; // default 3 when until is set, else 0
  delay: number; // seconds, default 5
  /** `async:` seconds (command and shell only): the command runs as a job on the host. */
  async?: number;
  /** `poll:` seconds between reads of an async job; 0: start it and go on. */
  poll?: number;
  /** Handlers only: extra names this handler answers to. */
  listen: string[];
}

export interface Block extends TaskCommon {
  kind: 'block';
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
}

/**
 * include_tasks is resolved at load time (static path) so its tasks are validated before any
 * connection. With a loop (include_tasks only), its tasks run once per item (run/executor.ts).
 */
export interface IncludeTasks extends TaskCommon, Partial<LoopSpec> {
  kind: 'include';
  /** include_tasks' `apply:`: the keywords its tasks get (its own keywords but `vars` reach none of them). */
  apply?: Omit<TaskCommon, 'name' | 'loc'>;
  /** include_tasks (a handler that is one runs all its tasks); false: import_tasks, its tasks inlined. */
  dynamic?: boolean;
  /** The key as written (include_tasks, ansible.builtin.include_tasks): an unnamed include's title. */
  keyword?: string;
  file: string; // absolute
  tasks: TaskNode[];
  /** Handlers only: extra names this include answers to (notifying it runs all its tasks). */
  listen?: string[];
  /** include_tasks `register:`: the include's own result (`include`: the path as written, `include_args`). */
  register?: string;
  /** The path as written and the other arguments as written (apply, ...): what `register:` holds. */
  include?: string;
  includeArgs?: Record<string, unknown>;
  /**
   * A templated include_tasks path (`file` is ''): the files it can name, validated at load and keyed by
   * absolute path (`tasks` holds all of them, for the load-time checks); where a rendered name is looked
   * up; and how a file outside them is loaded when a host names it (its errors fail that host).
   */
  candidates?: Map<string, TaskNode[]>;
  lookup?: IncludeLookup;
  loadLate?: (abs: string) => { nodes: TaskNode[]; errors: NodemendError[] };
}

/** Where an include looks for its file (load/tasks.ts includedPathIn): the including file's dir, the role's, the playbook's. */
export interface IncludeLookup {
  dir: string;
  role?: string;
  playDir: string;
  handler: boolean;
}

/** A role's files (load/roles.ts), loaded once per role directory and set of `*_from` files. */
export interface Role {
  name: string;
  path: string; // absolute
  /** defaults/ (lowest precedence) and vars/ (above play vars). */
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  tasks: TaskNode[];
  handlers: TaskNode[];
  /** meta/main.yml `allow_duplicates`: run again with the same parameters in one play. */
  allowDuplicates: boolean;
  /** meta/main.yml `dependencies`, run before the role's tasks. */
  dependencies: RoleCall[];
  /** The argument spec of the entry point this use runs (meta/argument_specs.yml), if the role has one. */
  argumentSpec?: EntryPoint;
}

/**
 * One use of a role: a `roles:` entry (`play`), `import_role` (static), `include_role`
 * (dynamic: its own keywords gate the include only; `apply` passes keywords to its tasks),
 * or a meta dependency. Its `vars` are the role entry's `vars:` (import, play, dependency) or
 * include params (include).
 */
export interface RoleCall extends TaskCommon, Partial<LoopSpec> {
  kind: 'role';
  how: 'play' | 'import' | 'include' | 'dependency';
  role: Role;
  /** Role params: the keys of a `roles:` entry that are not keywords (above set_fact). */
  params: Record<string, unknown>;
  apply?: Omit<TaskCommon, 'name' | 'loc'>;
  /** include_role `public`: its defaults and vars stay visible to the rest of the play. */
  public: boolean;
  allowDuplicates: boolean;
  /** A role runs once per host and play per key (name, params, vars, when, tags, *_from) unless duplicates are allowed. */
  key: string;
  /** include_role `register:` and the arguments as written it registers (`include_args`). */
  register?: string;
  includeArgs?: Record<string, unknown>;
}

export type TaskNode = Task | Block | IncludeTasks | RoleCall;

export interface Play {
  name: string;
  loc: Loc;
  hosts: string; // host pattern
  vars: Record<string, unknown>; // vars_files merged over play vars (2.14: vars_files win)
  /** A templated vars_files entry: the entries, rendered per host at play start (run/vars-files.ts); `vars` has the static ones only. */
  varsFiles?: PlayVarsFiles;
  become?: BoolKeyword;
  become_user?: string;
  connection?: 'local' | 'ssh';
  remote_user?: string;
  environment: EnvEntry[];
  throttle?: number;
  module_defaults?: ModuleDefaults[];
  /** Diffs for every task of the play, whatever --diff says (a block's or task's own wins). */
  diff?: BoolKeyword;
  /**
   * `gather_facts: false`: the facts that depend on who asks (ansible_env, the user, virtual and
   * mount facts) stay as an earlier play or a setup task read them, undefined before (Ansible gathers
   * nothing then). Unset or a template: gathered.
   */
  gather_facts?: BoolKeyword;
  /** Batch sizes: numbers or "30%" strings; the last repeats. Empty = all hosts at once. */
  serial: (number | string)[];
  max_fail_percentage?: number;
  any_errors_fatal?: boolean;
  ignore_unreachable?: BoolKeyword;
  /** The `order:` keyword: how the play's hosts (and so its batches and run_once's host) are ordered. */
  order?: 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
  /**
   * A host that fails still runs the handlers notified so far, at the end of the section it failed
   * in (Ansible 2.14's Play.compile wraps each section in a block whose always: flushes). Unset:
   * the `--force-handlers` flag decides, as Ansible's play keyword defaults to it.
   */
  force_handlers?: boolean;
  tags: string[];
  /** pre_tasks, roles, tasks, post_tasks in Ansible's order. */
  tasks: TaskNode[];
  /**
   * Where pre_tasks and roles + tasks end in `tasks` (counts of nodes): Ansible flushes handlers
   * there, as at the end of post_tasks. Unset: one section.
   */
  sectionEnds?: number[];
  /**
   * Roles' handlers first (a RoleCall per role, run with that role's variables), then the
   * play's. Notifiable: a task (by name or listen, a role's also as `ROLE : NAME`) and an
   * include_tasks (runs all its tasks); blocks and import_tasks only group handlers.
   */
  handlers: TaskNode[];
  /** defaults and vars of the play's static roles (roles:, import_role), seen by every task. */
  roleDefaults: Record<string, unknown>;
  roleVars: Record<string, unknown>;
  /** Directory that relative paths (templates, files, includes) resolve against. */
  dir: string;
}

export interface Playbook {
  file: string;
  plays: Play[]; // import_playbook already flattened, in order
}
