/**
 * `npm run bench`: nodemend vs Ansible on the same local fleet, then nodemend alone on a
 * growing fleet; prints the figures and rewrites bench/RESULTS.md. Needs root (the fleet).
 *
 *   node dist/bench/run.js [--hosts 20] [--scale 20,50,100,200] [--no-ansible]
 *       [--dir /tmp/nodemend-bench] [--base-port 24000] [--profile DIR] [--keep-fleet] [--no-write]
 */
import { cpus, release, totalmem } from 'node:os';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ansibleSetup, ansibleVersion, stopSshMasters } from './ansible.js';
import { checkOutputs, compareSnapshots, fleetDown, fleetUp, hostRootPids, resetHosts, snapshot, warmUp, writeAnsibleInventory, writeNodemendInventory, type BenchFleet } from './bench-fleet.js';
import { comparisonTable, resultsMarkdown, scaleTable, verdicts, verdictTable, type Comparison, type ScalePoint } from './report.js';
import { runAnsible, runNodemend, type RunFigures } from './tool-runs.js';
import { CHANGING_TASKS, writeWorkload } from './workload.js';

const USAGE = `usage: node dist/bench/run.js [options]   (npm run bench; needs root: it starts a local fleet)
  --hosts N          hosts in the side-by-side B1 run with Ansible (default 20)
  --scale LIST       fleet sizes for nodemend alone (default 20,50,100,200; empty: none)
  --no-ansible       skip Ansible (nodemend only)
  --dir DIR          the bench's fleet (default /tmp/nodemend-bench)
  --base-port PORT   first host's SSH port (default 24000)
  --work DIR         playbooks, inventories and reports (default /tmp/nodemend-bench-work)
  --profile DIR      an extra profiled nodemend run at the largest size, V8 CPU profile in DIR
  --keep-fleet       leave the fleet up afterwards
  --no-write         print the figures only (bench/RESULTS.md untouched)
  -h, --help         this text
`;

function options() {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h', default: false },
  hosts: { type: 'string', default: '20' },
  scale: { type: 'string', default: '20,50,100,200' },
  'no-ansible': { type: 'boolean', default: false },
  dir: { type: 'string', default: '/tmp/nodemend-bench' },
  'base-port': { type: 'string', default: '24000' },
  work: { type: 'string', default: '/tmp/nodemend-bench-work' },
  profile: { type: 'string' },
  'keep-fleet': { type: 'boolean', default: false },
  'no-write': { type: 'boolean', default: false },
} as const;
const { values: opt } = options();
if (opt.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const log = (s: string): void => void process.stdout.write(`${s}\n`);
const REPO = join(import.meta.dirname, '..', '..');
const problems: string[] = [];

function note(tool: string, f: RunFigures): RunFigures {
  log(
    `  ${tool}: ${(f.wallMs / 1000).toFixed(2)} s, CPU ${(f.cpuMs / 1000).toFixed(1)} s controller + ${(f.hostCpuMs / 1000).toFixed(1)} s hosts, changed ${f.changed}, peak RSS ${(f.peakRssKb / 1024).toFixed(0)} MB${f.problems.length ? `, ${f.problems.length} problems` : ''}`,
  );
  problems.push(...f.problems.slice(0, 5));
  return f;
}

async function nodemendPair(fleet: BenchFleet, n: number, work: string, playbook: string) {
  const inv = join(work, `nodemend-inventory-${n}.yaml`);
  writeNodemendInventory(fleet, n, inv);
  const hosts = fleet.hosts.slice(0, n).map((h) => h.name);
  const hostRoots = hostRootPids(fleet, n);
  resetHosts(fleet, n);
  const first = note('nodemend first', await runNodemend({ playbook, inventory: inv, jsonOut: join(work, `nm-${n}-first.json`), hosts, hostRoots, wantChanged: CHANGING_TASKS }));
  const rerun = note('nodemend rerun', await runNodemend({ playbook, inventory: inv, jsonOut: join(work, `nm-${n}-rerun.json`), hosts, hostRoots, wantChanged: 0 }));
  problems.push(...checkOutputs(fleet, n, 'nodemend').slice(0, 5));
  return { first, rerun, inv, hosts };
}

async function main(): Promise<void> {
  const n = Number(opt.hosts);
  const scale = opt.scale!.split(',').filter(Boolean).map(Number);
  const withAnsible = !opt['no-ansible'];
  const ansible = withAnsible ? ansibleVersion() : undefined;
  if (withAnsible && !ansible) throw new Error('ansible-playbook not found (scripts/install.sh installs ansible-core), or pass --no-ansible');

  const work = opt.work!;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const nmPlaybook = writeWorkload('nodemend', join(work, 'nodemend'));
  const anPlaybook = writeWorkload('ansible', join(work, 'ansible'));

  const maxHosts = Math.max(n, ...scale);
  log(`fleet: ${maxHosts} hosts in ${opt.dir}`);
  const fleet = fleetUp(maxHosts, opt.dir!, Number(opt['base-port']), log);
  try {
    await warmUp(fleet, maxHosts);
    log(`B1 × ${n} hosts, nodemend then Ansible`);
    const nm = await nodemendPair(fleet, n, work, nmPlaybook);
    const nmSnap = Object.fromEntries(nm.hosts.map((h) => [h, snapshot(fleet, h, 'nodemend')]));
    const comparison: Comparison = { hosts: n, nodemend: { first: nm.first, rerun: nm.rerun }, outputDiffs: [] };
    if (withAnsible) {
      resetHosts(fleet, n);
      const inv = join(work, 'ansible-inventory.yaml');
      writeAnsibleInventory(fleet, n, inv);
      const env = ansibleSetup(join(work, 'ansible'), n, fleet.knownHosts);
      const controlDir = join(work, 'ansible', 'cp');
      try {
        const hostRoots = hostRootPids(fleet, n);
        const run = (wantChanged: number) => runAnsible({ playbook: anPlaybook, inventory: inv, env, controlDir, hosts: nm.hosts, hostRoots, wantChanged });
        const first = note('ansible first', await run(CHANGING_TASKS));
        const rerun = note('ansible rerun', await run(0));
        comparison.ansible = { first, rerun };
      } finally {
        stopSshMasters(controlDir);
      }
      problems.push(...checkOutputs(fleet, n, 'ansible').slice(0, 5));
      const anSnap = Object.fromEntries(nm.hosts.map((h) => [h, snapshot(fleet, h, 'ansible')]));
      comparison.outputDiffs = compareSnapshots(nmSnap, anSnap);
      log(`  outputs: ${comparison.outputDiffs.length ? `${comparison.outputDiffs.length} differences, e.g. ${comparison.outputDiffs[0]}` : 'identical bytes, modes and owners on every host'}`);
    }
    log(`\n${comparisonTable(comparison)}\n`);

    const points: ScalePoint[] = [];
    for (const size of scale) {
      log(`nodemend alone, ${size} hosts`);
      const p = await nodemendPair(fleet, size, work, nmPlaybook);
      points.push({ hosts: size, first: p.first, rerun: p.rerun });
    }
    log(`\n${scaleTable(points)}\n`);

    if (opt.profile) {
      // An extra run, not part of the figures: the profiler slows nodemend down.
      mkdirSync(opt.profile, { recursive: true });
      const inv = join(work, `nodemend-inventory-${maxHosts}.yaml`);
      writeNodemendInventory(fleet, maxHosts, inv);
      resetHosts(fleet, maxHosts);
      const hosts = fleet.hosts.slice(0, maxHosts).map((h) => h.name);
      const f = await runNodemend({
        playbook: nmPlaybook,
        inventory: inv,
        jsonOut: join(work, 'nm-profiled.json'),
        hosts,
        hostRoots: hostRootPids(fleet, maxHosts),
        wantChanged: CHANGING_TASKS,
        cpuProfDir: opt.profile,
      });
      log(`profiled first run (${maxHosts} hosts): ${(f.wallMs / 1000).toFixed(2)} s; profile in ${opt.profile}`);
    }

    const v = verdicts(comparison, points);
    log(verdictTable(v));
    if (problems.length) log(`\nproblems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    if (!opt['no-write']) {
      const machine = {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '?',
        ramGb: Math.round(totalmem() / 2 ** 30),
        kernel: release(),
        node: process.version,
        ansible: ansible ?? 'Ansible not run',
        date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      };
      const file = join(REPO, 'bench', 'RESULTS.md');
      writeFileSync(file, resultsMarkdown(machine, comparison, points, problems, join(REPO, 'bench', 'performance-notes.md')));
      log(`\nwrote ${file}`);
    }
  } finally {
    if (!opt['keep-fleet']) fleetDown(opt.dir!);
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exit(1);
});
