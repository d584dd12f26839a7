/** fetch from a real host to the controller: layout, idempotence, check mode, binary files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fetch from '../../src/modules/fetch.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { countExecs, filesHosts, onHost, openHarness, uniqueDir, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
const dir = uniqueDir('fetch');
const local = mkdtempSync(join(tmpdir(), 'nm-fetch-'));

beforeAll(async () => {
  host = (await filesHosts())[0];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

describe('fetch', () => {
  it('lands at dest/<host>/<src path>; check writes nothing; rerun unchanged; one exec per run', async () => {
    const ko = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(300_000, 7), Buffer.from([0, 255])]);
    writeFileSync(onHost(host, `${dir}/livepatch-route.ko`), ko);
    const args = { src: `${dir}/livepatch-route.ko`, dest: local };
    const want = join(local, host.name, dir, 'livepatch-route.ko');
    const check = await countExecs(hx, () => hx.run(fetch, args, { check: true }));
    expect([check.value.changed, check.execs]).toEqual([true, 1]);
    expect(check.value.plan.diff).toBeUndefined(); // binary and large
    expect(existsSync(want)).toBe(false);
    const run = await countExecs(hx, () => hx.run(fetch, args));
    expect([run.value.changed, run.execs]).toEqual([true, 1]);
    expect(Buffer.compare(readFileSync(want), ko)).toBe(0);
    expect(run.value.result).toMatchObject({ dest: want, size: ko.length, file: args.src });
    const again = await countExecs(hx, () => hx.run(fetch, args));
    expect([again.value.changed, again.execs]).toEqual([false, 1]);
    expect(readdirSync(join(local, host.name, dir)).filter((n) => n.includes('nodemend'))).toEqual([]);
  });

  it('flat: dest is the file, or a directory when it ends with /; a changed remote file is fetched again with a diff', async () => {
    writeFileSync(onHost(host, `${dir}/ver`), 'v1\n');
    await hx.run(fetch, { src: `${dir}/ver`, dest: join(local, 'flat', 'version.txt'), flat: true });
    expect(readFileSync(join(local, 'flat', 'version.txt'), 'utf8')).toBe('v1\n');
    await hx.run(fetch, { src: `${dir}/ver`, dest: join(local, 'flatdir') + '/', flat: true });
    expect(readFileSync(join(local, 'flatdir', 'ver'), 'utf8')).toBe('v1\n');
    writeFileSync(onHost(host, `${dir}/ver`), 'v2\n');
    const check = await hx.run(fetch, { src: `${dir}/ver`, dest: join(local, 'flat', 'version.txt'), flat: true }, { check: true });
    expect(check.plan.diff).toEqual([{ path: join(local, 'flat', 'version.txt'), before: 'v1\n', after: 'v2\n' }]);
    expect(readFileSync(join(local, 'flat', 'version.txt'), 'utf8')).toBe('v1\n');
    expect((await hx.run(fetch, { src: `${dir}/ver`, dest: join(local, 'flat', 'version.txt'), flat: true })).changed).toBe(true);
    expect(readFileSync(join(local, 'flat', 'version.txt'), 'utf8')).toBe('v2\n');
  });

  it('missing or directory src', async () => {
    await expect(hx.run(fetch, { src: `${dir}/nope`, dest: local })).rejects.toThrow(/does not exist, not transferring/);
    const soft = await hx.run(fetch, { src: `${dir}/nope`, dest: local, fail_on_missing: false });
    expect(soft.changed).toBe(false);
    await expect(hx.run(fetch, { src: dir, dest: local })).rejects.toThrow(/regular files only/);
  });
});
