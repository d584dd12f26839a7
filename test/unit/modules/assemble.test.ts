/**
 * assemble's pure part: the bytes ansible-core 2.14's assemble_from_fragments (modules/assemble.py,
 * action/assemble.py) writes for a set of fragments, and codecs.escape_decode for the delimiter. The
 * expected bytes are what Python 3.11 gives for the same input (worked out with the module's function).
 */
import { describe, expect, it } from 'vitest';
import { assembleFragments, escapeDecode } from '../../../src/modules/assemble.js';

const frag = (name: string, content?: string) => ({ name: Buffer.from(name), content: content === undefined ? undefined : Buffer.from(content) });
const text = (b: Buffer): string => b.toString('utf8');

describe('escapeDecode (codecs.escape_decode)', () => {
  it('decodes simple, octal and hex escapes, keeps an unknown one, drops an escaped newline', () => {
    expect(text(escapeDecode(Buffer.from(String.raw`# --\t|\\n --`)))).toBe('# --\t|\\n --');
    expect(text(escapeDecode(Buffer.from(String.raw`a\x41\101\q\'b`)))).toBe("aAA\\q'b");
    expect(text(escapeDecode(Buffer.from('x\\\ny')))).toBe('xy');
  });
  it('fails on a bad \\x escape and a trailing backslash, as Python does', () => {
    expect(() => escapeDecode(Buffer.from('\\xZZ'))).toThrow(/invalid \\x escape/);
    expect(() => escapeDecode(Buffer.from('a\\'))).toThrow(/Trailing \\/);
  });
});

describe('assembleFragments', () => {
  const fragments = [frag('b', 'B'), frag('a', 'A\n'), frag('.h', 'H\n'), frag('dir'), frag('c', ''), frag('é', 'E\n'), frag('z', 'Z')];

  it('joins regular files in code point order, a newline after a fragment without one', () => {
    expect(text(assembleFragments(fragments, { ignoreHidden: false }))).toBe('H\nA\nB\n' + '' + '\nZ\nE\n');
  });

  it('ignore_hidden drops dot files; regexp is searched in the name', () => {
    expect(text(assembleFragments(fragments, { ignoreHidden: true, regexp: '[abz]' }))).toBe('A\nB\nZ');
    expect(text(assembleFragments(fragments, { ignoreHidden: true, regexp: '^(a|c)$' }))).toBe('A\n');
  });

  it('a delimiter goes between fragments, decoded again at each use, with a newline after it when it lacks one', () => {
    const d = String.raw`# --\t|\\n --`;
    expect(text(assembleFragments([frag('1', 'one\n'), frag('2', 'two'), frag('3', 'three\n')], { ignoreHidden: false, delimiter: d }))).toBe('one\n# --\t|\\n --\ntwo\n# --\t|\n --\nthree\n');
    expect(text(assembleFragments([frag('1', 'one'), frag('2', 'two')], { ignoreHidden: false, delimiter: '---\\n' }))).toBe('one\n---\ntwo');
    expect(text(assembleFragments([frag('1', 'one')], { ignoreHidden: false, delimiter: '---' }))).toBe('one');
  });
});
