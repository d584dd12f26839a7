/**
 * What differential test files (test/setup/ansible-differential.ts) share beyond running the cases:
 * the comparison each makes per mode, and the task fragments their cases repeat.
 *
 *   describe.each(MODES)('%s', (mode) => {
 *     itsSameAsAnsible(mode, [c1, c2], { tasks: 'tasks', registered: { view: (r) => pick(r, KEYS) } });
 *     it('what is special to this file', () => ...);
 *   });
 */
import { expect, it } from 'vitest';
import { sameKeys, type DifferentialCase, type Mode, type TaskOutcome } from './ansible-differential.js';

export interface SameAs {
  /** What of the tasks compares: `changed` (default), the changed flag by task name; `tasks`, every row (name, status, changed, handler) in order. */
  tasks?: 'changed' | 'tasks';
  /** One test per case for files and tasks together ("same changed flags and files") instead of one each. */
  together?: boolean;
  /** Registered results compared (none when left out). */
  registered?: {
    /** The register names: a list, or a filter of Ansible's names (default: every name Ansible registered). */
    names?: readonly string[] | ((name: string) => boolean);
    /** What of each value compares (default: all of it); the same function reads both tools' values. */
    view?: (value: any, name: string, mode: Mode) => unknown;
    /** Only these keys of each (viewed) value, as `sameKeys` picks them: `failed`, and the others Ansible's value has. */
    keys?: string[] | ((name: string, mode: Mode) => string[]);
    /** One test per name (`names` must be a list) instead of one per case. */
    each?: boolean;
  };
}

/**
 * Per case, tests that nodemend's files, changed flags (or task rows) and registered results in
 * `mode` are Ansible's, each failure showing nodemend's output. Call inside `describe.each(MODES)`.
 */
export function itsSameAsAnsible(mode: Mode, cases: readonly DifferentialCase[], same: SameAs = {}): void {
  const rows = (c: DifferentialCase, tool: 'ansible' | 'nodemend'): Record<string, boolean> | TaskOutcome[] => (same.tasks === 'tasks' ? c[tool][mode].tasks : c[tool][mode].changed);
  const what = same.tasks === 'tasks' ? 'tasks, statuses and changed flags' : 'changed flags';
  const sameFiles = (c: DifferentialCase) => expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
  const sameTasks = (c: DifferentialCase) => expect(rows(c, 'nodemend'), c.nodemend[mode].output).toEqual(rows(c, 'ansible'));
  for (const c of cases) {
    if (same.together) {
      it(`${c.name}: same ${what} and files`, () => {
        sameTasks(c);
        sameFiles(c);
      });
    } else {
      it(`${c.name}: same files`, () => sameFiles(c));
      it(`${c.name}: same ${what}`, () => sameTasks(c));
    }
    const reg = same.registered;
    if (!reg) continue;
    const view = reg.view ?? ((v: unknown) => v);
    /** Both tools' values of `names`, as `view` reads them, keyed by name: a name only one tool registered shows too. */
    const compare = (names: readonly string[]) => {
      const pairs = names.map((n) => {
        const [nv, av] = [view(c.nodemend[mode].registered[n], n, mode), view(c.ansible[mode].registered[n], n, mode)];
        const keys = typeof reg.keys === 'function' ? reg.keys(n, mode) : reg.keys;
        return [n, keys ? sameKeys(nv as Record<string, unknown>, av as Record<string, unknown>, keys) : [nv, av]] as const;
      });
      const side = (i: 0 | 1) => Object.fromEntries(pairs.map(([n, p]) => [n, p[i]]));
      expect(side(0), c.nodemend[mode].output).toEqual(side(1));
    };
    if (reg.each) {
      if (typeof reg.names !== 'object') throw new Error('itsSameAsAnsible: registered.each needs a list of names');
      for (const n of reg.names) it(`${c.name}: ${n}: same registered result`, () => compare([n]));
    } else {
      it(`${c.name}: same registered results`, () => {
        const all = Object.keys(c.ansible[mode].registered);
        const names = reg.names === undefined ? all : typeof reg.names === 'function' ? all.filter(reg.names) : reg.names;
        // A filter that matches nothing would compare nothing.
        expect(names.length, `${c.name}: no registered result to compare`).toBeGreaterThan(0);
        compare(names);
      });
    }
  }
}

/**
 * A task that registers `flags`: `lsattr -d` of `paths` (relative to `{{ dir }}`), one line a path,
 * flags and name split by one space. It runs in check mode too, never changes or fails.
 */
export const lsattrTask = (paths: string): string => `
    - name: the flags
      shell: { cmd: "lsattr -d ${paths} | sed 's/  */ /'", chdir: "{{ dir }}" }
      register: flags
      check_mode: false
      changed_when: false
      failed_when: false`;
