/**
 * One timed run of each tool over the first N fleet hosts, with its outcome checked:
 * every host ran all B1 tasks without failure, and changed exactly what it should
 * (the first run on reset hosts: every non-probe task; the rerun: nothing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAnsibleRecap, type Recap } from './ansible.js';
import { measure, treeCpuMs, untilQuiet, type Measured } from './proc-sampler.js';
import { TASKS_PER_HOST } from './workload.js';

export interface RunFigures extends Measured {
  hosts: number;
  /** Sum of changed over all hosts, from the tool's own report. */
  changed: number;
  /** Outcome problems (failed/unreachable hosts, wrong changed counts, bad exit code). */
  problems: string[];
  /** CPU the hosts spent (sshd, sudo, shells, the tool's remote work), from their process trees. */
  hostCpuMs: number;
}

/** Measure `run` and the CPU the hosts under `hostRoots` spent meanwhile (once the machine is quiet). */
async function withHostCpu(hostRoots: number[], run: () => Promise<Measured>): Promise<Measured & { hostCpuMs: number }> {
  await untilQuiet();
  const before = treeCpuMs(hostRoots);
  const m = await run();
  // sshd reaps a session a moment after the client is gone: let that land in the tree's counters.
  await new Promise((r) => setTimeout(r, 300));
  return { ...m, hostCpuMs: treeCpuMs(hostRoots) - before };
}

const CLI = join(import.meta.dirname, '..', 'nodemend.mjs'); // the bundled CLI users run

function judge(tool: string, recap: Record<string, Recap>, hosts: string[], wantChanged: number, m: Measured & { hostCpuMs: number }): RunFigures {
  const problems: string[] = [];
  if (m.exitCode !== 0) problems.push(`${tool} exited ${m.exitCode}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  let changed = 0;
  for (const h of hosts) {
    const r = recap[h];
    if (!r) {
      problems.push(`${tool}: no recap for ${h}`);
      continue;
    }
    changed += r.changed;
    if (r.failed || r.unreachable) problems.push(`${tool} ${h}: failed=${r.failed} unreachable=${r.unreachable}`);
    else if (r.ok !== TASKS_PER_HOST) problems.push(`${tool} ${h}: ok=${r.ok}, expected ${TASKS_PER_HOST}`);
    if (r.changed !== wantChanged) problems.push(`${tool} ${h}: changed=${r.changed}, expected ${wantChanged}`);
  }
  return { ...m, hosts: hosts.length, changed, problems };
}

export interface NodemendRun {
  playbook: string;
  inventory: string;
  jsonOut: string;
  hosts: string[];
  hostRoots: number[];
  wantChanged: number;
  /** Write a V8 CPU profile into this directory (for the profiled extra run only: it slows the run). */
  cpuProfDir?: string;
}

export async function runNodemend(r: NodemendRun): Promise<RunFigures> {
  const nodeArgs = r.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', r.cpuProfDir] : [];
  const m = await withHostCpu(r.hostRoots, () =>
    measure(process.execPath, [...nodeArgs, CLI, 'run', r.playbook, '-i', r.inventory, '--forks', String(r.hosts.length), '--json', r.jsonOut], {
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
    }),
  );
  let recap: Record<string, Recap> = {};
  try {
    const report = JSON.parse(readFileSync(r.jsonOut, 'utf8')) as { hosts: Record<string, { recap: Recap }> };
    recap = Object.fromEntries(Object.entries(report.hosts).map(([h, v]) => [h, v.recap]));
  } catch (e) {
    m.stderr += `\nno JSON report: ${(e as Error).message}`;
  }
  return judge('nodemend', recap, r.hosts, r.wantChanged, m);
}

export interface AnsibleRun {
  playbook: string;
  inventory: string;
  env: NodeJS.ProcessEnv;
  /** The ControlPersist socket dir: masters living there count toward Ansible's memory. */
  controlDir: string;
  hosts: string[];
  hostRoots: number[];
  wantChanged: number;
}

export async function runAnsible(r: AnsibleRun): Promise<RunFigures> {
  const m = await withHostCpu(r.hostRoots, () => measure('ansible-playbook', ['-i', r.inventory, r.playbook], { env: r.env, marker: r.controlDir }));
  return judge('ansible', parseAnsibleRecap(m.stdout), r.hosts, r.wantChanged, m);
}
