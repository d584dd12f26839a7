/**
 * Filters, globals and template statements ported in session 24 (src/load/expr/filters-extra.ts,
 * globals.ts, methods.ts, statements.ts). Expected values: what ansible-playbook 2.14 (Debian's,
 * Jinja 3.1.2) printed for the same expressions on this machine (/tmp/nmdiff-h24g-spot/f.yml, t.yml).
 */
import { describe, expect, test } from 'vitest';
import { compileExpression, renderStored } from '../../../src/load/expr/index.js';

const ev = (src: string, sc: Record<string, unknown> = {}): unknown => compileExpression(src).evaluate(sc);
const render = (src: string, sc: Record<string, unknown> = {}): string => String(renderStored(src, sc));

const long = 'The quick brown fox jumps over the lazy dog; a well-known pangram, used-by typists--and others. Supercalifragilisticexpialidocious-words-here and more';

describe('human_to_bytes / human_readable (formatters.py)', () => {
  test('human_to_bytes', () => {
    expect(
      render(
        "{{ '1K' | human_to_bytes }} {{ '2 MB' | human_to_bytes }} {{ '1.5G' | human_to_bytes }} {{ '10' | human_to_bytes }} {{ '0.5K' | human_to_bytes }} {{ '2.5' | human_to_bytes }} {{ '3.5' | human_to_bytes }} {{ '1Mb' | human_to_bytes(isbits=true) }} {{ 10 | human_to_bytes('M') }} {{ '1 byte' | human_to_bytes }} {{ '1t' | human_to_bytes }}",
      ),
    ).toBe('1024 2097152 1610612736 10 512 2 4 1048576 10485760 1 1099511627776');
  });
  test.each([["'1Kb'"], ["'x'"], ["'1Q'"], ["''"]])('%s fails in 2.14 words', (x) => {
    expect(() => ev(`${x} | human_to_bytes`)).toThrow(/human_to_bytes\(\) can't interpret following string/);
  });
  test('human_readable', () => {
    expect(
      render(
        "{{ 0 | human_readable }}|{{ 1 | human_readable }}|{{ 1023 | human_readable }}|{{ 1024 | human_readable }}|{{ 1536 | human_readable }}|{{ 1048576 | human_readable(isbits=true) }}|{{ 1048576 | human_readable(unit='K') }}|{{ 0.125 | human_readable }}|{{ 5000000000 | human_readable }}|{{ 2048 | human_readable(unit='MB') }}",
      ),
    ).toBe('0.00 Bytes|1.00 Bytes|1023.00 Bytes|1.00 KB|1.50 KB|1.00 Mb|1024.00 KB|0.12 Bytes|4.66 GB|2048.00 Bytes');
    expect(() => ev("'x' | human_readable")).toThrow(/human_readable\(\) failed on bad input/);
  });
});

describe('symmetric_difference, to_uuid, shuffle, urlencode', () => {
  test('symmetric_difference of lists: the union less what both hold, in order', () => {
    expect(ev("[1, 2, 3, [4], 'a'] | symmetric_difference([2, [4], 'b', 1.0])")).toEqual([3, 'a', 'b']);
  });
  test('to_uuid: uuid5 in Ansible namespace, or the one given', () => {
    expect(render("{{ 'www.example.com' | to_uuid }} {{ 'x' | to_uuid(namespace='6ba7b810-9dad-11d1-80b4-00c04fd430c8') }} {{ 42 | to_uuid }}")).toBe(
      '69680a13-a686-5d20-a166-0e7b3b17ef84 05b16a01-46c6-56dd-bd6e-c6dfb4a1427a 3668da1b-cef1-5085-ae20-443409c9cc73',
    );
    expect(() => ev("'x' | to_uuid(namespace='nope')")).toThrow("Invalid value 'nope' for 'namespace': badly formed hexadecimal UUID string");
  });
  test("shuffle with a seed: Python's Random(seed).shuffle; without one (or a falsy one) the same items", () => {
    expect(render("{{ [1,2,3,4,5,6,7,8,9,10] | shuffle(seed='node1') }} {{ 'abcdef' | shuffle(seed=42) }}")).toBe("[4, 6, 9, 7, 5, 3, 2, 8, 1, 10] ['d', 'b', 'c', 'e', 'a', 'f']");
    expect((ev('[1, 2, 3] | shuffle(seed=0)') as number[]).sort()).toEqual([1, 2, 3]);
    expect((ev('range(50) | shuffle') as number[]).sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
  });
  test('urlencode (Jinja)', () => {
    expect(render("{{ 'a b/c?d=é&x' | urlencode }} {{ {'k y': 'v/w', 'n': 1} | urlencode }} {{ [['a', 'b c'], ('d', 'e')] | urlencode }} {{ 42 | urlencode }}")).toBe(
      'a%20b/c%3Fd%3D%C3%A9%26x k+y=v%2Fw&n=1 a=b+c&d=e 42',
    );
  });
});

describe("wordwrap (Jinja's, Python's textwrap)", () => {
  test.each([
    ['wordwrap(20)', 'The quick brown fox\njumps over the lazy\ndog; a well-known\npangram, used-by\ntypists--and others.\nSupercalifragilistic\nexpialidocious-\nwords-here and more'],
    ['wordwrap(15, false)', 'The quick brown\nfox jumps over\nthe lazy dog; a\nwell-known\npangram, used-\nby typists--and\nothers.\nSupercalifragilisticexpialidocious-\nwords-here and\nmore'],
    [
      'wordwrap(12, break_on_hyphens=false)',
      'The quick\nbrown fox\njumps over\nthe lazy\ndog; a\nwell-known\npangram,\nused-by\ntypists--and\nothers. Supe\nrcalifragili\nsticexpialid\nocious-words\n-here and\nmore',
    ],
  ])('%s', (f, want) => expect(render(`{{ long | ${f} }}`, { long })).toBe(want));
  test('each line on its own, wrapstring between', () => {
    // The text from a variable: a playbook value's `'\\n'` literal stays a backslash and an n (2.14's _escape_backslashes).
    expect(render("{{ t | wordwrap(5, wrapstring='|') }}", { t: 'a\nbb cc dd ee\n\nlast line here' })).toBe('a|bb cc|dd ee||last|line|here');
  });
});

describe('namespace(), dict(), now() and list/dict methods in templates', () => {
  const users = [
    { name: 'a', admin: false },
    { name: 'b', admin: true },
  ];
  test.each([
    ['{% set ns = namespace(found=false, n=0) %}{% for u in users %}{% if u.admin %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.found }} {{ ns.n }}', 'True 2'],
    ["{% set l = [3] %}{{ l.extend([4, 5]) }}{{ l.insert(0, 'z') }}{{ l.pop() }} {{ l.pop(0) }} {{ l }}", '5 z [3, 4]'],
    ["{{ dict(a=1, b='x') }} {{ dict([['k', 'v']], z=0) }} {{ dict() }}", "{'a': 1, 'b': 'x'} {'k': 'v', 'z': 0} {}"],
    ["{{ namespace(a=1) }} {{ namespace({'b': 2}, c=3).b }}", "<Namespace {'a': 1}> 2"],
    ['{% set l = users | list %}{% set _ = l.append(1) %}{{ l | length }} {{ users | length }}', '3 2'],
  ])('%s', (src, want) => expect(render(src, { users })).toBe(want));
  // A template whose text is a list or dict is that value again (2.14 too).
  test.each([
    ['{% set l = [] %}{% for u in users %}{% set _ = l.append(u.name) %}{% endfor %}{{ l }}', ['a', 'b']],
    ["{% set d = {} %}{% set _ = d.update({'a': 1}) %}{{ d.update(b=2) }}{{ d }}", { a: 1, b: 2 }],
    ['{% set ns = namespace() %}{% set ns.items = [] %}{% set ns.items = ns.items + [1] %}{{ ns.items }}', [1]],
  ])('%s', (src, want) => expect(renderStored(src, { users })).toEqual(want));
  test("a variable's list or dict is not changed in place: refused, naming the copy to make", () => {
    expect(() => render('{{ users.append(1) }}', { users })).toThrow(/append\(\) would change a list this template did not make/);
    expect(() => render("{{ d.update({'a': 1}) }}", { d: {} })).toThrow(/update\(\) would change a dict/);
    expect(users).toHaveLength(2);
  });
  test('set on an attribute of anything but a namespace fails', () => {
    expect(() => render('{% set d = {} %}{% set d.x = 1 %}')).toThrow(/cannot assign attribute on non-namespace object/);
  });
  test('now(): the time, as fmt formats it, local or UTC', () => {
    const y = String(new Date().getUTCFullYear());
    expect(render("{{ now(utc=true, fmt='%Y') }}")).toBe(y);
    expect(render("{{ now(true, '%Y-%m-%d') | length }} {{ now() | string | length >= 19 }}")).toBe('10 True');
    expect(() => compileExpression('now(zone=1)')).toThrow(/unexpected keyword argument 'zone'/);
  });
});
