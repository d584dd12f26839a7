/**
 * The yum 3.4.3 stand-in (test/fixtures/el7/yum) that the EL7 docker tests and the main job run
 * the package module against: an update transaction reads as yum 3.4.3's output.py prints it
 * (DepSolveProgressCallBack's "---> Package" lines with the epoch, postTransactionOutput's
 * "Updated:" / "Dependency Installed:" lists filled to 80 columns), with cli.py updatePkgs'
 * messages and exit codes; run as the package module runs it (`yum update -y NAME`, options after
 * the command). Its repository and rpm database are temp dirs: no package here has files.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EL7_FIXTURES, installRpm, publishRpm } from '../../setup/el7.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** docker-ce 18.06.3 installed; 18.09.9 (needing containerd.io) and containerd.io in the repo. */
function host(): { yum: (...args: string[]) => { code: number; out: string; err: string }; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nm-yum-'));
  dirs.push(dir);
  const [db, repo] = [join(dir, 'rpmdb'), join(dir, 'repo')];
  installRpm(db, { name: 'docker-ce', epoch: 3, version: '18.06.3.ce', release: '3.el7' });
  publishRpm(repo, { name: 'docker-ce', epoch: 3, version: '18.06.3.ce', release: '3.el7' });
  publishRpm(repo, { name: 'docker-ce', epoch: 3, version: '18.09.9', release: '3.el7', requires: ['containerd.io'] });
  publishRpm(repo, { name: 'containerd.io', version: '1.2.10', release: '3.2.el7' });
  publishRpm(repo, { name: 'docker-ce-cli', epoch: 1, version: '18.09.9', release: '3.el7' });
  const yum = (...args: string[]): { code: number; out: string; err: string } => {
    const r = spawnSync(join(EL7_FIXTURES, 'yum'), args, { env: { ...process.env, NM_RPMDB: db, NM_YUMREPO: repo }, encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  return { yum, db };
}

const fill = (s: string): string => `  ${s.padEnd(78)}`; // one entry a line: "  " + a column 78 wide

describe('the yum 3.4.3 stand-in', () => {
  it('`update -y NAME` of an older docker-ce: an update transaction, "Updated:" with the new E:V-R, its dependency apart', () => {
    const { yum, db } = host();
    const r = yum('update', '-y', 'docker-ce');
    expect(r).toEqual({
      code: 0,
      err: '',
      out: [
        'Loaded plugins: fastestmirror',
        'Resolving Dependencies',
        '--> Running transaction check',
        '---> Package docker-ce.x86_64 3:18.06.3.ce-3.el7 will be updated',
        '---> Package docker-ce.x86_64 3:18.09.9-3.el7 will be an update',
        '--> Processing Dependency: containerd.io for package: 3:docker-ce-18.09.9-3.el7.x86_64',
        '--> Running transaction check',
        '---> Package containerd.io.x86_64 0:1.2.10-3.2.el7 will be installed',
        '--> Finished Dependency Resolution',
        '',
        'Dependencies Resolved',
        '',
        'Dependency Installed:',
        fill('containerd.io.x86_64 0:1.2.10-3.2.el7'),
        '',
        'Updated:',
        fill('docker-ce.x86_64 3:18.09.9-3.el7'),
        '',
        'Complete!',
        '',
      ].join('\n'),
    });
    expect(readdirSync(db).sort()).toEqual(['containerd.io-1.2.10-3.2.el7.x86_64', 'docker-ce-18.09.9-3.el7.x86_64']);
    // converged: nothing marked, exit 0
    expect(yum('update', '-y', 'docker-ce')).toEqual({ code: 0, err: '', out: 'Loaded plugins: fastestmirror\nNo Packages marked for Update\n' });
  });

  it('`install -y NAME-VERSION` of a newer version is the same update, listed under "Updated:", not "Installed:"', () => {
    const { yum } = host();
    const r = yum('install', '-y', 'docker-ce-18.09.9');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/^Installed:/m);
    expect(r.out).not.toContain('No package -y'); // options after the command are options
    expect(r.out).toContain(`\nUpdated:\n${fill('docker-ce.x86_64 3:18.09.9-3.el7')}\n`);
  });

  it('a list is sorted by package name, several entries a line in as many columns as fit 80 (postTransactionOutput)', () => {
    const { yum } = host();
    yum('install', '-y', 'docker-ce-18.09.9', 'docker-ce-cli');
    const out = yum('remove', '-y', 'docker-ce-cli', 'docker-ce', 'containerd.io').out.split('\n');
    const rows = out.slice(out.indexOf('Removed:') + 1, out.indexOf('Complete!') - 1);
    // 3 entries do not fit 3 columns; 2 do, each as wide as its widest entry + 4 (8 left over, halved)
    expect(rows).toEqual([`  ${'containerd.io.x86_64 0:1.2.10-3.2.el7'.padEnd(41)} ${'docker-ce.x86_64 3:18.09.9-3.el7'.padEnd(36)}`, `  ${'docker-ce-cli.x86_64 1:18.09.9-3.el7'.padEnd(41)}`]);
  });

  it('update of a name not installed: available → "available, but not installed"; unknown → "No Match" on stderr; both exit 0', () => {
    const { yum } = host();
    expect(yum('update', '-y', 'containerd.io')).toEqual({
      code: 0,
      err: '',
      out: 'Loaded plugins: fastestmirror\nPackage(s) containerd.io available, but not installed.\nNo Packages marked for Update\n',
    });
    expect(yum('update', '-y', 'nothere')).toEqual({
      code: 0,
      err: 'No Match for argument: nothere\n',
      out: 'Loaded plugins: fastestmirror\nNo package nothere available.\nNo Packages marked for Update\n',
    });
    expect(yum('install', '-y', 'nothere')).toMatchObject({ code: 1, err: 'Error: Nothing to do\n' });
  });
});
