/**
 * A play's `vars_files` (2.14's VariableManager.get_vars): each entry a path, or a list of paths of
 * which the first that exists is read (the "conditional include"). A path is looked for as 2.14's
 * path_dwim_relative_stack does: `<play dir>/vars/NAME` (unless NAME starts with `vars/`), then
 * `<play dir>/NAME`; an absolute one as it is.
 *
 * Static entries are read here. A templated one is rendered per host when the play starts
 * (run/vars-files.ts); so that its files are checked before any host is contacted, every file its
 * templates could name (each templated part of a path segment a wildcard) is read here too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isScalar, isSeq, type Node } from 'yaml';
import { NodemendError } from './errors.js';
import type { Loc } from './model.js';
import { hasTemplate, namesInTemplate } from './expr/index.js';
import { checkTemplate } from './expr-check.js';
import { loadVarsFile } from './vars-file.js';
import { items, posOf, type YamlFile } from './yaml-source.js';

/** A templated vars_files entry, resolved per host at play start. */
export interface TemplatedVarsFiles {
  /** The paths as written (a list entry's, in order). */
  names: string[];
  /** Written as a list: 2.14's messages quote the entry as a Python list then. */
  list: boolean;
  at: Loc;
  dir: string;
  /** Every existing file a name could render to (absolute path → its variables), read and checked at load. */
  candidates: Map<string, Record<string, unknown>>;
}

/** The vars_files of a play with a templated entry: the play's own vars, then each entry in order. */
export interface PlayVarsFiles {
  base: Record<string, unknown>;
  entries: ({ vars: Record<string, unknown> } | TemplatedVarsFiles)[];
}

/** Where 2.14 looks for a vars file NAME of a play in `dir`, in order. */
export function varsFilePaths(dir: string, name: string): string[] {
  if (isAbsolute(name) || name.startsWith('~')) return [name];
  return [...(name.split('/')[0] !== 'vars' ? [join(dir, 'vars', name)] : []), resolve(dir, name)];
}

/** Names a template can read that hold facts: their value is known only once the host's facts are. */
const FACT_NAMES = /^(ansible_.*|facts|hostvars|vars)$/;

/**
 * The play's vars (`base`, vars_files merged over it in order). `gathers`: the play gathers facts;
 * an entry whose template reads facts in a play that gathers none is refused (2.14 renders it again at
 * every task, so a later setup task changes which file is read; nodemend renders it once, at play start).
 * Returns the static merge and, when an entry is templated, the entries for run/vars-files.ts.
 */
export function loadVarsFiles(
  y: YamlFile,
  node: Node | null | undefined,
  dir: string,
  base: Record<string, unknown>,
  gathers: boolean,
  errors: NodemendError[],
): { vars: Record<string, unknown>; templated?: PlayVarsFiles } {
  const vars = { ...base };
  const entries: PlayVarsFiles['entries'] = [];
  let anyTemplated = false;
  for (const f of node ? (isSeq(node) ? items(y, node) : [node]) : []) {
    const list = isSeq(f);
    const nameNodes = list ? items(y, f) : [f];
    if (!nameNodes.length || nameNodes.some((n) => !isScalar(n) || typeof n.value !== 'string')) {
      errors.push(new NodemendError('schema', 'a vars_files entry is a path or a list of paths (the first that exists is read)', posOf(y, f)));
      continue;
    }
    const names = nameNodes.map((n) => (n as { value: string }).value);
    nameNodes.forEach((n, i) => checkTemplate(y, n!, names[i], errors));
    const at = posOf(y, f);
    if (!names.some(hasTemplate)) {
      const found = names.flatMap((n) => varsFilePaths(dir, n)).find((p) => existsSync(p));
      // None there: 2.14 stops the run at the play's first task ("vars file ... was not found"); refused here.
      const data = found || !list ? loadVarsFile(found ?? varsFilePaths(dir, names[0]).at(-1)!, errors, at) : undefined;
      if (!found && list) errors.push(new NodemendError('schema', `vars file ${pyList(names)} was not found (looked for each in ${dir}/vars and ${dir})`, at));
      Object.assign(vars, data);
      entries.push({ vars: data ?? {} });
      continue;
    }
    const readsFacts = names.some((n) => hasTemplate(n) && namesInTemplate(n).read.some((r) => FACT_NAMES.test(r.name)));
    if (readsFacts && !gathers) {
      errors.push(
        new NodemendError(
          'schema',
          'this vars_files entry reads facts in a play that gathers none: 2.14 renders it again at every task (a later setup task changes the file read), nodemend once per host at play start; gather facts in this play, or read the file with include_vars',
          at,
        ),
      );
      continue;
    }
    anyTemplated = true;
    const candidates = new Map<string, Record<string, unknown>>();
    for (const name of names)
      for (const p of varsFilePaths(dir, name).flatMap((p) => (hasTemplate(p) ? globTemplated(p) : existsSync(p) ? [p] : []))) {
        const data = candidates.has(p) ? undefined : loadVarsFile(p, errors, at);
        if (data) candidates.set(p, data);
      }
    entries.push({ names, list, at, dir, candidates });
  }
  return anyTemplated ? { vars, templated: { base, entries } } : { vars };
}

/** 2.14 quotes a list entry as Python prints a list of str. */
export const pyList = (names: string[]): string => `[${names.map((n) => `'${n.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;

/** The existing files a templated path could name: each segment with `{{ }}`/`{% %}` a pattern, its templated parts `.*`. */
function globTemplated(path: string): string[] {
  const segments = path.split('/');
  let dirs = [segments[0] === '' ? '/' : '.'];
  for (const [i, seg] of segments.entries()) {
    if (i === 0 && seg === '') continue;
    const last = i === segments.length - 1;
    if (!hasTemplate(seg)) {
      dirs = dirs.map((d) => join(d, seg)).filter((p) => existsSync(p));
      continue;
    }
    const re = new RegExp(
      `^${seg
        .split(/(\{\{.*?\}\}|\{%.*?%\})/)
        .map((part, j) => (j % 2 ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    );
    dirs = dirs.flatMap((d) => {
      try {
        return readdirSync(d, { withFileTypes: true })
          .filter((e) => re.test(e.name) && (last ? !e.isDirectory() : e.isDirectory() || e.isSymbolicLink()))
          .map((e) => join(d, e.name));
      } catch {
        return [];
      }
    });
  }
  return dirs;
}
