/**
 * A play's templated vars_files, per host when the play starts (load/vars-files.ts reads the files).
 * 2.14's VariableManager.get_vars renders each entry with the variables below play vars (role
 * defaults, inventory, facts), the play vars and the vars_files read so far, extra vars and magic
 * variables: not task, block, role or set_fact variables. A list entry reads the first path that
 * renders to an existing file. An undefined variable skips the entry while the host has no facts
 * (a play that gathers none) and stops the run once it has them; an entry whose every path is
 * missing stops the run: both as 2.14's "ERROR!", before the play's first task.
 */
import { existsSync } from 'node:fs';
import { NodemendError } from '../load/errors.js';
import { compileTemplate, UndefinedVariableError } from '../load/expr/index.js';
import { pyRepr } from '../load/expr/values.js';
import { loadVarsFile } from '../load/vars-file.js';
import { pyList, varsFilePaths, type PlayVarsFiles, type TemplatedVarsFiles } from '../load/vars-files.js';
import type { HostRun } from './host-run.js';
import { buildScope, withFacts, type ScopeParts } from './scope.js';

/** The play's vars on `host`: its vars with each vars_files entry merged over them in order. */
export async function playVarsOnHost(files: PlayVarsFiles, host: HostRun, base: Omit<ScopeParts, 'host' | 'blockVars' | 'taskVars'>): Promise<Record<string, unknown>> {
  const vars = { ...files.base };
  for (const entry of files.entries) {
    if ('vars' in entry) {
      Object.assign(vars, entry.vars);
      continue;
    }
    const scope = buildScope({ ...base, host, blockVars: {}, taskVars: {}, playVars: vars, varsFilesOnly: true });
    const data = await withFacts(host.facts, () => readEntry(entry, scope, host.facts.hasGathered()), scope);
    Object.assign(vars, data);
  }
  return vars;
}

function readEntry(entry: TemplatedVarsFiles, scope: Record<string, unknown>, hasFacts: boolean): Record<string, unknown> | undefined {
  const written = entry.list ? pyList(entry.names) : entry.names[0];
  for (const name of entry.names) {
    let path: unknown;
    try {
      path = compileTemplate(name).render(scope);
    } catch (e) {
      if (!(e instanceof UndefinedVariableError)) throw e;
      if (!hasFacts) return undefined; // 2.14: skipped while the host has no facts ("skipping vars_file ... due to an undefined variable")
      throw new NodemendError('schema', `an undefined variable was found when attempting to template the vars_files item '${written}': ${e.message}`, entry.at);
    }
    if (typeof path !== 'string')
      throw new NodemendError(
        'schema',
        `Invalid vars_files entry found: ${pyRepr(path)}\nvars_files entries should be either a string type or a list of string types after template expansion`,
        entry.at,
      );
    const found = varsFilePaths(entry.dir, path).find((p) => entry.candidates.has(p) || existsSync(p));
    if (!found) continue;
    const known = entry.candidates.get(found);
    if (known) return known;
    // A path no wildcard of the load foresaw (a rendered value with a `/`): read now, an error in it stops the run.
    const errors: NodemendError[] = [];
    const data = loadVarsFile(found, errors, entry.at);
    if (errors.length) throw errors[0];
    return data;
  }
  throw new NodemendError('schema', `vars file ${written} was not found`, entry.at);
}
