/**
 * meta: runner actions, as Ansible 2.14's strategy runs them (plugins/strategy/__init__.py
 * _execute_meta). The executor carries them out (run/executor.ts runMeta); the module itself
 * never touches a host:
 * - flush_handlers: the handlers notified so far run now, on this batch, instead of at its end;
 * - end_host: this host leaves the play (not failed; later plays take it again);
 * - end_play / end_batch: no further task or handler of the play (of the batch: the next batch
 *   runs); handlers notified before are not run, as in Ansible;
 * - clear_facts: the play's hosts fetch their facts again on next use;
 * - clear_host_errors: hosts that failed in this play are failed no more (their part in this
 *   play is over; later plays take them);
 * - reset_connection: the host's SSH connection and its persistent shells are closed and opened
 *   again, so later tasks run in a new login session (new group membership applies), as the ssh
 *   plugin's reset() stops its ControlPersist master; `when:` is evaluated per host;
 * - noop, refresh_inventory: nothing (the inventory is a YAML file checked before any host).
 */
import { z } from 'zod';
import { defineModule } from './types.js';

export const META_ACTIONS = ['flush_handlers', 'end_host', 'end_play', 'end_batch', 'clear_facts', 'clear_host_errors', 'reset_connection', 'noop', 'refresh_inventory'] as const;

export const schema = z.strictObject({ free_form: z.enum(META_ACTIONS, { error: `meta takes one of: ${META_ACTIONS.join(', ')}` }) });

export default defineModule({
  name: 'meta',
  description: 'Runner actions: flush_handlers, end_host, end_play, end_batch, clear_facts, clear_host_errors, reset_connection, noop, refresh_inventory',
  schema,
  local: true,
  freeForm: 'free_form',
  async plan() {
    return { changed: false };
  },
});
