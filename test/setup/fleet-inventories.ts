/**
 * What every multi-host differential inventory repeats to reach the test fleet: nodemend's `connection:`
 * block (under `all:`) and Ansible's connection variables for one fleet host; and running one playbook
 * through both tools against them.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ansibleSetup, stopSshMasters } from '../../bench/ansible.js';
import { runCli } from './cli.js';
import { hostRoot, testFleet } from './fleet.js';

/** `  connection:` and its settings, indented to sit under a nodemend inventory's `all:`. */
export function nodemendFleetConnection(): string {
  const f = testFleet();
  return `  connection:
    host: 127.0.0.1
    user: ops
    identity_file: ${JSON.stringify(f.key)}
    known_hosts: ${JSON.stringify(f.knownHosts)}
    connect_timeout: 5
`;
}

/** Ansible's host variables for the fleet host listening on `port`. */
export function ansibleFleetVars(port: number): Record<string, unknown> {
  return {
    ansible_host: '127.0.0.1',
    ansible_port: port,
    ansible_user: 'ops',
    ansible_ssh_private_key_file: testFleet().key,
    ansible_python_interpreter: '/usr/bin/python3',
  };
}

/** What one tool's run of a playbook gave: its exit code and its printed output (stdout, then stderr). */
export interface PlaybookRun {
  code: number;
  output: string;
}

/**
 * The same playbook of `work` run by each tool against the inventories written there (Ansible's
 * `ansibleInventory` file with `forks`, nodemend's `nodemend.yaml`), each with `-e tool=NAME` so the
 * playbook can write its findings apart. `stopAnsible` closes the ssh masters Ansible left open.
 */
export function playbookRunners(work: string, ansibleInventory: string, forks: number) {
  const env = ansibleSetup(join(work, 'ansible'), forks, testFleet().knownHosts);
  return {
    ansible: (pb: string, args: string[] = []): Promise<PlaybookRun> =>
      new Promise((res) =>
        execFile('ansible-playbook', ['-i', join(work, ansibleInventory), join(work, pb), '-e', 'tool=ansible', ...args], { cwd: work, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
          res({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
        ),
      ),
    /** `args`: more flags, the same for both tools (--check). */
    nodemend: async (pb: string, args: string[] = []): Promise<PlaybookRun> => {
      const r = await runCli(['run', join(work, pb), '-i', join(work, 'nodemend.yaml'), '-e', 'tool=nodemend', ...args]);
      return { code: r.code, output: r.stdout + r.stderr };
    },
    stopAnsible: (): void => void stopSshMasters(join(work, 'ansible', 'cp')),
  };
}

/** The PLAY RECAP lines both tools print: `host : ok=N changed=N unreachable=N failed=N ...`. */
export function recapOf(output: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const at = output.lastIndexOf('PLAY RECAP');
  for (const line of output.slice(at).split('\n')) {
    const m = /^(\S+)\s+:\s+(ok=\d+.*)$/.exec(line.trim());
    if (m) out[m[1]] = Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
  }
  return out;
}

/** One play of a multi-host playbook (YAML text): its tasks and handlers as YAML lists' text, no fact gathering. */
export function playText(name: string, hosts: string, keywords: string, tasks: string, handlers = ''): string {
  return `- name: ${JSON.stringify(name)}\n  hosts: ${hosts}\n  gather_facts: false\n${keywords}  tasks:${tasks}\n${handlers ? `  handlers:${handlers}\n` : ''}`;
}

/**
 * Marker files a multi-host playbook's steps write on each host (`PREFIX-TOOL-STEP`), to see which hosts ran
 * which step: `clean` removes a tool's before its run, `read` gives per step, per host that wrote its marker, the text.
 */
export function stepMarkers(prefix: string, hosts: readonly string[]) {
  const path = (tool: string, step: string): string => `${prefix}-${tool}-${step}`;
  return {
    path,
    /** A task (YAML text) that writes `text`, templated on the host that runs it, to the step's marker there. */
    task(step: string, text: string, extra = ''): string {
      const content = text
        .trim()
        .split('\n')
        .map((l) => `          ${l.trim()}`)
        .join('\n');
      return `\n    - name: ${step}\n      copy:\n        dest: "${prefix}-{{ tool }}-${step}"\n        content: |\n${content}${extra}`;
    },
    clean(tool: string, steps: string[]): void {
      for (const h of hosts) for (const s of steps) rmSync(join(hostRoot(h), path(tool, s)), { force: true });
    },
    read(tool: string, steps: string[]): Record<string, Record<string, string>> {
      const out: Record<string, Record<string, string>> = {};
      for (const s of steps) {
        out[s] = {};
        for (const h of hosts) {
          const f = join(hostRoot(h), path(tool, s));
          if (existsSync(f)) out[s][h] = readFileSync(f, 'utf8');
        }
      }
      return out;
    },
  };
}
