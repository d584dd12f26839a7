/** `nodemend plan show FILE [--html OUT]`: a saved plan for review (terminal text, or one HTML page). */
import { writeFileAtomic } from '../report/write-atomic.js';
import { renderPlanHtml } from '../plan/html.js';
import { renderPlanText } from '../plan/show.js';
import { PlanFileError, readPlanFile } from '../plan/save.js';

export async function planShowCommand(file: string, flags: { html?: string }): Promise<number> {
  let plan;
  try {
    plan = await readPlanFile(file);
  } catch (e) {
    if (!(e instanceof PlanFileError)) throw e;
    process.stderr.write(`nodemend: ${e.message}\n`);
    return 1;
  }
  if (flags.html) {
    await writeFileAtomic(flags.html, renderPlanHtml(plan));
    process.stdout.write(`wrote ${flags.html}\n`);
    return 0;
  }
  process.stdout.write(renderPlanText(plan, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
  return 0;
}
