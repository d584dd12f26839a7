import type { Reporter, TestModule, TestSuite } from 'vitest/node';

/**
 * CI reads only the closing line "N passed, N failed[, N skipped]": vitest's own
 * summary is not parsed, so this reporter prints it last. Every failure counts: a
 * failed test, each error of a failed hook (beforeAll/afterAll of a file or a suite),
 * a file that failed to load, and an unhandled error. So the line can never read
 * "0 failed" when vitest itself failed (test/unit/summary-reporter.test.ts proves it).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const t of mod.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // Hook errors belong to the file or the suite that ran the hook, not to a test.
      const suites: (TestModule | TestSuite)[] = [mod, ...mod.children.allSuites()];
      for (const s of suites) failedHere += s.errors().length;
      if (mod.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
