/**
 * yum's `state: latest` (package/yum modules, src/modules/package.ts) run for real against the yum
 * 3.4.3 and rpm 4.11.3 stand-ins (test/fixtures/el7) in a local shell. Ansible's yum module cannot
 * run on the Debian fleet (no yum Python bindings), so the expected values come from reading
 * ansible-core 2.14.18's modules/yum.py:
 *   - latest() asks `yum check-update` (exit 100: the listed updates, parse_check_update; 0: none;
 *     1: fail with its stderr as msg), then runs ONE `yum install` of the missing specs and every
 *     installed spec, if any is missing or has an update;
 *   - its `changes` are always there: {installed: [missing specs], updated: [[SPEC, "[E:]V-R.ARCH
 *     from REPO"], ...]}; its `results` hold "All packages providing SPEC are up to date" per
 *     installed spec without an update, then yum's stdout ('' when it ran nothing; nothing in check mode);
 *   - install() (present): "E:N-V-R.A providing SPEC is already installed" per installed spec (the
 *     epoch 0 when unset, po_to_envra), `changes: {installed: [...]}` only when it runs yum.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pkg, { yum, parseQuery } from '../../../src/modules/package.js';
import type { RepoPackage } from '../../setup/el7.js';
import { localEl7Host, type LocalEl7Host } from '../../setup/el7-local-host.js';

const hosts: LocalEl7Host[] = [];
afterAll(() => hosts.forEach((h) => h.remove()));

const REPO: RepoPackage[] = [
  { name: 'docker-ce', epoch: 3, version: '18.06.3.ce', release: '3.el7', repo: 'docker-ce-stable' },
  { name: 'docker-ce', epoch: 3, version: '18.09.9', release: '3.el7', repo: 'docker-ce-stable' },
  { name: 'containerd.io', version: '1.2.10', release: '3.2.el7', repo: 'docker-ce-stable' },
  { name: 'containerd.io', version: '1.2.13', release: '3.1.el7', repo: 'docker-ce-stable' },
  { name: 'kpatch', version: '0.9.2', release: '1.el7', arch: 'noarch' },
];

/** A host whose shell runs the stand-ins, with `installed` in its rpm database and REPO in its repository. */
function host(installed: RepoPackage[]) {
  const h = localEl7Host(REPO, installed);
  hosts.push(h);
  return h;
}

const OLD_DOCKER = { name: 'docker-ce', epoch: 3, version: '18.06.3.ce', release: '3.el7' };
const OLD_CONTAINERD = { name: 'containerd.io', version: '1.2.10', release: '3.2.el7' };

describe('the stand-in’s check-update (yumcommands.py CheckUpdateCommand)', () => {
  it('lists the installed packages with a newer version, an empty line first, exit 100; none: exit 0, nothing printed with -q', () => {
    const h = host([OLD_DOCKER, OLD_CONTAINERD]);
    expect(h.sh('yum -q check-update')).toMatchObject({
      status: 100,
      stdout: '\ncontainerd.io.x86_64 1.2.13-3.1.el7  docker-ce-stable\ndocker-ce.x86_64     3:18.09.9-3.el7 docker-ce-stable\n',
      stderr: '',
    });
    expect(h.sh('yum -q check-update docker-ce')).toMatchObject({ status: 100, stdout: '\ndocker-ce.x86_64 3:18.09.9-3.el7 docker-ce-stable\n' });
    expect(h.sh('yum check-update kpatch')).toMatchObject({ status: 0, stdout: 'Loaded plugins: fastestmirror\n' });
    expect(h.sh('yum -q check-update kpatch')).toMatchObject({ status: 0, stdout: '' });
  });

  it('parse_check_update: wrapped columns joined, mirror lines and other word counts skipped', () => {
    const Q = '__NODEMEND_PKG__';
    const q = parseQuery(
      'yum',
      [
        `${Q}UPGRADES`,
        '',
        ' * base: mirror.example.org',
        'Security: kernel-3.10 is an installed security update',
        'a-very-long-package-name.x86_64',
        '       1:1.2-3.el7    epel',
        'b.noarch 2-1 base',
        `${Q}CHECKRC 100`,
      ].join('\n'),
    );
    expect([...q.updates]).toEqual([
      ['a-very-long-package-name', [{ version: '1:1.2-3.el7', dist: 'x86_64', repo: 'epel' }]],
      ['b', [{ version: '2-1', dist: 'noarch', repo: 'base' }]],
    ]);
    expect(q.checkRc).toBe(100);
  });
});

describe('yum state: latest (yum.py 2.14.18 latest() against the yum 3.4.3 stand-in)', () => {
  it('an older docker-ce, a missing kpatch, an up-to-date containerd: check predicts, one `yum install` does it, the rerun is unchanged', async () => {
    const h = host([OLD_DOCKER, { name: 'containerd.io', version: '1.2.13', release: '3.1.el7' }]);
    const args = yum.schema.parse({ name: ['docker-ce', 'kpatch', 'containerd.io'], state: 'latest' });
    const changes = { installed: ['kpatch'], updated: [['docker-ce', '3:18.09.9-3.el7.x86_64 from docker-ce-stable']] };
    const upToDate = 'All packages providing containerd.io are up to date';
    const check = await yum.plan(args, h.ctx(true));
    expect(check).toMatchObject({ changed: true, msg: 'would upgrade docker-ce 3:18.06.3.ce-3.el7 -> 3:18.09.9-3.el7, install kpatch' });
    expect(check.result).toMatchObject({ changes, results: [upToDate] });
    expect(h.commands[0]).toContain('yum -q check-update docker-ce kpatch containerd.io; printf \'%s %s\\n\' __NODEMEND_PKG__CHECKRC "$?"');
    expect(h.rpmdb()).toEqual(['containerd.io-1.2.13-3.1.el7.x86_64', 'docker-ce-18.06.3.ce-3.el7.x86_64']);

    const plan = await yum.plan(args, h.ctx());
    expect(plan.result).toMatchObject({ changes, results: [upToDate] });
    const applied = await plan.apply!();
    expect(h.commands.at(-1)).toMatch(/^yum install -y kpatch docker-ce containerd\.io;/);
    expect(applied).toMatchObject({ rc: 0, installed_versions: { 'docker-ce': '3:18.09.9-3.el7', kpatch: '0.9.2-1.el7', 'containerd.io': '1.2.13-3.1.el7' } });
    const results = applied!.results as string[];
    expect(results).toHaveLength(2);
    expect(results[0]).toBe(upToDate);
    expect(results[1]).toBe(applied!.stdout);
    expect(results[1]).toMatch(/\nInstalled:\n {2}kpatch\.noarch 0:0\.9\.2-1\.el7 *\n\nUpdated:\n {2}docker-ce\.x86_64 3:18\.09\.9-3\.el7 *\n\nComplete!$/);
    expect(h.rpmdb()).toEqual(['containerd.io-1.2.13-3.1.el7.x86_64', 'docker-ce-18.09.9-3.el7.x86_64', 'kpatch-0.9.2-1.el7.noarch']);

    const rerun = await yum.plan(args, h.ctx());
    expect(rerun).toMatchObject({ changed: false, msg: 'all packages already at the latest version' });
    // nothing to do: yum.py runs no yum and appends its empty output; its changes are still there, empty
    expect(rerun.result).toMatchObject({
      changes: { installed: [], updated: [] },
      results: ['All packages providing docker-ce are up to date', 'All packages providing kpatch are up to date', upToDate, ''],
    });
    expect((await yum.plan(args, h.ctx(true))).result).toMatchObject({ results: ['All packages providing docker-ce are up to date', 'All packages providing kpatch are up to date', upToDate] });
  });

  it('through package (use: yum) too; check-update failing (exit 1) fails the task with its stderr', async () => {
    const h = host([OLD_CONTAINERD]);
    const plan = await pkg.plan(pkg.schema.parse({ name: 'containerd.io', state: 'latest', use: 'yum' }), h.ctx());
    expect(plan.result).toMatchObject({ changes: { installed: [], updated: [['containerd.io', '1.2.13-3.1.el7.x86_64 from docker-ce-stable']] }, results: [] });
    const broken = host([OLD_CONTAINERD]);
    broken.sh('true');
    const ctx = broken.ctx();
    const exec = ctx.conn.exec.bind(ctx.conn);
    (ctx.conn as { exec: unknown }).exec = async (cmd: unknown) => exec(String(cmd).replace('yum -q check-update', 'yum -q check-update --no-such-option'));
    await expect(yum.plan(yum.schema.parse({ name: 'containerd.io', state: 'latest' }), ctx)).rejects.toMatchObject({
      message: 'Command line error: no such option: --no-such-option\n',
      result: { rc: 1, results: [] },
    });
  });
});

describe('yum state: present (yum.py install())', () => {
  it('an installed spec is "E:N-V-R.A providing SPEC is already installed"; changes only when yum runs', async () => {
    const h = host([OLD_DOCKER, OLD_CONTAINERD]);
    const done = await yum.plan(yum.schema.parse({ name: ['docker-ce', 'containerd.io'] }), h.ctx());
    expect(done).toMatchObject({ changed: false });
    expect(done.result).toEqual(
      expect.objectContaining({
        results: ['3:docker-ce-18.06.3.ce-3.el7.x86_64 providing docker-ce is already installed', '0:containerd.io-1.2.10-3.2.el7.x86_64 providing containerd.io is already installed'],
      }),
    );
    expect(done.result).not.toHaveProperty('changes');
    const plan = await yum.plan(yum.schema.parse({ name: ['kpatch', 'docker-ce'] }), h.ctx());
    expect(plan.result).toMatchObject({ changes: { installed: ['kpatch'] }, results: ['3:docker-ce-18.06.3.ce-3.el7.x86_64 providing docker-ce is already installed'] });
    const applied = await plan.apply!();
    expect(applied!.results).toEqual(['3:docker-ce-18.06.3.ce-3.el7.x86_64 providing docker-ce is already installed', applied!.stdout]);
  });
});
