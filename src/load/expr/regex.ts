/**
 * Python regular expressions for the regex filters and the match/search tests,
 * through the shared Python-to-JavaScript translation (modules/lib/pyregex.ts).
 * `ignorecase` / `multiline` options become inline flags, so the translation sees them.
 */
import { compilePyRegex, expandTemplate } from '../../modules/lib/pyregex.js';
import { ExprValueError } from './errors.js';

export interface RegexOptions {
  ignorecase?: unknown;
  multiline?: unknown;
}

const cache = new Map<string, RegExp>();

export function pyRegex(pattern: unknown, opts: RegexOptions): RegExp {
  if (typeof pattern !== 'string') throw new ExprValueError(`a regular expression must be a string, got ${JSON.stringify(pattern)}`);
  const extra = (opts.ignorecase ? 'i' : '') + (opts.multiline ? 'm' : '');
  let src = pattern;
  if (extra) {
    const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
    src = lead ? `(?${lead[1]}${extra})${src.slice(lead[0].length)}` : `(?${extra})${src}`;
  }
  let re = cache.get(src);
  if (!re) {
    try {
      re = compilePyRegex(src).re;
    } catch (e) {
      throw new ExprValueError((e as Error).message);
    }
    if (cache.size > 1000) cache.clear();
    cache.set(src, re);
  }
  return re;
}

/** A fresh copy with extra flags ('g' to iterate, 'y' to anchor like Python's re.match). */
export function withFlags(re: RegExp, flags: string): RegExp {
  return new RegExp(re.source, [...new Set(re.flags + flags)].join(''));
}

/** Python's match.expand: \1, \g<1>, \g<name>. */
export function expand(template: string, m: RegExpExecArray): string {
  try {
    return expandTemplate(template, m);
  } catch (e) {
    throw new ExprValueError((e as Error).message);
  }
}
