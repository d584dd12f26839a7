/**
 * ansible_devices' parts the fleet cannot show (partitions, /dev/disk links, a dm holder, a PCI
 * host, a wwn), expected values from reading ansible-core 2.14.18's hardware/linux.py
 * get_device_facts and formatters.py bytes_to_human. Compared with Ansible's on a fleet host in
 * test/fleet/differential-gathered-facts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHuman, deviceFacts, parseDeviceSources } from '../../../src/facts/devices.js';

const b = (s: string): string => Buffer.from(s).toString('base64');

describe('ansible_devices', () => {
  it('bytes_to_human: the largest unit reached, %.2f rounding half to even as Python does', () => {
    expect(bytesToHuman(0n)).toBe('0.00 Bytes');
    expect(bytesToHuman(1207959552n)).toBe('1.12 GB'); // 1.125 GiB: Python says 1.12, toFixed would say 1.13
    expect(bytesToHuman(1536n)).toBe('1.50 KB');
    expect(bytesToHuman(536870912n * 512n)).toBe('256.00 GB');
  });

  it('a disk with a partition, its links, a dm holder and the PCI controller lspci names', () => {
    const T = '\t';
    const out = [
      `@lspci${T}${b('0000:00:04.0 SCSI storage controller: Red Hat, Inc. Virtio block device\n')}`,
      `@link${T}ids${T}wwn-0x5000c500a1b2c3d4${T}../../sda${T}/dev/sda`,
      `@link${T}ids${T}ata-DISK_1${T}../../sda${T}/dev/sda`,
      `@link${T}uuids${T}1111-2222${T}../../sda1${T}/dev/sda1`,
      `@slave${T}dm-0${T}sda1`,
      `@block${T}sda${T}../devices/pci0000:00/0000:00:04.0/virtio1/block/sda`,
      ...['sda1', 'holders', 'queue', 'size'].map((e) => `@entry${T}sda${T}${e}`),
      `@file${T}sda${T}size${T}${b('4194304\n')}`,
      `@file${T}sda${T}queue/scheduler${T}${b('[mq-deadline] none\n')}`,
      `@file${T}sda${T}queue/hw_sector_size${T}${b('4096\n')}`,
      `@file${T}sda${T}device/vendor${T}${b('0x1af4\n')}`,
      `@file${T}sda${T}sda1/size${T}${b('2048\n')}`,
      `@file${T}sda${T}sda1/start${T}${b('2048\n')}`,
      `@holder${T}sda${T}sda1${T}dm-0`,
      `@dmname${T}sda${T}sda1/dm-0${T}${b('vg-root\n')}`,
      `@block${T}zram0${T}`,
      `@entry${T}zram0${T}device_x`,
    ].join('\n');
    const { devices, device_links } = deviceFacts(parseDeviceSources(out));
    expect(device_links).toEqual({ ids: { sda: ['ata-DISK_1', 'wwn-0x5000c500a1b2c3d4'] }, uuids: { sda1: ['1111-2222'] }, labels: {}, masters: { sda1: ['dm-0'] } });
    expect(devices.sda).toEqual({
      virtual: 1,
      links: { ids: ['ata-DISK_1', 'wwn-0x5000c500a1b2c3d4'], uuids: [], labels: [], masters: [] },
      vendor: '0x1af4',
      model: null,
      sas_address: null,
      sas_device_handle: null,
      removable: null,
      support_discard: null,
      wwn: '0x5000c500a1b2c3d4',
      partitions: {
        sda1: { links: { ids: [], uuids: ['1111-2222'], labels: [], masters: ['dm-0'] }, start: '2048', sectors: '2048', sectorsize: 512, size: '1.00 MB', uuid: '1111-2222', holders: ['vg-root'] },
      },
      rotational: null,
      scheduler_mode: 'mq-deadline',
      sectors: '4194304',
      sectorsize: '4096',
      size: '2.00 GB',
      host: 'SCSI storage controller: Red Hat, Inc. Virtio block device',
      holders: [],
    });
    // not a symlink in /sys/block, with a "device" entry: not virtual; no size file: 0 sectors
    expect(devices.zram0).toMatchObject({ virtual: 0, sectors: 0, size: '0.00 Bytes', sectorsize: 512, partitions: {} });
  });
});
