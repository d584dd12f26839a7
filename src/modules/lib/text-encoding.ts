/**
 * Text to bytes in the Python codecs a template's `output_encoding` names (2.14's template action:
 * `to_bytes(resultant, encoding=output_encoding, errors='surrogate_or_strict')`). nodemend knows the
 * ones Linux configuration files are written in: UTF-8, Windows-1252 (cp1252), Latin-1 and ASCII,
 * each under the names Python's codec registry accepts for it; any other name is refused when the
 * playbook loads. A character the codec has no byte for fails as Python's UnicodeEncodeError.
 */

/** Python's codec lookup: lower case, spaces and hyphens as underscores (encodings.normalize_encoding), then its aliases. */
const ALIASES: Record<string, Codec> = {
  utf_8: 'utf-8',
  utf8: 'utf-8',
  u8: 'utf-8',
  utf: 'utf-8',
  cp65001: 'utf-8',
  cp1252: 'cp1252',
  windows_1252: 'cp1252',
  '1252': 'cp1252',
  latin_1: 'latin-1',
  latin1: 'latin-1',
  latin: 'latin-1',
  l1: 'latin-1',
  iso_8859_1: 'latin-1',
  iso8859_1: 'latin-1',
  '8859': 'latin-1',
  cp819: 'latin-1',
  ascii: 'ascii',
  us_ascii: 'ascii',
  '646': 'ascii',
};

type Codec = 'utf-8' | 'cp1252' | 'latin-1' | 'ascii';

export const ENCODINGS = 'utf-8, windows-1252 (cp1252), latin-1 (iso-8859-1), ascii';

/** The codec an encoding name stands for, or undefined when nodemend has none by that name. */
export function codecOf(name: string): Codec | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}

/** cp1252's bytes 0x80-0x9f and their characters, as Python's table (0x81, 0x8d, 0x8f, 0x90, 0x9d have none). */
const CP1252_HIGH: [number, number][] = [
  [0x80, 0x20ac],
  [0x82, 0x201a],
  [0x83, 0x0192],
  [0x84, 0x201e],
  [0x85, 0x2026],
  [0x86, 0x2020],
  [0x87, 0x2021],
  [0x88, 0x02c6],
  [0x89, 0x2030],
  [0x8a, 0x0160],
  [0x8b, 0x2039],
  [0x8c, 0x0152],
  [0x8e, 0x017d],
  [0x91, 0x2018],
  [0x92, 0x2019],
  [0x93, 0x201c],
  [0x94, 0x201d],
  [0x95, 0x2022],
  [0x96, 0x2013],
  [0x97, 0x2014],
  [0x98, 0x02dc],
  [0x99, 0x2122],
  [0x9a, 0x0161],
  [0x9b, 0x203a],
  [0x9c, 0x0153],
  [0x9e, 0x017e],
  [0x9f, 0x0178],
];
const cp1252Table = new Map(CP1252_HIGH.map(([b, cp]) => [String.fromCodePoint(cp), b]));

/** `text` as bytes in `encoding` (a name codecOf knows). */
export function encodeText(text: string, encoding: string): Buffer {
  const codec = codecOf(encoding);
  if (!codec) throw new Error(`unknown encoding: ${encoding}`);
  if (codec === 'utf-8') return Buffer.from(text, 'utf8');
  const table = codec === 'cp1252' ? cp1252Table : undefined;
  const top = codec === 'ascii' ? 0x7f : 0xff;
  const out: number[] = [];
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const b = table?.get(ch) ?? (cp <= top && !(table && cp >= 0x80 && cp <= 0x9f) ? cp : undefined);
    if (b === undefined) {
      const name = codec === 'cp1252' ? 'charmap' : codec === 'latin-1' ? 'latin-1' : 'ascii';
      const why = name === 'charmap' ? 'character maps to <undefined>' : `ordinal not in range(${top + 1})`;
      throw new Error(`'${name}' codec can't encode character '\\u${cp.toString(16).padStart(4, '0')}' in position ${i}: ${why}`);
    }
    out.push(b);
    i++;
  }
  return Buffer.from(out);
}
