/**
 * Fault suite, full disk: a 1 MiB tmpfs mounted inside node17's own mount namespace (root in
 * the chroot host can mount; the controller's view of the host, hostRoot(), does not see it),
 * filled almost to the brim. A write that does not fit fails and keeps the old file; a backup
 * is complete or absent, never truncated; nothing is left in temp. Host: node17 (HOSTS.faults).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';
import { sh } from '../../src/transport/quote.js';
import type { SshConnection } from '../../src/transport/ssh.js';
import { FAULT_HOSTS, FaultCounts, expectOldOrNewOnHost, namesOnHost, rootShell, sha } from './faults-env.js';

const HOST = FAULT_HOSTS[0];
const mnt = `/mnt/nm-full-${randomBytes(4).toString('hex')}`;
const counts = new FaultCounts('full disk');
let root: SshConnection;
let w: string;
let inv: string;

const OLD = 'old line\n'.repeat(60_000); // 540 KB
beforeAll(async () => {
  assertBuilt();
  root = await rootShell(HOST);
  const r = await root.exec(sh`mkdir -p ${mnt} && mount -t tmpfs -o size=1m,mode=0755 nodemend-full ${mnt}`);
  expect(r.rc, r.stderr).toBe(0);
  w = workDir('fault-disk');
  inv = writeInventory(w, [HOST]);
});
afterAll(async () => {
  await root.exec(sh`umount ${mnt}; rmdir ${mnt}`);
  await root.close();
  rmSync(w, { recursive: true, force: true });
  counts.print();
});

/** A fresh directory on the small filesystem holding `files`, then filled until `free` bytes are left. */
async function fullDir(name: string, files: Record<string, string>, free: number): Promise<string> {
  const d = `${mnt}/${name}`;
  await root.exec(sh`rm -rf ${mnt}/* && mkdir ${d}`);
  for (const [f, content] of Object.entries(files)) await root.exec(sh`cat > ${`${d}/${f}`}`, { stdin: content });
  // Fill with a file outside d, sized from what df says is left.
  const df = await root.exec(sh`df -B1 --output=avail ${mnt} | tail -1`);
  const fill = Math.max(0, Number(df.stdout.trim()) - free);
  const r = await root.exec(sh`head -c ${fill} /dev/zero > ${`${mnt}/filler`}`);
  expect(r.rc, r.stderr).toBe(0);
  return d;
}

async function run(tasks: string, tag: string): Promise<{ code: number; out: string; tasks: { status: string; msg?: string }[] }> {
  const pb = join(w, `${tag}.yaml`);
  writeFileSync(pb, `- hosts: nodes\n  tasks:\n${tasks}`);
  const r = await runCli(['run', pb, '-i', inv, '--json', join(w, `${tag}.json`)]);
  return { code: r.code, out: r.stdout + r.stderr, tasks: readJson(join(w, `${tag}.json`)).hosts[HOST].tasks };
}

describe('a full disk', () => {
  it('backup: true with room for the new file but not for a copy of the old one: the backup is complete (a hard link), the new file whole', async () => {
    counts.cases++;
    const d = await fullDir('a', { 'daemon.json': OLD }, 120_000);
    counts.faults++;
    const NEW = 'new line\n'.repeat(5_000); // 45 KB
    writeFileSync(join(w, 'new-a'), NEW);
    const r = await run(`    - copy: { src: ${join(w, 'new-a')}, dest: ${d}/daemon.json, backup: true }\n`, 'backup-fits');
    expect(r.code, r.out).toBe(0);
    const names = await namesOnHost(root, d);
    const backups = names.filter((n) => n.startsWith('daemon.json.') && n.endsWith('~'));
    expect(backups, names.join(' ')).toHaveLength(1);
    await expectOldOrNewOnHost(counts, root, [
      { path: `${d}/daemon.json`, allowed: [sha(NEW)] },
      { path: `${d}/${backups[0]}`, allowed: [sha(OLD)] },
    ]);
    expect(names.filter((n) => n.includes('nodemend'))).toEqual([]);
  });

  it('a new file that does not fit: the task fails saying so, the old file stays, no backup and no temp file are left', async () => {
    counts.cases++;
    const d = await fullDir('b', { 'daemon.json': OLD }, 100_000);
    counts.faults++;
    const NEW = 'bigger\n'.repeat(40_000); // 280 KB
    writeFileSync(join(w, 'new-b'), NEW);
    const r = await run(`    - copy: { src: ${join(w, 'new-b')}, dest: ${d}/daemon.json, backup: true }\n`, 'no-room');
    expect(r.code, r.out).toBe(2);
    expect(r.tasks[0].msg).toMatch(/No space left on device|cannot write/);
    expect(await namesOnHost(root, d)).toEqual(['daemon.json']);
    await expectOldOrNewOnHost(counts, root, [{ path: `${d}/daemon.json`, allowed: [sha(OLD)] }]);
  });

  it('a backup that must be a copy (the destination is a symlink being replaced) and does not fit: absent, never truncated; the link stays', async () => {
    counts.cases++;
    const d = await fullDir('c', { target: OLD }, 100_000);
    await root.exec(sh`ln -s target ${`${d}/link`}`);
    counts.faults++;
    const r = await run(`    - copy: { content: "small\\n", dest: ${d}/link, backup: true }\n`, 'backup-copy');
    expect(r.code, r.out).toBe(2);
    expect(r.tasks[0].msg).toMatch(/cannot back up .*no backup left behind/);
    expect(await namesOnHost(root, d)).toEqual(['link', 'target']);
    expect((await root.exec(sh`readlink ${`${d}/link`}`)).stdout.trim()).toBe('target');
    await expectOldOrNewOnHost(counts, root, [{ path: `${d}/target`, allowed: [sha(OLD)] }]);
  });

  it('lineinfile on a full disk: fails, the file keeps every line, nothing left in temp', async () => {
    counts.cases++;
    const d = await fullDir('d', { grub: OLD }, 4_000);
    counts.faults++;
    const r = await run(`    - lineinfile: { path: ${d}/grub, line: "GRUB_CMDLINE_LINUX=cgroup.memory=nokmem", backup: true }\n`, 'lines');
    expect(r.code, r.out).toBe(2);
    const names = await namesOnHost(root, d);
    expect(names.filter((n) => n !== 'grub')).toEqual([]);
    await expectOldOrNewOnHost(counts, root, [{ path: `${d}/grub`, allowed: [sha(OLD)] }]);
  });
});
