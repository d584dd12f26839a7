/**
 * Filters, globals and template statements real templates use, ported in session 24 (filters-extra.ts,
 * globals.ts, methods.ts, statements.ts), through ansible-playbook 2.14 and nodemend on node22
 * (HOSTS.ansibleSemantics; paths /tmp/nmdiff-h24g-tmpl-*): each rendered into a file by `copy: content:`
 * and by a `.j2` template (byte for byte) and registered by debug, with the changed flags of check, run
 * and rerun. `now()` is a new value at each run in both tools (a file holding it changes on every rerun:
 * the `now` case asserts it); `shuffle` without a seed is random in both (compared sorted).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential, MODES } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const d = differential(HOSTS.ansibleSemantics[0], 'h24g-tmpl');

const LINES = `bytes={{ '1K' | human_to_bytes }} {{ '2 MB' | human_to_bytes }} {{ '1.5G' | human_to_bytes }} {{ '0.5K' | human_to_bytes }} {{ '2.5' | human_to_bytes }} {{ '1Mb' | human_to_bytes(isbits=true) }} {{ 10 | human_to_bytes('M') }}
readable={{ 1023 | human_readable }}|{{ 1536 | human_readable }}|{{ 1048576 | human_readable(isbits=true) }}|{{ 1048576 | human_readable(unit='K') }}|{{ 0.125 | human_readable }}|{{ 5000000000 | ansible.builtin.human_readable }}
symdiff={{ [1, 2, 3, [4], 'a'] | symmetric_difference([2, [4], 'b']) }}
uuid={{ 'www.example.com' | to_uuid }} {{ inventory_hostname | to_uuid(namespace='6ba7b810-9dad-11d1-80b4-00c04fd430c8') }}
shuffle={{ range(12) | shuffle(seed=inventory_hostname) }} {{ 'abcdef' | shuffle(seed=42) | join }} {{ [3, 1, 2] | shuffle | sort }}
urlencode={{ 'a b/c?d=é&x' | urlencode }} {{ {'k y': 'v/w', 'n': 1} | urlencode }}
wrap={{ long | wordwrap(20) }}
wrap2={{ long | wordwrap(15, false, '|') }}
ns={% set ns = namespace(found=false, n=0) %}{% for u in users %}{% if u.admin %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.found }} {{ ns.n }}
append={% set l = [] %}{% for u in users %}{% set _ = l.append(u.name) %}{% endfor %}{{ l }} {% set m = [3] %}{{ m.extend([4, 5]) }}{{ m.insert(0, 'z') }}{{ m.pop() }} {{ m.pop(0) }} {{ m }}
update={% set dd = {} %}{% set _ = dd.update({'a': 1}) %}{{ dd.update(b=2) }}{{ dd }} {{ dict(a=1, b='x') }} {{ dict([['k', 'v']], z=0) }} {{ dict(users[0]) }}
nowfmt={{ now(utc=true, fmt='%Y') | length }} {{ now(fmt='%Y-%m-%d %H') | length }}
`;

const vars = {
  long: 'The quick brown fox jumps over the lazy dog; a well-known pangram, used-by typists--and others. Supercalifragilisticexpialidocious-words-here and more',
  users: [
    { name: 'a', admin: false },
    { name: 'b', admin: true },
  ],
};

const tmpl = d.case('filters, globals and statements render the same text (copy content and a .j2 template)', {
  vars,
  tasks: `
    - name: content
      copy:
        dest: "{{ dir }}/content"
        content: |
${LINES.replace(/^/gm, '          ').trimEnd()}
    - name: template
      template: { src: h24g-tmpl.j2, dest: "{{ dir }}/template" }
    - name: values
      debug:
        msg:
          - "{{ '1.5G' | human_to_bytes }}"
          - "{{ [1, 2] | symmetric_difference([2, 3]) }}"
          - "{{ dict(a=1) }}"
          - "{% set ns = namespace(l=[]) %}{% for u in users %}{% set ns.l = ns.l + [u.name] %}{% endfor %}{{ ns.l }}"
          - "{% set l = [] %}{% for u in users %}{% set _ = l.append(u.admin) %}{% endfor %}{{ l }}"
          - "{{ now() | string | length >= 19 }}"
      register: tm_vals
  `,
  controllerFiles: { 'templates/h24g-tmpl.j2': LINES },
});

const nowCase = d.case('now() in a file: a new value each run, so the task changes on every rerun', {
  tasks: `
    - name: stamp
      copy: { dest: "{{ dir }}/stamp", content: "{{ now(utc=true) }}\\n" }
    - name: day
      copy: { dest: "{{ dir }}/day", content: "{{ now(utc=true, fmt='%Y') }}\\n" }
  `,
});

const mutCase = d.case("a variable's list changed in place: Ansible's change lasts the task, nodemend refuses it", {
  tasks: `
    - set_fact: { made: "{{ [] }}" }
    - name: append to a fact
      debug: { msg: "{{ made.append(1) }}{{ made }}" }
      register: ap_one
      ignore_errors: true
    - name: after
      debug: { msg: "{{ made | length }}" }
      register: ap_two
  `,
});

beforeAll(() => d.run(), 600_000);

describe.each(MODES)('%s', (mode) => {
  it('the same files, values and changed flags', () => {
    const [n, a] = [tmpl.nodemend[mode], tmpl.ansible[mode]];
    expect(n.files, n.output).toEqual(a.files);
    expect(n.registered.tm_vals).toEqual(a.registered.tm_vals);
    expect(n.changed).toEqual(a.changed);
  });
  it("Ansible's values", () => {
    const a = tmpl.ansible[mode];
    expect(a.registered.tm_vals.msg).toEqual(['1610612736', [1, 3], { a: 1 }, ['a', 'b'], [false, true], true]);
    if (mode === 'check') return;
    const text = (a.files.content as { content: string }).content;
    expect(text).toContain('bytes=1024 2097152 1610612736 512 2 1048576 10485760\n');
    expect(text).toContain('ns=True 2\n');
    expect(text).toContain("append=['a', 'b'] 5 z [3, 4]\n");
    expect(text).toContain("update={'a': 1, 'b': 2} {'a': 1, 'b': 'x'} {'k': 'v', 'z': 0} {'name': 'a', 'admin': False}\n");
    expect(text).toContain('shuffle=');
    expect(text).toContain(' [1, 2, 3]\n');
    expect((a.files.template as { content: string }).content).toBe(text);
  });
  it("a fact's list: 2.14 appends for the task only; nodemend refuses (README Choices), the fact unchanged in both", () => {
    const [n, a] = [mutCase.nodemend[mode], mutCase.ansible[mode]];
    expect(a.registered.ap_one.msg).toEqual([1]);
    expect(n.registered.ap_one).toMatchObject({ failed: true });
    expect(n.registered.ap_one.msg).toMatch(/append\(\) would change a list this template did not make/);
    expect(n.registered.ap_two).toEqual(a.registered.ap_two);
    expect(a.registered.ap_two.msg).toBe('0');
  });
  it('now(): changed on every run and rerun in both tools; its fmt form only when the value changes', () => {
    for (const tool of ['ansible', 'nodemend'] as const) {
      const t = nowCase[tool][mode];
      expect(t.changed.stamp, `${tool} ${t.output}`).toBe(true);
      if (mode === 'rerun') expect(t.changed.day).toBe(false);
    }
    if (mode !== 'check') expect((nowCase.nodemend[mode].files.stamp as { content: string }).content).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\n$/);
  });
});
