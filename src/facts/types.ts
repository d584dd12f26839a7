import type { RemoteShell } from '../transport/types.js';

/**
 * A fact is one shell line that is safe to run any time, and a parser for its output.
 * Facts are gathered lazily: only those a task or expression uses, once per host.
 */
export interface FactDef<T = unknown> {
  name: string;
  description: string;
  command: string;
  parse(stdout: string, rc: number): T;
  /**
   * Read as the play's become user, not the login user: what depends on who asks (the
   * environment, the user's ids, /proc/1/environ), as Ansible's setup runs with the play's become.
   */
  asPlayUser?: boolean;
  /** Read again in each play that gathers facts (files tasks write, such as local facts), as Ansible's gathering at play start. */
  everyPlay?: boolean;
  /** Moves between two reads (the clock, uptime, free memory): a `setup` task reads it again, as Ansible's setup returns its own run's values. */
  volatile?: boolean;
}

export interface Facts {
  /** Fetch (once) and return a fact. */
  get<T = unknown>(name: string): Promise<T>;
  /** Fetch several missing facts in one round trip. */
  prefetch(names: Iterable<string>): Promise<void>;
  /** A fact already fetched, or undefined. */
  peek(name: string): unknown;
  /** Whether the fact was read (its value may be undefined: the host has none). */
  fetched(name: string): boolean;
  /**
   * False for a fact that depends on who asks (asPlayUser) before any play gathered facts and before
   * a setup task read it (only `gather_facts: false` plays so far): Ansible's name for it is undefined.
   */
  gathered(name: string): boolean;
  /** A module sets a fact to what it found (package_facts): later reads see this value. */
  set(name: string, value: unknown): void;
  /** Forget everything (after a reboot or a package change). */
  invalidate(names?: string[]): void;
  /**
   * Fetch `names` again through `shell` (setup with its task's become): the facts it returns
   * replace the cached ones, as Ansible's setup result replaces the host's facts.
   */
  gatherAs(shell: RemoteShell, names: Iterable<string>, identity: string): Promise<void>;
  /** Every fact fetched so far, for `facts.*` expressions and the JSON report. */
  snapshot(): Record<string, unknown>;
}

export type { RemoteShell };
