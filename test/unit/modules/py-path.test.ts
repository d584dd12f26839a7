/** pyNormpath against Python 3.11's posixpath.normpath (the values below are what it returns). */
import { describe, expect, it } from 'vitest';
import { pyNormpath } from '../../../src/modules/lib/py-path.js';

const PYTHON: [string, string][] = [
  ['', '.'],
  ['.', '.'],
  ['./', '.'],
  ['/', '/'],
  ['//', '//'],
  ['///', '/'],
  ['//a//b/', '//a/b'],
  ['a//b', 'a/b'],
  ['/a/./b/../c/', '/a/c'],
  ['/..', '/'],
  ['/../a/..', '/'],
  ['a/../..', '..'],
  ['a/b/../../..', '..'],
  ['x/../../y', '../y'],
  ['../x/./y/', '../x/y'],
  ['../../tmp/nm x', '../../tmp/nm x'],
];

describe('pyNormpath', () => {
  it.each(PYTHON)('%j reads %j, as posixpath.normpath', (path, want) => {
    expect(pyNormpath(path)).toBe(want);
  });
});
