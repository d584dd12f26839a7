/**
 * Ansible as its users tune it: pipelining, ControlPersist, forks = hosts, no fact
 * gathering, host keys checked against the fleet's known_hosts. Everything lives in
 * the bench work dir (ansible.cfg, control sockets, temp), nothing in ~/.ansible.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

export function ansibleVersion(): string | undefined {
  try {
    return execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return undefined;
  }
}

/** Writes ansible.cfg into `dir`; returns the environment that makes ansible-playbook use it. */
export function ansibleSetup(dir: string, forks: number, knownHosts: string): NodeJS.ProcessEnv {
  const cp = join(dir, 'cp');
  mkdirSync(cp, { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const cfg = `[defaults]
forks = ${forks}
gathering = explicit
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False
deprecation_warnings = False
local_tmp = ${join(dir, 'tmp')}

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes
control_path_dir = ${cp}
`;
  writeFileSync(join(dir, 'ansible.cfg'), cfg);
  return { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' };
}

/** PLAY RECAP lines: "node1 : ok=10 changed=8 unreachable=0 failed=0 skipped=0 ...". */
export function parseAnsibleRecap(stdout: string): Record<string, Recap> {
  const out: Record<string, Recap> = {};
  const at = stdout.lastIndexOf('PLAY RECAP');
  if (at < 0) return out;
  for (const line of stdout.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const f = Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
    out[m[1]] = { ok: f.ok ?? 0, changed: f.changed ?? 0, unreachable: f.unreachable ?? 0, failed: f.failed ?? 0, skipped: f.skipped ?? 0 };
  }
  return out;
}

/** Stop the ControlPersist masters this bench started (found by their control socket dir), by PID. */
export function stopSshMasters(controlDir: string): number {
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (/^ssh[\0:]/.test(cmd) && cmd.includes(controlDir)) {
      try {
        process.kill(Number(name), 'SIGTERM');
        n++;
      } catch {
        /* already gone */
      }
    }
  }
  return n;
}
