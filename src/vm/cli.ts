/**
 * `nodemend vm ...`: one QEMU VM with a real Debian 6.1 kernel (the VM suite's target).
 * Needs root (the image build) and qemu-system-x86 (scripts/install.sh).
 */
import { Command, InvalidArgumentError } from 'commander';
import { cliAction } from '../fleet/cli.js';
import { DEFAULT_VM_DIR, DEFAULT_VM_PORT, ensureImage, vmDown, vmUp } from './vm.js';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const action = cliAction('vm');

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`--port takes a TCP port, got "${v}"`);
  return n;
};

export function vmCommand(): Command {
  const vm = new Command('vm').description('a QEMU VM booted from a cached Debian bookworm image (real kernel, grub, systemd)');
  const dirOption = ['-d, --dir <dir>', 'VM directory (overlay, inventory.yaml, known_hosts, console.log)', DEFAULT_VM_DIR] as const;

  vm.command('image')
    .description('build the disk image if its recipe is not cached; print its cache dir')
    .action(action(async () => say(await ensureImage(say))));

  vm.command('up')
    .description('boot the VM on a fresh overlay and wait for SSH; writes DIR/inventory.yaml and DIR/known_hosts')
    .option(...dirOption)
    .option('-p, --port <port>', "forward 127.0.0.1:PORT to the VM's SSH", port, DEFAULT_VM_PORT)
    .option('--boot-timeout <seconds>', 'how long to wait for SSH', (v) => Number(v), 900)
    .action(
      action(async (o: { dir: string; port: number; bootTimeout: number }) => {
        const info = await vmUp({ dir: o.dir, port: o.port, bootTimeoutSec: o.bootTimeout, log: say });
        say(`inventory: ${info.inventory}`);
      }),
    );

  vm.command('down')
    .description('stop the VM and delete its overlay (the cached image stays)')
    .option(...dirOption)
    .action(action(async (o: { dir: string }) => say((await vmDown(o.dir)) ? 'VM stopped' : 'no VM was running')));

  return vm;
}
