/**
 * A YAML file of variables (vars_files, a role's defaults/ and vars/, include_vars): a
 * mapping, its templates compiled, errors at their file:line:col. Empty is no variables, as is
 * a document holding only `---`, comments or `null` (Ansible 2.14 takes a None load as {}:
 * geerlingguy.docker ships a vars/main.yml that is `---` and a comment).
 */
import { isMap, isScalar, type Node } from 'yaml';
import { NodemendError } from './errors.js';
import type { Loc } from './model.js';
import { checkTemplatesDeep } from './expr-check.js';
import { kindOf, plain, posOf, readYaml } from './yaml-source.js';

/** undefined when the file could not be read or parsed (the reason is in `errors`). */
export function loadVarsFile(abs: string, errors: NodemendError[], from?: Loc): Record<string, unknown> | undefined {
  const vf = readYaml(abs, errors, from, 'vars file');
  if (!vf || vf.doc.errors.length) return undefined;
  if (vf.root == null || (isScalar(vf.root) && vf.root.value == null)) return {};
  if (!isMap(vf.root)) {
    errors.push(new NodemendError('schema', `a vars file must hold a mapping of variables, got ${kindOf(vf.root)}`, posOf(vf, vf.root)));
    return undefined;
  }
  const before = errors.length;
  checkTemplatesDeep(vf, vf.root as Node, errors);
  return errors.length > before ? undefined : (plain(vf, vf.root) as Record<string, unknown>);
}
