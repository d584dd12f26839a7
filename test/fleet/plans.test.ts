/**
 * Saved plans on real hosts node24..node28 (the "plans" area of test/setup/fleet.ts):
 * `run --check --plan-out`, what the plan file holds and never holds (secrets),
 * `apply` changing exactly what was planned, drift refused host by host, and the
 * review: grouped --diff, `plan show`, the HTML page rendered by headless Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, runCli, workDir, writeInventory } from '../setup/cli.js';
import { readPlanFile } from '../../src/plan/save.js';
import type { PlanFile } from '../../src/plan/model.js';
import { HTML_COLORS } from '../../src/plan/html.js';
import { countColor, decodePng, distinctColors } from '../setup/png.js';

const hosts = [...HOSTS.plans]; // node24..node28
const work = workDir('plans');
const remote = `/tmp/nm-plans-${randomBytes(4).toString('hex')}`;
const SECRET = `tok-${randomBytes(6).toString('hex')}`;
const EXTRA_SECRET = `ev-${randomBytes(6).toString('hex')}`;
const env = { NODEMEND_PLAN_KEY_FILE: join(work, 'plan.key') };
let inventory: string;
let pwInventory: string;

const site = (): string => {
  const path = join(work, 'site.yaml');
  writeFileSync(
    path,
    `
- name: window
  hosts: nodes
  become: true
  vars_files: [vars.yaml]
  tasks:
    - name: dir
      file: { path: "${remote}/etc", state: directory, mode: "0755" }
    - name: daemon.json
      template: { src: daemon.json.hbs, dest: "${remote}/etc/daemon.json", mode: "0644" }
      notify: restart app
    - name: token
      copy: { content: "token={{ token }}\\n", dest: "${remote}/etc/token", mode: "0600" }
      no_log: true
    - import_tasks: grub.yaml
  handlers:
    - name: restart app
      command: touch ${remote}/etc/restarted
`,
  );
  return path;
};

const run = (args: string[], inv = inventory) => runCli([...args, '-i', inv], { cwd: work, env });
const applyCli = (args: string[]) => runCli(['apply', ...args], { cwd: work, env });
const plan = (file: string): PlanFile => JSON.parse(readFileSync(file, 'utf8')) as PlanFile;

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, hosts);
  const pwDir = join(work, 'pw');
  mkdirSync(pwDir);
  // opspw's sudo asks for its password: the inventory holds it, the plan must not.
  pwInventory = writeInventory(pwDir, hosts, { user: 'opspw', vars: {} });
  writeFileSync(pwInventory, readFileSync(pwInventory, 'utf8').replace('    become: true\n', '    become: true\n    become_password: opspw\n'));
  mkdirSync(join(work, 'templates'));
  writeFileSync(join(work, 'templates', 'daemon.json.hbs'), '{\n  "exec-opts": ["native.cgroupdriver={{driver}}"],\n  "host": "{{inventory_hostname}}"\n}\n');
  writeFileSync(join(work, 'vars.yaml'), `driver: systemd\ntoken: ${SECRET}\n`);
  writeFileSync(join(work, 'grub.yaml'), `- name: grub nokmem\n  lineinfile: { path: "${remote}/etc/grub", line: 'GRUB_CMDLINE_LINUX="cgroup.memory=nokmem"', create: true }\n`);
  site();
});

afterAll(() => {
  for (const h of hosts) rmSync(join(hostRoot(h), remote), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('run --check --plan-out', () => {
  it('writes a versioned plan: per host and task the status, the diff and the remote state read; inputs digested', async () => {
    const r = await run(['run', 'site.yaml', '--check', '--diff', '--plan-out', 'w.plan']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const p = await readPlanFile(join(work, 'w.plan')); // validates against the schema
    expect(p.format).toBe('nodemend-plan');
    expect(p.version).toBe(1);
    expect(Object.keys(p.hosts)).toEqual(hosts);
    expect(p.inputs.map((i) => i.path.slice(work.length + 1)).sort()).toEqual(['grub.yaml', 'inventory.yaml', 'site.yaml', 'templates/daemon.json.hbs', 'vars.yaml'].sort());
    for (const h of hosts) {
      const tasks = p.hosts[h].tasks;
      expect(tasks.map((t) => [t.task, t.status])).toEqual([
        ['dir', 'changed'],
        ['daemon.json', 'changed'],
        ['token', 'changed'],
        ['grub nokmem', 'changed'],
        ['restart app', 'changed'],
      ]);
      const daemon = tasks[1];
      expect(daemon.basis).toEqual({ [`file ${remote}/etc/daemon.json`]: 'absent' });
      expect(daemon.diff?.[0].unified).toContain(`+  "host": "${h}"`);
      expect(tasks[4].handler).toBe(true);
    }
    expect(p.summary).toMatchObject({ hosts: 5, hosts_changing: 5, tasks_changing: 25 });
    // Nothing was changed on the hosts.
    for (const h of hosts) expect(existsSync(join(hostRoot(h), remote, 'etc'))).toBe(false);
  });

  it('holds no secret: no_log content, -e values, become passwords', async () => {
    const r = await run(['run', 'site.yaml', '--check', '--plan-out', 'pw.plan', '-e', `extra_token=${EXTRA_SECRET}`], pwInventory);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const text = readFileSync(join(work, 'pw.plan'), 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(EXTRA_SECRET);
    expect(text).not.toContain('opspw');
    const token = plan(join(work, 'pw.plan')).hosts[hosts[0]].tasks[2];
    expect(token).toMatchObject({ task: 'token', censored: true, status: 'changed' });
    expect(token.diff).toBeUndefined();
    expect(token.msg).toBeUndefined();
    expect(Object.values(token.basis).every((v) => v.startsWith('hmac-sha256:'))).toBe(true);
    // The plain sha256 of the secret file's future content must not appear either.
    expect(text).not.toMatch(/token=/);
  });

  it('needs --check, and touches no host without it', async () => {
    const r = await run(['run', 'site.yaml', '--plan-out', 'x.plan']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--plan-out needs --check');
    expect(existsSync(join(work, 'x.plan'))).toBe(false);
    for (const h of hosts) expect(existsSync(join(hostRoot(h), remote, 'etc'))).toBe(false);
  });

  it('`schema plan` prints the plan file JSON Schema', async () => {
    const r = await runCli(['schema', 'plan']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.title).toBe('nodemend plan file');
    expect(schema.required).toEqual(expect.arrayContaining(['format', 'version', 'hosts', 'inputs', 'summary']));
  });
});

describe('apply', () => {
  const OLD_DAEMON = '{\n  "exec-opts": ["native.cgroupdriver=cgroupfs"]\n}\n';
  const EDITED = '{\n  "exec-opts": ["native.cgroupdriver=cgroupfs"],\n  "debug": true\n}\n';
  const [odd] = hosts.slice(2, 3); // node26: edited behind nodemend's back
  const path = (h: string, f: string): string => join(hostRoot(h), remote, 'etc', f);
  const read = (h: string, f: string): string | undefined => (existsSync(path(h, f)) ? readFileSync(path(h, f), 'utf8') : undefined);
  const changedTasks = (report: any, h: string): string[] => report.hosts[h].tasks.filter((t: any) => t.changed).map((t: any) => t.task);

  beforeAll(() => {
    // A fleet as found before the window: an old daemon.json, a grub file without nokmem.
    for (const h of hosts) {
      mkdirSync(join(hostRoot(h), remote, 'etc'), { recursive: true, mode: 0o755 });
      writeFileSync(path(h, 'daemon.json'), OLD_DAEMON, { mode: 0o644 });
      writeFileSync(path(h, 'grub'), 'GRUB_CMDLINE_LINUX="quiet"\n', { mode: 0o644 });
    }
  });

  it('refuses the host edited after the plan, naming the file, and changes the others exactly as planned', async () => {
    const p = await run(['run', 'site.yaml', '--check', '--plan-out', 'window.plan']);
    expect(p.code, p.stderr + p.stdout).toBe(0);
    const saved = plan(join(work, 'window.plan'));
    const predicted = (h: string): string[] => saved.hosts[h].tasks.filter((t) => t.status === 'changed').map((t) => t.task);
    for (const h of hosts) expect(predicted(h)).toEqual(['daemon.json', 'token', 'grub nokmem', 'restart app']);

    writeFileSync(path(odd, 'daemon.json'), EDITED);
    const a = await applyCli(['window.plan', '--json', 'apply.json', '--junit', 'apply.xml']);
    expect(a.code, a.stderr + a.stdout).toBe(2);
    expect(a.stdout).toContain(`REFUSED [${odd}]`);
    expect(a.stdout).toContain(`file ${remote}/etc/daemon.json: file 0644 root:root size ${OLD_DAEMON.length} sha256:`);
    // The refused host is left as it was.
    expect(read(odd, 'daemon.json')).toBe(EDITED);
    expect(read(odd, 'grub')).toBe('GRUB_CMDLINE_LINUX="quiet"\n');
    expect(read(odd, 'token')).toBeUndefined();
    expect(read(odd, 'restarted')).toBeUndefined();

    const report = JSON.parse(readFileSync(join(work, 'apply.json'), 'utf8'));
    expect(report.hosts[odd].status).toBe('failed');
    expect(report.hosts[odd].tasks.map((t: any) => t.msg).join('')).toContain(`${remote}/etc/daemon.json`);
    expect(readFileSync(join(work, 'apply.xml'), 'utf8')).toContain('refused, left untouched');
    for (const h of hosts.filter((x) => x !== odd)) {
      expect(changedTasks(report, h)).toEqual(predicted(h));
      // What changed is the reviewed diff's "after" side.
      expect(read(h, 'daemon.json')).toBe(`{\n  "exec-opts": ["native.cgroupdriver=systemd"],\n  "host": "${h}"\n}\n`);
      expect(read(h, 'grub')).toBe('GRUB_CMDLINE_LINUX="quiet"\nGRUB_CMDLINE_LINUX="cgroup.memory=nokmem"\n');
      expect(read(h, 'token')).toBe(`token=${SECRET}\n`);
      expect(existsSync(path(h, 'restarted'))).toBe(true);
    }
  });

  it('a plan of a converged fleet applies with changed=0', async () => {
    const converged = hosts.filter((x) => x !== odd).join(',');
    const p = await run(['run', 'site.yaml', '--check', '--plan-out', 'converged.plan', '-l', converged]);
    expect(p.code, p.stderr + p.stdout).toBe(0);
    expect(plan(join(work, 'converged.plan')).summary).toMatchObject({ hosts: 4, hosts_changing: 0, tasks_changing: 0 });
    const a = await applyCli(['converged.plan', '--json', 'converged.json']);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'converged.json'), 'utf8'));
    expect(Object.keys(report.hosts).sort()).toEqual(converged.split(',').sort());
    for (const h of Object.values<any>(report.hosts)) expect(h.recap.changed).toBe(0);
  });

  it('refuses the whole plan, touching no host, when an input changed, the plan was edited, is too old, or -e differs', async () => {
    const p = await run(['run', 'site.yaml', '--check', '--plan-out', 'again.plan', '-e', 'x=1']);
    expect(p.code, p.stderr + p.stdout).toBe(0);
    const before = read(odd, 'daemon.json');

    const otherE = await applyCli(['again.plan', '-e', 'x=2']);
    expect(otherE.code).toBe(1);
    expect(otherE.stderr).toContain('-e values differ');

    const tampered = JSON.parse(readFileSync(join(work, 'again.plan'), 'utf8'));
    tampered.hosts[odd].tasks[1].status = 'ok';
    writeFileSync(join(work, 'tampered.plan'), JSON.stringify(tampered));
    const t = await applyCli(['tampered.plan', '-e', 'x=1']);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain('modified after it was saved');

    await new Promise((r) => setTimeout(r, 1100));
    const old = await applyCli(['again.plan', '-e', 'x=1', '--max-age', '1s']);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('longer than --max-age 1s');

    const tpl = join(work, 'templates', 'daemon.json.hbs');
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('"host"', '"hostname"'));
    const changed = await applyCli(['again.plan', '-e', 'x=1']);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(`changed since the plan was made: ${tpl}`);
    expect(changed.stderr).toContain('no host was contacted');
    expect(read(odd, 'daemon.json')).toBe(before);
  });
});

describe('review: grouped diffs in the terminal, plan show, and the HTML page in headless Chromium', () => {
  const OLD = 'nofile 1024\n';
  const [odd] = hosts.slice(2, 3); // node26 has another file: its change stands out
  const others = hosts.filter((h) => h !== odd);
  const ticketFile = (h: string): string => join(hostRoot(h), remote, 'ticket', 'limits.conf');

  beforeAll(() => {
    for (const h of hosts) {
      mkdirSync(join(hostRoot(h), remote, 'ticket'), { recursive: true });
      writeFileSync(ticketFile(h), h === odd ? 'nofile 4096\ncore 0\n' : OLD);
    }
    writeFileSync(join(work, 'ticket.yaml'), `- hosts: nodes\n  become: true\n  tasks:\n    - name: limits\n      copy: { content: "nofile 65536\\n", dest: "${remote}/ticket/limits.conf" }\n`);
  });

  it('--diff prints the change four hosts share once with their list, the odd host apart', async () => {
    const r = await run(['run', 'ticket.yaml', '--check', '--diff', '--plan-out', 'ticket.plan']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout.match(/^\+nofile 65536$/gm)).toHaveLength(2);
    expect(r.stdout).toContain(`-nofile 1024\n+nofile 65536\n  (4 hosts: ${others.join(', ')})\n`);
    expect(r.stdout).toContain(`  (1 host: ${odd}) differs from the most common change\n`);
    const show = await runCli(['plan', 'show', 'ticket.plan'], { cwd: work, env });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`  changed: content of ${remote}/ticket/limits.conf would change (4 hosts: ${others.join(', ')})\n    --- ${remote}/ticket/limits.conf`);
    expect(show.stdout).toMatch(new RegExp(`odd changed: .* \\(1 host: ${odd}\\)`));
  });

  it('the HTML page renders in headless Chromium: the group with its host list, the odd host marked, the diff colors on screen', async () => {
    const html = join(work, 'ticket.html');
    const r = await runCli(['plan', 'show', 'ticket.plan', '--html', html], { cwd: work, env });
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script|<link|src=|https?:\/\//i); // self-contained

    const chromium = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((res, rej) => {
        const profile = mkdtempSync(join(work, 'chromium-'));
        const child = spawn(
          'chromium',
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            `--user-data-dir=${profile}`,
            ...args,
            `file://${html}`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', (e) => rej(new Error(`chromium did not start (scripts/install.sh installs Debian's chromium): ${e.message}`)));
        child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
      });

    const dom = await chromium(['--dump-dom']);
    expect(dom.code, dom.stderr).toBe(0);
    expect(dom.stdout).toContain(`<div class="group" data-hosts="${others.join(' ')}">`);
    expect(dom.stdout).toContain(`(4 hosts: ${others.join(', ')})`);
    expect(dom.stdout).toContain(`<div class="group odd" data-hosts="${odd}"><span class="badge">odd</span>`);
    expect(dom.stdout).toContain('<span class="add">+nofile 65536</span>');

    const png = join(work, 'ticket.png');
    const shot = await chromium([`--screenshot=${png}`, '--window-size=1000,700']);
    expect(shot.code, shot.stderr).toBe(0);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([1000, 700]);
    expect(distinctColors(img)).toBeGreaterThan(20); // not blank
    // The diff's backgrounds are on screen: two added-line bands and three removed ones (4-host group: 1, odd: 2).
    expect(countColor(img, HTML_COLORS.added)).toBeGreaterThan(2 * 5000);
    expect(countColor(img, HTML_COLORS.removed)).toBeGreaterThan(3 * 5000);
    expect(countColor(img, HTML_COLORS.odd)).toBeGreaterThan(100);
  });
});
