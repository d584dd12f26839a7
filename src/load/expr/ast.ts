/** Expression syntax tree. `start`/`end` are offsets into the source, for error messages. */

interface At {
  start: number;
  end: number;
}

export interface Call {
  name: string;
  /** Where the name is written, for "unknown filter" errors. */
  nameStart: number;
  args: Node[];
  kwargs: [string, Node][];
}

export type Node = At &
  (
    | { kind: 'literal'; value: unknown }
    | { kind: 'variable'; name: string }
    | { kind: 'member'; object: Node; key: Node } // a.b, a['b'], a[0]
    | { kind: 'slice'; object: Node; from?: Node; to?: Node; step?: Node }
    | { kind: 'list'; items: Node[]; tuple?: true } // `(a, b)` is a list marked as a tuple (values.ts tuple()); Python's % takes its items as the arguments
    | { kind: 'dict'; entries: [Node, Node][] }
    | { kind: 'unary'; op: 'not' | '-' | '+'; operand: Node }
    | { kind: 'binary'; op: string; left: Node; right: Node; opStart: number } // arithmetic and ~
    | { kind: 'logical'; op: 'and' | 'or'; left: Node; right: Node }
    | { kind: 'compare'; first: Node; rest: { op: string; right: Node; opStart: number }[] }
    | { kind: 'conditional'; condition: Node; then: Node; otherwise?: Node }
    | ({ kind: 'filter'; input: Node } & Call)
    | ({ kind: 'method'; input: Node } & Call) // x.startswith('a'): a fixed table per receiver type (methods.ts)
    | ({ kind: 'test'; input: Node; negated: boolean } & Call)
    // lookup('varnames', '^x$') / query(...) / q(...): `name` is the plugin (lookups.ts), `args` its terms
    | ({ kind: 'lookup'; wantList: boolean } & Call)
    // m(a, k=v) / caller() / mod.m(): a template's macro (macro.ts); only in templates, where statements.ts checks the name
    | { kind: 'call'; callee: Node; args: Node[]; kwargs: [string, Node][] }
    // range(3): a Jinja global function (globals.ts)
    | ({ kind: 'global' } & Call)
  );
