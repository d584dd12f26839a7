import type { FactDef, Facts } from './types.js';
import type { RemoteShell } from '../transport/types.js';
import { FACTS } from './index.js';

const MARK = '__NODEMEND_FACT__';

/** Who reads the asPlayUser facts, as a key: the become user, or '' for the login user. */
/** Who facts that depend on who asks were read as: the login user when not the inventory's, and the become user. */
export const factIdentity = (becomeUser: string | undefined, otherLogin?: string): string =>
  `${otherLogin === undefined ? '' : `login:${otherLogin} `}${becomeUser === undefined ? '' : `become:${becomeUser}`}`;

/**
 * Per-host lazy fact cache. Missing facts asked for together are fetched in one
 * remote command (each in its own subshell, delimited by markers), so a task that
 * needs three facts costs one round trip, and a host no task asks about costs none.
 * Facts marked `asPlayUser` go through `playUserShell` (the play's become, see
 * useIdentity), the rest as the login user.
 */
export class FactCache implements Facts {
  private values = new Map<string, unknown>();
  private pending = new Map<string, Promise<void>>();
  /** Who the cached asPlayUser facts were read as, and who the next read would be. */
  private readAs?: string;
  private identity = '';

  constructor(
    private readonly shell: RemoteShell,
    private readonly defs: ReadonlyMap<string, FactDef> = FACTS,
    private readonly playUserShell: RemoteShell = shell,
  ) {}

  /** A play that gathers facts has started on this host (asPlayUser facts not read yet are read as its user). */
  private playGathered = false;
  /** Only plays that gather nothing have started here: asPlayUser facts not read are undefined under Ansible's names. */
  private nothingGathered = false;

  /**
   * After `meta: clear_facts`: Ansible's names are undefined until a play gathers again, but for
   * what a setup task returned since (regathered).
   */
  private cleared = false;
  private regathered = new Set<string>();

  /** `meta: clear_facts`: every fact forgotten and, under Ansible's names, undefined until gathered again. */
  clear(): void {
    this.invalidate();
    this.cleared = true;
    this.regathered.clear();
  }

  setupGathered(names: Iterable<string>): void {
    for (const n of names) this.regathered.add(n);
  }

  /** A play that gathers nothing (`gather_facts: false`) starts. */
  skipGathering(): void {
    if (!this.playGathered) this.nothingGathered = true;
  }

  /**
   * A play starts as `identity` (its become user, or the login user): asPlayUser facts read as
   * someone else are forgotten, so they are read again as Ansible's gathering at play start would;
   * so are `everyPlay` facts (local facts: files a task may have written since).
   * A play that does not gather (`gather_facts: false`) does not call this: the facts stay with the
   * host as the last gathering play read them (or would have: they are read lazily, as its user).
   */
  useIdentity(identity: string): void {
    this.playGathered = true;
    this.nothingGathered = false;
    this.cleared = false;
    this.identity = identity;
    for (const [n, d] of this.defs) if (d.everyPlay) this.values.delete(n);
    if (this.readAs !== undefined && this.readAs !== identity) {
      for (const [n, d] of this.defs) if (d.asPlayUser) this.values.delete(n);
      this.readAs = undefined;
    }
  }

  async gatherAs(shell: RemoteShell, names: Iterable<string>, identity: string): Promise<void> {
    const mine = [...new Set(names)].filter((n) => this.def(n).asPlayUser);
    if (!mine.length) return;
    await Promise.all(mine.flatMap((n) => this.pending.get(n) ?? []));
    await this.fetch(mine, shell);
    this.readAs = identity;
  }

  private def(name: string): FactDef {
    const d = this.defs.get(name);
    if (!d) throw new Error(`unknown fact "${name}" (known: ${[...this.defs.keys()].join(', ')})`);
    return d;
  }

  async get<T>(name: string): Promise<T> {
    await this.prefetch([name]);
    return this.values.get(name) as T;
  }

  async prefetch(names: Iterable<string>): Promise<void> {
    const wanted = [...new Set(names)];
    wanted.forEach((n) => this.def(n));
    const missing = wanted.filter((n) => !this.values.has(n) && !this.pending.has(n));
    if (missing.length) {
      // One round trip when both kinds go through the same shell (no become), two in parallel otherwise.
      const split = this.playUserShell !== this.shell;
      const asUser = missing.filter((n) => this.def(n).asPlayUser && split);
      const asLogin = missing.filter((n) => !asUser.includes(n));
      const identity = this.identity;
      const p = Promise.all([
        asLogin.length ? this.fetch(asLogin, this.shell).then(() => void (asLogin.some((n) => this.def(n).asPlayUser) && (this.readAs = identity))) : undefined,
        asUser.length ? this.fetch(asUser, this.playUserShell).then(() => void (this.readAs = identity)) : undefined,
      ]).then(() => undefined);
      missing.forEach((n) => this.pending.set(n, p));
      try {
        await p;
      } finally {
        missing.forEach((n) => this.pending.delete(n));
      }
    }
    await Promise.all(wanted.flatMap((n) => this.pending.get(n) ?? []));
  }

  private async fetch(names: string[], shell: RemoteShell): Promise<void> {
    const script = names.map((n, i) => `printf '\\n${MARK}${i}\\n'; (${this.def(n).command}) 2>/dev/null; printf '\\n${MARK}rc %d\\n' $?`).join('\n');
    const res = await shell.exec(script);
    const parts = res.stdout.split(new RegExp(`\\n${MARK}(\\d+)\\n`));
    // parts: [pre, idx, body, idx, body...]; each body ends with "\n<MARK>rc N\n"
    for (let k = 1; k < parts.length; k += 2) {
      const name = names[Number(parts[k])];
      const m = new RegExp(`^([\\s\\S]*)\\n${MARK}rc (\\d+)\\n?$`).exec(parts[k + 1]);
      const body = m ? m[1] : parts[k + 1];
      const rc = m ? Number(m[2]) : 1;
      this.values.set(name, this.def(name).parse(body, rc));
    }
    for (const n of names) if (!this.values.has(n)) throw new Error(`fact "${n}" returned no output`);
  }

  peek(name: string): unknown {
    return this.values.get(name);
  }

  /** Whether the fact was read (its value may be undefined: the host has none). */
  fetched(name: string): boolean {
    return this.values.has(name);
  }

  /** The host has facts as 2.14's fact cache has them (its `module_setup`): a play or a setup task gathered them since the last clear_facts. */
  hasGathered(): boolean {
    return (!this.cleared && this.playGathered) || this.regathered.size > 0;
  }

  gathered(name: string): boolean {
    if (this.cleared) return this.regathered.has(name);
    return !this.nothingGathered || !this.def(name).asPlayUser || this.values.has(name);
  }

  set(name: string, value: unknown): void {
    this.def(name);
    this.values.set(name, value);
  }

  invalidate(names?: string[]): void {
    if (!names) {
      this.values.clear();
      this.readAs = undefined;
    } else names.forEach((n) => this.values.delete(n));
  }

  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}
