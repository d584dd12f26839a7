/**
 * The whole path through the real CLI (`node dist/src/cli/main.js run ...`) on
 * real hosts node7 and node8: exact check mode, idempotent reruns, handlers,
 * block/rescue/always, serial, tags, --limit, reports, exit codes, host keys,
 * a host dying mid-run, and secrets that never show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS, hostRoot, startHost, stopHost, testFleet } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory, connectionCounter } from '../setup/cli.js';

const [A, B] = HOSTS.runner; // node7, node8
const work = workDir('runner');
const remote = `/tmp/nm-runner-${randomBytes(4).toString('hex')}`;
let inventory: string;

/** Write a playbook into the work dir; `{{R}}` in the text is the remote test dir. */
function playbook(name: string, yaml: string): string {
  const path = join(work, name);
  writeFileSync(path, yaml.replaceAll('%R%', remote));
  return path;
}

/** sha256 of every file under the remote dir on a host (mode included), as seen on the controller. */
function snapshot(host: string): Record<string, string> {
  const root = join(hostRoot(host), remote);
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    const st = statSync(p);
    out[p.slice(root.length)] = e.isFile()
      ? `${(st.mode & 0o7777).toString(8)}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`
      : `${(st.mode & 0o7777).toString(8)}:${e.isDirectory() ? 'dir' : 'other'}`;
  }
  return out;
}

const changedTasks = (report: any, host: string): string[] => report.hosts[host].tasks.filter((t: any) => t.changed).map((t: any) => `${t.task}${t.item === undefined ? '' : `[${t.item}]`}`);

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, [A, B]);
  // Each test can run alone (-t): the remote dir exists from the start.
  for (const h of [A, B]) mkdirSync(join(hostRoot(h), remote), { recursive: true });
  mkdirSync(join(work, 'templates'));
  writeFileSync(join(work, 'templates', 'app.conf.hbs'), 'name={{inventory_hostname}}\nport={{port}}\n');
});

afterAll(async () => {
  // The hosts' files are visible from here; the dir belongs to root on the host.
  for (const h of [A, B]) {
    const p = join(hostRoot(h), remote);
    if (existsSync(p)) (await import('node:fs')).rmSync(p, { recursive: true, force: true });
  }
});

describe('check mode, real run, rerun', () => {
  const site = (): string =>
    playbook(
      'site.yaml',
      `
- name: configure
  hosts: nodes
  become: true
  vars: { port: 8080 }
  tasks:
    - name: dir
      file: { path: "%R%/etc", state: directory, mode: "0755" }
    - name: config from template
      template: { src: app.conf.hbs, dest: "%R%/etc/app.conf", mode: "0640" }
      notify: reload app
    - name: grub line
      lineinfile: { path: "%R%/etc/grub", line: 'GRUB_CMDLINE_LINUX="quiet"', create: true }
    - name: marker by command
      command: touch %R%/etc/marker
      args: { creates: "%R%/etc/marker" }
    - name: copies
      copy: { content: "{{ item }}\\n", dest: "%R%/etc/{{ item }}.txt" }
      loop: [one, two]
  handlers:
    - name: reload app
      shell: echo reloaded >> %R%/etc/reloads
`,
    );

  it('--check changes no byte, and predicts exactly the tasks the real run changes; the rerun changes nothing', async () => {
    const pb = site();
    const before = { [A]: snapshot(A), [B]: snapshot(B) };
    const check = await runCli(['run', pb, '-i', inventory, '--check', '--diff', '--json', join(work, 'check.json')]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect({ [A]: snapshot(A), [B]: snapshot(B) }).toEqual(before);
    const predicted = readJson(join(work, 'check.json'));
    expect(predicted.check).toBe(true);
    // the template's diff is shown with the rendered content
    expect(check.stdout).toContain(`+name=${A}`);
    expect(check.stdout).toContain('+port=8080');

    const real = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'real.json')]);
    expect(real.code).toBe(0);
    const done = readJson(join(work, 'real.json'));
    for (const h of [A, B]) {
      expect(changedTasks(done, h)).toEqual(changedTasks(predicted, h));
      expect(changedTasks(done, h)).toEqual(['dir', 'config from template', 'grub line', 'marker by command', 'copies[one]', 'copies[two]', 'reload app']);
      expect(readFileSync(join(hostRoot(h), remote, 'etc/app.conf'), 'utf8')).toBe(`name=${h}\nport=8080\n`);
      expect(statSync(join(hostRoot(h), remote, 'etc/app.conf')).mode & 0o777).toBe(0o640);
      expect(readFileSync(join(hostRoot(h), remote, 'etc/reloads'), 'utf8')).toBe('reloaded\n');
    }

    const again = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'rerun.json')]);
    expect(again.code).toBe(0);
    const rerun = readJson(join(work, 'rerun.json'));
    for (const h of [A, B]) {
      expect(rerun.hosts[h].recap).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
      // the handler was not notified, so it did not run again
      expect(readFileSync(join(hostRoot(h), remote, 'etc/reloads'), 'utf8')).toBe('reloaded\n');
    }
    expect(again.stdout).toMatch(new RegExp(`${A}\\s*: ok=\\d+\\s+changed=0\\s+unreachable=0\\s+failed=0`));
  });

  it('a check after a local edit predicts only that change, with its diff', async () => {
    const pb = site();
    const conf = join(hostRoot(A), remote, 'etc/app.conf');
    if (!existsSync(conf)) await runCli(['run', pb, '-i', inventory]);
    writeFileSync(conf, `name=${A}\nport=9999\n`);
    const before = snapshot(A);
    const check = await runCli(['run', pb, '-i', inventory, '--check', '--diff', '--json', join(work, 'drift.json')]);
    expect(check.code).toBe(0);
    expect(snapshot(A)).toEqual(before);
    const r = readJson(join(work, 'drift.json'));
    expect(changedTasks(r, A)).toEqual(['config from template', 'reload app']);
    expect(changedTasks(r, B)).toEqual([]);
    expect(r.hosts[A].tasks.find((t: any) => t.task === 'config from template').diff[0].unified).toMatch(/-port=9999\n\+port=8080/);
    await runCli(['run', pb, '-i', inventory]);
  });
});

describe('secrets', () => {
  it('no_log keeps a secret out of the terminal (even -vvv with --diff), the JSON and the JUnit report', async () => {
    const secret = `hunter-${randomBytes(6).toString('hex')}`;
    const pb = playbook(
      'secret.yaml',
      `
- hosts: nodes
  become: true
  tasks:
    - name: write token
      copy: { content: "{{ token }}", dest: "%R%/token", mode: "0600" }
      no_log: true
    - name: use token
      shell: "echo using {{ token }}; exit 3"
      no_log: true
      ignore_errors: true
    - name: loop over secrets
      debug: { msg: "{{ item }}" }
      loop: ["{{ token }}"]
      no_log: true
`,
    );
    const args = ['run', pb, '-i', inventory, '-e', `token=${secret}`, '--diff', '-vvv', '--json', join(work, 's.json'), '--junit', join(work, 's.xml')];
    const r = await runCli(args);
    expect(r.code).toBe(0);
    for (const text of [r.stdout, r.stderr, readFileSync(join(work, 's.json'), 'utf8'), readFileSync(join(work, 's.xml'), 'utf8')]) {
      expect(text).not.toContain(secret);
    }
    // ...but the work was done
    expect(readFileSync(join(hostRoot(A), remote, 'token'), 'utf8')).toBe(secret);
    const rep = readJson(join(work, 's.json'));
    expect(rep.hosts[A].tasks.map((t: any) => [t.task, t.status, t.censored])).toEqual([
      ['write token', 'changed', true],
      ['use token', 'failed', true],
      ['loop over secrets', 'ok', true],
    ]);
  });
});

describe('control flow', () => {
  it('block/rescue/always: a rescued host counts as rescued, not failed, and the run exits 0', async () => {
    const pb = playbook(
      'rescue.yaml',
      `
- hosts: nodes
  tasks:
    - block:
        - name: fails on ${A} only
          command: "false"
          when: inventory_hostname == '${A}'
        - name: after the failure
          command: "true"
      rescue:
        - name: rescue
          debug: { msg: "rescued {{ inventory_hostname }}" }
      always:
        - name: always
          debug: { msg: always }
    - name: after the block
      debug: { msg: still running }
`,
    );
    const r = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'r.json')]);
    expect(r.code).toBe(0);
    const rep = readJson(join(work, 'r.json'));
    expect(rep.hosts[A].recap).toMatchObject({ failed: 0, rescued: 1 });
    expect(rep.hosts[B].recap).toMatchObject({ failed: 0, rescued: 0 });
    expect(rep.hosts[A].tasks.map((t: any) => `${t.task}:${t.status}`)).toEqual(['fails on node7 only:failed', 'rescue:ok', 'always:ok', 'after the block:ok']);
    expect(rep.hosts[B].tasks.map((t: any) => `${t.task}:${t.status}`)).toEqual(['fails on node7 only:skipped', 'after the failure:changed', 'always:ok', 'after the block:ok']);
  });

  it('a failure on one host stops that host only; exit code 2; ignore_errors and failed_when/changed_when apply', async () => {
    const pb = playbook(
      'fail.yaml',
      `
- hosts: nodes
  tasks:
    - name: ignored failure
      command: "false"
      ignore_errors: true
    - name: rc 3 is fine
      shell: exit 3
      register: r3
      failed_when: r3.rc not in [0, 3]
      changed_when: false
    - name: break ${B}
      command: "false"
      when: inventory_hostname == '${B}'
    - name: continues on ${A}
      command: "true"
`,
    );
    const r = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'f.json')]);
    expect(r.code).toBe(2);
    const rep = readJson(join(work, 'f.json'));
    // As Ansible: the ignored failure ran a command, so it counts as ok, ignored and changed.
    expect(rep.hosts[A].recap).toMatchObject({ ok: 3, failed: 0, skipped: 1, ignored: 1, changed: 2 });
    expect(rep.hosts[B].recap).toMatchObject({ ok: 2, failed: 1, ignored: 1, changed: 1 });
    expect(rep.hosts[A].tasks.at(-1)).toMatchObject({ task: `continues on ${A}`, status: 'changed' });
    expect(rep.hosts[B].tasks.map((t: any) => t.task)).not.toContain(`continues on ${A}`);
    expect(rep.hosts[A].tasks[1]).toMatchObject({ task: 'rc 3 is fine', status: 'ok', rc: 3 });
  });

  it('serial: 1 finishes each host (handlers included) before the next starts', async () => {
    const pb = playbook(
      'serial.yaml',
      `
- hosts: nodes
  serial: 1
  become: true
  tasks:
    - name: stamp
      shell: "date +%s%N >> %R%/serial-{{ inventory_hostname }}; sleep 0.2"
      notify: stamp again
  handlers:
    - name: stamp again
      shell: "date +%s%N >> %R%/serial-{{ inventory_hostname }}"
`,
    );
    const r = await runCli(['run', pb, '-i', inventory]);
    expect(r.code).toBe(0);
    const stamps = (h: string): bigint[] =>
      readFileSync(join(hostRoot(h), remote, `serial-${h}`), 'utf8')
        .trim()
        .split('\n')
        .map((s) => BigInt(s));
    const [a, b] = [stamps(A), stamps(B)];
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    // the whole of the first batch (its handler too) precedes the second
    expect(a[1] < b[0]).toBe(true);
  });

  it('tags, --skip-tags and --limit select tasks and hosts; --list-tasks and --list-hosts agree', async () => {
    const pb = playbook(
      'tags.yaml',
      `
- hosts: nodes
  become: true
  tasks:
    - name: tagged a
      file: { path: "%R%/tag-a", state: touch }
      tags: [a]
    - name: tagged b
      file: { path: "%R%/tag-b", state: touch }
      tags: [b]
    - name: always runs
      file: { path: "%R%/tag-always", state: touch }
      tags: [always]
`,
    );
    const r = await runCli(['run', pb, '-i', inventory, '-t', 'a', '-l', A]);
    expect(r.code).toBe(0);
    const exists = (h: string, f: string): boolean => existsSync(join(hostRoot(h), remote, f));
    expect([exists(A, 'tag-a'), exists(A, 'tag-b'), exists(A, 'tag-always')]).toEqual([true, false, true]);
    expect([exists(B, 'tag-a'), exists(B, 'tag-always')]).toEqual([false, false]);

    const skip = await runCli(['run', pb, '-i', inventory, '--skip-tags', 'a,always', '-l', `nodes:!${A}`]);
    expect(skip.code).toBe(0);
    expect([exists(B, 'tag-a'), exists(B, 'tag-b'), exists(B, 'tag-always')]).toEqual([false, true, false]);

    const tasks = await runCli(['run', pb, '-i', inventory, '--list-tasks', '-t', 'b']);
    expect(tasks.code).toBe(0);
    expect(tasks.stdout).toContain('tagged b');
    expect(tasks.stdout).toContain('always runs');
    expect(tasks.stdout).not.toContain('tagged a');
    const hosts = await runCli(['run', pb, '-i', inventory, '--list-hosts', '-l', B]);
    expect(hosts.stdout).toMatch(/hosts \(1\):\n\s+node8\n/);
  });

  it('--junit has one test case per host and task, failures marked', async () => {
    const pb = playbook(
      'junit.yaml',
      `
- hosts: nodes
  tasks:
    - name: fine
      command: "true"
    - name: broken on ${B}
      command: "false"
      when: inventory_hostname == '${B}'
`,
    );
    const xml = join(work, 'j.xml');
    const r = await runCli(['run', pb, '-i', inventory, '--junit', xml]);
    expect(r.code).toBe(2);
    const text = readFileSync(xml, 'utf8');
    expect(text.match(/<testcase /g)).toHaveLength(4);
    expect(text.match(/<failure /g)).toHaveLength(1);
    expect(text).toMatch(/<testcase [^>]*name="[^"]*broken on node8[^"]*"[^>]*>\s*<failure/);
  });
});

describe('bad input touches no host', () => {
  const listener = connectionCounter();

  it('an unknown key, a bad expression and a missing template file: all reported with file:line:col, exit 1, no connection made', async () => {
    const dir = workDir('badinput');
    const inv = writeInventory(dir, [A], { portOverride: { [A]: listener.port() } });
    const pb = join(dir, 'bad.yaml');
    writeFileSync(
      pb,
      `- hosts: nodes
  tasks:
    - name: typo
      copy: { content: x, dest: /tmp/x, mdoe: "0644" }
    - name: bad expression
      debug: { msg: "{{ 1 + }}" }
`,
    );
    for (const cmd of ['run', 'validate']) {
      const r = await runCli([cmd, pb, '-i', inv]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${pb.replaceAll('/', '\\/')}:4:\\d+.*mdoe`));
      expect(r.stderr).toContain('did you mean "mode"');
      expect(r.stderr).toMatch(/bad\.yaml:6:\d+/);
      expect(r.stderr).toContain('no host was contacted');
    }
    expect(listener.count()).toBe(0);
  });

  it('validate on a good playbook says ok and connects nowhere; the same playbook then runs against the port', async () => {
    const dir = workDir('validate');
    const inv = writeInventory(dir, [A], { portOverride: { [A]: listener.port() } });
    const pb = join(dir, 'ok.yaml');
    writeFileSync(pb, '- hosts: nodes\n  tasks:\n    - command: "true"\n');
    const v = await runCli(['validate', pb, '-i', inv]);
    expect([v.code, v.stdout]).toEqual([0, `${pb}: ok (1 plays, 1 top-level tasks, 1 inventory hosts)\n`]);
    expect(listener.count()).toBe(0);
    // the listener is real: a run does reach it (and finds no SSH there)
    const r = await runCli(['run', pb, '-i', inv]);
    expect(r.code).toBe(4);
    expect(listener.count()).toBeGreaterThan(0);
  });
});

describe('unreachable hosts and host keys', () => {
  it('a changed host key is refused (even with --accept-new-host-keys) while the other host runs; exit 4', async () => {
    const dir = workDir('hostkey');
    const fleet = testFleet();
    const portOf = (h: string): number => fleet.hosts.find((x) => x.name === h)!.port;
    // node7's entry carries node8's key: what a man in the middle would present
    const lines = readFileSync(fleet.knownHosts, 'utf8').split('\n');
    const keyOf = (h: string): string =>
      lines
        .find((l) => l.startsWith(`[127.0.0.1]:${portOf(h)} `))!
        .split(' ')
        .slice(1)
        .join(' ');
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, `[127.0.0.1]:${portOf(A)} ${keyOf(B)}\n[127.0.0.1]:${portOf(B)} ${keyOf(B)}\n`);
    const inv = writeInventory(dir, [A, B], { knownHosts: kh });
    const pb = join(dir, 'p.yaml');
    writeFileSync(pb, `- hosts: nodes\n  tasks:\n    - command: "true"\n`);
    for (const extra of [[], ['--accept-new-host-keys']]) {
      const r = await runCli(['run', pb, '-i', inv, '--json', join(dir, 'r.json'), ...extra]);
      expect(r.code).toBe(4);
      const rep = readJson(join(dir, 'r.json'));
      expect(rep.hosts[A].status).toBe('unreachable');
      expect(rep.hosts[A].tasks[0].msg).toMatch(/host key/i);
      expect(rep.hosts[B].recap).toMatchObject({ ok: 1, unreachable: 0 });
    }
    // the known_hosts file was not rewritten to trust the presented key
    expect(readFileSync(kh, 'utf8')).toContain(`[127.0.0.1]:${portOf(A)} ${keyOf(B)}`);
    expect(readFileSync(kh, 'utf8')).not.toContain(keyOf(A));
  });

  it('an unknown host key is refused by default and recorded with --accept-new-host-keys', async () => {
    const dir = workDir('newkey');
    const kh = join(dir, 'known_hosts');
    writeFileSync(kh, '');
    const inv = writeInventory(dir, [A], { knownHosts: kh });
    const pb = join(dir, 'p.yaml');
    writeFileSync(pb, `- hosts: nodes\n  tasks:\n    - command: "true"\n`);
    const refused = await runCli(['run', pb, '-i', inv]);
    expect(refused.code).toBe(4);
    expect(refused.stdout + refused.stderr).toMatch(/unknown host key|not in known_hosts|host key/i);
    const accepted = await runCli(['run', pb, '-i', inv, '--accept-new-host-keys']);
    expect(accepted.code).toBe(0);
    expect(readFileSync(kh, 'utf8')).toMatch(/ssh-ed25519 /);
    expect((await runCli(['run', pb, '-i', inv])).code).toBe(0);
  });

  it('an sshd killed mid-run: that host is unreachable, the other finishes every task; exit 4', async () => {
    const pb = playbook(
      'midrun.yaml',
      `
- hosts: nodes
  become: true
  tasks:
    - name: first
      file: { path: "%R%/mid-first", state: touch }
    - name: slow
      shell: "g=0; while [ ! -e %R%/mid-go ] && [ $g -lt 600 ]; do sleep 0.1; g=$((g + 1)); done"
    - name: last
      file: { path: "%R%/mid-last", state: touch }
`,
    );
    const run = runCli(['run', pb, '-i', inventory, '--json', join(work, 'mid.json')]);
    // kill node8 while "slow" runs on both hosts: it waits (at most 60 s) for a go file made only
    // after node8 is down, where a fixed sleep could end on a loaded machine before the kill.
    const deadline = Date.now() + 15_000;
    while (!existsSync(join(hostRoot(B), remote, 'mid-first')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    await stopHost(B);
    writeFileSync(join(hostRoot(A), remote, 'mid-go'), '');
    try {
      const r = await run;
      expect(r.code).toBe(4);
      const rep = readJson(join(work, 'mid.json'));
      expect(rep.hosts[B].status).toBe('unreachable');
      expect(rep.hosts[B].recap.unreachable).toBe(1);
      expect(rep.hosts[A].recap).toMatchObject({ failed: 0, unreachable: 0 });
      expect(rep.hosts[A].tasks.map((t: any) => t.task)).toEqual(['first', 'slow', 'last']);
      expect(existsSync(join(hostRoot(A), remote, 'mid-last'))).toBe(true);
      expect(existsSync(join(hostRoot(B), remote, 'mid-last'))).toBe(false);
      expect(r.stdout).toMatch(/node8\s*: .*unreachable=1/);
    } finally {
      await startHost(B);
    }
  });

  it('a remote command past its timeout is killed on the host and the task fails', async () => {
    const pb = playbook(
      'timeout.yaml',
      `
- hosts: ${A}
  tasks:
    - name: hangs
      shell: "echo $$ > %R%/hang.pid; sleep 30"
      timeout: 1
`,
    );
    const r = await runCli(['run', pb, '-i', inventory, '--json', join(work, 't.json')]);
    expect(r.code).toBe(2);
    const t = readJson(join(work, 't.json')).hosts[A].tasks[0];
    expect(t.status).toBe('failed');
    expect(t.msg).toMatch(/timed out|timeout/i);
    // the process is gone on the host, not just the channel
    const pid = readFileSync(join(hostRoot(A), remote, 'hang.pid'), 'utf8').trim();
    const ps = await runCli(['run', playbook('ps.yaml', `- hosts: ${A}\n  tasks:\n    - shell: "! ps -o pid= -p ${pid}"\n`), '-i', inventory]);
    expect(ps.code).toBe(0);
  });
});

describe('become and facts', () => {
  it('-K asks once for the sudo password (user opspw) and never prints it; without it sudo fails clearly', async () => {
    const dir = workDir('askpass');
    const inv = writeInventory(dir, [A, B], { user: 'opspw' });
    const pb = join(dir, 'p.yaml');
    writeFileSync(pb, `- hosts: nodes\n  become: true\n  tasks:\n    - command: id -un\n      register: who\n    - debug: { msg: "{{ who.stdout }}" }\n`);
    const r = await runCli(['run', pb, '-i', inv, '-K', '--json', join(dir, 'r.json')], { input: 'opspw\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('BECOME password:');
    expect(r.stdout + r.stderr.replace('BECOME password: ', '')).not.toContain('opspw\n');
    expect(readJson(join(dir, 'r.json')).hosts[A].tasks[1].msg).toBe('root');
    const without = await runCli(['run', pb, '-i', inv, '--json', join(dir, 'n.json')]);
    expect(without.code).toBe(2);
    expect(readJson(join(dir, 'n.json')).hosts[A].tasks[0].msg).toMatch(/sudo needs a password/);
  });

  it('facts are fetched only when used and match the host (kernel, packages)', async () => {
    const pb = playbook(
      'facts.yaml',
      `
- hosts: ${A}
  tasks:
    - name: kernel
      debug: { msg: "{{ facts.kernel }}" }
    - name: ssh version
      debug: { msg: "{{ facts.packages['openssh-server'] }}" }
    - name: old docker?
      debug: { msg: "{{ 'docker.io' in facts.packages }}" }
`,
    );
    const r = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'facts.json')]);
    expect(r.code).toBe(0);
    const msgs = readJson(join(work, 'facts.json')).hosts[A].tasks.map((t: any) => t.msg);
    // the fleet hosts share this machine's kernel; dpkg's status file is on the host's root
    const { release } = await import('node:os');
    const status = readFileSync(join(hostRoot(A), 'var/lib/dpkg/status'), 'utf8');
    const sshVersion = /Package: openssh-server\n(?:[^\n]+\n)*?Version: ([^\n]+)/.exec(status)![1];
    expect(msgs).toEqual([release(), sshVersion, 'false']);
  });
});

describe('loops', () => {
  it('loop_control.label is what reports show; register keeps the whole items', async () => {
    const pb = playbook(
      'label.yaml',
      `
- hosts: ${A}
  tasks:
    - name: users
      command: "echo {{ u.name }}"
      loop: [{ name: alice, key: AAAA-long-key }, { name: bob, key: BBBB-long-key }]
      loop_control: { loop_var: u, label: "{{ u.name }}" }
      register: out
    - name: registered
      debug: { msg: "{{ out.results | map(attribute='u') | map(attribute='key') | join(',') }}" }
`,
    );
    const r = await runCli(['run', pb, '-i', inventory, '--json', join(work, 'label.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(item=alice)');
    expect(r.stdout.split('\n').filter((l) => l.includes('item='))).toEqual(['changed: [node7] (item=alice)', 'changed: [node7] (item=bob)']);
    const tasks = readJson(join(work, 'label.json')).hosts[A].tasks;
    expect(tasks.map((t: any) => t.item)).toEqual(['alice', 'bob', undefined]);
    expect(tasks[2].msg).toBe('AAAA-long-key,BBBB-long-key');
  });
});
