/**
 * modprobe's decisions on text (src/modules/modprobe.ts), for what the fleet cannot show: the
 * fleet's kernel has no /proc/modules, so the differential test always reads a stand-in's table.
 * Expected values are community.general 6.6.2's modprobe.py run on the same input (python3).
 */
import { describe, expect, it } from 'vitest';
import { commentOut, isLoaded, persistenceWrites } from '../../../src/modules/modprobe.js';
import { ModuleFailure } from '../../../src/modules/types.js';

const file = (path: string, text: string) => ({ path, real: path, text });

describe('modprobe: is it loaded', () => {
  const builtin = { path: '/lib/modules/6.1.0/modules.builtin', real: '', text: 'kernel/drivers/block/loop.ko\n' };
  it('a /proc/modules line, `-` read as `_`; a builtin module; a prefix is not enough', () => {
    const proc = { path: '/proc/modules', real: '', text: 'br_netfilter 32768 0 - Live 0x0\nnf_nat 1 0 - Live 0x0\n' };
    expect(isLoaded('br-netfilter', { proc, builtin })).toBe(true);
    expect(isLoaded('loop', { proc, builtin })).toBe(true);
    expect(isLoaded('nf', { proc, builtin })).toBe(false);
  });
  it("a missing /proc/modules fails with Python's message, and modules.builtin only when it is needed", () => {
    const gone = { path: '/proc/modules', real: '', error: "[Errno 2] No such file or directory: '/proc/modules'" };
    expect(() => isLoaded('dummy', { proc: gone, builtin })).toThrow(new ModuleFailure("[Errno 2] No such file or directory: '/proc/modules'"));
    const proc = { path: '/proc/modules', real: '', text: 'dummy 1 0 - Live 0x0\n' };
    const noBuiltin = { path: builtin.path, real: '', error: `[Errno 2] No such file or directory: '${builtin.path}'` };
    expect(isLoaded('dummy', { proc, builtin: noBuiltin })).toBe(true);
    expect(() => isLoaded('veth', { proc, builtin: noBuiltin })).toThrow(noBuiltin.error);
  });
});

describe('modprobe: persistence files', () => {
  it("comments matching lines and joins the lines as the release does (CRLF read as Python's universal newlines)", () => {
    expect(commentOut('a\r\ndummy ; x\r\nb', /^ *dummy *(?:[#;][^\n]*)?\n?$/)).toBe('a\n\n#dummy ; x\n\nb');
    expect(commentOut('a\n', /^ *dummy *$/)).toBeUndefined();
  });
  it('present with parameters already set writes nothing; other parameters rewrite NAME.conf', () => {
    const files = [file('/etc/modules-load.d/m.conf', ' dummy # boot\n'), file('/etc/modprobe.d/dummy.conf', 'options dummy numdummies=2\n')];
    const a = { name: 'dummy', state: 'present' as const, params: 'numdummies=2', persistent: 'present' as const };
    expect(persistenceWrites(a, files).size).toBe(0);
    const w = persistenceWrites({ ...a, params: 'numdummies=3 x=1' }, files);
    expect([...w.entries()].map(([p, x]) => [p, x.text])).toEqual([['/etc/modprobe.d/dummy.conf', 'options dummy numdummies=3\noptions dummy x=1\n']]);
  });
  it('absent comments both kinds of line out, a symlinked file through its target', () => {
    const files = [{ path: '/etc/modules-load.d/modules.conf', real: '/etc/modules', text: 'dummy\n' }, file('/etc/modprobe.d/o.conf', 'options dummy a=1\noptions dummy a=1 b=2\n')];
    const w = persistenceWrites({ name: 'dummy', state: 'absent', params: '', persistent: 'absent' }, files);
    expect(Object.fromEntries([...w.entries()].map(([p, x]) => [p, x.text]))).toEqual({ '/etc/modules': '#dummy\n', '/etc/modprobe.d/o.conf': '#options dummy a=1\n\noptions dummy a=1 b=2\n' });
  });
  it('each write expects what the probe read (compare-and-swap): its sha256, or absence for a file it creates', () => {
    const files = [{ ...file('/etc/modprobe.d/o.conf', 'options dummy a=1\n'), sha256: 'ab12' }];
    const w = persistenceWrites({ name: 'dummy', state: 'present', params: 'a=2', persistent: 'present' }, files);
    expect(Object.fromEntries([...w.entries()].map(([p, x]) => [p, x.expectSha]))).toEqual({
      '/etc/modprobe.d/o.conf': 'ab12',
      '/etc/modprobe.d/dummy.conf': null,
      '/etc/modules-load.d/dummy.conf': null,
    });
  });
});
