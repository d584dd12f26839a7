import type { ModuleDef } from './types.js';
// One import per module file; add new modules to the list below.
// MODULE-IMPORTS
import command from './command.js';
import shell from './shell.js';

const ALL: ModuleDef[] = [
  // MODULE-LIST
  command,
  shell,
];

/** Modules by name; `ansible.builtin.x` and short `x` both resolve. */
export const MODULES: ReadonlyMap<string, ModuleDef> = new Map(ALL.map((m) => [m.name, m]));

export function findModule(name: string): ModuleDef | undefined {
  return MODULES.get(name.replace(/^ansible\.builtin\./, ''));
}
