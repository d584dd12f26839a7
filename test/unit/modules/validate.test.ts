import { describe, expect, it } from 'vitest';
import { validateArg, validateCommand } from '../../../src/modules/lib/validate.js';

describe('validate: (copy, template, lineinfile, blockinfile, replace)', () => {
  it('quotes every word and makes %s the temp file', () => {
    expect(validateCommand('visudo -cf %s').text).toBe('visudo -cf "$t"');
    expect(validateCommand('sh -c \'test -s "$0"; rm -rf /\' %s').text).toBe(`sh -c 'test -s "$0"; rm -rf /' "$t"`);
    expect(validateCommand('check --file=%s.new $(reboot)').text).toBe(`check --file="$t".new '$(reboot)'`);
  });
  it('refuses a command without %s or with an open quote at load time', () => {
    expect(validateArg.safeParse('visudo -c').success).toBe(false);
    expect(validateArg.safeParse("visudo -cf '%s").success).toBe(false);
    expect(validateArg.safeParse('visudo -cf %s').success).toBe(true);
  });
});
