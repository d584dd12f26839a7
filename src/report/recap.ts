import type { HostRecap, RunResult } from '../run/events.js';
import { colors } from './colors.js';
import { plural } from './task-log.js';

const FIELDS: (keyof HostRecap)[] = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];

export type HostOutcome = 'failed' | 'unreachable' | 'changed' | 'ok';

/** A host's worst outcome over the run: what its recap line is colored by. */
export function hostOutcome(result: RunResult, host: string): HostOutcome {
  const r = Object.hasOwn(result.recap, host) ? result.recap[host] : undefined;
  if (result.failedHosts.includes(host)) return 'failed';
  if (result.unreachableHosts.includes(host) || (r && r.unreachable > 0)) return 'unreachable';
  if (r && r.changed > 0) return 'changed';
  return 'ok';
}

/** "12.3s", "2m 05s", "1h 02m 03s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m ${two(s % 60)}s`;
}

/**
 * Ansible's PLAY RECAP: one aligned line per host, then the totals and wall time.
 * Host names are colored by their worst outcome, non-zero counters by their kind.
 */
export function renderRecap(result: RunResult, opts: { color: boolean }): string {
  const c = colors(opts.color);
  const hosts = Object.keys(result.recap);
  const total: HostRecap = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
  for (const h of hosts) for (const f of FIELDS) total[f] += result.recap[h][f];

  const fieldPaint: Record<keyof HostRecap, (s: string) => string> = {
    ok: c.green,
    changed: c.yellow,
    unreachable: c.red,
    failed: c.red,
    skipped: c.cyan,
    rescued: c.magenta,
    ignored: c.gray,
  };
  // Each host column as wide as its largest value, so the hosts' columns line up.
  const width = (f: keyof HostRecap): number => Math.max(1, ...hosts.map((h) => String(result.recap[h][f]).length));
  const counters = (r: HostRecap, pad: boolean): string =>
    FIELDS.map((f, i) => {
      const cell = `${f}=${r[f]}`;
      const padded = pad && i < FIELDS.length - 1 ? cell.padEnd(f.length + 1 + width(f)) : cell;
      return r[f] > 0 ? fieldPaint[f](padded) : padded;
    }).join('  ');
  const hostPaint: Record<HostOutcome, (s: string) => string> = { failed: c.red, unreachable: c.red, changed: c.yellow, ok: c.green };

  const nameWidth = Math.max(0, ...hosts.map((h) => h.length));
  const lines = ['', c.bold('PLAY RECAP')];
  for (const h of hosts) lines.push(`${hostPaint[hostOutcome(result, h)](h.padEnd(nameWidth))} : ${counters(result.recap[h], true)}`);
  lines.push('', `${plural(hosts.length, 'host')}: ${counters(total, false)}  (${result.check ? 'check run, ' : ''}${formatDuration(result.durationMs)})`);
  lines.push(...stopLines(result).map((l) => c.red(l)));
  return lines.map((l) => `${l}\n`).join('');
}

/** Why the run ended early and what it left behind: an operator must never have to guess which nodes to look at. */
export function stopLines(result: RunResult): string[] {
  const out: string[] = [];
  const names = (hs: string[]): string => (hs.length ? hs.join(', ') : 'none');
  for (const s of result.stopped ?? []) out.push(`STOPPED play "${s.play}": ${s.reason}; not touched: ${names(s.untouched)}`);
  const i = result.interrupted;
  if (i) out.push(`INTERRUPTED by ${i.signal}: stopped part-way: ${names(i.hosts)}; not started: ${names(i.notStarted)}`);
  for (const h of result.cordoned ?? []) out.push(`LEFT CORDONED: ${h} is drained and cordoned; check it, then run "kubectl uncordon" on it`);
  return out;
}

/** 130 interrupted (Ctrl-C, SIGTERM); 0 every host fine; 2 a host failed; 4 a host was unreachable and none failed (1 is the CLI's: bad input). */
export function exitCode(result: RunResult): number {
  if (result.interrupted) return 130; // as a shell reports a Ctrl-C'd command (128 + SIGINT)
  if (result.failedHosts.length > 0 || result.stopped?.some((s) => s.breaks)) return 2;
  if (result.unreachableHosts.length > 0) return 4;
  return 0;
}
