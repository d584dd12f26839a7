/**
 * Issue 13's deliberate differences, each run through ansible-playbook 2.14 and nodemend on the same
 * host (node22, shared: unique paths /tmp/nmdiff-h19f-*), so README "Choices" says what Ansible
 * really does and the suite asserts nodemend's documented difference against it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnsibleRunner, differential, NodemendRunner } from '../setup/ansible-differential.js';
import { workDir } from '../setup/cli.js';
import { HOSTS, hostRoot } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'h19f');

const END_NO_NL = 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK';
const blockEnd = d.case('blockinfile: the end marker on a last line without newline', {
  files: { f: END_NO_NL },
  tasks: `
    - name: replace the block
      blockinfile: { path: "{{ dir }}/f", block: new }
      register: b`,
});

const hostOutput = d.case('host output inside braces in a when: condition', {
  tasks: `
    - name: print a condition
      shell: echo "1 == 1"
      register: r
      changed_when: false
    - name: judged on host output
      debug: { msg: reached }
      when: "{{ r.stdout }}"
      register: judged
      ignore_errors: true`,
});

const stringVar = d.case('a string variable inside braces in a condition', {
  vars: { no_check: '1 == 2', yes_check: "'a' in 'cab'", flag: true },
  tasks: `
    - name: false text
      debug: { msg: one }
      when: "{{ no_check }}"
    - name: true text
      debug: { msg: two }
      when: "{{ yes_check }}"
    - name: a boolean
      debug: { msg: three }
      when: "{{ flag }}"
      register: flagged`,
});

const facts = d.case('ansible_facts before any facts are gathered', {
  tasks: `
    - name: compare
      set_fact:
        empty: "{{ ansible_facts == {} }}"
        count: "{{ ansible_facts | length }}"
      register: cmp`,
});

const includeRole = d.case('include_role and its own row', {
  controllerFiles: { 'roles/h19f_inc/tasks/main.yml': '- name: inside the role\n  debug: { msg: in }\n' },
  tasks: `
    - name: the include
      include_role: { name: h19f_inc }
    - name: after it
      debug: { msg: after }`,
});

const loopInvocation = d.case('a loop result per item', {
  tasks: `
    - name: write items
      copy: { content: "{{ item }}\\n", dest: "{{ dir }}/{{ item }}" }
      loop: [a, b]
      register: items
    - name: secret items
      copy: { content: "{{ item }}\\n", dest: "{{ dir }}/s-{{ item }}" }
      loop: [c]
      no_log: true
      register: secret`,
});

beforeAll(() => d.run(), 900_000);

describe('blockinfile: an end marker on a last line without newline (a documented difference)', () => {
  it('Ansible appends a second block; nodemend replaces the one block', () => {
    for (const mode of ['run', 'rerun'] as const) {
      expect(blockEnd.ansible[mode].files.f).toMatchObject({ content: `${END_NO_NL}\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n` });
      expect(blockEnd.nodemend[mode].files.f).toMatchObject({ content: 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nnew\n# END ANSIBLE MANAGED BLOCK\n' });
    }
  });
  it('both report a change on the run, neither on the rerun', () => {
    for (const tool of [blockEnd.ansible, blockEnd.nodemend]) {
      expect(tool.check.changed['replace the block']).toBe(true);
      expect(tool.run.changed['replace the block']).toBe(true);
      expect(tool.rerun.changed['replace the block']).toBe(false);
    }
  });
});

describe('host output inside {{ }} in a condition', () => {
  it('a real run: both fail the task and never evaluate the text', () => {
    for (const mode of ['run', 'rerun'] as const) {
      for (const tool of [hostOutput.ansible, hostOutput.nodemend]) {
        expect(tool[mode].tasks.find((t) => t.name === 'judged on host output')?.status).toBe('failed');
        expect(tool[mode].registered.judged.failed).toBe(true);
      }
      expect(hostOutput.ansible[mode].registered.judged.msg).toContain('Conditional is marked as unsafe, and cannot be evaluated');
      expect(hostOutput.nodemend[mode].registered.judged.msg).toContain('host output is never evaluated');
    }
  });
});

describe('a variable holding a string inside {{ }} in a condition', () => {
  it('the string is evaluated as the expression: same tasks and registered results', () => {
    for (const mode of ['check', 'run', 'rerun'] as const) {
      expect(stringVar.nodemend[mode].tasks).toEqual(stringVar.ansible[mode].tasks);
      expect(stringVar.nodemend[mode].registered).toEqual(stringVar.ansible[mode].registered);
    }
    expect(stringVar.ansible.run.tasks.map((t) => t.status)).toEqual(['skipped', 'ok', 'ok']);
  });
});

describe('ansible_facts before any facts are gathered (lazy facts: a documented difference)', () => {
  it('Ansible: empty with gather_facts: false; nodemend: the lazy facts are there', () => {
    for (const mode of ['check', 'run', 'rerun'] as const) {
      expect(facts.ansible[mode].registered.cmp.ansible_facts).toEqual({ empty: true, count: '0' });
      expect(facts.nodemend[mode].registered.cmp.ansible_facts.empty).toBe(false);
      expect(Number(facts.nodemend[mode].registered.cmp.ansible_facts.count)).toBeGreaterThan(10);
    }
  });
});

/**
 * Strict unknown keys: each playbook writes a first file, then has one mistake in its second task.
 * Ansible refuses a misspelt keyword or module when it parses the playbook (exit 4, no host
 * touched) but runs up to a task with an unknown module argument and fails it there (exit 2, the
 * first file written); nodemend refuses all three before any host is contacted.
 */
describe('strict unknown keys: the same playbooks through both tools', () => {
  const mistakes: [string, string, number, string, string][] = [
    ['an unknown task keyword', '      copy: { content: "b\\n", dest: "FILE-2" }\n      bogus_kw: 1', 4, 'conflicting action statements: copy, bogus_kw', ':8:7: unknown key "bogus_kw" in task'],
    [
      'an unknown module argument',
      '      copy: { content: "b\\n", dest: "FILE-2", bogus: 1 }',
      2,
      'Unsupported parameters for (ansible.legacy.copy) module: bogus',
      ':7:77: unknown argument "bogus" for module "copy"',
    ],
    ['a misspelt module', '      copyy: { content: "b\\n", dest: "FILE-2" }', 4, "couldn't resolve module/action 'copyy'", ':7:7: unknown module "copyy"'],
  ];
  it.each(mistakes)(
    '%s',
    async (label, second, ansibleExit, ansibleSays, nodemendAt) => {
      const root = hostRoot(HOST);
      for (const tool of ['ansible', 'nodemend'] as const) {
        const base = `/tmp/nmdiff-h19f-keys-${mistakes.findIndex((m) => m[0] === label)}-${tool}`;
        rmSync(join(root, base), { recursive: true, force: true });
        const work = workDir(`diff-h19f-keys-${tool}`);
        const text = [
          `- hosts: ${HOST}`,
          '  gather_facts: false',
          '  tasks:',
          '    - name: first',
          `      file: { path: "${base}", state: directory }`,
          '    - name: second',
          second.replaceAll('FILE', `${base}/f`),
          '',
        ].join('\n');
        writeFileSync(join(work, 'playbook.yaml'), text);
        mkdirSync(join(work, 'ansible'), { recursive: true });
        const runner = tool === 'ansible' ? new AnsibleRunner(work, HOST) : new NodemendRunner(work, HOST);
        try {
          const r = await runner.run('run');
          if (tool === 'ansible') {
            expect(r.exitCode, r.output).toBe(ansibleExit);
            expect(r.output).toContain(ansibleSays);
            // A parse error touches no host; an unknown argument fails only when its task runs.
            expect(existsSync(join(root, base))).toBe(ansibleExit === 2);
          } else {
            expect(r.exitCode, r.output).toBe(1);
            expect(r.output).toContain(`${join(work, 'playbook.yaml')}${nodemendAt}`);
            expect(r.output).toContain('no host was contacted');
            expect(existsSync(join(root, base))).toBe(false);
          }
        } finally {
          runner.close();
          rmSync(join(root, base), { recursive: true, force: true });
        }
      }
    },
    300_000,
  );
});

describe('include_role: the include task itself (a documented difference)', () => {
  it("Ansible's callback reports the include_role task ok; nodemend's report has the role's tasks only, in the same order", () => {
    for (const mode of ['check', 'run', 'rerun'] as const) {
      expect(includeRole.ansible[mode].tasks.map((t) => `${t.name}: ${t.status}`)).toEqual(['the include: ok', 'h19f_inc : inside the role: ok', 'after it: ok']);
      expect(includeRole.nodemend[mode].tasks).toEqual(includeRole.ansible[mode].tasks.filter((t) => t.name !== 'the include'));
    }
  });
});

describe('loop results: invocation (a documented difference)', () => {
  it("Ansible keeps each item module's invocation.module_args; nodemend registers none, the documented keys are equal", () => {
    const a = loopInvocation.ansible.run.registered.items.results;
    const n = loopInvocation.nodemend.run.registered.items.results;
    expect(a.map((r: any) => Object.keys(r.invocation))).toEqual([['module_args'], ['module_args']]);
    expect(n.some((r: any) => 'invocation' in r)).toBe(false);
    for (const mode of ['run', 'rerun'] as const) {
      for (const reg of ['items', 'secret']) {
        const keys = ['dest', 'checksum', 'md5sum', 'size', 'changed', 'mode', 'state', 'item', 'ansible_loop_var', 'failed'];
        const pick = (rs: any[]) => rs.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
        expect(pick(loopInvocation.nodemend[mode].registered[reg].results)).toEqual(pick(loopInvocation.ansible[mode].registered[reg].results));
      }
    }
  });
});
