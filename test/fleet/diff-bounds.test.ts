/**
 * `--diff` reads what a write would replace, and only what may be shown: a destination that is
 * a symlink (followed with `follow: true`, or through a symlinked directory) to a device, to a
 * file too large to diff, or to a file the login user cannot read. Each case runs with
 * `--check --diff` on node4 (files area, unique paths), so nothing is written through the link.
 * What holds it: the remote probe (src/transport/remote-file.ts) sends content only for a regular
 * file within MAX_DIFF_BYTES (256 KiB), and runs as the task's user (become or not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, runCli, workDir, writeInventory } from '../setup/cli.js';

const A = HOSTS.files[1]; // node4
const work = workDir('diffbounds');
const dir = `/tmp/nm-diffbounds-${randomBytes(4).toString('hex')}`;
const onHost = (p: string): string => join(hostRoot(A), p);
const SECRET = `TOPSECRET-${randomBytes(6).toString('hex')}`;
let inventory: string;

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, [A]);
  mkdirSync(onHost(dir), { recursive: true });
  chmodSync(onHost(dir), 0o755);
  symlinkSync('/dev/zero', onHost(`${dir}/zero`));
  // 50 MB of text lines: a diff of it would be megabytes of output.
  writeFileSync(onHost(`${dir}/big.data`), 'line of a large file\n'.repeat(2_500_000));
  symlinkSync(`${dir}/big.data`, onHost(`${dir}/big`));
  mkdirSync(onHost(`${dir}/real`));
  symlinkSync(`${dir}/real`, onHost(`${dir}/linkdir`));
  writeFileSync(onHost(`${dir}/real/big`), 'x\n'.repeat(200_000)); // 400 KB, reached through linkdir
  mkdirSync(onHost(`${dir}/private`));
  writeFileSync(onHost(`${dir}/private/secret`), `${SECRET}\n`);
  chmodSync(onHost(`${dir}/private/secret`), 0o600);
  chownSync(onHost(`${dir}/private/secret`), 0, 0);
  symlinkSync(`${dir}/private/secret`, onHost(`${dir}/secret`));
});
afterAll(() => rmSync(onHost(dir), { recursive: true, force: true }));

async function checkDiff(task: string, become = true): Promise<{ code: number; out: string }> {
  const pb = join(work, `p-${randomBytes(3).toString('hex')}.yaml`);
  // The inventory's `connection: become: true` is Ansible's inventory ansible_become, which outranks a play's
  // `become:` keyword (README "Choices"): the play variable is what switches it off.
  writeFileSync(pb, `- hosts: nodes\n  become: ${become}\n  vars: { ansible_become: ${become} }\n  tasks:\n    - name: the task\n      ${task}\n`);
  const r = await runCli(['run', pb, '-i', inventory, '--check', '--diff']);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('--diff through followed symlinks is bounded and shows only readable content', () => {
  it('a followed link to /dev/zero reads no device bytes', async () => {
    const r = await checkDiff(`copy: { content: "x\\n", dest: ${dir}/zero, follow: true }`);
    expect(r.out).not.toContain('\0');
    expect(r.out.length).toBeLessThan(20_000);
    expect(r.out).toContain(`${dir}/zero exists and is not a regular file`);
    expect(r.code).not.toBe(0);
  }, 120_000);

  it('a followed link to a 50 MB file: the diff is omitted, not read', async () => {
    const r = await checkDiff(`copy: { content: "x\\n", dest: ${dir}/big, follow: true }`);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('content diff omitted: file larger than 256 KiB');
    expect(r.out.length).toBeLessThan(20_000);
    expect(r.out).not.toContain('line of a large file');
  }, 120_000);

  it('a file reached through a symlinked directory is bounded the same way', async () => {
    const r = await checkDiff(`copy: { content: "x\\n", dest: ${dir}/linkdir/big }`);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('content diff omitted: file larger than 256 KiB');
    expect(r.out.length).toBeLessThan(20_000);
  }, 120_000);

  it('without become a root-only target is never shown; with become its diff is', async () => {
    const user = await checkDiff(`copy: { content: "x\\n", dest: ${dir}/secret, follow: true }`, false);
    expect(user.out).not.toContain(SECRET);
    expect(user.code, user.out).not.toBe(0); // the login user cannot read (nor write) it: the task fails
    const root = await checkDiff(`copy: { content: "x\\n", dest: ${dir}/secret, follow: true }`, true);
    expect(root.code, root.out).toBe(0);
    expect(root.out).toContain(`-${SECRET}`);
  }, 120_000);

  it('without follow the diff is of the link itself, never of its target', async () => {
    const r = await checkDiff(`copy: { content: "x\\n", dest: ${dir}/secret }`, true);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain(SECRET);
    expect(r.out).toContain(`${dir}/private/secret`);
  }, 120_000);
});
