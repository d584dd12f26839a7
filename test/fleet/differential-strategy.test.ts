/**
 * The linear strategy's corners, through ansible-playbook (Debian's ansible-core 2.14) and nodemend
 * on the same hosts (node22 and node40, paths /tmp/nmdiff-h23f-*; `dead` is 127.0.0.1 port 1, where
 * nothing listens: unreachable in both). Each scenario is its own playbook run; both tools' exit
 * codes, PLAY RECAP lines and marker files (which task and handler ran on which host) are compared.
 *
 * 2.14 (plugins/strategy/linear.py, executor/play_iterator.py, executor/playbook_executor.py):
 *   - any_errors_fatal (the play's, a block's or a task's) or run_once (not ignore_errors): a failed
 *     *or unreachable* host ends the play on every host and no later play runs; handlers notified
 *     so far do not run, force_handlers or not; the run exits 2 (RUN_FAILED_BREAK_PLAY → FAILED_HOSTS).
 *   - a failure a block's rescue takes, or its own always runs after, is not fatal
 *     (iterator.is_failed is false in those states); ignore_errors turns it off.
 *   - serial: the fatal failure also ends the later batches.
 *   - a notified name reaches one handler by name (search_handler_blocks_by_name: the last handler
 *     block that has one, the first in it) and every handler listening on it.
 *   - a task that fails notifies nothing (unless ignored).
 *   - notifying a handler that does not exist: 2.14 fails the run when the task changes; nodemend
 *     refuses the playbook at validate (README "Choices").
 * A single-host part (the differential harness, node22) compares debug `var:` results, command's
 * registered check-mode msg and the exec format error of a script without `#!`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workDir } from '../setup/cli.js';
import { fleetHost } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection, playbookRunners, recapOf, playText, stepMarkers } from '../setup/fleet-inventories.js';
import { differential, sameKeys } from '../setup/ansible-differential.js';

const HOSTS = ['node22', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
const TOOLS: Tool[] = ['ansible', 'nodemend'];
const P = '/tmp/nmdiff-h23f-st';

/** A task that leaves a marker file on the host that runs it. */
const mark = (step: string, extra = ''): string => `
    - name: ${step}
      copy: { dest: "${P}-{{ tool }}-${step}", content: "{{ inventory_hostname }}\\n" }${extra}`;
const handler = (name: string, step: string, extra = ''): string => `
    - name: ${name}
      copy: { dest: "${P}-{{ tool }}-${step}", content: "{{ inventory_hostname }}\\n" }${extra}`;
const fails = (name: string, when: string, extra = ''): string => `
    - name: ${name}
      command: /bin/false
      when: ${when}${extra}`;
const play = playText;

interface Scenario {
  playbook: string;
  /** Every marker step the playbook has (so each is cleaned and read). */
  steps: string[];
}

const SCENARIOS: Record<string, Scenario> = {
  unreachable: {
    playbook:
      play('any_errors_fatal, a host unreachable', 'all', '  any_errors_fatal: true\n', mark('u-t1', '\n      notify: u-h') + mark('u-t2'), handler('u-h', 'u-h')) +
      play('after the fatal play', 'all', '', mark('u-p2')),
    steps: ['u-t1', 'u-t2', 'u-h', 'u-p2'],
  },
  once: {
    playbook:
      play('a run_once task fails', 'node22,node40', '', mark('o-t1', '\n      notify: o-h') + fails('once fails', 'true', '\n      run_once: true') + mark('o-t3'), handler('o-h', 'o-h')) +
      play('after the run_once play', 'node22,node40', '', mark('o-p2')),
    steps: ['o-t1', 'o-t3', 'o-h', 'o-p2'],
  },
  caught: {
    playbook:
      play(
        'rescued, ignored, always: not fatal',
        'node22,node40',
        '  any_errors_fatal: true\n',
        `
    - block:${fails('fails on node22, rescued', "inventory_hostname == 'node22'").replace(/\n/g, '\n    ')}
      rescue:${mark('c-rescue').replace(/\n/g, '\n    ')}${fails('fails on node40, ignored', "inventory_hostname == 'node40'", '\n      ignore_errors: true')}
    - block:${fails('fails on node22, then always', "inventory_hostname == 'node22'").replace(/\n/g, '\n    ')}
      always:${mark('c-always').replace(/\n/g, '\n    ')}${mark('c-after')}`,
      ) + play('after the caught play', 'node22,node40', '', mark('c-p2')),
    steps: ['c-rescue', 'c-always', 'c-after', 'c-p2'],
  },
  blockfatal: {
    playbook:
      play(
        'any_errors_fatal on a block, force_handlers',
        'node22,node40',
        '  force_handlers: true\n',
        `${mark('b-t1', '\n      notify: b-h')}
    - any_errors_fatal: true
      block:${fails('fails on node40', "inventory_hostname == 'node40'").replace(/\n/g, '\n    ')}${mark('b-after')}`,
        handler('b-h', 'b-h'),
      ) + play('after the block play', 'node22,node40', '', mark('b-p2')),
    steps: ['b-t1', 'b-h', 'b-after', 'b-p2'],
  },
  serial: {
    playbook:
      play(
        'any_errors_fatal on a task, serial 2',
        'node22,node40,dead',
        '  serial: 2\n',
        fails('fails on node40, fatal', "inventory_hostname == 'node40'", '\n      any_errors_fatal: true') + mark('s-t2'),
      ) + play('after the serial play', 'node22,node40', '', mark('s-p2')),
    steps: ['s-t2', 's-p2'],
  },
  handlers: {
    playbook: play(
      'handler names and topics',
      'node22,node40',
      '',
      `
    - name: notify dup
      command: "true"
      notify: dup
    - name: notify restart
      command: "true"
      notify: restart
    - name: notify, then fail on node22 (ignored)
      command: /bin/false
      changed_when: true
      notify: hf
      when: inventory_hostname == 'node22'
      ignore_errors: true
    - name: notify on node40
      command: "true"
      notify: hf
      when: inventory_hostname == 'node40'`,
      `
    - block:${handler('dup', 'hd-x').replace(/\n/g, '\n    ')}${handler('dup', 'hd-a')}${handler('dup', 'hd-b')}${handler('restart', 'hd-name')}${handler('listener', 'hd-listen', '\n      listen: restart')}${handler('hf', 'hd-failed')}`,
    ),
    steps: ['hd-x', 'hd-a', 'hd-b', 'hd-name', 'hd-listen', 'hd-failed'],
  },
};

const MISSING = play('notify a handler that is not there', 'node22', '', `\n    - name: notify nosuch\n      command: "true"\n      notify: nosuch`);

function nodemendInventory(): string {
  return `all:
${nodemendFleetConnection()}  hosts:
    node22: { port: ${fleetHost('node22').port} }
    node40: { port: ${fleetHost('node40').port} }
    dead: { port: 1 }
`;
}

function ansibleInventory(): string {
  return JSON.stringify({ all: { hosts: { node22: ansibleFleetVars(fleetHost('node22').port), node40: ansibleFleetVars(fleetHost('node40').port), dead: ansibleFleetVars(1) } } });
}

interface Outcome {
  code: number;
  output: string;
  /** Per step, the hosts that left its marker. */
  ran: Record<string, string[]>;
  /** PLAY RECAP counts by host. */
  recap: Record<string, Record<string, number>>;
}
const outcomes: Record<string, Record<Tool, Outcome>> = {};

const marks = stepMarkers(P, HOSTS);

beforeAll(async () => {
  const work = workDir('h23f-strategy');
  writeFileSync(join(work, 'nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'ansible-hosts.json'), ansibleInventory());
  const { ansible, nodemend, stopAnsible } = playbookRunners(work, 'ansible-hosts.json', 5);
  try {
    for (const [name, s] of Object.entries(SCENARIOS)) {
      writeFileSync(join(work, `${name}.yaml`), s.playbook);
      outcomes[name] = {} as Record<Tool, Outcome>;
      for (const tool of TOOLS) {
        marks.clean(tool, s.steps);
        const r = await (tool === 'ansible' ? ansible : nodemend)(`${name}.yaml`);
        const ran = Object.fromEntries(Object.entries(marks.read(tool, s.steps)).map(([step, byHost]) => [step, Object.keys(byHost)]));
        outcomes[name][tool] = { ...r, ran, recap: recapOf(r.output) };
        marks.clean(tool, s.steps);
      }
    }
    writeFileSync(join(work, 'missing.yaml'), MISSING);
    outcomes.missing = {
      ansible: { ...(await ansible('missing.yaml')), ran: {}, recap: {} },
      nodemend: { ...(await nodemend('missing.yaml')), ran: {}, recap: {} },
    };
  } finally {
    stopAnsible();
  }
}, 600_000);

const both = (name: string): Record<Tool, Outcome> => outcomes[name]!;

describe('the linear strategy, as ansible-playbook 2.14 runs it (node22, node40, an unreachable host)', () => {
  it.each(Object.keys(SCENARIOS))('%s: the same tasks and handlers ran on the same hosts, same exit code and recap', (name) => {
    const { ansible, nodemend } = both(name);
    expect(nodemend.ran, nodemend.output).toEqual(ansible.ran);
    expect(nodemend.code, nodemend.output).toBe(ansible.code);
    // nodemend also lists the hosts of a batch that never started, all counters 0; 2.14 leaves them out.
    const shown = Object.keys(ansible.recap);
    expect(shown.length, ansible.output).toBeGreaterThan(0);
    expect(Object.fromEntries(shown.map((h) => [h, nodemend.recap[h]])), nodemend.output).toEqual(ansible.recap);
  });

  it('any_errors_fatal with a host unreachable: the rest of the play, its handlers and the next play never run; exit 2', () => {
    const { ansible, nodemend } = both('unreachable');
    expect(ansible.ran).toEqual({ 'u-t1': ['node22', 'node40'], 'u-t2': [], 'u-h': [], 'u-p2': [] });
    expect([ansible.code, ansible.recap.dead?.unreachable]).toEqual([2, 1]);
    expect(nodemend.output).toContain('STOPPED play "any_errors_fatal, a host unreachable": any_errors_fatal: dead was unreachable');
  });

  it('a run_once task that fails is fatal to the whole play and the run', () => {
    const { ansible, nodemend } = both('once');
    expect(ansible.ran).toEqual({ 'o-t1': ['node22', 'node40'], 'o-t3': [], 'o-h': [], 'o-p2': [] });
    expect(ansible.recap.node40).toMatchObject({ ok: 1, failed: 0 });
    expect(nodemend.output).toContain('run_once: node22 failed at "once fails"');
  });

  it('a rescued failure, an ignored one and one its block always follows are not fatal', () => {
    const { ansible } = both('caught');
    expect(ansible.ran).toEqual({ 'c-rescue': ['node22'], 'c-always': ['node22', 'node40'], 'c-after': ['node40'], 'c-p2': ['node40'] });
    expect(ansible.code).toBe(2);
  });

  it('any_errors_fatal on a block ends the play; force_handlers runs no handler then', () => {
    const { ansible } = both('blockfatal');
    expect(ansible.ran).toEqual({ 'b-t1': ['node22', 'node40'], 'b-h': [], 'b-after': [], 'b-p2': [] });
  });

  it('under serial, a fatal failure ends the batch on every host and no later batch starts', () => {
    const { ansible, nodemend } = both('serial');
    expect(ansible.ran).toEqual({ 's-t2': [], 's-p2': [] });
    expect(ansible.recap.dead).toBeUndefined();
    expect(nodemend.output).toMatch(/STOPPED play "any_errors_fatal on a task, serial 2": any_errors_fatal: node40 failed at "fails on node40, fatal"; not touched: dead/);
  });

  it('a name reaches the first handler of the last handler block that has it, and every listener; a failed task notifies nothing, even ignored', () => {
    const { ansible } = both('handlers');
    expect(ansible.ran).toEqual({ 'hd-x': [], 'hd-a': ['node22', 'node40'], 'hd-b': [], 'hd-name': ['node22', 'node40'], 'hd-listen': ['node22', 'node40'], 'hd-failed': ['node40'] });
  });

  it('a notify naming no handler: 2.14 fails the run when it fires, nodemend refuses the playbook before any host (README "Choices")', () => {
    const { ansible, nodemend } = both('missing');
    expect(ansible.code).not.toBe(0);
    expect(ansible.output).toContain("The requested handler 'nosuch' was not found in either the main handlers list nor in the listening handlers list");
    expect(nodemend.code).not.toBe(0);
    expect(nodemend.output).toContain('no handler named "nosuch" in play "notify a handler that is not there"');
    expect(nodemend.output).toContain('no host was contacted');
  });
});

// ---------------------------------------------------------------- one host: debug var, command's check msg, exec format

const d = differential('node22', 'h23f');

const debugVar = d.case('debug var is templated as 2.14 and registers no msg', {
  vars: { dd: { a: 1, b: ['x', 'y'] }, i: 1, sl: '[1, 2]', s: 'str' },
  tasks: `
    - debug: { var: dd }
      register: v_dict
    - debug: { var: dd.a }
      register: v_attr
    - debug: { var: "dd['b']" }
      register: v_sub
    - debug: { var: undefined_x }
      register: v_undef
    - debug: { var: "{{ dd }}" }
      register: v_tmpl
    - debug: { var: "{{ i }}" }
      register: v_tmpl_int
    - debug: { var: "i + 1" }
      register: v_expr
    - debug: { var: i }
      register: v_int
    - debug: { var: sl }
      register: v_text
    - debug: { var: s }
      register: v_str`,
});

const commands = d.case("command and shell register 2.14's msg in --check", {
  tasks: `
    - name: command
      command: echo hi
      register: k_cmd
    - name: shell
      shell: echo hi
      register: k_sh`,
});

const execFormat = d.case('a script without #! run by command fails as execve does (ENOEXEC)', {
  files: { 'noshebang.sh': { content: 'echo hi\n', mode: '0755' } },
  tasks: `
    - name: run it
      command: "{{ dir }}/noshebang.sh"
      register: x_exec
      ignore_errors: true`,
});

beforeAll(() => d.run(), 600_000);

describe('debug var, command in --check, exec format error (node22, as ansible-playbook 2.14)', () => {
  it.each(['check', 'run', 'rerun'] as const)('%s: debug var registers what 2.14 registers', (mode) => {
    const a = debugVar.ansible[mode].registered;
    expect(debugVar.nodemend[mode].registered).toEqual(a);
    expect(a.v_dict).toEqual({ dd: { a: 1, b: ['x', 'y'] }, changed: false, failed: false });
    expect(a.v_attr).toMatchObject({ 'dd.a': '1' });
    expect(a.v_tmpl).toMatchObject({ "<class 'dict'>": 'VARIABLE IS NOT DEFINED!' });
  });

  it('--check: the registered msg is 2.14\'s; nodemend still reports the command as a change (README "Choices")', () => {
    for (const reg of ['k_cmd', 'k_sh']) {
      const [n, a] = sameKeys(commands.nodemend.check.registered[reg], commands.ansible.check.registered[reg], ['msg', 'rc', 'stdout', 'stdout_lines', 'cmd', 'start', 'delta']);
      expect(n, reg).toEqual(a);
      expect(a.msg).toBe('Command would have run if not in check mode');
      expect(commands.ansible.check.registered[reg]).toMatchObject({ changed: false, skipped: true });
      expect(commands.nodemend.check.registered[reg]).toMatchObject({ changed: true });
    }
  });

  it.each(['run', 'rerun'] as const)('%s: the command runs, its registered keys as 2.14', (mode) => {
    for (const reg of ['k_cmd', 'k_sh']) {
      const [n, a] = sameKeys(commands.nodemend[mode].registered[reg], commands.ansible[mode].registered[reg], ['msg', 'rc', 'stdout', 'cmd', 'changed']);
      expect(n, reg).toEqual(a);
    }
  });

  it.each(['run', 'rerun'] as const)('%s: a script without #! fails with [Errno 8] Exec format error, rc 8, nothing run', (mode) => {
    const keys = ['rc', 'msg', 'failed', 'changed', 'cmd', 'stdout', 'stderr', 'stdout_lines'];
    const [n, a] = sameKeys(execFormat.nodemend[mode].registered.x_exec, execFormat.ansible[mode].registered.x_exec, keys);
    expect(n).toEqual(a);
    expect(a).toMatchObject({ rc: 8, failed: true, msg: "[Errno 8] Exec format error: b'<dir>/noshebang.sh'" });
    expect(execFormat.nodemend[mode].tasks).toEqual(execFormat.ansible[mode].tasks);
  });
});
