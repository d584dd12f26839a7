/**
 * tagsSelect against ansible-core 2.14's Taggable.evaluate_tags, on every combination of the
 * task tags, --tags and --skip-tags below. The expected values are a stored table
 * (test/fixtures/ansible-tags/evaluate-tags-2.14.json) that 2.14's function produced; where
 * /usr/bin/python3 imports ansible 2.14, the test also runs the function itself on the same
 * combinations and expects the stored table (NODEMEND_WRITE_TAGS_TABLE=1 rewrites it from there).
 * No --tags is passed to 2.14 as `all`, as its CLI does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tagsSelect } from '../../../src/run/tags.js';

const TASK_TAGS = [[], ['x'], ['y'], ['x', 'y'], ['always'], ['never'], ['never', 'x'], ['always', 'x'], ['always', 'never'], ['untagged'], ['tagged']];
const ONLY = [[], ['x'], ['y'], ['all'], ['tagged'], ['untagged'], ['always'], ['never'], ['all', 'never'], ['x', 'never'], ['tagged', 'untagged'], ['x', 'tagged']];
const SKIP = [[], ['x'], ['all'], ['tagged'], ['untagged'], ['always'], ['never'], ['all', 'always'], ['x', 'always'], ['x', 'untagged']];

type Row = [string[], string[], string[], boolean];
const combos: [string[], string[], string[]][] = TASK_TAGS.flatMap((t) => ONLY.flatMap((o) => SKIP.map((s): [string[], string[], string[]] => [t, o, s])));
const TABLE = join(__dirname, '../../fixtures/ansible-tags/evaluate-tags-2.14.json');

/** 2.14's own answers, or undefined where its python package is not installed. */
function ansibleAnswers(): Row[] | undefined {
  const script = [
    'import json, sys',
    'from ansible.release import __version__',
    'from ansible.playbook.task import Task',
    'assert __version__.startswith("2.14."), __version__',
    'out = []',
    'for tags, only, skip in json.load(sys.stdin):',
    '    t = Task()',
    '    t.tags = list(tags)',
    '    out.append([tags, only, skip, t.evaluate_tags(only or ["all"], skip, all_vars={})])',
    'print(json.dumps(out))',
  ].join('\n');
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import ansible'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(combos), encoding: 'utf8' })) as Row[];
}

describe('tagsSelect as 2.14 evaluate_tags', () => {
  const live = ansibleAnswers();
  if (live && process.env.NODEMEND_WRITE_TAGS_TABLE) writeFileSync(TABLE, `[\n${live.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
  const stored = JSON.parse(readFileSync(TABLE, 'utf8')) as Row[];

  it(`the stored table covers every combination (${combos.length})`, () => {
    expect(stored.map(([t, o, s]) => [t, o, s])).toEqual(combos);
  });

  it.skipIf(!live)('the stored table is what 2.14 answers now', () => {
    expect(stored).toEqual(live);
  });

  it('every combination: nodemend selects as 2.14', () => {
    const wrong = stored
      .filter(([t, o, s, want]) => tagsSelect(t, o, s) !== want)
      .map(([t, o, s, want]) => `tags ${JSON.stringify(t)} --tags ${JSON.stringify(o)} --skip-tags ${JSON.stringify(s)}: 2.14 ${want}`);
    expect(wrong).toEqual([]);
  });

  it.each([
    // The audit's cases (spot check 11), named.
    [['never'], ['tagged'], [], false],
    [['never', 'x'], ['tagged'], [], false],
    [['x'], [], ['tagged'], false],
    [[], [], ['tagged'], true],
    [[], [], ['untagged'], false],
    [['x'], [], ['untagged'], true],
    [['always'], [], ['all'], true],
    [['always'], [], ['all', 'always'], false],
    [['x'], [], ['all'], false],
  ] as Row[])('tags %j --tags %j --skip-tags %j: %s', (t, o, s, want) => {
    expect(tagsSelect(t, o, s)).toBe(want);
    expect(stored.find(([a, b, c]) => JSON.stringify([a, b, c]) === JSON.stringify([t, o, s]))?.[3]).toBe(want);
  });
});
