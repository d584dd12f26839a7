/** A result's warnings (pause's "Not waiting for response..."): shown at every verbosity, before its line. */
import { describe, expect, it } from 'vitest';
import { resultLines } from '../../../src/report/result-lines.js';
import { colors } from '../../../src/report/colors.js';
import { result } from './fixtures.js';

const o = { verbose: 0, diff: false, c: colors(false) };

describe('result lines: warnings', () => {
  it('an ok result with a warning shows the warning alone; without one, nothing', () => {
    expect(resultLines(result({ host: 'node1', status: 'ok', warnings: ['Not waiting'] }), o)).toEqual(['[WARNING]: Not waiting']);
    expect(resultLines(result({ host: 'node1', status: 'ok' }), o)).toEqual([]);
  });
  it('a changed or -v result: the warnings, then its line', () => {
    expect(resultLines(result({ host: 'node1', status: 'changed', warnings: ['a', 'b'] }), o)).toEqual(['[WARNING]: a', '[WARNING]: b', 'changed: [node1]']);
    expect(resultLines(result({ host: 'node1', status: 'ok', warnings: ['a'] }), { ...o, verbose: 1 })[0]).toBe('[WARNING]: a');
  });
});
