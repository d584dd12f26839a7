/**
 * Task keywords and meta actions that only show with several hosts (the differential suite
 * runs one): run_once on a block and from a template, pause (first host only), end_host on one host of two, end_batch
 * with serial, clear_host_errors letting a failed host into the next play, and an include_tasks
 * loop whose items differ per host. Two hosts (node7 of the runner area, node22), unique paths.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS } from '../setup/fleet.js';
import { readJson, runCli, workDir, writeInventory } from '../setup/cli.js';

const [A, B] = [HOSTS.runner[0], HOSTS.ansibleSemantics[0]];
const DIR = `/tmp/nm-s13b-keywords-${process.pid}`;

interface Report {
  hosts: Record<string, { recap: Record<string, number>; tasks: { play: string; task: string; status: string; item?: unknown; msg?: string }[] }>;
}

let work: string;
let inv: string;
const run = async (name: string, playbook: string, extra: string[] = []): Promise<{ code: number; out: string; report: Report }> => {
  const pb = join(work, `${name}.yaml`);
  writeFileSync(pb, playbook);
  const json = join(work, `${name}.json`);
  const r = await runCli(['run', pb, '-i', inv, '--json', json, ...extra]);
  return { code: r.code, out: r.stdout + r.stderr, report: readJson<Report>(json) };
};
const tasksOf = (rep: Report, host: string, play?: string) => rep.hosts[host].tasks.filter((t) => !play || t.play === play).map((t) => `${t.task}:${t.status}`);

beforeAll(() => {
  work = workDir('runner-keywords');
  inv = writeInventory(work, [A, B]);
  writeFileSync(join(work, 'per-host.yaml'), '- name: per item\n  debug: { msg: "{{ inventory_hostname }} {{ n }}" }\n');
});

describe('several hosts', () => {
  it('run_once on a block and from a template: one host runs, every host sees the result', async () => {
    const { code, out, report } = await run(
      'once',
      `- hosts: ${A},${B}
  vars: { once: "{{ 1 == 1 }}" }
  tasks:
    - block:
        - name: block once
          command: hostname
          register: who
          changed_when: false
      run_once: true
    - name: templated once
      command: hostname
      run_once: "{{ once }}"
      changed_when: false
    - name: everyone sees it
      debug: { msg: "{{ who.stdout }}" }
`,
    );
    expect(code, out).toBe(0);
    expect(tasksOf(report, A)).toEqual(['block once:ok', 'templated once:ok', 'everyone sees it:ok']);
    expect(tasksOf(report, B)).toEqual(['everyone sees it:ok']);
    expect(report.hosts[B].tasks[0].msg).toBe(report.hosts[A].tasks[2].msg);
  });

  it('pause runs for the first host only, which alone registers (BYPASS_HOST_LOOP, not run_once)', async () => {
    const { code, out, report } = await run(
      'pause',
      `- hosts: ${A},${B}
  gather_facts: false
  tasks:
    - name: pause once
      pause: { seconds: 1 }
      register: p
    - name: who has it
      debug: { msg: "{{ p.delta | default('none') }}" }
`,
    );
    expect(code, out).toBe(0);
    expect(tasksOf(report, A)).toEqual(['pause once:ok', 'who has it:ok']);
    expect(tasksOf(report, B)).toEqual(['who has it:ok']);
    expect([report.hosts[A].tasks[1].msg, report.hosts[B].tasks[0].msg]).toEqual(['1', 'none']);
  });

  it('end_host ends the play for one host only, and the next play takes it again', async () => {
    const { code, out, report } = await run(
      'end-host',
      `- hosts: ${A},${B}
  name: first
  tasks:
    - meta: end_host
      when: inventory_hostname == '${B}'
    - name: after
      debug: { msg: x }
- hosts: ${A},${B}
  name: second
  tasks:
    - name: again
      debug: { msg: y }
`,
    );
    expect(code, out).toBe(0);
    expect(tasksOf(report, A)).toEqual(['meta end_host:skipped', 'after:ok', 'again:ok']);
    expect(tasksOf(report, B)).toEqual(['again:ok']);
    expect(report.hosts[B].recap).toMatchObject({ ok: 1, failed: 0, skipped: 0 });
  });

  it('end_batch with serial ends each batch, the next batch still runs', async () => {
    const { code, out, report } = await run(
      'end-batch',
      `- hosts: ${A},${B}
  serial: 1
  tasks:
    - name: before
      debug: { msg: x }
    - meta: end_batch
    - name: never
      debug: { msg: y }
`,
    );
    expect(code, out).toBe(0);
    for (const h of [A, B]) expect(tasksOf(report, h)).toEqual(['before:ok']);
  });

  it('clear_host_errors: a failed host is not failed any more; the next play takes it and the exit code is 0', async () => {
    const { code, out, report } = await run(
      'clear-errors',
      `- hosts: ${A},${B}
  name: first
  tasks:
    - name: fails on one
      fail: { msg: boom }
      when: inventory_hostname == '${B}'
    - meta: clear_host_errors
    - name: rest of the play
      debug: { msg: x }
- hosts: ${A},${B}
  name: second
  tasks:
    - name: next play
      debug: { msg: y }
`,
    );
    expect(code, out).toBe(0);
    expect(tasksOf(report, B)).toEqual(['fails on one:failed', 'next play:ok']);
    expect(tasksOf(report, A)).toEqual(['fails on one:skipped', 'rest of the play:ok', 'next play:ok']);
    expect(report.hosts[B].recap.failed).toBe(1);
  });

  it('include_tasks loop: items differ per host, each host runs its own', async () => {
    const { code, out, report } = await run(
      'include-loop',
      `- hosts: ${A},${B}
  tasks:
    - name: include
      include_tasks: per-host.yaml
      loop: "{{ [1, 2, 3] if inventory_hostname == '${A}' else [9] }}"
      loop_control: { loop_var: n }
`,
    );
    expect(code, out).toBe(0);
    const msgs = (h: string) => report.hosts[h].tasks.filter((t) => t.task === 'per item').map((t) => t.msg);
    expect(msgs(A)).toEqual([`${A} 1`, `${A} 2`, `${A} 3`]);
    expect(msgs(B)).toEqual([`${B} 9`]);
    expect(report.hosts[A].tasks.filter((t) => t.task === 'include').map((t) => t.item)).toEqual([1, 2, 3]);
  });

  // The inventory's become is ansible_become to tasks: a template in that variable, not the keyword, switches it off (Ansible 2.14).
  it('environment values never reach the shell unquoted, become from a template', async () => {
    const { code, out, report } = await run(
      'env-quote',
      `- hosts: ${A}
  vars: { evil: "x'; touch ${DIR}-pwned; echo '" , sudo: false }
  tasks:
    - name: env
      shell: 'printf "%s\\n" "$NM_EVIL"; id -un'
      environment: { NM_EVIL: "{{ evil }}" }
      vars: { ansible_become: "{{ sudo }}" }
      register: e
      changed_when: false
    - name: not pwned
      stat: { path: ${DIR}-pwned }
      register: p
    - assert: { that: ["not p.stat.exists", "e.stdout_lines[-1] == 'ops'"] }
`,
    );
    expect(code, out).toBe(0);
    expect(tasksOf(report, A).at(-1)).toMatch(/:ok$/);
  });
});
