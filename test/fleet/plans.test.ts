/**
 * Saved plans on real hosts node24..node28 (the "plans" area of test/setup/fleet.ts):
 * `run --check --plan-out`, what the plan file holds and never holds (secrets),
 * `apply` changing exactly what was planned, drift refused host by host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS, hostRoot } from '../setup/fleet.js';
import { assertBuilt, runCli, workDir, writeInventory } from '../setup/cli.js';
import { readPlanFile } from '../../src/plan/save.js';
import type { PlanFile } from '../../src/plan/model.js';

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
    expect(p.inputs.map((i) => i.path.slice(work.length + 1)).sort()).toEqual(
      ['grub.yaml', 'inventory.yaml', 'site.yaml', 'templates/daemon.json.hbs', 'vars.yaml'].sort(),
    );
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
