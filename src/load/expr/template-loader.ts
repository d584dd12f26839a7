/**
 * Where a template file's `{% include %}`, `{% import %}` and `{% from ... import %}` find
 * the templates they name: Jinja's FileSystemLoader over the search path Ansible 2.14 gives it
 * (plugins/action/template.py: each of ansible_search_path, the playbook's dir and the template's
 * own dir, as `<dir>/templates` then `<dir>`; local-paths.ts templateSearchPath). A name with a
 * `..` segment is never found, as Jinja's split_template_path refuses it.
 *
 * Templates are parsed with the including file's environment (trim_blocks, lstrip_blocks,
 * comment strings...) but without its `#jinja2:` header handling, and, as Jinja's
 * keep_trailing_newline=False, lose one final newline. Names written out in the template are
 * found and parsed when the including template is compiled (validate), so a missing or broken
 * one fails there at its file:line:col; a name computed at run time is found then.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NodemendError, type SourcePos } from '../errors.js';
import { ExprSyntaxError } from './errors.js';
import type { EvalContext } from './evaluate.js';
import { parseBody, staticTemplateRefs, type Body, type TemplateLoader } from './statements.js';
import type { TemplateOptions } from './template-string.js';

/** Line and column (1-based) of an offset in a multi-line text. */
export function lineCol(src: string, offset: number): { line: number; col: number } {
  const before = src.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  return { line: (before.match(/\n/g)?.length ?? 0) + 1, col: offset - nl };
}

type Loaded = { body: Body; ctx: EvalContext };

export class FileTemplateLoader implements TemplateLoader {
  private readonly cache = new Map<string, Loaded | null>();

  constructor(
    private readonly searchPath: string[],
    private readonly opts: TemplateOptions,
  ) {}

  searched(): string[] {
    return this.searchPath;
  }

  /** The file a name is found as, first in the search path. */
  find(name: string): string | undefined {
    if (name.split('/').includes('..')) return undefined;
    for (const dir of this.searchPath) {
      const file = join(dir, name);
      if (existsSync(file) && statSync(file).isFile()) return file;
    }
    return undefined;
  }

  load(name: string): Loaded | undefined {
    const cached = this.cache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const file = this.find(name);
    if (!file) {
      this.cache.set(name, null);
      return undefined;
    }
    let src = readFileSync(file, 'utf8');
    if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
    const posAt = (offset: number): SourcePos => ({ file, ...lineCol(src, offset) });
    const loaded: Loaded = { body: [], ctx: { source: src, posAt, loader: this } };
    this.cache.set(name, loaded); // before its own includes: a template that includes itself is found, not loaded forever
    try {
      loaded.body = parseBody(src.endsWith('\n') ? src.slice(0, -1) : src, this.opts);
    } catch (e) {
      this.cache.delete(name);
      if (e instanceof ExprSyntaxError) throw new NodemendError('template', e.message, posAt(e.offset));
      throw e;
    }
    this.preload(loaded.body, loaded.ctx);
    return loaded;
  }

  /** Find and parse every template a body names in writing; a missing one is an error at the statement (unless `ignore missing`). */
  preload(body: Body, ctx: EvalContext): void {
    for (const ref of staticTemplateRefs(body)) {
      if (ref.names.some((n) => this.load(n)) || ref.ignoreMissing) continue;
      const what = ref.names.length === 1 ? `template '${ref.names[0]}' not found` : `none of the templates '${ref.names.join("', '")}' found`;
      throw new NodemendError('template', `${what} (searched ${this.searchPath.join(', ')})`, ctx.posAt(ref.start));
    }
  }
}
