/**
 * What a host says is data, and nothing a host says reaches the controller's secrets or
 * files outside the directory a task named: through the real CLI on node7 (unique paths
 * only, see test/setup/fleet.ts), with reports read back from --json and --junit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOSTS, fleetHost, hostRoot, testFleet } from '../setup/fleet.js';
import { assertBuilt, readJson, runCli, workDir, writeInventory } from '../setup/cli.js';

const [A] = HOSTS.runner; // node7: unique paths only
const work = workDir('security');
const tag = randomBytes(4).toString('hex');
const remote = `/tmp/nm-security-${tag}`;
let inventory: string;

function playbook(name: string, yaml: string): string {
  const path = join(work, name);
  writeFileSync(path, yaml.replaceAll('%R%', remote));
  return path;
}

const onHost = (p: string): string => join(hostRoot(A), p);

/** Every report a run leaves: terminal, --json, --junit. */
async function runAll(pb: string, extra: string[] = [], inv = inventory): Promise<{ code: number; texts: string[]; json: any; out: string }> {
  const json = join(work, `${tag}-${Math.random().toString(36).slice(2)}.json`);
  const xml = json.replace(/\.json$/, '.xml');
  const r = await runCli(['run', pb, '-i', inv, '-v', '--json', json, '--junit', xml, ...extra]);
  const texts = [r.stdout, r.stderr, readFileSync(json, 'utf8'), readFileSync(xml, 'utf8')];
  return { code: r.code, texts, json: readJson(json), out: r.stdout + r.stderr };
}

beforeAll(() => {
  assertBuilt();
  inventory = writeInventory(work, [A]);
  mkdirSync(onHost(remote), { recursive: true });
});

afterAll(() => {
  rmSync(onHost(remote), { recursive: true, force: true });
  rmSync(onHost(`/root/nm-security-${tag}`), { force: true });
});

describe('host output is data', () => {
  it('a registered "{{ secret }}" is written literally by copy, set_fact, loop, template and slurp, and the secret shows nowhere', async () => {
    const secret = `s3cr3t-${randomBytes(6).toString('hex')}`;
    writeFileSync(join(work, 'said.hbs'), 'said={{said}} first={{r.stdout_lines.[0]}}\n');
    // The host prints "{{ secret }}": the playbook spells it so that it holds no "{{" itself.
    const pb = playbook(
      'unsafe.yaml',
      `
- hosts: nodes
  become: true
  vars: { secret: "${secret}" }
  tasks:
    - name: host prints a template
      shell: "printf '%s\\\\n' '{''{ secret }}' '{''{ secret | upper }}'"
      register: r
      changed_when: false
    - name: copy what the host said
      copy: { content: "{{ r.stdout }}", dest: "%R%/copy" }
    - name: keep it as a fact
      set_fact: { said: "{{ r.stdout_lines[0] }}", all_lines: "{{ r.stdout_lines }}" }
    - name: copy the fact
      copy: { content: "{{ said }}|{{ all_lines[1] }}", dest: "%R%/fact" }
    - name: loop over the host's lines
      lineinfile: { path: "%R%/loop", line: "{{ item }}", create: true }
      loop: "{{ r.stdout_lines }}"
    - name: template reads it
      template: { src: said.hbs, dest: "%R%/template" }
    - name: read it back
      slurp: { src: "%R%/copy" }
      register: s
    - name: copy the slurped content
      copy: { content: "{{ s.content | b64decode }}", dest: "%R%/slurp" }
    - name: show it
      debug: { msg: "{{ said }}" }
`,
    );
    const r = await runAll(pb);
    expect(r.code, r.out).toBe(0);
    const lit = '{{ secret }}';
    const lines = `${lit}\n{{ secret | upper }}`;
    expect(readFileSync(onHost(`${remote}/copy`), 'utf8')).toBe(lines);
    expect(readFileSync(onHost(`${remote}/fact`), 'utf8')).toBe(`${lit}|{{ secret | upper }}`);
    expect(readFileSync(onHost(`${remote}/loop`), 'utf8')).toBe(`${lines}\n`);
    expect(readFileSync(onHost(`${remote}/template`), 'utf8')).toBe(`said=${lit} first=${lit}\n`);
    expect(readFileSync(onHost(`${remote}/slurp`), 'utf8')).toBe(lines);
    for (const f of ['copy', 'fact', 'loop', 'template', 'slurp']) expect(readFileSync(onHost(`${remote}/${f}`), 'utf8')).not.toContain(secret.slice(7));
    for (const text of r.texts) expect(text).not.toContain(secret.slice(7));
    expect(r.out).toContain(lit); // debug printed the literal text
  });
});

describe('fetch stays inside dest', () => {
  it('refuses a src from host output with ../, a host named ../../x, and a symlink inside dest that points out', async () => {
    writeFileSync(onHost(`${remote}/f`), 'host file\n');
    const dest = join(work, 'fetched');
    const outside = join(work, 'outside');
    mkdirSync(outside);
    // A symlink planted inside dest/<host> that leads out of dest.
    mkdirSync(join(dest, A), { recursive: true });
    symlinkSync(outside, join(dest, A, 'tmp'));
    const pb = playbook(
      'fetch.yaml',
      `
- hosts: nodes
  tasks:
    - name: host names a path
      shell: "echo /../..${dirname(work)}/nm-security-escape-${tag}/f"
      register: p
      changed_when: false
    - name: fetch what the host named
      fetch: { src: "{{ p.stdout }}", dest: "${dest}" }
      ignore_errors: true
    - name: fetch through the planted symlink
      fetch: { src: "%R%/f", dest: "${dest}" }
      ignore_errors: true
    - name: fetch flat into a directory
      fetch: { src: "%R%/f", dest: "${dest}/flat/", flat: true }
`,
    );
    mkdirSync(onHost(`${dirname(work)}/nm-security-escape-${tag}`), { recursive: true });
    writeFileSync(onHost(`${dirname(work)}/nm-security-escape-${tag}/f`), 'escaped\n');
    try {
      const r = await runAll(pb);
      expect(r.code, r.out).toBe(0);
      const tasks = r.json.hosts[A].tasks;
      expect(tasks[1]).toMatchObject({ status: 'failed', ignored: true });
      expect(tasks[1].msg).toMatch(/refusing to write .* outside/);
      expect(tasks[2]).toMatchObject({ status: 'failed', ignored: true });
      expect(tasks[2].msg).toMatch(/is a symlink to/);
      expect(tasks[3].status).toBe('changed');
      expect(existsSync(`${dirname(work)}/nm-security-escape-${tag}`)).toBe(false);
      expect(readdirSync(outside)).toEqual([]);
      expect(readFileSync(join(dest, 'flat', 'f'), 'utf8')).toBe('host file\n');
    } finally {
      rmSync(onHost(`${dirname(work)}/nm-security-escape-${tag}`), { recursive: true, force: true });
    }

    // A host whose inventory name climbs out of dest.
    const evil = '../../x';
    const inv = join(work, 'evil-inventory.yaml');
    const f = testFleet();
    writeFileSync(inv, readFileSync(inventory, 'utf8').replace(/ {8}node7: \{ port: \d+ \}/, `        ${JSON.stringify(evil)}: { host: 127.0.0.1, port: ${fleetHost(A).port} }`));
    expect(readFileSync(inv, 'utf8')).toContain(evil);
    void f;
    const pb2 = playbook('fetch-evil.yaml', `- hosts: nodes\n  tasks:\n    - fetch: { src: "%R%/f", dest: "${join(work, 'd2', 'in')}" }\n`);
    const r2 = await runAll(pb2, [], inv);
    expect(r2.code, r2.out).toBe(2);
    expect(r2.out).toMatch(/refusing the host name/);
    expect(existsSync(join(work, 'x'))).toBe(false);
    expect(existsSync(join(work, 'd2'))).toBe(false);
  });
});

describe('no_log', () => {
  it('a task without a name shows no argument values in its title (terminal, --json, --junit)', async () => {
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    const pb = playbook('nolog.yaml', `- hosts: nodes\n  tasks:\n    - shell: "echo ${secret} > /dev/null"\n      no_log: true\n      changed_when: false\n`);
    const r = await runAll(pb);
    expect(r.code, r.out).toBe(0);
    for (const text of r.texts) expect(text).not.toContain(secret);
    expect(r.json.hosts[A].tasks[0].task).toBe('shell');
  });
});

describe('--diff on a symlink', () => {
  it('shows the link that copy will replace, never the root-only file it points to', async () => {
    const secretFile = `/root/nm-security-${tag}`;
    const secret = `TOPSECRET-${tag}`;
    writeFileSync(onHost(secretFile), `${secret}\n`);
    chmodSync(onHost(secretFile), 0o600);
    symlinkSync(secretFile, onHost(`${remote}/link`));
    const pb = playbook('link.yaml', `- hosts: nodes\n  become: true\n  tasks:\n    - name: replace the link\n      copy: { content: "new\\n", dest: "%R%/link" }\n`);
    const check = await runAll(pb, ['--check', '--diff']);
    expect(check.code, check.out).toBe(0);
    for (const text of check.texts) expect(text).not.toContain(secret);
    expect(check.out).toContain(`-symlink -> ${secretFile}`);
    expect(check.out).toContain('+new');
    const real = await runAll(pb, ['--diff']);
    expect(real.code, real.out).toBe(0);
    for (const text of real.texts) expect(text).not.toContain(secret);
    expect(readFileSync(onHost(`${remote}/link`), 'utf8')).toBe('new\n');
    expect(readFileSync(onHost(secretFile), 'utf8')).toBe(`${secret}\n`); // the target was not written
  });
});
