/**
 * One QEMU VM booted from the cached Debian image (scripts/vm/image.sh): a real kernel that
 * boots through grub from its own disk, so playbooks can change its command line, reboot it
 * and load modules into it. Each `up` runs on a fresh copy-on-write overlay of the image;
 * SSH is forwarded to 127.0.0.1:PORT; the directory gets an inventory and a known_hosts with
 * the image's host key, in the same shapes as the test fleet's (src/fleet/inventory.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inventoryYaml, knownHostsLine, writeFileAtomic } from '../fleet/inventory.js';
import { FleetError, isAlive, run, sleep, tryRun } from '../fleet/proc.js';

export const DEFAULT_VM_DIR = '.vm';
export const DEFAULT_VM_PORT = 22600;
export const VM_HOST = 'vm1';

export interface VmInfo {
  dir: string;
  port: number;
  pid: number;
  image: string;
  kernel: string;
  accel: 'kvm' | 'tcg';
  inventory: string;
  key: string;
  knownHosts: string;
  console: string;
  bootSeconds: number;
}

export interface VmUpOptions {
  dir?: string;
  port?: number;
  memoryMb?: number;
  /** Seconds to wait for SSH after QEMU starts (TCG on 2 shared cores: minutes, not seconds). */
  bootTimeoutSec?: number;
  log?: (line: string) => void;
}

/**
 * The checkout holding scripts/vm/image.sh: found above the running script (dist/nodemend.mjs,
 * dist/src/vm/bin.js) or the working directory. (No import.meta: the CLI is bundled as CommonJS.)
 */
const repoRoot = (): string => {
  const starts = [process.argv[1] ? dirname(realpathSync(process.argv[1])) : '', process.cwd()].filter(Boolean);
  for (const start of starts) {
    for (let d = start; ; d = dirname(d)) {
      if (existsSync(join(d, 'scripts', 'vm', 'image.sh'))) return d;
      if (dirname(d) === d) break;
    }
  }
  throw new FleetError(`scripts/vm/image.sh not found above ${starts.join(' or ')}`);
};

/** Build the image if its recipe is not cached yet; returns the cache dir. */
export async function ensureImage(log: (line: string) => void = () => {}): Promise<string> {
  const script = join(repoRoot(), 'scripts', 'vm', 'image.sh');
  return new Promise((resolvePath, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => b.toString().split('\n').filter(Boolean).forEach(log));
    child.on('close', (code) => {
      const dir = out.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(join(dir, 'disk.qcow2'))) resolvePath(dir);
      else reject(new FleetError(`building the VM image failed (bash ${script} exited ${code})`));
    });
  });
}

/**
 * KVM only when it runs a guest at hardware speed: `NODEMEND_VM_ACCEL=kvm|tcg` decides when
 * set; otherwise a one-sector guest must count to 2^26 and then write to the serial port,
 * under KVM, within PROBE_SEC. A hardware KVM (VT-x/AMD-V) does that in well under a second.
 * A /dev/kvm can exist without that: these machines are Firecracker guests without VT-x whose
 * /dev/kvm is kvm_pvm (Pagetable-based Virtual Machine), which runs only kernels built as PVM
 * guests directly and emulates everything else instruction by instruction. There the sector
 * alone (SeaBIOS first) took 15 s, and the image's kernel was still decompressing itself
 * after 9 minutes (TCG boots it to SSH in 2-6), so a probe that only asked for a byte on the
 * serial port let KVM through on a quiet machine and each VM boot lost KVM_BOOT_SEC.
 */
const PROBE_SEC = 10;
// mov dx,0x3f8; mov bx,0x400; outer: mov cx,0xffff; loop $; dec bx; jnz outer; mov al,'K';
// out dx,al; then a reset through the keyboard controller (mov al,0xfe; out 0x64,al), which
// -no-reboot turns into QEMU's exit; cli; hlt; jmp $-1 should it not. 16-bit real mode, as the
// BIOS starts a boot sector.
const PROBE_CODE = [0xba, 0xf8, 0x03, 0xbb, 0x00, 0x04, 0xb9, 0xff, 0xff, 0xe2, 0xfe, 0x4b, 0x75, 0xf8, 0xb0, 0x4b, 0xee, 0xb0, 0xfe, 0xe6, 0x64, 0xfa, 0xf4, 0xeb, 0xfd];

/** A working KVM boots this image to SSH in well under this (TCG here: 2-6 minutes). */
const KVM_BOOT_SEC = 120;

/** The boot sector of the speed probe (exported for its unit test, which runs it under TCG). */
export function probeSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from(PROBE_CODE).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Boots the probe sector under `accel`; true when it wrote its 'K' within `seconds` (QEMU exits then). */
export async function runProbe(dir: string, accel: 'kvm' | 'tcg', seconds: number = PROBE_SEC): Promise<boolean> {
  const probe = join(dir, 'kvm-probe.img');
  writeFileSync(probe, probeSector());
  const r = await tryRun('timeout', [
    String(seconds),
    'qemu-system-x86_64',
    '-accel',
    accel,
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-drive',
    `format=raw,file=${probe}`,
    '-no-reboot',
  ]);
  rmSync(probe, { force: true });
  return r.stdout.includes('K');
}

export async function chooseAccel(dir: string): Promise<'kvm' | 'tcg'> {
  const forced = process.env.NODEMEND_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!existsSync('/dev/kvm')) return 'tcg';
  return (await runProbe(dir, 'kvm')) ? 'kvm' : 'tcg';
}

const pidFile = (dir: string): string => join(dir, 'qemu.pid');

export function vmPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(dir), 'utf8').trim());
    return pid && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SSH answers and runs a command as ops with sudo. */
export async function sshReady(info: Pick<VmInfo, 'port' | 'key' | 'knownHosts'>): Promise<boolean> {
  const r = await tryRun('ssh', [...sshArgs(info), 'sudo -n true'], { timeoutMs: 20_000 });
  return r.code === 0;
}

/** Plain OpenSSH arguments up to the command (strict host key from the image). */
export function sshArgs(info: Pick<VmInfo, 'port' | 'key' | 'knownHosts'>): string[] {
  return [
    '-p',
    String(info.port),
    '-i',
    info.key,
    '-o',
    `UserKnownHostsFile=${info.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
    'ops@127.0.0.1',
  ];
}

export async function vmUp(opts: VmUpOptions = {}): Promise<VmInfo> {
  const log = opts.log ?? (() => {});
  const dir = resolve(opts.dir ?? DEFAULT_VM_DIR);
  const port = opts.port ?? DEFAULT_VM_PORT;
  if (vmPid(dir)) throw new FleetError(`a VM already runs from ${dir} (pid ${vmPid(dir)}): \`vm down --dir ${dir}\` first`);
  mkdirSync(dir, { recursive: true });
  const image = await ensureImage(log);
  const kernel = readFileSync(join(image, 'kernel'), 'utf8').trim();
  const key = join(dir, 'id_ed25519');
  const knownHosts = join(dir, 'known_hosts');
  const inventory = join(dir, 'inventory.yaml');
  const consoleLog = join(dir, 'console.log');
  writeFileSync(key, readFileSync(join(image, 'keys', 'id_ed25519')), { mode: 0o600 });
  writeFileAtomic(knownHosts, knownHostsLine(port, readFileSync(join(image, 'ssh_host_ed25519_key.pub'), 'utf8')) + '\n');
  writeFileAtomic(inventory, inventoryYaml({ key, knownHosts, hosts: [{ name: VM_HOST, port }] }).replace('`nodemend fleet up`: the local test fleet', '`nodemend vm up`: the QEMU VM'));

  // KVM must still prove itself by booting: a KVM that passed the probe but does not bring the
  // VM to SSH within KVM_BOOT_SEC is stopped and the VM boots again under TCG.
  let accel = await chooseAccel(dir);
  log(
    `accelerator: ${accel}${process.env.NODEMEND_VM_ACCEL ? ' (NODEMEND_VM_ACCEL)' : existsSync('/dev/kvm') ? ` (the KVM speed probe ${accel === 'kvm' ? 'passed' : `did not finish within ${PROBE_SEC} s`})` : ' (no /dev/kvm)'}`,
  );
  const mem = opts.memoryMb ?? 1024;
  const started = Date.now();
  let info: VmInfo | undefined;
  for (;;) {
    // Every boot starts from the image as built: a fresh overlay.
    const overlay = join(dir, 'overlay.qcow2');
    rmSync(overlay, { force: true });
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', join(image, 'disk.qcow2'), '-F', 'qcow2', overlay]);
    log(`starting the VM (${accel}, ${mem} MB, kernel ${kernel}) with SSH on 127.0.0.1:${port}; console in ${consoleLog}`);
    rmSync(consoleLog, { force: true });
    const args = [
      '-name',
      'nodemend-vm',
      '-accel',
      accel,
      ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
      '-m',
      String(mem),
      '-smp',
      '1',
      '-drive',
      `file=${overlay},format=qcow2,if=virtio,cache=unsafe`,
      '-netdev',
      `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`,
      '-device',
      'virtio-net-pci,netdev=n0',
      '-serial',
      `file:${consoleLog}`,
      '-display',
      'none',
      '-monitor',
      'none',
      '-pidfile',
      pidFile(dir),
      '-daemonize',
    ];
    const errFd = openSync(join(dir, 'qemu.stderr'), 'w');
    await new Promise<void>((ok, fail) => {
      const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', errFd] });
      child.on('error', (e) => fail(new FleetError(`qemu-system-x86_64: ${e.message} (scripts/install.sh installs qemu-system-x86)`)));
      child.on('close', (code) => (code === 0 ? ok() : fail(new FleetError(`qemu-system-x86_64 exited ${code}: ${readFileSync(join(dir, 'qemu.stderr'), 'utf8').trim()}`))));
    });
    const pid = vmPid(dir);
    if (!pid) throw new FleetError(`QEMU did not stay up: ${readFileSync(join(dir, 'qemu.stderr'), 'utf8').trim()}`);
    info = { dir, port, pid, image, kernel, accel, inventory, key, knownHosts, console: consoleLog, bootSeconds: 0 };
    // Only a KVM the probe chose (not one NODEMEND_VM_ACCEL forced) may fall back.
    const mayFallBack = accel === 'kvm' && process.env.NODEMEND_VM_ACCEL !== 'kvm';
    try {
      await waitForSsh(info, mayFallBack ? KVM_BOOT_SEC : (opts.bootTimeoutSec ?? 900));
      break;
    } catch (e) {
      if (!mayFallBack) throw e;
      log(`KVM did not boot the VM to SSH within ${KVM_BOOT_SEC} s (${(e as Error).message.split('\n')[0]}): booting again under TCG`);
      await vmDown(dir);
      accel = 'tcg';
    }
  }
  info.bootSeconds = Math.round((Date.now() - started) / 100) / 10;
  log(`VM up: SSH answered after ${info.bootSeconds} s`);
  writeFileAtomic(join(dir, 'vm.json'), JSON.stringify(info, null, 2) + '\n');
  return info;
}

/** Waits for SSH; a VM that dies or never answers fails loudly with the end of its console. */
export async function waitForSsh(info: VmInfo, timeoutSec: number): Promise<void> {
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if (!vmPid(info.dir)) throw new FleetError(`the VM exited while booting; console:\n${consoleTail(info.console)}`);
    if (await sshReady(info)) return;
    await sleep(2000);
  }
  throw new FleetError(`the VM did not answer SSH on 127.0.0.1:${info.port} within ${timeoutSec} s; console:\n${consoleTail(info.console)}`);
}

export function consoleTail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no console output)';
  }
}

export function readVm(dir: string = DEFAULT_VM_DIR): VmInfo {
  const file = join(resolve(dir), 'vm.json');
  if (!existsSync(file)) throw new FleetError(`no VM in ${resolve(dir)} (no vm.json): \`nodemend vm up\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as VmInfo;
}

/** Kill QEMU (by the pid it wrote) and drop the overlay; the cached image stays. */
export async function vmDown(dir: string = DEFAULT_VM_DIR): Promise<boolean> {
  const abs = resolve(dir);
  const pid = vmPid(abs);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(join(abs, 'overlay.qcow2'), { force: true });
  rmSync(pidFile(abs), { force: true });
  rmSync(join(abs, 'vm.json'), { force: true });
  return pid !== undefined;
}
