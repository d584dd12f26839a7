/**
 * The parsers of the gathered facts (src/facts/clock.ts, system.ts, hardware.ts) on inputs the
 * fleet cannot show (a DMI table, dmidecode, lsb_release, a zone with DST, capsh without caps);
 * expected values from reading ansible-core 2.14.18's collectors (module_utils/facts/system/*.py,
 * hardware/linux.py). Their fleet values are compared with Ansible's in
 * test/fleet/differential-gathered-facts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { parseDateTime, dateTime } from '../../../src/facts/clock.js';
import { parseCaps, parseLsb, parsePython, parseResolvConf } from '../../../src/facts/system.js';
import { memoryMb, parseDmi, DMI_FACTS } from '../../../src/facts/hardware.js';
import { ANSIBLE_FACTS } from '../../../src/facts/ansible.js';

describe('date_time', () => {
  it('tz_dst: July’s zone name north of the equator, January’s south (CPython’s time.tzname on glibc)', () => {
    const local = '2026|12|Sunday|0|48|06|14|16|06|1796566566|2026-12-06|14:16:06|20261206T141606703081|20261206T141606|CET|+0100';
    const utc = '2026-12-06T13:16:06.703081Z|2026-12-06T13:16:06Z';
    expect(parseDateTime([local, utc, '+0100 CET', '+0200 CEST'].join('\n'))).toMatchObject({ tz: 'CET', tz_dst: 'CEST', tz_offset: '+0100', epoch_int: '1796566566' });
    expect(parseDateTime([local, utc, '+1100 AEDT', '+1000 AEST'].join('\n')).tz_dst).toBe('AEDT');
    expect(parseDateTime([local, utc, '+0000 UTC', '+0000 UTC'].join('\n')).tz_dst).toBe('UTC');
  });

  it('its command renders one timestamp in a zone with DST as Python would', () => {
    const out = execFileSync('sh', ['-c', dateTime.command], { env: { ...process.env, TZ: 'Europe/Berlin' }, encoding: 'utf8' });
    const dt = parseDateTime(out);
    expect(dt.tz_dst).toBe('CEST');
    expect(['CET', 'CEST']).toContain(dt.tz);
    expect(dt.iso8601_micro).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Object.keys(dt).sort()).toEqual(
      [
        'date',
        'day',
        'epoch',
        'epoch_int',
        'hour',
        'iso8601',
        'iso8601_basic',
        'iso8601_basic_short',
        'iso8601_micro',
        'minute',
        'month',
        'second',
        'time',
        'tz',
        'tz_dst',
        'tz_offset',
        'weekday',
        'weekday_number',
        'weeknumber',
        'year',
      ].sort(),
    );
  });
});

describe('dns', () => {
  it('nameservers accumulate, the last search/options win, "ndots:" alone is true', () => {
    expect(parseResolvConf('nameserver 1.1.1.1\n#nameserver 9.9.9.9\nsearch a b\nsearch c\noptions ndots: rotate\nnameserver 8.8.8.8\ndomain\n')).toEqual({
      nameservers: ['1.1.1.1', '8.8.8.8'],
      search: ['c'],
      options: { ndots: true, rotate: true },
    });
  });
});

describe('lsb', () => {
  it('lsb_release -a wins when it exits 0; "LSB Version" is overwritten by "Release"', () => {
    const bin = '@bin\nNo LSB modules are available.\nDistributor ID:\tCentOS\nDescription:\tCentOS Linux release 7.9.2009 (Core)\nRelease:\t7.9.2009\nCodename:\tCore\n@rc 0\n';
    expect(parseLsb(`${bin}@file\n@exists\nDISTRIB_ID=Other\n`)).toEqual({
      id: 'CentOS',
      description: 'CentOS Linux release 7.9.2009 (Core)',
      release: '7.9.2009',
      codename: 'Core',
      major_release: '7',
    });
  });
  it('a failing lsb_release falls back to /etc/lsb-release; quotes stripped; no file: {}', () => {
    expect(parseLsb('@bin\n@rc 1\n@file\n@exists\nDISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n')).toEqual({
      id: 'Ubuntu',
      release: '22.04',
      major_release: '22',
      description: 'Ubuntu 22.04.3 LTS',
    });
    expect(parseLsb('@file\n')).toEqual({});
  });
});

describe('caps', () => {
  it('"=ep" alone is not enforced; a list is; no capsh is N/A', () => {
    expect(parseCaps('Current: =ep\n@rc 0\n')).toEqual({ enforced: 'False', caps: [] });
    expect(parseCaps('Current: = cap_chown,cap_kill+ep\nBounding set =cap_chown\n@rc 0\n')).toEqual({ enforced: 'True', caps: ['cap_chown', 'cap_kill+ep'] });
    expect(parseCaps('')).toEqual({ enforced: 'N/A', caps: 'N/A' });
  });
});

describe('python', () => {
  it('the interpreter’s own report, shaped as python.py’s fact; none: undefined', () => {
    expect(parsePython('{"executable": "/usr/bin/python", "has_sslcontext": true, "type": "CPython", "version_info": [2, 7, 5, "final", 0]}\n')).toEqual({
      executable: '/usr/bin/python',
      has_sslcontext: true,
      type: 'CPython',
      version: { major: 2, minor: 7, micro: 5, releaselevel: 'final', serial: 0 },
      version_info: [2, 7, 5, 'final', 0],
    });
    expect(parsePython('')).toBeUndefined();
    expect(ANSIBLE_FACTS.get('python_version')!.value(() => parsePython('{"executable": "x", "has_sslcontext": true, "type": "cpython", "version_info": [3, 6, 8, "final", 0]}'))).toBe('3.6.8');
  });
});

describe('hardware', () => {
  it('DMI from sysfs: a chassis type is its name; an unreadable or empty file is NA', () => {
    const out = '@product_name sys KVM\n@form_factor sys 17\n@bios_vendor none\n@sys_vendor sys x\n@system_vendor sys  QEMU \n@board_name sys \n';
    const dmi = parseDmi(out);
    expect(dmi).toMatchObject({ product_name: 'KVM', form_factor: 'Main Server Chassis', bios_vendor: 'NA', system_vendor: 'QEMU', board_name: 'NA' });
    expect(Object.keys(dmi).sort()).toEqual([...DMI_FACTS].sort());
    expect(parseDmi('@form_factor sys 99\n').form_factor).toBe('unknown (99)');
  });
  it('DMI from dmidecode: rc 0 gives the text as is (no chassis name lookup), else NA', () => {
    expect(parseDmi('@form_factor dmi 0 Rack Mount Chassis\n@product_uuid dmi 1 \n')).toMatchObject({ form_factor: 'Rack Mount Chassis', product_uuid: 'NA' });
  });
  it('memory_mb: kB // 1024, used = total - free, null where meminfo lacks a field', () => {
    expect(memoryMb({ MemTotal: 2048 * 1024, MemFree: 1000 * 1024 + 1023, Buffers: 10 * 1024, Cached: 90 * 1024, SwapTotal: 0, SwapFree: 0, SwapCached: 0 })).toEqual({
      real: { total: 2048, used: 1048, free: 1000 },
      nocache: { free: 1100, used: 948 },
      swap: { total: 0, free: 0, used: 0, cached: 0 },
    });
    expect(memoryMb({ MemTotal: 2048 * 1024 }).nocache).toEqual({ free: null, used: null });
  });
  it('proc_cmdline keeps every value of a repeated key, cmdline the last', () => {
    const line = () => 'console=tty0 console=ttyS0,115200 quiet console=hvc0';
    expect(ANSIBLE_FACTS.get('proc_cmdline')!.value(line)).toEqual({ console: ['tty0', 'ttyS0,115200', 'hvc0'], quiet: true });
    expect(ANSIBLE_FACTS.get('cmdline')!.value(line)).toEqual({ console: 'hvc0', quiet: true });
  });
});
