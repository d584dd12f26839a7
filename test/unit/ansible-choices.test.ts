/**
 * README "Choices" that need no fleet host, each run through ansible-playbook 2.14 (Debian's, on
 * this machine) and nodemend's built CLI on the control machine itself (`connection: local`
 * hosts, and one host on 127.0.0.1:9, where nothing listens, for an unreachable one), in the same
 * way and compared: `--forks`'s default (`ansible_forks`), an unquoted `mode:`, what
 * `max_fail_percentage` counts, the exit codes, an apt_repository `--check` where Python has no
 * `apt` module (Ansible's run in a mount namespace that hides it, as test/unit/facts/distribution.test.ts
 * hides `distro`), how inventory groups of one depth are merged (`ansible-inventory`), values as
 * rendered into files (YAML 1.1 scalars) and blockinfile/lineinfile
 * on CRLF files.
 * Each tool writes only under its own temporary directory (apt_repository runs in `--check`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, readJson, runCli } from '../setup/cli.js';
import { loadTree } from './load/load-helpers.js';

const ROOT = mkdtempSync(join(tmpdir(), 'nm-choices-'));
const TOOLS = ['ansible', 'nodemend'] as const;
type Tool = (typeof TOOLS)[number];
interface Ran {
  code: number;
  out: string;
}

/** An ansible.cfg that sets nothing (so `forks` is Ansible's default) and a home of its own. */
function ansibleEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ANSIBLE_')) env[k] = v;
  const cfg = join(ROOT, 'ansible.cfg');
  writeFileSync(cfg, '[defaults]\n');
  return {
    ...env,
    ANSIBLE_CONFIG: cfg,
    ANSIBLE_HOME: join(ROOT, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(ROOT, 'ansible-tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(ROOT, 'ansible-cp'),
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
  };
}

/** Ansible's own command; with `noPythonApt`, in a mount namespace where /usr/bin/python3 finds no `apt` module. */
function ansible(cmd: string, args: string[], noPythonApt = false): Promise<Ran> {
  if (noPythonApt) {
    // An empty directory would import as a namespace package: this one fails the import, as a missing module does.
    mkdirSync(join(ROOT, 'no-apt'), { recursive: true });
    writeFileSync(join(ROOT, 'no-apt', '__init__.py'), 'raise ImportError("python3-apt hidden by the test")\n');
    [cmd, args] = ['unshare', ['--mount', 'sh', '-c', `mount --bind ${join(ROOT, 'no-apt')} ${PYTHON_APT} && exec "$@"`, 'sh', cmd, ...args]];
  }
  return new Promise((res) => {
    execFile(cmd, args, { cwd: ROOT, env: ansibleEnv(), timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: stdout + stderr });
    });
  });
}

/** The same hosts in each tool's inventory format: four local hosts in `four`, `here`, and `gone` (port 9). */
const INVENTORY: Record<Tool, string> = {
  ansible: `all:
  hosts:
    here: { ansible_connection: local }
    gone: { ansible_host: 127.0.0.1, ansible_port: 9 }
  children:
    four:
      hosts:
        a: { ansible_connection: local }
        b: { ansible_connection: local }
        c: { ansible_connection: local }
        d: { ansible_connection: local }
    mixed:
      hosts: { here: {}, gone: {} }
    budget:
      hosts: { a: {}, b: {}, c: {}, gone: {} }
`,
  nodemend: `all:
  hosts:
    here: { local: true }
    gone: { host: 127.0.0.1, port: 9, password: x, connect_timeout: 5 }
  children:
    four:
      hosts:
        a: { local: true }
        b: { local: true }
        c: { local: true }
        d: { local: true }
    mixed:
      hosts: { here: {}, gone: {} }
    budget:
      hosts: { a: {}, b: {}, c: {}, gone: {} }
`,
};

const PLAYBOOKS = {
  // forks, modes, and a failure budget: a fails in the first batch of two (1 of 2 in the batch, 1 of 4 in the play).
  main: `- hosts: here
  gather_facts: false
  tasks:
    - copy: { content: "forks={{ ansible_forks }}", dest: "{{ dir }}/forks" }
    - file: { path: "{{ dir }}/m755", state: touch, mode: 755 }
    - file: { path: "{{ dir }}/m0644", state: touch, mode: 0644 }
- hosts: four
  gather_facts: false
  serial: 2
  max_fail_percentage: 30
  tasks:
    - fail: { msg: planned }
      when: inventory_hostname == 'a'
    - file: { path: "{{ dir }}/ran-{{ inventory_hostname }}", state: touch }
`,
  mixed: `- hosts: mixed
  gather_facts: false
  tasks:
    - command: "true"
    - fail: { msg: planned }
      when: inventory_hostname == 'here'
`,
  // What max_fail_percentage counts: gone is unreachable, a fails (1 failed, 1 unreachable of 4, 40%).
  budget: `- hosts: budget
  gather_facts: false
  max_fail_percentage: 40
  tasks:
    - command: "true"
    - fail: { msg: planned }
      when: inventory_hostname == 'a'
    - file: { path: "{{ dir }}/ran-{{ inventory_hostname }}", state: touch }
- hosts: four
  gather_facts: false
  tasks:
    - file: { path: "{{ dir }}/next-{{ inventory_hostname }}", state: touch }
`,
  // serial 1: here's batch passes, gone's batch is all unreachable; then a play on four.
  lost: `- hosts: mixed
  gather_facts: false
  serial: 1
  tasks:
    - file: { path: "{{ dir }}/ran-{{ inventory_hostname }}", state: touch }
- hosts: four
  gather_facts: false
  tasks:
    - file: { path: "{{ dir }}/next-{{ inventory_hostname }}", state: touch }
`,
  misspelt: `- hosts: here
  gather_facts: false
  tasks:
    - copyy: { content: x, dest: "{{ dir }}/never" }
`,
  apt: `- hosts: here
  gather_facts: false
  tasks:
    - apt_repository: { repo: "deb http://127.0.0.1:9/nm-choices-h21j bookworm main", filename: nm-choices-h21j, update_cache: false }
      ignore_errors: true
    - apt: { name: coreutils, state: present }
      ignore_errors: true
`,
  // Values as each tool renders them (README "Choices": YAML 1.1 scalars), and CRLF files.
  values: `- hosts: here
  gather_facts: false
  vars:
    u: 027
    m: 0640
    e: 08
    sci: 1e3
    sci2: 1.5e3
    sexa: 1:30
    day: 2024-01-02
  tasks:
    - copy:
        dest: "{{ dir }}/yaml11"
        content: "{{ u }}|{{ m }}|{{ e }}|{{ sci }}|{{ sci2 }}|{{ sexa }}|{{ day }}|{{ [e, sci, sexa, day] | map('type_debug') | join(',') }}"
    - copy: { dest: "{{ dir }}/block", content: "a\\r\\n# BEGIN ANSIBLE MANAGED BLOCK\\r\\nold\\r\\n# END ANSIBLE MANAGED BLOCK\\r\\nz\\r\\n" }
    - blockinfile: { path: "{{ dir }}/block", block: new }
    - copy: { dest: "{{ dir }}/line", content: "x\\r\\ny\\r\\n" }
    - lineinfile: { path: "{{ dir }}/line", regexp: "^y", line: "Y" }
    - lineinfile: { path: "{{ dir }}/line", line: "z" }
`,
};
type Run = 'main' | 'mixed' | 'onlyUnreachable' | 'budget' | 'lost' | 'misspelt' | 'badOption' | 'aptCheck' | 'values';
const RUNS: Record<Run, { playbook: keyof typeof PLAYBOOKS; extra: string[] }> = {
  main: { playbook: 'main', extra: [] },
  mixed: { playbook: 'mixed', extra: [] },
  onlyUnreachable: { playbook: 'mixed', extra: ['--limit', 'gone'] },
  budget: { playbook: 'budget', extra: [] },
  lost: { playbook: 'lost', extra: [] },
  misspelt: { playbook: 'misspelt', extra: [] },
  badOption: { playbook: 'mixed', extra: ['--no-such-option'] },
  aptCheck: { playbook: 'apt', extra: ['--check'] },
  values: { playbook: 'values', extra: [] },
};

const PYTHON_APT = '/usr/lib/python3/dist-packages/apt';
const dirOf = (tool: Tool, run: Run): string => join(ROOT, `${tool}-${run}`);
const results = {} as Record<Tool, Record<Run, Ran>>;

beforeAll(async () => {
  assertBuilt();
  for (const tool of TOOLS) writeFileSync(join(ROOT, `inventory-${tool}.yaml`), INVENTORY[tool]);
  for (const [name, text] of Object.entries(PLAYBOOKS)) writeFileSync(join(ROOT, `${name}.yaml`), text);
  const jobs: Promise<void>[] = [];
  for (const tool of TOOLS) {
    results[tool] = {} as Record<Run, Ran>;
    for (const [run, spec] of Object.entries(RUNS) as [Run, (typeof RUNS)[Run]][]) {
      const dir = dirOf(tool, run);
      mkdirSync(dir, { recursive: true });
      const args = [join(ROOT, `${spec.playbook}.yaml`), '-i', join(ROOT, `inventory-${tool}.yaml`), '-e', `dir=${dir}`, ...spec.extra];
      const json = join(dir, 'report.json');
      const p =
        tool === 'ansible'
          ? ansible('ansible-playbook', args, run === 'aptCheck' && existsSync(PYTHON_APT))
          : runCli(['run', ...args, '--json', json], { cwd: dir }).then((r) => ({ code: r.code, out: r.stdout + r.stderr }));
      jobs.push(p.then((r) => void (results[tool][run] = r)));
    }
  }
  await Promise.all(jobs);
}, 300_000);

afterAll(() => {
  rmSync(ROOT, { recursive: true, force: true });
  rmSync('/etc/apt/sources.list.d/nm-choices-h21j.list', { force: true }); // only if a --check ever wrote it
});

const mode = (tool: Tool, file: string): string => (statSync(join(dirOf(tool, 'main'), file)).mode & 0o7777).toString(8).padStart(4, '0');

describe('--forks defaults to 50 (Ansible: 5)', () => {
  it('ansible_forks without --forks', () => {
    expect(results.ansible.main.out).toContain('PLAY RECAP');
    const forks = (tool: Tool) => readFileSync(join(dirOf(tool, 'main'), 'forks'), 'utf8');
    expect({ ansible: forks('ansible'), nodemend: forks('nodemend') }).toEqual({ ansible: 'forks=5', nodemend: 'forks=50' });
  });
});

describe('mode: 0644 and mode: 755 unquoted', () => {
  it('0644 is 0644 in both; 755 is 0755 in nodemend, where Ansible takes the decimal 755 (01363)', () => {
    expect({ m0644: mode('ansible', 'm0644'), m755: mode('ansible', 'm755') }).toEqual({ m0644: '0644', m755: '1363' });
    expect({ m0644: mode('nodemend', 'm0644'), m755: mode('nodemend', 'm755') }).toEqual({ m0644: '0644', m755: '0755' });
  });
});

describe('max_fail_percentage counts the whole play (Ansible: each batch)', () => {
  it('1 failed host of 4 (serial 2, 30%): Ansible stops at its batch (50%); nodemend runs on (25%)', () => {
    const ran = (tool: Tool) => ['a', 'b', 'c', 'd'].filter((h) => existsSync(join(dirOf(tool, 'main'), `ran-${h}`)));
    expect(ran('ansible')).toEqual([]);
    expect(ran('nodemend')).toEqual(['b', 'c', 'd']);
    expect(results.ansible.main.code).toBe(2);
    expect(results.nodemend.main.code).toBe(2);
  });
});

/** The marker files (ran-HOST, next-HOST) a run left in its directory, sorted. */
const left = (tool: Tool, run: Run): string[] =>
  readdirSync(dirOf(tool, run))
    .filter((f) => /^(ran|next)-/.test(f))
    .sort();

describe('max_fail_percentage counts failed hosts, not unreachable ones (2.14: len(tqm._failed_hosts) / batch_size)', () => {
  it('1 failed and 1 unreachable of 4 at 40%: the play and the next go on in both', () => {
    for (const tool of TOOLS) expect(left(tool, 'budget'), `${tool}: ${results[tool].budget.out}`).toEqual(['next-b', 'next-c', 'next-d', 'ran-b', 'ran-c']);
  });
});

describe('a batch whose every host failed or was unreachable ends the run (2.14 playbook_executor)', () => {
  it('serial 1: the unreachable batch stops the play and the playbook in both', () => {
    for (const tool of TOOLS) expect(left(tool, 'lost'), `${tool}: ${results[tool].lost.out}`).toEqual(['ran-here']);
    expect(results.nodemend.lost.out).toContain('STOPPED play "mixed": every host of the batch failed or was unreachable; not touched: a, b, c, d');
  });
});

describe('exit codes', () => {
  it('a failed host: 2 in both (the run above); an unreachable host alone: 4 in both', () => {
    expect(results.ansible.onlyUnreachable.code, results.ansible.onlyUnreachable.out).toBe(4);
    expect(results.nodemend.onlyUnreachable.code, results.nodemend.onlyUnreachable.out).toBe(4);
  });

  it('a failed host and an unreachable one: nodemend 2, Ansible 4', () => {
    expect(results.ansible.mixed.out).toMatch(/here\s+: ok=1 .*failed=1/);
    expect(results.ansible.mixed.out).toMatch(/gone\s+: .*unreachable=1/);
    expect(results.ansible.mixed.code).toBe(4);
    const rep = readJson(join(dirOf('nodemend', 'mixed'), 'report.json'));
    expect({ here: rep.hosts.here.status, gone: rep.hosts.gone.status }).toEqual({ here: 'failed', gone: 'unreachable' });
    expect(results.nodemend.mixed.code).toBe(2);
  });

  it('bad input: nodemend 1, no host contacted; Ansible 4 for a playbook it cannot parse, 2 for an unknown option', () => {
    expect(results.nodemend.misspelt.code, results.nodemend.misspelt.out).toBe(1);
    expect(results.nodemend.misspelt.out).toContain('unknown module "copyy"');
    expect(results.ansible.misspelt.code).toBe(4);
    expect(results.ansible.misspelt.out).toContain("couldn't resolve module/action 'copyy'");
    expect(results.nodemend.badOption.code).toBe(1);
    expect(results.ansible.badOption.code).toBe(2);
    expect(results.ansible.badOption.out).toContain('unrecognized arguments: --no-such-option');
  });
});

describe('apt_repository and apt --check need no python3-apt', () => {
  it("Ansible's check runs fail where python3 has no apt module; nodemend's predict the change (and no change)", () => {
    // Once per task: apt_repository's and apt's own words (apt would install python3-apt in a real run).
    expect(results.ansible.aptCheck.out.match(/python3-apt must be installed to use check mode/g)).toHaveLength(2);
    const rep = readJson(join(dirOf('nodemend', 'aptCheck'), 'report.json'));
    expect(rep.hosts.here.tasks.map((t: { status: string }) => t.status)).toEqual(['changed', 'ok']);
    expect(existsSync('/etc/apt/sources.list.d/nm-choices-h21j.list')).toBe(false);
  });
});

/** What the `values` run wrote to FILE, per tool. */
const wrote = (file: string): Record<Tool, string> => {
  for (const tool of TOOLS) expect(results[tool].values.code, `${tool}: ${results[tool].values.out}`).toBe(0);
  return { ansible: readFileSync(join(dirOf('ansible', 'values'), file), 'utf8'), nodemend: readFileSync(join(dirOf('nodemend', 'values'), file), 'utf8') };
};

describe('values as rendered', () => {
  it('YAML 1.2 scalars: 027, 0640, 08, 1e3, 1.5e3, 1:30 and dates read as PyYAML (YAML 1.1) does not', () => {
    expect(wrote('yaml11')).toEqual({
      ansible: '23|416|08|1e3|1.5e3|90|2024-01-02|AnsibleUnicode,AnsibleUnicode,int,date',
      nodemend: '27|640|8|1000.0|1500.0|1:30|2024-01-02|int,float,AnsibleUnicode,AnsibleUnicode',
    });
  });

  it('blockinfile on a CRLF file holding a CRLF block: nodemend replaces it, 2.14 appends a second block', () => {
    const [begin, end] = ['# BEGIN ANSIBLE MANAGED BLOCK', '# END ANSIBLE MANAGED BLOCK'];
    expect(wrote('block')).toEqual({
      ansible: `a\r\n${begin}\r\nold\r\n${end}\r\nz\r\n${begin}\nnew\n${end}\n`,
      nodemend: `a\r\n${begin}\nnew\n${end}\nz\r\n`,
    });
  });

  it("lineinfile's new and replaced lines take a CRLF file's newline style; 2.14 writes \\n", () => {
    expect(wrote('line')).toEqual({ ansible: 'x\r\nY\nz\n', nodemend: 'x\r\nY\r\nz\r\n' });
  });
});

describe('inventory', () => {
  const siblings = `all:
  children:
    zeta:
      vars: { s: zeta }
      hosts: { h3: {} }
    alpha:
      vars: { s: alpha }
      hosts: { h3: {} }
`;
  it('groups of one depth: later in the file wins in nodemend; Ansible sorts them by name', async () => {
    const out = await loadTree({ 'inventory.yaml': siblings, 'site.yaml': '- hosts: all\n  tasks: []\n' });
    expect(out.errors).toEqual([]);
    expect(out.loaded!.inventory.hosts.get('h3')!.vars.s).toBe('alpha');
    writeFileSync(join(ROOT, 'siblings.yaml'), siblings);
    const a = await ansible('ansible-inventory', ['-i', join(ROOT, 'siblings.yaml'), '--host', 'h3']);
    expect(a.code, a.out).toBe(0);
    expect(JSON.parse(a.out.slice(a.out.indexOf('{')))).toMatchObject({ s: 'zeta' });
  }, 120_000);

  it('YAML only: an INI inventory is refused before any host is contacted; Ansible reads it', async () => {
    const ini = '[web]\nw1\n';
    const out = await loadTree({ 'inventory.yaml': ini, 'site.yaml': '- hosts: all\n  tasks: []\n' });
    expect(out.loaded).toBeUndefined();
    expect(out.errors.join('\n')).toMatch(/^inventory\.yaml:\d+:\d+: /);
    writeFileSync(join(ROOT, 'inventory.ini'), ini);
    const a = await ansible('ansible-inventory', ['-i', join(ROOT, 'inventory.ini'), '--list']);
    expect(a.code, a.out).toBe(0);
    expect(JSON.parse(a.out.slice(a.out.indexOf('{'))).web).toEqual({ hosts: ['w1'] });
  }, 120_000);
});
