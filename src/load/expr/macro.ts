/**
 * A template's `{% macro %}` as a value (Jinja 3.1 runtime.py Macro): called from an
 * expression (`m(a, k=v)`, `mod.m()`, `caller()`), it binds its arguments as Jinja does and
 * renders its body (statements.ts supplies `render`). Arguments bind in order: positional,
 * then by name, then the default (evaluated in the macro's own scope, so it can read an
 * earlier argument); a missing one without default is undefined. Extra positional arguments
 * go to `varargs` and extra keyword ones to `kwargs` only when the body reads that name,
 * otherwise they are an error, as in Jinja; `caller` likewise.
 */
import { ExprValueError } from './errors.js';
import { UNDEFINED } from './values.js';

export interface MacroCall {
  /** The argument values bound to the macro's parameters (UNDEFINED when missing), by name. */
  bound: Map<string, unknown>;
  varargs: unknown[];
  kwargs: [string, unknown][];
  caller?: Macro;
}

export class Macro {
  constructor(
    readonly name: string,
    readonly params: string[],
    /** Parameter names that have a default (filled by `render` when the value is UNDEFINED). */
    readonly defaults: Set<string>,
    /** Which of varargs / kwargs / caller the body reads (Jinja's catch_varargs, catch_kwargs, caller). */
    readonly reads: { varargs: boolean; kwargs: boolean; caller: boolean },
    private readonly render: (call: MacroCall) => unknown,
  ) {}

  invoke(args: unknown[], kwargs: [string, unknown][]): unknown {
    const bound = new Map<string, unknown>();
    this.params.forEach((p, i) => bound.set(p, i < args.length ? args[i] : UNDEFINED));
    const extraKw: [string, unknown][] = [];
    let caller: Macro | undefined;
    for (const [k, v] of kwargs) {
      const at = this.params.indexOf(k);
      if (at >= 0) {
        if (at < args.length) throw new ExprValueError(`macro '${this.name}' got multiple values for argument '${k}'`);
        bound.set(k, v);
      } else if (k === 'caller' && this.reads.caller && v instanceof Macro) caller = v;
      else extraKw.push([k, v]);
    }
    const varargs = args.slice(this.params.length);
    if (varargs.length && !this.reads.varargs) {
      throw new ExprValueError(`macro '${this.name}' takes not more than ${this.params.length} argument(s)`);
    }
    if (extraKw.length && !this.reads.kwargs) throw new ExprValueError(`macro '${this.name}' takes no keyword argument '${extraKw[0][0]}'`);
    return this.render({ bound, varargs, kwargs: extraKw, caller });
  }

  toString(): string {
    return `<Macro '${this.name}'>`;
  }
}
