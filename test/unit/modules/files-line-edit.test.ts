/** Line and block edits: Python regex translation, and the conventions nodemend keeps on purpose. */
import { describe, expect, it } from 'vitest';
import lineinfile, { lineEdit } from '../../../src/modules/lineinfile.js';
import blockinfile, { blockEdit } from '../../../src/modules/blockinfile.js';
import { BYTES, compilePyRegex, expandTemplate } from '../../../src/modules/lib/pyregex.js';

const li = (text: string, args: Record<string, unknown>) => lineEdit(lineinfile.schema.parse({ path: '/f', ...args }))(text);
const bi = (text: string, args: Record<string, unknown>) => blockEdit(blockinfile.schema.parse({ path: '/f', ...args }))(text);

describe('Python regex translation', () => {
  it('named groups, backreferences, anchors and inline flags', () => {
    const m = compilePyRegex('(?P<k>\\w+)=(?P=k)').re.exec('ab=ab');
    expect(m?.groups?.k).toBe('ab');
    expect(compilePyRegex('(?i)^foo$').re.test('FOO\n')).toBe(true);
    expect(compilePyRegex('^foo\\Z').re.test('foo\n')).toBe(false);
    expect(compilePyRegex('\\Afoo').re.test('x\nfoo')).toBe(false);
    expect(compilePyRegex('(?m)^b$').re.test('a\nb\nc')).toBe(true);
    expect(compilePyRegex('a.c').re.test('a\rc')).toBe(true);
    expect(compilePyRegex('a.c').re.test('a\nc')).toBe(false);
    expect(compilePyRegex('(?s)a.c').re.test('a\nc')).toBe(true);
    expect(compilePyRegex('[$.]').re.test('x.')).toBe(true); // inside a class, $ and . stay literal
    expect(compilePyRegex('\\$HOME').re.test('$HOME')).toBe(true);
  });

  it('a str pattern is Unicode-aware, a bytes pattern (lineinfile, blockinfile) matches UTF-8 bytes', () => {
    const all = (p: string, s: string, o = {}) => [...s.matchAll(new RegExp(compilePyRegex(p, o).re.source, `${compilePyRegex(p, o).re.flags}g`))].map((m) => m[0]);
    expect(all('\\w+', 'Grüße Привет ٣٤')).toEqual(['Grüße', 'Привет', '٣٤']);
    expect(all('\\d', 'x٣4')).toEqual(['٣', '4']);
    expect(all('[^\\W\\d]+', 'ab٣é')).toEqual(['ab', 'é']);
    expect(compilePyRegex('(?i)straße').re.test('STRAßE')).toBe(true);
    expect(compilePyRegex('\\bП').re.test('x Привет')).toBe(true);
    expect(compilePyRegex('\\s').re.test('\ufeff')).toBe(false); // not Python's whitespace
    expect(compilePyRegex('x{,2}y').re.test('xxy')).toBe(true);
    expect(compilePyRegex('a{b}').re.test('a{b}')).toBe(true);
    expect(() => compilePyRegex('\\p{L}')).toThrow(/bad escape \\p/);
    expect(compilePyRegex('^\\w+=', BYTES).test('é=1')).toBe(false);
    expect(compilePyRegex('^.{5}$', BYTES).test('Grüße')).toBe(false); // 7 bytes
    expect(compilePyRegex('(?i)^école', BYTES).test('ÉCOLE')).toBe(false);
    expect(compilePyRegex('(?i)^ÉCOLE', BYTES).test('ÉcolE')).toBe(true);
    expect(compilePyRegex('^(Gr..)(ße)$', BYTES).exec('Grüße')?.slice(1)).toEqual(['Grü', 'ße']);
  });

  it('rejects what it cannot translate, with the pattern in the message', () => {
    // (?x) is Python's verbose mode: whitespace and # comments outside classes dropped, escaped ones kept.
    expect(compilePyRegex('(?x) a b [ ] \\  # c\n d').re.source).toBe('ab[ ]\\u{20}d');
    expect(compilePyRegex('(?x) a b [ ] \\  # c\n d', BYTES).re.source).toBe('ab[ ]\\ d');
    expect(() => compilePyRegex('(unclosed')).toThrow(/invalid regex "\(unclosed"/);
    // JavaScript's named group is not Python's: sre_parse says "unknown extension ?<n at position 1"; lookbehinds stay.
    expect(() => compilePyRegex('(?<name>a)')).toThrow('invalid regex "(?<name>a)": unknown extension ?<n at position 1');
    expect(() => compilePyRegex('x(?<n>a)')).toThrow('unknown extension ?<n at position 2');
    expect(compilePyRegex('(?<=a)b(?<!c)').re.test('ab')).toBe(true);
    const r = lineinfile.schema.safeParse({ path: '/f', regexp: '([', line: 'x' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('invalid regex');
  });

  it('expands Python replacement templates', () => {
    const m = compilePyRegex('^(?P<a>x)(y)?(z)').re.exec('xz')!;
    expect(expandTemplate('\\1-\\g<a>-[\\2]-\\g<3>\\t\\\\', m)).toBe('x-x-[]-z\t\\');
    expect(() => expandTemplate('\\9', m)).toThrow(/invalid group reference/);
    expect(() => expandTemplate('\\g<nope>', m)).toThrow(/unknown group name/);
  });
});

describe('lineinfile conventions', () => {
  it('a line written into a file without a final newline gets one, as Ansible writes it', () => {
    const first = li('a=1\nb=2', { line: 'c=3' });
    expect(first).toMatchObject({ text: 'a=1\nb=2\nc=3\n', changed: true, msg: 'line added' });
    expect(li(first.text, { line: 'c=3' }).changed).toBe(false);
    expect(li('a=1\nb=2', { regexp: '^b=', line: 'b=9' }).text).toBe('a=1\nb=9\n');
    // Ansible's lineinfile compares the line with its newline: the same text without one is replaced.
    expect(li('a=1\nb=2', { regexp: '^b=', line: 'b=2' })).toMatchObject({ text: 'a=1\nb=2\n', changed: true, msg: 'line replaced' });
  });

  it('CRLF files get CRLF lines', () => {
    expect(li('a\r\nb\r\n', { line: 'c', insertafter: '^a' }).text).toBe('a\r\nc\r\nb\r\n');
    expect(li('a\r\nb\r\n', { regexp: '^b', line: 'B' }).text).toBe('a\r\nB\r\n');
    expect(li('a\r\nb\r\n', { line: 'b' }).changed).toBe(false);
  });

  it('absent reports how many lines went', () => {
    expect(li('x\ny\nx\n', { state: 'absent', line: 'x' })).toMatchObject({ text: 'y\n', found: 2, msg: '2 line(s) removed' });
    expect(li('x\ny', { state: 'absent', line: 'y' }).text).toBe('x\n'); // the other lines as they were
  });

  it('validates argument combinations as Ansible does', () => {
    const bad = [
      { path: '/f' },
      { path: '/f', line: 'x', insertafter: 'a', insertbefore: 'b' },
      { path: '/f', line: 'x', backrefs: true },
      { path: '/f', line: 'x', regexp: 'a', search_string: 'b' },
      { path: '/f', state: 'absent' },
      { path: '/f', line: 'x', bogus: 1 },
    ];
    for (const b of bad) expect(lineinfile.schema.safeParse(b).success, JSON.stringify(b)).toBe(false);
    expect(lineinfile.schema.parse({ dest: '/f', regex: 'a', value: 'b', backrefs: 'yes' })).toMatchObject({ path: '/f', regexp: 'a', line: 'b', backrefs: true });
  });
});

describe('blockinfile conventions', () => {
  it("uses Ansible's markers by default, keeps CRLF lines, and ends the end marker with a newline, as Ansible does", () => {
    const one = bi('a\n', { block: 'x' });
    expect(one.text).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n');
    expect(bi(one.text, { block: 'x' }).changed).toBe(false);
    // A block Ansible wrote is updated in place, not given a second one.
    expect(bi(one.text, { block: 'y' }).text).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\ny\n# END ANSIBLE MANAGED BLOCK\n');
    const crlf = bi('a\r\n', { block: 'x\r\ny' });
    expect(crlf.text).toBe('a\r\n# BEGIN ANSIBLE MANAGED BLOCK\nx\r\ny\n# END ANSIBLE MANAGED BLOCK\n');
    expect(bi(crlf.text, { block: 'x\r\ny' }).changed).toBe(false);
    const noNl = bi('a', { block: 'x' });
    expect(noNl.text).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n');
    expect(bi(noNl.text, { block: 'x' }).changed).toBe(false);
    expect(bi(noNl.text, { state: 'absent' }).text).toBe('a\n');
    expect(bi('a', { state: 'absent' }).text).toBe('a\n'); // Ansible adds the missing newline here too
    // Deliberately lenient: an end marker on a last line without newline (or a CRLF marker) is still
    // the block's end; Ansible compares "marker\n" exactly and would append a second block.
    expect(bi('a\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK', { block: 'y' }).text).toBe('a\n# BEGIN ANSIBLE MANAGED BLOCK\ny\n# END ANSIBLE MANAGED BLOCK\n');
  });

  it('prepend_newline / append_newline separate the block from its neighbours once', () => {
    const r = bi('a\nb\n', { block: 'x', insertafter: '^a', prepend_newline: true, append_newline: true, marker: '#{mark}' });
    expect(r.text).toBe('a\n\n#BEGIN\nx\n#END\n\nb\n');
    expect(bi(r.text, { block: 'x', insertafter: '^a', prepend_newline: true, append_newline: true, marker: '#{mark}' }).changed).toBe(false);
  });

  it('validates markers', () => {
    expect(blockinfile.schema.safeParse({ path: '/f', marker: '# managed' }).success).toBe(false);
    expect(blockinfile.schema.safeParse({ path: '/f', marker_begin: 'X', marker_end: 'X' }).success).toBe(false);
    expect(blockinfile.schema.parse({ name: '/f', content: 'c' })).toMatchObject({ path: '/f', block: 'c' });
  });
});
