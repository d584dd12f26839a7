/**
 * The inventory a run changes, through ansible-playbook (Debian's ansible-core 2.14) and nodemend on the
 * same hosts: node22 and node40 (group `pair`, paths /tmp/nmdiff-h25b-*) and `dead` (127.0.0.1 port 1,
 * where nothing listens). Each scenario is its own playbook run, real and then --check; both tools'
 * exit codes and PLAY RECAP lines are compared in both modes, and after the real run the marker files
 * each step writes (their text: the values the step read) on each host.
 *
 * 2.14:
 *   - group_by (plugins/action/group_by.py, InventoryManager.add_dynamic_group): runs for every host
 *     without connecting; `key` with spaces made `-` (a warning names the invalid characters), under
 *     `parents` (default all); registers add_group and parent_groups; changed when the inventory changed.
 *     A group two hosts join lists them in the order their results reached the controller (forks: it
 *     varies from run to run), so the markers sort those lists; nodemend lists them in inventory order.
 *   - add_host (plugins/action/add_host.py, add_dynamic_host): BYPASS_HOST_LOOP, once for the first
 *     host (a loop: once per item); `NAME:PORT` sets ansible_ssh_port; `group` is a host variable too;
 *     the new host is reached through the variables it was given; inventory_file is None.
 *   - a play's pattern is resolved when it starts (playbook_executor.py), against the changed inventory;
 *     one that matches nothing warns "Could not match supplied host pattern, ignoring" and is skipped.
 *   - ignore_unreachable (strategy/__init__.py): the unreachable host stays in the play, its task
 *     counted ok and ignored; registered {changed: false, msg, unreachable: true} (a loop: every item tried).
 * nodemend only: a host add_host makes is refused on a host-key mismatch, as an inventory host.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, workDir } from '../setup/cli.js';
import { fleetHost, hostRoot, testFleet } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection, playbookRunners, recapOf, stepMarkers, type PlaybookRun, playText } from '../setup/fleet-inventories.js';

const HOSTS = ['node22', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
const TOOLS: Tool[] = ['ansible', 'nodemend'];
const P = '/tmp/nmdiff-h25b-dyn';

const marks = stepMarkers(P, HOSTS);
const mark = marks.task;
const play = playText;

/** add_host arguments that reach node40 for both tools (nodemend maps them to its connection settings). */
const reach40 = (): string => `ansible_host: 127.0.0.1
        ansible_user: ops
        ansible_ssh_private_key_file: ${JSON.stringify(testFleet().key)}`;

interface Scenario {
  playbook: () => string;
  /** Every marker step the playbook has (so each is cleaned and read). */
  steps: string[];
}

const SCENARIOS: Record<string, Scenario> = {
  groupby: {
    playbook: () =>
      play(
        'group_by on every host',
        'pair',
        '',
        `
    - group_by: { key: "kind {{ inventory_hostname }}", parents: [made_parent] }
      register: g1
    - group_by: { key: "kind {{ inventory_hostname }}", parents: made_parent }
      register: g2
    - group_by: { key: all_of_us }
      changed_when: false
      register: g3
    - group_by: { key: "looped_{{ item }}" }
      loop: [1, 2]
      changed_when: item == 2
      register: g4
    - name: the order of a group two hosts joined
      debug: { msg: "order={{ groups['looped_1'] }} {{ groups['made_parent'] }}" }` +
          mark(
            'gb',
            `
        g1={{ g1.changed }} {{ g1.add_group }} {{ g1.parent_groups }} {{ g1.keys() | sort }}
        g2={{ g2.changed }} g3={{ g3.changed }} {{ g3.parent_groups }}
        g4={{ g4.changed }} {{ g4.results | map(attribute='changed') | list }} {{ g4.results[1].keys() | sort }}
        names={{ group_names }}
        {% for k in groups | sort %}
        {{ k }}={{ groups[k] | sort }}
        {% endfor %}`,
          ),
      ) +
      play('a group the run made', 'kind-node40', '', mark('gb-later', '{{ inventory_hostname }} {{ group_names }} {{ ansible_play_hosts_all }} {{ from_group_vars | default("-") }}')) +
      play('intersection of made groups', 'made_parent:&looped_2', '', mark('gb-both', '{{ ansible_play_hosts_all | sort }}')) +
      play('a group no one made', 'no_such_group_yet', '', mark('gb-never', 'ran')),
    steps: ['gb', 'gb-later', 'gb-both', 'gb-never'],
  },
  addhost: {
    playbook: () =>
      play(
        'add_host once, for the first host (dead, second, fails on a1, never contacted)',
        'node22:dead',
        '',
        `
    - add_host:
        name: made
        groups: made_group,other_group
        ansible_port: ${fleetHost('node40').port}
        ${reach40()}
        made_var: 5
      register: a1
    - add_host:
        name: "made2:${fleetHost('node40').port}"
        group: [made_group]
        ${reach40()}
      register: a2
    - add_host: { name: made, made_var: 6 }
      loop: [1, 2]
      register: a3` +
          mark(
            'ah',
            `
        a1={{ a1.changed | default('-') }} {{ a1.add_host.host_name | default('-') }} {{ a1.add_host.groups | default('-') }} {{ a1.keys() | default([]) | sort }}
        a2={{ a2.add_host.host_vars | default({}) | dictsort | map('first') | list }} {{ a2.add_host.host_vars.ansible_ssh_port | default('-') }} {{ a2.add_host.groups | default('-') }}
        a3={{ a3.changed | default('-') }} {{ a3.results | default([]) | map(attribute='changed') | list }}
        made={{ hostvars['made'].made_var }} {{ hostvars['made'].group_names }} {{ hostvars['made'].inventory_file }} {{ hostvars['made2'].ansible_port | default('-') }}
        groups={{ groups['made_group'] }} {{ groups['ungrouped'] }} {{ groups['all'] }}`,
          ),
      ) +
      // One added name per machine: a second name for node40 in the same run meets the first's run lock.
      play(
        'the added hosts',
        'made_group:!made2',
        '',
        `
    - name: ah-on
      copy:
        dest: "${P}-{{ tool }}-ah-{{ inventory_hostname }}"
        content: "{{ inventory_hostname }} {{ group_names }} {{ made_var | default('-') }} {{ group | default('-') }} {{ inventory_file }} {{ ansible_play_hosts_all }}\\n"`,
      ) +
      play('an intersection of added groups', 'other_group:&made_group', '', mark('ah-other', '{{ ansible_play_hosts_all }}')),
    steps: ['ah', 'ah-made', 'ah-other'],
  },
  unreachable: {
    playbook: () =>
      play(
        'ignore_unreachable on tasks and blocks',
        'pair:dead',
        '',
        `
    - name: task level
      stat: { path: / }
      ignore_unreachable: true
      register: u1
    - name: a loop
      stat: { path: "/{{ item }}" }
      loop: [tmp, etc]
      ignore_unreachable: true
      register: u2
    - block:
        - stat: { path: / }
          register: u3
      ignore_unreachable: "{{ 1 == 1 }}"
    - name: still in the play
      set_fact: { stayed: "{{ ansible_play_hosts }}" }
    - name: not ignored
      stat: { path: / }
      when: inventory_hostname == 'dead'` +
          mark(
            'un',
            `
        u1={{ hostvars['dead'].u1.keys() | sort }} {{ hostvars['dead'].u1.changed }} {{ hostvars['dead'].u1.unreachable }}
        u2={{ hostvars['dead'].u2.keys() | sort }} {{ hostvars['dead'].u2.results | map(attribute='unreachable') | list }} {{ hostvars['dead'].u2.results[1].keys() | sort }}
        u3={{ hostvars['dead'].u3.unreachable }} stayed={{ hostvars['dead'].stayed }} now={{ ansible_play_hosts }}`,
          ),
      ),
    steps: ['un'],
  },
  unreachablePlay: {
    playbook: () =>
      play(
        'ignore_unreachable on the play',
        'dead:pair',
        '  ignore_unreachable: true\n',
        `
    - stat: { path: / }
    - name: this one not
      stat: { path: / }
      ignore_unreachable: false` + mark('up', '{{ ansible_play_hosts }}'),
      ),
    steps: ['up'],
  },
  // The exit code (strategy/__init__.py run): 4 when a host was unreachable, not under ignore_unreachable.
  ignoredOnly: {
    playbook: () =>
      play(
        'an unreachable host ignored, nothing else',
        'pair:dead',
        '',
        `
    - stat: { path: / }
      ignore_unreachable: true`,
      ) + play('after it', 'pair', '', mark('io', '{{ ansible_play_hosts_all }}')),
    steps: ['io'],
  },
  addedUnreachable: {
    playbook: () =>
      play('add a host nothing answers on', 'node22', '', `\n    - add_host: { name: gone, ansible_host: 127.0.0.1, ansible_port: 1 }`) +
      play('the added host', 'gone', '', mark('au', 'ran')) +
      play('not run: the play before lost every host', 'node40', '', mark('au-after', 'ran')),
    steps: ['au', 'au-after'],
  },
};

function nodemendInventory(): string {
  return `all:
${nodemendFleetConnection()}  hosts:
    dead: { port: 1 }
  children:
    pair:
      hosts:
        node22: { port: ${fleetHost('node22').port} }
        node40: { port: ${fleetHost('node40').port} }
`;
}

function ansibleInventory(): string {
  const port = (h: string): Record<string, unknown> => ansibleFleetVars(fleetHost(h).port);
  return JSON.stringify({
    // The interpreter for the hosts add_host makes too.
    all: { vars: { ansible_python_interpreter: '/usr/bin/python3' }, hosts: { dead: ansibleFleetVars(1) }, children: { pair: { hosts: { node22: port('node22'), node40: port('node40') } } } },
  });
}

interface Outcome {
  real: PlaybookRun;
  check: PlaybookRun;
  /** Per step, per host that wrote its marker in the real run, the marker's text. */
  ran: Record<string, Record<string, string>>;
}

const outcomes: Record<string, Record<Tool, Outcome>> = {};
/** nodemend alone: an added host whose key is not the one known_hosts holds for its address. */
let mismatch: { code: number; output: string; marker: boolean };
/** nodemend alone: `--plan-out` of a playbook that changes its inventory. */
let planned: { code: number; stderr: string; saved: boolean };

beforeAll(async () => {
  const work = workDir('h25b-dynamic-inventory');
  writeFileSync(join(work, 'nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'ansible-hosts.json'), ansibleInventory());
  // A group only group_by makes: its file applies once a host joins it.
  mkdirSync(join(work, 'group_vars'), { recursive: true });
  writeFileSync(join(work, 'group_vars', 'looped_2.yml'), 'from_group_vars: looped-2-file\n');
  const { ansible, nodemend, stopAnsible } = playbookRunners(work, 'ansible-hosts.json', 5);
  try {
    for (const [name, s] of Object.entries(SCENARIOS)) {
      writeFileSync(join(work, `${name}.yaml`), s.playbook());
      outcomes[name] = {} as Record<Tool, Outcome>;
      for (const tool of TOOLS) {
        const run = tool === 'ansible' ? ansible : nodemend;
        marks.clean(tool, s.steps);
        const real = await run(`${name}.yaml`);
        const ran = marks.read(tool, s.steps);
        marks.clean(tool, s.steps);
        const check = await run(`${name}.yaml`, ['--check']);
        marks.clean(tool, s.steps);
        outcomes[name][tool] = { real, check, ran };
      }
    }
  } finally {
    stopAnsible();
  }

  // known_hosts where node40's port holds node22's key: pair's hosts use the real file, a host add_host makes the tampered one.
  const f = testFleet();
  const lines = readFileSync(f.knownHosts, 'utf8').split('\n');
  const keyOf = (h: string): string => {
    const line = lines.find((l) => l.startsWith(`[127.0.0.1]:${fleetHost(h).port} `));
    if (!line) throw new Error(`no known_hosts line for ${h} in ${f.knownHosts}`);
    return line.split(' ').slice(1).join(' ');
  };
  const tampered = join(work, 'tampered_known_hosts');
  writeFileSync(tampered, `[127.0.0.1]:${fleetHost('node40').port} ${keyOf('node22')}\n`);
  writeFileSync(
    join(work, 'mismatch.yaml'),
    `all:
  connection: { host: 127.0.0.1, user: ops, identity_file: ${JSON.stringify(f.key)}, known_hosts: ${JSON.stringify(tampered)}, connect_timeout: 5 }
  children:
    pair:
      connection: { known_hosts: ${JSON.stringify(f.knownHosts)} }
      hosts:
        node22: { port: ${fleetHost('node22').port} }
`,
  );
  writeFileSync(
    join(work, 'mismatch-play.yaml'),
    play('add an impostor', 'node22', '', `\n    - add_host: { name: impostor, ansible_port: ${fleetHost('node40').port} }`) + play('reach it', 'impostor', '', mark('mm', 'reached')),
  );
  rmSync(join(hostRoot('node40'), marks.path('nodemend', 'mm')), { force: true });
  const r = await runCli(['run', join(work, 'mismatch-play.yaml'), '-i', join(work, 'mismatch.yaml'), '-e', 'tool=nodemend']);
  mismatch = { code: r.code, output: r.stdout + r.stderr, marker: existsSync(join(hostRoot('node40'), marks.path('nodemend', 'mm'))) };

  const p = await runCli(['run', join(work, 'groupby.yaml'), '-i', join(work, 'nodemend.yaml'), '-e', 'tool=nodemend', '--check', '--plan-out', join(work, 'gb.plan')]);
  planned = { code: p.code, stderr: p.stderr, saved: existsSync(join(work, 'gb.plan')) };
}, 900_000);

const both = (name: string): Record<Tool, Outcome> => outcomes[name]!;

describe('the inventory a run changes, as ansible-playbook 2.14 (node22, node40; dead unreachable)', () => {
  it.each(Object.keys(SCENARIOS))('%s: the same markers with the same text on the same hosts; same exit code and recap, real and --check', (name) => {
    const { ansible, nodemend } = both(name);
    expect(nodemend.ran, nodemend.real.output).toEqual(ansible.ran);
    for (const mode of ['real', 'check'] as const) {
      expect(nodemend[mode].code, nodemend[mode].output).toBe(ansible[mode].code);
      const recap = recapOf(ansible[mode].output);
      expect(Object.keys(recap).length, ansible[mode].output).toBeGreaterThan(0);
      expect(recapOf(nodemend[mode].output), nodemend[mode].output).toEqual(recap);
    }
  });

  it('group_by: what 2.14 registers and the groups it makes, later plays resolved against them; a pattern no one made warns and runs nothing', () => {
    const { ansible, nodemend } = both('groupby');
    const gb = ansible.ran.gb.node40;
    expect(gb).toContain("g1=True kind-node40 ['made_parent'] ['add_group', 'changed', 'failed', 'parent_groups']\n");
    expect(gb).toContain("g2=False g3=False ['all']\ng4=True [False, True] ['add_group', 'ansible_loop_var', 'changed', 'failed', 'item', 'parent_groups']\n");
    expect(gb).toContain("kind-node40=['node40']\nlooped_1=['node22', 'node40']\nlooped_2=['node22', 'node40']\nmade_parent=['node22', 'node40']\n");
    expect(ansible.ran['gb-later']).toEqual({ node40: "node40 ['all_of_us', 'kind-node40', 'looped_1', 'looped_2', 'made_parent', 'pair'] ['node40'] looped-2-file\n" });
    expect(ansible.ran['gb-never']).toEqual({});
    for (const tool of TOOLS) {
      const out = both('groupby')[tool].real.output.toLowerCase();
      expect(out, tool).toContain('could not match supplied host pattern, ignoring: no_such_group_yet');
      expect(out, tool).toContain('invalid characters were found in group names but not replaced');
    }
    expect(nodemend.real.output).toContain('PLAY [a group no one made] (0 hosts)');
  });

  it('add_host: once for the first host, a loop per item; its hosts reached through the variables it gave, in later plays', () => {
    const { ansible } = both('addhost');
    expect(ansible.ran.ah.node22).toContain("a1=True made ['made_group', 'other_group'] ['add_host', 'changed', 'failed']\n");
    expect(ansible.ran.ah.node22).toContain(`a3=True [True, False]\nmade=6 ['made_group', 'other_group']  -\n`);
    expect(ansible.ran.ah.node22).toContain(`groups=['made', 'made2'] ['dead'] ['dead', 'made', 'made2', 'node22', 'node40']`);
    expect(ansible.ran['ah-made']).toEqual({ node40: "made ['made_group', 'other_group'] 6 -  ['made']\n" });
    expect(ansible.ran['ah-other']).toEqual({ node40: '["made"]' });
    // register: on add_host is the first host's alone (get_task_hosts: no run_once), so `a1.keys()`
    // fails on dead before it is contacted: failed, not unreachable, and the run exits 2.
    expect(recapOf(ansible.real.output).dead).toMatchObject({ failed: 1, unreachable: 0 });
    expect(ansible.real.code).toBe(2);
  });

  it('ignore_unreachable: the host stays in the play, its task ok and ignored; registered changed false, msg, unreachable', () => {
    const { ansible } = both('unreachable');
    expect(ansible.ran.un.node22).toBe(
      "u1=['changed', 'msg', 'unreachable'] False True\nu2=['changed', 'msg', 'results', 'skipped'] [True, True] ['ansible_loop_var', 'item', 'msg', 'unreachable']\nu3=True stayed=['node22', 'node40', 'dead'] now=['node22', 'node40']\n",
    );
    expect(recapOf(ansible.real.output).dead).toEqual({ ok: 4, changed: 0, unreachable: 1, failed: 0, skipped: 0, rescued: 0, ignored: 3 });
  });

  it('exit codes: an ignored unreachable host alone exits 0; a host add_host made that is unreachable exits 4 and ends the run there', () => {
    const { ansible } = both('ignoredOnly');
    expect([ansible.real.code, ansible.check.code], ansible.real.output).toEqual([0, 0]);
    expect(recapOf(ansible.real.output).dead).toMatchObject({ ok: 1, unreachable: 0, ignored: 1 });
    const added = both('addedUnreachable').ansible;
    expect([added.real.code, added.check.code], added.real.output).toEqual([4, 4]);
    expect(recapOf(added.real.output).gone).toMatchObject({ ok: 0, unreachable: 1 });
    expect(added.ran['au-after']).toEqual({});
  });

  it('README (Choices): a group two hosts joined lists them in inventory order (2.14: the order their results arrived)', () => {
    expect(both('groupby').nodemend.real.output).toContain("order=['node22', 'node40'] ['node22', 'node40']");
    expect(both('groupby').ansible.real.output).toMatch(/order=\['node(22|40)', 'node(22|40)'\]/);
  });

  it('README (Choices): --plan-out refuses a playbook with group_by or add_host, before any host', () => {
    expect(planned.code, planned.stderr).toBe(1);
    expect(planned.stderr).toContain('--plan-out: this playbook changes its inventory (group_by, add_host) before a later play');
    expect(planned.saved).toBe(false);
    expect(planned.stderr).toContain('no host was contacted');
  });

  it('a host add_host makes whose key differs from known_hosts is refused, as an inventory host', () => {
    expect(mismatch.marker, mismatch.output).toBe(false);
    expect(mismatch.output).toMatch(/impostor[\s\S]*host key/i);
    expect(recapOf(mismatch.output).impostor).toMatchObject({ ok: 0, unreachable: 1 });
  });
});
