/**
 * `nodemend fleet ...`: the local test fleet (real sshd hosts in namespaces on
 * 127.0.0.1) that tests, demos and the main job run against. Needs root.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_BASE_PORT, DEFAULT_DIR, down, fleetDir, status, up } from './fleet.js';
import { readMeta, startHost, stopHost } from './hosts.js';
import { ensureRootfs } from './rootfs.js';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** Run a subcommand's action; any failure is one line on stderr ("nodemend <command>: ...") and exit code 1. */
export function cliAction(command: string) {
  return <A extends unknown[]>(fn: (...args: A) => Promise<void> | void): ((...args: A) => Promise<void>) =>
    async (...args: A) => {
      try {
        await fn(...args);
        process.exit(0);
      } catch (e) {
        process.stderr.write(`nodemend ${command}: ${(e as Error).message}\n`);
        process.exit(1);
      }
    };
}
const action = cliAction('fleet');

function wholeNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a positive whole number, got "${v}"`);
    return n;
  };
}

export function fleetCommand(): Command {
  const fleet = new Command('fleet').description('local test hosts: real sshd in namespaces on 127.0.0.1 (needs root)');
  const dirOption = ['-d, --dir <dir>', 'fleet directory', DEFAULT_DIR] as const;

  fleet
    .command('up')
    .description('start hosts node1..nodeN on 127.0.0.1:BASE+1..BASE+N; writes DIR/inventory.yaml and DIR/known_hosts')
    .argument('<n>', 'number of hosts', wholeNumber('N'))
    .option(...dirOption)
    .option('-p, --base-port <port>', 'hosts listen on BASE+1..BASE+N', wholeNumber('--base-port'), DEFAULT_BASE_PORT)
    .option('--fresh', "discard the hosts' files and host keys first")
    .action(
      action(async (n: number, o: { dir: string; basePort: number; fresh?: boolean }) => {
        await up(n, { dir: o.dir, basePort: o.basePort, fresh: o.fresh, log: say });
      }),
    );

  fleet
    .command('down')
    .description('stop every host and unmount their roots')
    .option(...dirOption)
    .option('--purge', 'also delete the fleet directory (host files, keys, inventory)')
    .action(
      action(async (o: { dir: string; purge?: boolean }) => {
        await down({ dir: o.dir, purge: o.purge });
        say(`fleet in ${fleetDir(o.dir)} is down`);
      }),
    );

  fleet
    .command('status')
    .description('list the hosts and whether they run')
    .option(...dirOption)
    .action(
      action((o: { dir: string }) => {
        const hosts = status(o.dir);
        if (!hosts.length) say(`no hosts in ${fleetDir(o.dir)}`);
        for (const h of hosts) say(`${h.name.padEnd(8)} 127.0.0.1:${h.port ?? '?'}  ${h.status}`);
      }),
    );

  fleet
    .command('stop-host')
    .description('kill one host (sshd and every session), as if it crashed')
    .argument('<name>', 'host name, e.g. node2')
    .option(...dirOption)
    .action(
      action(async (name: string, o: { dir: string }) => {
        if (!readMeta(fleetDir(o.dir), name)) throw new Error(`no host "${name}" in ${fleetDir(o.dir)}`);
        await stopHost(fleetDir(o.dir), name);
        say(`${name} stopped`);
      }),
    );

  fleet
    .command('start-host')
    .description('start a stopped host again (same files and host key)')
    .argument('<name>', 'host name, e.g. node2')
    .option(...dirOption)
    .action(
      action(async (name: string, o: { dir: string }) => {
        await startHost(fleetDir(o.dir), name);
        say(`${name} started`);
      }),
    );

  fleet
    .command('rootfs')
    .description('build (once) the cached root filesystem the hosts share, and print its path')
    .action(action(async () => say(await ensureRootfs(say))));

  return fleet;
}
