/**
 * The run journal: which hosts finished which plays, so `nodemend run --resume` continues an
 * interrupted run (Ctrl-C, SIGTERM, a killed or crashed controller, a play stopped by its
 * failure budget) without redoing the hosts that were done.
 *
 * One file per playbook in the state directory (default `.nodemend/`), rewritten atomically
 * after every batch, so a controller killed at any moment leaves the last finished batch on
 * record. A host counts as finished with a play once its batch's tasks and handlers ran and it
 * did not fail; a host caught part-way runs that play again from its start (tasks are
 * idempotent, and a converged one changes nothing). Resuming is refused when anything that
 * decides what runs changed since: the loaded playbook (includes and vars files included), the
 * inventory, the hosts selected (--limit) or the extra vars.
 *
 * With each finished host the journal keeps what it had set (set_fact, register) when its batch
 * ended, and its include_vars values, so a resumed run gives later tasks the same hostvars (and a
 * host its own earlier values).
 * Values set by no_log tasks are never written: only the variable's name and its task are, and
 * --resume is refused while any is recorded (resumeBlockers), since a later task could read it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Loaded } from '../load/load.js';
import type { HostState } from './options.js';

export interface JournalData {
  version: 1;
  playbook: string;
  fingerprint: string;
  startedAt: string;
  /** The run (run-lock id) writing this journal now: --resume takes over its host locks. */
  runId: string;
  /** Per play index: the hosts that finished it. */
  finished: Record<string, string[]>;
  /** The run ended with every host done: nothing to resume. */
  complete: boolean;
  /** Per finished host: its set_fact/register values (no_log ones left out). */
  vars?: Record<string, Record<string, unknown>>;
  /** Per finished host: its include_vars values (no_log ones left out). */
  included?: Record<string, Record<string, unknown>>;
  /** Per finished host: variables no_log tasks set (name → task), whose values are not kept. */
  noLog?: Record<string, Record<string, string>>;
}

/** What decides what a run does: the loaded model, its hosts and -e. */
export function runFingerprint(loaded: Pick<Loaded, 'playbook' | 'inventory' | 'hostsByPlay' | 'extraVars'>): string {
  const inventory = { hosts: [...loaded.inventory.hosts.entries()], groups: [...loaded.inventory.groups.entries()] };
  const text = JSON.stringify({ plays: loaded.playbook.plays, inventory, hosts: loaded.hostsByPlay, extraVars: loaded.extraVars });
  return createHash('sha256').update(text).digest('hex');
}

/** JSON-safe copies of variables (a value that cannot be written, e.g. a cycle, is left out). */
function serializable(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    try {
      out[k] = JSON.parse(JSON.stringify(v ?? null));
    } catch {
      // not representable: a later task reading it fails as for an undefined variable
    }
  }
  return out;
}

export class Journal {
  private constructor(
    readonly file: string,
    readonly data: JournalData,
  ) {}

  /** The journal file of a playbook (by its absolute path). */
  static fileFor(stateDir: string, playbookAbs: string): string {
    return join(stateDir, `run-${createHash('sha256').update(playbookAbs).digest('hex').slice(0, 16)}.json`);
  }

  static start(file: string, playbook: string, fingerprint: string, runId: string): Journal {
    const j = new Journal(file, { version: 1, playbook, fingerprint, startedAt: new Date().toISOString(), runId, finished: {}, complete: false });
    j.write();
    return j;
  }

  /** The journal left by the last run, if any (a damaged file reads as none). */
  static load(file: string): Journal | undefined {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as JournalData;
      return data.version === 1 && data.finished && typeof data.fingerprint === 'string' ? new Journal(file, data) : undefined;
    } catch {
      return undefined;
    }
  }

  continueAs(runId: string): void {
    this.data.runId = runId;
    this.write();
  }

  finishedIn(play: number): Set<string> {
    return new Set(this.data.finished[play] ?? []);
  }

  hostsFinished(play: number, hosts: string[], state: Record<string, HostState> = {}): void {
    if (!hosts.length) return;
    this.data.finished[play] = [...new Set([...(this.data.finished[play] ?? []), ...hosts])];
    for (const [host, st] of Object.entries(state)) {
      (this.data.vars ??= {})[host] = serializable(st.vars);
      if (Object.keys(st.included).length) (this.data.included ??= {})[host] = serializable(st.included);
      if (Object.keys(st.noLog).length) (this.data.noLog ??= {})[host] = st.noLog;
      else delete this.data.noLog?.[host];
    }
    this.write();
  }

  /** Why this journal cannot be resumed without values it does not hold: one line per no_log variable. */
  resumeBlockers(): string[] {
    return Object.entries(this.data.noLog ?? {}).flatMap(([host, vars]) => Object.entries(vars).map(([name, task]) => `${host}: ${name} (set by no_log task ${task})`));
  }

  end(complete: boolean): void {
    this.data.complete = complete;
    this.write();
  }

  private write(): void {
    mkdirSync(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    // 0600: it holds what hosts returned (registered results)
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
