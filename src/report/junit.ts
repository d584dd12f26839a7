import type { RunResult, TaskResult } from '../run/events.js';
import { HIDDEN_ITEM } from './result-lines.js';
import { resultStatus, worstStatus } from './host-status.js';
import { writeFileAtomic } from './write-atomic.js';
import { escapeAttr, escapeText } from './xml.js';

/**
 * The --junit report. One <testsuite> per host (GitLab lists suites, Jenkins groups
 * by classname: both then show "node4: 1 failed" like the recap), one <testcase
 * classname="<host>" name="<play> / <task>"> per host and task. A looped task is one
 * test case; its items' failures are listed in the failure body.
 *   failed → <failure>, unreachable → <error>, every item skipped → <skipped/>,
 *   a failure with ignore_errors passes (noted in <system-out>).
 */
interface Case {
  host: string;
  play: string;
  task: string;
  loc: string;
  handler: boolean;
  results: TaskResult[];
}

/** Each host's results in run order, loop items of one task folded into one case. */
function casesByHost(result: RunResult): Map<string, Case[]> {
  const byHost = new Map<string, Case[]>(Object.keys(result.recap).map((h) => [h, []]));
  for (const r of result.results) {
    const list = byHost.get(r.host) ?? byHost.set(r.host, []).get(r.host)!;
    const last = list[list.length - 1];
    const sameTask = last && r.item !== undefined && last.play === r.play && last.task === r.task && last.loc === r.taskLoc && last.handler === Boolean(r.isHandler);
    if (sameTask) last.results.push(r);
    else list.push({ host: r.host, play: r.play, task: r.task, loc: r.taskLoc, handler: Boolean(r.isHandler), results: [r] });
  }
  return byHost;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);
function itemTag(r: TaskResult): string {
  if (r.item === undefined) return '';
  const label = r.censored ? HIDDEN_ITEM : typeof r.item === 'string' ? r.item : JSON.stringify(r.item);
  return `[item=${label}] `;
}

/** What a failed item says in the failure body: message, rc, stderr tail. */
function failureText(r: TaskResult): string {
  const lines = [`${itemTag(r)}${r.msg ?? 'failed'}`];
  if (r.rc !== undefined) lines.push(`rc: ${r.rc}`);
  if (r.stderrTail) lines.push('stderr:', r.stderrTail);
  return lines.join('\n');
}

function systemOut(results: TaskResult[]): string {
  const parts = results.flatMap((r) => {
    const head = `${itemTag(r)}${resultStatus(r)}${r.msg ? `: ${r.msg}` : ''}`;
    return r.stdoutTail ? [head, r.stdoutTail] : r.msg || r.ignored ? [head] : [];
  });
  return parts.length ? `<system-out>${escapeText(parts.join('\n'))}</system-out>` : '';
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function caseXml(k: Case, counts: Counts): string {
  const status = worstStatus(k.results.map(resultStatus))!;
  const ms = k.results.reduce((s, r) => s + r.durationMs, 0);
  counts.tests++;
  counts.ms += ms;
  const name = `${k.play} / ${k.handler ? 'handler: ' : ''}${k.task}`;
  const open = `    <testcase classname="${escapeAttr(k.host)}" name="${escapeAttr(name)}" file="${escapeAttr(k.loc)}" time="${seconds(ms)}">`;
  let body = '';
  if (status === 'failed') {
    counts.failures++;
    const failed = k.results.filter((r) => resultStatus(r) === 'failed');
    body = `<failure message="${escapeAttr(failed[0].msg ?? 'failed')}" type="failed">${escapeText(failed.map(failureText).join('\n\n'))}</failure>`;
  } else if (status === 'unreachable') {
    counts.errors++;
    const r = k.results.find((x) => x.status === 'unreachable')!;
    body = `<error message="${escapeAttr(r.msg ?? 'unreachable')}" type="unreachable">${escapeText(r.msg ?? '')}</error>`;
  } else if (status === 'skipped') {
    counts.skipped++;
    body = `<skipped message="${escapeAttr(k.results[0].msg ?? 'skipped')}"/>`;
  }
  return `${open}${body}${systemOut(k.results)}</testcase>`;
}

const countAttrs = (c: Counts): string => `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(c.ms)}"`;

export function buildJunitReport(result: RunResult): string {
  // JUnit's timestamp has no zone; the run's UTC time without the "Z" is what Jenkins and GitLab parse.
  const timestamp = new Date(result.startedAt).toISOString().replace(/\.\d+Z$/, '');
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
  const suites: string[] = [];
  for (const [host, cases] of casesByHost(result)) {
    const counts: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
    const xmlCases = cases.map((k) => caseXml(k, counts));
    for (const k of ['tests', 'failures', 'errors', 'skipped', 'ms'] as const) total[k] += counts[k];
    suites.push(`  <testsuite name="${escapeAttr(host)}" hostname="${escapeAttr(host)}" timestamp="${timestamp}" ${countAttrs(counts)}>`, ...xmlCases, '  </testsuite>');
  }
  const name = `nodemend${result.check ? ' --check' : ''} ${result.playbook}`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${escapeAttr(name)}" ${countAttrs({ ...total, ms: result.durationMs })}>`, ...suites, '</testsuites>', ''].join('\n');
}

export async function writeJunitReport(file: string, result: RunResult): Promise<void> {
  await writeFileAtomic(file, buildJunitReport(result));
}
