/**
 * Ansible's argument spec validation, as ansible-core 2.14.18 runs it for a role's
 * meta/argument_specs.yml (module_utils/common/arg_spec.py ArgumentSpecValidator.validate,
 * parameters.py _validate_argument_types / _validate_argument_values / _validate_sub_spec,
 * validation.py check_type_* and check_required_arguments): the same checks in the same order,
 * the same messages. Values are converted as Ansible converts them ("5" for an int is 5).
 *
 * Order of the messages, as Ansible's: missing required arguments, then each option's type
 * (and its elements), then choices, then each dict option's sub-options the same way (with
 * "found in a -> b"), then one message naming every unsupported parameter.
 */

export type OptionSpec = {
  type?: string;
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  elements?: string;
  options?: Record<string, OptionSpec>;
  aliases?: string[];
  apply_defaults?: boolean;
};
export type ArgSpec = Record<string, OptionSpec>;

/** The Python class a value has in Ansible, for "argument 'x' is of type <class '...'>". */
export type StringClass = 'AnsibleUnicode' | 'str' | 'AnsibleUnsafeText';
const STRING_CLASS: Record<StringClass, string> = {
  AnsibleUnicode: 'ansible.parsing.yaml.objects.AnsibleUnicode',
  str: 'str',
  AnsibleUnsafeText: 'ansible.utils.unsafe_proxy.AnsibleUnsafeText',
};

export const TYPES = ['str', 'list', 'dict', 'bool', 'int', 'float', 'path', 'raw', 'jsonarg', 'json', 'bytes', 'bits'] as const;

const isDict = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function pyClass(v: unknown, strings: StringClass): string {
  const name =
    v === null || v === undefined
      ? 'NoneType'
      : typeof v === 'boolean'
        ? 'bool'
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? 'int'
            : 'float'
          : typeof v === 'string'
            ? STRING_CLASS[strings]
            : Array.isArray(v)
              ? 'list'
              : 'dict';
  return `<class '${name}'>`;
}

/** Python's str() of a value, for converted strings and choice lists. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v).includes('.') || String(v).includes('e') ? String(v) : `${v}.0`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}
const pyRepr = (v: unknown): string => (typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pyStr(v));

/** module_utils/parsing/convert_bool.py: the sets, in the order 2.14 printed them on this machine (a frozenset's order). */
const BOOLEANS_TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const BOOLEANS_FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);
const BOOLEANS_SHOWN = "0, 1, 'no', 'true', 'yes', 'off', '1', 'on', 'false', '0', 'f', 'y', 't', 'n'";

class TypeErr extends Error {}

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (v === 1) return true;
    if (v === 0) return false;
  }
  if (typeof v === 'string' || typeof v === 'number') {
    const s = String(v).toLowerCase().trim();
    if (BOOLEANS_TRUE.has(s)) return true;
    if (BOOLEANS_FALSE.has(s)) return false;
    throw new TypeErr(`The value ${pyRepr(v)} is not a valid boolean.  Valid booleans include: ${BOOLEANS_SHOWN}`);
  }
  throw new TypeErr(`${pyClass(v, 'str')} cannot be converted to a bool`);
}

/** check_type_dict's key=value form: fields split on unquoted commas and spaces. */
function kvDict(value: string): Record<string, string> {
  const fields: string[] = [];
  let buf = '';
  let quote: string | false = false;
  let escape = false;
  for (const c of value.trim()) {
    if (escape) {
      buf += c;
      escape = false;
    } else if (c === '\\') escape = true;
    else if (!quote && (c === "'" || c === '"')) quote = c;
    else if (quote && quote === c) quote = false;
    else if (!quote && (c === ',' || c === ' ')) {
      if (buf) fields.push(buf);
      buf = '';
    } else buf += c;
  }
  if (buf) fields.push(buf);
  const out: Record<string, string> = {};
  for (const f of fields) {
    const i = f.indexOf('=');
    if (i < 0) throw new TypeErr('dictionary update sequence element #0 has length 1; 2 is required');
    out[f.slice(0, i)] = f.slice(i + 1);
  }
  return out;
}

const INT = /^\s*[-+]?\d+\s*$/;
const FLOAT = /^\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|infinity|nan)\s*$/i;

/** validation.py check_type_*: the converted value, or TypeErr with Ansible's message. */
function convert(type: string, v: unknown, strings: StringClass): unknown {
  const cls = pyClass(v, strings);
  switch (type) {
    case 'str':
      return typeof v === 'string' ? v : pyStr(v);
    case 'path': {
      const s = typeof v === 'string' ? v : pyStr(v);
      return s.replace(/^~(?=\/|$)/, process.env.HOME ?? '~');
    }
    case 'list':
      if (Array.isArray(v)) return v;
      if (typeof v === 'string') return v.split(',');
      if (typeof v === 'number') return [pyStr(v)];
      throw new TypeErr(`${cls} cannot be converted to a list`);
    case 'dict':
      if (isDict(v)) return v;
      if (typeof v === 'string') {
        if (v.startsWith('{')) {
          try {
            return JSON.parse(v) as unknown;
          } catch {
            throw new TypeErr('unable to evaluate string as dictionary');
          }
        }
        if (v.includes('=')) return kvDict(v);
        throw new TypeErr('dictionary requested, could not parse JSON or key=value');
      }
      throw new TypeErr(`${cls} cannot be converted to a dict`);
    case 'bool':
      if (typeof v !== 'boolean' && typeof v !== 'string' && typeof v !== 'number') throw new TypeErr(`${cls} cannot be converted to a bool`);
      return toBool(v);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && INT.test(v)) return Number(v.trim());
      throw new TypeErr(`${cls} cannot be converted to an int`);
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && FLOAT.test(v)) return Number(v.trim());
      throw new TypeErr(`${cls} cannot be converted to a float`);
    case 'jsonarg':
    case 'json':
      if (typeof v === 'string') return v.trim();
      if (Array.isArray(v) || isDict(v)) return JSON.stringify(v);
      throw new TypeErr(`${cls} cannot be converted to a json string`);
    default:
      // raw, bytes and bits: taken as given here (bytes/bits sizes are not converted).
      return v;
  }
}

interface Run {
  errors: string[];
  unsupported: { name: string; supported: string[] }[];
  /** The class of strings under each top-level parameter (YAML, rendered, host data). */
  classOf: (param: string) => StringClass;
}

const foundIn = (ctx: string[]): string => ctx.join(' -> ');

function validateLevel(spec: ArgSpec, params: Record<string, unknown>, ctx: string[], run: Run, checkUnsupported: boolean): void {
  if (checkUnsupported) {
    const legal = new Set(Object.entries(spec).flatMap(([k, o]) => [k, ...(o.aliases ?? [])]));
    for (const k of Object.keys(params)) if (!legal.has(k)) run.unsupported.push({ name: [...ctx, k].join('.'), supported: [...legal].sort() });
  }
  // _set_defaults(..., False): a default that is not None counts before the required check.
  for (const [k, o] of Object.entries(spec)) if (!(k in params) && o.default !== undefined && o.default !== null) params[k] = o.default;
  const missing = Object.entries(spec)
    .filter(([k, o]) => o.required && !(k in params))
    .map(([k]) => k)
    .sort();
  if (missing.length) run.errors.push(`missing required arguments: ${missing.join(', ')}${ctx.length ? ` found in ${foundIn(ctx)}` : ''}`);

  for (const [k, o] of Object.entries(spec)) {
    if (!(k in params) || params[k] === null || params[k] === undefined) continue;
    const type = o.type ?? 'str';
    const value = params[k];
    const strings = run.classOf(ctx[0] ?? k);
    try {
      params[k] = convert(type, value, strings);
      if (o.elements) {
        const list = params[k];
        if (type !== 'list' || !Array.isArray(list)) {
          run.errors.push(`Invalid type ${type} for option '${pyStr(list)}'${ctx.length ? ` found in '${foundIn(ctx)}'.` : ''}, elements value check is supported only with 'list' type`);
        } else {
          params[k] = list.map((item) => {
            try {
              return convert(o.elements!, item, strings);
            } catch (e) {
              if (!(e instanceof TypeErr)) throw e;
              const where = ctx.length ? ` found in '${foundIn(ctx)}'` : '';
              run.errors.push(`Elements value for option '${k}'${where} is of type ${pyClass(item, strings)} and we were unable to convert to ${o.elements}: ${e.message}`);
              return item;
            }
          });
        }
      }
    } catch (e) {
      if (!(e instanceof TypeErr)) throw e;
      run.errors.push(`argument '${k}' is of type ${pyClass(value, strings)}${ctx.length ? ` found in '${foundIn(ctx)}'.` : ''} and we were unable to convert to ${type}: ${e.message}`);
    }
  }

  for (const [k, o] of Object.entries(spec)) {
    if (!o.choices || !(k in params)) continue;
    const v = params[k];
    const has = (x: unknown): boolean => o.choices!.some((c) => c === x);
    const shown = o.choices.map(pyStr).join(', ');
    const where = ctx.length ? ` found in ${foundIn(ctx)}` : '';
    if (Array.isArray(v)) {
      const bad = v.filter((x) => !has(x));
      if (bad.length) run.errors.push(`value of ${k} must be one or more of: ${shown}. Got no match for: ${bad.map(pyStr).join(', ')}${where}`);
    } else if (!has(v)) {
      run.errors.push(`value of ${k} must be one of: ${shown}, got: ${pyStr(v)}${where}`);
    }
  }

  for (const [k, o] of Object.entries(spec)) {
    const wanted = o.type ?? 'str';
    if (!(wanted === 'dict' || (wanted === 'list' && o.elements === 'dict'))) continue;
    if (o.apply_defaults && o.options && (params[k] === undefined || params[k] === null)) params[k] = {};
    if (!o.options || params[k] === undefined || params[k] === null) continue;
    const elements = Array.isArray(params[k]) ? (params[k] as unknown[]) : [params[k]];
    for (const sub of elements) {
      if (!isDict(sub)) {
        run.errors.push(`value of '${k}' must be of type dict or list of dicts`);
        continue;
      }
      validateLevel(o.options, sub, [...ctx, k], run, true);
    }
  }
}

/**
 * Every error message Ansible's validator gives for `params` (in its order), and the converted
 * values. `unsupportedTopLevel`: report parameters the spec does not name (a role's params).
 */
export function validateArgs(
  spec: ArgSpec,
  params: Record<string, unknown>,
  classOf: (param: string) => StringClass,
  unsupportedTopLevel = false,
): { errors: string[]; values: Record<string, unknown> } {
  const values = structuredClone(params);
  const run: Run = { errors: [], unsupported: [], classOf };
  validateLevel(spec, values, [], run, unsupportedTopLevel);
  if (run.unsupported.length) {
    // Ansible lists the supported names of the last unsupported parameter it iterated (a set): the last by name here.
    const sorted = [...run.unsupported].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    run.errors.push(`${sorted.map((u) => u.name).join(', ')}. Supported parameters include: ${sorted[sorted.length - 1].supported.join(', ')}.`);
  }
  return { errors: run.errors, values };
}
