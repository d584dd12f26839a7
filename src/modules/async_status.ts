/**
 * async_status: the state of a job an `async:` task started (modules/async_status.py and its action
 * plugin, 2.14): `jid`, `mode` status (default) or cleanup. A running job registers started 1,
 * finished 0; an ended one the module's own result (an ended command as command registers it), finished
 * 1; cleanup removes the job's files and registers `erased`. 2.14's module does not support check mode:
 * --check skips it, as Ansible does ("remote module (async_status) does not support check mode").
 */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';
import { jobStatus } from './command.js';
import { readJob, removeJob } from './lib/async-job.js';

const schema = z.strictObject({
  jid: z.coerce.string(),
  mode: z.enum(['status', 'cleanup']).default('status'),
});

/** The async_status action plugin's result before the module's is merged over it. */
const blank = (jid: string) => ({ ansible_job_id: jid, started: 0, finished: 0, stdout: '', stderr: '', stdout_lines: [] as string[], stderr_lines: [] as string[] });

export default defineModule({
  name: 'async_status',
  description: "An async task's job: started/finished and, once ended, its result (mode cleanup removes the job's files)",
  schema,
  async plan(args, ctx) {
    if (ctx.check) return { changed: false, result: { skipped: true, msg: 'remote module (async_status) does not support check mode' } };
    const job = await readJob(ctx, args.jid);
    if (args.mode === 'cleanup') {
      if (job.state === 'missing') throw new ModuleFailure('could not find job', { ...blank(args.jid), erased: job.path, started: 1, finished: 1 });
      await removeJob(ctx, args.jid);
      return { changed: false, result: { ...blank(args.jid), erased: job.path } };
    }
    if (job.state === 'missing') throw new ModuleFailure('could not find job', { ...blank(args.jid), results_file: job.path, started: 1, finished: 1 });
    if (job.state === 'running') return { changed: false, result: { ...blank(args.jid), results_file: job.path, started: 1 } };
    const result = await jobStatus(job, args.jid);
    return { changed: Boolean(result.changed), result };
  },
});
