/** unarchive's reading of tar --diff / unzip output and archive magic (the fleet test covers the real thing). */
import { describe, expect, it } from 'vitest';
import { compareTar, compareZip, formatFromMagic, parseSections } from '../../../src/modules/unarchive.js';

describe('formatFromMagic', () => {
  it('recognises gzip, xz, bzip2, zip and ustar; nothing else', () => {
    expect(formatFromMagic('1f8b0800')).toBe('tar.gz');
    expect(formatFromMagic('fd377a585a0000')).toBe('tar.xz');
    expect(formatFromMagic('425a6839')).toBe('tar.bz2');
    expect(formatFromMagic('504b0304')).toBe('zip');
    expect(formatFromMagic('00'.repeat(257) + '7573746172')).toBe('tar');
    expect(formatFromMagic('6e6f7420616e')).toBeUndefined();
  });
});

describe('compareTar', () => {
  const out = [
    './',
    './a.txt: Mod time differs',
    './b: Mode differs',
    './c: Uid differs',
    './d: Gid differs',
    'tar: ./e: Warning: Cannot stat: No such file or directory',
    'tar: : Warning: Cannot stat: No such file or directory',
    './f: Contents differ',
    './f: Size differs',
  ].join('\n');
  it('as root with no attributes asked, every difference counts (Ansible)', () => {
    expect(compareTar(out, { uid: 0, want: {} })).toEqual([
      './a.txt: Mod time differs',
      './b: Mode differs',
      './c: Uid differs',
      './d: Gid differs',
      './e: Warning: Cannot stat: No such file or directory',
      './f: Contents differ',
      './f: Size differs',
    ]);
  });
  it('ignores mode/owner/group differences the task sets itself, and ownership when not root', () => {
    expect(compareTar(out, { uid: 0, want: { mode: '0644', owner: 'ops', group: 'ops' } })).not.toEqual(expect.arrayContaining([expect.stringMatching(/Mode|Uid|Gid/)]));
    expect(compareTar(out, { uid: 1000, want: {} })).toEqual(expect.arrayContaining(['./b: Mode differs']));
    expect(compareTar(out, { uid: 1000, want: {} }).some((l) => /Uid|Gid/.test(l))).toBe(false);
  });
});

describe('compareZip and the plan output sections', () => {
  it('checks presence, type and the size of regular files', () => {
    const listing = [
      'Archive:  x.zip',
      '  Length      Date    Time    Name',
      '---------  ---------- -----   ----',
      '        6  2024-01-01 12:00   a.txt',
      '        0  2024-01-01 12:00   d/',
      '        5  2024-01-01 12:00   link',
      '---------                     -------',
      '       11                     3 files',
    ].join('\n');
    expect(compareZip(['a.txt', 'd/', 'link'], listing, ['regular file|6', 'directory|4096', 'symbolic link|5'])).toEqual([]);
    expect(compareZip(['a.txt', 'd/', 'link'], listing, ['regular file|7', 'regular file|0', 'missing|0'])).toEqual(['a.txt: Size differs', 'd/: type differs', 'link: missing']);
  });
  it('splits the script output at its markers', () => {
    expect(parseSections('FORMAT tar\nUID 0\n@LIST\n./\n./a\n@COMPARE\n./a: Size differs\n@TARRC 1\n@ATTRS\nmissing\n')).toEqual({
      head: ['FORMAT tar', 'UID 0'],
      list: ['./', './a'],
      compare: ['./a: Size differs'],
      tarrc: ['1'],
      attrs: ['missing', ''],
    });
  });
});
