#!/usr/bin/env node
/**
 * nodemend's command line: `run`, `validate`, `schema`, `modules`, `fleet`, `vm`.
 * Exit codes: 0 ok; 1 bad input or usage (no host contacted); 2 a host failed;
 * 4 a host was unreachable and none failed.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runCommand, validateCommand } from './run-command.js';
import { schemaCommand, modulesCommand } from './info-commands.js';
import { fleetCommand } from '../fleet/cli.js';
import { applyCommand } from './apply-command.js';
import { planShowCommand } from './plan-command.js';
import { vmCommand } from '../vm/cli.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];
/** One inventory file: a second -i would silently replace the first, where Ansible merges both (audit24 N31). */
const oneInventory = (v: string, prev: string | undefined): string => {
  if (prev !== undefined) throw new InvalidArgumentError(`nodemend reads one inventory file, given twice (${prev}, then ${v}): put their hosts and groups in one file`);
  return v;
};
const program = new Command('nodemend')
  .description('Declarative hardening of Kubernetes nodes over SSH (Ansible-style playbooks)')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 1));

const withLoadOptions = (cmd: Command): Command =>
  cmd
    .argument('<playbook>', 'playbook YAML file')
    .option('-i, --inventory <file>', 'inventory YAML, one (default: .fleet/inventory.yaml, the local test fleet)', oneInventory)
    .option('-l, --limit <pattern>', 'further limit hosts with a pattern (group, host*, a:b, a:!b, a:&b, @file)')
    .option('-t, --tags <tags>', 'only run tasks with these tags (comma separated)', collect, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags (comma separated)', collect, [])
    .option('-e, --extra-vars <vars>', 'k=v pairs, a YAML/JSON mapping, or @file.yaml (repeatable)', collect, []);

/** What every command that changes hosts takes: reports, sudo password, host keys, locks, timeouts, verbosity. */
const withExecOptions = (cmd: Command): Command =>
  cmd
    .option('--json <file>', 'write a machine-readable report')
    .option('--junit <file>', 'write a JUnit XML report (one test case per host and task)')
    .option('-K, --ask-become-pass', 'ask once for the sudo password (hosts whose inventory sets become_password keep theirs)')
    .option('--accept-new-host-keys', 'trust and record host keys not yet in known_hosts (a changed key is still refused)')
    .option('--ignore-lock', 'break the lock a killed run left on a host (each real run locks its hosts; see /run/nodemend.lock)')
    .addOption(new Option('--timeout <seconds>', 'kill remote commands after this long unless a task sets timeout').default(3600).argParser((v) => parsePositive(v, '--timeout')))
    .option('-v, --verbose', 'more output (repeat for more)', (_v: string, prev: number) => prev + 1, 0);

const runCmd = withLoadOptions(program.command('run'))
  .description('run a playbook against the inventory')
  .option('-C, --check', 'change nothing; report what a real run would change')
  .option('-D, --diff', 'show unified diffs of file changes')
  .addOption(new Option('-f, --forks <n>', 'hosts worked on at once').default(50).argParser((v) => parsePositive(v, '--forks')))
  .option('--list-hosts', 'list the hosts each play would run on, then exit')
  .option('--list-tasks', 'list the tasks each play would run, then exit')
  .option('--syntax-check', 'load and validate only, then exit (same as `validate`)')
  .option('--plan-out <file>', 'with --check: save the predicted changes as a plan for `nodemend apply` (format: `nodemend schema plan`)')
  .option(
    '--resume',
    'continue the last interrupted run of this playbook (Ctrl-C, a killed controller, a stopped failure budget): hosts that finished a play are not run again; refused if the playbook, inventory, hosts or -e changed',
  )
  .option('--state-dir <dir>', 'where the run journal for --resume is kept (default .nodemend, or $NODEMEND_STATE_DIR)')
  .option('--start-at-task <name>', 'skip every task before the first one with this name (a glob), as ansible-playbook does')
  .option('--step', 'ask before each task: (N)o skips it, (y)es runs it, (c)ontinue runs the rest of the batch without asking (needs a terminal)')
  .option('--force-handlers', "run the handlers notified so far on a host that fails, as ansible-playbook's flag (a play's force_handlers wins)");
withExecOptions(runCmd).action(async (playbook: string, opts) => process.exit(await runCommand(playbook, opts)));

withLoadOptions(program.command('validate'))
  .description('load and check the playbook, inventory and vars; contacts no host')
  .action(async (playbook: string, opts) => process.exit(await validateCommand(playbook, opts)));

const applyCmd = program
  .command('apply')
  .description('carry out a saved plan (run --check --plan-out) exactly; hosts that drifted from it are refused, untouched')
  .argument('<plan>', 'plan file')
  .option('--max-age <age>', 'refuse a plan older than this (e.g. 24h, 90m, 2d)', '24h')
  .option('-e, --extra-vars <vars>', 'the same -e values the plan was made with (only their digest is saved)', collect, [])
  .option('-D, --diff', 'show unified diffs of file changes')
  .addOption(new Option('-f, --forks <n>', 'hosts worked on at once (default: as planned)').argParser((v) => parsePositive(v, '--forks')));
withExecOptions(applyCmd).action(async (plan: string, opts) => process.exit(await applyCommand(plan, opts)));

program
  .command('plan')
  .description('saved plans (made with run --check --plan-out)')
  .command('show')
  .description('print a saved plan for review: changes grouped across hosts, odd hosts marked')
  .argument('<plan>', 'plan file')
  .option('--html <file>', 'write one self-contained HTML page instead (for a change ticket)')
  .action(async (plan: string, opts) => process.exit(await planShowCommand(plan, opts)));

program
  .command('schema')
  .description('print the JSON Schema of playbooks, inventories or saved plans')
  .argument('[kind]', 'playbook | inventory | plan', 'playbook')
  // exitCode, not exit(): stdout to a pipe is written asynchronously and exit() would cut it at 64 KB.
  .action((kind: string) => void (process.exitCode = schemaCommand(kind)));

program
  .command('modules')
  .description('list the modules and their arguments')
  .action(() => void (process.exitCode = modulesCommand()));

program.addCommand(fleetCommand());
program.addCommand(vmCommand());

function parsePositive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`nodemend: ${flag} takes a positive whole number, got "${v}"\n`);
    process.exit(1);
  }
  return n;
}

// Not a top-level await: the bundle is CommonJS (see scripts/bundle.mjs).
program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`nodemend: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
