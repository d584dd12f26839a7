/**
 * Lookup plugins that roles call as `lookup('name', ...)` / `query('name', ...)` (and, for
 * the file-finding ones, as `with_name:`), each as ansible-core 2.14's
 * lib/ansible/plugins/lookup/<name>.py returns it: a list, which `lookup()` then joins
 * (template/__init__.py `_lookup`). Fixed table; a name not here fails at load time.
 * Only lookups that read the controller's variables or files, or run the operator's command on the
 * controller (pipe): nothing on a host.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { templateLookup } from './lookup-template.js';
import { ExprValueError, UndefinedVariableError } from './errors.js';
import { pyRegex } from './regex.js';
import { trim } from './filters-text.js';
import { globNames, isRegular } from './filters-system.js';
import { factVarOf, INJECTS_AS_VARS, pyKeyOf, pyStr, tuple, typeName } from './values.js';
import { matchPatterns } from '../host-pattern.js';
import type { Inventory } from '../model.js';
import { UnsafeText } from './unsafe.js';

export interface LookupDef {
  /** terms: the positional arguments after the name; kwargs: the keyword ones. */
  run(terms: unknown[], kwargs: Record<string, unknown>, scope: Record<string, unknown>, read?: (name: string) => unknown): unknown[];
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The names an expression can read: the scope's own, and `ansible_X` for each fact that
 * `ansible_facts` injects as a variable (evaluate.ts), as Ansible's task vars hold the gathered
 * facts under those names. Reflect.ownKeys lists the facts without fetching one.
 */
function readableNames(scope: Record<string, unknown>): string[] {
  const names = new Set(Object.keys(scope));
  const facts = scope.ansible_facts as Record<string | symbol, unknown> | undefined;
  if (facts && facts[INJECTS_AS_VARS]) for (const k of Reflect.ownKeys(facts)) if (typeof k === 'string') names.add(factVarOf(k));
  return [...names];
}

/** varnames.py: the names of the variables in scope (facts and magic variables too) that a Python regex `search`es. */
const varnames: LookupDef = {
  run(terms, _kwargs, scope) {
    const names = readableNames(scope);
    const out: string[] = [];
    for (const term of terms) {
      if (typeof term !== 'string') throw new ExprValueError(`Invalid setting identifier, "${String(term)}" is not a string, it is a ${typeName(term)}`);
      const re = pyRegex(term, {});
      for (const name of names) if (re.test(name)) out.push(name);
    }
    return out;
  },
};

/** The task's search path (Task.get_search_path): a role task's role dir then its tasks dir, a play task's playbook dir. */
export function searchRoots(scope: Record<string, unknown>): string[] {
  const rolePath = typeof scope.role_path === 'string' ? scope.role_path : undefined;
  return rolePath ? [rolePath, join(rolePath, 'tasks')] : [String(scope.playbook_dir ?? '.')];
}

/**
 * DataLoader.path_dwim_relative_stack (2.14): where a lookup looks for a relative file. A role
 * task's search path (Task.get_search_path) is its role dir then its tasks dir, a play task's
 * the playbook's dir; `subdir` (files, templates, vars) is tried first under each, and the
 * playbook's dir is the last resort.
 */
export function searchFile(needle: string, subdir: string, scope: Record<string, unknown>): string | undefined {
  if (isAbsolute(needle)) return existsSync(needle) ? needle : undefined;
  const basedir = String(scope.playbook_dir ?? '.');
  const paths = searchRoots(scope);
  const first = needle.split('/')[0];
  const search: string[] = [];
  for (const p of paths) {
    if (first !== subdir) search.push(join(p, subdir, needle));
    search.push(join(p, needle));
  }
  if (first !== subdir) search.push(join(basedir, subdir, needle));
  search.push(join(basedir, needle));
  return search.find((c) => existsSync(c));
}

/** first_found.py's `_split_on`: strings split on any of `seps`, lists flattened. */
function splitOn(v: unknown, seps: RegExp): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string')
    return v
      .split(seps)
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v)) return v.flatMap((x) => splitOn(x, seps));
  return [String(v)];
}

/** first_found.py `_process_terms`: the candidate names in order, and `skip`. */
function firstFoundTerms(terms: unknown[], kwargs: Record<string, unknown>): { search: string[]; skip: boolean } {
  let search: string[] = [];
  let skip = false;
  for (const term of terms) {
    let opts: Record<string, unknown>;
    if (isMap(term)) opts = term;
    else if (typeof term === 'string') opts = kwargs;
    else if (Array.isArray(term)) {
      const sub = firstFoundTerms(term, kwargs);
      search.push(...sub.search);
      skip = sub.skip;
      continue;
    } else throw new ExprValueError(`Invalid term supplied, can handle string, mapping or list of strings but got: ${typeName(term)} for ${String(term)}`);
    const files = splitOn(opts.files, /[,;]/);
    const paths = splitOn(opts.paths, /[,:;]/);
    skip = Boolean(opts.skip);
    if (paths.length) for (const p of paths) for (const f of files) search.push(join(p, f));
    else if (files.length)
      search = files; // the release assigns here: a later mapping without paths replaces
    else search.push(String(term));
  }
  return { search, skip };
}

/** first_found.py: the first candidate found (searchFile), as a one-item list; [] with skip. */
export function firstFound(terms: unknown[], kwargs: Record<string, unknown>, scope: Record<string, unknown>, subdir = 'files'): string[] {
  const { search, skip } = firstFoundTerms(terms, kwargs);
  for (const fn of search) {
    const found = searchFile(fn, subdir, scope);
    if (found) return [found];
  }
  if (skip) return [];
  throw new ExprValueError('No file was found when using first_found.');
}

/** flattened.py's `_check_list_of_one_list`: a list of one item (of one list...) is that item. */
function oneOf(term: unknown): unknown {
  while (Array.isArray(term) && term.length === 1) term = term[0];
  return term;
}

/**
 * community.general 6.6.2 plugins/lookup/flattened.py `_do_flatten`: lists flattened at every depth;
 * a string item is stripped (listify_lookup_plugin_terms templates `term.strip()`; its value is
 * rendered already); the string "None" or "null" ends the list it is in (the release `break`s),
 * while a real null, a mapping or a number is kept as an item. A stripped unsafe string stays
 * unsafe (the release would render it as a template: what a host said is never rendered here).
 */
function flatten(terms: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let term of terms) {
    term = oneOf(term);
    const text = term instanceof UnsafeText ? term.text : term;
    if (text === 'None' || text === 'null') break;
    if (typeof term === 'string') term = term.trim();
    else if (term instanceof UnsafeText && term.text.trim() !== term.text) term = new UnsafeText(term.text.trim());
    if (Array.isArray(term)) out.push(...flatten(term));
    else out.push(term);
  }
  return out;
}

/**
 * A scope's mark (symbol key, as COMMANDS_BARRED) naming the scope lookups run with: a template imported
 * or included without context sees none of the task's variables, but its lookups still run as the task's
 * (Ansible's _lookup uses the templar's variables, not the Jinja context).
 */
export const LOOKUP_SCOPE = Symbol('lookup scope');

/** A value a lookup gives only when its task runs (pipe during static checks): never turned into None by `errors=`. */
export class LookupNotYet extends ExprValueError {}

/**
 * A render scope's mark (a symbol key: copied by a spread, inherited by a child scope, never a
 * variable name) saying no command may run while it renders: the static checks and `nodemend
 * validate` look at a playbook before it runs. Its value collects the commands refused.
 */
const COMMANDS_BARRED = Symbol('commands barred');

/** `scope` marked: a pipe lookup rendered with it (or a scope made from it) notes its command in `refused` and fails. */
export function barCommands<T extends Record<string, unknown>>(scope: T, refused: string[] = []): T {
  (scope as Record<symbol, unknown>)[COMMANDS_BARRED] = refused;
  return scope;
}

/** How a pipe command ended: spawnSync's fields, which runPipeCommand gives too. */
export interface PipeOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  error?: Error;
}

/** Where pipe.py runs a command: the loader's basedir, the playbook's directory (also for a role task). */
const pipeCwd = (scope: Record<string, unknown>): string => String(scope.playbook_dir ?? '.');

/** The command's exit in pipe.py's / lines.py's words, and its stdout decoded as UTF-8. */
function commandOutput(plugin: string, cmd: string, r: PipeOutcome): string {
  if (r.error) throw new ExprValueError(`lookup_plugin.${plugin}(${cmd}): ${r.error.message}`);
  const rc = r.status ?? -(r.signal ? constants.signals[r.signal] : 1);
  if (rc !== 0) throw new ExprValueError(`lookup_plugin.${plugin}(${cmd}) returned ${rc}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(r.stdout);
  } catch {
    throw new ExprValueError(`lookup_plugin.${plugin}(${cmd}): its output is not UTF-8 ('utf-8' codec can't decode it)`);
  }
}

/** pipe.py's verdict on an ended command: its output less trailing whitespace, or its error. */
const pipeOutput = (cmd: string, r: PipeOutcome): string[] => [trim(commandOutput('pipe', cmd, r), undefined, 'end')];

/** lines.py's: each line of the output (Python's bytes.splitlines: \n, \r\n, \r). */
const linesOutput = (cmd: string, r: PipeOutcome): string[] =>
  commandOutput('lines', cmd, r)
    .split(/\r\n|\r|\n/)
    .filter((l, i, all) => i < all.length - 1 || l !== '');

/** The command as pipe.py runs it (/bin/sh -c, empty stdin, the controller's stderr), without blocking the event loop. */
export function runPipeCommand(cmd: string, cwd: string): Promise<PipeOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: Error | undefined;
    const child = spawn('/bin/sh', ['-c', cmd], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
    child.on('error', (e) => (error = e));
    child.stdin.on('error', () => {}); // a command that exits without reading its (empty) stdin
    child.stdin.end();
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(chunks), error }));
  });
}

/**
 * A render scope's record of the pipe commands its render ran asynchronously (run/scope.ts withFacts, which
 * retries the render as it does for a fact): the render's n-th pipe call (`next`) takes `ran[n]` when that is
 * its command, else throws CommandNeeded. Each call runs its command once, in order, as Ansible's would.
 */
const PIPES_RAN = Symbol('pipes ran');
export interface PipesRan {
  ran: { cmd: string; outcome: PipeOutcome }[];
  next: number;
}

/** Thrown (and passed through by evaluation, as FactNeeded) when a render's `index`-th pipe call has not run yet. */
export class CommandNeeded extends Error {
  constructor(
    readonly cmd: string,
    readonly cwd: string,
    readonly index: number,
  ) {
    super(`pipe command ${JSON.stringify(cmd)} is needed`);
    this.name = 'CommandNeeded';
  }
}

/** `scope` keeps its pipe calls' outcomes in `record` (renders retried on CommandNeeded; undefined: it runs them at once, blocking); returns the record it had. */
export function recordPipes(scope: Record<string, unknown>, record: PipesRan | undefined): PipesRan | undefined {
  const s = scope as Record<symbol, PipesRan | undefined>;
  const before = s[PIPES_RAN];
  if (record) s[PIPES_RAN] = record;
  else delete s[PIPES_RAN];
  return before;
}

/**
 * pipe.py: each term (as Python's str()) run on the controller by /bin/sh -c (subprocess
 * shell=True), in the loader's basedir, which is the playbook's directory also for a role task
 * (pipe.py asks the loader, not the role path), with an empty stdin and the controller's stderr;
 * its stdout decoded as UTF-8 with the trailing whitespace stripped (str.rstrip()). A non-zero exit
 * (a signal's as Python's negative number) fails in pipe.py's words. The output is data: unsafe,
 * as every lookup result (evaluate.ts runLookup, loops.ts), never rendered as a template. In a run's
 * task the command runs asynchronously (PIPES_RAN); elsewhere (hosts:, serial: at load) at once.
 */
const commandLookup = (plugin: string, output: (cmd: string, r: PipeOutcome) => string[]): LookupDef => ({
  run(terms, _kwargs, scope) {
    return terms.flatMap((term) => {
      const cmd = pyStr(term);
      const refused = (scope as Record<symbol, string[] | undefined>)[COMMANDS_BARRED];
      if (refused) {
        refused.push(cmd);
        throw new LookupNotYet(`lookup_plugin.${plugin}(${cmd}) runs when the task runs, not before`);
      }
      const record = (scope as Record<symbol, PipesRan | undefined>)[PIPES_RAN];
      if (record) {
        const n = record.next++;
        if (record.ran[n]?.cmd !== cmd) throw new CommandNeeded(cmd, pipeCwd(scope), n);
        return output(cmd, record.ran[n].outcome);
      }
      return output(cmd, spawnSync('/bin/sh', ['-c', cmd], { cwd: pipeCwd(scope), input: '', stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: Infinity }));
    });
  },
});

const pipe = commandLookup('pipe', pipeOutput);

/** lines.py: as pipe (the same shell, directory, stdin and async run), each line of the output one item. */
const lines = commandLookup('lines', linesOutput);

/** env.py: each term's first word as a controller environment variable, else the `default` option (''). */
const env: LookupDef = {
  run(terms, kwargs) {
    const d = Object.hasOwn(kwargs, 'default') ? kwargs.default : '';
    return terms.map((term) => {
      const name = pyStr(term).trim().split(/\s+/)[0] ?? '';
      return Object.hasOwn(process.env, name) ? process.env[name] : d;
    });
  },
};

/**
 * file.py: each term a controller file found as the lookup's search path finds it (`files/` first), its text
 * (UTF-8), less trailing whitespace (`rstrip`, default on) and leading (`lstrip`, default off).
 */
const file: LookupDef = {
  run(terms, kwargs, scope) {
    const flag = (k: string, d: boolean): boolean => (Object.hasOwn(kwargs, k) ? Boolean(kwargs[k]) : d);
    return terms.map((term) => {
      const path = searchFile(pyStr(term), 'files', scope);
      if (!path) throw new ExprValueError(`could not locate file in lookup: ${pyStr(term)}`);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
      } catch {
        throw new ExprValueError(`${path} is not UTF-8 text ('utf-8' codec can't decode it)`);
      }
      if (flag('lstrip', false)) text = trim(text, undefined, 'start');
      if (flag('rstrip', true)) text = trim(text, undefined, 'end');
      return text;
    });
  },
};

/** module_utils convert_bool's boolean(value, strict=False): true only for its true values. */
const looseBool = (v: unknown): boolean => v === true || v === 1 || (typeof v === 'string' && ['y', 'yes', 'on', '1', 'true', 't'].includes(v.toLowerCase().trim()));

/** Python's `x.get('skipped', False) is not False`. */
const isSkipped = (m: Record<string, unknown>): boolean => 'skipped' in m && m.skipped !== false;

/**
 * with_subelements as 2.14's lookup/subelements.py: each mapping of the list (a registered
 * result's skipped items left out) paired with each element of the list at `key` (dotted for
 * nested mappings), that list popped from the item's first element, as Ansible's `pop` does (on a
 * copy: the variable stays whole). `skip_missing` (a loose boolean) skips a missing key, also a
 * middle one (the next part is then looked up at the same level, as Ansible's `continue` does).
 */
function subelements(terms: unknown[]): unknown[] {
  const termsError = (msg = ''): never => {
    throw new ExprValueError(`subelements lookup expects a list of two or three items, ${msg}`);
  };
  // listify_lookup_plugin_terms: a string or a scalar first term is a list of it (its items then fail as no dictionary).
  const list = isMap(terms[0]) || Array.isArray(terms[0]) ? terms[0] : [terms[0]];
  const [, key, flags = {}] = terms;
  if (terms.length < 2 || terms.length > 3) termsError();
  if (typeof key !== 'string') termsError('first a dict or a list, second a string pointing to the subkey');
  // Python's iteration of a flags value that is no dict: a string's characters, none of them a flag.
  const flagNames = isMap(flags) ? [] : Array.isArray(flags) ? flags : typeof flags === 'string' ? [...flags] : undefined;
  if (flagNames && !(flagNames.length > 0 ? flagNames.every((f) => f === 'skip_missing') : true)) termsError("the optional third item must be a dict with flags ['skip_missing']");
  if (isMap(list) && isSkipped(list)) return [];
  const parts = (key as string).split('.');
  const skipMissing = isMap(flags) && looseBool(flags.skip_missing ?? false);
  const out: unknown[] = [];
  for (const elem of isMap(list) ? Object.values(list) : list) {
    if (!isMap(elem)) throw new ExprValueError(`subelements lookup expects a dictionary, got '${pyStr(elem)}'`);
    if (isSkipped(elem)) continue;
    const item0: Record<string, unknown> = { ...elem };
    let sub = item0;
    let last = false;
    let sublist: unknown[] = [];
    for (const part of parts) {
      if (part === parts[parts.length - 1]) last = true;
      if (!(part in sub)) {
        if (skipMissing) continue;
        throw new ExprValueError(`could not find '${part}' key in iterated item '${pyStr(sub)}'`);
      }
      const v = sub[part];
      if (!last) {
        if (!isMap(v)) {
          if (skipMissing) continue;
          throw new ExprValueError(`the key ${part} should point to a dictionary, got '${pyStr(v)}'`);
        }
        sub = sub[part] = { ...v };
      } else {
        if (!Array.isArray(v)) throw new ExprValueError(`the key ${part} should point to a list, got '${pyStr(v)}'`);
        sublist = v;
        delete sub[part];
      }
    }
    for (const s of sublist) out.push([item0, s]);
  }
  return out;
}

export const subelementsLookup: LookupDef = { run: (terms) => subelements(terms) };

/** dict.py: each term a mapping, each of its entries as `{key, value}` (a term that is not one fails). */
export const dictLookup: LookupDef = {
  run(terms) {
    return terms.flatMap((term) => {
      if (!isMap(term)) throw new ExprValueError('with_dict expects a dict');
      return Object.keys(term).map((key) => ({ key: pyKeyOf(term, key), value: term[key] }));
    });
  },
};

/**
 * vars.py: each term's variable, templated as a variable read is (an undefined one inside fails
 * too); a missing one is `default` when that is given and not None, else the undefined error.
 */
const varsLookup: LookupDef = {
  run(terms, kwargs, scope, read) {
    const dflt = kwargs.default;
    // A loop (`with_vars:`) reads the scope's own value.
    read ??= (name) => {
      if (!Object.hasOwn(scope, name)) throw new UndefinedVariableError(name);
      return scope[name];
    };
    return terms.map((term) => {
      if (typeof term !== 'string') throw new ExprValueError(`Invalid setting identifier, "${pyStr(term)}" is not a string, its a ${typeName(term)}`);
      try {
        return read(term);
      } catch (e) {
        if (e instanceof UndefinedVariableError && dflt !== undefined && dflt !== null) return dflt;
        throw e;
      }
    });
  },
};

/** Python's os.path.split: the head less its trailing slashes (unless it is all slashes), and the tail. */
function pySplit(p: string): [string, string] {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return [head, p.slice(i)];
}

/**
 * Python's glob.glob of one name pattern in a literal directory: without a magic character the path if it
 * exists; else the directory's entries in the order the directory gives them (os.scandir: readdir order,
 * never sorted; Node's readdirSync sorts, so opendirSync), a dot name only for a pattern starting with a
 * dot, matched as fnmatch does.
 */
function globIn(dir: string, pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return existsSync(join(dir, pattern)) ? [join(dir, pattern)] : [];
  return globNames(dir, pattern).map((name) => join(dir, name));
}

/**
 * fileglob.py: each term a glob of controller files (regular files, symlinks to one included). A term with
 * a directory: that directory found as lookup('file') finds a file (`files/` first, searchFile), globbed
 * there. A bare pattern: tried in `<p>/files` then `<p>` for each path of the task's search path, the
 * first that matches anything wins. Absolute paths, in the directory's own order (not sorted); none: [].
 */
const fileglob: LookupDef = {
  run(terms, _kwargs, scope) {
    const out: string[] = [];
    for (const term of terms) {
      const t = pyStr(term);
      const [dir, name] = pySplit(t);
      const candidates: string[] = [];
      if (name !== t) {
        const found = searchFile(dir, 'files', scope);
        if (found) candidates.push(found);
      } else for (const p of searchRoots(scope)) candidates.push(join(p, 'files'), p);
      for (const c of candidates) {
        const hits = globIn(c, name).filter(isRegular);
        if (hits.length) {
          out.push(...hits);
          break;
        }
      }
    }
    return out;
  },
};

/** LookupBase._flatten: one level of lists opened. */
const flattenOne = (terms: unknown[]): unknown[] => terms.flatMap((t) => (Array.isArray(t) ? t : [t]));

/** indexed_items.py: the terms flattened one level, each item as the tuple (index, item). */
export const indexedItems: LookupDef = { run: (terms) => flattenOne(terms).map((x, i) => tuple([i, x])) };

/**
 * inventory_hostnames.py: the host names a pattern (each term one, as get_hosts takes a list) selects
 * from an inventory rebuilt from the `groups` variable (so `all`, groups, globs, `!`/`&`, subscripts as a
 * play's hosts:); an error (a subscript past the end) gives [].
 */
const inventoryHostnames: LookupDef = {
  run(terms, _kwargs, scope) {
    const groups = (isMap(scope.groups) ? scope.groups : {}) as Record<string, unknown>;
    const inv: Inventory = { file: '', hosts: new Map(), groups: new Map(), groupsCreated: Object.keys(groups) };
    for (const [g, hosts] of Object.entries(groups)) {
      const names = Array.isArray(hosts) ? hosts.map((h) => pyStr(h)) : [];
      inv.groups.set(g, { name: g, hosts: names, children: [], vars: {} });
      for (const h of names) if (!inv.hosts.has(h)) inv.hosts.set(h, { name: h } as never);
    }
    try {
      return matchPatterns(
        inv,
        terms.map((t) => pyStr(t)),
        { file: 'lookup(inventory_hostnames)' },
        (msg) => process.stderr.write(`[WARNING]: ${msg}\n`),
      );
    } catch {
      return [];
    }
  },
};

export const LOOKUPS: Record<string, LookupDef> = {
  varnames,
  dict: dictLookup,
  subelements: subelementsLookup,
  flattened: { run: (terms) => flatten(terms) },
  first_found: { run: (terms, kwargs, scope) => firstFound(terms, kwargs, scope) },
  pipe,
  lines,
  template: templateLookup,
  env,
  file,
  vars: varsLookup,
  fileglob,
  indexed_items: indexedItems,
  inventory_hostnames: inventoryHostnames,
};

/** Lookups of a collection, by their full name (2.14 routes the short name there too). */
const COLLECTION_LOOKUPS: Record<string, string> = { 'community.general.flattened': 'flattened' };

/** A lookup by its short name, `ansible.builtin.` name or collection name. */
export function lookupPlugin(name: string): LookupDef | undefined {
  const short = name.startsWith('ansible.builtin.') ? name.slice('ansible.builtin.'.length) : (COLLECTION_LOOKUPS[name] ?? name);
  return Object.hasOwn(LOOKUPS, short) ? LOOKUPS[short] : undefined;
}

/** What `lookup()` (not `query()`) returns for a plugin's list: template/__init__.py `_lookup`. */
export function lookupValue(ran: unknown[]): unknown {
  if (ran.length === 0) return ran;
  if (ran.every((x) => typeof x === 'string')) return ran.join(',');
  return ran.length === 1 ? ran[0] : ran;
}
