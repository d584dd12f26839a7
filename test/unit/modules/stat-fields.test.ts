/**
 * stat's parsing of what the host printed, where the fleet cannot show it: `lsattr -vd` that works
 * (the fleet's overlayfs always refuses -v), `file` missing or printing what stat.py cannot split,
 * st_rdev of devices with large numbers, and the float times (test/fleet/differential-stat.test.ts
 * compares the rest with ansible-core 2.14 itself).
 */
import { describe, expect, it } from 'vitest';
import { fromStat, parseStatLine, STAT_DIRECTIVES } from '../../../src/transport/remote-file.js';
import { statResult } from '../../../src/modules/stat.js';

// `stat -c` of STAT_DIRECTIVES for a regular file: mode 0644, ids, size 11, times, inode, links,
// names, dev, blocks, blksize, rdev major/minor, then the three time texts.
const LINE = '81a4 0 0 11 1614834367 1800000000 1700000000 42 1 root root 2049 8 4096 0 0 2026-12-05 10:00:00.987654321 +0000 2021-03-04 05:06:07.123456789 +0000 2023-11-14 22:13:20.000000001 +0000';
const ALL = { get_mime: true, get_attributes: true };

describe('the probe parser', () => {
  it('reads the directives as Python reads os.stat: float times from the text nanoseconds', () => {
    expect(STAT_DIRECTIVES).toHaveLength(19);
    const p = parseStatLine('/f', LINE);
    expect(p).toMatchObject({ type: 'file', mode: '0644', size: 11, inode: 42, dev: 2049, blocks: 8, blockSize: 4096, rdev: 0, rawMode: 0o100644 });
    expect(p.mtime).toBe(1614834367 + 123456789 * 1e-9);
    expect(p.atime).toBe(1800000000 + 987654321 * 1e-9);
    expect(p.ctime).toBe(1700000000 + 1e-9);
  });

  it('NUL-separated fields (find) give the same probe', () => {
    const fields = [
      '81a4',
      '0',
      '0',
      '11',
      '1614834367',
      '1800000000',
      '1700000000',
      '42',
      '1',
      'root',
      'root',
      '2049',
      '8',
      '4096',
      '0',
      '0',
      '2026-12-05 10:00:00.987654321 +0000',
      '2021-03-04 05:06:07.123456789 +0000',
      '2023-11-14 22:13:20.000000001 +0000',
    ];
    expect(fromStat('/f', fields)).toEqual(parseStatLine('/f', LINE));
  });

  it("st_rdev is glibc's makedev of the major and minor", () => {
    const dev = (maj: string, min: string) => parseStatLine('/d', LINE.replace('4096 0 0', `4096 ${maj} ${min}`).replace(/^81a4/, '21b6')).rdev;
    expect(dev('1', '3')).toBe(259); // /dev/null
    expect(dev('8', 'b')).toBe(2059); // /dev/sda11 (stat prints %t/%T in hex)
    expect(dev('103', '101')).toBe(0x103 * 256 + 0x01 + 2 ** 20); // a minor's bits above 8 move to bit 20
    expect(dev('1000', '0')).toBe(2 ** 44); // a major's bits above 12 move to bit 44
  });

  it('refuses a line it cannot read', () => {
    expect(() => parseStatLine('/f', '81a4 0 0 11')).toThrow(/unexpected stat output/);
  });
});

describe("stat's mime and attribute fields", () => {
  const probe = parseStatLine('/f', LINE);
  const run = (extra: string, opts = ALL) => statResult(probe, extra, opts);

  it('lsattr -vd that works: version, attr_flags without dashes, attributes by name in flag order', () => {
    expect(run('- - rw\n3545323457 ----i-------A-e-------\n text/plain; charset=us-ascii')).toMatchObject({
      version: '3545323457',
      attr_flags: 'iAe',
      attributes: ['immutable', 'noatime', 'extents'],
      mimetype: 'text/plain',
      charset: 'us-ascii',
    });
  });

  it('lsattr missing or failing, or printing one word: get_file_attributes defaults', () => {
    expect(run('- - rw\n-\n-')).toMatchObject({ version: null, attributes: [], attr_flags: '' });
    expect(run('- - rw\n17 \n-')).toMatchObject({ version: '17', attributes: [], attr_flags: '' });
  });

  it("`file` missing or failing: 'unknown' for both; a part stat.py cannot split stays 'unknown'", () => {
    expect(run('- - rw\n-\n-')).toMatchObject({ mimetype: 'unknown', charset: 'unknown' });
    expect(run('- - rw\n-\n text/plain')).toMatchObject({ mimetype: 'unknown', charset: 'unknown' });
    expect(run('- - rw\n-\n text/plain; binary')).toMatchObject({ mimetype: 'text/plain', charset: 'unknown' });
    expect(run('- - rw\n-\n a; b; charset=x')).toMatchObject({ mimetype: 'unknown', charset: 'unknown' });
  });

  it('get_mime / get_attributes false: no such keys at all', () => {
    const out = run('abc - r\n1 ----i---\n text/plain; charset=us-ascii', { get_mime: false, get_attributes: false });
    for (const k of ['mimetype', 'charset', 'version', 'attributes', 'attr_flags']) expect(out).not.toHaveProperty(k);
    expect(out).toMatchObject({ checksum: 'abc', readable: true, writeable: false, executable: false });
    expect(out).not.toHaveProperty('md5');
  });
});
