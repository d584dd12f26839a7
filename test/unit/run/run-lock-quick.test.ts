/**
 * The run lock's quick first attempt (src/run/run-lock.ts QUICK_TAKE), run by the local sh
 * on lock paths in a temp dir: it takes a free host as the whole TAKE would, and leaves
 * anything else (a lock file there) untouched for the whole script to judge.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quickTakeCommand, takeCommand } from '../../../src/run/run-lock.js';

const ME = 'run=20261207T000000Z-abcdef started=2026-12-07T00:00:00.000Z pid=1 controller=c';
const run = (script: string): string => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

function paths(): { dir: string; l1: string; l2: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nm-lock-quick-'));
  return { dir, l1: join(dir, 'run.lock'), l2: join(dir, 'tmp.lock') };
}

describe('quick run-lock take', () => {
  it('takes a free host: the same file and line as the whole TAKE writes', () => {
    const { dir, l1, l2 } = paths();
    try {
      // /run is writable here (or not) for both scripts alike: compare them on the same paths.
      const out = run(quickTakeCommand(ME, [l1, l2]).text);
      const m = /^NMLOCK ok (\S+)$/m.exec(out);
      expect(m).not.toBeNull();
      const quickFile = m![1];
      const quickLine = readFileSync(quickFile, 'utf8');
      rmSync(quickFile);
      const whole = /^NMLOCK ok (\S+)$/m.exec(run(takeCommand(ME, [l1, l2]).text));
      expect(whole?.[1]).toBe(quickFile);
      expect(quickLine).toMatch(new RegExp(`^${ME.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} boot=\\S+ hpid=\\S+ hstart=\\S+\\n$`));
      // No sshd above a local sh: both say hpid=- hstart=-, so the lines are equal.
      expect(readFileSync(quickFile, 'utf8')).toBe(quickLine);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('changes nothing and asks for the whole TAKE when a lock file (or a dangling link) is at either path', () => {
    for (const which of ['l1', 'l2', 'link'] as const) {
      const { dir, l1, l2 } = paths();
      try {
        const occupied = which === 'l1' ? l1 : l2;
        if (which === 'link') symlinkSync(join(dir, 'nowhere'), occupied);
        else writeFileSync(occupied, 'run=other started=x pid=2 controller=d\n');
        expect(run(quickTakeCommand(ME, [l1, l2]).text)).toBe('NMLOCK retry\n');
        expect(readdirSync(dir).sort()).toEqual([occupied === l1 ? 'run.lock' : 'tmp.lock']);
        if (which !== 'link') expect(readFileSync(occupied, 'utf8')).toBe('run=other started=x pid=2 controller=d\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
