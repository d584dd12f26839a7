/** get_url on a real host downloading from an HTTP server the test runs on 127.0.0.1 (the fleet shares the controller's network). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import getUrl from '../../src/modules/get_url.js';
import { ModuleFailure } from '../../src/modules/types.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { execHosts, existsOnHost, onHost, openHarness, uniquePath, type ExecHost } from './modules-exec-env.js';

let host: ExecHost;
let hx: ModuleHarness;
let server: Server;
let base: string;
const dir = uniquePath('geturl');
const files: Record<string, Buffer> = {};
const hits: string[] = [];
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');

beforeAll(async () => {
  files['/kpatch.tar.gz'] = Buffer.from([0x1f, 0x8b, 0, 1, 2, 3, 255, 10, 0]);
  files['/conf.txt'] = Buffer.from('version=1\n');
  server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/hang') return; // never answers
    const body = files[req.url!];
    if (!body) {
      res.writeHead(404).end('not here');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  host = (await execHosts())[1];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const snap = (p: string) => {
  try {
    const st = statSync(onHost(host, p));
    return { bytes: readFileSync(onHost(host, p)).toString('base64'), mode: st.mode, uid: st.uid, mtime: st.mtimeMs };
  } catch {
    return null;
  }
};
const hitsDuring = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const before = hits.length;
  const r = await f();
  return [r, hits.length - before];
};
const noTempFiles = () => expect(readdirSync(onHost(host, dir)).filter((f) => f.startsWith('.nodemend'))).toEqual([]);

describe('get_url', () => {
  it('downloads a new file once: check mode fetches nothing, the re-run fetches nothing', async () => {
    const dest = `${dir}/kpatch.tar.gz`;
    const [check, n0] = await hitsDuring(() => hx.run(getUrl, { url: `${base}/kpatch.tar.gz`, dest }, { check: true }));
    expect(check).toMatchObject({ changed: true, plan: { msg: `would download ${base}/kpatch.tar.gz to ${dest}` } });
    expect(n0).toBe(0);
    expect(existsOnHost(host, dest)).toBe(false);
    const r = await hx.run(getUrl, { url: `${base}/kpatch.tar.gz`, dest });
    expect(r.changed).toBe(true);
    expect(readFileSync(onHost(host, dest))).toEqual(files['/kpatch.tar.gz']);
    expect(r.result).toMatchObject({ dest, size: 9, mode: '0644', owner: 'root', checksum_src: sha1(files['/kpatch.tar.gz']), checksum_dest: null, msg: 'OK (9 bytes)' });
    const [again, n] = await hitsDuring(() => hx.run(getUrl, { url: `${base}/kpatch.tar.gz`, dest }));
    expect(again).toMatchObject({ changed: false, plan: { msg: 'file already exists' } });
    expect(n).toBe(0);
    noTempFiles();
  });

  it('with a checksum: verified download, then nothing fetched while dest matches, re-fetched when dest was altered', async () => {
    const dest = `${dir}/conf-sum.txt`;
    const args = { url: `${base}/conf.txt`, dest, checksum: `sha256:${sha(files['/conf.txt'])}` };
    expect((await hx.run(getUrl, args)).changed).toBe(true);
    const [again, n] = await hitsDuring(() => hx.run(getUrl, args));
    expect(again.changed).toBe(false);
    expect(n).toBe(0);
    writeFileSync(onHost(host, dest), 'tampered\n');
    const before = snap(dest);
    expect((await hx.run(getUrl, args, { check: true })).changed).toBe(true);
    expect(snap(dest)).toEqual(before);
    expect((await hx.run(getUrl, args)).changed).toBe(true);
    expect(readFileSync(onHost(host, dest), 'utf8')).toBe('version=1\n');
  });

  it('a wrong checksum fails and leaves dest and the directory untouched', async () => {
    const dest = `${dir}/conf-bad.txt`;
    writeFileSync(onHost(host, dest), 'old\n');
    const before = snap(dest);
    const e = await hx.run(getUrl, { url: `${base}/conf.txt`, dest, checksum: `sha256:${'0'.repeat(64)}` }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModuleFailure);
    expect((e as Error).message).toBe(`The checksum for ${dest} did not match ${'0'.repeat(64)}; it was ${sha(files['/conf.txt'])}.`);
    expect(snap(dest)).toEqual(before);
    noTempFiles();
  });

  it('force: unchanged while the URL serves the same bytes; replaced (with backup) when it changes; check mode touches nothing', async () => {
    const dest = `${dir}/conf-force.txt`;
    const args = { url: `${base}/conf.txt`, dest, force: true, backup: true };
    expect((await hx.run(getUrl, args)).changed).toBe(true);
    expect((await hx.run(getUrl, args)).changed).toBe(false);
    files['/conf.txt'] = Buffer.from('version=2\n');
    const before = snap(dest);
    const check = await hx.run(getUrl, args, { check: true });
    expect(check.changed).toBe(true);
    expect(snap(dest)).toEqual(before);
    noTempFiles();
    const r = await hx.run(getUrl, args);
    expect(r.changed).toBe(true);
    expect(readFileSync(onHost(host, dest), 'utf8')).toBe('version=2\n');
    expect(r.result.backup_file).toMatch(new RegExp(`^${dest}\\.\\d{8}T\\d{6}~$`));
    expect(readFileSync(onHost(host, r.result.backup_file as string), 'utf8')).toBe('version=1\n');
    files['/conf.txt'] = Buffer.from('version=1\n');
  });

  it('without force an existing file is left alone, whatever the URL serves', async () => {
    const dest = `${dir}/keep.txt`;
    writeFileSync(onHost(host, dest), 'mine\n');
    const [r, n] = await hitsDuring(() => hx.run(getUrl, { url: `${base}/conf.txt`, dest }));
    expect(r.changed).toBe(false);
    expect(n).toBe(0);
    expect(readFileSync(onHost(host, dest), 'utf8')).toBe('mine\n');
  });

  it('into a directory: the file is named after the URL', async () => {
    const sub = `${dir}/into`;
    mkdirSync(onHost(host, sub));
    const r = await hx.run(getUrl, { url: `${base}/conf.txt`, dest: sub });
    expect(r.result.dest).toBe(`${sub}/conf.txt`);
    expect(readFileSync(onHost(host, `${sub}/conf.txt`), 'utf8')).toBe('version=1\n');
    expect((await hx.run(getUrl, { url: `${base}/conf.txt`, dest: sub })).changed).toBe(false);
  });

  it('sets mode and owner; later only the attributes are fixed, without fetching', async () => {
    const dest = `${dir}/owned.txt`;
    const r = await hx.run(getUrl, { url: `${base}/conf.txt`, dest, mode: '0600', owner: 'ops', group: 'ops' });
    expect(r.result).toMatchObject({ mode: '0600', owner: 'ops', group: 'ops' });
    expect(statSync(onHost(host, dest)).mode & 0o7777).toBe(0o600);
    expect(statSync(onHost(host, dest)).uid).toBe(1000);
    const [fix, n] = await hitsDuring(() => hx.run(getUrl, { url: `${base}/conf.txt`, dest, mode: '0640' }));
    expect(n).toBe(0);
    expect(fix).toMatchObject({ changed: true, plan: { msg: 'file already exists but file attributes changed: mode 0600 -> 0640' } });
    expect(fix.plan.diff).toEqual([{ path: `${dest} (file attributes)`, before: 'mode: 0600\n', after: 'mode: 0640\n' }]);
    expect(statSync(onHost(host, dest)).mode & 0o7777).toBe(0o640);
    chmodSync(onHost(host, dest), 0o640);
    expect((await hx.run(getUrl, { url: `${base}/conf.txt`, dest, mode: '0640' })).changed).toBe(false);
  });

  it('reports HTTP errors, a missing directory and a server that never answers', async () => {
    await expect(hx.run(getUrl, { url: `${base}/nope`, dest: `${dir}/nope` })).rejects.toThrow(/^Request failed: .*404/);
    expect(existsOnHost(host, `${dir}/nope`)).toBe(false);
    await expect(hx.run(getUrl, { url: `${base}/conf.txt`, dest: `${dir}/no/such/f` })).rejects.toThrow(`Destination dir ${dir}/no/such does not exist`);
    await expect(hx.run(getUrl, { url: `${base}/hang`, dest: `${dir}/hang`, timeout: 1 })).rejects.toThrow(/^Request failed/);
    noTempFiles();
  });

  it('rejects malformed checksums and URLs', () => {
    expect(getUrl.schema.safeParse({ url: `${base}/x`, dest: '/x', checksum: 'sha256:abc' }).success).toBe(false);
    expect(getUrl.schema.safeParse({ url: `${base}/x`, dest: '/x', checksum: 'crc32:abcd' }).success).toBe(false);
    expect(getUrl.schema.safeParse({ url: '-o/etc/passwd', dest: '/x' }).success).toBe(false);
    expect(getUrl.schema.safeParse({ url: `${base}/x`, dest: '/x', checksum: `md5:${'a'.repeat(32)}` }).success).toBe(true);
  });
});
