/**
 * src/vm/vm.ts's KVM speed probe: its boot sector, booted by the real SeaBIOS in
 * qemu-system-x86_64 (scripts/install.sh installs it), counts to 2^26 and then writes 'K' to the
 * serial port. Run here under TCG, which every machine has: the sector is a valid boot sector
 * whose loop ends (a sector that never wrote, or hung, would send every machine to TCG).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeSector, runProbe } from '../../../src/vm/vm.js';

const dir = mkdtempSync(join(tmpdir(), 'nm-kvm-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the KVM speed probe', () => {
  it('is a boot sector (0x55 0xaa) that sets its loop counters before the serial write', () => {
    const s = probeSector();
    expect(s.length).toBe(512);
    expect([s[510], s[511]]).toEqual([0x55, 0xaa]);
    // mov bx,0x400 (outer count), mov cx,0xffff (inner count): 2^26 turns of `loop`
    expect([...s.subarray(3, 9)]).toEqual([0xbb, 0x00, 0x04, 0xb9, 0xff, 0xff]);
  });

  it('finishes its count and writes K under TCG', async () => {
    expect(await runProbe(dir, 'tcg', 60)).toBe(true);
  }, 90_000);
});
