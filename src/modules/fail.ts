/** fail: stop the host with a message (controller only). */
import { z } from 'zod';
import { defineModule, ModuleFailure } from './types.js';

export const schema = z.strictObject({
  msg: z.unknown().default('Failed as requested from task'),
});

export default defineModule({
  name: 'fail',
  description: 'Fail the host with a custom message',
  schema,
  local: true,
  async plan(args) {
    // 2.14's fail action registers msg as given (a list stays a list); the text is for the report.
    const msg = typeof args.msg === 'string' ? args.msg : JSON.stringify(args.msg);
    throw new ModuleFailure(msg, {}, args.msg);
  },
});
