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
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Loaded } from '../load/load.js';

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
}

/** What decides what a run does: the loaded model, its hosts and -e. */
export function runFingerprint(loaded: Pick<Loaded, 'playbook' | 'inventory' | 'hostsByPlay' | 'extraVars'>): string {
  const inventory = { hosts: [...loaded.inventory.hosts.entries()], groups: [...loaded.inventory.groups.entries()] };
  const text = JSON.stringify({ plays: loaded.playbook.plays, inventory, hosts: loaded.hostsByPlay, extraVars: loaded.extraVars });
  return createHash('sha256').update(text).digest('hex');
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

  hostsFinished(play: number, hosts: string[]): void {
    if (!hosts.length) return;
    this.data.finished[play] = [...new Set([...(this.data.finished[play] ?? []), ...hosts])];
    this.write();
  }

  end(complete: boolean): void {
    this.data.complete = complete;
    this.write();
  }

  private write(): void {
    mkdirSync(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}
