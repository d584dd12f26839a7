/**
 * A template file's `#jinja2:` first line, as ansible-core 2.14's Templar.do_template reads it:
 * when the text starts with `#jinja2:`, the rest of its first line is split on `,` into
 * `key: value` pairs, each value is a Python literal (ast.literal_eval: `False`, `"true"`, `0`),
 * set on the Jinja environment, and the line is dropped from the text. Jinja tests the value's
 * truth, so the quoted `"false"` turns the option on, as in Ansible. nodemend honours
 * trim_blocks and lstrip_blocks, and the string options line_statement_prefix,
 * comment_start_string and comment_end_string (a quoted string); any other key
 * (newline_sequence, keep_trailing_newline, variable_start_string...) is refused at the
 * template's first line.
 */
import { NodemendError } from '../errors.js';

export const JINJA2_OVERRIDE = '#jinja2:';

export interface JinjaHeader {
  /** The template text after the header line (the whole text when there is no header). */
  body: string;
  /** Offset of `body` in the file's text. */
  shift: number;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  lineStatementPrefix?: string;
  commentStart?: string;
  commentEnd?: string;
}

const HONOURED = { trim_blocks: 'trimBlocks', lstrip_blocks: 'lstripBlocks' } as const;
const STRINGS = { line_statement_prefix: 'lineStatementPrefix', comment_start_string: 'commentStart', comment_end_string: 'commentEnd' } as const;
const QUOTED = /^(['"])((?:\\.|(?!\1)[^\\])*)\1$/;

/** A Python literal's truth, for the literals a header holds; undefined when `s` is not one nodemend reads. */
function literalTruth(s: string): boolean | undefined {
  if (s === 'True') return true;
  if (s === 'False' || s === 'None') return false;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s) !== 0;
  const q = /^(['"])((?:\\.|(?!\1)[^\\])*)\1$/.exec(s);
  if (q) return q[2].length > 0;
  return undefined;
}

export function parseJinjaHeader(src: string, file: string): JinjaHeader {
  if (!src.startsWith(JINJA2_OVERRIDE)) return { body: src, shift: 0 };
  // As Python's data[len(prefix):eol] / data[eol + 1:]; with no newline (eol -1) both keep that quirk.
  const eol = src.indexOf('\n');
  const line = src.slice(JINJA2_OVERRIDE.length, eol === -1 ? -1 : eol);
  const out: JinjaHeader = { body: src.slice(eol + 1), shift: eol + 1 };
  let col = JINJA2_OVERRIDE.length + 1;
  for (const pair of line.split(',')) {
    const at = { file, line: 1, col: col + pair.length - pair.trimStart().length };
    col += pair.length + 1;
    const colon = pair.indexOf(':');
    if (colon === -1) {
      throw new NodemendError('template', `failed to parse jinja2 override '${pair.trim()}' (a #jinja2: header is "key: value, key: value")`, at);
    }
    const key = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    if (Object.hasOwn(STRINGS, key)) {
      // A Python string literal; its escapes beyond \\ and quotes are not read here.
      const q = QUOTED.exec(value);
      if (!q || /\\[^\\'"]/.test(q[2]) || q[2] === '') throw new NodemendError('template', `#jinja2: ${key}: ${value} is not a quoted string nodemend reads`, at);
      out[STRINGS[key as keyof typeof STRINGS]] = q[2].replace(/\\(.)/g, '$1');
      continue;
    }
    if (!Object.hasOwn(HONOURED, key)) {
      throw new NodemendError(
        'template',
        `#jinja2: ${key} is not supported (nodemend honours trim_blocks, lstrip_blocks, line_statement_prefix, comment_start_string and comment_end_string in a template header)`,
        at,
      );
    }
    const truth = literalTruth(value);
    if (truth === undefined) {
      throw new NodemendError('template', `#jinja2: ${key}: ${value} is not a Python literal (write True, False or a quoted string, as Ansible reads it)`, at);
    }
    out[HONOURED[key as keyof typeof HONOURED]] = truth;
  }
  return out;
}
