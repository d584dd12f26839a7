/** file's @@me: who a new path belongs to, from one id(1) line in the C locale. */
import { describe, expect, it } from 'vitest';
import { parseId } from '../../../src/modules/file.js';

describe('parseId', () => {
  it('reads the ids and names of the first two words', () => {
    expect(parseId('uid=0(root) gid=0(root) groups=0(root)')).toEqual({ uid: '0', gid: '0', owner: 'root', group: 'root' });
    expect(parseId('uid=1000(ops) gid=27(sudo) groups=27(sudo),1000(ops)')).toEqual({ uid: '1000', gid: '27', owner: 'ops', group: 'sudo' });
  });
  it('falls back to the number for an id without a name, and refuses anything else', () => {
    expect(parseId('uid=4242 gid=4343 groups=4343')).toEqual({ uid: '4242', gid: '4343', owner: '4242', group: '4343' });
    expect(parseId('uid=5(games) gid=77')).toEqual({ uid: '5', gid: '77', owner: 'games', group: '77' });
    expect(() => parseId('id: cannot find name for user ID 4242')).toThrow(/unexpected output of id/);
  });
});
