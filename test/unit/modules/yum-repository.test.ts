/**
 * yum_repository's file handling against the real thing: Python 3's configparser (the one
 * ansible-core's yum_repository.py drives) reads and writes the same texts here, and the port in
 * src/modules/lib/py-configparser.ts must give the same file bytes, the same sorted dump
 * (YumRepo.dump) and the same refusals.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseIni, writeIni } from '../../../src/modules/lib/py-configparser.js';
import { dumpRepos, editRepos } from '../../../src/modules/yum_repository.js';

/** Python's configparser on `text`: [written file, YumRepo.dump()] or the exception's class. */
function python(text: string, edit?: { section: string; options?: [string, string][] }): { written: string; dump: string } | { error: string } {
  const script = `
import configparser, io, json, sys
inp = json.load(sys.stdin)
c = configparser.RawConfigParser()
try:
    c.read_string(inp['text'], source='f.repo')
except configparser.Error as e:
    print(json.dumps({'error': type(e).__name__})); sys.exit(0)
ed = inp.get('edit')
if ed:
    if c.has_section(ed['section']): c.remove_section(ed['section'])
    if ed.get('options') is not None:
        c.add_section(ed['section'])
        for k, v in ed['options']: c.set(ed['section'], k, v)
out = io.StringIO(); c.write(out)
dump = ''
for s in sorted(c.sections()):
    dump += '[%s]\\n' % s
    for k, v in sorted(c.items(s)): dump += '%s = %s\\n' % (k, v)
    dump += '\\n'
print(json.dumps({'written': out.getvalue(), 'dump': dump}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify({ text, edit }) }).toString()) as never;
}

function port(text: string, edit?: { section: string; options?: [string, string][] }): { written: string; dump: string } | { error: string } {
  try {
    let data = parseIni(text, 'f.repo');
    if (edit) data = editRepos(data, edit.section, edit.options ? new Map(edit.options) : undefined);
    return { written: writeIni(data), dump: dumpRepos(data) };
  } catch (e) {
    return {
      error: (e as Error).message.startsWith('File contains no section')
        ? 'MissingSectionHeaderError'
        : /already exists/.test((e as Error).message)
          ? /option/.test((e as Error).message)
            ? 'DuplicateOptionError'
            : 'DuplicateSectionError'
          : 'ParsingError',
    };
  }
}

const TEXTS: Record<string, string> = {
  'a written repo': '[epel]\nbaseurl = http://a/\n\thttp://b/\nenabled = 1\nname = EPEL\n\n',
  'comments, colons, case, spacing': '# top\n[b]\nKey:v\n; c\n  # indented comment\nOther =  spaced value  \n[a]\nx=1\n',
  'continuations and empty lines inside a value': '[s]\nk = one\n  two\n\n  three\nz = 2\n\n\n',
  'defaults overlay sections': '[DEFAULT]\nd = 1\n[s]\nk = v\n[DEFAULT]\ne = 2\n',
  'CRLF and no final newline': '[s]\r\nk = v\r\nj = w',
  'a header with brackets inside': '[a]b] tail\nk = v\n',
  'empty value': '[s]\nk =\nj:\n',
  'empty file': '',
  'no section header': 'k = v\n[s]\n',
  'duplicate section': '[s]\nk = v\n[s]\nj = w\n',
  'duplicate option': '[s]\nk = v\nK = w\n',
  'a line without delimiter': '[s]\nflag\n',
};

describe("py-configparser = Python's configparser", () => {
  for (const [name, text] of Object.entries(TEXTS)) {
    it(`${name}: same file and dump`, () => expect(port(text)).toEqual(python(text)));
  }
  it('a section replaced moves to the end with its new options; a multi-line value is written with tabs', () => {
    const edit = {
      section: 'b',
      options: [
        ['baseurl', 'http://x/\nhttp://y/'],
        ['enabled', '0'],
      ] as [string, string][],
    };
    const text = TEXTS['comments, colons, case, spacing'];
    expect(port(text, edit)).toEqual(python(text, edit));
    expect((port(text, edit) as { written: string }).written).toBe('[a]\nx = 1\n\n[b]\nbaseurl = http://x/\n\thttp://y/\nenabled = 0\n\n');
  });
  it('a section removed', () => {
    const edit = { section: 'a' };
    const text = TEXTS['comments, colons, case, spacing'];
    expect(port(text, edit)).toEqual(python(text, edit));
  });
});
