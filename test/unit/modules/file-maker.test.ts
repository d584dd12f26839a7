/** file's @@me: who a new path belongs to, from one id(1) line in the C locale. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fileModule, { parseId } from '../../../src/modules/file.js';
import { emptyPlannedPaths } from '../../../src/modules/lib/planned-paths.js';
import { LocalConnection } from '../../../src/transport/local.js';
import type { ModuleContext } from '../../../src/modules/types.js';
import type { ExecOptions } from '../../../src/transport/types.js';

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

/**
 * A run's file tasks keep root's id line (ctx.identityMemo): the first new path's probe runs `id`,
 * later ones print the kept line. Another identity's line is read again each time. Runs the probes
 * with this machine's sh, its `id` stood in for by the line under test.
 */
describe("file's maker: root's id kept for the run", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nm-file-maker-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function idsRun(line: string, paths: string[]): Promise<{ ids: number; made: Record<string, unknown>[] }> {
    let ids = 0;
    const local = new LocalConnection('h');
    const conn = {
      hostName: 'h',
      exec: (cmd: string | { toString(): string }, opts?: ExecOptions) => {
        const text = String(cmd).replace(/; id; umask/g, () => (ids++, `; echo '${line}'; umask`));
        return local.exec(text, opts);
      },
    };
    const memo = new Map<string, string>();
    const made: Record<string, unknown>[] = [];
    for (const path of paths) {
      const ctx = { host: 'h', conn, loginConn: conn, check: true, diff: false, vars: {}, timeoutSec: 30, planned: emptyPlannedPaths(), identityMemo: memo } as unknown as ModuleContext;
      const plan = await fileModule.plan(fileModule.schema.parse({ path, state: 'directory', mode: '0755' }) as never, ctx);
      made.push(plan.result?.diff as Record<string, unknown>);
    }
    return { ids, made };
  }

  it('runs id once for root, every time for another identity, with the same plans', async () => {
    const paths = ['a', 'b', 'c'].map((n) => join(scratch, n));
    const root = await idsRun('uid=0(root) gid=0(root) groups=0(root)', paths);
    expect(root.ids).toBe(1);
    const ops = await idsRun('uid=1000(ops) gid=1000(ops) groups=1000(ops)', paths);
    expect(ops.ids).toBe(3);
    expect(root.made).toHaveLength(3);
    expect(JSON.stringify(root.made[2])).toBe(JSON.stringify(root.made[0]).replaceAll(paths[0], paths[2]));
  });
});
