/**
 * ansible_mounts (src/facts/mounts.ts) from what its command prints, judged as ansible-core
 * 2.14.18's get_mount_facts (module_utils/facts/hardware/linux.py) judges the same input.
 * The whole fact against Ansible's on a fleet host: test/fleet/differential-env-facts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseMounts } from '../../../src/facts/mounts.js';

const M = '@@nm-mount:';
const section = (name: string, text: string): string => `\n${M}${name}\n${text}\n`;
/** `stat -f`'s answer as the command prints it: exit code, then f_frsize f_blocks f_bavail f_bsize f_files f_ffree. */
const stat = (mount: string, answer = '0 4096 100 40 4096 50 20'): string => section(`stat ${mount}`, answer);
const SIZES = {
  size_total: 409600,
  size_available: 163840,
  block_size: 4096,
  block_total: 100,
  block_available: 40,
  block_used: 60,
  inode_total: 50,
  inode_available: 20,
  inode_used: 30,
};

describe('parseMounts', () => {
  it('keeps devices starting with / or \\ or holding :/, skips fstype none, short lines and the rest', () => {
    const mtab = [
      'overlay / overlay rw 0 0',
      'proc /proc proc rw 0 0',
      '/dev/sda1 /boot ext4 rw,relatime 0 0',
      'nfs:/export /mnt/nfs nfs4 rw 0 0',
      '\\\\srv\\share /mnt/smb cifs rw 0 0',
      '/dev/sdb1 /mnt/none none rw,bind 0 0',
      '/dev/sdc1 /short ext4',
      '',
    ].join('\n');
    const out = section('mtab', mtab) + stat('/boot') + stat('/mnt/nfs') + stat('/mnt/smb') + stat('/mnt/none');
    const got = parseMounts(out);
    expect(got.map((m) => m.mount)).toEqual(['/boot', '/mnt/nfs', '/mnt/smb']);
    expect(got[0]).toEqual({ mount: '/boot', device: '/dev/sda1', fstype: 'ext4', options: 'rw,relatime', ...SIZES, uuid: 'N/A' });
  });

  it('decodes octal escapes in every field; the stat is found by the raw mount point', () => {
    const out = section('mtab', '/nm\\040dev /mnt/a\\040b\\011c tmpfs rw 0 0') + stat('/mnt/a\\040b\\011c');
    expect(parseMounts(out)).toEqual([{ mount: '/mnt/a b\tc', device: '/nm dev', fstype: 'tmpfs', options: 'rw', ...SIZES, uuid: 'N/A' }]);
  });

  it('adds ,bind where findmnt shows a [/dir] source, unless the options already match bind.*"', () => {
    const findmnt = ['/            overlay        overlay rw', '/mnt/b       /dev/sda1[/src] ext4 rw', '/mnt/c       /dev/sda1[/x]   ext4 rw'].join('\n');
    const mtab = ['/dev/sda1 /mnt/b ext4 rw 0 0', '/dev/sda1 /mnt/c ext4 rw,bind,"x" 0 0', '/dev/sda1 /mnt/d ext4 rw 0 0'].join('\n');
    const got = parseMounts(section('findmnt', findmnt) + section('mtab', mtab));
    expect(got.map((m) => m.options)).toEqual(['rw,bind', 'rw,bind,"x"', 'rw']);
  });

  it('one entry per mount point: the last line’s, in the first line’s place', () => {
    const mtab = ['/dev/a /m tmpfs rw 0 0', '/dev/b /n tmpfs rw 0 0', '/dev/c /m tmpfs ro 0 0'].join('\n');
    const got = parseMounts(section('mtab', mtab));
    expect(got.map((m) => [m.mount, m.device, m.options])).toEqual([
      ['/m', '/dev/c', 'ro'],
      ['/n', '/dev/b', 'rw'],
    ]);
  });

  it('a failed statvfs leaves out the sizes; a timed-out one leaves a note and no uuid', () => {
    const mtab = ['/dev/a /denied tmpfs rw 0 0', '/dev/b /hung nfs rw 0 0'].join('\n');
    const got = parseMounts(section('mtab', mtab) + stat('/denied', '1 ') + stat('/hung', '124 '));
    expect(got).toEqual([
      { mount: '/denied', device: '/dev/a', fstype: 'tmpfs', options: 'rw', uuid: 'N/A' },
      { mount: '/hung', device: '/dev/b', fstype: 'nfs', options: 'rw', note: 'Could not get extra information due to timeout' },
    ]);
  });

  it('uuid: lsblk’s (first line of a name, lines without one skipped), else udevadm’s ID_FS_UUID, else N/A', () => {
    const lsblk = ['/dev/vda', '/dev/vda1 1111-aaaa', '/dev/vda1 2222-bbbb', '/dev/mapper/a b 3333-cccc'].join('\n');
    const mtab = ['/dev/vda1 /a ext4 rw 0 0', '/dev/vda /b ext4 rw 0 0', '/dev/sdz /c ext4 rw 0 0', '/dev/sdy /d ext4 rw 0 0'].join('\n');
    const udev = section('udev /dev/vda', 'DEVNAME=/dev/vda\nID_FS_UUID_ENC=x\nID_FS_UUID=4444-dddd') + section('udev /dev/sdz', 'ID_FS_UUID=');
    const got = parseMounts(section('lsblk', lsblk) + section('mtab', mtab) + udev);
    expect(got.map((m) => m.uuid)).toEqual(['1111-aaaa', '4444-dddd', 'N/A', 'N/A']);
  });

  it('no mtab at all: an empty list', () => {
    expect(parseMounts('')).toEqual([]);
  });
});
