/**
 * Drive one module against a real host without the runner: plan, then (unless
 * check) apply, the way the executor does. For module tests on the fleet.
 */
import { dirname, join } from 'node:path';
import { SshConnection } from '../../src/transport/ssh.js';
import { FactCache } from '../../src/facts/cache.js';
import { emptyPlannedPaths } from '../../src/modules/lib/planned-paths.js';
import type { ModuleContext, ModuleDef, Plan } from '../../src/modules/types.js';
import type { BecomeSpec } from '../../src/transport/types.js';

export interface HarnessTarget {
  name: string;
  port: number;
  user?: string; // default "ops"
  identityFile: string;
  /** Host keys are checked strictly; default: the fleet layout's DIR/known_hosts next to DIR/keys/. */
  knownHosts?: string;
  become?: boolean; // default true (sudo -n as root)
}

export interface RunOutcome {
  plan: Plan;
  changed: boolean;
  result: Record<string, unknown>;
}

export class ModuleHarness {
  readonly conn: SshConnection;
  readonly facts: FactCache;
  private readonly become?: BecomeSpec;
  hostVars: Record<string, unknown> = {};
  /** Shared by every check-mode call on this harness, as by a host's tasks in one run. */
  readonly planned = emptyPlannedPaths();

  constructor(
    target: HarnessTarget,
    readonly overrides: Partial<ModuleContext> = {},
  ) {
    this.conn = new SshConnection({
      name: target.name,
      host: '127.0.0.1',
      port: target.port,
      user: target.user ?? 'ops',
      identityFile: target.identityFile,
      knownHosts: target.knownHosts ?? join(dirname(dirname(target.identityFile)), 'known_hosts'),
    });
    this.become = target.become === false ? undefined : { user: 'root', method: 'sudo' };
    this.facts = new FactCache(this.conn.as(this.become));
  }

  async open(): Promise<this> {
    await this.conn.connect();
    return this;
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  context(opts: { check?: boolean; diff?: boolean; vars?: Record<string, unknown> } = {}): ModuleContext {
    return {
      host: this.conn.hostName,
      conn: this.conn.as(this.become),
      loginConn: this.conn.as(undefined),
      check: opts.check ?? false,
      diff: opts.diff ?? true,
      facts: this.facts,
      vars: { ...this.hostVars, ...(opts.vars ?? {}) },
      renderTemplate: async () => {
        throw new Error('renderTemplate not provided to the harness');
      },
      resolveLocalPath: (p) => p,
      evaluate: async () => {
        throw new Error('evaluate not provided to the harness');
      },
      template: async () => {
        throw new Error('template not provided to the harness');
      },
      setHostVars: (v) => Object.assign(this.hostVars, v),
      setIncludedVars: (v) => Object.assign(this.hostVars, v),
      timeoutSec: 60,
      reconnect: (deadline) => this.conn.reconnect(deadline),
      planned: this.planned,
      ...this.overrides,
    };
  }

  /** Plan and, unless check, apply: returns what the runner would register. */
  async run<A>(mod: ModuleDef<A>, rawArgs: unknown, opts: { check?: boolean; diff?: boolean; vars?: Record<string, unknown> } = {}): Promise<RunOutcome> {
    const args = mod.schema.parse(rawArgs);
    const ctx = this.context(opts);
    const plan = await mod.plan(args, ctx);
    let result: Record<string, unknown> = { ...(plan.result ?? {}) };
    if (plan.changed && !ctx.check && plan.apply) result = { ...result, ...((await plan.apply()) ?? {}) };
    return { plan, changed: plan.changed, result };
  }
}
