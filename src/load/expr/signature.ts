/** How filters and tests declare their arguments, and how a call's arguments bind to them. */

export interface Signature {
  /** Parameter names after the input value, in positional order; all may also be given by keyword. */
  params?: string[];
  /** Parameters that can only be given by keyword (map's `attribute=`). */
  keywords?: string[];
  /** With a filter named at `filterArg`, the call's keywords are that filter's (Jinja's map). */
  keywordsToFilter?: boolean;
  /** Any keyword is accepted (str.format's `{name}` fields). */
  anyKeyword?: boolean;
  /** How many of `params` must be given. */
  required?: number;
  /** Extra positional arguments are allowed and passed as `rest`. */
  rest?: boolean;
  /** The input may be undefined (default, is defined): it arrives as UNDEFINED instead of throwing. */
  acceptsUndefined?: boolean;
  /**
   * An argument may be undefined too (`x | default(y.missing, true)`): Jinja passes its Undefined
   * along and fails only where it is used, so it arrives as UNDEFINED, and a result that is one
   * fails naming that argument.
   */
  argsMayBeUndefined?: boolean;
  /** fn gets a 4th argument saying where the input came from (type_debug). */
  describesInput?: boolean;
  /** Position of an argument naming a test / filter / regex, checked at load time when it is a literal. */
  testArg?: number;
  filterArg?: number;
  regexArg?: number;
}

export type Args = Record<string, unknown>;

/** Where a filter's input came from: host data (unsafe), or a string read from a variable. */
export interface InputInfo {
  unsafe: boolean;
  fromVariable: boolean;
  /** The input is the output of a STRING_TYPE_FILTERS filter (2.14's NativeJinjaText). */
  nativeText: boolean;
  /** An undefined input's name as Jinja's Undefined keeps it (mandatory's message). */
  undefinedName?: string;
  /** A value taken out of the input (a dict's value), read as the evaluator reads one. */
  read(v: unknown): unknown;
}

export interface FilterDef extends Signature {
  fn(value: unknown, args: Args, rest: unknown[], input?: InputInfo): unknown;
}

export interface TestDef extends Signature {
  fn(value: unknown, args: Args, rest: unknown[]): boolean;
}

/** Positional and keyword arguments matched to the declared parameter names. */
export function bind(def: Signature, args: unknown[], kwargs: [string, unknown][]): { named: Args; rest: unknown[] } {
  const params = def.params ?? [];
  const named: Args = {};
  args.slice(0, params.length).forEach((v, i) => (named[params[i]] = v));
  for (const [k, v] of kwargs) named[k] = v;
  return { named, rest: args.slice(params.length) };
}
