/** strptime against CPython 3.11's time.strptime: each expectation is what python3 printed for the same text and format. */
import { describe, expect, it } from 'vitest';
import { strptime, wallClockText } from '../../../src/modules/lib/strptime.js';

const fields = (v: string, f: string) => {
  const t = strptime(v, f);
  return [t.year, t.month, t.day, t.hour, t.minute, t.second];
};

describe('strptime', () => {
  it.each([
    ['202202081414.00', '%Y%m%d%H%M.%S', [2022, 2, 8, 14, 14, 0]],
    ['08 Feb 2022 14:14:30', '%d %b %Y %H:%M:%S', [2022, 2, 8, 14, 14, 30]],
    ['2022-02-08', '%Y-%m-%d', [2022, 2, 8, 0, 0, 0]],
    ['1/2/99 3:04:05 PM', '%m/%d/%y %I:%M:%S %p', [1999, 1, 2, 15, 4, 5]],
    ['12:00 am 2020-07-01', '%I:%M %p %Y-%m-%d', [2020, 7, 1, 0, 0, 0]],
    ['2020  december 5', '%Y %B %d', [2020, 12, 5, 0, 0, 0]],
    ['2022 060', '%Y %j', [2022, 3, 1, 0, 0, 0]],
    ['70-01-01', '%y-%m-%d', [1970, 1, 1, 0, 0, 0]],
  ])('%s with %s', (v, f, want) => {
    expect(fields(v, f)).toEqual(want);
  });

  it.each([
    ['2022', '%d %b', "time data '2022' does not match format '%d %b'"],
    ['202202081414', '%Y%m%d%H%M.%S', "time data '202202081414' does not match format '%Y%m%d%H%M.%S'"],
    ['2022-02-30', '%Y-%m-%d', 'day is out of range for month'],
    ['2022-02-08x', '%Y-%m-%d', 'unconverted data remains: x'],
    ['2022', '%Q', "'Q' is a bad directive in format '%Q'"],
    ['100%', '%Y%%', "time data '100%' does not match format '%Y%%'"],
  ])('%s with %s fails as Python does', (v, f, msg) => {
    expect(() => strptime(v, f)).toThrow(msg);
  });

  it('gives date -d its wall-clock text', () => {
    expect(wallClockText(strptime('1/2/99 3:04:05 PM', '%m/%d/%y %I:%M:%S %p'))).toBe('1999-01-02 15:04:05');
  });
});
