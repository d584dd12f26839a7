/** getent's entries (src/modules/getent.ts) as getent.py builds them; expected values from python3 on the same text. */
import { describe, expect, it } from 'vitest';
import { getentEntries } from '../../../src/modules/getent.js';

describe('getent: entries', () => {
  it('a separator keeps empty fields (str.split(sep)); no separator splits on runs of whitespace', () => {
    expect(getentEntries('root:x:0:0::/root:/bin/bash\n', ':')).toEqual({ root: ['x', '0', '0', '', '/root', '/bin/bash'] });
    expect(getentEntries('127.0.0.1   localhost  lo\n', undefined)).toEqual({ '127.0.0.1': ['localhost', 'lo'] });
    expect(getentEntries('127.0.0.1  localhost\n', ' ')).toEqual({ '127.0.0.1': ['', 'localhost'] });
  });
  it('a name seen again turns its value into a list of entries', () => {
    expect(getentEntries('a 1\nb 2\na 3\na 4\n', undefined)).toEqual({ a: [['1'], ['3'], ['4']], b: ['2'] });
  });
});
