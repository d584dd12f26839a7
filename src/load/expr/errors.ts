/**
 * The two exceptions evaluation hands back to its callers. Neither is a
 * NodemendError: both are expected in normal runs and are caught by name.
 */
import { NodemendError, type SourcePos } from '../errors.js';

/**
 * An expression read a variable (or a key of a mapping, an item of a list) that does
 * not exist. `is defined`, `default(...)` and friends catch exactly this class and
 * nothing else, so any other failure keeps its meaning.
 */
export class UndefinedVariableError extends Error {
  readonly code = 'undefined-variable';
  /** An operation used the undefined value (evaluate.ts operand): `default`/`is defined` further out no longer take it. */
  used = false;
  constructor(
    /** What was undefined, as written: "foo", "foo.bar", "result.stdout_lines[0]". */
    readonly variable: string,
    readonly pos?: SourcePos,
    message = `'${variable}' is undefined`,
  ) {
    super(message);
    this.name = 'UndefinedVariableError';
  }

  /** The name Jinja's Undefined keeps: the variable, or the last attribute or key looked up (`d.missing` → missing, `l[3]` → 3). */
  get undefinedName(): string {
    const v = this.variable.trim();
    const m = /\.([A-Za-z_]\w*)$/.exec(v) ?? /\[\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))\s*\]$/.exec(v);
    return m ? (m.slice(1).find((g) => g !== undefined) ?? v) : v;
  }

  /** "file:line:col: message", like NodemendError, so callers can print either the same way. */
  format(): string {
    return new NodemendError('undefined-variable', this.message, this.pos).format();
  }
}

/**
 * Thrown by the runner's lazy fact objects (Proxies) when an expression reads a fact
 * that has not been fetched. Evaluation lets it through untouched: the runner fetches
 * `fact` from the host and evaluates again.
 */
export class FactNeeded extends Error {
  constructor(
    readonly fact: string,
    /** Another host's facts (`hostvars[h].ansible_x`): fetch it there, not on the task's host. */
    readonly from?: { host: string; get(name: string): Promise<unknown> },
  ) {
    super(`fact "${fact}" is needed${from ? ` from ${from.host}` : ''}`);
    this.name = 'FactNeeded';
  }
}

/** A syntax error at `offset` in the source string; index.ts turns it into a NodemendError with a file position. */
export class ExprSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExprSyntaxError';
  }
}

/** A filter or operator got a value it cannot work with; the evaluator adds the position. */
export class ExprValueError extends Error {
  constructor(
    message: string,
    /** The whole message as Ansible words it (mandatory's): not prefixed with the filter's name. */
    readonly exact = false,
  ) {
    super(message);
    this.name = 'ExprValueError';
  }
}
