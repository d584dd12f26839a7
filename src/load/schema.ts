/**
 * zod schemas of the YAML shapes (inventory, plays, task keywords, blocks,
 * includes), strict so unknown keys are errors. The same schemas produce the
 * JSON Schema for editors (json-schema.ts). Task lists are a parameter: the
 * loader validates each task itself (a task's module key is dynamic), the JSON
 * Schema plugs in the full task union.
 */
import { z } from 'zod';

const d = <T extends z.ZodType>(s: T, description: string): T => s.meta({ description }) as T;

export const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a variable name (letters, digits, _; not starting with a digit)' });
const stringOrList = z.union([z.string(), z.array(z.string())]);
/** `when`-like keywords: a raw expression, a boolean, or a list that must all hold. */
export const condition = z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]);
export const tagsSchema = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]);
const varsMapping = z.record(z.string(), z.unknown());
/** `vars:` a mapping, or (as Ansible accepts) a list of mappings merged in order. */
export const varsSchema = z.union([varsMapping, z.array(varsMapping)]);

const TEMPLATED = /\{\{/;
/** Ansible's boolean words (module_utils/parsing/convert_bool.py), compared lower-case. */
export const BOOL_TRUE = ['y', 'yes', 'on', '1', 'true', 't'];
export const BOOL_FALSE = ['n', 'no', 'off', '0', 'false', 'f'];
const BOOLISH = 'must be a boolean (true/false, yes/no) or a "{{ expression }}" giving one';
/** A boolean keyword: literal, one of Ansible's boolean words, or a template rendered per host when the task runs. */
export const boolKeyword = z.union([z.boolean(), z.string().refine((s) => TEMPLATED.test(s) || [...BOOL_TRUE, ...BOOL_FALSE].includes(s.trim().toLowerCase()), { error: BOOLISH })], {
  error: BOOLISH,
});
const envValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'an environment value is a string, number or boolean' });
const envMapping = z.record(z.string(), envValue).superRefine((m, ctx) => {
  for (const k of Object.keys(m)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" is not an environment variable name (letters, digits and _, not starting with a digit)` });
  }
});
const envTemplate = z.string().regex(TEMPLATED, { error: 'must be a mapping of variables or a "{{ expression }}" giving one' });
/** `environment:` a mapping (values templated), a "{{ }}" giving one, or a list of them (later wins). */
export const environmentSchema = z.union([envMapping, envTemplate, z.array(z.union([envMapping, envTemplate]))]);

// ---------------------------------------------------------------- inventory

export const connectionShape = {
  host: d(z.string(), 'Address to connect to; default: the inventory name'),
  port: d(z.int().min(1).max(65535), 'SSH port; default 22'),
  user: d(z.string(), 'Login user; default: the local user'),
  identity_file: d(z.string(), 'Private key file; relative to the inventory file, ~ expanded'),
  password: z.string(),
  agent: d(z.union([z.boolean(), z.string()]), 'Use an SSH agent: true = $SSH_AUTH_SOCK, or a socket path'),
  known_hosts: d(z.string(), 'known_hosts file; default ~/.ssh/known_hosts; relative to the inventory file'),
  proxy_jump: d(z.string(), '"user@host:port" or another inventory host name'),
  connect_timeout: d(z.number().positive(), 'Seconds; default 10'),
  become: d(z.boolean(), 'Run tasks through sudo by default'),
  become_user: z.string(),
  become_password: z.string(),
  local: d(z.boolean(), 'Run on the control machine as the invoking user, without SSH (Ansible: ansible_connection=local)'),
};
const connectionPartial = z.strictObject(connectionShape).partial();

export const hostEntrySchema = z
  .strictObject({ ...connectionShape, vars: varsMapping })
  .partial()
  .nullable();

/** A group as written in the inventory (recursive through `children`). */
export interface GroupYaml {
  connection?: Record<string, unknown> | null;
  vars?: Record<string, unknown> | null;
  hosts?: Record<string, Record<string, unknown> | null> | null;
  children?: Record<string, GroupYaml | null> | null;
}

export const groupSchema: z.ZodType<GroupYaml> = z.lazy(() =>
  z
    .strictObject({
      connection: connectionPartial.nullable(),
      vars: varsMapping.nullable(),
      hosts: z.record(z.string(), hostEntrySchema).nullable(),
      children: z.record(z.string(), groupSchema.nullable()).nullable(),
    })
    .partial(),
);

/** Top level: `all` and any other groups (which become children of `all`). */
export const inventorySchema = z.record(z.string(), groupSchema.nullable());

// ---------------------------------------------------------------- tasks

const BECOME_METHOD = 'nodemend becomes only through sudo: become_method must be "sudo"';
const BECOME_FLAGS = 'nodemend runs sudo with "-H -S -n" only: become_flags must be those (in any order)';
/** Play, block and task keywords of 2.14 that nodemend takes as they are or with a narrower range (README says which). */
const ansibleKeywordShape = {
  collections: d(z.array(z.string()).nullable(), "Collection names searched for short module names: nodemend's modules answer to their short names and every collection name they have in 2.14"),
  debugger: d(z.enum(['always', 'never', 'on_failed', 'on_unreachable', 'on_skipped']), 'Accepted; nodemend never starts the task debugger (a run is not interactive)'),
  become_method: d(z.literal('sudo', { error: BECOME_METHOD }), BECOME_METHOD),
  become_flags: d(
    z.string().refine((s) => [...s.trim().split(/\s+/)].sort().join(' ') === '-H -S -n', { error: BECOME_FLAGS }),
    BECOME_FLAGS,
  ),
  module_defaults: d(
    z.union([z.record(z.string(), z.record(z.string(), z.unknown()).nullable()), z.array(z.record(z.string(), z.record(z.string(), z.unknown()).nullable()))]),
    'Arguments per module name (short or collection name; group/NAME: no nodemend module is in an action group), under the ones the task gives; the innermost mapping per module wins',
  ),
  throttle: d(z.int().min(0), 'At most this many hosts run the task at once (0: forks); inherited by the tasks of a block, role or play'),
  ignore_unreachable: d(boolKeyword, 'true: a host unreachable in a task stays in the play (the recap counts the task ok and ignored, as 2.14); inherited by the tasks of a block, role or play'),
};

export const commonShape = {
  name: z.string(),
  when: d(condition, 'Raw expression(s), no {{ }}; a list must all hold'),
  tags: tagsSchema,
  vars: varsSchema,
  become: boolKeyword,
  become_user: z.string(),
  ignore_errors: boolKeyword,
  no_log: boolKeyword,
  connection: d(z.enum(['local', 'ssh']), 'local: run on the control machine as the invoking user (Ansible connection: local)'),
  remote_user: d(z.string(), 'SSH login user (templated): its own connection, same key and host-key check; an inventory `user:` outranks it, as ansible_user does in Ansible'),
  environment: d(environmentSchema, 'Environment variables of remote commands: a mapping (values templated, shell-quoted), a "{{ }}" giving one, or a list; task > block > play'),
  // Also on blocks (and imports), inherited by the tasks inside as in Ansible.
  notify: d(stringOrList, 'Handler names or listen topics'),
  check_mode: boolKeyword,
  diff: d(boolKeyword, "true: show and register this task's diff even without --diff; false: never, even with --diff"),
  run_once: boolKeyword,
  any_errors_fatal: d(
    z.boolean(),
    "A failed or unreachable host ends the play and the run on every host (a failure a block's rescue takes, or its always: runs after, is not fatal, as 2.14's linear strategy)",
  ),
  delegate_to: z.string(),
  delegate_facts: d(z.boolean(), "With delegate_to: facts the task sets (set_fact, a module's ansible_facts) go to the delegated host"),
  timeout: d(z.number().positive(), 'Seconds; remote commands are killed after it'),
  // Keywords real playbooks carry (2.14's Base/CollectionSearch): what each means in nodemend is in README "Bringing an Ansible role".
  ...ansibleKeywordShape,
};

const loopSchema = d(z.union([z.array(z.unknown()), z.string()]), 'A list, or a "{{ expr }}" giving one');

/** Loop keywords: on tasks, and on include_tasks (the included tasks run once per item). */
export const loopShape = {
  loop: loopSchema,
  with_items: loopSchema,
  with_list: loopSchema,
  with_dict: d(z.union([z.record(z.string(), z.unknown()), z.string()]), 'A mapping, or a "{{ expr }}" giving one: items are {key, value}'),
  with_together: loopSchema,
  with_nested: loopSchema,
  with_subelements: loopSchema,
  with_sequence: d(z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]), '"start=1 end=5 stride=1 format=%d", "1-5" or count=N'),
  with_first_found: loopSchema,
  with_flattened: loopSchema,
  'with_community.general.flattened': loopSchema,
  with_pipe: d(z.union([z.array(z.unknown()), z.string()]), 'Commands run on the controller (a string is one): one item per output'),
  with_file: d(z.union([z.array(z.unknown()), z.string()]), "Controller files, searched as lookup('file') does (a string is one): one item per file, its text"),
  with_env: d(z.union([z.array(z.unknown()), z.string()]), "Controller environment variable names (a string is one): one item per name, its value or ''"),
  with_fileglob: d(z.union([z.array(z.unknown()), z.string()]), "Controller file globs, searched as lookup('fileglob') does (a string is one): one item per file, its absolute path"),
  with_indexed_items: d(z.union([z.array(z.unknown()), z.string()]), 'A list (flattened one level): items are (index, value)'),
  with_inventory_hostnames: d(z.union([z.array(z.unknown()), z.string()]), 'Host patterns (a string is one): one item per inventory host matched'),
  with_lines: d(z.union([z.array(z.unknown()), z.string()]), 'Commands run on the controller (a string is one): one item per output line'),
  loop_control: z
    .strictObject({
      loop_var: identifier,
      label: z.string(),
      index_var: d(identifier, "A variable holding the item's index (from 0)"),
      extended: d(z.boolean(), 'ansible_loop: index, index0, first, last, length, revindex, previtem, nextitem, allitems'),
      extended_allitems: d(z.boolean(), 'With extended: false leaves allitems out of ansible_loop (default true)'),
      pause: d(z.number().min(0), 'Seconds to sleep between items'),
    })
    .partial(),
};

export const taskKeywordShape = {
  ...commonShape,
  args: d(varsMapping, 'Module arguments, merged under the ones given on the module key'),
  ...loopShape,
  register: identifier,
  changed_when: condition,
  failed_when: condition,
  until: condition,
  retries: z.int().min(0),
  delay: z.number().min(0),
  async: d(z.int().min(0), 'Seconds: command and shell run as a job on the host (~/.ansible_async), read every poll seconds; a job still running then fails the task'),
  poll: d(z.int().min(0), 'Seconds between reads of an async job (default 15); 0: start it, register ansible_job_id and go on (async_status reads it)'),
  local_action: d(z.union([z.string(), z.record(z.string(), z.unknown())]), 'A module run on the control machine: "module args" or {module: name, ...args}'),
  action: d(z.union([z.string(), z.record(z.string(), z.unknown())]), 'The module and its arguments: "module args" or {module: name, ...args}'),
  listen: d(stringOrList, 'Handlers only: extra names this handler answers to'),
};
export const taskKeywordsSchema = z.strictObject(taskKeywordShape).partial();

export const TASK_ONLY_KEYWORDS = Object.keys(taskKeywordShape).filter((k) => !(k in commonShape));

export function blockSchema(task: z.ZodType) {
  const list = z.array(task).nullable();
  return z.strictObject({ ...partialShape(commonShape), block: list, rescue: list.optional(), always: list.optional() });
}

/**
 * `apply:` of include_tasks / include_role: block keywords for the included tasks (task_include.py
 * build_parent_block loads them as the tasks' parent block), as a dynamic include's own reach none.
 */
export const applySchema = z.strictObject({ ...partialShape(commonShape), name: z.never().optional() });
/**
 * The keywords Ansible 2.14 takes on include_tasks / include_role (TaskInclude.VALID_INCLUDE_KEYWORDS,
 * loops and register aside); any other fails its parse ("'become' is not a valid attribute for a
 * TaskInclude"): such keywords go under `apply:`.
 */
export const INCLUDE_KEYWORDS = ['name', 'when', 'tags', 'vars', 'ignore_errors', 'no_log', 'run_once', 'timeout', 'collections', 'debugger'] as const;
const includeShape = Object.fromEntries(INCLUDE_KEYWORDS.map((k) => [k, commonShape[k]])) as Pick<typeof commonShape, (typeof INCLUDE_KEYWORDS)[number]>;
const applyArg = d(z.record(z.string(), z.unknown()), 'Keywords for the included tasks (become, tags, ...)');
/** include_tasks' arguments (TaskInclude.VALID_ARGS): the file and `apply`, on the key or under `args:`. */
export const includeTasksArgs = z.strictObject({ file: z.string(), apply: applyArg }).partial();
const includeFileSchema = (dynamic: boolean) => (dynamic ? z.union([z.string(), includeTasksArgs, z.null()]) : z.union([z.string(), z.strictObject({ file: z.string() })]));
/**
 * The keys an include_tasks / include_role takes besides INCLUDE_KEYWORDS: `register:` (Ansible
 * registers the include itself: `include`, `include_args`) and `args:` (its arguments, merged under
 * the ones on the key, as mod_args.py merges any task's).
 */
export const includeExtraShape = (args: z.ZodType) => ({ register: identifier, args: d(args, "The include's arguments (apply, ...), merged under the ones given on the key") });
/** include_tasks also loops and takes `apply` (Ansible refuses both on import_tasks: its tasks are inlined before any item exists). */
export const includeSchema = (keyword: string) =>
  z.strictObject({
    ...partialShape(keyword.endsWith('include_tasks') ? includeShape : commonShape),
    ...(keyword.endsWith('include_tasks') ? partialShape({ ...loopShape, ...includeExtraShape(includeTasksArgs) }) : {}),
    [keyword]: d(includeFileSchema(keyword.endsWith('include_tasks')), 'Static path, relative to this file'),
  });

// ---------------------------------------------------------------- plays

const SERIAL = 'must be an integer, a percentage such as "30%", or a non-empty list of them';
// 0 (or less) is every host left, in one batch (2.14's _get_serialized_batches: `if serial <= 0`).
const serialItem = z.union([z.int({ error: SERIAL }), z.string({ error: SERIAL }).regex(/^\d+(\.\d+)?%$/, { error: SERIAL })], { error: SERIAL });
/** `serial: "{{ docker_serial | default(1) }}"`: rendered with play vars and -e at load time (load.ts), then checked as above. */
const templatedSerial = z.string().regex(/\{\{/);
export const serialSchema = z.union([serialItem, templatedSerial, z.array(z.union([serialItem, templatedSerial]), { error: SERIAL }).min(1, { error: SERIAL })], { error: SERIAL });
/** A serial value after templating: what run/batches.ts accepts. */
export const renderedSerialSchema = z.union([serialItem, z.array(serialItem, { error: SERIAL }).min(1, { error: SERIAL })], { error: SERIAL });

export function playSchema(task: z.ZodType) {
  const list = z.array(task).nullable();
  return z.strictObject({
    ...partialShape({
      name: z.string(),
      vars: varsSchema.nullable(),
      vars_files: d(
        z.union([z.string(), z.array(z.union([z.string(), z.array(z.string())]))]),
        'YAML mappings of variables, relative to the playbook (or its vars/); a list entry: the first that exists; templated: per host at play start',
      ),
      become: boolKeyword,
      become_user: z.string(),
      ...ansibleKeywordShape,
      connection: d(z.enum(['local', 'ssh']), 'local: run every task on the control machine (Ansible connection: local)'),
      remote_user: d(z.string(), "SSH login user of the play's tasks (templated); an inventory `user:` outranks it, as ansible_user does in Ansible"),
      environment: d(environmentSchema, 'Environment variables for every task of the play (a block or task setting the same name wins)'),
      diff: d(boolKeyword, "Every task's diff shown and registered (true) or not (false) whatever --diff says; a task's own diff: wins"),
      serial: d(serialSchema, 'Batch sizes: numbers or "30%"; the last repeats'),
      max_fail_percentage: z.number().min(0).max(100),
      any_errors_fatal: z.boolean(),
      order: d(
        z.enum(['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle']),
        "The play's host order (2.14's): the pattern's (inventory, the default), reversed, by name, by name reversed, or random",
      ),
      strategy: d(
        z.literal('linear', { error: 'nodemend runs plays with the linear strategy only (each task on every host before the next): free, host_pinned and debug are not supported' }),
        'linear only (the default)',
      ),
      vars_prompt: d(
        z.array(
          z.strictObject({
            name: identifier,
            prompt: z.string().optional(),
            default: z.unknown().optional(),
            private: boolKeyword.optional(),
            confirm: boolKeyword.optional(),
            unsafe: boolKeyword.optional(),
            encrypt: z.never({ error: 'vars_prompt encrypt: not supported (nodemend never prompts, and hashes no prompted value)' }).optional(),
            salt_size: z.never({ error: 'vars_prompt salt_size: not supported (see encrypt)' }).optional(),
            salt: z.never({ error: 'vars_prompt salt: not supported (see encrypt)' }).optional(),
          }),
        ),
        'nodemend never prompts (as 2.14 with no terminal): a name given with -e keeps that value, else its default (as text); one with neither is refused',
      ),
      fact_path: d(
        z.literal('/etc/ansible/facts.d', { error: 'play fact_path: nodemend reads ansible_local from /etc/ansible/facts.d only; for another directory run setup: { fact_path: DIR }' }),
        'Only the default, /etc/ansible/facts.d (setup: { fact_path: DIR } reads another)',
      ),
      gather_subset: d(stringOrList, "Accepted: nodemend's facts are read lazily, when a task first uses one, whatever the subset"),
      gather_timeout: d(z.number().positive(), 'Accepted: facts are read lazily, each read bounded by the task timeout'),
      force_handlers: d(z.boolean(), 'A host that fails still runs the handlers notified so far, at the end of pre_tasks, tasks or post_tasks (default: --force-handlers)'),
      tags: tagsSchema,
      gather_facts: d(
        z.union([z.boolean(), z.string()]),
        'false: ansible_env, the user, virtual and mount facts are not read again (undefined until gathered, as in Ansible); other facts are fetched lazily either way',
      ),
      pre_tasks: list,
      roles: d(z.array(z.unknown()).nullable(), 'Roles to run after pre_tasks: names or {role: NAME, keywords, params}; looked up in roles/ beside the playbook, then $NODEMEND_ROLES_PATH'),
      tasks: list,
      post_tasks: list,
      handlers: list,
    }),
    hosts: d(stringOrList, 'Host pattern: all, group, host, node*, a:b, a:!b, a:&b, ~regex'),
  });
}

export const importPlaybookSchema = z.strictObject({
  import_playbook: d(z.string(), 'Path relative to this file'),
  ...partialShape({
    name: z.string(),
    tags: tagsSchema,
    vars: varsSchema,
    when: d(condition, "Added before every task's conditions in the imported plays (not their handlers), as 2.14's PlaybookInclude"),
  }),
});

function partialShape<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
}

// ---------------------------------------------------------------- introspection

interface AnyDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}
export const defOf = (s: z.ZodType): AnyDef => (s as unknown as { _zod: { def: AnyDef } })._zod.def;

export function unwrap(s: z.ZodType): z.ZodType {
  for (let i = 0; i < 50; i++) {
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    // z.preprocess(fn, schema) is pipe(transform, schema): the shape is on the out side.
    else if (def.type === 'pipe' && def.in) s = defOf(def.in).type === 'transform' ? def.out! : def.in;
    else if (def.type === 'lazy' && def.getter) s = def.getter();
    else return s;
  }
  return s;
}

/**
 * The keys an object schema at `path` accepts (union of objects: all of them),
 * for "did you mean" and for catching unknown keys of non-strict module schemas.
 * undefined when the schema there is not an object.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'union' || def.type === 'intersection') {
    const parts = def.options ?? [def.left!, def.right!];
    const all = parts.map((o) => knownKeysAt(o, path)).filter((k): k is string[] => k !== undefined);
    return all.length ? [...new Set(all.flat())] : undefined;
  }
  if (path.length === 0) return def.type === 'object' ? Object.keys(def.shape!) : undefined;
  const [seg, ...rest] = path;
  if (def.type === 'object' && def.shape && Object.prototype.hasOwnProperty.call(def.shape, String(seg))) return knownKeysAt(def.shape[String(seg)], rest);
  if (def.type === 'array' && def.element) return knownKeysAt(def.element, rest);
  if (def.type === 'record' && def.valueType) return knownKeysAt(def.valueType, rest);
  return undefined;
}
