/**
 * The file a templated include_tasks names on one host. 2.14 renders the path per host when the
 * include runs (IncludedFile.process_include_results: the host's vars, facts and loop item), then
 * looks it up as a static include's (path_dwim_relative); hosts naming the same file run it together.
 * Its tasks were validated at load when the name is one of the files the path's pattern matched
 * (load/tasks.ts templatedCandidates); another file is loaded now, its errors failing the host.
 */
import { statSync } from 'node:fs';
import type { IncludeTasks, TaskNode } from '../load/model.js';
import { includedPathIn } from '../load/tasks.js';
import { renderDeep } from '../load/expr/index.js';
import { toText } from '../load/expr/values.js';
import { ModuleFailure } from '../modules/types.js';
import { withFacts } from './scope.js';
import type { HostRun } from './host-run.js';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export async function templatedIncludeFile(node: IncludeTasks, scope: Record<string, unknown>, host: HostRun): Promise<{ file: string; tasks: TaskNode[] }> {
  const rendered = toText(await withFacts(host.facts, () => renderDeep(node.include, scope, node.loc), scope));
  const file = includedPathIn(rendered, node.lookup!);
  const known = node.candidates!.get(file);
  if (known) return { file, tasks: known };
  // 2.14's strategy (_load_included_file): AnsibleFileNotFound's reason.
  if (!isFile(file)) throw new ModuleFailure(`Could not find or access '${file}' on the Ansible Controller.`);
  const late = node.loadLate!(file);
  if (late.errors.length) throw new ModuleFailure(late.errors.map((e) => e.format()).join('\n'));
  node.candidates!.set(file, late.nodes);
  return { file, tasks: late.nodes };
}
