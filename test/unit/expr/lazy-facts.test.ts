import { describe, expect, test } from 'vitest';
import { compileExpression, compileTemplate, evaluateCondition, FactNeeded, renderDeep } from '../../../src/load/expr/index.js';

/** The runner's shape: a Proxy with get, has and ownKeys only; get throws FactNeeded for a fact not fetched yet. */
function factsProxy(fetched: Record<string, unknown>, known: string[]): Record<string, unknown> {
  return new Proxy({} as Record<string, unknown>, {
    get(_t, prop) {
      if (typeof prop !== 'string' || !known.includes(prop)) return undefined;
      if (!(prop in fetched)) throw new FactNeeded(prop);
      return fetched[prop];
    },
    has: (_t, prop) => typeof prop === 'string' && known.includes(prop),
    ownKeys: () => known,
  });
}

const KNOWN = ['kernel', 'os_family', 'cmdline'];

describe('lazy facts: FactNeeded passes through unchanged', () => {
  test.each([
    'facts.kernel',
    "facts.kernel is version('3.10.0-1062', '<')",
    'facts.kernel is defined',
    'facts.kernel is not defined',
    "facts.kernel | default('x')",
    "facts.kernel | default('x', true)",
    'facts.kernel | mandatory',
    "'x' ~ facts.kernel",
    'true and facts.kernel',
    'facts.kernel.sub is defined',
    "{'k': facts.kernel}",
    'facts | dict2items',
    'facts | to_json',
  ])('%s', (src) => {
    const scope = { facts: factsProxy({}, KNOWN) };
    let err: unknown;
    try {
      compileExpression(src).evaluate(scope);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FactNeeded);
    expect((err as FactNeeded).fact).toBe('kernel');
    expect((err as FactNeeded).name).toBe('FactNeeded');
  });

  test('the same evaluation succeeds once the fact is fetched (what the runner does)', () => {
    const fetched: Record<string, unknown> = {};
    const scope = { facts: factsProxy(fetched, KNOWN) };
    const cond = "facts.kernel is version('3.10.0-1062', '<') and 'nokmem' not in facts.cmdline";
    const asked: string[] = [];
    for (;;) {
      try {
        expect(evaluateCondition(cond, scope)).toBe(true);
        break;
      } catch (e) {
        if (!(e instanceof FactNeeded)) throw e;
        asked.push(e.fact);
        fetched[e.fact] = e.fact === 'kernel' ? '3.10.0-957.el7.x86_64' : 'ro quiet';
      }
    }
    expect(asked).toEqual(['kernel', 'cmdline']);
  });

  test('asking whether a fact exists does not fetch it', () => {
    const scope = { facts: factsProxy({}, KNOWN) };
    expect(compileExpression("'kernel' in facts").evaluate(scope)).toBe(true);
    expect(compileExpression("'nope' in facts").evaluate(scope)).toBe(false);
    expect(compileExpression('facts.nope is defined').evaluate(scope)).toBe(false);
    expect(compileExpression('facts | length').evaluate(scope)).toBe(3);
    expect(compileExpression("facts.nope | default('d')").evaluate(scope)).toBe('d');
  });

  test('templates and renderDeep let it through too', () => {
    const scope = { facts: factsProxy({}, KNOWN) };
    expect(() => compileTemplate('uname {{ facts.kernel }}').render(scope)).toThrow(FactNeeded);
    expect(() => renderDeep({ a: ['{{ facts.os_family }}'] }, scope)).toThrow(FactNeeded);
  });

  test('other exceptions from a Proxy are not swallowed by default / is defined either', () => {
    const boom = new Proxy(
      {},
      {
        get: () => {
          throw new RangeError('boom');
        },
        has: () => true,
      },
    );
    expect(() => compileExpression("p.x | default('d')").evaluate({ p: boom })).toThrow(RangeError);
    expect(() => compileExpression('p.x is defined').evaluate({ p: boom })).toThrow('boom');
  });
});

describe('no prototype access', () => {
  const scope = { d: { a: 1 }, s: 'str', xs: [1], fn: () => 'called' };
  test.each([
    'd.constructor',
    'd.__proto__',
    "d['__proto__']",
    'd.toString',
    'd.hasOwnProperty',
    'xs.constructor',
    'xs.length',
    'xs.map',
    's.length',
    's.constructor',
    'd.constructor.constructor',
    'fn',
    'constructor',
    '__proto__',
    'toString',
  ])('%s is undefined', (src) => {
    expect(compileExpression(`${src} is defined`).evaluate(scope)).toBe(false);
    expect(() => compileExpression(src).evaluate(scope)).toThrow(/is undefined$/);
  });

  test('own keys named like prototype members are ordinary keys', () => {
    const own = JSON.parse('{"toString": "mine", "constructor": "c"}') as Record<string, unknown>;
    expect(compileExpression('o.toString').evaluate({ o: own })).toBe('mine');
    // constructor is never read, even when it is an own key
    expect(compileExpression('o.constructor is defined').evaluate({ o: own })).toBe(false);
  });

  test('a dict literal cannot pollute Object.prototype', () => {
    compileExpression("{'__proto__': {'polluted': 1}} | combine({'constructor': {'prototype': {'polluted': 2}}})").evaluate({});
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
