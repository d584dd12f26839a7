/**
 * The template module's output_encoding (src/modules/lib/text-encoding.ts): bytes as Python 3's codecs
 * give them (checked on this machine: `'€ é'.encode('cp1252')`, the names codecs.lookup accepts, the
 * UnicodeEncodeError messages 2.14's template action fails with).
 */
import { describe, expect, test } from 'vitest';
import { codecOf, encodeText } from '../../../src/modules/lib/text-encoding.js';

describe('output_encoding', () => {
  test.each([
    ['utf-8', 'é€', 'c3a9e282ac'],
    ['windows-1252', 'é€', 'e980'],
    ['cp1252', 'aé', '61e9'],
    ['latin-1', 'aé\u0080', '61e980'],
    ['ISO-8859-1', 'ÿ', 'ff'],
    ['ascii', 'a~', '617e'],
  ])('%s', (enc, text, hex) => expect(encodeText(text, enc).toString('hex')).toBe(hex));

  test("cp1252's 0x80-0x9f: the 27 characters Python maps, in byte order", () => {
    const chars = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
    expect(encodeText(chars, 'windows-1252').toString('hex')).toBe('8082838485868788898a8b8c8e9192939495969798999a9b9c9e9f');
  });

  test("a character the codec has no byte for fails in Python's words", () => {
    expect(() => encodeText('ab€', 'latin-1')).toThrow("'latin-1' codec can't encode character '\\u20ac' in position 2: ordinal not in range(256)");
    expect(() => encodeText('é', 'ascii')).toThrow("'ascii' codec can't encode character '\\u00e9' in position 0: ordinal not in range(128)");
    expect(() => encodeText('\u0081', 'cp1252')).toThrow("'charmap' codec can't encode character '\\u0081' in position 0: character maps to <undefined>");
  });

  test('names as Python normalizes them; others unknown', () => {
    expect(['UTF8', 'utf_8', 'Windows-1252', 'latin1', 'US-ASCII'].map(codecOf)).toEqual(['utf-8', 'utf-8', 'cp1252', 'latin-1', 'ascii']);
    expect(codecOf('utf-16')).toBeUndefined();
    expect(codecOf('koi8-r')).toBeUndefined();
  });
});
