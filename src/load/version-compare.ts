/**
 * Version comparison for kernel and package versions, the way the package managers
 * that produced them order them:
 *   - an epoch "N:" comes first (missing = 0), as in dpkg and rpm;
 *   - a leading "v" is ignored ("v1.14.1" = "1.14.1");
 *   - the rest is split into runs of digits and runs of letters; other characters
 *     (".", "-", "_", "+") only separate runs, as in rpm, so
 *     "3.10.0-957.1.3.el7" > "3.10.0-957.el7" (a number beats letters: rpm's rule);
 *   - "~" sorts before anything, even the end of the string (Debian), so
 *     "18.09.1~3-0~debian" < "18.09.1";
 *   - digit runs compare as numbers (any length), letter runs as ASCII;
 *   - when one side runs out of runs, the side with more runs is newer ("1.0" < "1.0.1").
 */

export type VersionOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Operator spellings accepted by `is version(v, op)` and the Handlebars helpers. */
const OPERATORS: Record<string, VersionOperator> = {
  '<': '<',
  lt: '<',
  '<=': '<=',
  le: '<=',
  '>': '>',
  gt: '>',
  '>=': '>=',
  ge: '>=',
  '==': '==',
  '=': '==',
  eq: '==',
  '!=': '!=',
  '<>': '!=',
  ne: '!=',
};

export const VERSION_OPERATORS: readonly string[] = Object.keys(OPERATORS);

/** A run of digits, a run of letters, or "~". */
type Part = { kind: 'num' | 'alpha' | 'tilde'; text: string };

function split(version: string): { epoch: string; parts: Part[] } {
  let s = version.trim();
  let epoch = '0';
  const m = /^(\d+):/.exec(s);
  if (m) {
    epoch = m[1];
    s = s.slice(m[0].length);
  }
  if (/^[vV]\d/.test(s)) s = s.slice(1);
  const parts: Part[] = [];
  for (const run of s.match(/\d+|[A-Za-z]+|~/g) ?? []) {
    parts.push({ kind: run === '~' ? 'tilde' : /\d/.test(run[0]) ? 'num' : 'alpha', text: run });
  }
  return { epoch, parts };
}

/** Numeric compare of digit strings of any length (no float rounding for long build numbers). */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareParts(a: Part | undefined, b: Part | undefined): number {
  if (a?.kind === 'tilde' || b?.kind === 'tilde') {
    if (a?.kind === b?.kind) return 0;
    return a?.kind === 'tilde' ? -1 : 1;
  }
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  if (a.kind !== b.kind) return a.kind === 'num' ? 1 : -1;
  if (a.kind === 'num') return compareDigits(a.text, b.text);
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

/** -1, 0 or 1 as `a` is older than, the same as, or newer than `b`. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const x = split(a);
  const y = split(b);
  let c = compareDigits(x.epoch, y.epoch);
  for (let i = 0; c === 0 && i < Math.max(x.parts.length, y.parts.length); i++) c = compareParts(x.parts[i], y.parts[i]);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/** The canonical operator for a spelling, or undefined when it is not one. */
export function versionOperator(op: string): VersionOperator | undefined {
  return Object.prototype.hasOwnProperty.call(OPERATORS, op) ? OPERATORS[op] : undefined;
}

/** `a op b`, e.g. versionMatches('3.10.0-957.el7.x86_64', 'lt', '3.10.0-1062'). */
export function versionMatches(a: string, op: string, b: string): boolean {
  const o = versionOperator(op);
  if (!o) throw new Error(`unknown version operator "${op}" (expected one of ${VERSION_OPERATORS.join(' ')})`);
  const c = compareVersions(a, b);
  switch (o) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
  }
}
