/** pam_limits' argument checks and line rules (community.general 6.6.2's pam_limits.py). */
import { describe, expect, it } from 'vitest';
import pamLimits, { invalidLimit, pamLimitsEdit } from '../../../src/modules/pam_limits.js';

const base = { domain: '*', limit_type: 'soft' as const, limit_item: 'nofile' as const, value: '10', use_max: false, use_min: false, comment: '' };

describe('pam_limits', () => {
  it('refuses a bad value and use_min with use_max when the arguments are checked', () => {
    const bad = pamLimits.schema.safeParse({ domain: '*', limit_type: 'soft', limit_item: 'nofile', value: 'lots' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("Value of 'lots' for item 'nofile' is invalid");
    expect(pamLimits.schema.safeParse({ domain: '*', limit_type: 'soft', limit_item: 'nofile', value: 5, use_max: true, use_min: 'yes' }).success).toBe(false);
    expect(pamLimits.schema.safeParse({ domain: '*', limit_type: 'soft', limit_item: 'nice', value: -21 }).success).toBe(false);
    expect(pamLimits.schema.safeParse({ domain: '*', limit_type: 'soft', limit_item: 'nice', value: -20 }).success).toBe(true);
    expect(invalidLimit('core', 'infinity')).toBeUndefined();
  });
  it('appends a tab-separated line, carrying the comment of an earlier line', () => {
    const r = pamLimitsEdit(base, 'ops hard core 0 # note\n', '/f');
    expect(r).toEqual({ text: 'ops hard core 0 # note\n*\tsoft\tnofile\t10\t# note\n\n', changed: true, msg: '*\tsoft\tnofile\t10\t# note\n\n' });
  });
  it('keeps a line already right, byte for byte, and says so in msg', () => {
    expect(pamLimitsEdit(base, '*   soft  nofile 10\n', '/f')).toEqual({ text: '*   soft  nofile 10\n', changed: false, msg: '*   soft  nofile 10\n' });
  });
  it('use_max and use_min compare numbers and keep unlimited', () => {
    expect(pamLimitsEdit({ ...base, use_max: true }, '* soft nofile 100\n', '/f').changed).toBe(false);
    expect(pamLimitsEdit({ ...base, use_min: true }, '* soft nofile 100\n', '/f').text).toBe('*\tsoft\tnofile\t10\n');
    expect(pamLimitsEdit({ ...base, use_max: true }, '* soft nofile unlimited\n', '/f').changed).toBe(false);
    expect(pamLimitsEdit({ ...base, use_min: true }, '* soft nofile -1\n', '/f').text).toBe('*\tsoft\tnofile\t10\n');
  });
  it('fails on an invalid line already in the file', () => {
    expect(() => pamLimitsEdit(base, '* hard core lots\n', '/etc/x')).toThrow("Invalid configuration found in '/etc/x'. Value of 'lots' for item 'core' is invalid.");
  });
});
