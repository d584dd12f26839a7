/** unarchive's reading of tar --diff / unzip output and archive magic (the fleet test covers the real thing). */
import { describe, expect, it } from 'vitest';
import { compareTar, compareZip, formatFromMagic, parseSections, zipInfo } from '../../../src/modules/unarchive.js';

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
  // zipinfo -T -s as Info-ZIP's unzip 6.0 prints it (Debian bookworm), the lines is_unarchived reads.
  const listing = [
    'Archive:  x.zip',
    'Zip file size: 582 bytes, number of entries: 4',
    '-rw-r--r--  3.0 unx        6 tx stor 20240101.120000 a.txt',
    'drwxr-xr-x  3.0 unx        0 bx stor 20240101.120000 d/',
    '-rw-r--r--  3.0 unx        2 tx stor 20240101.120000 d/b c.txt',
    'lrwxrwxrwx  3.0 unx        5 bx stor 20240101.120000 link',
    '4 files, 13 bytes uncompressed, 13 bytes compressed:  0.0%',
  ].join('\n');
  const names = ['a.txt', 'd/', 'd/b c.txt', 'link'];

  it('reads type and size from the zipinfo lines, skipping the header and footer', () => {
    expect([...zipInfo(listing)]).toEqual([
      ['a.txt', { type: '-', size: 6 }],
      ['d/', { type: 'd', size: 0 }],
      ['d/b c.txt', { type: '-', size: 2 }],
      ['link', { type: 'l', size: 5 }],
    ]);
  });

  it('checks presence, type and the size of regular files', () => {
    expect(compareZip(names, listing, ['regular file|6', 'directory|4096', 'regular file|2', 'symbolic link|5'])).toEqual({ differences: [], prepared: '' });
    expect(compareZip(names, listing, ['regular file|7', 'regular file|0', 'missing|0', 'missing|0']).differences).toEqual([
      'a.txt: Size differs',
      'd/: type differs',
      'd/b c.txt: missing',
      'link: missing',
    ]);
    // A regular member where a symlink is: another type, as is_unarchived's S_ISREG test.
    expect(compareZip(['a.txt'], listing, ['symbolic link|3']).differences).toEqual(['a.txt: type differs']);
  });

  it("writes is_unarchived's itemized lines: > missing, c another type, the letters of what differs", () => {
    const sizes = ['regular file|7', 'regular file|0', 'missing|0', 'missing|0'];
    expect(compareZip(names, listing, sizes).prepared).toBe('.f.s.....?? a.txt\ncd++++++.?? d/\n>f++++++.?? d/b c.txt\n>L++++++.?? link\n');
    const same = ['regular file|6', 'directory|4096', 'regular file|2', 'symbolic link|5'];
    // mode p, owner o, group g (group's letter wins the shared column, as the module sets it last); a link takes no mode.
    expect(compareZip(names, listing, same, [{ mode: true }, { owner: true, group: true }, { owner: true }, { mode: true }]).prepared).toBe(
      '.f...p...?? a.txt\n.d....g..?? d/\n.f....o..?? d/b c.txt\n',
    );
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
