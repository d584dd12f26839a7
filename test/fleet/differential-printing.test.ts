/**
 * Printed values through ansible-playbook 2.14 and nodemend on the same host (node22, paths
 * /tmp/nmdiff-h23d-*): `to_yaml` (PyYAML's yaml.dump with default_flow_style=None: flow style for
 * a collection of scalars, YAML 1.1 quoting, width 80 folding, anchors for an object met twice)
 * and `to_nice_yaml`, and Python's str() of lists, dicts and tuples in a template (`.items()`,
 * `(1,)`, quotes, escapes, unicode), written into files by `copy: content:` and by a `.j2`
 * template, and registered through debug, compared byte for byte. README "Choices" keeps one
 * difference, asserted here: a dict's integer-like keys print first in nodemend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'h23d-printing');

/** Strings PyYAML quotes (or not) by its own rules, and values of every shape. */
const vars = {
  words: [
    'plain',
    'yes',
    'No',
    'on',
    'true',
    'null',
    '~',
    '',
    '1.0',
    '1e3',
    '012',
    '0x1F',
    '1:30',
    '2024-01-02',
    '<<',
    '=',
    '---',
    '- x',
    '? x',
    ': x',
    'a: b',
    'a:b',
    'a #b',
    'a#b',
    '#x',
    'x,y',
    '[x]',
    '{x}',
    "it's",
    '"q"',
    '%x',
    '@x',
    '`x',
    '!x',
    '&x',
    '*x',
    '|x',
    '>x',
    ' lead',
    'trail ',
    'back\\slash',
  ],
  odd: ['a\nb', 'a\n', 'a \nb', 'tab\there', 'é日本語', '😀', '\u00a0nbsp', 'cr\r'],
  long: 'lorem ipsum dolor sit amet '.repeat(8).trim(),
  longlist: Array.from({ length: 30 }, (_, i) => `item-${i}`),
  nested: {
    b: [1, 2, { c: 'x', d: [] }],
    a: { z: null, y: true, x: -3, w: 1.5 },
    e: {},
    f: [
      [1, 2],
      ['a', 'b'],
    ],
    'key with: colon': 'v',
    ['k'.repeat(130)]: 'long key',
  },
  shared: [1, 2],
  reprs: [null, true, false, 'None', "it's", 'say "hi"', `both ' and "`, 'a\nb', 'tab\t', 'é', '\u00a0', '\u200b', '😀', '\\'],
  order: { b: 1, a: 2, c: { y: 1, x: 2 } },
};

const print = d.case('to_yaml, to_nice_yaml and printed collections into files', {
  vars,
  controllerFiles: {
    'templates/h23d-print.j2': [
      'to_yaml',
      '{{ words | to_yaml }}{{ odd | to_yaml }}{{ {"long": long} | to_yaml }}{{ longlist | to_yaml }}{{ nested | to_yaml }}',
      'to_nice_yaml',
      '{{ words | to_nice_yaml }}{{ odd | to_nice_yaml }}{{ {"long": long} | to_nice_yaml }}{{ nested | to_nice_yaml }}{{ nested | to_nice_yaml(indent=2) }}',
      'options',
      '{{ nested | to_yaml(indent=4) }}{{ longlist | to_yaml(width=30) }}{{ nested | to_yaml(default_flow_style=false) }}{{ nested | to_yaml(default_flow_style=true) }}{{ order | to_yaml(sort_keys=false) }}{{ nested | to_yaml(explicit_start=true) }}{{ "a" | to_yaml }}{{ 5 | to_yaml }}{{ "yes" | to_yaml }}',
      'shared',
      "{{ {'a': shared, 'b': shared, 'c': [shared]} | to_yaml }}{{ [nested.b, nested.b] | to_nice_yaml }}",
      'repr',
      '{{ reprs }}',
      '{{ order }} {{ order.items() | list }} {{ order.items() }} {{ (1,) }} {{ () }} {{ [(1, "a")] }} {{ (1, 2) | type_debug }}',
      '{{ nested }}',
      '',
    ].join('\n'),
  },
  tasks: `
    - name: a template printing values
      template: { src: h23d-print.j2, dest: "{{ dir }}/template" }
    - name: copy content printing values
      copy:
        dest: "{{ dir }}/copy"
        content: "yaml\\n{{ nested | to_yaml }}{{ words | to_yaml }}{{ nested | to_nice_yaml }}repr {{ reprs }} {{ order.items() | list }}\\n"
    - name: values as debug registers them
      debug:
        msg:
          - "{{ nested | to_yaml }}"
          - "{{ odd | to_nice_yaml }}"
          - "x{{ order.items() | list }}"
          - "x{{ reprs }}"
      register: printed
  `,
});

const keys = d.case('a dict whose keys look like integers (README "Choices")', {
  vars,
  tasks: `
    - name: printed
      copy: { dest: "{{ dir }}/keys", content: "{{ intkeys }}|{{ intkeys | to_yaml(sort_keys=false) }}" }
      vars: { intkeys: "{{ {'b': 1, '10': 2, 'a': 3} }}" }
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(MODES)('%s', (mode) => {
  it('the same files, registered values and changed flags as Ansible', () => {
    const [n, a] = [print.nodemend[mode], print.ansible[mode]];
    expect(n.files, n.output).toEqual(a.files);
    expect(n.registered.printed.msg).toEqual(a.registered.printed.msg);
    expect(n.tasks).toEqual(a.tasks);
    // What 2.14 wrote, so a comparison of nothing cannot pass.
    if (mode !== 'check') {
      const t = (a.files.template as { content: string }).content;
      expect(t).toContain("- '1.0'\n- 1e3\n- '012'\n");
      expect(t).toContain('shared\na: &id001 [1, 2]\nb: *id001\nc:\n- *id001\n');
      expect(t).toContain("{'b': 1, 'a': 2, 'c': {'y': 1, 'x': 2}} [('b', 1), ('a', 2), ('c', {'y': 1, 'x': 2})] [('b', 1), ('a', 2), ('c', {'y': 1, 'x': 2})] (1,) () [(1, 'a')] tuple");
    }
    expect(a.registered.printed.msg[2]).toBe("x[('b', 1), ('a', 2), ('c', {'y': 1, 'x': 2})]");
  });

  it("a dict's integer-like keys print first in nodemend (JavaScript's key order); 2.14 keeps the order written", () => {
    if (mode === 'check') return;
    const content = (r: { files: Record<string, unknown> }): string => (r.files.keys as { content: string }).content;
    expect(content(keys.ansible[mode])).toBe("{'b': 1, '10': 2, 'a': 3}|{b: 1, '10': 2, a: 3}\n");
    expect(content(keys.nodemend[mode])).toBe("{'10': 2, 'b': 1, 'a': 3}|{'10': 2, b: 1, a: 3}\n");
  });
});
