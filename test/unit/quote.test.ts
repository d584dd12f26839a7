import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { quote, sh } from '../../src/transport/quote.js';

describe('quote', () => {
  const nasty = ["it's", 'a b', '$(rm -rf /)', '`id`', '"dq"', 'semi;colon', 'new\nline', '', '-n', '*', '\\back'];
  it.each(nasty)('round-trips %j through a real shell', (v) => {
    const out = execFileSync('sh', ['-c', `printf %s ${quote(v)}`]).toString();
    expect(out).toBe(v);
  });
  it('quotes every interpolation of sh``', () => {
    expect(sh`ls ${'a b'} ${['x', "y'z"]}`.text).toBe(`ls 'a b' x 'y'"'"'z'`);
  });
  it('refuses NUL', () => {
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });
});
