/**
 * Python 3.11's configparser.RawConfigParser as yum_repository (ansible-core 2.14) uses it:
 * `read` (Lib/configparser.py RawConfigParser._read with its defaults: `=`/`:` delimiters,
 * full-line `#`/`;` comments, no inline comments, strict duplicates, empty lines kept inside a
 * value, continuation lines indented deeper than their option, option names lower-cased by
 * optionxform, multi-line values joined with "\n" and right-stripped) and `write` (`[section]`,
 * `key = value` with a value's newlines written as "\n\t", a blank line after each section,
 * `[DEFAULT]` first when it holds anything). Sections and options keep insertion order, as
 * Python's dicts do.
 */

export const DEFAULT_SECTION = 'DEFAULT';

export interface IniData {
  defaults: Map<string, string>;
  sections: Map<string, Map<string, string>>;
}

/** A file configparser refuses (its exception's class and message). */
export class ConfigParserError extends Error {
  override name = 'ConfigParserError';
}

const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*([=:])\s*(.*)$/;

/** RawConfigParser().read_string(text) as `read` of a file holding `text`, for `source` in messages. */
export function parseIni(text: string, source: string): IniData {
  const data: IniData = { defaults: new Map(), sections: new Map() };
  const pending = new Map<Map<string, string>, Map<string, string[]>>();
  const added = new Set<string>();
  let cur: Map<string, string> | undefined;
  let curName = '';
  let opt: string | undefined;
  let indentLevel = 0;
  const bad: string[] = [];
  const lines = text.replace(/\r\n?/g, '\n').match(/[^\n]*\n|[^\n]+$/g) ?? [];
  lines.forEach((line, i) => {
    const lineno = i + 1;
    const comment = /^[#;]/.test(line.trim());
    const value = comment ? '' : line.trim();
    const values = cur ? pending.get(cur)! : undefined;
    if (!value) {
      // empty_lines_in_values: an empty (not comment) line belongs to the value being read.
      if (!comment && values && opt !== undefined) values.get(opt)!.push('');
      return;
    }
    const indent = /\S/.exec(line)?.index ?? 0;
    if (values && opt !== undefined && indent > indentLevel) {
      values.get(opt)!.push(value);
      return;
    }
    indentLevel = indent;
    const sect = SECTION.exec(value);
    if (sect) {
      const name = sect[1];
      if (name === DEFAULT_SECTION) cur = data.defaults;
      else if (data.sections.has(name)) throw new ConfigParserError(`While reading from '${source}' [line ${String(lineno).padStart(2)}]: section '${name}' already exists`);
      else {
        cur = new Map();
        data.sections.set(name, cur);
      }
      curName = name;
      if (!pending.has(cur)) pending.set(cur, new Map());
      opt = undefined;
      return;
    }
    if (!cur) throw new ConfigParserError(`File contains no section headers.\nfile: '${source}', line: ${lineno}\n${pyRepr(line)}`);
    const m = OPTION.exec(value);
    if (!m || !m[1]) {
      bad.push(`\t[line ${String(lineno).padStart(2)}]: ${pyRepr(line)}`);
      return;
    }
    opt = m[1].trimEnd().toLowerCase();
    if (added.has(`${curName}\0${opt}`)) throw new ConfigParserError(`While reading from '${source}' [line ${String(lineno).padStart(2)}]: option '${opt}' in section '${curName}' already exists`);
    added.add(`${curName}\0${opt}`);
    values!.set(opt, [m[3].trim()]);
  });
  if (bad.length) throw new ConfigParserError(`Source contains parsing errors: '${source}'\n${bad.join('\n')}`);
  for (const [section, values] of pending) for (const [k, v] of values) section.set(k, v.join('\n').trimEnd());
  return data;
}

/** Python's repr of a str line, as configparser's errors quote it (the common cases). */
function pyRepr(s: string): string {
  const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return body.includes("'") && !body.includes('"') ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
}

/** RawConfigParser.write(fp) with space_around_delimiters. */
export function writeIni(data: IniData): string {
  const section = (name: string, items: Map<string, string>): string => `[${name}]\n${[...items].map(([k, v]) => `${k} = ${v.replace(/\n/g, '\n\t')}\n`).join('')}\n`;
  let out = data.defaults.size ? section(DEFAULT_SECTION, data.defaults) : '';
  for (const [name, items] of data.sections) out += section(name, items);
  return out;
}

/** `items(section)`: the defaults overlaid by the section's own options. */
export function sectionItems(data: IniData, name: string): Map<string, string> {
  return new Map([...data.defaults, ...(data.sections.get(name) ?? [])]);
}
