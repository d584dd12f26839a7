/**
 * Handler flush order and the special tags through ansible-playbook 2.14 and nodemend (node22 for
 * handlers, node40 for tags; paths /tmp/nmdiff-h22j-*), compared on task rows (name, status,
 * changed, handler) in run order, files and registered results, in check, run and rerun.
 *
 * Handlers: a flush is one pass over the handlers in definition order (2.14's play_iterator
 * HANDLERS state): a handler notified by another runs in the same flush only when it is defined
 * after the one running; one defined before (or the running one itself) waits for the next flush,
 * and never runs when notified in the play's last flush.
 * Tags: --tags tagged leaves `never` out; --skip-tags tagged / untagged skip the tagged / untagged
 * tasks; --skip-tags all still runs `always` (2.14's Taggable.evaluate_tags; the unit test
 * test/unit/run/tags-ansible.test.ts checks every combination).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, type DifferentialCase } from '../setup/ansible-differential.js';
import { itsSameAsAnsible } from '../setup/differential-same.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics[0], 'h22j-handlers');

/** A handler (or task) that reports changed, so it notifies what it names. */
const step = (name: string, notify?: string): string => `- name: ${name}\n  debug: { msg: "${name}" }\n  changed_when: true${notify ? `\n  notify: ${notify}` : ''}`;
const list = (...items: string[]): string => items.join('\n');

const chain = d.case('handlers notified in a flush: one pass in definition order', {
  tasks: step('notify A and C', '[A, C]'),
  handlers: list(step('A', 'B'), step('B'), step('C', 'A2'), step('A2')),
});

const earlier = d.case('a handler notifying an earlier one: that one runs at the next flush', {
  tasks: list(step('notify A', 'A'), '- name: flush\n  meta: flush_handlers', step('between')),
  handlers: list(step('Z'), step('A', 'Z')),
});

const last = d.case("notified during the play's last flush: an earlier handler never runs", {
  dumpInNextPlay: true,
  tasks: '[]',
  play: `post_tasks:\n${list(step('notify A', 'A'))
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`,
  handlers: list(step('Z'), step('A', '[Z, A]')),
});

const listeners = d.case('a topic heard by a handler before and one after the notifier', {
  tasks: step('notify N', 'N'),
  handlers: list('- name: L1\n  debug: { msg: L1 }\n  listen: topic', step('N', 'topic'), '- name: L2\n  debug: { msg: L2 }\n  listen: topic'),
});

/** One play's tasks for every tags run: untagged, tagged, never, never+tagged, always. */
const TAGGED = list(
  '- name: plain\n  debug: { msg: plain }\n  register: r_plain',
  '- name: tagged x\n  debug: { msg: x }\n  tags: [x]\n  register: r_x',
  '- name: never\n  debug: { msg: never }\n  tags: [never]\n  register: r_never',
  '- name: never and x\n  debug: { msg: never x }\n  tags: [never, x]\n  register: r_never_x',
  '- name: always\n  debug: { msg: always }\n  tags: [always]\n  register: r_always',
);
const HOST2 = HOSTS.ansibleSemantics2[0];
const tagRuns = (
  [
    ['--tags', 'tagged'],
    ['--skip-tags', 'tagged'],
    ['--skip-tags', 'untagged'],
    ['--skip-tags', 'all'],
  ] as const
).map(([flag, value]) => {
  const t = differential(HOST2, `h22j-tags-${flag.slice(2)}-${value}`, MODES, [flag, value]);
  return { t, args: `${flag} ${value}`, c: t.case(`${flag} ${value}`, { tasks: TAGGED, dumpTags: value === 'tagged' && flag === '--skip-tags' ? [] : ['always'] }) };
});
/** What each run runs in 2.14 (the task names, the harness's `always` dump aside). */
const RUNS: Record<string, string[]> = {
  '--tags tagged': ['tagged x', 'always'],
  '--skip-tags tagged': ['plain'],
  '--skip-tags untagged': ['tagged x', 'always'],
  '--skip-tags all': ['always'],
};

beforeAll(async () => {
  await d.run();
  for (const { t } of tagRuns) await t.run();
}, 1_200_000);

const names = (c: DifferentialCase, mode: (typeof MODES)[number], handler?: boolean): string[] =>
  c.nodemend[mode].tasks.filter((r) => (handler === undefined || r.handler === handler) && r.name !== 'differential: registered' && r.name !== 'flush').map((r) => r.name);

describe.each(MODES)('%s', (mode) => {
  itsSameAsAnsible(mode, [chain, earlier, last, listeners], { tasks: 'tasks' });
  itsSameAsAnsible(
    mode,
    tagRuns.map((r) => r.c),
    { tasks: 'tasks', registered: {} },
  );

  it('the orders themselves (as 2.14 ran them in the spot checks)', () => {
    expect(names(chain, mode, true)).toEqual(['A', 'B', 'C', 'A2']);
    expect(names(earlier, mode)).toEqual(['notify A', 'A', 'between', 'Z']);
    expect(names(last, mode, true)).toEqual(['A']);
    expect(names(listeners, mode, true)).toEqual(['N', 'L2', 'L1']);
  });

  it.each(tagRuns.map((r) => [r.args, r] as const))('%s runs what 2.14 runs', (args, r) => {
    expect(names(r.c, mode)).toEqual(RUNS[args]);
  });
});
