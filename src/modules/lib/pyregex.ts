/**
 * Playbooks carry Python regular expressions (Ansible runs `re` on the host). nodemend
 * matches with JavaScript RegExp after translating the differences that matter:
 *   (?P<name>...) -> (?<name>...), (?P=name) -> \k<name>, \A and \Z (absolute ends),
 *   `$` also matching before a final "\n", `.` matching "\r" (only "\n" is excluded),
 *   leading inline flags (?i) (?m) (?s) -> RegExp flags.
 * So a pattern searched in a line that still ends with its "\n" behaves as in Python.
 * Anything else is JavaScript syntax (the two agree on nearly everything users write;
 * unsupported: possessive quantifiers, conditional groups); (?x) verbose mode is stripped to its plain pattern.
 * Matching is ASCII like Ansible's byte patterns: no `u` flag.
 */

export interface PyRegex {
  re: RegExp;
  /** The pattern asked for multi-line matching ((?m)): blockinfile then searches the whole file. */
  multiline: boolean;
}

export function compilePyRegex(pattern: string): PyRegex {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    flags = [...new Set(lead[1].replace(/[aLux]/g, ''))].join('');
    src = src.slice(lead[0].length);
  }
  src = translate(src, flags.includes('m'), flags.includes('s'), Boolean(lead?.[1].includes('x')));
  try {
    return { re: new RegExp(src, flags), multiline: flags.includes('m') };
  } catch (e) {
    throw new Error(`invalid regex "${pattern}": ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

/**
 * Rewrite Python-only syntax outside character classes; escapes are copied as they are. In verbose mode
 * (re.X) whitespace outside a class and not escaped is dropped, and so is a `#` there up to the end of its
 * line (sre_parse: `if verbose: if this in WHITESPACE: continue; if this == "#": skip to "\n"`); an
 * escaped space or `#` stays, as the character.
 */
function translate(src: string, multiline: boolean, dotAll: boolean, verbose: boolean): string {
  const END = '(?![\\s\\S])';
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'Z') out += END;
      else out += c + n;
      i++;
      continue;
    }
    if (!inClass && verbose && ' \t\n\r\f\v'.includes(c)) continue;
    if (!inClass && verbose && c === '#') {
      while (i + 1 < src.length && src[i + 1] !== '\n') i++;
      continue;
    }
    if (!inClass && c === '$') {
      out += multiline ? `(?=\\n|${END})` : `(?=\\n?${END})`;
      continue;
    }
    if (!inClass && c === '.' && !dotAll) {
      out += '[^\\n]';
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') out += src[++i];
      if (src[i + 1] === ']') out += src[++i]; // a leading ] is literal
      continue;
    }
    if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    const back = /^\(\?P=(\w+)\)/.exec(src.slice(i));
    if (back) {
      out += `\\k<${back[1]}>`;
      i += back[0].length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };

/**
 * Python's match.expand(template): \1..\99, \g<1>, \g<name>, and the usual escapes;
 * a group that did not take part expands to "".
 */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  const group = (ref: string): string => {
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n >= m.length) throw new Error(`invalid group reference ${ref} in "${template}"`);
      return m[n] ?? '';
    }
    if (!m.groups || !(ref in m.groups)) throw new Error(`unknown group name "${ref}" in "${template}"`);
    return m.groups[ref] ?? '';
  };
  return template.replace(/\\(g<([^>]*)>|\d{1,2}|.)/gs, (all, what: string, gref?: string) => {
    if (gref !== undefined) return group(gref);
    if (/^0/.test(what)) return String.fromCharCode(parseInt(what, 8)); // \0 is an octal escape, not group 0
    if (/^\d/.test(what)) return group(what);
    if (what in ESCAPES) return ESCAPES[what];
    if (/[A-Za-z]/.test(what)) throw new Error(`bad escape \\${what} in "${template}"`);
    return all;
  });
}
