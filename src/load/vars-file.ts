/**
 * A YAML file of variables (vars_files, a role's defaults/ and vars/, include_vars): a
 * mapping, its templates compiled, errors at their file:line:col. Empty is no variables, as is
 * a document holding only `---`, comments or `null` (Ansible 2.14 takes a None load as {}:
 * geerlingguy.docker ships a vars/main.yml that is `---` and a comment).
 *
 * A large vars file is read through yaml-fast.ts (no Document nodes) when it is of the common
 * kind and nothing in it would be reported; anything else, and every file with an error, goes
 * through the Document path, so each message keeps its file:line:col.
 */
import { isMap, isScalar, type Node } from 'yaml';
import { NodemendError } from './errors.js';
import type { Loc } from './model.js';
import { compileTemplate } from './expr/index.js';
import { checkTemplatesDeep, isTemplated } from './expr-check.js';
import { fastPlain } from './yaml-fast.js';
import { displayPath, kindOf, parseYaml, plain, posOf, readInputText } from './yaml-source.js';

/** undefined when the file could not be read or parsed (the reason is in `errors`). */
export function loadVarsFile(abs: string, errors: NodemendError[], from?: Loc, fast = true): Record<string, unknown> | undefined {
  const text = readInputText(abs, errors, from, 'vars file');
  if (text === undefined) return undefined;
  const quick = fast ? fastVars(text) : undefined;
  if (quick) return quick;
  const vf = parseYaml(text, displayPath(abs), errors);
  if (vf.doc.errors.length) return undefined;
  if (vf.root == null || (isScalar(vf.root) && vf.root.value == null)) return {};
  if (!isMap(vf.root)) {
    errors.push(new NodemendError('schema', `a vars file must hold a mapping of variables, got ${kindOf(vf.root)}`, posOf(vf, vf.root)));
    return undefined;
  }
  const before = errors.length;
  checkTemplatesDeep(vf, vf.root as Node, errors);
  return errors.length > before ? undefined : (plain(vf, vf.root) as Record<string, unknown>);
}

/** The variables from the fast path, or undefined when the Document path must read (or report on) the file. */
function fastVars(text: string): Record<string, unknown> | undefined {
  const value = fastPlain(text, 'either', templateCompiles);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * checkTemplatesDeep's check of one string value. The fast path checks each value as it reads it,
 * so a string only a `<<` source holds (its key set in the mapping itself) is checked too: a
 * bad one sends the file to the Document path, which decides.
 */
function templateCompiles(value: string): boolean {
  if (!isTemplated(value)) return true;
  try {
    compileTemplate(value);
    return true;
  } catch {
    return false;
  }
}
