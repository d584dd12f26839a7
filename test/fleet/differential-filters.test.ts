/**
 * The Jinja 3.1 / Ansible 2.14 filters and globals ported in session 23 (filters-jinja.ts,
 * filters-system.ts, globals.ts, lookup('vars')) and the neighbours real templates use with them,
 * through ansible-playbook (ansible-core 2.14) and nodemend on the same host (node22, paths
 * /tmp/nmdiff-h23a-*): every filter rendered with representative arguments into a file by
 * `copy: content:` and by a `.j2` template (byte for byte), and the values that are not strings
 * registered by `debug: var:` (value for value), with the changed flags of check, run and rerun.
 * A printed tuple (dictsort, zip, splitext, regex_findall with several groups) prints as 2.14 prints it (the `tuples` file); the
 * `range` file asserts the documented difference (2.14's range() is a range object, printed as one
 * inside a list; nodemend's is a list).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'h23a-filters');

const vars = {
  s: 'hello world foo-bar',
  ml: 'a\nb\n\nc',
  ml2: 'Ab x\nab y\nAB z',
  long: 'word '.repeat(60).trim(),
  d: { b: 2, A: 1, c: 3 },
  ports: { a: 80, b: 443, c: 22 },
  users: [
    { name: 'x', age: 3, g: 'a', shell: '/bin/sh' },
    { name: 'Y', age: 1, g: 'b' },
    { name: 'z', age: 2, g: 'A' },
  ],
  subs: [{ n: 'p', l: [1, 2] }, { n: 'q', l: [3] }, { n: 'r' }],
  url: 'https://user:pw@WWW.Example.com:8443/dir/index.html?q=term&x=1#frag',
  tmpl: '{{ s }}!',
};

/** One line per filter family; the same text goes into copy's content and into a .j2 template. */
const LINES = `indent=[{{ ml | indent }}][{{ ml | indent(2, true, true) }}][{{ ml | indent('>>', first=true) }}][{{ '' | indent(first=true) }}]
dictsort={{ d | dictsort | map('join', '=') | join(',') }} {% for k, v in d | dictsort(true, 'value', true) %}{{ k }}:{{ v }} {% endfor %}
zip={% for a, b in [1, 2, 3] | zip(['x', 'y']) %}{{ a }}{{ b }} {% endfor %}{{ [1, 2] | zip_longest([3], fillvalue='z') | map('last') | list }}
title={{ s | title }} {{ "o'neil [x-y] (ab)" | title }}
center=[{{ 'abc' | center(9) }}][{{ 'ab' | center(5) }}][{{ 'abc' | center(8) }}][{{ 'abcdef' | center(3) }}]
truncate={{ s | truncate(9) }}|{{ s | truncate(12, leeway=0) }}|{{ s | truncate(12, true, '..', 0) }}|{{ s | truncate(14) }}|{{ s | truncate(13) }}|{{ long | truncate }}
wordcount={{ s | wordcount }} {{ 'a_b c-d é1 ½' | wordcount }} {{ long | wordcount }}
batch={{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3, 4, 5] | batch(2, 0) | list }} {{ 'abc' | batch(2) | list }}
slice={{ [1, 2, 3, 4] | slice(3) | list }} {{ [1, 2, 3, 4] | slice(3, 'f') | list }}
splitext={{ 'a.tar.gz' | splitext | join('|') }} {{ '.bashrc' | splitext | join('|') }} {{ 'a/..x.y' | splitext | last }}
urlsplit={{ url | urlsplit }} {{ url | urlsplit('hostname') }} {{ url | urlsplit('port') }} {{ 'mailto:a@b' | urlsplit('path') }}
realpath={{ '/usr/../etc/./passwd' | realpath }} {{ '/nonexistent-h23a/../tmp' | realpath }}
filesizeformat={{ 1 | filesizeformat }} {{ 999 | filesizeformat }} {{ 1250 | filesizeformat }} {{ 1750 | filesizeformat }} {{ '123456789012' | filesizeformat }} {{ 1536 | filesizeformat(true) }} {{ 1048576 | filesizeformat(binary=true) }}
vars={{ lookup('vars', 'tmpl') }} {{ lookup('vars', 'nope', default='dflt') }} {{ query('vars', 's', 'url') }}
range={{ range(3) }} {{ range(10, 1, -3) | list }} {% for i in range(2) %}<{{ i }}>{% endfor %} {{ range(1, 4) | map('string') | join(',') }}
sum={{ [[1], [2]] | sum(start=[]) }} {{ users | sum(attribute='age', start=10) }} {{ [1, 2, 3] | sum }}
map={{ users | map(attribute='name') | list }} {{ users | map(attribute='shell', default='-') | list }}
select={{ users | selectattr('age', 'gt', 1) | map(attribute='name') | list }} {{ users | rejectattr('g', 'equalto', 'b') | map(attribute='name') | list }} {{ users | selectattr('shell', 'defined') | map(attribute='name') | list }} {{ users | selectattr('g', 'in', ['a', 'b']) | map(attribute='name') | list }} {{ users | rejectattr('name', 'match', '[a-z]') | map(attribute='name') | list }}
groupby={% for g, items in users | groupby('g') %}{{ g }}={{ items | map(attribute='name') | join('+') }} {% endfor %}{{ users | groupby('g', case_sensitive=true) | map('first') | list }}
unique={{ ['A', 'a', 'b'] | unique }} {{ ['A', 'a', 'b'] | unique(case_sensitive=true) }} {{ users | unique(attribute='g') | map(attribute='name') | list }} {{ [[1], [1], 'a', 'A'] | unique }}
minmax={{ users | min(attribute='age') }} {{ users | max(attribute='name') }} {{ ['b', 'A', 'c'] | max }} {{ ['b', 'A', 'c'] | max(case_sensitive=true) }}
itertools={{ [1, 2] | product(['a']) | map('join', '') | list }} {{ 'abc' | permutations(2) | map('join', '') | list }} {{ [1, 2, 3] | combinations(2) | map('sum') | list }} {{ [0, 1] | product(repeat=2) | map('sum') | list }}
flatten={{ [1, [2, none, 'None', [3]], 'null'] | flatten }} {{ [1, [2, [3]]] | flatten(levels=1) }}
subelements={% for u, x in subs | subelements('l', skip_missing=true) %}{{ u.n }}:{{ x }} {% endfor %}{{ subs[:2] | subelements('l') | map('last') | list }}
extract={{ ['a', 'c'] | map('extract', ports) | list }} {{ 'b' | extract(ports) }}
bool={{ [none | bool, 'Yes' | bool, 1 | bool, 1.0 | bool, 'x' | bool, 0 | bool] }}
ternary={{ none | ternary('t', 'f', 'n') }} {{ none | ternary('t', 'f') }} {{ 0 | ternary('t', 'f', 'n') }} {{ 'x' | ternary('t', 'f', 'n') }}
regex={{ ml2 | regex_findall('^ab', multiline=true, ignorecase=true) }} {{ ml2 | regex_findall('^ab') }}
b64={{ 'héllo' | b64encode }} {{ 'aMOpbGxv' | b64decode }}
hash={{ 'abc' | hash('sha256') }} {{ 'abc' | checksum }} {{ 5 | md5 }} {{ 'abc' | sha1 }} {{ 'abc' | hash }}
quote={{ "a b'c" | quote }} {{ 'plain' | quote }}
comment={{ 'x' | comment('c') }}|{{ 'a' | comment('cblock') }}|{{ 'y' | comment(decoration='; ') }}
strftime={{ '%Y-%m-%d %H:%M:%S %j %a %A %b %B %p %U %W %V %Z %z %s' | strftime(1700000000, utc=true) }}|{{ '%F %T %z %Z %c' | strftime('1700000000') }}
`;

const files = d.case('ported filters render the same text (copy content and a .j2 template)', {
  vars,
  tasks: `
    - name: content
      copy:
        dest: "{{ dir }}/content"
        content: |
${LINES.replace(/^/gm, '          ').trimEnd()}
    - name: template
      template: { src: filters.j2, dest: "{{ dir }}/template" }
    - name: tuples
      copy:
        dest: "{{ dir }}/tuples"
        content: "{{ d | dictsort }} {{ [1] | zip(['a']) }} {{ 'a.b' | splitext }} {{ 'k=v k2=v2' | regex_findall('([a-z0-9]+)=([a-z0-9]+)') }}"
    - name: nested range
      copy:
        dest: "{{ dir }}/range"
        content: "{{ [range(2)] }} {{ [range(2) | list] }}"
  `,
  controllerFiles: { 'templates/filters.j2': LINES },
});

const values = d.case('ported filters give the same values (debug var)', {
  vars: {
    ...vars,
    exprs_in: `{{ [ d | dictsort, [1, 2] | zip('ab'), range(4) | list, range(5, 0, -2) | list, users | groupby('g'), url | urlsplit,
      url | urlsplit('port'), 'a.tar.gz' | splitext, [1, 2, 3] | batch(2, 0), [1, 2, 3] | slice(2), s | wordcount,
      1250 | filesizeformat, [1, 2] | product([3], [4]), [1, 2, 3] | permutations(2), [1, 2, 3] | combinations(2),
      subs | subelements('l', skip_missing=true), ['A', 'a', 1, true] | unique, users | unique(attribute='g'),
      [[1], [2]] | sum(start=[]), lookup('vars', 'ports'), lookup('vars', 'nope', default=none is none),
      query('vars', 'tmpl'), users | max(attribute='age'), 'x' | center(4), ml | indent(first=true), s | title ] }}`,
  },
  tasks: `
    - name: expressions
      debug: { var: exprs_in }
      register: exprs
  `,
});

const yamlValues = d.case('from_yaml and from_yaml_all read YAML 1.1 as PyYAML', {
  vars: { y: 'a: [1, yes, 1.0, ~, 0755, 08, 1e3, 1.5e+3, 1:30, .5, y, e1, on, 1.5e3, 0x1f, 1_000]', ys: '---\na: 1\n---\n- b\n' },
  tasks: `
    - name: from_yaml
      set_fact:
        fy: "{{ y | from_yaml }}"
        fy_types: "{{ (y | from_yaml).a | reject('string') | map('type_debug') | list }}"
        fy_all: "{{ ys | from_yaml_all | list }}"
      register: fyr
  `,
});

beforeAll(() => d.run(), 900_000);

describe.each(['check', 'run', 'rerun'] as const)('%s', (mode) => {
  it('copy content and the .j2 template: same bytes, same changed flags', () => {
    const [n, a] = [files.nodemend[mode], files.ansible[mode]];
    for (const f of ['content', 'template']) expect(n.files[f], `${f}\n${n.output}`).toEqual(a.files[f]);
    expect(n.changed).toEqual(a.changed);
    expect(a.changed.content).toBe(mode !== 'rerun');
    if (mode !== 'check') {
      // The file holds what the filters made, not an error or an empty render.
      const text = (a.files.content as { content: string }).content;
      expect(text).toContain('title=Hello World Foo-Bar');
      expect(text).toContain('range=[0, 1, 2] [10, 7, 4] <0><1> 1,2,3');
      expect(text).toContain("unique=['A', 'b'] ['A', 'a', 'b']");
    }
  });

  it('a printed tuple: as 2.14 prints it', () => {
    if (mode === 'check') return;
    const a = (files.ansible[mode].files.tuples as { content: string }).content;
    const n = (files.nodemend[mode].files.tuples as { content: string }).content;
    expect(a).toBe("[('A', 1), ('b', 2), ('c', 3)] [(1, 'a')] ('a', '.b') [('k', 'v'), ('k2', 'v2')]");
    expect(n).toBe(a);
  });

  it('a range inside a list: 2.14 prints the range object, nodemend the list (README)', () => {
    if (mode === 'check') return;
    expect((files.ansible[mode].files.range as { content: string }).content).toBe('[range(0, 2)] [[0, 1]]');
    expect((files.nodemend[mode].files.range as { content: string }).content).toBe('[[0, 1]] [[0, 1]]');
  });

  it('from_yaml / from_yaml_all: the same values and types', () => {
    const [n, a] = [yamlValues.nodemend[mode].registered.fyr, yamlValues.ansible[mode].registered.fyr];
    expect(n, yamlValues.nodemend[mode].output).toEqual(a);
    expect(a.ansible_facts.fy.a).toEqual([1, true, 1, null, 493, '08', '1e3', 1500, 90, 0.5, 'y', 'e1', true, '1.5e3', 31, 1000]);
    expect(a.ansible_facts.fy_types).toEqual(['int', 'bool', 'float', 'NoneType', 'int', 'float', 'int', 'float', 'bool', 'int', 'int']);
    expect(a.ansible_facts.fy_all).toEqual([{ a: 1 }, ['b']]);
  });

  it('registered values are the same', () => {
    const [n, a] = [values.nodemend[mode].registered.exprs, values.ansible[mode].registered.exprs];
    expect(n?.exprs_in, values.nodemend[mode].output).toEqual(a?.exprs_in);
    expect(a.exprs_in[0]).toEqual([
      ['A', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });
});
