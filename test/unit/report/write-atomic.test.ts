import { describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeFileAtomic } from '../../../src/report/write-atomic.js';

describe('writeFileAtomic', () => {
  test('creates a missing directory (--json reports/run.json in a fresh checkout) and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-write-atomic-'));
    const file = join(dir, 'reports', 'nested', 'run.json');
    await writeFileAtomic(file, '{"ok":true}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"ok":true}\n');
    expect(readdirSync(join(dir, 'reports', 'nested'))).toEqual(['run.json']);
  });
});
