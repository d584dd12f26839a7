/**
 * Filters and tests ported in session 25, through ansible-playbook (ansible-core 2.14.18, Jinja 3.1.2,
 * Python crypt, no passlib) and nodemend on the same host (node22, paths /tmp/nmdiff-c25-*):
 * - tests: the controller path tests (file, directory, link, exists, link_exists, abs, same_file, mount and
 *   their is_ names: the controller's filesystem, as in Ansible), subset/superset, nan, any/all,
 *   greaterthan/lessthan, sameas, reachable/unreachable/started/finished on registered results,
 *   vault_encrypted;
 * - filters: password_hash (sha512/sha256/md5 crypt with a salt byte for byte; a random salt's shape),
 *   log/pow/root (floats), rekey_on_member, relpath, expandvars, fileglob, win_basename/win_dirname/
 *   win_splitdrive, Jinja's items/tojson/safe; `ansible.builtin.` names of Ansible's plugins nodemend has;
 * - map's keywords passed to the filter it names (audit25 N36), and the asserted set-literal difference (N38).
 * Rendered into a file by copy content and by a .j2 template (byte for byte), and as values (debug var).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { differential } from '../setup/ansible-differential.js';
import { HOSTS } from '../setup/fleet.js';

const HOST = HOSTS.ansibleSemantics[0];
const d = differential(HOST, 'c25-filters');
// expandvars reads the controller's environment: both tools inherit this process's.
process.env.NM_C25_VAR = 'from-env';

const vars = {
  d: { b: 1, a: 2, '<x>': "it's & more" },
  users: [
    { n: 'a', v: 1 },
    { n: 'b', v: 2 },
  ],
  win: 'C:\\dir\\file.txt',
  unc: '\\\\srv\\share\\x\\y',
};

const LINES = `paths={{ '/etc/passwd' is file }} {{ '/etc' is file }} {{ '/etc' is directory }} {{ '/bin' is link }} {{ '/etc' is link }} {{ '/nonexistent-c25' is exists }} {{ '/etc/passwd' is exists }} {{ '/bin' is link_exists }}
paths2={{ '/etc' is abs }} {{ 'etc' is is_abs }} {{ '/bin/sh' is same_file('/usr/bin/sh') }} {{ '/etc' is same_file('/') }} {{ '/' is mount }} {{ '/proc' is is_mount }} {{ '/etc' is mount }} {{ '/etc/passwd' is ansible.builtin.is_file }}
sets={{ [1, 2] is subset([1, 2, 3]) }} {{ [1, 4] is subset([1, 2, 3]) }} {{ 'ab' is issubset('abc') }} {{ [1, 2, 3] is superset([3]) }} {{ [] is issuperset([1]) }} {{ [1] is ansible.builtin.subset([1]) }}
nums={{ 1 is nan }} {{ 'nan' is nan }} {{ ('nan' | float) is isnan }} {{ 3 is greaterthan(2) }} {{ 3 is lessthan(2) }} {{ none is sameas(none) }} {{ 1 is sameas(true) }}
anyall={{ [0, '', 1] is any }} {{ [0, '', 1] is all }} {{ [] is all }} {{ [] is any }} {{ 'ab' is all }} {{ {'a': 0} is any }}
vault={{ 'x' is vault_encrypted }} number={{ true is number }} {{ [1, true, 'a', 2.5, none] | select('number') | list }} {{ true is integer }}
math={{ 2 | pow(3) }} {{ 2 | pow(0.5) }} {{ 100 | log(10) }} {{ 8 | log(2) }} {{ 4 | log }} {{ 9 | root }} {{ 27 | root(3) }} {{ 2.25 | root }} {{ true | pow(2) }}
rekey={{ users | rekey_on_member('n') }} {{ {'x': {'k': 3}, 'y': {'k': 4}} | rekey_on_member('k') }} {{ (users + [{'n': 'a', 'v': 9}]) | rekey_on_member('n', duplicates='overwrite') }}
hash={{ 'secret' | password_hash('sha512', 'mysalt') }} {{ 'secret' | password_hash('sha256', 'mysalt') }} {{ 'secret' | password_hash('md5', 'mysalt') }} {{ 'p' | password_hash('sha512', 'abcdefghijklmnop', rounds=5000) }} {{ 'secret' | password_hash('sha512', 'mysalt', rounds=10000) }} {{ 'secret' | password_hash('sha512_crypt', 'x', rounds=656000) }} {{ 'é' | password_hash('sha256', 'ab', rounds=1000) }} {{ '' | password_hash('md5', 'abcdefgh') }}
random={{ 'x' | password_hash | length }} {{ 'x' | password_hash('md5') | length }} {{ ('x' | password_hash) is match('[$]6[$][./0-9A-Za-z]{16}[$]') }}
relpath={{ '/etc/ssh/sshd_config' | relpath('/etc') }} {{ '/etc/x' | relpath('/usr/lib') }} {{ '/a/b' | relpath('/a/b') }} {{ '/a/./b/../c' | relpath('/a') }}
expandvars={{ '$NM_C25_VAR/x \${NM_C25_VAR}y \${NM_C25_NOPE} $NM_C25_NOPE $$ $ \${}' | expandvars }}
fileglob={{ '/etc/host*' | fileglob | sort }} {{ '/etc/no-such-c25*' | fileglob }} {{ '/e*/passwd' | fileglob }} {{ '/etc/passwd' | fileglob }} {{ '/etc/*' | fileglob | select('search', 'hostname') | list }}
win={{ win | win_basename }} {{ win | win_dirname }} {{ win | win_splitdrive }} {{ unc | win_splitdrive }} {{ 'a/b\\\\c' | win_basename }} {{ 'C:' | win_dirname }} {{ 'C:\\\\' | win_dirname }}
jinja={{ d | items | list }} {% for k, v in d | items %}{{ k }}={{ v }};{% endfor %} {{ d | tojson }} {{ [1, 'a'] | tojson(2) }} {{ '<b>' | safe }} {{ 5 | safe }}
map={{ [[{'k': 1}], [{'k': 2}]] | map('map', attribute='k') | map('list') | list }} {{ [{'a': {'x': 1}}] | map('combine', {'a': {'y': 2}}, recursive=true) | list }} {{ ['ab', 'AB'] | map('regex_replace', 'a', 'z', ignorecase=true) | list }} {{ ['10', 'ff'] | map('int', base=16) | list }} {{ [1.26, 2.34] | map('round', precision=1) | list }}
fqcn={{ 8 | ansible.builtin.log(2) }} {{ 'abc' | ansible.builtin.sha1 }} {{ [1, 2] | ansible.builtin.zip([3, 4]) | list }} {{ 'a.b' | ansible.builtin.splitext }}
`;

const files = d.case('late filters and tests render the same text (copy content and a .j2 template)', {
  vars,
  tasks: `
    - name: content
      copy:
        dest: "{{ dir }}/content"
        content: |
${LINES.replace(/^/gm, '          ').trimEnd()}
    - name: template
      template: { src: late.j2, dest: "{{ dir }}/template" }
    - name: markup
      copy:
        dest: "{{ dir }}/markup"
        content: "{{ ['<a>' | safe, {'k': 1} | tojson] }}"
  `,
  controllerFiles: { 'templates/late.j2': LINES },
});

const values = d.case('late filters and tests give the same values (debug var, registered results)', {
  vars: {
    ...vars,
    exprs_in: `{{ [ 2 | pow(3), 100 | log(10), 9 | root, 27 | root(3), users | rekey_on_member('n'), d | items | list,
      'C:\\\\a\\\\b' | win_splitdrive, [1] is subset([1, 2]), 'nan' | float is nan, '/etc' is directory, '/bin' is link,
      [0, 1] is any, [0, 1] is all, 'x' | password_hash('sha512', 'ab'), '/etc/x' | relpath('/etc') ] }}`,
    setlit: "{{ '{1, 2}' }}",
  },
  tasks: `
    - name: expressions
      debug: { var: exprs_in }
      register: exprs
    - name: a registered result
      command: "true"
      register: r
      changed_when: false
    - name: result tests
      debug:
        msg: "{{ [r is reachable, r is unreachable, r is started, r is finished, {'unreachable': true} is unreachable, {'started': 0, 'finished': 1} is started, {'finished': 1} is finished] }}"
      register: rt
    - name: a set literal
      debug: { msg: "{{ [setlit | type_debug, 'x' ~ setlit] }}" }
      register: sl
  `,
});

const failures = d.case('fail and assert register a msg that is not text as it is (audit25 N35)', {
  tasks: `
    - name: fail with a list
      fail: { msg: [a, b] }
      register: f1
      ignore_errors: true
    - name: fail with a mapping
      fail: { msg: { k: 1 } }
      register: f2
      ignore_errors: true
    - name: assert with a list
      assert: { that: [false], fail_msg: [x, y] }
      register: a1
      ignore_errors: true
    - name: mandatory with default further out
      debug: { msg: "{{ nope | mandatory | default('D') }}" }
      register: m1
      ignore_errors: true
    - name: mandatory on a missing key
      debug: { msg: "{{ {'a': 1}.missing | mandatory }}" }
      register: m2
      ignore_errors: true
    - name: mandatory with words
      debug: { msg: "{{ nope | mandatory('set nope first') }}" }
      register: m3
      ignore_errors: true
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
      // The file holds what the filters made (2.14's own values), not an error or an empty render.
      const text = (a.files.content as { content: string }).content;
      expect(text).toContain('paths=True False True True False False True True');
      expect(text).toContain('$6$mysalt$UX6P1VKOf6dr0s2pg4pLNvIUB6hLXvP6M5f/Yj9hJgMPdAJ4oArvk5YUD9/XWtk1JOpVwt/JTsczMJr8sFVML1');
      expect(text).toContain('math=8.0 1.4142135623730951 2.0 3.0 1.3862943611198906 3.0 3.0 1.5 1.0');
      expect(text).toContain('random=106 34 True');
      // map's keywords reach the filter it names (audit25 N36).
      expect(text).toContain("map=[[1], [2]] [{'a': {'x': 1, 'y': 2}}] ['zb', 'zB'] [16, 255] [1.3, 2.3]");
    }
  });

  it("tojson / safe inside a list: 2.14 prints Jinja's Markup type, nodemend the text (README)", () => {
    if (mode === 'check') return;
    expect((files.ansible[mode].files.markup as { content: string }).content).toBe(`[Markup('<a>'), Markup('{"k": 1}')]`);
    // nodemend's text is plain, so the rendered list is a list again, which copy writes as JSON.
    expect((files.nodemend[mode].files.markup as { content: string }).content).toBe(`["<a>", "{\\"k\\": 1}"]`);
  });

  it('fail / assert: the registered msg keeps its type; mandatory fails as 2.14', () => {
    const [n, a] = [failures.nodemend[mode].registered, failures.ansible[mode].registered];
    for (const r of ['f1', 'f2', 'a1']) expect(n[r]?.msg, `${r}\n${failures.nodemend[mode].output}`).toEqual(a[r]?.msg);
    expect(a.f1.msg).toEqual(['a', 'b']);
    expect(a.f2.msg).toEqual({ k: 1 });
    expect(a.a1.msg).toEqual(['x', 'y']);
    // mandatory fails with 2.14's words, whatever default is further out.
    // (nodemend's message of a failed expression starts with where it is written: file:line, README.)
    for (const r of ['m1', 'm2', 'm3']) {
      expect(n[r]?.failed, `${r}\n${failures.nodemend[mode].output}`).toBe(a[r].failed);
      expect(n[r].msg).toMatch(/^\/\S+\/playbook\.yaml:\d+: /);
      expect(n[r].msg.replace(/^\S+:\d+: /, '')).toBe(a[r].msg);
    }
    expect([a.m1.msg, a.m2.msg, a.m3.msg]).toEqual(["Mandatory variable 'nope'  not defined.", "Mandatory variable 'missing'  not defined.", 'set nope first']);
  });

  it('registered values are the same', () => {
    const [n, a] = [values.nodemend[mode].registered.exprs, values.ansible[mode].registered.exprs];
    expect(n?.exprs_in, values.nodemend[mode].output).toEqual(a?.exprs_in);
    expect(a.exprs_in[0]).toBe(8);
    const [nr, ar] = [values.nodemend[mode].registered.rt, values.ansible[mode].registered.rt];
    expect(nr?.msg, values.nodemend[mode].output).toEqual(ar?.msg);
    expect(ar.msg).toEqual([true, false, true, true, true, false, true]);
    // Text reading as a Python set literal: a set in 2.14, a string here; as text the same (README).
    expect(values.ansible[mode].registered.sl?.msg).toEqual(['set', 'x{1, 2}']);
    expect(values.nodemend[mode].registered.sl?.msg, values.nodemend[mode].output).toEqual(['str', 'x{1, 2}']);
  });
});
