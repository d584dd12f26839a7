/**
 * Mapping keys that are numbers, bools or null (audit23 N20): 2.14 keeps their type (`{80: http}`
 * has the int key 80: `ports[80]`, `k == 443`, `{80: 'http'}`), and so does nodemend
 * (src/load/expr/values.ts KEY_TYPES). Through ansible-playbook (ansible-core 2.14) and nodemend on
 * the same host (node22, paths /tmp/nmdiff-h24c-*): the keys written in YAML (block vars), in a
 * vars file, in Jinja dict literals and made by items2dict, printed and compared into files by
 * `copy: content:` and by a `.j2` template (byte for byte), a dict written by copy as JSON, a
 * set_fact that keeps the types, and `with_dict` items, with the changed flags of check, run and
 * rerun. The `order` file asserts the documented difference (README "Choices": integer keys iterate
 * ascending in nodemend, in written order in 2.14).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'h24c-keys');

/** The same text goes into copy's content and into a .j2 template. */
const LINES = `keys={{ ports.keys() | list }} {{ ports | list }} {{ ports | first }} {{ ports | length }} {{ ports | join(',') }}
subscript={{ ports[80] }} {{ ports['80'] | default('UND') }} {{ strk[80] | default('UND') }} {{ strk['80'] }} {{ flags[true] }} {{ flags[none] }} {{ ports.get(80) }} [{{ ports.get('80') }}]
in={{ 80 in ports }} {{ '80' in ports }} {{ 80 in strk }} {{ none in flags }} {{ 'null' in flags }}
loop={% for k, v in ports.items() %}{{ k + 1 }}{% if k == 443 %}ssl{% endif %}:{{ v }},{% endfor %} {% for k in uids %}{{ k is number }}{{ uids[k] }} {% endfor %}
print={{ ports }} {{ flags }} {{ mixed }} {{ uids }} {{ nested }}
json={{ ports | to_json }} {{ flags | to_json }} {{ mixed | to_json }} {{ ports | to_nice_json(indent=1) }}
yaml={{ ports | to_yaml | trim }}|{{ flags | to_yaml | trim }}|{{ mixed | to_yaml | trim }}|{{ ports | to_nice_yaml | trim }}
items={{ ports | dict2items }} {{ ports | dict2items | items2dict }} {{ ports | dict2items | map(attribute='key') | map('int') | sum }} {{ ports | dictsort }}
combine={{ ports | combine({80: 'web', 8080: 'alt'}) }} {{ nested | combine({1: {22: 'x'}}, recursive=true) }}
literal={{ {1: 'a', 2.0: 'b', none: 'c', true: 'd'} }} {{ {1: 'a'}[1] }} {{ ports == {80: 'http', 443: 'https'} }} {{ ports == {'80': 'http', '443': 'https'} }}
file={{ fileports[22] }} {{ fileports.keys() | list }} {{ fileports | to_json }}
fact={{ sf }} {{ sf.keys() | list }} {{ sf[80] }}
`;

const BLOCK_VARS = `
      vars:
        ports: {80: http, 443: https}
        flags: {true: y, null: n, 1.5: f, false: z}
        mixed: {1: a, b: c}
        strk: {'80': q}
        uids:
          0: root
          1000: alice
        nested: {1: {22: ssh}, 2: {}}`;

const files = d.case('typed keys print, compare and iterate the same (copy content and a .j2 template)', {
  play: 'vars_files: [vars/ports.yml]',
  tasks: `
    - block:
        - name: fact
          set_fact: { sf: "{{ ports }}" }
        - name: content
          copy:
            dest: "{{ dir }}/content"
            content: |
${LINES.replace(/^/gm, '              ').trimEnd()}
        - name: template
          template: { src: keys.j2, dest: "{{ dir }}/template" }
        - name: a dict as copy content (JSON)
          copy: { dest: "{{ dir }}/asjson", content: "{{ ports }}" }
        - name: bools and none as copy content (JSON)
          copy: { dest: "{{ dir }}/flagsjson", content: "{{ flags }}" }
        - name: with_dict keys are ints
          copy: { dest: "{{ dir }}/wd-{{ item.key + 1 }}", content: "{{ item.key is number }} {{ item.value }}" }
          with_dict: "{{ ports }}"
        - name: order
          copy: { dest: "{{ dir }}/order", content: "{{ {443: 'b', 80: 'a'} }} {{ desc.keys() | list }}" }
${BLOCK_VARS}
  `,
  controllerFiles: {
    'templates/keys.j2': LINES,
    'vars/ports.yml': 'fileports:\n  22: ssh\n  80: http\ndesc: {443: b, 80: a}\n',
  },
});

const values = d.case('typed keys in values (debug var)', {
  tasks: `
    - block:
        - name: values
          debug:
            var: "[ports[80], ports.keys() | list, ports | dict2items, uids | dictsort, 443 in ports, '443' in ports]"
          register: vals
${BLOCK_VARS}
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(['check', 'run', 'rerun'] as const)('%s', (mode) => {
  it('copy content, the .j2 template and JSON content: same bytes, same changed flags', () => {
    const [n, a] = [files.nodemend[mode], files.ansible[mode]];
    for (const f of ['content', 'template', 'asjson', 'flagsjson', 'wd-81', 'wd-444']) expect(n.files[f], `${f}\n${n.output}`).toEqual(a.files[f]);
    expect(n.changed).toEqual(a.changed);
    expect(a.changed.content).toBe(mode !== 'rerun');
    if (mode !== 'check') {
      // What 2.14 wrote: int keys (not the strings a JS object would make of them).
      const text = (a.files.content as { content: string }).content;
      expect(text).toContain('loop=81:http,444ssl:https, Trueroot Truealice ');
      expect(text).toContain("print={80: 'http', 443: 'https'} {True: 'y', None: 'n', 1.5: 'f', False: 'z'}");
      expect(text).toContain('subscript=http UND UND q y n http []');
      expect((a.files['wd-81'] as { content: string }).content).toBe('True http');
    }
  });

  it('integer keys written in descending order: ascending in nodemend (README "Choices")', () => {
    if (mode === 'check') return;
    expect((files.ansible[mode].files.order as { content: string }).content).toBe("{443: 'b', 80: 'a'} [443, 80]");
    expect((files.nodemend[mode].files.order as { content: string }).content).toBe("{80: 'a', 443: 'b'} [80, 443]");
  });

  it('values: the same (registered through to_json, where keys are strings in both)', () => {
    expect(values.nodemend[mode].registered.vals).toEqual(values.ansible[mode].registered.vals);
    expect(JSON.stringify(values.ansible[mode].registered.vals)).toContain(':["http",[80,443],[{"key":80,"value":"http"}');
  });
});
