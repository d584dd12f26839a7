/**
 * Which roles have run on which host in one play, as 2.14 decides it (playbook/role/__init__.py
 * has_run, strategy/__init__.py role_complete): a role use (RoleCall.key, 2.14's ROLE_CACHE entry) is
 * complete on a host once the host reached its end after at least one of the role's own tasks there
 * had a result other than skipped. A role whose tasks were all skipped (a `when:` on its entry or on
 * the role that depends on it) has not run, so its next use runs. A complete role's tasks are left out
 * of later uses unless duplicates are allowed: meta/main.yml's allow_duplicates for `roles:` and
 * dependencies; for import_role / include_role (one shared entry per role, vars and *_from) the value
 * the last one set, as 2.14 writes it onto the shared role: each import_role when the play is loaded,
 * then each include_role when it runs.
 */
import type { RoleCall, TaskNode } from '../load/model.js';
import type { TaskResult } from './events.js';

export class RoleRuns {
  private readonly completed = new Map<string, Set<string>>();
  private readonly hadTaskRun = new Map<string, Set<string>>();
  private readonly allowDuplicates = new Map<string, boolean>();

  constructor(nodes: TaskNode[]) {
    this.loadImports(nodes);
  }

  /** 2.14's has_run: the role's own tasks are left out on this host. */
  hasRun(host: string, call: RoleCall): boolean {
    return (this.completed.get(host)?.has(call.key) ?? false) && !this.allows(call);
  }

  /** An include_role running: it writes its allow_duplicates onto the shared role first. */
  including(call: RoleCall): void {
    this.allowDuplicates.set(call.key, call.allowDuplicates);
  }

  /** A result of one of the role's own tasks (not its dependencies', not a role it includes). */
  taskResult(call: { key: string }, r: Pick<TaskResult, 'host' | 'status'>): void {
    if (r.status === 'skipped' || r.status === 'unreachable') return;
    setOf(this.hadTaskRun, r.host).add(call.key);
  }

  /** The host reached the role's end (2.14's implicit meta: role_complete). */
  reachedEnd(host: string, call: RoleCall): void {
    if (this.hadTaskRun.get(host)?.has(call.key)) setOf(this.completed, host).add(call.key);
  }

  private allows(call: RoleCall): boolean {
    return call.how === 'import' || call.how === 'include' ? (this.allowDuplicates.get(call.key) ?? call.allowDuplicates) : call.allowDuplicates;
  }

  /** The import_role uses the play loads with it, in order (not those inside an include, loaded when it runs). */
  private loadImports(nodes: TaskNode[]): void {
    for (const n of nodes) {
      if (n.kind === 'block') [n.block, n.rescue, n.always].forEach((l) => this.loadImports(l));
      else if (n.kind === 'include' && !n.dynamic) this.loadImports(n.tasks);
      else if (n.kind === 'role' && n.how !== 'include') {
        if (n.how === 'import') this.allowDuplicates.set(n.key, n.allowDuplicates);
        this.loadImports(n.role.dependencies);
        this.loadImports(n.role.tasks);
      }
    }
  }
}

function setOf(m: Map<string, Set<string>>, k: string): Set<string> {
  return m.get(k) ?? m.set(k, new Set()).get(k)!;
}
