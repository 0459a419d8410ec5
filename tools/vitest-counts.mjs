// The test counts of one vitest JSON report, as tools/test-summary.mjs and
// tools/ci-summary.mjs print them.
import { readFileSync } from 'node:fs';

/**
 * Passed, failed (failed tests plus suites that failed to load) and skipped
 * (pending plus todo) tests of the vitest JSON report at `file`.
 * @param {string} file
 * @returns {{ passed: number, failed: number, skipped: number }}
 */
export function vitestCounts(file) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return {
    passed: r.numPassedTests ?? 0,
    failed: (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0),
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
  };
}

/**
 * One row: NAME padded to 32, then the three counts.
 * @param {string} name
 * @param {{ passed: number, failed: number, skipped: number }} c
 */
export function countsRow(name, c) {
  return `${name.padEnd(32)} ${String(c.passed).padStart(5)} passed ${String(c.failed).padStart(3)} failed ${String(c.skipped).padStart(3)} skipped`;
}
