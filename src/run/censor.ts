/** no_log: what reports show instead of a task's msg and output. */
export const NO_LOG_MSG = 'the output has been hidden due to no_log: true';

/** Last `n` lines of a command's output, for reports. */
export function tail(text: unknown, n = 20): string | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-n).join('\n');
}
