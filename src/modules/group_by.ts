/**
 * group_by: put the task's host in the group `key` (spaces become `-`), made under `parents` (default
 * `all`) as needed, as 2.14's action plugin (plugins/action/group_by.py) and strategy
 * (InventoryManager.add_dynamic_group) do: it runs on the controller for every host of the task,
 * connecting to none; `changed` says whether the inventory changed (a check run changes it too:
 * later plays see the group either way). Registers `add_group` and `parent_groups`, no msg.
 */
import { z } from 'zod';
import { defineModule } from './types.js';

const text = z.union([z.string(), z.number()]).transform(String);

const schema = z.strictObject({
  key: text,
  parents: z
    .union([text, z.array(text)])
    .default(['all'])
    .transform((p) => (Array.isArray(p) ? p : [p])),
});

export default defineModule({
  name: 'group_by',
  description: "Put the task's host in a group made from a key (changes the run's inventory; no connection)",
  schema,
  local: true,
  async plan(args, ctx) {
    const key = args.key.replace(/ /g, '-');
    const parents = args.parents.map((p) => p.replace(/ /g, '-'));
    const { changed, warning } = ctx.inventory!.groupBy(key, parents);
    if (warning) ctx.warn?.(warning);
    return { changed, shown: `group ${key}`, result: { add_group: key, parent_groups: parents } };
  },
});
