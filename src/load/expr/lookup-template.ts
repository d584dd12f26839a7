/**
 * lookup('template', 'x.j2', ...) as ansible-core 2.14's plugins/lookup/template.py: each term a
 * controller template found as the lookup's search path finds it (`templates/` first,
 * lookups.ts searchFile), rendered with the task's variables plus the template module's
 * (template_path, template_fullpath...) plus the `template_vars` option, in Ansible's
 * environment (trim_blocks on, lstrip_blocks off; `comment_start_string` /
 * `comment_end_string` options). Its includes and imports search the template's own dir, then
 * the task's search path (`<dir>/templates`, `<dir>`). `convert_data` (default true) turns text
 * that looks like a list, dict or bool into one (ansible_eval_concat), as a templated string's is;
 * false keeps the text. `jinja2_native` is accepted (2.14 honours it only when the global
 * DEFAULT_JINJA2_NATIVE is on, which nodemend never is); variable_start_string /
 * variable_end_string are not supported and are refused.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExprValueError } from './errors.js';
import { compileTemplateFile } from './index.js';
import type { Node } from './ast.js';
import { lookupPlugin, searchFile, searchRoots, type LookupDef } from './lookups.js';
import { pyStr, setKey, truthy } from './values.js';
import { templateModuleVars } from '../template.js';

/**
 * lookup('template', ..., convert_data=False) written out: 2.14 returns its text as NativeJinjaText, which
 * ansible_eval_concat passes through as is ("{{ lookup(...) }}" stays the text, never a dict).
 */
export function givesNativeTemplateText(n: Node): boolean {
  if (n.kind !== 'lookup' || n.wantList || lookupPlugin(n.name) !== templateLookup) return false;
  return n.kwargs.some(([k, v]) => k === 'convert_data' && v.kind === 'literal' && !truthy(v.value));
}

const OPTIONS = new Set(['convert_data', 'template_vars', 'jinja2_native', 'comment_start_string', 'comment_end_string']);

export const templateLookup: LookupDef = {
  run(terms, kwargs, scope) {
    for (const k of Object.keys(kwargs)) {
      if (k === 'variable_start_string' || k === 'variable_end_string') throw new ExprValueError(`${k} is not supported by nodemend's template lookup`);
      if (!OPTIONS.has(k)) throw new ExprValueError(`Requested option ${k} was not defined in configuration`);
    }
    const convert = Object.hasOwn(kwargs, 'convert_data') ? truthy(kwargs.convert_data) : true;
    const extra = kwargs.template_vars ?? {};
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new ExprValueError('template_vars must be a dict');
    const text = (k: string): string | undefined => (typeof kwargs[k] === 'string' && kwargs[k] !== '' ? (kwargs[k] as string) : undefined);
    return terms.map((t) => {
      const term = pyStr(t);
      const file = searchFile(term, 'templates', scope);
      if (!file) throw new ExprValueError(`the template file ${term} could not be found for the lookup`);
      const searchPath = [dirname(file), ...searchRoots(scope).flatMap((d) => [join(d, 'templates'), d])];
      const compiled = compileTemplateFile(readFileSync(file, 'utf8'), file, {
        trimBlocks: true,
        lstripBlocks: false,
        commentStart: text('comment_start_string'),
        commentEnd: text('comment_end_string'),
        searchPath,
        convert,
      });
      // The task's variables (a view: inherited ones stay visible), the module's template_* ones, then template_vars.
      const vars = Object.create(scope) as Record<string, unknown>;
      for (const [k, v] of Object.entries(templateModuleVars(term, file, undefined))) setKey(vars, k, v);
      for (const [k, v] of Object.entries(extra as Record<string, unknown>)) setKey(vars, k, v);
      return compiled.render(vars);
    });
  },
};
