/**
 * package_facts (ansible.builtin.package_facts of ansible-core 2.14, modules/package_facts.py):
 * the installed packages as `ansible_facts.packages`, {name: [{name, version, ..., source}]},
 * never changed, run in check mode too. `manager` is a list tried in order (`auto` = Ansible's
 * order of its managers: rpm before apt), `strategy: first` stops at the first usable one, `all`
 * merges every usable one (a later manager's entry for a name replaces an earlier one's, as the
 * module's dict update does). Ansible reads apt through python3-apt and rpm through python3-rpm and
 * fails without them; nodemend reads dpkg-query + apt-cache and the rpm CLI (no Python on the
 * host), with the same fields and values (src/facts/packages.ts). Of Ansible's managers only rpm
 * and apt are here: portage, pacman, apk, pkg and pkg_info fail `validate`.
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { PACKAGE_MANAGERS, type PackageFacts } from '../facts/packages.js';
import type { RemoteShell } from '../transport/types.js';

/** Ansible's managers in the order `auto` expands to (get_all_pkg_managers' subclass order). */
const ANSIBLE_MANAGERS = ['portage', 'rpm', 'pacman', 'apk', 'apt', 'pkg', 'pkg_info'];

const listArg = z.union([z.string().transform((s) => s.split(',').map((x) => x.trim())), z.array(z.string())]);

export const schema = z.strictObject({
  manager: listArg.default(['auto']).superRefine((ms, ctx) => {
    for (const m of ms.map((x) => x.toLowerCase()))
      if (m !== 'auto' && !(m in PACKAGE_MANAGERS))
        ctx.addIssue({
          code: 'custom',
          message: ANSIBLE_MANAGERS.includes(m) ? `package manager "${m}" is not supported by nodemend (rpm, apt or auto)` : `unsupported package manager "${m}" (auto, rpm or apt)`,
        });
  }),
  strategy: z.enum(['first', 'all']).default('first'),
});

/** The packages of every usable manager in `managers` (the first only with strategy first); undefined when none is usable. */
export async function queryPackages(conn: RemoteShell, managers: string[], strategy: 'first' | 'all'): Promise<PackageFacts | undefined> {
  let found: PackageFacts | undefined;
  for (const name of managers) {
    if (found && strategy === 'first') break;
    const m = PACKAGE_MANAGERS[name];
    if (!m) continue;
    const res = await conn.exec(`if ${m.probe}; then ${m.command}; else exit 3; fi`);
    if (res.rc === 3 && !res.stdout) continue;
    if (res.rc !== 0) throw new ModuleFailure(`Failed to retrieve packages with ${name}: ${res.stderr.trim() || `exit code ${res.rc}`}`, { rc: res.rc, stderr: res.stderr });
    found = { ...found, ...m.parse(res.stdout) };
  }
  return found;
}

/** `manager` as the module expands it: lower-cased, `auto` replaced by every manager (after the user's), duplicates dropped. */
export function expandManagers(manager: string[]): string[] {
  const ms = manager.map((m) => m.toLowerCase());
  const expanded = ms.includes('auto') ? [...ms.filter((m) => m !== 'auto'), ...ANSIBLE_MANAGERS] : ms;
  return [...new Set(expanded)];
}

export default defineModule({
  name: 'package_facts',
  description: 'The installed packages (rpm or apt) as ansible_facts.packages, never changed',
  schema,
  async plan(args, ctx) {
    const listed = args.manager.map((m) => m.toLowerCase());
    const managers = expandManagers(args.manager);
    const packages = await queryPackages(ctx.loginConn, managers, args.strategy);
    if (!packages) {
      // The module's own message, with its list of what it tried (auto expanded in place, as Python's repr)
      const tried = listed.includes('auto') ? [...listed.filter((m) => m !== 'auto'), ...ANSIBLE_MANAGERS] : listed;
      throw new ModuleFailure(
        `Could not detect a supported package manager from the following list: [${tried.map((m) => `'${m}'`).join(', ')}], or the required Python library is not installed. Check warnings for details.`,
      );
    }
    // Later tasks read ansible_facts.packages as this task left it (as Ansible's facts after the module).
    ctx.facts.set('package_facts', packages);
    return { changed: false, result: { ansible_facts: { packages } } };
  },
});
