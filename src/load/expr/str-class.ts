/**
 * Which stored strings are a Python `str` in Ansible 2.14, where a string written in YAML is an
 * AnsibleUnicode (what `type_debug` prints). A JavaScript string carries no mark, so the holder
 * records them by key: a set_fact value rendered into new text (`"{{ a }}-x"`, Templar's
 * ansible_eval_concat gives a str), a `-e k=v` or `-e '{"k": "v"}'` value (parse_kv / json.loads
 * give str). A record counts only while the key still holds that very value.
 */

const records = new WeakMap<object, Map<string, string>>();

/** Note that `holder[key]` is (`str`: true) or is no longer (false) a Python str. */
export function notePlainStr(holder: object, key: string, value: unknown, str: boolean): void {
  let m = records.get(holder);
  if (str && typeof value === 'string') {
    if (!m) records.set(holder, (m = new Map()));
    m.set(key, value);
  } else m?.delete(key);
}

/** The keys of `holder` that hold a Python str now. */
export function plainStrKeys(holder: object): [string, string][] {
  return [...(records.get(holder) ?? [])].filter(([k, v]) => (holder as Record<string, unknown>)[k] === v);
}

/** A scope's own record: variable name → the str value it holds (run/scope.ts buildScope sets it). */
export const PLAIN_STR = Symbol('variables holding a Python str');

/** Whether `name` read from `scope` gave a Python str. */
export function isPlainStrVar(scope: Record<string | symbol, unknown>, name: string, value: unknown): boolean {
  const m = scope[PLAIN_STR] as Map<string, string> | undefined;
  return typeof value === 'string' && m !== undefined && m.get(name) === value;
}

/** A template whose text Ansible returns as the read object itself: one `{{ name }}`, nothing around. */
/** Jinja's constants read like a name but are no variable ("{{ none }}" renders to a new str). */
const CONSTANTS = new Set(['none', 'None', 'true', 'True', 'false', 'False']);
const SINGLE_VAR = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$/;

/**
 * Whether a stored string rendered from `raw` is a Python str: a template rendered into new text,
 * or one that passes a variable through that holds a str already.
 */
export function rendersPlainStr(raw: unknown, scope: Record<string | symbol, unknown>, rendered: unknown, hasTemplate: (s: string) => boolean): boolean {
  if (typeof raw !== 'string' || typeof rendered !== 'string' || !hasTemplate(raw)) return false;
  const single = SINGLE_VAR.exec(raw);
  return !single || CONSTANTS.has(single[1]) || isPlainStrVar(scope, single[1], rendered);
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
