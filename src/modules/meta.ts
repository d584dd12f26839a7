/**
 * meta: runner actions. Only `flush_handlers` (Ansible's): the handlers notified so far run
 * now, on this batch, instead of at its end, so a play can restart a service and then go on
 * to check and uncordon the node. The executor carries it out (run/executor.ts); the module
 * itself never touches a host.
 */
import { z } from 'zod';
import { defineModule } from './types.js';

export const schema = z.strictObject({ free_form: z.enum(['flush_handlers'], { error: 'the only meta action supported is flush_handlers' }) });

export default defineModule({
  name: 'meta',
  description: 'Runner actions: flush_handlers (run the notified handlers now)',
  schema,
  local: true,
  freeForm: 'free_form',
  async plan() {
    return { changed: false };
  },
});
