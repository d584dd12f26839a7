/**
 * `async:` jobs on the host, as Ansible 2.14 keeps them (modules/async_wrapper.py, modules/async_status.py,
 * executor/task_executor.py _poll_async_result): a job id `j<12 digits>.<pid>`, its results file
 * `~/.ansible_async/<jid>` of the task's user, first holding `{"started": 1, "finished": 0, ...}`; the
 * program runs detached (setsid: the job outlives the connection), and a watchdog that wakes every 5 s
 * kills its process group once the limit has passed (async_wrapper's step: at 5 s + 5 s x ceil(N/5)),
 * writing 2.14's `{"msg": "Timeout exceeded", "failed": true, "child_pid": ...}` to the results file.
 * nodemend's job keeps the program's output and exit beside the results file (`<jid>.out`, `.err`,
 * `.end`: rc, start and end on the host's clock, `.meta`: what the controller needs to build the
 * module's result); async_status builds the result from them, as the command module would have.
 */
import { randomInt } from 'node:crypto';
import { raw, sh, type Raw } from '../../transport/quote.js';
import { ModuleFailure, type ModuleContext } from '../types.js';

/** What async_status reports of a job: its state, and for an ended one its exit, times and output. */
export type JobState =
  | { state: 'missing'; path: string }
  | { state: 'running'; path: string }
  | { state: 'ended'; path: string; rc: number; start: string; end: string; stdout: string; stderr: string; meta: Record<string, unknown> }
  | { state: 'result'; path: string; data: Record<string, unknown> };

const WATCHDOG_STEP = 5;
const STAMP = `+%Y-%m-%d %H:%M:%S.%6N`;

/** 2.14's job id (async_wrapper.py: `j` + random.randint(0, 999999999999), then `.` + the wrapper's pid). */
export const jobIdPrefix = (): string => `j${randomInt(0, 2 ** 40) % 1_000_000_000_000}`;

const jobDir = raw('"$HOME/.ansible_async"');

/**
 * Start `program` (shell text, already quoted) as a detached job; `stdin` is fed to it from a file.
 * Resolves to the job id and its results file (both as the host spells them).
 */
export async function startJob(ctx: ModuleContext, program: Raw, limitSec: number, meta: Record<string, unknown>, stdin?: string): Promise<{ jid: string; resultsFile: string }> {
  const job = sh`f=$1; n=$2
( s=$(date ${STAMP}); ( ${program} ) >"$f.out" 2>"$f.err"; r=$?; e=$(date ${STAMP}); printf '%s\\n%s\\n%s\\n' "$r" "$s" "$e" >"$f.t" && mv -f "$f.t" "$f.end" ) &
c=$!; sleep ${WATCHDOG_STEP}
while ! [ -e "$f.end" ]; do sleep ${WATCHDOG_STEP}; n=$((n-${WATCHDOG_STEP})); if [ "$n" -le 0 ]; then printf '{"msg": "Timeout exceeded", "failed": true, "child_pid": %s}\\n' "$c" >"$f.t" && mv -f "$f.t" "$f"; kill -9 0; fi; done
`;
  const script = sh`d=${jobDir}; j=${raw(jobIdPrefix())}.$$; f=$d/$j
mkdir -p "$d" && printf '{"started": 1, "finished": 0, "ansible_job_id": "%s"}\\n' "$j" >"$f" && printf '%s' ${JSON.stringify(meta)} >"$f.meta" || exit 1
${stdin === undefined ? raw(': >"$f.in"') : raw('cat >"$f.in" || exit 1')}
setsid sh -c ${job.toString()} nodemend-async "$f" ${String(limitSec)} <"$f.in" >/dev/null 2>&1 &
printf '%s\\n%s\\n' "$j" "$f"
`;
  const res = await ctx.conn.exec(script, stdin === undefined ? {} : { stdin });
  const [jid, resultsFile] = res.stdout.split('\n');
  if (res.rc !== 0 || !jid || !resultsFile) throw new ModuleFailure(`could not start the async job: ${res.stderr.trim() || `rc ${res.rc}`}`);
  return { jid, resultsFile };
}

const SEP = '__NODEMEND_ASYNC_SEP__';

/** The job's state as its files tell it (one exec; an ended job's output in a second). */
export async function readJob(ctx: ModuleContext, jid: string): Promise<JobState> {
  const res = await ctx.conn.exec(sh`f=${jobDir}/${jid}; printf '%s\\n' "$f"
if ! [ -e "$f" ]; then echo missing; elif [ -e "$f.end" ]; then echo ended; cat -- "$f.end"; echo ${SEP}; cat -- "$f.meta"; else echo file; cat -- "$f"; fi
`);
  if (res.rc !== 0) throw new ModuleFailure(`cannot read the async job ${jid}: ${res.stderr.trim() || `rc ${res.rc}`}`);
  const [path, state, ...rest] = res.stdout.split('\n');
  if (state === 'missing') return { state: 'missing', path };
  if (state === 'ended') {
    const [rc, start, end] = rest;
    const metaText = rest.slice(rest.indexOf(SEP) + 1).join('\n');
    const out = await ctx.conn.exec(sh`f=${jobDir}/${jid}; cat -- "$f.out"; cat -- "$f.err" >&2`);
    return { state: 'ended', path, rc: Number(rc), start, end, stdout: out.stdout, stderr: out.stderr, meta: JSON.parse(metaText) as Record<string, unknown> };
  }
  const text = rest.join('\n');
  try {
    const data = JSON.parse(text) as unknown;
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      const d = data as Record<string, unknown>;
      return d.started !== undefined && d.finished === 0 ? { state: 'running', path } : { state: 'result', path, data: d };
    }
  } catch {
    // async_status.py: a file that does not parse (not yet whole) is a job still running.
  }
  return { state: 'running', path };
}

/** async_status mode=cleanup: the results file and nodemend's files beside it. */
export async function removeJob(ctx: ModuleContext, jid: string): Promise<void> {
  await ctx.conn.exec(sh`f=${jobDir}/${jid}; rm -f -- "$f" "$f.out" "$f.err" "$f.end" "$f.meta" "$f.in" "$f.t"`);
}

/** Python's str(timedelta) of the time between two `%Y-%m-%d %H:%M:%S.%f` stamps. */
export function stampDelta(start: string, end: string): string {
  const us = (s: string): number => {
    const m = /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)\.(\d{6})$/.exec(s);
    if (!m) return NaN;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) * 1000 + Number(m[7]);
  };
  const d = us(end) - us(start);
  if (!Number.isFinite(d) || d < 0) return '0:00:00';
  const s = Math.floor(d / 1e6);
  const frac = d % 1e6 ? `.${String(d % 1e6).padStart(6, '0')}` : '';
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}${frac}`;
}
