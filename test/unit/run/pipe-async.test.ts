/**
 * A pipe lookup in a task's render (run/scope.ts withFacts given the scope) runs its command without
 * blocking the controller's event loop, so other hosts' work goes on meanwhile; each call still runs once,
 * in order, with pipe.py's output and errors, and a with_pipe loop's commands the same way.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../src/facts/types.js';
import { renderDeep } from '../../../src/load/expr/index.js';
import { loopItems } from '../../../src/run/loops.js';
import { withFacts } from '../../../src/run/scope.js';

const noFacts = {} as Facts; // no fact is read here
const dir = (): string => mkdtempSync(join(tmpdir(), 'nm-pipe-async-'));
/** Waits (up to ~2 s) for the file `go`, which only this process's timer makes: "go" if the event loop ran meanwhile. */
const WAIT_FOR_GO = 'i=0; while [ ! -e go ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ] && echo go || echo blocked';

describe('pipe lookup in a run', () => {
  it("lets the event loop run while the command runs (another host's work goes on)", async () => {
    const d = dir();
    const scope = { playbook_dir: d, cmd: WAIT_FOR_GO };
    setTimeout(() => writeFileSync(join(d, 'go'), ''), 100);
    expect(await withFacts(noFacts, () => renderDeep("{{ lookup('pipe', cmd) }}", scope), scope)).toBe('go');
  });

  it('(control) rendered without the scope given, it blocks: the timer cannot fire until it is done', async () => {
    const d = dir();
    const scope = { playbook_dir: d, cmd: WAIT_FOR_GO };
    setTimeout(() => writeFileSync(join(d, 'go'), ''), 100);
    expect(await withFacts(noFacts, () => renderDeep("{{ lookup('pipe', cmd) }}", scope))).toBe('blocked');
  }, 15_000);

  it('runs each call once, in order, in the playbook directory; a failing one fails as pipe.py', async () => {
    const d = dir();
    const scope = { playbook_dir: d };
    const tpl = "{{ lookup('pipe', 'echo a >> log; echo 1') }}-{{ lookup('pipe', 'echo b >> log; echo 2') }}-{{ lookup('pipe', 'echo a >> log; echo 1') }}";
    expect(await withFacts(noFacts, () => renderDeep(tpl, scope), scope)).toBe('1-2-1');
    expect(readFileSync(join(d, 'log'), 'utf8')).toBe('a\nb\na\n');
    await expect(withFacts(noFacts, () => renderDeep("{{ lookup('pipe', 'exit 3') }}", scope), scope)).rejects.toThrow(/lookup_plugin\.pipe\(exit 3\) returned 3/);
    // The scope is left as it was: a later render without withFacts runs the command at once.
    expect(renderDeep("{{ lookup('pipe', 'echo c >> log; echo 3') }}", scope)).toBe('3');
    expect(readFileSync(join(d, 'log'), 'utf8')).toBe('a\nb\na\nc\n');
  });

  it('with_pipe: one item per command, each run once', async () => {
    const d = dir();
    const scope = { playbook_dir: d };
    const items = await withFacts(noFacts, () => loopItems('pipe', ['echo x >> log; echo one', 'echo y >> log; echo two'], scope), scope);
    expect(items.map(String)).toEqual(['one', 'two']);
    expect(readFileSync(join(d, 'log'), 'utf8')).toBe('x\ny\n');
  });
});
