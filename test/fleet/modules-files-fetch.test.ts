/**
 * fetch from a real host to the controller: layout, idempotence, check mode, binary files, Ansible's
 * sha1 `checksum`/`remote_checksum`, large files streamed and verified before the rename.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import fetch, { IN_MEMORY_MAX } from '../../src/modules/fetch.js';
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
    const sha1 = createHash('sha1').update(ko).digest('hex');
    // action/fetch.py's keys for a new copy: no `file`, no `size`.
    expect(run.value.result).toMatchObject({ dest: want, checksum: sha1, remote_checksum: sha1, md5sum: createHash('md5').update(ko).digest('hex') });
    expect(['file' in run.value.result, 'size' in run.value.result]).toEqual([false, false]);
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
    await expect(hx.run(fetch, { src: dir, dest: local })).rejects.toThrow(/^remote file is a directory, fetch cannot work on directories$/);
  });

  it('a file over IN_MEMORY_MAX is streamed to a temp file beside the target and renamed once its length and sha1 match', async () => {
    const big = randomBytes(IN_MEMORY_MAX * 3 + 17);
    writeFileSync(onHost(host, `${dir}/big.bin`), big);
    const args = { src: `${dir}/big.bin`, dest: join(local, 'big.bin'), flat: true };
    const run = await countExecs(hx, () => hx.run(fetch, args));
    expect([run.value.changed, run.execs]).toEqual([true, 2]); // the probe, then one cat on a channel of its own
    expect(readFileSync(args.dest).equals(big)).toBe(true);
    const sha1 = createHash('sha1').update(big).digest('hex');
    expect(run.value.result).toMatchObject({ checksum: sha1, remote_checksum: sha1, md5sum: createHash('md5').update(big).digest('hex') });
    const again = await countExecs(hx, () => hx.run(fetch, args));
    expect([again.value.changed, again.execs, again.value.result.checksum]).toEqual([false, 1, sha1]);
    expect(readdirSync(local).filter((n) => n.includes('nodemend'))).toEqual([]);
  });

  it('a large file that changes between the plan and the transfer: checksum mismatch, the old local copy stays; validate_checksum: false takes it', async () => {
    const v1 = randomBytes(IN_MEMORY_MAX * 2);
    const v2 = randomBytes(IN_MEMORY_MAX * 2); // same length: only the sha1 can tell
    writeFileSync(onHost(host, `${dir}/moving.bin`), v1);
    const dest = join(local, 'moving.bin');
    await hx.run(fetch, { src: `${dir}/moving.bin`, dest, flat: true });
    const v3 = randomBytes(IN_MEMORY_MAX * 2);
    writeFileSync(onHost(host, `${dir}/moving.bin`), v3);
    const warnings: string[] = [];
    const plan = await fetch.plan(fetch.schema.parse({ src: `${dir}/moving.bin`, dest, flat: true }), { ...hx.context(), warn: (m: string) => warnings.push(m) });
    expect(plan.changed).toBe(true);
    writeFileSync(onHost(host, `${dir}/moving.bin`), v2);
    const err = await plan.apply!().catch((e: Error & { result?: Record<string, unknown> }) => e);
    expect(err).toBeInstanceOf(Error);
    // 2.14's registered words; what happened is the warning.
    expect((err as Error).message).toBe('checksum mismatch');
    expect(warnings.join('\n')).toMatch(/^checksum mismatch fetching .*moving\.bin: received 2097152 bytes \(sha1 [0-9a-f]{40}\), the host had 2097152 bytes .* was left as it was$/);
    expect((err as { result?: Record<string, unknown> }).result).toMatchObject({ remote_checksum: createHash('sha1').update(v3).digest('hex'), checksum: createHash('sha1').update(v2).digest('hex') });
    expect(readFileSync(dest).equals(v1)).toBe(true);
    expect(readdirSync(local).filter((n) => n.includes('nodemend'))).toEqual([]);

    const lax = await fetch.plan(fetch.schema.parse({ src: `${dir}/moving.bin`, dest, flat: true, validate_checksum: false }), hx.context());
    writeFileSync(onHost(host, `${dir}/moving.bin`), v3);
    await lax.apply!();
    expect(readFileSync(dest).equals(v3)).toBe(true);
  });
});
