/**
 * Unsafe values (Ansible's AnsibleUnsafe / `!unsafe`): data that is never rendered as a
 * template again. What a host says (registered results, facts, slurped files) may contain
 * "{{ ... }}"; rendering it would let a host read the controller's variables.
 *
 * A string is a JavaScript primitive and cannot carry a mark, so:
 * - an unsafe string stored on its own (a set_fact value, a loop item, a `!unsafe` scalar)
 *   is boxed as UnsafeText, which the evaluator unwraps when it reads the variable;
 * - a container (mapping or list) is marked in a WeakSet: every string read from it is
 *   returned as is, and containers read from it are marked in turn.
 * An evaluation that read an unsafe value produced data derived from it: `trackUnsafe`
 * tells, so what it builds (a filter's result, a set_fact value) is marked too.
 */

export class UnsafeText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

const marked = new WeakSet<object>();
let reads = 0;

/** Mark a value as data: strings are boxed, containers marked (not copied). */
export function markUnsafe(v: unknown): unknown {
  if (typeof v === 'string') return new UnsafeText(v);
  if (typeof v === 'object' && v !== null && !(v instanceof UnsafeText)) marked.add(v);
  return v;
}

/** An UnsafeText, or a marked container. */
export function isUnsafe(v: unknown): boolean {
  return v instanceof UnsafeText || (typeof v === 'object' && v !== null && marked.has(v));
}

/** The plain value (UnsafeText unboxed), for code that hands values to modules or reports. */
export function unwrapUnsafe(v: unknown): unknown {
  return v instanceof UnsafeText ? v.text : v;
}

/** How many unsafe reads so far: a difference across an evaluation says it read host data. */
export function unsafeReadCount(): number {
  return reads;
}

/** The evaluator calls this on every read of an unsafe value. */
export function noteUnsafeRead(): void {
  reads++;
}

/**
 * Run a synchronous evaluation; if it read any unsafe value, mark its result unsafe.
 * Evaluation never awaits, so a counter is enough to tell.
 */
export function trackUnsafe<T>(fn: () => T): T | UnsafeText {
  const before = reads;
  const v = fn();
  return reads !== before ? (markUnsafe(v) as T | UnsafeText) : v;
}

/** Like trackUnsafe, but containers only: a string result stays a primitive (an argument, a filter's output). */
export function trackUnsafeContainer<T>(fn: () => T): T {
  const before = reads;
  const v = fn();
  if (reads !== before && typeof v === 'object' && v !== null) marked.add(v);
  return v;
}
