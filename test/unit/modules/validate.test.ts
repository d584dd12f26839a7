import { describe, expect, it } from 'vitest';
import { validateArg, validateCommand, validationFailure } from '../../../src/modules/lib/validate.js';
import { ModuleFailure } from '../../../src/modules/types.js';
import { RemoteFileError } from '../../../src/transport/remote-file.js';

describe('validate: (copy, template, lineinfile, blockinfile, replace)', () => {
  it('quotes every word and makes %s the temp file', () => {
    expect(validateCommand('visudo -cf %s').text).toBe('visudo -cf "$t"');
    expect(validateCommand('sh -c \'test -s "$0"; rm -rf /\' %s').text).toBe(`sh -c 'test -s "$0"; rm -rf /' "$t"`);
    expect(validateCommand('check --file=%s.new $(reboot)').text).toBe(`check --file="$t".new '$(reboot)'`);
  });
  it('refuses a command without %s or with an open quote at load time', () => {
    expect(validateArg.safeParse('visudo -c').success).toBe(false);
    expect(validateArg.safeParse("visudo -cf '%s").success).toBe(false);
    expect(validateArg.safeParse('visudo -cf %s').success).toBe(true);
  });
});

describe('a refused write, as each module registers it', () => {
  const refused = new RemoteFileError('x: validate failed (rc 3); left as it was', { validate_rc: 3, stdout: 'out\n', stderr: 'one\ntwo\n' });
  const shape = (e: unknown) => ({ msg: (e as ModuleFailure).message, ...(e as ModuleFailure).result });
  it('copy/template (and a controller-src assemble): "failed to validate" with exit_status, the output and its *_lines', () => {
    expect(shape(validationFailure(refused, 'copy'))).toEqual({
      msg: 'failed to validate',
      exit_status: 3,
      stdout: 'out\n',
      stderr: 'one\ntwo\n',
      stdout_lines: ['out'],
      stderr_lines: ['one', 'two'],
    });
  });
  it('lineinfile/blockinfile/replace: rc and the error in the message', () => {
    expect(shape(validationFailure(refused, 'edit'))).toEqual({ msg: 'failed to validate: rc:3 error:one\ntwo\n', rc: 3, stdout: 'out\n', stderr: 'one\ntwo\n' });
  });
  it("assemble on the host: assemble.py's fail_json(msg) alone", () => {
    expect(shape(validationFailure(refused, 'assemble'))).toEqual({ msg: 'failed to validate: rc:3 error:one\ntwo\n' });
  });
  it('any other failure passes through', () => {
    const other = new RemoteFileError('cannot write x', { rc: 1 });
    expect(validationFailure(other, 'assemble')).toBe(other);
  });
});
