/**
 * Runner semantics and expressions through ansible-playbook 2.14 and nodemend on the same host
 * (node40, shared with differential-semantics2: unique paths only), issue 13's silent differences of
 * this file. Compared on files, registered results and task rows in check, run and rerun.
 *
 * copy's `content` that is not a string: 2.14's plugins/action/copy.py writes a dict or a list as
 * `json.dumps(content)` (", " and ": ", keys in their order, non-ASCII as \uXXXX, no final newline)
 * and anything else through to_bytes, Python's str() (`42`, `1.5`, `True`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES, sameKeys } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics2[0];
const d = differential(HOST, 'semantics3');

const content = d.case('copy content that is a dict, a list, a number or a bool', {
  vars: { mydict: { b: 1, a: 'x', c: [1, 2, { z: null, y: true }], é: 'ü' }, mylist: [3, 'two', { k: 'v' }], num: 42, flt: 1.5, flag: true },
  tasks: `
    - name: a templated dict
      copy: { content: "{{ mydict }}", dest: "{{ dir }}/dict" }
      register: as_dict
    - name: a YAML mapping under content
      copy:
        content: { b: 1, a: "x" }
        dest: "{{ dir }}/mapping"
    - name: from_json
      copy: { content: "{{ '{\\"q\\": [1,2], \\"a\\": 1}' | from_json }}", dest: "{{ dir }}/from-json" }
    - name: a templated list
      copy: { content: "{{ mylist }}", dest: "{{ dir }}/list" }
    - name: a YAML list and an empty mapping
      copy: { content: "{{ item.c }}", dest: "{{ dir }}/{{ item.n }}" }
      loop: [{ n: yaml-list, c: [1, "a"] }, { n: empty-dict, c: {} }]
    - name: numbers, templated and literal
      copy: { content: "{{ item.c }}", dest: "{{ dir }}/{{ item.n }}" }
      loop: [{ n: int-var, c: "{{ num }}" }, { n: float-var, c: "{{ flt }}" }]
    - name: a literal int
      copy: { content: 42, dest: "{{ dir }}/int" }
    - name: a literal bool
      copy: { content: true, dest: "{{ dir }}/bool" }
      register: as_bool
    - name: a templated bool
      copy: { content: "{{ flag }}", dest: "{{ dir }}/bool-var" }
    - name: a dict with text around it is Python's str of it
      copy: { content: "d={{ mydict }}\\n", dest: "{{ dir }}/dict-in-text" }
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('%s', (mode) => {
  for (const c of [content]) {
    it(`${c.name}: same task rows, statuses, changed flags`, () => {
      expect(c.nodemend[mode].tasks, c.nodemend[mode].output).toEqual(c.ansible[mode].tasks);
    });
    it(`${c.name}: same files`, () => {
      expect(c.nodemend[mode].files, c.nodemend[mode].output).toEqual(c.ansible[mode].files);
    });
  }

  it('copy content: JSON for a dict or list, str() for a scalar, byte for byte', () => {
    const files = content.nodemend[mode].files as Record<string, { content?: string }>;
    if (mode === 'check') return expect(Object.keys(files)).toEqual([]);
    expect(files.dict.content).toBe('{"b": 1, "a": "x", "c": [1, 2, {"z": null, "y": true}], "\\u00e9": "\\u00fc"}');
    expect(files.mapping.content).toBe('{"b": 1, "a": "x"}');
    expect(files['from-json'].content).toBe('{"q": [1, 2], "a": 1}');
    expect(files['empty-dict'].content).toBe('{}');
    expect([files.int.content, files['float-var'].content, files.bool.content]).toEqual(['42', '1.5', 'True']);
    expect(files['dict-in-text'].content).toBe("d={'b': 1, 'a': 'x', 'c': [1, 2, {'z': None, 'y': True}], 'é': 'ü'}\n");
  });

  it('copy content: same registered checksum and size', () => {
    for (const r of ['as_dict', 'as_bool']) {
      const [n, a] = sameKeys(content.nodemend[mode].registered[r], content.ansible[mode].registered[r], ['changed', 'checksum', 'size', 'dest', 'failed']);
      expect(n, r).toEqual(a);
    }
  });
});
