import type { TaskResult } from '../run/events.js';
import type { Colors } from './colors.js';

export interface ResultLineOptions {
  /** -v count: 1 adds ok/skipped hosts and output tails. */
  verbose: number;
  /** --diff: show what changed results changed (grouped across hosts by TaskLog, report/diff-groups.ts). */
  diff: boolean;
  c: Colors;
}

const ITEM_MAX = 80;
export const HIDDEN_ITEM = '<hidden: no_log>';

function itemLabel(item: unknown): string {
  const s = typeof item === 'string' ? item : (JSON.stringify(item) ?? String(item));
  return s.length > ITEM_MAX ? `${s.slice(0, ITEM_MAX - 1)}…` : s;
}

/** Multi-line text under a result line, each line tagged so a grep for "stderr |" finds it. */
function tagged(tag: string, text: string | undefined): string[] {
  if (!text) return [];
  return text.split('\n').map((l) => `  ${tag} | ${l}`);
}

/**
 * The lines one host's result adds to the log, Ansible style: "changed: [node3]",
 * "failed: [node4] => msg (rc=2)" plus its stderr tail. Nothing for ok/skipped results
 * unless -v (a debug task's message always shows: printing it is its whole point).
 */
export function resultLines(r: TaskResult, o: ResultLineOptions): string[] {
  const { c } = o;
  // An include_tasks that ran prints which file it included, as ansible-playbook does at every verbosity.
  if (r.module === 'include_tasks' && r.status === 'ok' && r.msg !== undefined) {
    return [`included: ${r.msg} for ${r.host}${r.item !== undefined ? ` => (item=${r.censored ? HIDDEN_ITEM : itemLabel(r.item)})` : ''}`];
  }
  const failed = r.status === 'failed' || r.status === 'unreachable';
  const isDebug = r.module === 'debug' && r.msg !== undefined;
  // Shown at every verbosity, as Ansible's display.warning is.
  const warnings = (r.warnings ?? []).map((w) => c.magenta(`[WARNING]: ${w}`));
  if (!failed && r.status !== 'changed' && !o.verbose && !(isDebug && r.status === 'ok')) return warnings;

  const label: Record<TaskResult['status'], string> = {
    ok: c.green('ok'),
    changed: c.yellow('changed'),
    failed: c.red('failed'),
    unreachable: c.red('unreachable'),
    skipped: c.cyan('skipping'),
  };
  let line = `${r.check ? c.dim('(check) ') : ''}${label[r.status]}: [${r.host}]`;
  // no_log hides loop items too (they often hold the secret), as Ansible does.
  if (r.item !== undefined) line += ` (item=${r.censored ? HIDDEN_ITEM : itemLabel(r.item)})`;
  const showMsg = r.msg !== undefined && (failed || isDebug || (o.verbose > 0 && r.status !== 'skipped'));
  const msg = showMsg ? r.msg!.split('\n') : [];
  if (msg.length) line += ` => ${failed ? c.red(msg[0]) : msg[0]}`;
  if (r.rc !== undefined && failed) line += ` (rc=${r.rc})`;
  if (r.ignored) line += c.cyan(' (ignored)');
  return [...warnings, line, ...msg.slice(1).map((l) => `  ${l}`), ...tails(r, o, failed)];
}

function tails(r: TaskResult, o: ResultLineOptions, failed: boolean): string[] {
  return [...(o.verbose ? tagged('stdout', r.stdoutTail) : []), ...(failed || o.verbose ? tagged('stderr', r.stderrTail) : [])];
}
