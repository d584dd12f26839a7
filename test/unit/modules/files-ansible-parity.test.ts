/**
 * lineinfile/blockinfile edits compared with Ansible's own modules, run in one Python
 * process on the same inputs. Skipped where ansible-core is not installed (scripts/install.sh
 * installs it). lineinfile inputs are LF files ending in a newline: for other files lineinfile
 * keeps the file's newline conventions on purpose (tested in files-line-edit.test.ts);
 * blockinfile matches Ansible on CRLF files and files without a final newline too.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import lineinfile, { lineEdit } from '../../../src/modules/lineinfile.js';
import blockinfile, { blockEdit } from '../../../src/modules/blockinfile.js';

const PY = '/usr/bin/python3';
const hasAnsible = (() => {
  try {
    execFileSync(PY, ['-c', 'import ansible.modules.lineinfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// Runs each case through the real module's main() (set_module_args style), reports the file after.
const DRIVER = `
import sys, json, io, os, contextlib
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
import ansible.modules.lineinfile as li, ansible.modules.blockinfile as bi
cases = json.load(sys.stdin)
out = []
for i, c in enumerate(cases):
    path = os.path.join(sys.argv[1], 'f%d' % i)
    with open(path, 'wb') as f: f.write(c['content'].encode())
    args = dict(c['args']); args['path'] = path
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            (li if c['module'] == 'lineinfile' else bi).main()
    except SystemExit:
        pass
    res = json.loads(buf.getvalue())
    with open(path, 'rb') as f: after = f.read().decode()
    out.append({'changed': res.get('changed'), 'failed': res.get('failed', False), 'content': after, 'msg': res.get('msg')})
print(json.dumps(out))
`;

interface Case {
  module: 'lineinfile' | 'blockinfile';
  content: string;
  args: Record<string, unknown>;
}

const GRUB = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="console=ttyS0"\n';
const INI = '[main]\nk=1\n[extra]\nk=2\n';
const l = (content: string, args: Record<string, unknown>): Case => ({ module: 'lineinfile', content, args });
const b = (content: string, args: Record<string, unknown>): Case => ({ module: 'blockinfile', content, args: { marker: '# {mark} MANAGED', ...args } });

const CASES: Case[] = [
  l('a=1\nb=2\na=3\n', { regexp: '^a=', line: 'a=9' }),
  l('a=1\nb=2\na=3\n', { regexp: '^a=', line: 'a=9', firstmatch: true }),
  l('a=1\nb=2\n', { regexp: '^c=', line: 'c=1' }),
  l('x\nc=1\ny\n', { regexp: '^zz', line: 'c=1' }),
  l('a=1\na=2\n', { regexp: '^a=', line: 'a=2' }),
  l('a=1\nb=2\n', { regexp: '^b=', line: 'b=2', insertafter: '^a' }),
  l(INI, { line: 'new=1', insertafter: '^\\[' }),
  l(INI, { line: 'new=1', insertafter: '^\\[', firstmatch: true }),
  l(INI, { line: 'new=1', insertbefore: '^\\[' }),
  l(INI, { line: 'new=1', insertbefore: '^\\[', firstmatch: true }),
  l(INI, { line: 'new=1', insertbefore: 'BOF' }),
  l(INI, { line: 'new=1', insertafter: 'BOF' }),
  l(INI, { line: 'new=1', insertafter: 'EOF' }),
  l(INI, { line: 'new=1', insertafter: '^nomatch' }),
  l(INI, { line: 'new=1', insertbefore: '^nomatch' }),
  l(INI, { line: 'new=1', insertafter: '^k=2' }),
  l('[s]\nnew=1\nk=1\n', { line: 'new=1', insertafter: '^\\[s\\]' }),
  l('[s]\nk=1\n', { line: 'k=1', insertafter: '^\\[s\\]' }),
  l(INI, { line: 'k=3', regexp: '^k=', insertafter: '^\\[main' }),
  l(GRUB, { regexp: '^(GRUB_CMDLINE_LINUX=")(.*)"$', line: '\\1\\2 cgroup.memory=nokmem"', backrefs: true }),
  l(GRUB, { regexp: '^(GRUB_CMDLINE_LINUX="(?!.*cgroup\\.memory=nokmem)[^"]*)"$', line: '\\1 cgroup.memory=nokmem"', backrefs: true }),
  l(GRUB.replace('ttyS0', 'ttyS0 cgroup.memory=nokmem'), { regexp: '^(GRUB_CMDLINE_LINUX="(?!.*cgroup\\.memory=nokmem)[^"]*)"$', line: '\\1 cgroup.memory=nokmem"', backrefs: true }),
  l(GRUB, { regexp: '^NOPE=(.*)$', line: 'NOPE=\\1', backrefs: true }),
  l(GRUB, { regexp: '^(?P<key>GRUB_DEFAULT)=(?P<v>\\d+)$', line: '\\g<key>=\\g<v>\\g<v>', backrefs: true }),
  l(GRUB, { regexp: '(?i)^grub_default=', line: 'GRUB_DEFAULT=saved' }),
  l(GRUB, { regexp: '\\AGRUB_DEFAULT=\\d{1}\\Z', line: 'GRUB_DEFAULT=1' }),
  l('a=1\n#a=2\na=3\n', { state: 'absent', regexp: '^a=' }),
  l('a\nb\na\n', { state: 'absent', line: 'a' }),
  l('foo bar\nbaz\n', { state: 'absent', search_string: 'o b' }),
  l('foo bar\nbaz\n', { state: 'absent', regexp: '^zzz' }),
  l('foo bar\nbaz\n', { search_string: 'bar', line: 'foo qux' }),
  l('foo bar\nbaz\n', { search_string: 'nothere', line: 'foo qux', insertbefore: 'baz' }),
  l('', { line: 'only' }),
  l('', { line: 'only', insertbefore: 'BOF' }),
  l('x\n', { regexp: '', line: 'y' }),
  l('a\n\nb\n', { regexp: '^$', line: 'gap' }),
  l('a\nb\n', { line: 'tab\there' }),
  b('a\nb\n', { block: 'x=1\ny=2' }),
  b('a\nb\n', { block: 'x=1\ny=2\n' }),
  b('a\n# BEGIN MANAGED\nold\n# END MANAGED\nb\n', { block: 'new' }),
  b('a\n# BEGIN MANAGED\nnew\n# END MANAGED\nb\n', { block: 'new' }),
  b('a\n# BEGIN MANAGED\nold\n# END MANAGED\nb\n', { state: 'absent' }),
  b('a\n# BEGIN MANAGED\nold\n# END MANAGED\nb\n', { block: '' }),
  b('a\nb\n', { state: 'absent' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertafter: '^\\[' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertbefore: '^\\[' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertbefore: 'BOF' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertafter: 'EOF' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertafter: '^nomatch' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertafter: '(?m)^k=1\\n\\[t' }),
  b('[s]\nk=1\n[t]\n', { block: 'z', insertbefore: '(?m)^k=1$' }),
  b('a\n', { block: 'z', marker: '<!-- {mark} -->', marker_begin: 'START', marker_end: 'STOP' }),
  b('a\n# END MANAGED\nmid\n# BEGIN MANAGED\nb\n', { block: 'z' }),
  b('a\n# BEGIN MANAGED\nonly begin\n', { block: 'z' }),
  b('', { block: 'first' }),
  // CRLF lines kept, no final newline: a newline follows the end marker; the default marker.
  b('a\r\nb\r\n', { block: 'x\r\ny' }),
  b('a\r\n# BEGIN MANAGED\nold\n# END MANAGED\nb\r\n', { block: 'new' }),
  b('a', { block: 'x' }),
  b('a', { state: 'absent' }),
  { module: 'blockinfile', content: 'a\n# BEGIN ANSIBLE MANAGED BLOCK\nold\n# END ANSIBLE MANAGED BLOCK\n', args: { block: 'new' } },
];

describe.skipIf(!hasAnsible)('parity with Ansible 2.14 lineinfile/blockinfile', () => {
  it('produces the same file and the same changed flag for every case', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-parity-'));
    writeFileSync(join(dir, 'driver.py'), DRIVER);
    const ansible = JSON.parse(execFileSync(PY, [join(dir, 'driver.py'), dir], { input: JSON.stringify(CASES), encoding: 'utf8' })) as {
      changed: boolean;
      failed: boolean;
      content: string;
      msg: string;
    }[];
    expect(ansible).toHaveLength(CASES.length);
    const mismatches: string[] = [];
    CASES.forEach((c, i) => {
      const want = ansible[i];
      expect(want.failed, `ansible failed on case ${i}: ${want.msg}`).toBe(false);
      const args = c.module === 'lineinfile' ? lineinfile.schema.parse({ path: '/f', ...c.args }) : blockinfile.schema.parse({ path: '/f', ...c.args });
      const edit = c.module === 'lineinfile' ? lineEdit(args as never) : blockEdit(args as never);
      const got = edit(c.content);
      if (got.text !== want.content || got.changed !== want.changed) {
        mismatches.push(
          `case ${i} ${c.module} ${JSON.stringify(c.args)} on ${JSON.stringify(c.content)}:\n  ansible ${want.changed} ${JSON.stringify(want.content)}\n  nodemend ${got.changed} ${JSON.stringify(got.text)}`,
        );
      }
    });
    expect(mismatches.join('\n')).toBe('');
  });
});
