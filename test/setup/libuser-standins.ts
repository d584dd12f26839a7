/**
 * libuser's command-line tools on a fleet host, for the `user: local: true` differential case.
 * The fleet's Debian tree has no libuser (and not its glib/popt libraries): the stand-in
 * test/fixtures/libuser/libuser (one python3 script; its header names the release it mirrors, Debian
 * 12's libuser 1:0.64~dfsg-1, and what it leaves out) is installed as /usr/sbin/luseradd, lusermod,
 * luserdel, lgroupmod and lchage, the paths Ansible's user module and nodemend both find on PATH.
 */
import { chmodSync, copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const LIBUSER_TOOLS = ['luseradd', 'lusermod', 'luserdel', 'lgroupmod', 'lchage'];
const SCRIPT = '/usr/lib/nm-libuser/libuser';

export function plantLibuserStandins(root: string): void {
  mkdirSync(join(root, '/usr/lib/nm-libuser'), { recursive: true });
  copyFileSync(join(__dirname, '..', 'fixtures', 'libuser', 'libuser'), join(root, SCRIPT));
  chmodSync(join(root, SCRIPT), 0o755);
  for (const t of LIBUSER_TOOLS) {
    rmSync(join(root, '/usr/sbin', t), { force: true });
    symlinkSync(SCRIPT, join(root, '/usr/sbin', t));
  }
}

export function removeLibuserStandins(root: string): void {
  for (const t of LIBUSER_TOOLS) rmSync(join(root, '/usr/sbin', t), { force: true });
  rmSync(join(root, '/usr/lib/nm-libuser'), { recursive: true, force: true });
}
