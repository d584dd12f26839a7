/**
 * Fault suite, cut connections: a proxy drops the connection after N bytes of a write, for
 * small and large writes over each way content reaches a host (the persistent shell's
 * spooled input, a channel of its own for large inputs, a controller file streamed). Every
 * destination must end as its old or its complete new version, with no temp file left, and
 * the failure must say the write was interrupted. A fetch cut while the host sends leaves the
 * controller's old copy and no temp file, and names what was not fetched. Host: node17 (HOSTS.faults).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { SshConnection } from '../../src/transport/ssh.js';
import { writeFileAtomic } from '../../src/transport/remote-file.js';
import { hostRoot } from '../setup/fleet.js';
import { fleetTarget } from '../setup/ssh-connections.js';
import { assertBuilt, runCli, writeInventory, workDir } from '../setup/cli.js';
import { CuttingProxy, FAULT_HOSTS, FaultCounts, expectNoTempFiles, expectOldOrNew, hostQuiet, knownHostsVia, sha } from './faults-env.js';

const HOST = FAULT_HOSTS[0];
const N = Number(HOST.replace('node', ''));
const dir = `/tmp/nm-fault-cut-${randomBytes(4).toString('hex')}`;
const local = mkdtempSync(join(tmpdir(), 'nm-fault-cut-'));
const counts = new FaultCounts('cut connections');
let proxy: CuttingProxy;
let knownHosts: string;

/** Text of `lines` numbered lines (the 20,000-line, ~700 KB lineinfile target). */
function lines(n: number, tag: string): string {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${tag} line ${i} ${'x'.repeat(24)}\n`;
  return s;
}

beforeAll(async () => {
  mkdirSync(join(hostRoot(HOST), dir), { recursive: true });
  proxy = await new CuttingProxy(fleetTarget(N).port).start();
  knownHosts = knownHostsVia(HOST, proxy.port, local);
});
afterAll(async () => {
  await proxy.stop();
  rmSync(join(hostRoot(HOST), dir), { recursive: true, force: true });
  rmSync(local, { recursive: true, force: true });
  counts.print();
});

async function viaProxy(): Promise<SshConnection> {
  const c = new SshConnection(fleetTarget(N, { port: proxy.port, knownHosts, user: 'root' }));
  await c.connect();
  return c;
}

type Content = { kind: 'bytes'; data: Buffer } | { kind: 'file'; data: Buffer; file: string };

const sizes: { name: string; make: () => Content }[] = [
  { name: 'small write, persistent shell (4 KB)', make: () => ({ kind: 'bytes', data: Buffer.from(lines(100, 'new')) }) },
  { name: 'lineinfile-sized write, persistent shell (700 KB)', make: () => ({ kind: 'bytes', data: Buffer.from(lines(20_000, 'new')) }) },
  { name: 'large write, own channel (3 MB)', make: () => ({ kind: 'bytes', data: randomBytes(3 << 20) }) },
  {
    name: 'large controller file, streamed (3 MB)',
    make: () => {
      const data = randomBytes(3 << 20);
      const file = join(local, `src-${randomBytes(4).toString('hex')}`);
      writeFileSync(file, data);
      return { kind: 'file', data, file };
    },
  },
];

describe('a connection cut during a write leaves the old file or the whole new one', () => {
  for (const size of sizes) {
    // Offsets into what the controller sends once armed: early, middle, late, and just past the content.
    for (const at of [0.02, 0.4, 0.85, 1.0]) {
      it(`${size.name}, cut at ${Math.round(at * 100)}%`, async () => {
        counts.cases++;
        const content = size.make();
        const path = `${dir}/f-${randomBytes(4).toString('hex')}`;
        const old = Buffer.from(lines(20_000, 'old'));
        writeFileSync(join(hostRoot(HOST), path), old);
        const conn = await viaProxy();
        try {
          proxy.cutAfter(Math.max(64, Math.floor(content.data.length * at)));
          const cutsBefore = proxy.cuts;
          const write = writeFileAtomic(conn, path, content.kind === 'file' ? { localPath: content.file, size: content.data.length, sha256: sha(content.data) } : content.data);
          const outcome = await write.then(
            () => undefined,
            (e: Error) => e,
          );
          if (proxy.cuts > cutsBefore) {
            counts.faults++;
            // The cut may fall after the rename, before the answer: then the new file is complete.
            expect(outcome?.message).toMatch(/connection lost|persistent shell ended|closed/);
            expect(outcome?.message).toMatch(/interrupted; the host keeps either the old file or the complete new one/);
          } else expect(outcome).toBeUndefined();
        } finally {
          proxy.cutAfter(Infinity);
          await conn.close();
        }
        await hostQuiet(path);
        await expectNoTempFiles(HOST, [dir]);
        expectOldOrNew(counts, HOST, [{ path, allowed: [sha(old), sha(content.data)] }]);
      });
    }
  }
});

describe('temp files a host crash left behind', () => {
  it('are removed by a later write into the same directory once an hour old; a fresh one (a write in progress) is kept', async () => {
    counts.cases++;
    const d = `${dir}/crash`;
    mkdirSync(join(hostRoot(HOST), d), { recursive: true });
    const stale = join(hostRoot(HOST), d, '.nodemend.0123456789abcdef');
    const fresh = join(hostRoot(HOST), d, '.nodemend.fedcba9876543210');
    writeFileSync(stale, 'half a file');
    writeFileSync(fresh, 'being written');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const conn = new SshConnection(fleetTarget(N, { user: 'root' }));
    await conn.connect();
    try {
      await writeFileAtomic(conn, `${d}/f`, 'content\n');
    } finally {
      await conn.close();
    }
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expectOldOrNew(counts, HOST, [{ path: `${d}/f`, allowed: [sha('content\n')] }]);
  });
});

describe('the CLI through a cut connection', () => {
  beforeAll(() => assertBuilt());

  it('lineinfile on a 20,000-line file cut after 300 KB: the file keeps all its lines; the host is reported unreachable', async () => {
    counts.cases++;
    const path = `${dir}/grub-like`;
    const old = lines(20_000, 'old');
    writeFileSync(join(hostRoot(HOST), path), old);
    const w = workDir('fault-cut');
    const inv = writeInventory(w, [HOST], { knownHosts, portOverride: { [HOST]: proxy.port } });
    const pb = join(w, 'pb.yaml');
    writeFileSync(pb, `- hosts: nodes\n  tasks:\n    - lineinfile: { path: ${path}, line: 'appended by nodemend' }\n`);
    proxy.cutAfter(300_000);
    const cutsBefore = proxy.cuts;
    const r = await runCli(['run', pb, '-i', inv, '--json', join(w, 'run.json')]);
    proxy.cutAfter(Infinity);
    expect(proxy.cuts).toBe(cutsBefore + 1);
    counts.faults++;
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout + r.stderr).toMatch(/interrupted; the host keeps either the old file or the complete new one/);
    await hostQuiet(path);
    await expectNoTempFiles(HOST, [dir]);
    expectOldOrNew(counts, HOST, [{ path, allowed: [sha(old), sha(`${old}appended by nodemend\n`)] }]);
    rmSync(w, { recursive: true, force: true });
  });
});

describe('a connection cut during a fetch leaves the old local file or the whole new one', () => {
  beforeAll(() => assertBuilt());

  // 3 MB: streamed from `cat` into a temp file beside the target; cut early, middle and late.
  for (const at of [0.05, 0.5, 0.9]) {
    it(`fetch of a 3 MB file cut at ${Math.round(at * 100)}% of it: the host is unreachable, naming what was not fetched`, async () => {
      counts.cases++;
      const src = `${dir}/fetch-${randomBytes(4).toString('hex')}`;
      const fresh = randomBytes(3 << 20);
      writeFileSync(join(hostRoot(HOST), src), fresh);
      const w = workDir('fault-cut-fetch');
      const dest = join(w, 'fetched');
      const local = join(dest, HOST, src);
      const old = randomBytes(1 << 20);
      mkdirSync(join(dest, HOST, dir), { recursive: true });
      writeFileSync(local, old);
      const inv = writeInventory(w, [HOST], { knownHosts, portOverride: { [HOST]: proxy.port } });
      const pb = join(w, 'pb.yaml');
      writeFileSync(pb, `- hosts: nodes\n  tasks:\n    - fetch: { src: ${src}, dest: ${dest} }\n`);
      proxy.cutAfter(Math.floor(fresh.length * at), 'host');
      const cutsBefore = proxy.cuts;
      // A cut run cannot remove its run lock from the host: the next one breaks it.
      const r = await runCli(['run', pb, '-i', inv, '--ignore-lock']);
      proxy.cutAfter(Infinity);
      expect(proxy.cuts, r.stdout + r.stderr).toBe(cutsBefore + 1);
      counts.faults++;
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`${src} was not fetched: \\S+ keeps its old content \\(or stays absent\\), no partial file is left`));
      counts.filesChecked++;
      const got = sha(readFileSync(local));
      if (![sha(old), sha(fresh)].includes(got)) counts.filesDamaged++;
      expect(got).toBe(sha(old));
      expect(
        readdirSync(join(dest, HOST, dir)).filter((n) => n.includes('nodemend')),
        'local temp files left',
      ).toEqual([]);
      rmSync(w, { recursive: true, force: true });
    });
  }
});
