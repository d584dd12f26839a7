/**
 * The Jinja language through ansible-playbook (ansible-core 2.14, Jinja 3.1) and nodemend on
 * the same host (node22): a .j2 template with statements, loop variables, whitespace control,
 * methods and filters rendered with the template module's defaults and with
 * lstrip_blocks/trim_blocks changed, statements inside a string, and expressions whose values
 * are registered; compared byte for byte (files) and value for value (registered results).
 * Not compared: a lone "{{ n }}" giving a number (Ansible 2.14 renders it as the string "98",
 * nodemend keeps the int), so numbers are compared inside text here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { differential } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';
import { runCli, workDir, writeInventory, connectionCounter } from '../setup/cli.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 's13c-jinja', ['run', 'rerun']);

const vars = {
  title: 'web tier',
  mode: 'b',
  flag: true,
  nothing: null,
  path: '/etc/app/app.conf',
  ports: { web: 80, db: 5432 },
  users: [
    { name: 'ann', admin: true },
    { name: 'bob', admin: false },
    { name: 'cy', admin: true },
  ],
  base: { a: { x: 1, y: 2 }, b: 1 },
  over: { a: { y: 3 } },
};

const TEMPLATE = `{# statements, loop variables, whitespace control, methods and filters #}
# {{ title | upper }}
{% for name, port in ports.items() %}
server {{ name }} {{ port }}{% if loop.first %} # first{% endif %}{% if loop.last %} # last of {{ loop.length }}{% endif %}

{% endfor %}
{%- set joined = users | map(attribute='name') | join(',') %}
users={{ joined }}
{% for u in users if u.admin %}
admin[{{ loop.index0 }}/{{ loop.revindex }}]={{ u.name }}
{% else %}
no admins
{% endfor %}
{% for u in [] %}
never
{% else %}
empty loop
{% endfor %}
{% if mode == 'a' %}
mode a
{% elif mode == 'b' %}
mode b
{% else %}
other
{% endif %}
    {% if true %}indented block tag{% endif %}

  {% set n = users | length %}
count={{ n }}
split={{ 'a  b c'.split() }} {{ path.split('/') | last }} [{{ '  x '.strip() }}] {{ '--x'.lstrip('-') }} {{ 'X'.lower() }}{{ 'y'.upper() }} {{ 'a-b'.replace('-', '+') }}
starts={{ path.startswith('/etc') }} ends={{ path.endswith(('.conf', '.cfg')) }}
fmt={{ '{}:{:>5}|{name}|{:.2f}'.format('h', 42, 3.14159, name='n') }} {{ ', '.join(['a', 'b']) }}
keys={{ ports.keys() | list }} values={{ ports.values() | list }} get={{ ports.get('web') }} {{ ports.get('none', 'dflt') }}
dict={{ ports }} list={{ [1, 'a', true, none] }} bool={{ flag }} none=[{{ nothing }}] concat={{ 'x' ~ flag ~ nothing }}
combine={{ base | combine(over, recursive=True) }} {{ base | combine(over) }}
merge={{ {'l': [1]} | combine({'l': [2]}, list_merge='append') }}
d2i={{ ports | dict2items(key_name='k', value_name='v') }}
i2d={{ [{'k': 'a', 'v': 1}] | items2dict(key_name='k', value_name='v') }}
types={{ 'lit' | type_debug }} {{ 3 | type_debug }} {{ ports | type_debug }} {{ users | type_debug }} {{ flag | type_debug }} {{ nothing | type_debug }}
random={{ 60 | random(seed='node22') }} {{ ['a', 'b', 'c', 'd'] | random(seed=inventory_hostname) }} {{ 1000 | random(start=100, step=7, seed=42) }}
home={{ '~root/x' | expanduser }}
index={{ [3, 1, 3].index(1) }} count={{ [3, 1, 3].count(3) }}
regex={{ 'abc123' | regex_replace('[0-9]+', 'N') }} {{ 'abc123' | regex_search('[0-9]+') }}
{{ 'x' -}}
   y
{{- 'z' }}
{%- raw %} {{ kept }} {% endraw %}
end
`;

const template = d.case('a .j2 template: statements, methods and filters', {
  vars,
  tasks: `
    - name: defaults (trim_blocks on, lstrip_blocks off)
      template: { src: app.conf.j2, dest: "{{ dir }}/default.conf" }
    - name: lstrip_blocks on
      template: { src: app.conf.j2, dest: "{{ dir }}/lstrip.conf", lstrip_blocks: true }
    - name: trim_blocks off
      template: { src: app.conf.j2, dest: "{{ dir }}/notrim.conf", trim_blocks: false }
  `,
  controllerFiles: { 'templates/app.conf.j2': TEMPLATE },
});

const inline = d.case('statements inside a string', {
  vars,
  tasks: `
    - name: a string with statements
      copy:
        dest: "{{ dir }}/inline"
        content: |
          {% for name, port in ports.items() %}
          {{ name }}:{{ port }}
          {% endfor %}
          {% set n = users | length %}
          users={{ n }}{# a comment #}
          {{ 'a,b'.split(',') }} {% if flag %}on{% else %}off{% endif %}
    # debug var: registers the value itself (nodemend's debug registers a list msg as JSON text,
    # and does not render the strings inside a list variable: one expression builds the list)
    - name: expressions
      debug: { var: exprs_in }
      vars:
        exprs_in: >-
          {{ [ 'a b  c'.split(), ports.items() | list, 'k={k} {0}'.format('p', k='v'),
               '/etc/x'.startswith('/etc'), {'a': 1}.get('b', 'none'),
               'big' if ports.web > 10 else 'small', 'r=' ~ (100 | random(seed='abc')),
               'x ' ~ flag ~ ' ' ~ [1, 'two'] ~ ' ' ~ {'k': none},
               users | map(attribute='name') | join(','), ports | dict2items | items2dict,
               {'b': [1, 'é'], 'a': none} | to_json, {'b': 1, 'a': {'d': 2, 'c': 1}} | to_nice_json,
               '  x y '.strip().split(' ')[1].upper(), [3, 1, 3].index(1) ] }}
      register: exprs
  `,
});

// A `#jinja2:` first line (roles such as dev-sec's write the quoted form): dropped, and its settings win over the module's.
const HEADER_BODY = `# {{ title }}
  {% for u in users %}
  {% if u.admin %}
admin {{ u.name }}
  {% endif %}
  {% endfor %}
end
`;
const header = d.case('a #jinja2: header line sets trim_blocks / lstrip_blocks', {
  vars,
  tasks: `
    - name: header off/on
      template: { src: hdr.conf.j2, dest: "{{ dir }}/hdr.conf" }
    - name: header quoted
      template: { src: quoted.conf.j2, dest: "{{ dir }}/quoted.conf" }
    - name: header over module args
      template: { src: hdr.conf.j2, dest: "{{ dir }}/hdr-args.conf", trim_blocks: true, lstrip_blocks: false }
  `,
  controllerFiles: {
    'templates/hdr.conf.j2': '#jinja2: trim_blocks: False, lstrip_blocks: True\n' + HEADER_BODY,
    'templates/quoted.conf.j2': '#jinja2: trim_blocks: "true", lstrip_blocks: "true"\n' + HEADER_BODY,
  },
});

beforeAll(() => d.run(), 900_000);

describe.each(['run', 'rerun'] as const)('%s', (mode) => {
  it('the .j2 template renders to the same bytes with each option set', () => {
    const [n, a] = [template.nodemend[mode].files, template.ansible[mode].files];
    for (const f of ['default.conf', 'lstrip.conf', 'notrim.conf']) {
      expect(n[f], `${f}\n${template.nodemend[mode].output}`).toEqual(a[f]);
    }
    expect(a['default.conf']).toMatchObject({ type: 'file' });
  });

  it('the template tasks change on the first run only, in both tools', () => {
    expect(template.nodemend[mode].tasks).toEqual(template.ansible[mode].tasks);
    expect(template.nodemend[mode].changed['lstrip_blocks on']).toBe(mode === 'run');
  });

  it('a #jinja2: header line: same bytes (the line dropped), changed on the first run only', () => {
    const [n, a] = [header.nodemend[mode].files, header.ansible[mode].files];
    for (const f of ['hdr.conf', 'quoted.conf', 'hdr-args.conf']) expect(n[f], `${f}\n${header.nodemend[mode].output}`).toEqual(a[f]);
    expect(a['hdr.conf']).toMatchObject({ content: '# web tier\n\n\nadmin ann\n\n\n\n\n\nadmin cy\n\n\nend\n' });
    expect(a['quoted.conf']).toMatchObject({ content: '# web tier\nadmin ann\nadmin cy\nend\n' });
    expect(header.nodemend[mode].tasks).toEqual(header.ansible[mode].tasks);
    expect(header.nodemend[mode].changed['header quoted']).toBe(mode === 'run');
  });

  it('statements inside a string write the same file', () => {
    expect(inline.nodemend[mode].files.inline, inline.nodemend[mode].output).toEqual(inline.ansible[mode].files.inline);
  });

  it('expressions give the same values', () => {
    expect(inline.nodemend[mode].registered.exprs?.exprs_in).toEqual(inline.ansible[mode].registered.exprs?.exprs_in);
    expect(inline.nodemend[mode].registered.exprs.exprs_in[0]).toEqual(['a', 'b', 'c']);
  });
});

describe('a template neither engine supports', () => {
  const listener = connectionCounter();
  /** validate and run both exit 1 at bad.conf.j2's `{% extends %}` (line 4, column 4), and no host hears from either. */
  const refusedAtMacro = async (pb: string, inv: string, template: string): Promise<void> => {
    for (const cmd of ['validate', 'run']) {
      const r = await runCli([cmd, pb, '-i', inv]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${template}:4:4: '{% extends %}' is not supported`);
      expect(r.stderr).toContain('no host was contacted');
    }
    expect(listener.count()).toBe(0);
  };

  it('fails validate and run with the template file:line:col, no host contacted', async () => {
    const dir = workDir('s13c-badtemplate');
    const inv = writeInventory(dir, [HOST], { portOverride: { [HOST]: listener.port() } });
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'bad.conf.j2'), 'ok\n{% for x in xs %}\n{{ x }}\n{% extends "base.j2" %}\n{% endfor %}\n');
    const pb = join(dir, 'site.yaml');
    writeFileSync(pb, `- hosts: ${HOST}\n  tasks:\n    - template: { src: bad.conf.j2, dest: /tmp/nm-s13c-bad.conf }\n`);
    await refusedAtMacro(pb, inv, join(dir, 'templates', 'bad.conf.j2'));
  });

  it.each([
    ['src: "{{ item }}" over with_first_found', '"{{ item }}"\n      with_first_found: [missing.conf.j2, bad.conf.j2]'],
    ['src: "{{ n }}.conf.j2" with n a play var', '"{{ n }}.conf.j2"'],
  ])('a templated %s: validate and run fail at the template file:line:col, no host contacted', async (_, src) => {
    const dir = workDir('h18g-badsrc');
    const inv = writeInventory(dir, [HOST], { portOverride: { [HOST]: listener.port() } });
    mkdirSync(join(dir, 'templates'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'bad.conf.j2'), 'ok\n{% for x in xs %}\n{{ x }}\n{% extends "base.j2" %}\n{% endfor %}\n');
    const pb = join(dir, 'site.yaml');
    writeFileSync(pb, `- hosts: ${HOST}\n  vars: { n: bad }\n  tasks:\n    - template:\n        dest: /tmp/nmdiff-h18g-bad.conf\n        src: ${src}\n`);
    await refusedAtMacro(pb, inv, join(dir, 'templates', 'bad.conf.j2'));
  });

  it('a #jinja2: header key nodemend cannot honour fails validate at the template line 1, no host contacted', async () => {
    const dir = workDir('h18g-badheader');
    const inv = writeInventory(dir, [HOST], { portOverride: { [HOST]: listener.port() } });
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'crlf.conf.j2'), "#jinja2: trim_blocks: False, newline_sequence: '\\r\\n'\nx\n");
    const pb = join(dir, 'site.yaml');
    writeFileSync(pb, `- hosts: ${HOST}\n  tasks:\n    - template: { src: crlf.conf.j2, dest: /tmp/nmdiff-h18g-crlf.conf }\n`);
    const r = await runCli(['validate', pb, '-i', inv]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'templates', 'crlf.conf.j2')}:1:30: #jinja2: newline_sequence is not supported`);
    expect(listener.count()).toBe(0);
  });
});
