/** The controller-only modules (set_fact, debug, assert, fail) against a stub context. */
import { describe, expect, it } from 'vitest';
import setFact from '../../../src/modules/set_fact.js';
import debug from '../../../src/modules/debug.js';
import assert from '../../../src/modules/assert.js';
import fail from '../../../src/modules/fail.js';
import { ModuleFailure, type ModuleContext, type ModuleDef } from '../../../src/modules/types.js';
import { emptyPlannedPaths } from '../../../src/modules/lib/planned-paths.js';
import { renderDeep } from '../../../src/load/expr/index.js';

class Undefined extends Error {
  readonly code = 'undefined-variable';
}

/** A context whose expressions are looked up in a table; unknown ones are undefined variables. */
function ctx(exprs: Record<string, unknown> = {}, vars: Record<string, unknown> = {}): ModuleContext & { set: Record<string, unknown> } {
  const set: Record<string, unknown> = {};
  const noShell = { hostName: 'h', exec: () => Promise.reject(new Error('local modules must not touch the host')) };
  return {
    set,
    host: 'h',
    conn: noShell,
    loginConn: noShell,
    check: false,
    diff: false,
    facts: {} as never,
    vars,
    renderTemplate: () => Promise.reject(new Error('no')),
    resolveLocalPath: (p) => p,
    evaluate: async (e) => {
      if (e in exprs) return exprs[e];
      throw new Undefined(`'${e}' is undefined`);
    },
    // The real templating (Ansible's Templar rules) over `vars`.
    template: async (t) => renderDeep(t, vars),
    setHostVars: (v) => Object.assign(set, v),
    setIncludedVars: (v) => Object.assign(set, v),
    timeoutSec: 10,
    planned: emptyPlannedPaths(),
    reconnect: () => Promise.resolve(),
  };
}

async function run<A>(mod: ModuleDef<A>, raw: unknown, c = ctx()) {
  const plan = await mod.plan(mod.schema.parse(raw), c);
  return plan;
}

async function failure(p: Promise<unknown>): Promise<ModuleFailure> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModuleFailure);
  return e as ModuleFailure;
}

describe('set_fact', () => {
  it('binds every argument as a host variable, never changed, and registers ansible_facts', async () => {
    const c = ctx();
    const plan = await run(setFact, { a: 1, b: { c: [1] }, flag: 'yes', off: 'False', s: 'text', cacheable: true }, c);
    expect(plan.changed).toBe(false);
    expect(c.set).toEqual({ a: 1, b: { c: [1] }, flag: true, off: false, s: 'text' });
    expect(plan.result).toEqual({ ansible_facts: c.set });
  });
  it('rejects invalid variable names and an empty argument list', () => {
    expect(setFact.schema.safeParse({ 'bad-name': 1 }).success).toBe(false);
    expect(setFact.schema.safeParse({ cacheable: true }).success).toBe(false);
  });
  it('leaves a templated name to be checked once rendered (ansible-core\'s lookup_items target: set_fact: "{{ item }}=moo")', () => {
    expect(setFact.schema.safeParse({ '{{ item }}': 'moo' }).success).toBe(true);
    expect(setFact.schema.safeParse({ "{{ 'x' + item }}": '{{ item }}' }).success).toBe(true);
    expect(setFact.schema.safeParse({ 'x{y}': 1 }).success).toBe(false);
  });
});

describe('debug', () => {
  it('shows msg as text (a list as pretty JSON), defaulting to Hello world!', async () => {
    expect(await run(debug, { msg: 'kernel 3.10' })).toMatchObject({ msg: 'kernel 3.10', result: { msg: 'kernel 3.10' } });
    expect((await run(debug, { msg: ['a', 1] })).msg).toBe('[\n  "a",\n  1\n]');
    expect((await run(debug, {})).result).toEqual({ msg: 'Hello world!' });
  });
  it("templates var as 2.14's debug.py: a bare name keeps its value, an expression gives text, registered under the text with no msg", async () => {
    const c = ctx({}, { d: { a: 1, b: ['x', 'y'] }, i: 1, flag: true, sl: '[1, 2]', s: 'str' });
    expect(await run(debug, { var: 'd' }, c)).toMatchObject({ shown: 'd: {\n  "a": 1,\n  "b": [\n    "x",\n    "y"\n  ]\n}', result: { d: { a: 1, b: ['x', 'y'] } } });
    expect((await run(debug, { var: 'd' }, c)).msg).toBeUndefined();
    expect((await run(debug, { var: 'd' }, c)).result).not.toHaveProperty('msg');
    expect((await run(debug, { var: 'i' }, c)).result).toEqual({ i: 1 });
    expect((await run(debug, { var: 'flag' }, c)).result).toEqual({ flag: true });
    // Not a bare name: ansible_eval_concat's text ("1"), a list again when it looks like one.
    expect((await run(debug, { var: 'd.a' }, c)).result).toEqual({ 'd.a': '1' });
    expect((await run(debug, { var: 'i + 1' }, c)).result).toEqual({ 'i + 1': '2' });
    expect((await run(debug, { var: "d['b']" }, c)).result).toEqual({ "d['b']": ['x', 'y'] });
    expect((await run(debug, { var: 'sl' }, c)).result).toEqual({ sl: [1, 2] });
    expect((await run(debug, { var: 's' }, c)).result).toEqual({ s: 'str' });
  });
  it('reports what is undefined, and a var that templates to no string, as VARIABLE IS NOT DEFINED!', async () => {
    const c = ctx({}, { d: { a: 1 }, i: 1, name: 'i' });
    expect(await run(debug, { var: 'nope' }, c)).toMatchObject({ shown: 'nope: "VARIABLE IS NOT DEFINED!"', result: { nope: 'VARIABLE IS NOT DEFINED!' } });
    expect((await run(debug, { var: 'd.nokey' }, c)).result).toEqual({ 'd.nokey': 'VARIABLE IS NOT DEFINED!' });
    expect((await run(debug, { var: '{{ d }}' }, c)).result).toEqual({ "<class 'dict'>": 'VARIABLE IS NOT DEFINED!' });
    expect((await run(debug, { var: '{{ i }}' }, c)).result).toEqual({ '1': 'VARIABLE IS NOT DEFINED!' });
    expect((await run(debug, { var: 5 }, c)).result).toEqual({ '5': 'VARIABLE IS NOT DEFINED!' });
    // A template giving a name: that name is read, under it.
    expect((await run(debug, { var: '{{ name }}' }, c)).result).toEqual({ i: 1 });
  });
  it('is skipped above the current verbosity', async () => {
    expect((await run(debug, { msg: 'v', verbosity: 2 })).result).toMatchObject({ skipped: true });
    expect((await run(debug, { msg: 'v', verbosity: 2 }, ctx({}, { ansible_verbosity: 2 }))).result).toEqual({ msg: 'v' });
  });
  it('refuses msg together with var', () => {
    expect(debug.schema.safeParse({ msg: 'a', var: 'b' }).success).toBe(false);
  });
});

describe('assert', () => {
  const c = ctx({ 'a == 1': true, b: [], c: 'x', d: 0, e: { k: 1 } });
  it('passes when every expression is true (Python truth)', async () => {
    const plan = await run(assert, { that: ['a == 1', 'c', 'e', true] }, c);
    expect(plan).toMatchObject({ changed: false, result: { msg: 'All assertions passed' } });
    expect((await run(assert, { that: 'a == 1', success_msg: 'fine', quiet: false }, c)).result).toEqual({ msg: 'fine' });
    expect((await run(assert, { that: 'a == 1', quiet: true }, c)).result).toEqual({ msg: 'All assertions passed' });
    expect((await run(assert, { that: 'a == 1', quiet: true, success_msg: 'yay' }, c)).result).toEqual({ msg: 'yay' });
  });
  it('fails on the first false expression with fail_msg (or its alias msg)', async () => {
    const e1 = await failure(run(assert, { that: ['a == 1', 'b', 'd'] }, c));
    expect(e1.message).toBe('Assertion failed');
    expect(e1.result).toMatchObject({ assertion: 'b', evaluated_to: false });
    expect((await failure(run(assert, { that: 'd', fail_msg: 'd must be set' }, c))).message).toBe('d must be set');
    expect((await failure(run(assert, { that: 'd', msg: 'alias' }, c))).message).toBe('alias');
  });
  it('counts an empty item of the list (`-` alone, or an empty string) as true, as 2.14 does', async () => {
    // ansible-core's copy target has a bare `-` among its assertions; the items around it still count.
    expect(await run(assert, { that: ['a == 1', null, '', 'c'] }, c)).toMatchObject({ changed: false, result: { msg: 'All assertions passed' } });
    expect((await failure(run(assert, { that: [null, 'b'] }, c))).result).toMatchObject({ assertion: 'b', evaluated_to: false });
  });
  it('reports an expression that cannot be evaluated', async () => {
    const e = await failure(run(assert, { that: 'missing_var' }, c));
    expect(e.message).toMatch(/^The conditional check 'missing_var' failed. The error was: 'missing_var' is undefined/);
  });
  it('in check mode, an undefined variable (a command that did not run) is reported, not failed', async () => {
    const checkCtx = { ...ctx({ 'a == 1': true }), check: true };
    expect(await run(assert, { that: ['a == 1', 'out.stdout == "x"'] }, checkCtx)).toMatchObject({
      changed: false,
      msg: 'not evaluated in check mode: \'out.stdout == "x"\' is undefined',
      result: { skipped: true },
    });
    // A false expression still fails in check mode.
    await failure(run(assert, { that: 'd' }, { ...ctx({ d: 0 }), check: true }));
  });
});

describe('fail', () => {
  it('fails with msg or the default message', async () => {
    expect((await failure(run(fail, { msg: 'kernel too old' }))).message).toBe('kernel too old');
    expect((await failure(run(fail, {}))).message).toBe('Failed as requested from task');
  });
});
