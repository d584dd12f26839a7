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
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { runCli, workDir } from '../setup/cli.js';
import { fleetHost, hostRoot, testFleet } from '../setup/fleet.js';
import { ansibleFleetVars, nodemendFleetConnection } from '../setup/fleet-inventories.js';

const HOSTS = ['node22', 'node40'] as const;
type Tool = 'ansible' | 'nodemend';
const TOOLS: Tool[] = ['ansible', 'nodemend'];
const P = '/tmp/nmdiff-h24d-ih';

/** A task that writes `text` (templated on the host that runs it) to the step's marker file there. */
const mark = (step: string, text: string, extra = ''): string => `
    - name: ${step}
      copy:
        dest: "${P}-{{ tool }}-${step}"
        content: |
${text
  .trim()
  .split('\n')
  .map((l) => `          ${l.trim()}`)
  .join('\n')}${extra}`;
const play = (name: string, hosts: string, keywords: string, tasks: string): string => `- name: ${JSON.stringify(name)}\n  hosts: ${hosts}\n  gather_facts: false\n${keywords}  tasks:${tasks}\n`;

interface Scenario {
  playbook: string;
  /** Every marker step the playbook has (so each is cleaned and read). */
  steps: string[];
  /** Files next to the playbook (roles/). */
  files?: Record<string, string>;
}

const roleTask = (role: string): string => `- copy:
    dest: "${P}-{{ tool }}-in-${role}"
    content: "{{ ansible_role_name }} {{ role_name }} {{ role_path | basename }} {{ ansible_play_role_names }} {{ role_names }} {{ ansible_role_names | sort }} {{ ansible_dependent_role_names }} {{ ansible_parent_role_names | default('-') }}\\n"
`;
const names = 'play={{ ansible_play_role_names }} role_names={{ role_names }} all={{ ansible_role_names | sort }} dependent={{ ansible_dependent_role_names | sort }}';

const SCENARIOS: Record<string, Scenario> = {
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

const markerPath = (tool: Tool, step: string): string => `${P}-${tool}-${step}`;
function clean(tool: Tool, steps: string[]): void {
  for (const h of HOSTS) for (const s of steps) rmSync(join(hostRoot(h), markerPath(tool, s)), { force: true });
}
function markers(tool: Tool, steps: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of steps) {
    out[s] = {};
    for (const h of HOSTS) {
      const f = join(hostRoot(h), markerPath(tool, s));
      if (existsSync(f)) out[s][h] = readFileSync(f, 'utf8');
    }
  }
  return out;
}
/** The PLAY RECAP lines both tools print: `host : ok=N changed=N unreachable=N failed=N ...`. */
function recapOf(output: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const at = output.lastIndexOf('PLAY RECAP');
  for (const line of output.slice(at).split('\n')) {
    const m = /^(\S+)\s+:\s+(ok=\d+.*)$/.exec(line.trim());
    if (m) out[m[1]] = Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
  }
  return out;
}

beforeAll(async () => {
  const work = workDir('h24d-inventory-hosts');
  writeFileSync(join(work, 'nodemend.yaml'), nodemendInventory());
  writeFileSync(join(work, 'ansible-hosts.json'), ansibleInventory());
  const env = ansibleSetup(join(work, 'ansible'), 5, testFleet().knownHosts);
  const ansible = (pb: string): Promise<{ code: number; output: string }> =>
    new Promise((res) =>
      execFile('ansible-playbook', ['-i', join(work, 'ansible-hosts.json'), join(work, pb), '-e', 'tool=ansible'], { cwd: work, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
  const nodemend = async (pb: string): Promise<{ code: number; output: string }> => {
    const r = await runCli(['run', join(work, pb), '-i', join(work, 'nodemend.yaml'), '-e', 'tool=nodemend']);
    return { code: r.code, output: r.stdout + r.stderr };
  };
  try {
    for (const [name, s] of Object.entries(SCENARIOS)) {
      writeFileSync(join(work, `${name}.yaml`), s.playbook);
      for (const [f, text] of Object.entries(s.files ?? {})) {
        mkdirSync(join(work, f, '..'), { recursive: true });
        writeFileSync(join(work, f), text);
      }
      outcomes[name] = {} as Record<Tool, Outcome>;
      for (const tool of TOOLS) {
        clean(tool, s.steps);
        const r = await (tool === 'ansible' ? ansible : nodemend)(`${name}.yaml`);
        outcomes[name][tool] = { ...r, ran: markers(tool, s.steps), recap: recapOf(r.output) };
        clean(tool, s.steps);
      }
    }
  } finally {
    stopSshMasters(join(work, 'ansible', 'cp'));
  }
}, 600_000);

const both = (name: string): Record<Tool, Outcome> => outcomes[name]!;

describe('inventory hosts as ansible-playbook 2.14 sees them (node22, node40; spare in no play; dead unreachable)', () => {
  it.each(Object.keys(SCENARIOS))('%s: the same markers with the same text on the same hosts, same exit code and recap', (name) => {
    const { ansible, nodemend } = both(name);
    expect(nodemend.ran, nodemend.output).toEqual(ansible.ran);
    expect(nodemend.code, nodemend.output).toBe(ansible.code);
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
