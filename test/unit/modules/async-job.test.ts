/** The async job helpers' pure parts: str(timedelta) between two host stamps, 2.14's job id shape. */
import { describe, expect, it } from 'vitest';
import { jobIdPrefix, stampDelta } from '../../../src/modules/lib/async-job.js';

describe('stampDelta', () => {
  it('is Python str(timedelta) of end - start', () => {
    expect(stampDelta('2026-12-07 16:35:07.179103', '2026-12-07 16:35:08.230205')).toBe('0:00:01.051102');
    expect(stampDelta('2026-12-07 23:59:59.500000', '2026-12-08 01:00:00.500000')).toBe('1:00:01');
    expect(stampDelta('2026-12-07 10:00:00.000000', '2026-12-07 10:00:00.000042')).toBe('0:00:00.000042');
  });
  it('gives 0:00:00 for stamps it cannot read', () => expect(stampDelta('x', '2026-12-07 10:00:00.000000')).toBe('0:00:00'));
});

it('job ids start as async_wrapper.py spells them (j and up to 12 digits)', () => {
  for (let i = 0; i < 50; i++) expect(jobIdPrefix()).toMatch(/^j\d{1,12}$/);
});
