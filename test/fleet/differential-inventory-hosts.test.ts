/**
 * Inventory and host semantics through ansible-playbook (Debian's ansible-core 2.14) and nodemend on the
 * same hosts: node22 and node40 (group `pair`, paths /tmp/nmdiff-h24d-*), `spare` (an inventory host in
 * no play: 192.0.2.7, never contacted) and `dead` (127.0.0.1 port 1, where nothing listens). Each
 * scenario is its own playbook run; both tools' exit codes, PLAY RECAP lines and the marker files each
 * step writes on each host (their text: the values the step read) are compared.
 *
 * 2.14:
 *   - `hostvars` holds every inventory host, in a play yet or not (vars/hostvars.py: HostVars reads the
 *     inventory, InventoryData.get_host makes `localhost` on demand and counts it from then on): its
 *     inventory variables, group_names, ansible_host...; facts only once gathered (`ansible_facts` {}).
 *   - a public include_role adds its role to the play's roles when loaded (playbook/role_include.py
 *     get_block_list: `if self.statically_loaded or self.public: myplay.roles.append(...)`), so later
 *     tasks' ansible_play_role_names / role_names / ansible_role_names (with its dependencies) name it; a
 *     private include_role adds nothing; the next play starts from its own roles.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workDir } from '../setup/cli.js';
import { fleetHost } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection, playbookRunners, recapOf, stepMarkers, playText } from '../setup/fleet-inventories.js';

const HOSTS = ['node22', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
const TOOLS: Tool[] = ['ansible', 'nodemend'];
const P = '/tmp/nmdiff-h24d-ih';

const marks = stepMarkers(P, HOSTS);
const mark = marks.task;
const play = playText;

interface Scenario {
  playbook: string;
  /** Every marker step the playbook has (so each is cleaned and read). */
  steps: string[];
  /** Exit codes that differ by a README "Choices" bullet (else both tools' must be equal). */
  exitCodes?: Record<Tool, number>;
  /** Files next to the playbook (roles/). */
  files?: Record<string, string>;
}

const roleTask = (role: string): string => `- copy:
    dest: "${P}-{{ tool }}-in-${role}"
    content: "{{ ansible_role_name }} {{ role_name }} {{ role_path | basename }} {{ ansible_play_role_names }} {{ role_names }} {{ ansible_role_names | sort }} {{ ansible_dependent_role_names }} {{ ansible_parent_role_names | default('-') }}\\n"
`;
const names = 'play={{ ansible_play_role_names }} role_names={{ role_names }} all={{ ansible_role_names | sort }} dependent={{ ansible_dependent_role_names | sort }}';

const SCENARIOS: Record<string, Scenario> = {
  once: {
    playbook: play(
      'run_once: register and facts reach the batch but its unreachable hosts; notify only its own host',
      'pair:dead',
      '',
      `
    - name: dead is unreachable here
      command: "true"
    - block:
        - command: /bin/false
          when: inventory_hostname == 'node22'
      rescue:
        - name: in the rescue (node22 alone), once
          command: echo rescued
          run_once: true
          register: in_rescue
          notify: h-rescue
        - set_fact: { rescue_fact: "{{ inventory_hostname }}" }
          run_once: true
    - name: node40 fails
      command: /bin/false
      when: inventory_hostname == 'node40'
    - name: once after node40 failed
      command: echo after
      run_once: true
      register: after_fail
      notify: h-after
    - set_fact: { after_fact: "{{ inventory_hostname }}" }
      run_once: true` +
        mark(
          'o-seen',
          `
        rescue={{ in_rescue.stdout | default('-') }} fact={{ rescue_fact | default('-') }}
        node40: rescue={{ hostvars['node40'].in_rescue.stdout | default('-') }} after={{ hostvars['node40'].after_fail.stdout | default('-') }} fact={{ hostvars['node40'].after_fact | default('-') }}
        dead: after={{ hostvars['dead'].after_fail.stdout | default('-') }} fact={{ hostvars['dead'].after_fact | default('-') }}`,
        ),
      `${mark('o-h-rescue', '{{ inventory_hostname }}').replace('name: o-h-rescue', 'name: h-rescue')}${mark('o-h-after', '{{ inventory_hostname }}').replace('name: o-h-after', 'name: h-after')}`,
    ),
    steps: ['o-seen', 'o-h-rescue', 'o-h-after'],
    // README "Choices", Exit codes: one host failed and another unreachable is 2 in nodemend, 4 in 2.14.
    exitCodes: { ansible: 4, nodemend: 2 },
  },
  hostvars: {
    playbook: play(
      'hostvars holds every inventory host',
      'pair',
      '',
      mark(
        'hv',
        `
        inv_only={{ hostvars['spare'].inv_only }} group={{ hostvars['spare'].spare_group_var }} all={{ hostvars['spare'].everyone }}
        in={{ 'spare' in hostvars }} nosuch={{ 'nosuch' in hostvars }} localhost={{ 'localhost' in hostvars }}
        length={{ hostvars | length }} list={{ hostvars | list | sort }}
        groups={{ hostvars['spare'].group_names }} name={{ hostvars['spare'].inventory_hostname }} short={{ hostvars['spare'].inventory_hostname_short }}
        host={{ hostvars['spare'].ansible_host }} port={{ hostvars['spare'].ansible_port }}
        facts={{ hostvars['spare'].ansible_facts }} default={{ hostvars['spare'].nothing | default('-') }} other={{ hostvars['node40'].inv_only | default('-') }}
        {% for h in groups['all'] %}
        {{ hostvars[h].ansible_host }} {{ h }}
        {% endfor %}
        lb={{ groups['spares'] | map('extract', hostvars, 'ansible_host') | list }}`,
      ),
    ),
    steps: ['hv'],
  },
  roles: {
    playbook:
      play(
        'role names and include_role',
        'pair',
        '  roles: [rv]\n',
        mark('r-start', names) +
          `
    - include_role: { name: rz }` +
          mark('r-private', names) +
          `
    - include_role: { name: rw, public: true }` +
          mark('r-public', names) +
          `
    - include_role: { name: rw, public: true }` +
          mark('r-again', names),
      ) + play('the next play', 'pair', '', mark('r-next', names)),
    steps: ['r-start', 'r-private', 'r-public', 'r-again', 'r-next', 'in-rv', 'in-rz', 'in-rw', 'in-rd', 'in-rn'],
    files: {
      'roles/rv/tasks/main.yml': roleTask('rv'),
      'roles/rz/tasks/main.yml': roleTask('rz'),
      'roles/rw/tasks/main.yml': roleTask('rw') + '- include_role: { name: rn }\n',
      'roles/rw/meta/main.yml': 'dependencies: [rd]\nallow_duplicates: true\n',
      'roles/rd/tasks/main.yml': roleTask('rd'),
      'roles/rn/tasks/main.yml': roleTask('rn'),
    },
  },
};

function nodemendInventory(): string {
  return `all:
${nodemendFleetConnection()}  vars: { everyone: all-var }
  hosts:
    dead: { port: 1 }
  children:
    pair:
      hosts:
        node22: { port: ${fleetHost('node22').port} }
        node40: { port: ${fleetHost('node40').port} }
    spares:
      vars: { spare_group_var: from-group }
      hosts:
        spare: { host: 192.0.2.7, port: 2222, vars: { inv_only: from_inventory } }
`;
}

function ansibleInventory(): string {
  const port = (h: string): Record<string, unknown> => ansibleFleetVars(fleetHost(h).port);
  return JSON.stringify({
    all: {
      vars: { everyone: 'all-var' },
      hosts: { dead: ansibleFleetVars(1) },
      children: {
        pair: { hosts: { node22: port('node22'), node40: port('node40') } },
        spares: { vars: { spare_group_var: 'from-group' }, hosts: { spare: { ...ansibleFleetVars(2222), ansible_host: '192.0.2.7', inv_only: 'from_inventory' } } },
      },
    },
  });
}

interface Outcome {
  code: number;
  output: string;
  /** Per step, per host that wrote its marker, the marker's text. */
  ran: Record<string, Record<string, string>>;
  /** PLAY RECAP counts by host. */
  recap: Record<string, Record<string, number>>;
}
const outcomes: Record<string, Record<Tool, Outcome>> = {};

beforeAll(async () => {
  const work = workDir('h24d-inventory-hosts');
  writeFileSync(join(work, 'nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'ansible-hosts.json'), ansibleInventory());
  const { ansible, nodemend, stopAnsible } = playbookRunners(work, 'ansible-hosts.json', 5);
  try {
    for (const [name, s] of Object.entries(SCENARIOS)) {
      writeFileSync(join(work, `${name}.yaml`), s.playbook);
      for (const [f, text] of Object.entries(s.files ?? {})) {
        mkdirSync(join(work, f, '..'), { recursive: true });
        writeFileSync(join(work, f), text);
      }
      outcomes[name] = {} as Record<Tool, Outcome>;
      for (const tool of TOOLS) {
        marks.clean(tool, s.steps);
        const r = await (tool === 'ansible' ? ansible : nodemend)(`${name}.yaml`);
        outcomes[name][tool] = { ...r, ran: marks.read(tool, s.steps), recap: recapOf(r.output) };
        marks.clean(tool, s.steps);
      }
    }
  } finally {
    stopAnsible();
  }
}, 600_000);

const both = (name: string): Record<Tool, Outcome> => outcomes[name]!;

describe('inventory hosts as ansible-playbook 2.14 sees them (node22, node40; spare in no play; dead unreachable)', () => {
  it.each(Object.keys(SCENARIOS))('%s: the same markers with the same text on the same hosts, same exit code and recap', (name) => {
    const { ansible, nodemend } = both(name);
    expect(nodemend.ran, nodemend.output).toEqual(ansible.ran);
    const codes = SCENARIOS[name].exitCodes;
    expect([ansible.code, nodemend.code], nodemend.output).toEqual(codes ? [codes.ansible, codes.nodemend] : [ansible.code, ansible.code]);
    const shown = Object.keys(ansible.recap);
    expect(shown.length, ansible.output).toBeGreaterThan(0);
    expect(Object.fromEntries(shown.map((h) => [h, nodemend.recap[h]])), nodemend.output).toEqual(ansible.recap);
  });

  it('hostvars: a host in no play has its inventory, group and all vars, no facts; every inventory host and localhost are counted', () => {
    const { ansible } = both('hostvars');
    const hv = ansible.ran.hv.node22;
    expect(ansible.ran.hv.node40).toBe(hv);
    expect(hv).toContain('inv_only=from_inventory group=from-group all=all-var\n');
    expect(hv).toContain("in=True nosuch=False localhost=True\nlength=5 list=['dead', 'localhost', 'node22', 'node40', 'spare']\n");
    expect(hv).toContain("groups=['spares'] name=spare short=spare\nhost=192.0.2.7 port=2222\nfacts={} default=- other=-\n");
    expect(hv).toContain("127.0.0.1 dead\n127.0.0.1 node22\n127.0.0.1 node40\n192.0.2.7 spare\nlb=['192.0.2.7']");
  });

  it('run_once: its register and facts reach the hosts of the batch that failed or were not in its rescue, not an unreachable one; its notify only its own host', () => {
    const { ansible } = both('once');
    expect(ansible.ran['o-seen']).toEqual({ node22: 'rescue=rescued fact=node22\nnode40: rescue=rescued after=after fact=node22\ndead: after=- fact=-\n' });
    expect(ansible.ran['o-h-rescue']).toEqual({ node22: 'node22\n' });
    expect(ansible.ran['o-h-after']).toEqual({ node22: 'node22\n' });
  });

  it('role names: a public include_role adds its role (and its dependencies) for the rest of the play, a private one adds nothing', () => {
    const { ansible } = both('roles');
    const at = (step: string): string => ansible.ran[step].node22;
    expect(at('r-start')).toBe("play=['rv'] role_names=['rv'] all=['rv'] dependent=[]\n");
    expect(at('r-private')).toBe(at('r-start'));
    expect(at('r-public')).toBe("play=['rv', 'rw'] role_names=['rv', 'rw'] all=['rd', 'rv', 'rw'] dependent=['rd']\n");
    expect(at('r-again')).toBe("play=['rv', 'rw', 'rw'] role_names=['rv', 'rw', 'rw'] all=['rd', 'rv', 'rw'] dependent=['rd']\n");
    expect(at('r-next')).toBe('play=[] role_names=[] all=[] dependent=[]\n');
    expect(at('in-rn')).toMatch(/^rn rn rn .* \['rw'\]\n$/);
  });
});
