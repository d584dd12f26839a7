import { describe, expect, it } from 'vitest';
import { startsAt } from '../../../src/run/start-at.js';

describe('--start-at-task matches as ansible-playbook (exact name, else fnmatch)', () => {
  it.each([
    ['Install docker', 'Install docker', true],
    ['Install docker', 'Install*', true],
    ['Install docker', 'install*', false], // case counts (fnmatchcase on POSIX)
    ['Install docker', '?nstall docker', true],
    ['node 1', 'node [12]', true], // brackets are a class, as in fnmatch
    ['node 3', 'node [12]', false],
    ['kubectl drain [node1]', 'kubectl drain [node1]', true], // the exact name wins before the glob
    ['kubectl drain n', 'kubectl drain [node1]', true], // ... which also reads it as a class
    ['Install docker', 'docker', false], // the whole name, not a part
  ])('%j with %j: %s', (name, pattern, want) => {
    expect(startsAt(name, pattern)).toBe(want);
  });
});
