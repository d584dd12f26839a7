import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadAll, type LoadOptions, type Loaded } from '../../../src/load/load.js';
import { ValidationErrors } from '../../../src/load/errors.js';

export const DEFAULT_INVENTORY = 'all:\n  hosts:\n    node1:\n    node2:\n';

/** Write files (path → text) into a fresh temp dir; returns the dir. */
export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nm-load-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface Outcome {
  loaded?: Loaded;
  /** Formatted "file:line:col: message", temp dir stripped from paths. */
  errors: string[];
  codes: string[];
  warnings: string[];
}

/** Load `site.yaml` + `inventory.yaml` (default: node1, node2) from the given files. */
export async function loadTree(files: Record<string, string>, opts: Partial<LoadOptions> = {}): Promise<Outcome> {
  const dir = writeTree({ 'inventory.yaml': DEFAULT_INVENTORY, ...files });
  const strip = (s: string): string => s.split(`${dir}/`).join('');
  const warnings: string[] = [];
  try {
    const loaded = await loadAll({
      playbook: join(dir, 'site.yaml'),
      inventory: join(dir, 'inventory.yaml'),
      onWarning: (w) => warnings.push(strip(w)),
      ...opts,
    });
    return { loaded, errors: [], codes: [], warnings };
  } catch (e) {
    if (!(e instanceof ValidationErrors)) throw e;
    return { errors: e.errors.map((x) => strip(x.format())), codes: e.errors.map((x) => x.code), warnings };
  }
}

/** A one-play playbook around some task lines (each already indented by 4). */
export const play = (tasks: string): string => `- hosts: all\n  tasks:\n${tasks}`;
