/** package module: parsing of dpkg/rpm/apt-cache/yum output and the yum/dnf command lines, with a fake shell. */
import { describe, expect, it } from 'vitest';
import pkg, { apt, yum, decide, parseQuery, parseSpec, changeCommand, schema } from '../../../src/modules/package.js';
import { ModuleFailure, type ModuleContext } from '../../../src/modules/types.js';
import type { ExecResult } from '../../../src/transport/types.js';

const Q = '__NODEMEND_PKG__';

/** A shell that answers each command with the first matching canned reply and records what it got. */
function fakeCtx(pkgMgr: string, replies: [RegExp, Partial<ExecResult>][], check = false) {
  const commands: string[] = [];
  const invalidated: string[] = [];
  const ctx = {
    host: 'h',
    check,
    diff: false,
    vars: {},
    timeoutSec: 30,
    facts: { get: async (n: string) => (n === 'pkg_mgr' ? pkgMgr : undefined), invalidate: (names: string[]) => invalidated.push(...names) },
    conn: {
      hostName: 'h',
      exec: async (cmd: unknown) => {
        const text = String(cmd);
        commands.push(text);
        const hit = replies.find(([re]) => re.test(text));
        const out = hit?.[1].stdout ?? '';
        return { rc: 0, stderr: '', stdoutBytes: Buffer.from(out), ...hit?.[1], stdout: out } as ExecResult;
      },
    },
  } as unknown as ModuleContext;
  return { ctx, commands, invalidated };
}

describe('package spec and output parsing', () => {
  it('splits apt pins and architectures; rpm specs are left to rpm', () => {
    expect(parseSpec('docker-ce=5:18.09.1~3-0~debian-stretch', 'apt')).toEqual({ spec: 'docker-ce=5:18.09.1~3-0~debian-stretch', name: 'docker-ce', version: '5:18.09.1~3-0~debian-stretch' });
    expect(parseSpec('libc6:amd64', 'apt')).toMatchObject({ name: 'libc6', version: undefined });
    expect(parseSpec('docker-ce-18.09.1', 'yum')).toEqual({ spec: 'docker-ce-18.09.1', name: 'docker-ce-18.09.1' });
    expect(() => parseSpec('a=1=2', 'apt')).toThrow(ModuleFailure);
  });

  it('reads dpkg status (only "ii" counts) and apt-cache policy', () => {
    const out = [
      `${Q} hello`,
      `${Q} bash`,
      'ii |5.2.15-2+b13',
      `${Q} oldconf`,
      'rc |1.0',
      `${Q}POLICY`,
      'hello:',
      '  Installed: (none)',
      '  Candidate: 2.10-3',
      '  Version table:',
      '     2.10-3 500',
      '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
      '     2.10-2 100',
      'bash:',
      '  Installed: 5.2.15-2+b13',
      '  Candidate: 5.2.15-2+b14',
      '  Version table:',
      '     5.2.15-2+b14 500',
      ' *** 5.2.15-2+b13 100',
      '        100 /var/lib/dpkg/status',
    ].join('\n');
    const q = parseQuery('apt', out);
    expect([...q.installed]).toEqual([
      ['hello', undefined],
      ['bash', '5.2.15-2+b13'],
      ['oldconf', undefined],
    ]);
    expect(q.policy.get('hello')).toEqual({ installed: undefined, candidate: '2.10-3', versions: ['2.10-3', '2.10-2'] });
    expect(q.policy.get('bash')).toEqual({ installed: '5.2.15-2+b13', candidate: '5.2.15-2+b14', versions: ['5.2.15-2+b14', '5.2.15-2+b13'] });
  });

  it('reads rpm versions and yum upgrade lists, even when yum wraps long lines', () => {
    const out = [
      `${Q} bash`,
      'bash|4.2.46-34.el7',
      `${Q} docker-ce-18.09.1`,
      `${Q} kernel`,
      'kernel|3.10.0-957.el7',
      'kernel|3.10.0-1160.el7',
      `${Q}UPGRADES`,
      'Updated Packages',
      'bash.x86_64                 4.2.46-35.el7_9                 updates',
      'a-very-long-package-name-that-wraps.noarch',
      '                            1.2-3.el7                        epel',
    ].join('\n');
    const q = parseQuery('yum', out);
    expect([...q.installed]).toEqual([
      ['bash', '4.2.46-34.el7'],
      ['docker-ce-18.09.1', undefined],
      ['kernel', '3.10.0-957.el7'],
    ]);
    expect([...q.upgrades]).toEqual([
      ['bash', '4.2.46-35.el7_9'],
      ['a-very-long-package-name-that-wraps', '1.2-3.el7'],
    ]);
  });
});

describe('decide', () => {
  const q = parseQuery(
    'apt',
    [
      `${Q} hello`,
      `${Q} bash`,
      'ii |1.0',
      `${Q}POLICY`,
      'hello:',
      '  Candidate: 2.10-3',
      '     2.10-3 500',
      '     2.9-1 100',
      'bash:',
      '  Installed: 1.0',
      '  Candidate: 1.1',
      '     1.1 500',
      ' *** 1.0 100',
    ].join('\n'),
  );
  it('present installs only what is missing; latest also upgrades; absent removes what is there', () => {
    const specs = ['hello', 'bash'].map((s) => parseSpec(s, 'apt'));
    expect(decide('apt', 'present', specs, q)).toMatchObject({ install: ['hello'], remove: [] });
    expect(decide('apt', 'latest', specs, q)).toMatchObject({ install: ['hello', 'bash'] });
    expect(decide('apt', 'absent', specs, q)).toMatchObject({ install: [], remove: ['bash'] });
  });
  it('pins resolve globs against the version table and fail when nothing matches', () => {
    expect(decide('apt', 'present', [parseSpec('hello=2.9*', 'apt')], q).install).toEqual(['hello=2.9-1']);
    expect(decide('apt', 'present', [parseSpec('bash=1.0', 'apt')], q).install).toEqual([]);
    // apt.py: the version exists nowhere -> no candidate; the name unknown to apt -> named without its version
    expect(() => decide('apt', 'present', [parseSpec('hello=3', 'apt')], q)).toThrow('no available installation candidate for hello=3');
    expect(() => decide('apt', 'present', [parseSpec('nosuch', 'apt')], q)).toThrow("No package matching 'nosuch' is available");
    expect(() => decide('apt', 'present', [parseSpec('nosuch=1.0', 'apt')], q)).toThrow("No package matching 'nosuch' is available");
    const e = (() => {
      try {
        decide('apt', 'present', [parseSpec('hello=3', 'apt')], q, { cache: { cache_updated: false, cache_update_time: 7 } });
      } catch (x) {
        return x as ModuleFailure;
      }
    })();
    expect(e?.result).toEqual({ cache_updated: false, cache_update_time: 7 });
  });
  it('a glob matching the installed version and a newer one installs the newer (apt.py "legacy behavior")', () => {
    expect(decide('apt', 'present', [parseSpec('bash=1.*', 'apt')], q)).toMatchObject({ install: ['bash=1.1'], downgrade: [], notes: ['upgrade bash 1.0 -> 1.1'] });
    expect(decide('apt', 'present', [parseSpec('bash=1.0*', 'apt')], q).install).toEqual([]);
  });
  it('a pinned older version is a downgrade (version table order); allow_downgrade adds --allow-downgrades to apt-get', () => {
    const q2 = parseQuery('apt', [`${Q} bash`, 'ii |1.1', `${Q}POLICY`, 'bash:', '  Installed: 1.1', '  Candidate: 1.1', ' *** 1.1 500', '     1.0 500'].join('\n'));
    const d = decide('apt', 'present', [parseSpec('bash=1.0', 'apt')], q2);
    expect(d).toMatchObject({ install: ['bash=1.0'], downgrade: ['bash=1.0'], notes: ['downgrade bash 1.1 -> 1.0'], done: ['downgraded bash 1.1 -> 1.0'] });
    expect(String(changeCommand('apt', d))).toMatch(/ install bash=1\.0$/);
    expect(String(changeCommand('apt', decide('apt', 'present', [parseSpec('bash=1.0', 'apt')], q2, { allowDowngrade: true })))).toMatch(/ install bash=1\.0 --allow-downgrades$/);
  });
});

describe('apt allow_downgrade (Ansible 2.14 apt.py: aliases, the failure apt-get gives without it)', () => {
  const policy = `${Q}STAMP 1700000000\n${Q} bash\nii |1.1\n${Q}POLICY\nbash:\n  Installed: 1.1\n  Candidate: 1.1\n *** 1.1 500\n     1.0 500\n`;
  const refusal = 'E: Packages were downgraded and -y was used without --allow-downgrades.\n';
  it('takes the four spellings apt.py declares; yum and dnf only allow_downgrade', () => {
    for (const k of ['allow_downgrade', 'allow-downgrade', 'allow_downgrades', 'allow-downgrades']) expect(apt.schema.parse({ name: 'x', [k]: 'yes' })).toMatchObject({ allow_downgrade: true });
    expect(pkg.schema.parse({ name: 'x', allow_downgrade: true })).toMatchObject({ allow_downgrade: true });
    expect(yum.schema.parse({ name: 'x', allow_downgrade: true })).toMatchObject({ allow_downgrade: true });
    expect(yum.schema.safeParse({ name: 'x', allow_downgrades: true }).success).toBe(false);
  });
  it('without it, the plan (check mode too) fails with what apt-get --simulate says, before anything changes', async () => {
    const { ctx, commands } = fakeCtx(
      'apt',
      [
        [/--simulate/, { rc: 100, stderr: refusal, stdout: 'The following packages will be DOWNGRADED:\n' }],
        [/dpkg-query/, { stdout: policy }],
      ],
      true,
    );
    const e = await apt.plan(apt.schema.parse({ name: 'bash=1.0' }), ctx).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModuleFailure);
    expect((e as ModuleFailure).message).toBe(`'apt-get -y install bash=1.0' failed: ${refusal}`);
    expect((e as ModuleFailure).result).toMatchObject({ rc: 100, stderr: refusal, cache_updated: false, cache_update_time: 1700000000 });
    expect(commands[1]).toMatch(/^LC_ALL=C .*apt-get .* --simulate install bash=1\.0$/);
  });
  it('with it, one query and a plan to downgrade; cache_update_time registered as apt.py reads it', async () => {
    const { ctx, commands } = fakeCtx('apt', [[/dpkg-query/, { stdout: policy }]]);
    const plan = await pkg.plan(pkg.schema.parse({ name: 'bash=1.0', allow_downgrade: true, use: 'apt' }), ctx);
    expect(plan).toMatchObject({ changed: true, msg: 'would downgrade bash 1.1 -> 1.0', result: { cache_updated: false, cache_update_time: 1700000000 } });
    expect(commands).toHaveLength(1);
  });
  it("marks a named package apt installed automatically as manual, as Ansible's apt does after installing (absent never)", () => {
    const auto = parseQuery(
      'apt',
      [`${Q} dep`, 'ii |1.0', `${Q} new`, `${Q}AUTO`, 'dep', `${Q}POLICY`, 'dep:', '  Installed: 1.0', '  Candidate: 1.0', ' *** 1.0 500', 'new:', '  Candidate: 2.0', '     2.0 500'].join('\n'),
    );
    expect(auto.auto).toEqual(new Set(['dep']));
    const d = decide(
      'apt',
      'present',
      ['dep', 'new'].map((s) => parseSpec(s, 'apt')),
      auto,
    );
    expect(d).toMatchObject({ install: ['new'], manual: ['dep'], done: ['installed new 2.0', 'marked dep as manually installed'] });
    expect(String(changeCommand('apt', d))).toMatch(/ install new && apt-mark manual dep >\/dev\/null$/);
    expect(decide('apt', 'present', [parseSpec('new', 'apt')], auto).manual).toBeUndefined();
    expect(decide('apt', 'absent', [parseSpec('dep', 'apt')], auto).manual).toBeUndefined();
  });
});

describe('apt purge (Ansible 2.14 apt.py remove(): a package with files left is purged)', () => {
  const q = parseQuery('apt', [`${Q} gone`, `${Q} conf`, 'rc |1.0', `${Q}FILES`, `${Q} held`, 'hi |2.0', `${Q}FILES`, `${Q} inst`, 'ii |3.0', `${Q}FILES`].join('\n'));
  const specs = ['gone', 'conf', 'held', 'inst'].map((s) => parseSpec(s, 'apt'));
  it('reads the second status letter as installed (held too) and the .list marker as files left', () => {
    expect([...q.installed]).toEqual([
      ['gone', undefined],
      ['conf', undefined],
      ['held', '2.0'],
      ['inst', '3.0'],
    ]);
    expect([...q.hasFiles].sort()).toEqual(['conf', 'held', 'inst']);
  });
  it('without purge an "rc" package is left alone; with purge it is purged, with --purge', () => {
    expect(decide('apt', 'absent', specs, q).remove).toEqual(['held', 'inst']);
    const d = decide('apt', 'absent', specs, q, { purge: true });
    expect(d.remove).toEqual(['conf', 'held', 'inst']);
    expect(d.notes).toEqual(['purge conf (configuration files)', 'purge held 2.0', 'purge inst 3.0']);
    expect(String(changeCommand('apt', d))).toMatch(/ --purge remove conf held inst$/);
    expect(String(changeCommand('apt', decide('apt', 'absent', specs, q)))).toMatch(/ -o Dpkg::Options::=--force-confold remove held inst$/);
  });
  it('purge only counts with state=absent, is apt-only, and is refused by the yum module at load', () => {
    expect(decide('apt', 'present', [parseSpec('inst', 'apt')], q, { purge: true }).purge).toBeUndefined();
    expect(schema.parse({ name: 'x', purge: 'yes', state: 'absent' })).toMatchObject({ purge: true });
    expect(yum.schema.safeParse({ name: 'x', purge: true }).success).toBe(false);
    expect(apt.schema.safeParse({ name: 'x', purge: true }).success).toBe(true);
  });
  it('the query asks for the dpkg .list file of each name', async () => {
    const { ctx, commands } = fakeCtx('apt', [[/dpkg-query/, { stdout: `${Q} conf\nrc |1.0\n${Q}FILES\n` }]]);
    const plan = await apt.plan(schema.parse({ name: 'conf', state: 'absent', purge: true }), ctx);
    expect(plan).toMatchObject({ changed: true, msg: 'would purge conf (configuration files)' });
    expect(commands[0]).toContain('/var/lib/dpkg/info/$l.list');
    const none = fakeCtx('apt', [[/dpkg-query/, { stdout: `${Q} conf\nrc |1.0\n${Q}FILES\n` }]]);
    expect(await apt.plan(schema.parse({ name: 'conf', state: 'absent' }), none.ctx)).toMatchObject({ changed: false });
  });
});

describe('yum/dnf command lines', () => {
  it('installs missing, upgrades outdated and removes, each word quoted', () => {
    const d = { install: ['docker-ce-18.09.1'], upgrade: ['bash'], remove: [], downgrade: [], kept: [], notes: [], done: [] };
    expect(String(changeCommand('yum', d))).toBe('yum install -y docker-ce-18.09.1 && yum update -y bash');
    expect(String(changeCommand('dnf', d))).toBe('dnf install -y docker-ce-18.09.1 && dnf upgrade -y bash');
    expect(String(changeCommand('dnf', { install: [], upgrade: [], remove: ['a', 'b'], downgrade: [], kept: [], notes: [], done: [] }))).toBe('dnf remove -y a b');
  });

  it('plans on a dnf host with one query exec and applies with one exec', async () => {
    const { ctx, commands, invalidated } = fakeCtx('dnf', [
      [/dnf install/, { stdout: 'Complete!\n' + `${Q} bash\nbash|5.1-2\n${Q} tmux\ntmux|3.2-1\n` }],
      [/rpm -q/, { stdout: `${Q} bash\nbash|5.1-1\n${Q} tmux\n${Q}UPGRADES\nbash.x86_64  5.1-2  baseos\n` }],
    ]);
    const plan = await pkg.plan(schema.parse({ name: ['bash', 'tmux'], state: 'latest' }), ctx);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toContain("rpm -q --qf '%{NAME}|%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}|%{ARCH}\\n'");
    expect(commands[0]).toContain('dnf -q list --upgrades bash tmux');
    expect(plan).toMatchObject({ changed: true, msg: 'would upgrade bash 5.1-1 -> 5.1-2, install tmux', result: { installed_versions: { bash: '5.1-1', tmux: null } } });
    const applied = await plan.apply!();
    expect(commands).toHaveLength(2);
    expect(commands[1]).toMatch(/^dnf install -y tmux && dnf upgrade -y bash; rc=\$\?/);
    expect(applied).toMatchObject({ rc: 0, stdout: 'Complete!', installed_versions: { bash: '5.1-2', tmux: '3.2-1' } });
    // facts.packages is stale after the transaction
    expect(invalidated).toEqual(['packages']);
  });

  it('the yum alias refuses an apt host; apt never needs the pkg_mgr fact', async () => {
    await expect(yum.plan(schema.parse({ name: 'x' }), fakeCtx('apt', []).ctx)).rejects.toThrow(/needs yum or dnf/);
    const { ctx, commands } = fakeCtx('unused', [[/dpkg-query/, { stdout: `${Q} hello\nii |2.10-3\n${Q}POLICY\nhello:\n  Candidate: 2.10-3\n` }]]);
    const plan = await apt.plan(schema.parse({ name: 'hello' }), ctx);
    expect(plan.changed).toBe(false);
    expect(commands).toHaveLength(1);
  });

  it("use: yum drives yum and rpm whatever the host's pkg_mgr says (Ansible's package `use`)", async () => {
    const { ctx, commands } = fakeCtx('apt', [[/rpm -q/, { stdout: `${Q} docker-ce-18.09.9\n` }]]);
    const plan = await pkg.plan(schema.parse({ name: 'docker-ce-18.09.9', use: 'yum' }), ctx);
    expect(commands[0]).toContain('rpm -q --qf');
    expect(plan).toMatchObject({ changed: true, msg: 'would install docker-ce-18.09.9' });
    await expect(yum.plan(schema.parse({ name: 'x', use: 'apt' }), ctx)).rejects.toThrow('the yum module cannot use apt');
    expect(() => schema.parse({ name: 'x', use: 'zypper' })).toThrow();
  });

  it('a failing install registers rc/stdout/stderr and the versions after it', async () => {
    const { ctx } = fakeCtx('yum', [
      [/yum install/, { rc: 1, stderr: 'Error: Nothing to do\n', stdout: `\n${Q} nope\n` }],
      [/rpm -q/, { stdout: `${Q} nope\n` }],
    ]);
    const plan = await pkg.plan(schema.parse({ name: 'nope' }), ctx);
    const e = await plan.apply!().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModuleFailure);
    expect((e as ModuleFailure).message).toBe('yum failed: Error: Nothing to do');
    expect((e as ModuleFailure).result).toMatchObject({ rc: 1, installed_versions: { nope: null } });
  });
});

describe('arguments', () => {
  it('accepts Ansible spellings: comma lists, pkg alias, installed/removed, yes/no', () => {
    expect(schema.parse({ pkg: 'a, b', state: 'installed', update_cache: 'yes' })).toMatchObject({ name: ['a', 'b'], state: 'present', update_cache: true });
    expect(schema.parse({ name: 'a', state: 'removed' })).toMatchObject({ state: 'absent' });
    expect(schema.safeParse({ name: '-oops' }).success).toBe(false);
    expect(schema.safeParse({ name: 'a;rm' }).success).toBe(false);
    expect(schema.safeParse({ name: 'a', bogus: 1 }).success).toBe(false);
  });
});
