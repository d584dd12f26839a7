/** lineinfile and blockinfile on a real host: one read + one compare-and-swap write, exact check mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import lineinfile from '../../src/modules/lineinfile.js';
import blockinfile from '../../src/modules/blockinfile.js';
import type { ModuleContext } from '../../src/modules/types.js';
import type { ModuleHarness } from '../setup/module-harness.js';
import { countExecs, filesHosts, modeOf, onHost, openHarness, readOnHost, snapshot, uniqueDir, type FilesHost } from './modules-files-env.js';

let host: FilesHost;
let hx: ModuleHarness;
const dir = uniqueDir('lines');

beforeAll(async () => {
  host = (await filesHosts())[1] ?? (await filesHosts())[0];
  hx = await openHarness(host);
  mkdirSync(onHost(host, dir), { recursive: true });
});
afterAll(async () => {
  await hx.conn.as({ user: 'root', method: 'sudo' }).exec(`rm -rf ${dir}`);
  await hx.close();
});

const GRUB = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="console=ttyS0"\n';
const NOKMEM = {
  regexp: '^(GRUB_CMDLINE_LINUX="(?!.*cgroup\\.memory=nokmem)[^"]*)"$',
  line: '\\1 cgroup.memory=nokmem"',
  backrefs: true,
};

describe('lineinfile', () => {
  it('grub nokmem edit: check is exact and byte-identical, run edits, rerun unchanged; one exec each', async () => {
    const path = `${dir}/grub`;
    writeFileSync(onHost(host, path), GRUB);
    chmodSync(onHost(host, path), 0o600);
    const before = snapshot(host, path);
    const args = { path, ...NOKMEM };
    const check = await countExecs(hx, () => hx.run(lineinfile, args, { check: true }));
    expect(check.execs).toBe(1);
    expect(check.value.changed).toBe(true);
    const after = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="console=ttyS0 cgroup.memory=nokmem"\n';
    expect(check.value.plan.diff).toEqual([{ path, before: GRUB, after }]);
    expect(check.value.plan.msg).toBe('line replaced');
    expect(snapshot(host, path)).toEqual(before);
    const run = await countExecs(hx, () => hx.run(lineinfile, args));
    expect(run.execs).toBe(2);
    expect(readOnHost(host, path)).toBe(after);
    expect(modeOf(host, path)).toBe('0600');
    const again = await countExecs(hx, () => hx.run(lineinfile, args));
    expect([again.value.changed, again.execs]).toEqual([false, 1]);
  });

  it('never clobbers a change made on the host between plan and apply', async () => {
    const path = `${dir}/cas`;
    writeFileSync(onHost(host, path), 'a=1\n');
    const plan = await lineinfile.plan(lineinfile.schema.parse({ path, line: 'b=2' }), hx.context() as ModuleContext);
    expect(plan.changed).toBe(true);
    writeFileSync(onHost(host, path), 'a=1\nsomeone=else\n');
    await expect(plan.apply!()).rejects.toThrow(/changed on the host since it was read/);
    expect(readOnHost(host, path)).toBe('a=1\nsomeone=else\n');
  });

  it('create: makes the file (and its directory) with mode/owner; without create it fails', async () => {
    const path = `${dir}/new/sub/conf`;
    await expect(hx.run(lineinfile, { path, line: 'x=1' })).rejects.toThrow(/Destination .* does not exist !/);
    const check = await hx.run(lineinfile, { path, line: 'x=1', create: true, mode: '0640', owner: 'ops' }, { check: true });
    expect(check.plan.diff).toEqual([{ path, before: '', after: 'x=1\n' }]);
    expect(existsSync(onHost(host, `${dir}/new`))).toBe(false);
    await hx.run(lineinfile, { path, line: 'x=1', create: true, mode: '0640', owner: 'ops' });
    expect(readOnHost(host, path)).toBe('x=1\n');
    expect(modeOf(host, path)).toBe('0640');
    expect(lstatSync(onHost(host, path)).uid).toBe(1000);
    expect((await hx.run(lineinfile, { path, line: 'x=1', create: true, mode: '0640', owner: 'ops' })).changed).toBe(false);
  });

  it('attributes alone change in place; backup keeps the old content', async () => {
    const path = `${dir}/attr`;
    writeFileSync(onHost(host, path), 'k=v\n');
    chownSync(onHost(host, path), 0, 0);
    const r = await hx.run(lineinfile, { path, line: 'k=v', group: 'ops' });
    expect(r.changed).toBe(true);
    expect(r.plan.diff).toEqual([{ path: `${path} (file attributes)`, before: 'group: root\n', after: 'group: ops\n' }]);
    expect(lstatSync(onHost(host, path)).gid).toBe(1000);
    const b = await hx.run(lineinfile, { path, regexp: '^k=', line: 'k=w', backup: true });
    // lineinfile names it `backup` (blockinfile and copy: `backup_file`), as Ansible's modules do.
    expect(readFileSync(onHost(host, b.result.backup as string), 'utf8')).toBe('k=v\n');
    expect(readOnHost(host, path)).toBe('k=w\n');
  });

  it('edits the real file behind a symlink', async () => {
    writeFileSync(onHost(host, `${dir}/real.conf`), 'a\n');
    symlinkSync(`${dir}/real.conf`, onHost(host, `${dir}/link.conf`));
    await hx.run(lineinfile, { path: `${dir}/link.conf`, line: 'b' });
    expect(lstatSync(onHost(host, `${dir}/link.conf`)).isSymbolicLink()).toBe(true);
    expect(readOnHost(host, `${dir}/real.conf`)).toBe('a\nb\n');
  });

  it('state=absent: removes matching lines, unchanged on a missing file; errors on a directory', async () => {
    const path = `${dir}/abs`;
    writeFileSync(onHost(host, path), 'keep\n#drop 1\n#drop 2\n');
    const r = await hx.run(lineinfile, { path, regexp: '^#drop', state: 'absent' });
    expect(r.result.found).toBe(2);
    expect(readOnHost(host, path)).toBe('keep\n');
    expect((await hx.run(lineinfile, { path: `${dir}/none`, line: 'x', state: 'absent' })).changed).toBe(false);
    await expect(hx.run(lineinfile, { path: dir, line: 'x' })).rejects.toThrow(/is a directory !/);
  });
});

describe('blockinfile', () => {
  it('inserts, keeps, updates and removes a block; check and diff exact', async () => {
    const path = `${dir}/sysctl.conf`;
    writeFileSync(onHost(host, path), 'net.ipv4.ip_forward=1\n');
    const before = snapshot(host, path);
    const args = { path, block: 'vm.overcommit_memory=1\nkernel.panic=10' };
    const check = await hx.run(blockinfile, args, { check: true });
    const want = 'net.ipv4.ip_forward=1\n# BEGIN ANSIBLE MANAGED BLOCK\nvm.overcommit_memory=1\nkernel.panic=10\n# END ANSIBLE MANAGED BLOCK\n';
    expect(check.plan.diff).toEqual([{ path, before: 'net.ipv4.ip_forward=1\n', after: want }]);
    expect(snapshot(host, path)).toEqual(before);
    expect((await hx.run(blockinfile, args)).changed).toBe(true);
    expect(readOnHost(host, path)).toBe(want);
    expect((await hx.run(blockinfile, args)).changed).toBe(false);
    await hx.run(blockinfile, { path, block: 'kernel.panic=20' });
    expect(readOnHost(host, path)).toBe('net.ipv4.ip_forward=1\n# BEGIN ANSIBLE MANAGED BLOCK\nkernel.panic=20\n# END ANSIBLE MANAGED BLOCK\n');
    await hx.run(blockinfile, { path, state: 'absent' });
    expect(readOnHost(host, path)).toBe('net.ipv4.ip_forward=1\n');
  });

  it('create with backup on a missing file, insertbefore BOF, and failure without create', async () => {
    const path = `${dir}/blk-new`;
    await expect(hx.run(blockinfile, { path, block: 'x' })).rejects.toThrow(/does not exist !/);
    const r = await hx.run(blockinfile, { path, block: 'x', create: true, backup: true });
    expect(r.result.backup_file).toBeUndefined();
    expect(readOnHost(host, path)).toBe('# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n');
    await hx.run(blockinfile, { path, block: 'top', marker: '## {mark} top', insertbefore: 'BOF' });
    expect(readOnHost(host, path).startsWith('## BEGIN top\ntop\n## END top\n# BEGIN')).toBe(true);
  });
});
