/**
 * The verdict of scripts/main-job.sh from its three --json reports (dry run, real run, rerun):
 * - the dry run predicted exactly the changes the real run made, task by task and loop item;
 * - every play of the playbook that changes hosts changed something in the real run: the
 *   planted fleet needs every fix, so a play with no change was skipped where it should work;
 * - every read-only play (READ_ONLY: audits, decisions, verifications) changed nothing and ran
 *   at least one task besides set_fact on some host (a verify that skipped itself proves nothing);
 * - the rerun changed nothing on any host.
 * Prints per play: predicted, changed. Run through scripts/run-ts.sh; test/unit holds it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPlaybook } from '../src/load/playbook.js';
import { newDiag } from '../src/load/diag.js';
import type { JsonReport } from '../src/report/json.js';

/**
 * Plays of site.yaml that only read, decide or verify: they never change a host. A renamed one
 * would be judged as a changing play and fail the job with "0 changes" (the unit test also
 * checks that each name is one of site.yaml's plays).
 */
export const READ_ONLY = [
  'Audit kmem accounting, docker, kubelet, kpatch and kernel/systemd symptoms',
  'Which nodes need the route live patch',
  'Verify the live patch is loaded and enabled',
  'Verify that kmem accounting is off',
];

export interface Verdict {
  lines: string[];
  errors: string[];
}

const changes = (r: JsonReport): string[] =>
  Object.entries(r.hosts)
    .flatMap(([h, x]) => x.tasks.filter((t) => t.changed).map((t) => `${h} ${t.play} / ${t.task}${t.item === undefined ? '' : ' ' + JSON.stringify(t.item)}`))
    .sort();

const perPlay = (r: JsonReport, play: string): number => Object.values(r.hosts).reduce((n, h) => n + h.tasks.filter((t) => t.play === play && t.changed).length, 0);

/** `plays`: the playbook's play names in order (import_playbook flattened). */
export function judgeMainJob(plays: string[], check: JsonReport, run: JsonReport, rerun: JsonReport): Verdict {
  const lines: string[] = [];
  const errors: string[] = [];
  const [p, d] = [changes(check), changes(run)];
  const miss = d.filter((x) => !p.includes(x));
  const extra = p.filter((x) => !d.includes(x));
  if (miss.length || extra.length) errors.push(`check mode was not exact:\n  not predicted: ${miss.join('\n    ')}\n  predicted only: ${extra.join('\n    ')}`);
  else lines.push(`check mode predicted all ${d.length} changes exactly`);
  for (const name of plays) {
    const [predicted, changed] = [perPlay(check, name), perPlay(run, name)];
    const readOnly = READ_ONLY.includes(name);
    lines.push(`  ${name}: predicted ${predicted}, changed ${changed}${readOnly ? ' (read-only)' : ''}`);
    if (readOnly) {
      if (changed > 0) errors.push(`read-only play "${name}" changed ${changed} things`);
      const ran = Object.values(run.hosts).some((h) => h.tasks.some((t) => t.play === name && t.module !== 'set_fact' && (t.status === 'ok' || t.status === 'changed')));
      if (!ran) errors.push(`read-only play "${name}" ran nothing but set_fact on any host: it was skipped`);
    } else if (changed === 0) errors.push(`play "${name}" made 0 changes on the first real run: the fleet did not need it (a planted piece missing?) or it was skipped`);
  }
  const notIdempotent = Object.entries(rerun.hosts).filter(([, h]) => h.recap.changed > 0);
  if (notIdempotent.length) errors.push(`not idempotent: the rerun changed ${notIdempotent.map(([n, h]) => `${h.recap.changed} on ${n}`).join(', ')}`);
  else lines.push(`rerun: changed=0 on all ${Object.keys(rerun.hosts).length} hosts`);
  return { lines, errors };
}

/** The names of a playbook's plays, import_playbook flattened, through nodemend's own loader. */
export function playNames(playbook: string): string[] {
  const diag = newDiag();
  const pb = loadPlaybook(resolve(playbook), diag);
  if (diag.errors.length) throw new Error(diag.errors.map((e) => e.message).join('\n'));
  return pb.plays.map((p) => p.name);
}

// As a program: main-job-report PLAYBOOK CHECK.json RUN.json RERUN.json (exit 1 on any error)
if (process.argv[1]?.endsWith('main-job-report.mjs')) {
  const [playbook, ...files] = process.argv.slice(2);
  if (!playbook || files.length !== 3) throw new Error('usage: main-job-report.mjs PLAYBOOK CHECK.json RUN.json RERUN.json');
  const [check, run, rerun] = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as JsonReport);
  const v = judgeMainJob(playNames(playbook), check, run, rerun);
  for (const l of v.lines) console.log(l);
  for (const e of v.errors) console.error(`MAIN JOB FAILED: ${e}`);
  process.exitCode = v.errors.length ? 1 : 0;
}
