/**
 * Task keywords whose value is a template (`ignore_errors: "{{ ansible_check_mode }}"`,
 * `become: "{{ use_sudo }}"`, `environment: { PATH: "{{ p }}" }`), rendered with the
 * host's scope when the task runs, as Ansible's post_validate does. Literal values were
 * checked (and boolean words converted) at load time (load/tasks.ts boolKeyword).
 */
import type { BoolKeyword, EnvEntry, Loc } from '../load/model.js';
import { renderDeep } from '../load/expr/index.js';
import { unwrapUnsafe } from '../load/expr/unsafe.js';
import { numStr, PyFloat } from '../load/expr/values.js';
import { BOOL_FALSE, BOOL_TRUE } from '../load/schema.js';
import type { RemoteShell } from '../transport/types.js';
import { ModuleFailure } from '../modules/types.js';

/** A boolean keyword's value on this host: Ansible's boolean(strict) of what the template renders. */
export function keywordBool(value: BoolKeyword | undefined, name: string, scope: Record<string, unknown>, loc: Loc): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  const v = unwrapUnsafe(renderDeep(value, scope, loc));
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0 || (v instanceof PyFloat && (v.value === 1 || v.value === 0))) return Number(v) === 1;
  const w = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
  if (w !== undefined && BOOL_TRUE.includes(w)) return true;
  if (w !== undefined && BOOL_FALSE.includes(w)) return false;
  throw new ModuleFailure(`${name}: "${value}" gave ${JSON.stringify(v)}, which is not a boolean (true/false, yes/no, 1/0)`);
}

/** Python's str() of a value, as Ansible puts it into a command's environment. */
function envText(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v instanceof PyFloat) return numStr(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `environment:` entries (play, blocks, task: later wins) rendered to the variables of this task's commands. */
export function renderEnvironment(entries: readonly EnvEntry[], scope: Record<string, unknown>, loc: Loc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const v = unwrapUnsafe(renderDeep(entry, scope, loc));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModuleFailure(`environment: "${String(entry)}" gave ${JSON.stringify(v)}, not a mapping of variables`);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new ModuleFailure(`environment: ${JSON.stringify(k)} is not a variable name`);
      env[k] = envText(unwrapUnsafe(x));
    }
  }
  return env;
}

/**
 * A shell whose every command gets `env` (the transport quotes each value: `env 'K=v' sh -c`
 * or `export 'K=v'`). A variable the module sets for its own command (LC_ALL for parsing) wins.
 */
export function withEnvironment(shell: RemoteShell, env: Record<string, string>): RemoteShell {
  if (Object.keys(env).length === 0) return shell;
  return { hostName: shell.hostName, exec: (cmd, opts) => shell.exec(cmd, { ...opts, env: { ...env, ...opts?.env } }) };
}
