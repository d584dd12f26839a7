/**
 * INI text read as Python 3.11's `configparser.ConfigParser()` reads it with its defaults
 * (Lib/configparser.py, RawConfigParser._read and BasicInterpolation), the way ansible-core
 * 2.14's local facts read a .fact file that is not JSON (module_utils/facts/system/local.py):
 * sections become objects of strings. What Ansible users meet through that:
 * - option names are lowercased (optionxform), values keep their case, stripped;
 * - `=` or `:` separates, the first one wins; `#` and `;` start a comment only at a line's start;
 * - a more indented line continues the value above (blank lines inside kept, trailing ones dropped);
 * - `[DEFAULT]`'s options appear in every section; `%(name)s` is replaced and `%%` is `%`;
 * - strict: a repeated section or option, a line before any section header, or a line that is
 *   neither is an error (IniSyntaxError); so is a bad `%` reference, but only when read
 *   (IniInterpolationError), which Ansible does not catch there.
 */

/** The file does not parse (configparser.Error raised by read_file). */
export class IniSyntaxError extends Error {}
/** A `%` reference that cannot be resolved (raised by get(), after parsing). */
export class IniInterpolationError extends Error {}

const DEFAULT = 'DEFAULT';
const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*[=:]\s*(.*)$/;
const MAX_DEPTH = 10;

/** The sections of `text` (DEFAULT excluded), each option's value interpolated. */
export function readIni(text: string): Record<string, Record<string, string>> {
  const defaults = new Map<string, string[]>();
  const sections = new Map<string, Map<string, string[]>>();
  const added = new Set<string>();
  let cur: Map<string, string[]> | undefined;
  let sect = '';
  let opt: string | undefined;
  let indent = 0;
  let error: string | undefined;
  text.split('\n').forEach((line, i) => {
    const comment = ['#', ';'].some((p) => line.trim().startsWith(p));
    const value = comment ? '' : line.trim();
    if (!value) {
      // A blank line inside a value is kept (empty_lines_in_values), a comment line is not.
      if (!comment && cur && opt) cur.get(opt)!.push('');
      return;
    }
    const lineIndent = /\S/.exec(line)?.index ?? 0;
    if (cur && opt && lineIndent > indent) {
      cur.get(opt)!.push(value);
      return;
    }
    indent = lineIndent;
    const header = SECTION.exec(value);
    if (header) {
      sect = header[1];
      if (sect === DEFAULT) cur = defaults;
      else if (sections.has(sect)) {
        if (added.has(`[${sect}`)) throw new IniSyntaxError(`While reading: section '${sect}' already exists (line ${i + 1})`);
        cur = sections.get(sect);
      } else {
        cur = new Map();
        sections.set(sect, cur);
      }
      added.add(`[${sect}`);
      opt = undefined;
      return;
    }
    if (!cur) throw new IniSyntaxError(`File contains no section headers (line ${i + 1})`);
    const m = OPTION.exec(value);
    if (!m || !m[1]) {
      // configparser keeps reading and raises the ParsingError at the end: the file is an error either way.
      error ??= `Source contains parsing errors: line ${i + 1}`;
      return;
    }
    opt = m[1].trimEnd().toLowerCase();
    if (added.has(`${sect}\0${opt}`)) throw new IniSyntaxError(`While reading: option '${opt}' in section '${sect}' already exists (line ${i + 1})`);
    added.add(`${sect}\0${opt}`);
    cur.set(opt, [m[2].trim()]);
  });
  if (error) throw new IniSyntaxError(error);
  const joined = (m: Map<string, string[]>): Map<string, string> => new Map([...m].map(([k, v]) => [k, v.join('\n').trimEnd()]));
  const defs = joined(defaults);
  const out: Record<string, Record<string, string>> = {};
  for (const [name, opts] of sections) {
    const vars = new Map([...defs, ...joined(opts)]);
    out[name] = {};
    // The section's own options, then DEFAULT's it does not override (configparser's options()).
    for (const k of new Set([...opts.keys(), ...defs.keys()])) out[name][k] = interpolate(vars.get(k)!, k, name, vars, 1);
  }
  return out;
}

/** BasicInterpolation: `%%` → `%`, `%(name)s` → that option's value (interpolated in turn), anything else after `%` is an error. */
function interpolate(value: string, option: string, section: string, vars: Map<string, string>, depth: number): string {
  if (depth > MAX_DEPTH) throw new IniInterpolationError(`Recursion limit exceeded in value substitution: option '${option}' in section '${section}'`);
  let out = '';
  let rest = value;
  while (rest) {
    const p = rest.indexOf('%');
    if (p < 0) return out + rest;
    out += rest.slice(0, p);
    rest = rest.slice(p);
    const c = rest[1];
    if (c === '%') {
      out += '%';
      rest = rest.slice(2);
    } else if (c === '(') {
      const m = /^%\(([^)]+)\)s/.exec(rest);
      if (!m) throw new IniInterpolationError(`bad interpolation variable reference '${rest}'`);
      const name = m[1].toLowerCase();
      rest = rest.slice(m[0].length);
      const v = vars.get(name);
      if (v === undefined)
        throw new IniInterpolationError(`Bad value substitution: option '${option}' in section '${section}' contains an interpolation key '${name}' which is not a valid option name.`);
      out += v.includes('%') ? interpolate(v, option, section, vars, depth + 1) : v;
    } else throw new IniInterpolationError(`'%' must be followed by '%' or '(', found: '${rest}'`);
  }
  return out;
}
