import { describe, it, expect } from 'vitest';
import { homedir } from 'node:os';
import { expandHome } from '../../../src/transport/ssh.js';

describe('expandHome', () => {
  it('expands a leading ~ or ~/ only', () => {
    expect(expandHome('~/.ssh/id_ed25519')).toBe(`${homedir()}/.ssh/id_ed25519`);
    expect(expandHome('~')).toBe(homedir());
    expect(expandHome('/etc/ssh/~/x')).toBe('/etc/ssh/~/x');
    expect(expandHome('~other/.ssh/key')).toBe('~other/.ssh/key'); // other users' homes are not guessed
  });
});
