/**
 * shell: run a command line through a shell (`/bin/sh -c` unless `executable`), so
 * pipes, redirections and variables work. The line itself is passed as ONE quoted
 * argument to that shell: it is the user's shell code, never spliced into ours.
 */
import { z } from 'zod';
import { defineModule } from './types.js';
import { sh } from '../transport/quote.js';
import { commonShape, COMMON_INLINE_KEYS, planCommand, withInlineOptions } from './command.js';

export const schema = z.preprocess(
  withInlineOptions([...COMMON_INLINE_KEYS, 'executable']),
  z
    .strictObject({
      cmd: z.string(),
      executable: z.string().default('/bin/sh'),
      ...commonShape,
    })
    .refine((a) => a.cmd.trim() !== '', { message: 'no command given' }),
);

export default defineModule({
  name: 'shell',
  pathArgs: ['chdir', 'creates', 'removes'],
  description: 'Run a command line through /bin/sh (or executable) on the host; creates/removes for idempotency',
  schema,
  freeForm: 'cmd',
  async plan(args, ctx) {
    return planCommand(args, ctx, sh`exec ${args.executable} -c ${args.cmd}`, args.cmd, args.cmd);
  },
});
