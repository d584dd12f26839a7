import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseExtraVars } from '../../../src/load/extra-vars.js';
import { newDiag } from '../../../src/load/diag.js';
import { writeTree } from './load-helpers.js';

const dir = writeTree({
  'vars.yaml': 'version: 18.09.1\nlist: [1, 2]\nflag: yes\n',
  'list.yaml': '- a\n',
  'broken.yaml': 'a: 1\na: 2\n',
});
// Paths outside the working directory are shown absolute.
const rel = (p: string): string => join(dir, p);

function parse(args: string[]): { vars: Record<string, unknown>; errors: string[] } {
  const diag = newDiag();
  const vars = parseExtraVars(args, diag);
  return { vars, errors: diag.errors.map((e) => e.format()) };
}

describe('extra vars (-e)', () => {
  it.each([
    [['k=v'], { k: 'v' }],
    [['a=1 b="two words" c=\'x y\''], { a: '1', b: 'two words', c: 'x y' }],
    [['url=http://h/?a=b'], { url: 'http://h/?a=b' }],
    [['empty='], { empty: '' }],
    [['q="say \\"hi\\""'], { q: 'say "hi"' }],
    [['{"n": 1, "l": [1, 2], "s": "x"}'], { n: 1, l: [1, 2], s: 'x' }],
    [['{n: yes, v: 18.09.1}'], { n: true, v: '18.09.1' }],
    [['a=1', 'a=2', '{"b": true}'], { a: '2', b: true }],
    [[`@${join(dir, 'vars.yaml')}`], { version: '18.09.1', list: [1, 2], flag: true }],
  ] as [string[], Record<string, unknown>][])('%j', (args, expected) => {
    expect(parse(args)).toEqual({ vars: expected, errors: [] });
  });

  it.each([
    [['novalue'], 'command line: -e "novalue": "novalue" is not key=value; expected key=value pairs, a JSON/YAML mapping, or @file'],
    [['1x=3'], 'command line: -e "1x=3": "1x" is not a valid variable name'],
    [['a="open'], 'command line: -e "a=\\"open": unterminated " quote'],
    [['[1, 2]'], 'command line: -e "[1, 2]": expected a mapping of variables, got a list'],
    [['{a: [}'], /^command line: -e "\{a: \[\}": not a valid JSON\/YAML mapping: YAML syntax error: /],
    [['  '], 'command line: -e "  ": empty; expected key=value, a JSON/YAML mapping, or @file'],
    [[`@${join(dir, 'missing.yaml')}`], `command line: cannot read extra vars file ${rel('missing.yaml')}: no such file`],
    [[`@${join(dir, 'list.yaml')}`], `${rel('list.yaml')}:1:1: extra vars file must hold a mapping of variables, got a list`],
    [[`@${join(dir, 'broken.yaml')}`], `${rel('broken.yaml')}:2:1: duplicate key "a": a mapping must not repeat a key`],
  ] as [string[], string | RegExp][])('rejects %j', (args, message) => {
    const { errors } = parse(args);
    expect(errors).toHaveLength(1);
    if (typeof message === 'string') expect(errors[0]).toBe(message);
    else expect(errors[0]).toMatch(message);
  });
});
