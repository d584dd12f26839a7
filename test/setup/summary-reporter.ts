import type { Reporter, TestModule } from 'vitest/node';

/**
 * CI reads only the closing line "N passed, N failed[, N skipped]": vitest's own
 * summary is not parsed, so this reporter prints it last. A file that failed to
 * load (syntax error, failing hook) counts as one failure, so it can never pass silently.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let tests = 0;
      for (const t of mod.children.allTests()) {
        tests++;
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && tests === 0) failed++;
      else if (mod.errors().length > 0 && !mod.ok()) failed += 0;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
