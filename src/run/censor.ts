/** no_log: what a censored result keeps (status and timing) and what it hides. */
export const NO_LOG_MSG = 'the output has been hidden due to no_log: true';

export function censorResult(result: Record<string, unknown>): Record<string, unknown> {
  const keep: Record<string, unknown> = { censored: NO_LOG_MSG };
  for (const k of ['changed', 'failed', 'skipped', 'attempts']) if (k in result) keep[k] = result[k];
  return keep;
}

/** Last `n` lines of a command's output, for reports. */
export function tail(text: unknown, n = 20): string | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
