/**
 * A task's `diff:` keyword and what each tool prints, through ansible-playbook (Debian's
 * ansible-core 2.14) and nodemend on node22 (paths under /tmp/nmdiff-h24e-diffkw-*). The check runs
 * with `--check --diff`, the run and rerun without `--diff` (NO_DIFF). 2.14's default callback prints
 * a result's diff whenever its task ran in diff mode (`_get_diff` on `result._result['diff']`, which
 * the module computes when play_context.diff, the task's `diff:` over the run's `--diff`): so a
 * `diff: true` task prints its diff without `--diff`, and a `diff: false` one prints none under it,
 * but for file's: its module returns a diff whatever the mode, which 2.14's strategy prints under
 * `--diff` (nodemend does not: README "Choices", asserted below).
 * Compared: the lines each diff adds in both tools' output, files and changed flags; the registered
 * results' keys follow the keyword in both (sameKeys).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, NO_DIFF, sameKeys, type Mode } from '../setup/ansible-differential.js';

const d = differential('node22', 'h24e-diffkw', MODES, [NO_DIFF]);

/** Words that appear in the output only where a diff of their task is printed (never in a title or message). */
const SHOWN = { line: 'nm-h24e-line-shown', copy: 'nm-h24e-copy-shown' };
const HIDDEN = { line: 'nm-h24e-line-hidden', copy: 'nm-h24e-copy-hidden' };

const kw = d.case('diff: true prints without --diff, diff: false prints nothing under it', {
  files: { li: 'a\n', li2: 'a\n' },
  tasks: `
    - name: lineinfile with diff on
      lineinfile: { path: "{{ dir }}/li", line: ${SHOWN.line} }
      diff: true
      register: k_line
    - name: copy with diff on
      copy: { dest: "{{ dir }}/cp", content: "${SHOWN.copy}\\n" }
      diff: true
      register: k_copy
    - name: file with diff on
      file: { path: "{{ dir }}/dd", state: directory }
      diff: true
      register: k_file
    - name: lineinfile with diff off
      lineinfile: { path: "{{ dir }}/li2", line: ${HIDDEN.line} }
      diff: false
      register: k_line_off
    - name: copy with diff off
      copy: { dest: "{{ dir }}/cp2", content: "${HIDDEN.copy}\\n" }
      diff: false
      register: k_copy_off
    - name: file with diff off
      file: { path: "{{ dir }}/dd2", state: directory }
      diff: false
      register: k_file_off
  `,
});

beforeAll(() => d.run(), 900_000);

/** The lines a diff adds for `word` in a tool's output (`+word`, as both print an added line; no colors off a terminal). */
const added = (output: string, word: string): string[] => output.split('\n').filter((l) => l.trim() === `+${word}`);

/** A file module's diff adds `state: directory` (2.14's callback: the before/after dicts as JSON, `+    "state": "directory"`). */
const stateAdded = (output: string): string[] => output.split('\n').filter((l) => /^\+\s*"?state"?:\s*"?directory"?,?$/.test(l));

/**
 * README "Choices" (check mode is exact): a --check copy from the controller registers the file it would
 * write, where 2.14's action registers `changed` and the diff alone.
 */
const CHECK_COPY_KEYS = ['checksum', 'dest', 'md5sum', 'size'];
const asAnsible = (mode: Mode, r: string, v: Record<string, unknown> | undefined, a: Record<string, unknown> | undefined) =>
  mode === 'check' && r.startsWith('k_copy') && v ? Object.fromEntries(Object.entries(v).filter(([k]) => !CHECK_COPY_KEYS.includes(k) || (a != null && k in a))) : v;

describe.each(MODES)('%s', (mode: Mode) => {
  it('same files and changed flags', () => {
    expect(kw.nodemend[mode].files, kw.nodemend[mode].output).toEqual(kw.ansible[mode].files);
    expect(kw.nodemend[mode].changed, kw.nodemend[mode].output).toEqual(kw.ansible[mode].changed);
  });
  it('same registered results (diff keys included, each following its task keyword)', () => {
    for (const r of ['k_line', 'k_copy', 'k_file', 'k_line_off', 'k_copy_off', 'k_file_off']) {
      const theirs = kw.ansible[mode].registered[r];
      const [n, a] = sameKeys(asAnsible(mode, r, kw.nodemend[mode].registered[r], theirs), theirs, [
        'changed',
        'failed',
        'msg',
        'backup',
        'dest',
        'path',
        'state',
        'checksum',
        'md5sum',
        'size',
        'mode',
      ]);
      expect(n, r).toEqual(a);
      expect('diff' in (kw.nodemend[mode].registered[r] ?? {}), r).toBe('diff' in (kw.ansible[mode].registered[r] ?? {}));
    }
  });
});

describe.each(['check', 'run'] as const)('%s: what each tool prints', (mode) => {
  const out = (tool: 'ansible' | 'nodemend') => kw[tool][mode].output;
  it.each(['ansible', 'nodemend'] as const)("%s prints the diff: true tasks' diffs", (tool) => {
    expect(added(out(tool), SHOWN.line), out(tool)).toHaveLength(1);
    expect(added(out(tool), SHOWN.copy), out(tool)).toHaveLength(1);
    // One directory's: the diff: true task's, not the diff: false one's (but see below: 2.14 under --diff).
    expect(stateAdded(out(tool)), out(tool)).toHaveLength(tool === 'ansible' && mode === 'check' ? 2 : 1);
  });
  it.each(['ansible', 'nodemend'] as const)("%s prints nothing of the diff: false tasks' diffs", (tool) => {
    expect(added(out(tool), HIDDEN.line), out(tool)).toEqual([]);
    expect(added(out(tool), HIDDEN.copy), out(tool)).toEqual([]);
  });
});

describe('the rerun changes nothing, so prints no diff in either tool', () => {
  it.each(['ansible', 'nodemend'] as const)('%s', (tool) => {
    expect(added(kw[tool].rerun.output, SHOWN.line)).toEqual([]);
    expect(added(kw[tool].rerun.output, SHOWN.copy)).toEqual([]);
  });
});

describe('the documented differences are what they say', () => {
  it("under --diff 2.14 prints file's diff of a diff: false task too (the module returns one whatever the mode; the strategy prints any under --diff); nodemend none", () => {
    // 2.14's diff line `    "path": ".../dd2",`, or a nodemend diff header naming dd2 (not the registered dump, which names it too).
    const dirs = (tool: 'ansible' | 'nodemend') => kw[tool].check.output.split('\n').filter((l) => /^"path": "[^"]*\/dd2",$|^(---|\+\+\+) \S*\/dd2\b/.test(l.trim()));
    expect(dirs('ansible')).toHaveLength(1);
    expect(dirs('nodemend')).toEqual([]);
  });
  it("nodemend's --check copy registers the file it would write, Ansible's none of it", () => {
    for (const k of CHECK_COPY_KEYS) {
      expect(kw.nodemend.check.registered.k_copy, k).toHaveProperty(k);
      expect(kw.ansible.check.registered.k_copy, k).not.toHaveProperty(k);
    }
  });
});
