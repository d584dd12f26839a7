/**
 * One load pass: extra vars, inventory, playbook (with includes and imports),
 * host patterns and --limit. Every problem is collected and thrown as one
 * ValidationErrors before any host is contacted.
 */
import { checkTemplateFiles, tasksOf } from './template-files.js';
import { dirname, resolve } from 'node:path';
import { NodemendError, ValidationErrors } from './errors.js';
import type { Inventory, Loc, Play, Playbook } from './model.js';
import { parse as parseYaml } from 'yaml';
import { renderedSerialSchema } from './schema.js';
import { newDiag } from './diag.js';
import { parseExtraVars } from './extra-vars.js';
import { loadInventory } from './inventory.js';
import { loadPlaybook, playHostsLoc, playPrompts } from './playbook.js';
import { toText } from './expr/values.js';
import { matchPattern, resolveLimit } from './host-pattern.js';
import { compileTemplate, hasTemplate, UndefinedVariableError } from './expr/index.js';
import { barCommands } from './expr/lookups.js';
import { logReads } from './yaml-source.js';
import { staticChecks } from './static-checks.js';
import { applyVarsDirs } from './vars-dirs.js';
import { LOCALHOST_NAMES } from './localhost.js';

export interface LoadOptions {
  playbook: string;
  inventory: string;
  /** Raw `-e` arguments. */
  extraVars?: string[];
  /** `--limit` pattern or `@file`. */
  limit?: string;
  /** Accepted with the other CLI flags; tag selection happens at run time (run/tags.ts). */
  tags?: string[];
  skipTags?: string[];
  /**
   * `nodemend validate`: no command runs, not even a pipe lookup in a templated `hosts:` or `serial:`
   * (which `run` renders here, before any host): such a play's hosts (or batches) stay unknown, with a warning.
   */
  noCommands?: boolean;
  /** Where warnings go (unmatched pattern terms...); default: stderr as "[WARNING]: ...". */
  onWarning?: (msg: string) => void;
}

export interface Loaded {
  playbook: Playbook;
  inventory: Inventory;
  extraVars: Record<string, unknown>;
  /** Per play (same index as playbook.plays): its hosts after --limit, in inventory order. */
  hostsByPlay: string[][];
  /**
   * A play after one that can change the inventory (group_by, add_host): its hosts as the run has changed
   * the inventory, resolved when it starts (2.14 resolves every play's pattern then); undefined for the
   * plays before, whose hosts are hostsByPlay's.
   */
  hostsAtStart?: (play: number, warn: (msg: string) => void) => string[] | undefined;
  warnings: string[];
  /** Every input file read (absolute): playbooks, task and vars files, inventory, -e @files, --limit @file. */
  sources: string[];
}

/**
 * A templated `serial` (a per-playbook setting such as docker_serial) is rendered like
 * `hosts:`, from play vars and -e; `-e docker_serial=2` or `'[1, "10%"]'` arrive as text.
 */
function renderSerial(play: Play, vars: () => Record<string, unknown>): void {
  if (!play.serial.some((s) => typeof s === 'string' && hasTemplate(s))) return;
  const pos = play.loc;
  const out: unknown[] = [];
  for (const s of play.serial) {
    if (typeof s !== 'string' || !hasTemplate(s)) {
      out.push(s);
      continue;
    }
    let v: unknown = compileTemplate(s, pos).render(vars());
    if (typeof v === 'string') v = parseYaml(v);
    out.push(...(Array.isArray(v) ? v : [v]));
  }
  const r = renderedSerialSchema.safeParse(out.length === 1 ? out[0] : out);
  if (!r.success) throw new NodemendError('schema', `serial ${JSON.stringify(out.length === 1 ? out[0] : out)}: ${r.error.issues[0].message}`, pos);
  play.serial = Array.isArray(r.data) ? r.data : [r.data];
}

function patternError(e: unknown, pos: Loc): NodemendError {
  if (e instanceof UndefinedVariableError) {
    return new NodemendError('undefined-variable', `hosts pattern: ${e.message} (only play vars and extra vars -e are known here)`, pos);
  }
  if (e instanceof NodemendError) return e.pos ? e : new NodemendError(e.code, e.message, pos);
  throw e;
}

/** Files in the order they were first reported, each top to bottom: the order an author fixes them in. */
function inFileOrder(errors: NodemendError[]): NodemendError[] {
  const files = [...new Set(errors.map((e) => e.pos?.file ?? ''))];
  const key = (e: NodemendError): [number, number, number] => [files.indexOf(e.pos?.file ?? ''), e.pos?.line ?? 0, e.pos?.col ?? 0];
  return [...errors].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  });
}

const stderrWarning = (msg: string): void => {
  process.stderr.write(`[WARNING]: ${msg}\n`);
};

export async function loadAll(o: LoadOptions): Promise<Loaded> {
  try {
    const { value, files } = logReads(() => loadSync(o));
    return { ...value, sources: files };
  } catch (e) {
    // A positioned error thrown from deep inside (a bad `<<` merge) is reported as every other one.
    if (e instanceof NodemendError) throw new ValidationErrors([e]);
    throw e;
  }
}

/**
 * vars_prompt as 2.14 runs it with no terminal (playbook_executor.py, display.do_var_prompt): a name
 * given with -e is not asked; else "Not prompting as we are not in interactive mode" and the default
 * as text. Without a default 2.14 sets the text "None": nodemend refuses that at validate instead.
 */
function answerPrompts(play: Play, extraVars: Record<string, unknown>, diag: ReturnType<typeof newDiag>): void {
  for (const p of playPrompts.get(play) ?? []) {
    if (Object.hasOwn(extraVars, p.name)) continue;
    if (p.default === undefined || p.default === null) {
      diag.errors.push(
        new NodemendError(
          'schema',
          `vars_prompt "${p.name}" has no default and nodemend never prompts: give it with -e ${p.name}=VALUE or a default (2.14 with no terminal sets the text "None")`,
          p.at,
        ),
      );
      continue;
    }
    diag.warnings.push(`vars_prompt "${p.name}": not prompting as we are not in interactive mode (the default is used)`);
    play.vars[p.name] = toText(p.default);
  }
}

function loadSync(o: LoadOptions): Omit<Loaded, 'sources'> {
  const diag = newDiag();
  const extraVars = parseExtraVars(o.extraVars ?? [], diag);
  const inventory = loadInventory(resolve(o.inventory), diag);
  // group_vars/ and host_vars/ beside the inventory, then beside the playbook (Ansible 2.14's host_group_vars).
  if (inventory) applyVarsDirs(inventory, [dirname(resolve(o.inventory)), dirname(resolve(o.playbook))], diag, LOCALHOST_NAMES);
  const playbook = loadPlaybook(resolve(o.playbook), diag);
  checkTemplateFiles(playbook, diag.errors);
  const hostsByPlay: string[][] = [];
  let hostsAtStart: Loaded['hostsAtStart'];

  if (inventory) {
    let limit: Set<string> | undefined;
    if (o.limit !== undefined) {
      try {
        limit = resolveLimit(inventory, o.limit, (m) => diag.warnings.push(`--limit: ${m}`));
      } catch (e) {
        if (!(e instanceof NodemendError)) throw e;
        diag.errors.push(e);
      }
    }
    const dynamicFrom = firstInventoryChange(playbook);
    for (const [p, play] of playbook.plays.entries()) {
      answerPrompts(play, extraVars, diag);
      const pos = playHostsLoc.get(play) ?? play.loc;
      const at = `${pos.file}:${pos.line}:${pos.col}`;
      // A pattern term a run can still make match is warned about when its play starts, as 2.14 does.
      const patternWarning = (m: string): void => void (p > dynamicFrom ? undefined : diag.warnings.push(`${at}: ${m}`));
      // `hosts: "{{ target }}"` may use play vars and extra vars (-e target=node1), like Ansible; rendered once here
      // (2.14 renders it at the play's start, twice, also under --syntax-check), under validate with no command run.
      const refused: string[] = [];
      // playbook_dir too: where a pipe lookup runs (pipe.py: the loader's basedir).
      const scope = (): Record<string, unknown> => ({ playbook_dir: play.dir, ...play.vars, ...extraVars });
      const vars = (): Record<string, unknown> => (o.noCommands ? barCommands(scope(), refused) : scope());
      let hosts: string[] = [];
      try {
        if (hasTemplate(play.hosts)) play.hosts = String(compileTemplate(play.hosts, pos).render(vars()));
        hosts = matchPattern(inventory, play.hosts, pos, patternWarning);
        renderSerial(play, vars);
      } catch (e) {
        if (refused.length)
          diag.warnings.push(
            `${at}: not run by validate: lookup_plugin.pipe(${refused[0]}) (a templated hosts: or serial: runs it when the playbook runs)${hosts.length ? '' : "; the play's tasks are checked for no host"}`,
          );
        else diag.errors.push(patternError(e, pos));
      }
      hostsByPlay.push(limit ? hosts.filter((h) => limit.has(h)) : hosts);
    }
    if (dynamicFrom < playbook.plays.length) hostsAtStart = (p, warn) => (p > dynamicFrom ? hostsNow(inventory, playbook.plays[p], o.limit, warn) : undefined);
  }

  // After the rest is clean: a task dropped for an error could be what defines a name.
  if (inventory && diag.errors.length === 0) staticChecks(playbook, inventory, extraVars, hostsByPlay, diag.errors);
  if (diag.errors.length > 0 || !inventory) throw new ValidationErrors(inFileOrder(diag.errors));
  for (const w of diag.warnings) (o.onWarning ?? stderrWarning)(w);
  return { playbook, inventory, extraVars, hostsByPlay, hostsAtStart, warnings: diag.warnings };
}

const INVENTORY_MODULES = new Set(['group_by', 'add_host'].flatMap((m) => [m, `ansible.builtin.${m}`, `ansible.legacy.${m}`]));

/** The first play with a group_by or add_host task (its tasks, roles, includes, handlers); plays.length when none. */
function firstInventoryChange(playbook: Playbook): number {
  const i = playbook.plays.findIndex((play) => [...tasksOf([...play.tasks, ...play.handlers])].some(({ task }) => INVENTORY_MODULES.has(task.module)));
  return i < 0 ? playbook.plays.length : i;
}

/** A play's hosts in the inventory as it stands (2.14's get_hosts at the play's start, --limit applied the same way). */
function hostsNow(inventory: Inventory, play: Play, limit: string | undefined, warn: (msg: string) => void): string[] {
  const pos = playHostsLoc.get(play) ?? play.loc;
  const hosts = matchPattern(inventory, play.hosts, pos, warn);
  if (limit === undefined) return hosts;
  const keep = resolveLimit(inventory, limit, () => undefined);
  return hosts.filter((h) => keep.has(h));
}
