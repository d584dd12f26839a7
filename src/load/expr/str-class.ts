/**
 * Which stored strings are a Python `str` in Ansible 2.14, where a string written in YAML is an
 * AnsibleUnicode (what `type_debug` prints). A JavaScript string carries no mark, so the holder
 * records them by key: a set_fact value rendered into new text (`"{{ a }}-x"`, Templar's
 * ansible_eval_concat gives a str), a `-e k=v` or `-e '{"k": "v"}'` value (parse_kv / json.loads
 * give str). A record counts only while the key still holds that very value.
 */

/**
 * Which strings of a stored value are a Python str: true (all of them: a str, or a list or dict a
 * template gave, which Templar's ansible_eval_concat made anew with literal_eval), false (none), or
 * per item of a list / key of a dict (a YAML list whose items are partly templates).
 */
export type StrShape = boolean | StrShape[] | { [key: string]: StrShape };

/** What a holder records for a key: the value it holds and which of its strings are a str. */
export interface StrRecord {
  value: unknown;
  shape: StrShape;
}

const records = new WeakMap<object, Map<string, StrRecord>>();

const isContainer = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** Note which strings `holder[key]` holds are a Python str (`shape`; false: none, the record goes). */
export function notePlainStr(holder: object, key: string, value: unknown, shape: StrShape): void {
  let m = records.get(holder);
  if (shape !== false && (typeof value === 'string' ? shape === true : isContainer(value))) {
    if (!m) records.set(holder, (m = new Map()));
    m.set(key, { value, shape });
  } else m?.delete(key);
}

/** The keys of `holder` that hold a Python str (or a container with some) now. */
export function plainStrKeys(holder: object): [string, StrRecord][] {
  return [...(records.get(holder) ?? [])].filter(([k, r]) => (holder as Record<string, unknown>)[k] === r.value);
}

/** A scope's own record: variable name → what it holds (run/scope.ts buildScope sets it). */
export const PLAIN_STR = Symbol('variables holding a Python str');

/** Which strings `name` read from `scope` (giving `value`) are a Python str. */
export function varStrShape(scope: Record<string | symbol, unknown>, name: string, value: unknown): StrShape {
  const r = (scope[PLAIN_STR] as Map<string, StrRecord> | undefined)?.get(name);
  return r !== undefined && r.value === value ? r.shape : false;
}

/** The shape of `shape`'s item or key `key` (a member read: `x[0]`, `x.k`). */
export function memberStrShape(shape: StrShape, key: unknown): StrShape {
  if (typeof shape === 'boolean') return shape;
  return (Array.isArray(shape) ? shape[Number(key)] : shape[String(key)]) ?? false;
}

/** Jinja's constants read like a name but are no variable ("{{ none }}" renders to a new str). */
const CONSTANTS = new Set(['none', 'None', 'true', 'True', 'false', 'False']);
const PASS_THROUGH = /^\{\{\s*([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*|\[\s*(?:\d+|'[^'\\]*'|"[^"\\]*")\s*\])*)\s*\}\}$/;
const PATH_KEY = /\.([A-Za-z_]\w*)|\[\s*(\d+|'[^'\\]*'|"[^"\\]*")\s*\]/g;

/**
 * A template whose text Ansible returns as the object it reads (ansible_eval_concat: one node,
 * to_text keeps a str subclass): one `{{ name }}` or `{{ name.key[0] }}`, nothing around. Its
 * variable and the keys read from it; undefined for anything else.
 */
export function passThrough(raw: string): { name: string; keys: string[] } | undefined {
  const m = PASS_THROUGH.exec(raw.trim());
  if (!m || CONSTANTS.has(m[1])) return undefined;
  return { name: m[1], keys: [...m[2].matchAll(PATH_KEY)].map((k) => k[1] ?? (/^\d/.test(k[2]) ? k[2] : k[2].slice(1, -1))) };
}

/**
 * Whether a stored string rendered from `raw` is a Python str: a template rendered into new text,
 * or one that passes through a variable (or an item of one) that holds a str already.
 */
export function rendersPlainStr(raw: unknown, scope: Record<string | symbol, unknown>, rendered: unknown, hasTemplate: (s: string) => boolean): boolean {
  if (typeof raw !== 'string' || typeof rendered !== 'string' || !hasTemplate(raw)) return false;
  const p = passThrough(raw);
  if (!p) return true;
  return p.keys.reduce(memberStrShape, varStrShape(scope, p.name, p.keys.length ? scope[p.name] : rendered)) === true;
}

/**
 * Which strings of a stored value rendered from `raw` (a set_fact argument) are a Python str: a
 * template as rendersPlainStr says, or every one in a list or dict it gave; a YAML list or dict
 * item by item (its literal strings stay AnsibleUnicode, its templates render to str).
 */
export function strShape(raw: unknown, rendered: unknown, scope: Record<string | symbol, unknown>, hasTemplate: (s: string) => boolean): StrShape {
  if (typeof raw === 'string') return hasTemplate(raw) && (isContainer(rendered) || rendersPlainStr(raw, scope, rendered, hasTemplate));
  if (!isContainer(raw) || !isContainer(rendered) || Array.isArray(raw) !== Array.isArray(rendered)) return false;
  // Keys are templated too ("{{ k }}": v): paired by position, as the set_fact arguments are.
  const rawValues = Object.values(raw);
  const parts = Object.entries(rendered).map(([k, v], i): [string, StrShape] => [k, strShape(rawValues[i], v, scope, hasTemplate)]);
  if (parts.every(([, x]) => x === false)) return false;
  return Array.isArray(rendered) ? parts.map(([, x]) => x) : Object.fromEntries(parts);
}

/** Lists built in an expression (`[a, 'x']`): which items were read from a variable (AnsibleUnicode there). */
const itemsRead = new WeakMap<unknown[], boolean[]>();

export function noteItemsRead(list: unknown[], read: boolean[]): void {
  itemsRead.set(list, read);
}

/** Whether item `i` of `list` was read from a variable; undefined when the list was not built in an expression. */
export function itemRead(list: unknown, i: number): boolean | undefined {
  return Array.isArray(list) ? itemsRead.get(list)?.[i] : undefined;
}
