import { describe, expect, it } from 'vitest';
import { doneMessage } from '../../../src/run/task-runner.js';

describe('doneMessage', () => {
  it('turns what a plan would do into what was done, leaving other wording alone', () => {
    expect(doneMessage('directory /srv/x would be created')).toBe('directory /srv/x created');
    expect(doneMessage('/etc/app.conf would be created, mode 0644 -> 0640 would be replaced')).toBe('/etc/app.conf created, mode 0644 -> 0640 replaced');
    expect(doneMessage('line replaced')).toBe('line replaced');
    expect(doneMessage('would reboot')).toBe('would reboot');
  });
});
