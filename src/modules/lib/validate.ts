/**
 * `validate:` of the file-writing modules (copy, template, lineinfile, blockinfile, replace), as
 * Ansible 2.14 runs it: a command with `%s`, run on the new file under its temp name before the
 * rename; a failure leaves the destination untouched. Ansible substitutes `%s` and then splits the
 * line with shlex (run_command without a shell); here each shlex word is quoted and `%s` becomes
 * the write script's "$t" (its temp path), so nothing in the command reaches the shell unquoted.
 */
import { z } from 'zod';
import { quote, raw, type Raw } from '../../transport/quote.js';
import { RemoteFileError } from '../../transport/remote-file.js';
import { shlexSplit } from '../command.js';
import { ModuleFailure } from '../types.js';
import { pySplitlines } from './text-lines.js';

/** The argument: a command line that names the file to check as `%s` (checked at load time, as Ansible checks it at run time). */
export const validateArg = z.string().superRefine((v, ctx) => {
  if (!v.includes('%s')) ctx.addIssue({ code: 'custom', message: `validate must contain %s: ${v}` });
  try {
    if (shlexSplit(v).length === 0) ctx.addIssue({ code: 'custom', message: 'validate is empty' });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `validate: ${(e as Error).message}` });
  }
});

/** The shell command for the write script: each word quoted, every `%s` the temp file ("$t"). */
export function validateCommand(validate: string): Raw {
  const word = (w: string) =>
    w
      .split('%s')
      .map((part) => (part === '' ? '' : quote(part)))
      .join('"$t"');
  return raw(shlexSplit(validate).map(word).join(' '));
}

/**
 * A write the validator refused, as the module registers it: copy/template say "failed to validate"
 * with exit_status/stdout/stderr; lineinfile/blockinfile/replace "failed to validate: rc:N error:...",
 * with rc/stdout/stderr; assemble (fragments on the host) the same words and nothing more.
 */
export function validationFailure(e: unknown, style: 'copy' | 'edit' | 'assemble'): unknown {
  if (!(e instanceof RemoteFileError) || e.result.validate_rc === undefined) return e;
  const rc = e.result.validate_rc as number;
  const stdout = String(e.result.stdout ?? '');
  const stderr = String(e.result.stderr ?? '');
  if (style === 'assemble') return new ModuleFailure(`failed to validate: rc:${rc} error:${stderr}`);
  // copy's fail_json(exit_status, stdout, stderr); the action's _execute_module adds the *_lines (str.splitlines()).
  if (style === 'copy') return new ModuleFailure('failed to validate', { exit_status: rc, stdout, stderr, stdout_lines: pySplitlines(stdout), stderr_lines: pySplitlines(stderr) });
  return new ModuleFailure(`failed to validate: rc:${rc} error:${stderr}`, { rc, stdout, stderr });
}
