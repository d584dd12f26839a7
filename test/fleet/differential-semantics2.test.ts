/**
 * Runner semantics through ansible-playbook 2.14 and nodemend on the same host (node40), issue 13's
 * silent differences of this file: handlers flushed at the end of pre_tasks / tasks / post_tasks,
 * `force_handlers` (play keyword and `--force-handlers`) on a host that fails. Compared on task
 * rows (name, status, changed, handler) in run order, files and registered results, in check, run
 * and rerun. Ansible's rules (executor/play_iterator.py, strategy/linear.py, playbook/play.py):
 * each section is a block whose `always:` flushes under force_handlers, so a host that fails runs
 * what was notified so far at the end of that section and nothing after; a handler that fails ends
 * the host's handlers; unreachable hosts and any_errors_fatal run none.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'semantics2');

const sections = d.case('handlers notified in pre_tasks run when pre_tasks end', {
  play: `
    pre_tasks:
      - name: pre writes
        copy: { content: "pre\\n", dest: "{{ dir }}/pre" }
        notify: after pre
  `,
  tasks: `
    - name: reads what the handler wrote
      command: cat {{ dir }}/handled
      register: seen
      changed_when: false
      failed_when: false
      check_mode: false
  `,
  handlers: `
    - name: after pre
      copy: { content: "handled\\n", dest: "{{ dir }}/handled" }
  `,
});

// Notifying tasks report changed in every mode (a rerun notifies too); handlers write files.
const notifier = (name: string, notify: string): string => `- name: ${name}\n  debug: { msg: "${name}" }\n  changed_when: true\n  notify: ${notify}`;
const writer = (name: string): string => `- name: ${name}\n  copy: { content: "${name}\\n", dest: "{{ dir }}/${name}" }`;
const indented = (text: string, n: number): string => text.replace(/^/gm, ' '.repeat(n));

// Last case of this suite: the host fails on purpose (it leaves every later play).
const forced = d.case('force_handlers: a host whose task fails runs the handlers notified so far', {
  play: `force_handlers: true
pre_tasks:
${indented(notifier('pre notify', 'A'), 2)}
post_tasks:
${indented(notifier('post notify', 'D'), 2)}`,
  tasks: [
    notifier('notify B', 'B'),
    '- meta: flush_handlers',
    notifier('notify C1 C2 E', '[C1, C2, E]'),
    '- name: an ignored failure is no failure\n  fail: { msg: ignored }\n  ignore_errors: true',
    '- name: this fails\n  fail: { msg: boom }',
    writer('never'),
  ].join('\n'),
  handlers: [writer('A'), writer('B'), writer('E'), '- name: C1\n  fail: { msg: the handler fails }', writer('C2'), writer('D')].join('\n'),
  dumpInNextPlay: true, // its post_tasks are the case's own
  failsHost: true,
});

// The same through ansible-playbook's flag, failing in pre_tasks (its own suite: one failing host each).
const cli = differential(HOST, 'semantics2-cli', MODES, ['--force-handlers']);
const flag = cli.case('--force-handlers: a host that fails in pre_tasks runs them, then nothing more', {
  play: `pre_tasks:
${indented(notifier('pre notify', 'A'), 2)}
  - name: pre fails
    fail: { msg: boom }`,
  tasks: notifier('a task never reached', 'A'),
  handlers: writer('A'),
  failsHost: true,
});

beforeAll(async () => {
  await d.run();
  await cli.run();
}, 900_000);

describe.each(MODES)('%s', (mode) => {
  for (const c of [sections, forced, flag]) {
    it(`${c.name}: same task rows, statuses, changed flags`, () => {
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    });
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
  }

  it('the pre_tasks handler ran before the tasks (what the task read)', () => {
    const said = (r: { stdout?: string } | null | undefined): string | undefined => r?.stdout;
    expect(said(sections.nodemend[mode].registered.seen)).toBe(said(sections.ansible[mode].registered.seen));
    if (mode !== 'check') expect(said(sections.nodemend[mode].registered.seen)).toBe('handled');
  });

  const handled = mode === 'rerun' ? 'ok' : 'changed';
  it('force_handlers: A after pre_tasks, B at the flush, E and the failing C1 after the failure; C2, D and later tasks never', () => {
    const rows = forced.nodemend[mode].tasks.filter((t) => t.handler).map((t) => `${t.name}:${t.status}`);
    expect(rows).toEqual([`A:${handled}`, `B:${handled}`, `E:${handled}`, 'C1:failed']);
    expect(forced.nodemend[mode].tasks.map((t) => t.name)).not.toContain('never');
    expect(forced.nodemend[mode].exitCode).toBe(2);
    expect(forced.ansible[mode].exitCode).toBe(2);
  });

  it('--force-handlers: the pre_tasks handler ran on the failed host, no task after', () => {
    const rows = flag.nodemend[mode].tasks.map((t) => `${t.name}:${t.status}`);
    expect(rows).toEqual(['pre notify:changed', 'pre fails:failed', `A:${handled}`]);
  });
});
