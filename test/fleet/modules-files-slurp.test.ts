/**
 * slurp on a real host: the content comes back base64 (binary-safe); a file over SLURP_MAX_BYTES
 * is refused by the plan's stat, naming the file, its size and the limit, in --check as in a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import slurp, { SLURP_MAX_BYTES } from '../../src/modules/slurp.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { countExecs, filesHosts, onHost, openHarness, uniqueDir, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
const dir = uniqueDir('slurp');

beforeAll(async () => {
  host = (await filesHosts())[1];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

describe('slurp', () => {
  it('returns the bytes base64-encoded, up to the limit itself, in one exec', async () => {
    const bin = Buffer.from([0, 1, 2, 255, 10, 13]);
    writeFileSync(onHost(host, `${dir}/bin`), bin);
    const r = await countExecs(hx, () => hx.run(slurp, { src: `${dir}/bin` }));
    expect([r.value.changed, r.execs, r.value.result]).toEqual([false, 1, { content: bin.toString('base64'), encoding: 'base64', source: `${dir}/bin` }]);
    const atLimit = Buffer.alloc(SLURP_MAX_BYTES, 'a');
    writeFileSync(onHost(host, `${dir}/at-limit`), atLimit);
    expect((await hx.run(slurp, { src: `${dir}/at-limit` })).result.content).toBe(atLimit.toString('base64'));
  });

  it('refuses a file over the limit before reading it, naming the file, its size and the limit; --check says the same', async () => {
    writeFileSync(onHost(host, `${dir}/big`), Buffer.alloc(SLURP_MAX_BYTES + 1, 'b'));
    const want = /^.*\/big is 16777217 bytes, over slurp's limit of 16 MiB \(16777216 bytes\): .* use fetch/;
    for (const check of [true, false]) await expect(hx.run(slurp, { src: `${dir}/big` }, { check })).rejects.toThrow(want);
  });

  it('reads a device as slurp.py does: /dev/null empty, one that never ends failed at the limit (README "Choices")', async () => {
    expect((await hx.run(slurp, { src: '/dev/null' })).result).toEqual({ content: '', encoding: 'base64', source: '/dev/null' });
    await expect(hx.run(slurp, { src: '/dev/zero' })).rejects.toThrow(/^\/dev\/zero is more than 16777216 bytes, over slurp's limit of 16 MiB/);
  });
});
