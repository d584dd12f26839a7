/**
 * Reads a task of a shipped playbook (or included task file) by name, so a unit test can
 * evaluate the playbook's own expressions (the parsers of tool output) against real outputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileTemplate } from '../../../src/load/expr/index.js';

const PLAYBOOKS = join(import.meta.dirname, '..', '..', '..', 'playbooks');

function find(node: unknown, name: string): Record<string, unknown> | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const hit = find(n, name);
      if (hit) return hit;
    }
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.name === name && !('hosts' in o)) return o;
    for (const k of ['tasks', 'block', 'rescue', 'always', 'handlers', 'pre_tasks', 'post_tasks']) {
      const hit = find(o[k], name);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The task named `name` in playbooks/<file>; throws when there is none (so a rename fails the test). */
export function playbookTask(file: string, name: string): Record<string, unknown> {
  const task = find(parse(readFileSync(join(PLAYBOOKS, file), 'utf8')), name);
  if (!task) throw new Error(`no task named ${JSON.stringify(name)} in playbooks/${file}`);
  return task;
}

/** Renders every value of a set_fact task against a scope, as the runner would. */
export function renderSetFact(file: string, name: string, scope: Record<string, unknown>): Record<string, unknown> {
  const facts = playbookTask(file, name).set_fact as Record<string, string>;
  return Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, compileTemplate(v).render(scope)]));
}

/** Renders one value of a set_fact task (a task whose other values need more of the run's scope). */
export function renderFact(file: string, name: string, key: string, scope: Record<string, unknown>): unknown {
  const facts = playbookTask(file, name).set_fact as Record<string, string>;
  if (!(key in facts)) throw new Error(`task ${JSON.stringify(name)} in playbooks/${file} sets no ${key}`);
  return compileTemplate(facts[key]).render(scope);
}
