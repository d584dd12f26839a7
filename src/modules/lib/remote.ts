/** Remote calls from modules: failures become ModuleFailure with rc/stderr to register. */
import { parseStatLine, RemoteFileError, statFormatPrelude, type FileProbe } from '../../transport/remote-file.js';
import { sh, type Raw } from '../../transport/quote.js';
import type { ExecResult, RemoteShell } from '../../transport/types.js';
import { ModuleFailure } from '../types.js';

/** Await a remote-file operation; its failure becomes a module failure. */
export async function remote<T>(op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (e) {
    if (e instanceof RemoteFileError) throw new ModuleFailure(e.message, e.result);
    throw e;
  }
}

/** Run one script; a non-zero exit fails the task with what the host said. */
export async function run(conn: RemoteShell, script: string | { toString(): string }, what: string): Promise<ExecResult> {
  const res = await conn.exec(script);
  if (res.rc !== 0) {
    throw new ModuleFailure(`${what}: ${res.stderr.trim() || `exit code ${res.rc}`}`, { rc: res.rc, stdout: res.stdout, stderr: res.stderr });
  }
  return res;
}

/** Run a change and stat the path in the same exec: the registered result shows the final state. */
export async function runAndStat(conn: RemoteShell, script: Raw, path: string, what: string): Promise<FileProbe> {
  // The change must be one &&-chain (or exit on error): its status gates the stat.
  const res = await run(
    conn,
    sh`${statFormatPrelude()}{ ${script}
} && { stat -c "$sfmt" -- ${path} 2>/dev/null || :; }`,
    what,
  );
  return parseStatLine(path, res.stdout.trim().split('\n').pop() ?? '');
}
