/**
 * Local facts' parsing: the INI reading of Python 3.11's configparser (the expected values are what
 * `configparser.ConfigParser().read_file()` + `get()` give for the same text on this machine's
 * python3), and the collector output → ansible_local as ansible-core 2.14.18's local.py builds it.
 * The whole path against ansible-playbook is test/fleet/differential-local-facts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { IniInterpolationError, IniSyntaxError, readIni } from '../../../src/facts/configparser.js';
import { localFactsCommand, parseLocalFacts } from '../../../src/facts/local.js';

describe('readIni (configparser)', () => {
  it('continuation lines, full-line comments only, the first delimiter, a section name as written', () => {
    expect(readIni('[a]\n k=1\n  ;c\n#x\nk2 : v : w\n[b]\nq=\n r=\n\n s\nt=1 ; inline\n[ c ]\nz=1\n')).toEqual({
      a: { k: '1', k2: 'v : w' },
      b: { q: '\nr=\n\ns', t: '1 ; inline' },
      ' c ': { z: '1' },
    });
  });

  it('a header is matched from the line start: text after "]" is ignored, the last "]" closes it', () => {
    expect(readIni('[a] tail\nk=v\n[x]y]\nk=w\n')).toEqual({ a: { k: 'v' }, 'x]y': { k: 'w' } });
  });

  it('DEFAULT options in every section, names lowercased, %(name)s and %% interpolated', () => {
    expect(readIni('[DEFAULT]\nBase = /opt\n[app]\npath = %(base)s/app\npct = 50%%\n[DEFAULT]\nextra = e\n')).toEqual({ app: { path: '/opt/app', pct: '50%', base: '/opt', extra: 'e' } });
    expect(readIni('[a]\nk =\nj:\n')).toEqual({ a: { k: '', j: '' } });
    expect(readIni('')).toEqual({});
    expect(readIni('[DEFAULT]\nk=1\n')).toEqual({});
  });

  it('strict: repeated options and sections, no section header, a line without a delimiter are errors', () => {
    for (const text of ['[a]\nk=1\nk=2\n', '[a]\n[a]\n', 'k=1\n', '[a]\nnovalue\n', '[a]\n=v\n', '[DEFAULT]\na=1\n[DEFAULT]\na=2\n']) expect(() => readIni(text), text).toThrow(IniSyntaxError);
  });

  it('a bad %-reference fails only when read: missing name, lone %, recursion', () => {
    for (const text of ['[a]\nk=%(nope)s\n', '[a]\nk=50%\n', '[a]\nk=%(k)s\n']) expect(() => readIni(text), text).toThrow(IniInterpolationError);
  });
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const file = (path: string, tail: string): string => `@f ${b64(path)}\n${tail}\n`;

describe('parseLocalFacts (local.py)', () => {
  it('sorted by path, every ".fact" removed from the key, each kind and its error string and warning', () => {
    const out =
      file('/d/z.fact', `@file ${b64('{"a": 1}')}`) +
      file('/d/x.factory.fact', `@file ${b64('[s]\nk=v\n')}`) +
      file('/d/bad.fact', `@file ${b64('k=1')}`) +
      file('/d/gone.fact', '@nostat') +
      file('/d/run.fact', `@exec 0 ${b64('{"e": 2}\n')} `) +
      file('/d/fail.fact', `@exec 3 ${b64('')} ${b64('oops\n')}`) +
      file('/d/empty.fact', '@file ');
    const r = parseLocalFacts(out);
    expect(Object.keys(r.local!)).toEqual(['bad', 'empty', 'fail', 'gone', 'run', 'xory', 'z']);
    expect(r.local).toEqual({
      bad: 'error loading facts as JSON or ini - please check content: /d/bad.fact',
      empty: {},
      fail: 'Failure executing fact script (/d/fail.fact), rc: 3, err: oops\n',
      gone: "Could not stat fact (/d/gone.fact): [Errno 2] No such file or directory: '/d/gone.fact'",
      run: { e: 2 },
      xory: { s: { k: 'v' } },
      z: { a: 1 },
    });
    expect(r.warnings).toEqual([r.local!.bad, r.local!.fail, r.local!.gone]);
  });

  it('a file that is not UTF-8 reads as empty; an executable that cannot be run fails the gathering', () => {
    expect(parseLocalFacts(`@f ${b64('/d/n.fact')}\n@file ${Buffer.from([0xff, 0xfe, 0x7b, 0x7d]).toString('base64')}\n`).local).toEqual({ n: {} });
    expect(parseLocalFacts(file('/d/a.fact', '@noexec 8')).failure).toEqual({ msg: "[Errno 8] Exec format error: b'/d/a.fact'", rc: 8, cmd: '/d/a.fact' });
  });

  it('a bad %-reference raises out of the collector: no ansible_local at all', () => {
    expect(parseLocalFacts(file('/d/a.fact', `@file ${b64('[a]\nk=%(x)s\n')}`)).local).toBeUndefined();
  });

  it('a fact_path with a quote is one shell word; an absent one prints nothing', () => {
    expect(localFactsCommand("/tmp/it's")).toContain(`p='/tmp/it'"'"'s'`);
    expect(parseLocalFacts('')).toEqual({ local: {}, warnings: [] });
  });
});
