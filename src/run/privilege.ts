/**
 * Who a task runs as: the one place that decides, as Ansible 2.14 does (playbook/play_context.py
 * set_task_and_variable_override, executor/task_executor.py _set_become_plugin and the sudo become
 * plugin's options). Keywords first (task > block > role > play), then the connection variables
 * outrank them wherever they are set (inventory, play/role/block/task vars, include_vars, set_fact,
 * -e): `ansible_become` decides become on or off, `ansible_become_user` (or `ansible_sudo_user`)
 * the user, `ansible_become_password` (`_pass`, `ansible_sudo_pass`) the password; each value is
 * rendered with the scope the task runs in. nodemend's inventory `connection: become` /
 * `become_user` are those variables at the inventory's level (run/magic-vars.ts gives them to tasks
 * under those names), so a play's `become: false` does not switch off an inventory's become, as in
 * Ansible. nodemend becomes only through `sudo -H` (`-n`, or `-S` with a password): a method, an
 * executable or flags other than those fail the task instead of being ignored.
 */
import type { BoolKeyword, InventoryHost, Loc } from '../load/model.js';
import type { BecomeSpec } from '../transport/types.js';
import type { HostRun } from './host-run.js';
import { renderDeep } from '../load/expr/index.js';
import { unwrapUnsafe } from '../load/expr/unsafe.js';
import { keywordBool } from './keywords.js';
import { ModuleFailure } from '../modules/types.js';

/** The sudo plugin's variables per option, first found wins (plugins/become/sudo.py `vars:`). */
const VARS = {
  become_user: ['ansible_become_user', 'ansible_sudo_user'],
  become_pass: ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'],
  become_exe: ['ansible_become_exe', 'ansible_sudo_exe'],
  become_flags: ['ansible_become_flags', 'ansible_sudo_flags'],
} as const;

/** sudo's default flags in 2.14 (`-H -S -n`): what nodemend's sudo always does. */
const SUDO_FLAGS = ['-H', '-S', '-n'];

/** A variable's value as Ansible's config reads it: absent or null is unset, else rendered with the scope. */
function varValue(scope: Record<string, unknown>, names: readonly string[], loc: Loc): { name: string; value: unknown } | undefined {
  for (const name of names) {
    const raw = scope[name];
    if (raw === undefined || raw === null) continue;
    return { name, value: unwrapUnsafe(renderDeep(raw, scope, loc)) };
  }
  return undefined;
}

/**
 * The privilege of a task (or a play's fact gathering) on a host: `become` / `becomeUser` are the
 * keywords as inherited, `scope` the variables of the host whose connection runs it (the delegated
 * host's under delegate_to). Throws a ModuleFailure the task reports for a value nodemend cannot honour.
 */
export function becomeOf(become: BoolKeyword | undefined, becomeUser: string | undefined, loc: Loc, host: HostRun, scope: Record<string, unknown>): BecomeSpec | undefined {
  const onVar = scope.ansible_become;
  const on =
    onVar !== undefined && onVar !== null
      ? keywordBool(typeof onVar === 'boolean' || typeof onVar === 'string' ? onVar : String(onVar as number), 'ansible_become', scope, loc)
      : keywordBool(become, 'become', scope, loc);
  if (!on) return undefined;
  const method = varValue(scope, ['ansible_become_method'], loc);
  if (method && method.value !== 'sudo') throw new ModuleFailure(`ansible_become_method: nodemend becomes only through sudo, got ${JSON.stringify(method.value)}`);
  const exe = varValue(scope, VARS.become_exe, loc);
  if (exe && exe.value !== 'sudo') throw new ModuleFailure(`${exe.name}: nodemend runs sudo from the PATH, got ${JSON.stringify(exe.value)}`);
  const flags = varValue(scope, VARS.become_flags, loc);
  if (flags && !sameFlags(String(flags.value))) throw new ModuleFailure(`${flags.name}: nodemend runs sudo with ${SUDO_FLAGS.join(' ')} only, got ${JSON.stringify(flags.value)}`);
  const userVar = varValue(scope, VARS.become_user, loc);
  const user = userVar !== undefined ? String(userVar.value) : becomeUser !== undefined ? String(unwrapUnsafe(renderDeep(becomeUser, scope, loc))) : 'root';
  const pass = varValue(scope, VARS.become_pass, loc);
  return { method: 'sudo', user, password: pass !== undefined ? String(pass.value) : host.inv.connection.become_password };
}

/**
 * The privilege the inventory alone gives a host (`connection: become` / `become_user` /
 * `become_password`), for work no play keyword or variable governs: the run lock, and a play
 * whose become could not be decided for its fact gathering.
 */
export function inventoryBecome(host: InventoryHost): BecomeSpec | undefined {
  const c = host.connection;
  return c.become ? { method: 'sudo', user: c.become_user ?? 'root', password: c.become_password } : undefined;
}

/** `-H -S -n` in any order (sudo reads them so), nothing else. */
function sameFlags(text: string): boolean {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.length === SUDO_FLAGS.length && SUDO_FLAGS.every((f) => words.includes(f));
}
