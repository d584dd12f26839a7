/** `attributes`' pure parts, as basic.py set_attributes_if_different / get_file_attributes read them. */
import { describe, expect, it } from 'vitest';
import { attributesDiffer, chattrArg, lsattrFlags } from '../../../src/modules/lib/attributes.js';
import file from '../../../src/modules/file.js';
import copy from '../../../src/modules/copy.js';

describe('attributes', () => {
  it('reads chattr’s operator from the first character, = otherwise', () => {
    expect(chattrArg('Ae')).toEqual({ op: '=', flags: 'Ae' });
    expect(chattrArg('+A')).toEqual({ op: '+', flags: 'A' });
    expect(chattrArg('-d')).toEqual({ op: '-', flags: 'd' });
    expect(chattrArg('')).toEqual({ op: '=', flags: '' });
  });
  it("keeps lsattr -d's first word without dashes", () => {
    expect(lsattrFlags('-------A------e------- /tmp/x y\n')).toBe('Ae');
    expect(lsattrFlags('--------------e------- /tmp/x')).toBe('e');
    expect(lsattrFlags('')).toBe('');
  });
  it('differs as strings (order and extra flags count), and always for -', () => {
    expect(attributesDiffer('Ae', 'Ae')).toBe(false);
    expect(attributesDiffer('Ae', '=Ae')).toBe(true); // "=Ae" is compared whole: basic.py strips only + and -
    expect(attributesDiffer('Ae', '+A')).toBe(true);
    expect(attributesDiffer('e', 'eA')).toBe(true);
    expect(attributesDiffer('e', '-A')).toBe(true);
    expect(attributesDiffer('', '')).toBe(false);
  });
  it('file and copy take attributes and its alias attr; file refuses it with recurse', () => {
    expect(file.schema.safeParse({ path: '/x', attr: '+A' }).data).toMatchObject({ attributes: '+A' });
    expect(copy.schema.safeParse({ content: 'x', dest: '/x', attr: 'Ae' }).data).toMatchObject({ attributes: 'Ae' });
    expect(file.schema.safeParse({ path: '/x', state: 'directory', recurse: true, attributes: 'A' }).success).toBe(false);
  });
});
