import { describe, expect, it } from 'vitest';
import { tagsSelect } from '../../../src/run/tags.js';
import { splitBatches } from '../../../src/run/batches.js';
import { mapLimit } from '../../../src/run/limit.js';

describe('tagsSelect (Ansible rules)', () => {
  const cases: [string[], string[], string[], boolean][] = [
    [[], [], [], true],
    [['grub'], [], [], true],
    [['grub'], ['grub'], [], true],
    [['grub'], ['kpatch'], [], false],
    [[], ['kpatch'], [], false],
    [['always'], ['kpatch'], [], true],
    [['always'], ['kpatch'], ['always'], false],
    [['never'], [], [], false],
    [['never', 'debug'], ['debug'], [], true],
    [['never', 'debug'], ['all'], [], false],
    [['grub'], [], ['grub'], false],
    [['grub', 'kpatch'], ['kpatch'], ['grub'], false],
    [['x'], ['tagged'], [], true],
    [[], ['untagged'], [], true],
    [['x'], ['untagged'], [], false],
  ];
  it.each(cases)('tags %j with --tags %j --skip-tags %j → %s', (task, only, skip, want) => {
    expect(tagsSelect(task, only, skip)).toBe(want);
  });
});

describe('splitBatches (serial)', () => {
  const hosts = Array.from({ length: 10 }, (_, i) => `h${i + 1}`);
  it('no serial: one batch', () => expect(splitBatches(hosts, [])).toEqual([hosts]));
  it('fixed size', () => expect(splitBatches(hosts, [4]).map((b) => b.length)).toEqual([4, 4, 2]));
  it('percent', () => expect(splitBatches(hosts, ['30%']).map((b) => b.length)).toEqual([3, 3, 3, 1]));
  it('list, last repeats', () => expect(splitBatches(hosts, [1, '50%']).map((b) => b.length)).toEqual([1, 5, 4]));
  it('0 (or less): every host left in one batch, as 2.14', () => {
    expect(splitBatches(hosts, [0])).toEqual([hosts]);
    expect(splitBatches(hosts, [2, 0]).map((b) => b.length)).toEqual([2, 8]);
    expect(splitBatches(hosts, [3, -1, 1]).map((b) => b.length)).toEqual([3, 7]);
    expect(splitBatches(hosts, ['0%']).map((b) => b.length)).toEqual(Array(10).fill(1));
  });
  it('tiny percent still makes progress', () => expect(splitBatches(['a', 'b'], ['10%']).map((b) => b.length)).toEqual([1, 1]));
});

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (v) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, v));
      inFlight--;
      return v * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
