/**
 * The yum path of package/yum's `allow_downgrade`, run for real against the yum 3.4.3 and rpm 4.11.3
 * stand-ins (test/fixtures/el7, their headers name the releases) in a local shell: Ansible's yum
 * module cannot run on the Debian fleet (no yum Python bindings), so what it would do is read from
 * ansible-core 2.14.18's modules/yum.py install():
 *   - a NAME-VERSION spec already installed as such: nothing to do;
 *   - a newer version installed, allow_downgrade: `yum downgrade SPEC`, changed unless yum says
 *     "Nothing to do";
 *   - a newer version installed, no allow_downgrade: `yum install SPEC`, which yum 3.4.3 answers
 *     with "Package matching E:N-V-R.A already installed. Checking for update." and "Nothing to do",
 *     exit 0: not changed (exec_install: 'Nothing to do' in out and rc == 0);
 *   - an older version installed: `yum install SPEC`, an update ("Updated:" in yum's list).
 */
import { afterAll, describe, expect, it } from 'vitest';
import pkg, { yum, rpmOlder } from '../../../src/modules/package.js';
import { localEl7Host, type LocalEl7Host } from '../../setup/el7-local-host.js';

const hosts: LocalEl7Host[] = [];
afterAll(() => hosts.forEach((h) => h.remove()));

const DOCKER = [
  { name: 'docker-ce', epoch: 3, version: '18.06.3.ce', release: '3.el7' },
  { name: 'docker-ce', epoch: 3, version: '18.09.1', release: '3.el7' },
  { name: 'docker-ce', epoch: 3, version: '18.09.9', release: '3.el7' },
];

/** A host whose shell runs the stand-ins: `installed` docker-ce version in its rpm database, all three in its repository. */
function host(installed: string) {
  const h = localEl7Host(DOCKER, [DOCKER.find((p) => p.version === installed)!]);
  hosts.push(h);
  return h;
}

describe('yum allow_downgrade (yum.py 2.14.18 install() against the yum 3.4.3 stand-in)', () => {
  it('a newer version installed, allow_downgrade: check predicts it, `yum downgrade -y SPEC` does it, the rerun is unchanged', async () => {
    const h = host('18.09.9');
    const args = yum.schema.parse({ name: 'docker-ce-18.06.3.ce', allow_downgrade: true });
    const check = await yum.plan(args, h.ctx(true));
    expect(check).toMatchObject({ changed: true, msg: 'would downgrade docker-ce 3:18.09.9-3.el7 -> 18.06.3.ce', result: { installed_versions: { 'docker-ce-18.06.3.ce': '3:18.09.9-3.el7' } } });
    const plan = await yum.plan(args, h.ctx());
    const applied = await plan.apply!();
    expect(h.commands.at(-1)).toMatch(/^yum downgrade -y docker-ce-18\.06\.3\.ce;/);
    expect(applied).toMatchObject({ rc: 0, installed_versions: { 'docker-ce-18.06.3.ce': '3:18.06.3.ce-3.el7' } });
    expect(String(applied!.stdout)).toContain('---> Package docker-ce.x86_64 3:18.06.3.ce-3.el7 will be a downgrade\n---> Package docker-ce.x86_64 3:18.09.9-3.el7 will be erased\n');
    expect(String(applied!.stdout)).toMatch(/\nRemoved:\n {2}docker-ce\.x86_64 3:18\.09\.9-3\.el7 *\n\nInstalled:\n {2}docker-ce\.x86_64 3:18\.06\.3\.ce-3\.el7 *\n\nComplete!$/);
    expect(h.rpmdb()).toEqual(['docker-ce-18.06.3.ce-3.el7.x86_64']);
    expect(await yum.plan(args, h.ctx())).toMatchObject({ changed: false, msg: 'all packages already present' });
  });

  it('without allow_downgrade: unchanged and nothing run, as yum.py gets "Nothing to do" from `yum install SPEC`', async () => {
    const h = host('18.09.9');
    const plan = await pkg.plan(pkg.schema.parse({ name: 'docker-ce-18.06.3.ce', use: 'yum' }), h.ctx());
    expect(plan).toMatchObject({ changed: false, msg: 'docker-ce 3:18.09.9-3.el7 is installed, newer than docker-ce-18.06.3.ce (allow_downgrade is not set)' });
    expect(h.commands).toHaveLength(1);
    // what yum.py's `yum install SPEC` gets from yum 3.4.3 here: exit 0, "Nothing to do" -> not changed
    const r = h.sh('yum install -y docker-ce-18.06.3.ce');
    expect([r.status, r.stdout, r.stderr]).toEqual([
      0,
      'Loaded plugins: fastestmirror\nNothing to do\n',
      'Package matching 3:docker-ce-18.06.3.ce-3.el7.x86_64 already installed. Checking for update.\n',
    ]);
    expect(h.rpmdb()).toEqual(['docker-ce-18.09.9-3.el7.x86_64']);
  });

  it('an older version installed: `yum install SPEC` is an update, reported as one (not "installed")', async () => {
    const h = host('18.06.3.ce');
    const plan = await yum.plan(yum.schema.parse({ name: 'docker-ce-18.09.1' }), h.ctx());
    expect(plan).toMatchObject({ changed: true, msg: 'would upgrade docker-ce 3:18.06.3.ce-3.el7 -> 18.09.1', done: 'upgraded docker-ce 3:18.06.3.ce-3.el7 -> 18.09.1' });
    const applied = await plan.apply!();
    expect(String(applied!.stdout)).toContain('\nUpdated:\n  docker-ce.x86_64 3:18.09.1-3.el7');
    expect(h.rpmdb()).toEqual(['docker-ce-18.09.1-3.el7.x86_64']);
  });

  it('the stand-in refuses what yum 3.4.3 refuses: no older version, nothing installed, no such package', () => {
    const h = host('18.06.3.ce');
    expect(h.sh('yum downgrade -y docker-ce-18.09.9')).toMatchObject({
      status: 0,
      stdout: 'Loaded plugins: fastestmirror\nNothing to do\n',
      stderr: 'Only Upgrade available on package: 3:docker-ce-18.09.9-3.el7.x86_64\n',
    });
    expect(h.sh('yum downgrade -y nothere')).toMatchObject({ status: 0, stdout: 'Loaded plugins: fastestmirror\nNo package nothere available.\nNothing to do\n' });
    h.sh('yum remove -y docker-ce');
    expect(h.sh('yum downgrade -y docker-ce-18.06.3.ce')).toMatchObject({ status: 0, stderr: 'No Match for available package: 3:docker-ce-18.06.3.ce-3.el7.x86_64\n' });
  });

  it("compares as yum.py's compareEVR: the installed epoch for a spec without one, the release only when given", () => {
    expect(rpmOlder('18.06.3.ce', '3:18.09.9-3.el7')).toBe(true);
    expect(rpmOlder('18.09.9', '3:18.09.9-3.el7')).toBe(false);
    expect(rpmOlder('18.09.9-2.el7', '3:18.09.9-3.el7')).toBe(true);
    expect(rpmOlder('2:19.03', '3:18.09.9-3.el7')).toBe(true);
    expect(rpmOlder('19.03.1', '18.09.9-3.el7')).toBe(false);
  });
});
